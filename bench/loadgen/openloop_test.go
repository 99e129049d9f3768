package loadgen

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// An open loop keeps sending while an earlier request hangs: a closed
// loop with one client would send nothing until it returned.
func TestOpenLoopSendsOnScheduleWhileEarlierRequestsHang(t *testing.T) {
	const n = 20
	var started atomic.Int32
	release := make(chan struct{})
	var once sync.Once
	r := OpenLoop(context.Background(), OpenPlan{Name: "hang", Rate: 100, Duration: time.Second, N: n}, func(ctx context.Context, i int) error {
		if started.Add(1) == n {
			once.Do(func() { close(release) })
		}
		if i == 0 {
			select {
			case <-release:
			case <-time.After(10 * time.Second):
				t.Error("request 0 was still alone after 10 s: later requests waited for it")
			}
		}
		return nil
	})
	if r.Done != n || r.Scheduled != n || r.Errors != 0 || r.Truncated {
		t.Fatalf("result %+v", r)
	}
	// Request 0 returned only after request 19, scheduled 190 ms in.
	if r.Max < 190*time.Millisecond {
		t.Fatalf("max latency %v: request 0 waited for the 20th request, at least 190 ms", r.Max)
	}
}

// Latency runs from the scheduled instant, so time spent waiting for a
// slot behind a slow server is counted (no coordinated omission).
func TestOpenLoopCountsLatencyFromTheScheduledInstant(t *testing.T) {
	r := OpenLoop(context.Background(), OpenPlan{Name: "queue", Rate: 1000, Duration: time.Second, N: 10, MaxInFlight: 1}, func(ctx context.Context, i int) error {
		time.Sleep(20 * time.Millisecond)
		return nil
	})
	if r.Done != 10 || r.LateSends == 0 {
		t.Fatalf("result %+v", r)
	}
	// Request 9 was due at 9 ms and could not finish before 10 × 20 ms.
	if r.Max < 190*time.Millisecond {
		t.Fatalf("max latency %v: the last request queued behind nine others of 20 ms each", r.Max)
	}
	if r.MaxSendLag < 100*time.Millisecond {
		t.Fatalf("max send lag %v, want the queueing seen", r.MaxSendLag)
	}
}

func TestOpenLoopStopsSchedulingWhenToldAndCountsErrors(t *testing.T) {
	stop := make(chan struct{})
	var once sync.Once
	r := OpenLoop(context.Background(), OpenPlan{Name: "stop", Rate: 200, Duration: 10 * time.Second, Stop: stop}, func(ctx context.Context, i int) error {
		if i == 9 {
			once.Do(func() { close(stop) })
		}
		if i%2 == 1 {
			return &StatusError{Status: 503}
		}
		return nil
	})
	if !r.Truncated || r.Scheduled < 10 || r.Scheduled >= 2000 || r.Done+r.Errors != r.Scheduled || r.ErrorKinds["http 503"] != r.Errors {
		t.Fatalf("result %+v", r)
	}
}
