package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emar-project/emar/alerts"
	"github.com/emar-project/emar/bench/datagen"
	"github.com/emar-project/emar/mar"
)

type sweepResult struct {
	Note string     `json:"note"`
	Runs []sweepRun `json:"runs"`
}

type sweepRun struct {
	HistoryDoses    int       `json:"history_doses"`
	GenerateSeconds float64   `json:"generate_seconds"`
	OpenDoses       int       `json:"open_doses"`
	MarkedPerSweep  int       `json:"marked_per_sweep"`
	IdleMs          float64   `json:"idle_sweep_ms"`
	WarmupMs        float64   `json:"warmup_sweep_ms"`
	TrialsMs        []float64 `json:"trial_ms"`
	MedianMs        float64   `json:"median_ms"`
	MaxMs           float64   `json:"max_ms"`
	UsesOpenIndex   bool      `json:"uses_scheduled_doses_open"`
	Plan            string    `json:"plan"`
}

// settable is the sweeper's injected clock.
type settable struct {
	mu sync.Mutex
	t  time.Time
}

func (c *settable) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *settable) Set(t time.Time) {
	c.mu.Lock()
	c.t = t.UTC().Truncate(time.Microsecond)
	c.mu.Unlock()
}

const (
	sweepBatch  = 500 // doses whose window closes before each measured sweep
	sweepTrials = 5
	sweepFuture = 19000 // open doses ahead: a 500-bed site's 72-hour horizon
)

// sweep times alerts.Sweeper.Sweep — the whole tick, not just the query —
// on the same facility with 10 thousand and with 10 million closed doses
// of history and the same open doses: the cost must not follow the
// history, because every step reads partial or bounded indexes.
func (b *bench) sweep(ctx context.Context) error {
	r := &sweepResult{Note: fmt.Sprintf("history: closed doses made with generate_series (datagen.ClosedHistory); before each timed sweep %d open doses' windows close (injected clock); %d more open doses lie ahead", sweepBatch, sweepFuture)}
	b.rep.Sweep = r
	for _, n := range []int{10_000, b.cfg.sweepRows} {
		run, err := b.sweepOnce(ctx, n)
		if err != nil {
			return err
		}
		r.Runs = append(r.Runs, run)
	}
	return nil
}

func (b *bench) sweepOnce(ctx context.Context, history int) (sweepRun, error) {
	run := sweepRun{HistoryDoses: history, MarkedPerSweep: sweepBatch}
	name := fmt.Sprintf("bench_sweep_%d", history)
	st, err := b.openMigrated(ctx, name)
	if err != nil {
		return run, err
	}
	defer func() { st.Close(); b.dropDB(ctx, name) }()
	now := time.Now().UTC().Truncate(time.Minute)
	bulk, err := datagen.BulkFacility(ctx, st, 425, now.AddDate(-5, 0, 0), "America/New_York")
	if err != nil {
		return run, err
	}
	t0 := time.Now()
	if err := datagen.ClosedHistory(ctx, st.DB(), bulk.FacilityID, history, now.Add(-2*time.Hour)); err != nil {
		return run, err
	}
	run.GenerateSeconds = time.Since(t0).Seconds()
	const gap = time.Minute
	if err := datagen.OpenDoses(ctx, st.DB(), bulk.FacilityID, sweepBatch, sweepTrials+1, now, gap, sweepFuture); err != nil {
		return run, err
	}
	run.OpenDoses = sweepBatch*(sweepTrials+1) + sweepFuture
	b.log.Info("sweep data", "history", history, "seconds", run.GenerateSeconds)

	plan, err := b.pg.Pg(ctx, "psql", "-XAtc", fmt.Sprintf(`EXPLAIN SELECT d.id FROM scheduled_doses d WHERE d.status = 'scheduled' AND d.window_end < '%s' ORDER BY d.window_end LIMIT %d FOR UPDATE OF d SKIP LOCKED`,
		now.Add(gap).Format(time.RFC3339), sweepBatch), name)
	if err != nil {
		return run, err
	}
	run.Plan = strings.TrimSpace(plan)
	run.UsesOpenIndex = strings.Contains(plan, "scheduled_doses_open")

	clock := &settable{}
	svc := mar.NewService(st, quietLog())
	svc.Clock = clock
	cfg := alerts.DefaultConfig()
	cfg.BatchSize = sweepBatch
	sw := alerts.NewSweeper(svc, cfg, nil, quietLog())
	timed := func(at time.Time, want int) (float64, error) {
		clock.Set(at)
		var overdue int
		if err := st.DB().QueryRowContext(ctx, "SELECT count(*) FROM scheduled_doses WHERE status = 'scheduled' AND window_end < $1", at).Scan(&overdue); err != nil {
			return 0, err
		}
		if overdue != want {
			return 0, fmt.Errorf("%d doses overdue at %s, want %d", overdue, at.Format(time.RFC3339), want)
		}
		t := time.Now()
		res, err := sw.Sweep(ctx)
		d := float64(time.Since(t).Microseconds()) / 1000
		if err != nil {
			return d, err
		}
		if res.Missed != want {
			return d, fmt.Errorf("sweep at %s marked %d doses missed, want %d", at.Format(time.RFC3339), res.Missed, want)
		}
		return d, nil
	}
	for k := 1; k <= sweepTrials+1; k++ {
		d, err := timed(now.Add(time.Duration(k)*gap), sweepBatch)
		if err != nil {
			return run, err
		}
		if k == 1 {
			run.WarmupMs = d
			continue
		}
		run.TrialsMs = append(run.TrialsMs, d)
	}
	// A tick with nothing newly overdue, the usual case, after the trials
	// (warm cache, like a service that has been sweeping every 15 s).
	if run.IdleMs, err = timed(now.Add(time.Duration(sweepTrials+1)*gap+time.Second), 0); err != nil {
		return run, err
	}
	sorted := slices.Clone(run.TrialsMs)
	slices.Sort(sorted)
	run.MedianMs, run.MaxMs = sorted[len(sorted)/2], sorted[len(sorted)-1]
	b.log.Info("sweep", "history", history, "median_ms", run.MedianMs, "max_ms", run.MaxMs, "open_index", run.UsesOpenIndex)
	return run, nil
}
