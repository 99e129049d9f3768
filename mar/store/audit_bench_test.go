package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/emar-project/emar/bench/datagen"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store"
	"github.com/emar-project/emar/mar/store/storetest"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkVerifyAuditPG verifies a chain of EMAR_BENCH_AUDIT_EVENTS
// (default 200,000) events of the bedside's shape on PostgreSQL, all from
// the first event (as emar audit verify --full). It reports events/s by
// the wall clock and the verifier's own CPU per event (the machine is
// shared: the wall clock also counts other people's work).
//
//	scripts/with-postgres.sh go test ./mar/store -run '^$' -bench VerifyAuditPG -benchtime 3x
func BenchmarkVerifyAuditPG(b *testing.B) {
	if os.Getenv("EMAR_TEST_PG_DSN") == "" {
		b.Skip("needs PostgreSQL (EMAR_TEST_PG_DSN)")
	}
	n := 200_000
	if v, err := strconv.Atoi(os.Getenv("EMAR_BENCH_AUDIT_EVENTS")); err == nil && v > 0 {
		n = v
	}
	s := storetest.Open(b, "postgres")
	ctx := context.Background()
	fac, user := mar.NewID(), mar.NewID()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	detail := `{"dose_id":"` + mar.NewID() + `","order_id":"` + mar.NewID() + `","outcome":"given","gtin":"00312345678906","lot":"LOT123A","expiry":"2027-01-31","late":false,"overrides":[],"synthetic":true}`
	if err := datagen.AppendAudit(ctx, s.DB(), n, func(i int, e *mar.AuditEvent) {
		*e = mar.AuditEvent{ID: mar.NewID(), FacilityID: fac, At: t0.Add(time.Duration(i) * time.Second), UserID: user, Role: "nurse",
			Action: "administration.record", ObjectType: "administration", ObjectID: mar.NewID(), ResidentID: mar.NewID(),
			SourceIP: "127.0.0.1", Device: "bench-scanner-01", RequestID: fmt.Sprintf("%016x", i), Detail: detail}
	}); err != nil {
		b.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, "VACUUM ANALYZE audit_events"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var events int64
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		rep, err := s.VerifyAuditReport(ctx, store.AuditVerifyOptions{Full: true})
		if err != nil || rep.Break != nil {
			b.Fatal(err, rep.Break)
		}
		events += rep.Events
	}
	cpu := cpuTime() - c0
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(events), "go-cpu-ns/event")
}
