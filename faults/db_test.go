package faults

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/emar-project/emar/bench/loadgen"
)

// PostgreSQL stops hard (pg_ctl stop -m immediate: a crash) during a burst
// of administrations and comes back. While it is down the service answers
// 503 — readiness and writes, quickly, never a 500 — and it recovers by
// itself when the database returns; no acknowledged write is lost.
func TestFaultDatabaseStopped(t *testing.T) {
	r := newRig(t, rigOptions{engine: "postgres", beds: pick(40, 120), units: 2, nursesPerUnit: pick(3, 8)})
	clients := r.login(r.proc.URL(), loadgen.HTTPClient(32, 10*time.Second), len(r.fac.Nurses))
	ctx, cancel := context.WithTimeout(context.Background(), pick(90*time.Second, 5*time.Minute))
	defer cancel()
	w := newWorkload()
	done := make(chan struct{})
	go func() { r.run(ctx, clients, w); close(done) }()

	outages := pick(1, 3)
	down := pick(3*time.Second, 10*time.Second)
	for i := 0; i < outages; i++ {
		if !w.waitDone(int64(len(r.fac.Residents)*6*(i+1)/(outages+2)), time.Minute) {
			t.Fatalf("outage %d: only %d doses documented", i+1, w.done.Load())
		}
		if err := r.pg.StopImmediate(ctx); err != nil {
			t.Fatal(err)
		}
		stopped := time.Now()
		for time.Since(stopped) < down {
			st, took := r.ready(5 * time.Second)
			if st != http.StatusServiceUnavailable || took > 2*time.Second {
				t.Errorf("readyz with the database down: %d after %s, want 503 within 2s", st, took)
			}
			time.Sleep(250 * time.Millisecond)
		}
		if err := r.pg.Start(ctx); err != nil {
			t.Fatal(err)
		}
		took, ok := r.waitReady(30 * time.Second)
		if !ok {
			t.Fatalf("outage %d: not ready %s after the database came back", i+1, took)
		}
		t.Logf("outage %d: database down %s; ready again %s after it came back", i+1, down, took.Round(time.Millisecond))
	}
	<-done
	if n := w.statuses[http.StatusInternalServerError]; n > 0 {
		t.Errorf("%d answers were 500: a database outage must read as 503", n)
	}
	if w.statuses[http.StatusServiceUnavailable] == 0 {
		t.Errorf("no client saw a 503 during the outage: %v", w.statuses)
	}
	r.check(w)
}

// PostgreSQL freezes (SIGSTOP on the postmaster and every backend: a hung
// disk or VM) for a while. Requests do not hang with it: readiness says
// 503 within 2 s and writes end within the request time-out with 503; when
// the database thaws the service carries on, and nothing is lost or
// written twice.
func TestFaultDatabasePaused(t *testing.T) {
	timeout := pick(time.Second, 5*time.Second)
	r := newRig(t, rigOptions{engine: "postgres", beds: pick(40, 120), units: 2, nursesPerUnit: pick(3, 8),
		serveArgs: []string{"--request-timeout", timeout.String()}})
	clients := r.login(r.proc.URL(), loadgen.HTTPClient(32, 30*time.Second), len(r.fac.Nurses))
	ctx, cancel := context.WithTimeout(context.Background(), pick(90*time.Second, 5*time.Minute))
	defer cancel()
	w := newWorkload()
	done := make(chan struct{})
	go func() { r.run(ctx, clients, w); close(done) }()

	pause := pick(3*time.Second, 10*time.Second)
	if !w.waitDone(int64(len(r.fac.Residents)*2), time.Minute) {
		t.Fatalf("only %d doses documented", w.done.Load())
	}
	r.freeze()
	frozen := time.Now()
	for time.Since(frozen) < pause {
		st, took := r.ready(10 * time.Second)
		if st != http.StatusServiceUnavailable || took > 2500*time.Millisecond {
			t.Errorf("readyz with the database frozen: %d after %s, want 503 within 2s", st, took)
		}
		time.Sleep(250 * time.Millisecond)
	}
	r.thaw()
	took, ok := r.waitReady(30 * time.Second)
	if !ok {
		t.Fatalf("not ready %s after the database thawed", took)
	}
	t.Logf("database frozen %s; ready %s after it thawed", pause, took.Round(time.Millisecond))
	<-done
	w.mu.Lock()
	slow := w.slowest[http.StatusServiceUnavailable]
	if w.statuses[http.StatusServiceUnavailable] == 0 {
		t.Errorf("no request timed out while the database was frozen for %s: %v", pause, w.statuses)
	}
	if slow > timeout+2*time.Second {
		t.Errorf("a 503 took %s: the request time-out is %s", slow, timeout)
	}
	if w.statuses[0] > 0 || w.statuses[http.StatusInternalServerError] > 0 {
		t.Errorf("answers %v: requests must end with 503, not hang or fail with 500", w.statuses)
	}
	w.mu.Unlock()
	r.check(w)
}
