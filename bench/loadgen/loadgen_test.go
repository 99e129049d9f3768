package loadgen

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunAttemptsEachOperationOnce(t *testing.T) {
	var calls atomic.Int64
	seen := make([]atomic.Int32, 100)
	r := Run(context.Background(), Plan{Name: "count", Clients: 7, Total: 100, Deadline: 10 * time.Second}, func(ctx context.Context, w, i int) error {
		calls.Add(1)
		seen[i].Add(1)
		if i%10 == 0 {
			return &StatusError{Status: 503}
		}
		return nil
	})
	if calls.Load() != 100 || r.Done != 90 || r.Errors != 10 || r.ErrorKinds["http 503"] != 10 || r.Truncated {
		t.Fatalf("calls %d, result %+v", calls.Load(), r)
	}
	for i := range seen {
		if seen[i].Load() != 1 {
			t.Fatalf("operation %d ran %d times", i, seen[i].Load())
		}
	}
}

func TestRunStopsAtTheDeadline(t *testing.T) {
	r := Run(context.Background(), Plan{Clients: 2, Total: 1 << 30, Deadline: 100 * time.Millisecond}, func(ctx context.Context, w, i int) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
			return nil
		}
	})
	if !r.Truncated || r.Elapsed > 2*time.Second || r.Errors != 0 {
		t.Fatalf("result %+v", r)
	}
}

func TestPercentileNearestRank(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i))
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50}, {95, 95}, {99, 99}, {100, 100}, {1, 1}} {
		if got := Percentile(lat, c.p); got != c.want {
			t.Errorf("p%v = %d, want %d", c.p, got, c.want)
		}
	}
}

func TestLoopbackOnly(t *testing.T) {
	for base, ok := range map[string]bool{
		"http://127.0.0.1:8080": true, "http://localhost:1": true, "http://[::1]:80": true,
		"http://10.0.0.1:8080": false, "http://example.com": false,
	} {
		if err := LoopbackOnly(base); (err == nil) != ok {
			t.Errorf("LoopbackOnly(%s) = %v", base, err)
		}
	}
	_, err := HTTPClient(1, time.Second).Get("http://192.0.2.1:9/")
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("dial to a non-loopback address: %v", err)
	}
}

func TestRunPerClientGivesEachClientItsOwnCount(t *testing.T) {
	counts := make([]atomic.Int32, 3)
	r := Run(context.Background(), Plan{Clients: 3, Total: 5, PerClient: true, Deadline: 10 * time.Second}, func(ctx context.Context, w, i int) error {
		if i < 0 || i >= 5 {
			t.Errorf("client %d got index %d", w, i)
		}
		counts[w].Add(1)
		return nil
	})
	for w := range counts {
		if counts[w].Load() != 5 {
			t.Fatalf("client %d ran %d operations", w, counts[w].Load())
		}
	}
	if r.Done != 15 || r.Truncated {
		t.Fatalf("%+v", r)
	}
}
