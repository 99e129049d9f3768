package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
)

var (
	tpsRe     = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
	latencyRe = regexp.MustCompile(`latency average = ([0-9.]+) ms`)
)

// pgbench measures PostgreSQL's TPC-B-like figure on the same server, the
// baseline the service's write throughput is compared with.
func (b *bench) pgbench(ctx context.Context) error {
	if _, err := b.createDB(ctx, "bench_pgbench"); err != nil {
		return err
	}
	defer b.dropDB(ctx, "bench_pgbench")
	if _, err := b.pg.Pg(ctx, "pgbench", "-i", "-q", "-s", "1", "bench_pgbench"); err != nil {
		return err
	}
	out, err := b.pg.Pg(ctx, "pgbench", "-c", "8", "-j", "2", "-T", strconv.Itoa(b.cfg.pgbenchSecs), "bench_pgbench")
	if err != nil {
		return err
	}
	m := tpsRe.FindStringSubmatch(out)
	l := latencyRe.FindStringSubmatch(out)
	if m == nil || l == nil {
		return fmt.Errorf("pgbench: no tps in its output:\n%s", out)
	}
	tps, _ := strconv.ParseFloat(m[1], 64)
	lat, _ := strconv.ParseFloat(l[1], 64)
	b.rep.Pgbench = &pgbenchResult{Scale: 1, Clients: 8, Seconds: b.cfg.pgbenchSecs, TPS: tps, LatencyMs: lat}
	b.log.Info("pgbench", "tps", tps, "latency_ms", lat)
	return nil
}
