package faults

import (
	"context"
	"testing"
	"time"

	"github.com/emar-project/emar/bench/loadgen"
)

// The service is killed with SIGKILL in the middle of a burst of
// administrations and started again; the nurses' devices retry with their
// idempotency keys. Every acknowledged administration is stored exactly
// once and the audit chain verifies.
func TestFaultServiceKilledMidBurst(t *testing.T) {
	r := newRig(t, rigOptions{engine: "postgres", beds: pick(40, 120), units: 2, nursesPerUnit: pick(3, 8)})
	hc := loadgen.HTTPClient(32, 10*time.Second)
	clients := r.login(r.proc.URL(), hc, len(r.fac.Nurses))
	ctx, cancel := context.WithTimeout(context.Background(), pick(90*time.Second, 5*time.Minute))
	defer cancel()
	w := newWorkload()
	done := make(chan struct{})
	go func() { r.run(ctx, clients, w); close(done) }()

	expected := int64(len(r.fac.Residents) * 6) // at least six doses due now each
	kills := pick([]float64{0.25}, []float64{0.2, 0.45, 0.7})
	for i, share := range kills {
		if !w.waitDone(int64(share*float64(expected)), time.Minute) {
			t.Fatalf("kill %d: only %d doses documented", i+1, w.done.Load())
		}
		before := w.done.Load()
		if err := r.proc.Kill(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond) // the devices find nobody home
		if err := r.proc.Start(ctx, time.Minute); err != nil {
			t.Fatalf("restart %d: %v\n%s", i+1, err, r.logs)
		}
		t.Logf("kill %d at %d acknowledged doses; restarted", i+1, before)
	}
	<-done
	r.check(w)
}
