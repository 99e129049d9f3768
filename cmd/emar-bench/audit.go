package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/emar-project/emar/bench/datagen"
	"github.com/emar-project/emar/mar"
)

type auditResult struct {
	Events          int64   `json:"events"`
	GenerateSeconds float64 `json:"generate_seconds"`
	Seconds         float64 `json:"seconds"`
	PerSecond       float64 `json:"events_per_second"`
}

// audit chains a million events of the shape the bedside writes, then
// times store.VerifyAudit, which re-reads and re-hashes every one.
func (b *bench) audit(ctx context.Context) error {
	const name = "bench_audit"
	st, err := b.openMigrated(ctx, name)
	if err != nil {
		return err
	}
	defer func() { st.Close(); b.dropDB(ctx, name) }()
	facility, user := mar.NewID(), mar.NewID()
	residents := make([]string, 425)
	for i := range residents {
		residents[i] = mar.NewID()
	}
	start := time.Now().Add(-90 * 24 * time.Hour)
	step := 90 * 24 * time.Hour / time.Duration(b.cfg.auditEvents)
	detail, _ := json.Marshal(map[string]any{"dose_id": mar.NewID(), "order_id": mar.NewID(), "outcome": "given", "gtin": "00312345678906",
		"lot": "LOT123A", "expiry": "2027-01-31", "late": false, "overrides": []string{}, "synthetic": true})
	t0 := time.Now()
	err = datagen.AppendAudit(ctx, st.DB(), b.cfg.auditEvents, func(i int, e *mar.AuditEvent) {
		r := residents[i%len(residents)]
		*e = mar.AuditEvent{ID: mar.NewID(), FacilityID: facility, At: start.Add(time.Duration(i) * step), UserID: user, Role: "nurse",
			Action: "administration.record", ObjectType: "administration", ObjectID: mar.NewID(), ResidentID: r,
			SourceIP: "127.0.0.1", Device: "bench-scanner-01", RequestID: fmt.Sprintf("%016x", i), Detail: string(detail)}
	})
	if err != nil {
		return err
	}
	gen := time.Since(t0)
	if _, err := st.DB().ExecContext(ctx, "VACUUM ANALYZE audit_events"); err != nil {
		return err
	}
	t1 := time.Now()
	n, brk, err := st.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if brk != nil {
		return fmt.Errorf("the synthesised chain does not verify: %v", brk)
	}
	d := time.Since(t1)
	b.rep.Audit = &auditResult{Events: n, GenerateSeconds: gen.Seconds(), Seconds: d.Seconds(), PerSecond: float64(n) / d.Seconds()}
	b.log.Info("audit verify", "events", n, "seconds", d.Seconds())
	return nil
}
