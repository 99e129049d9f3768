// Command emar-bench is what `make bench` runs: every measurement of
// docs/performance.md against a PostgreSQL server with durable settings
// (scripts/bench.sh starts one and exports EMAR_TEST_PG_*), each bounded in
// count and time, with the baselines (pgbench, a raw INSERT, zxing-cpp)
// measured in the same run on the same machine. It prints a table and
// writes the figures as JSON under bench/results/.
//
// Everything listens and connects on 127.0.0.1 only.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/emar-project/emar/internal/pgctl"
)

// config is the command line.
type config struct {
	emar        string // the emar binary serving the facility
	out         string // results directory
	repo        string // repository root (scanning fixtures, decode script)
	steps       []string
	matRes      int // residents for the materialisation measurement
	sweepRows   int // historical doses of the large sweep database
	auditEvents int // events of the audit verification measurement
	pgbenchSecs int
	ladderTime  time.Duration // bound of one rung of the throughput ladder
	burstTime   time.Duration // bound of the 09:00 burst
	nurses      int           // virtual nurses in the burst
}

var allSteps = []string{"pgbench", "facility", "materialize", "sweep", "audit", "decode"}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("emar-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	var steps string
	fs.StringVar(&c.emar, "emar", "bin/emar", "the emar binary to serve the facility with")
	fs.StringVar(&c.out, "out", "bench/results", "directory for the JSON results")
	fs.StringVar(&c.repo, "repo", ".", "repository root")
	fs.StringVar(&steps, "steps", strings.Join(allSteps, ","), "measurements to run, comma-separated")
	fs.IntVar(&c.matRes, "mat-residents", 10000, "residents (8 orders each) for the materialisation measurement")
	fs.IntVar(&c.sweepRows, "sweep-rows", 10_000_000, "historical doses in the large missed-dose sweep database")
	fs.IntVar(&c.auditEvents, "audit-events", 1_000_000, "events in the audit verification measurement")
	fs.IntVar(&c.pgbenchSecs, "pgbench-seconds", 30, "pgbench time, shared by the rungs of its client ladder (at least 5 s each)")
	fs.DurationVar(&c.ladderTime, "ladder-time", 8*time.Second, "bound of each rung of the verify/document ladder")
	fs.DurationVar(&c.burstTime, "burst-time", 90*time.Second, "bound of the 09:00 medication-pass burst")
	fs.IntVar(&c.nurses, "nurses", 60, "virtual nurses in the 09:00 burst")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the benchmark process to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c.steps = strings.Split(steps, ",")
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "emar-bench:", err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "emar-bench:", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	pg, err := pgctl.FromEnv()
	if err != nil {
		fmt.Fprintln(stderr, "emar-bench:", err)
		return 2
	}
	b := &bench{cfg: c, pg: pg, log: log, rep: newReport()}
	if err := b.describeMachine(ctx); err != nil {
		fmt.Fprintln(stderr, "emar-bench:", err)
		return 1
	}
	start := time.Now()
	failed := false
	for _, step := range allSteps {
		if !slices.Contains(c.steps, step) {
			continue
		}
		t0 := time.Now()
		log.Info("step", "name", step)
		var err error
		switch step {
		case "pgbench":
			err = b.pgbench(ctx)
		case "facility":
			err = b.facility(ctx)
		case "materialize":
			err = b.materialize(ctx)
		case "sweep":
			err = b.sweep(ctx)
		case "audit":
			err = b.audit(ctx)
		case "decode":
			err = b.decode(ctx)
		}
		b.rep.Steps = append(b.rep.Steps, stepTime{Name: step, Seconds: time.Since(t0).Seconds(), Error: errString(err)})
		if err != nil {
			failed = true
			log.Error("step failed", "name", step, "err", err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	b.rep.TotalSeconds = time.Since(start).Seconds()
	b.rep.computeRatios()
	b.rep.print(stdout)
	if err := b.rep.write(c.out); err != nil {
		fmt.Fprintln(stderr, "emar-bench:", err)
		failed = true
	}
	if failed {
		return 1
	}
	return 0
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// bench carries what every step needs.
type bench struct {
	cfg config
	pg  *pgctl.Server
	log *slog.Logger
	rep *report
}

func (b *bench) describeMachine(ctx context.Context) error {
	m := &b.rep.Machine
	m.CPUs = runtime.NumCPU()
	m.GoVersion = runtime.Version()
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.SplitN(string(data), "\n", 2)[0], "MemTotal: %d kB", &kb)
		m.MemoryGB = float64(kb) / (1 << 20)
	}
	m.Postgres = map[string]string{}
	for _, name := range []string{"server_version", "fsync", "synchronous_commit", "full_page_writes", "wal_level", "shared_buffers", "max_wal_size", "max_connections"} {
		out, err := b.pg.Pg(ctx, "psql", "-XAtc", "SHOW "+name, "postgres")
		if err != nil {
			return err
		}
		m.Postgres[name] = strings.TrimSpace(out)
	}
	if m.Postgres["fsync"] != "on" || m.Postgres["synchronous_commit"] != "on" {
		return errors.New("the benchmark measures durable writes: PostgreSQL must run with fsync=on and synchronous_commit=on (scripts/bench.sh does)")
	}
	return nil
}

// createDB makes a fresh database on the benchmark server.
func (b *bench) createDB(ctx context.Context, name string) (string, error) {
	if _, err := b.pg.Pg(ctx, "psql", "-XAtc", fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name), "postgres"); err != nil {
		return "", err
	}
	if _, err := b.pg.Pg(ctx, "psql", "-XAtc", "CREATE DATABASE "+name, "postgres"); err != nil {
		return "", err
	}
	return b.pg.DatabaseDSN(name), nil
}

// dropDB removes a database a step no longer needs, to keep the disk and
// the buffer cache for the next one.
func (b *bench) dropDB(ctx context.Context, name string) {
	if _, err := b.pg.Pg(ctx, "psql", "-XAtc", fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name), "postgres"); err != nil {
		b.log.Warn("drop database", "name", name, "err", err)
	}
}

func writeJSON(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
