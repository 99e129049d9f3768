package faults

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/bench/loadgen"
)

// Twenty nurses document at the same moment on the embedded SQLite
// database. The store serialises writers (one connection, immediate
// transactions, a busy timeout), so no "database is locked" ever reaches
// a device: every request succeeds the first time.
func TestFaultSQLiteConcurrentWriters(t *testing.T) {
	r := newRig(t, rigOptions{engine: "sqlite", beds: pick(60, 200), units: 2, nursesPerUnit: 10})
	clients := r.login(r.proc.URL(), loadgen.HTTPClient(32, 30*time.Second), len(r.fac.Nurses))
	ctx, cancel := context.WithTimeout(context.Background(), pick(2*time.Minute, 6*time.Minute))
	defer cancel()
	w := newWorkload()
	r.run(ctx, clients, w)
	w.mu.Lock()
	for status, n := range w.statuses {
		if status != http.StatusOK && status != http.StatusCreated {
			t.Errorf("%d answers with status %d: with %d writers every request must succeed at once", n, status, len(clients))
		}
	}
	if w.attempts != int(w.total.Load())+len(r.fac.Residents) {
		t.Errorf("%d requests for %d doses and %d wristbands: something was retried", w.attempts, w.total.Load(), len(r.fac.Residents))
	}
	w.mu.Unlock()
	if logs := r.logs.String(); strings.Contains(logs, "SQLITE_BUSY") || strings.Contains(logs, "database is locked") {
		t.Error("the service logged SQLITE_BUSY / database is locked")
	}
	r.check(w)
}
