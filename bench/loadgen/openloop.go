package loadgen

import (
	"context"
	"errors"
	"sync"
	"time"
)

// OpenPlan is an open-loop run: requests arrive at a constant rate,
// request i at start + i/Rate, whether or not earlier ones were answered —
// the way nurses' devices send, each on its own. A closed loop (Run) waits
// for an answer before sending again, so a stalled server also stalls the
// load and its latency never shows (coordinated omission).
type OpenPlan struct {
	Name string
	Rate float64 // requests per second
	// Duration is the span over which requests are scheduled; N, when
	// set, bounds their number further (the operations available).
	Duration time.Duration
	N        int
	// Stop, when closed, ends the scheduling early (requests already sent
	// are still waited for).
	Stop <-chan struct{}
	// MaxInFlight bounds outstanding requests (default 512), so a dead
	// server cannot make the generator open sockets without end. A request
	// that has to wait for a slot is sent late, and its latency still
	// counts from its scheduled instant.
	MaxInFlight int
	// Grace is how long, after the last scheduled instant, answers are
	// waited for (default 30 s); requests still outstanding are cut off
	// and counted as errors ("timeout").
	Grace time.Duration
}

// OpenResult is a Result (latencies measured from each request's
// scheduled instant, not from when it was actually sent) with what the
// schedule asked for and how late the generator itself was.
type OpenResult struct {
	Result
	Rate      float64 `json:"target_rate"`
	Scheduled int     `json:"scheduled"`
	// LateSends counts requests sent more than a millisecond after their
	// scheduled instant (a full in-flight bound or a busy generator);
	// MaxSendLag is the worst such delay. Both are in the latencies.
	LateSends  int           `json:"late_sends"`
	MaxSendLag time.Duration `json:"max_send_lag_ns"`
}

// OpenLoop runs op for requests 0, 1, … on the plan's schedule and
// summarises the answers. Percentiles are of successful requests, each
// measured from its scheduled send time to its answer.
func OpenLoop(ctx context.Context, p OpenPlan, op func(ctx context.Context, i int) error) OpenResult {
	if p.MaxInFlight <= 0 {
		p.MaxInFlight = 512
	}
	if p.Grace <= 0 {
		p.Grace = 30 * time.Second
	}
	n := int(p.Rate * p.Duration.Seconds())
	if p.N > 0 && p.N < n {
		n = p.N
	}
	interval := time.Duration(float64(time.Second) / p.Rate)
	reqCtx, cancel := context.WithTimeout(ctx, p.Duration+p.Grace)
	defer cancel()

	var (
		mu       sync.Mutex
		lat      []time.Duration
		kinds    = map[string]int{}
		nerr     int
		late     int
		maxLag   time.Duration
		lastDone time.Time
		wg       sync.WaitGroup
	)
	slots := make(chan struct{}, p.MaxInFlight)
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	scheduled := 0
schedule:
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i) * interval)
		if d := time.Until(at); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-p.Stop:
				break schedule
			case <-ctx.Done():
				break schedule
			}
		} else {
			select {
			case <-p.Stop:
				break schedule
			case <-ctx.Done():
				break schedule
			default:
			}
		}
		select {
		case slots <- struct{}{}:
		case <-reqCtx.Done():
			break schedule
		}
		scheduled++
		if lag := time.Since(at); lag > time.Millisecond {
			mu.Lock()
			late++
			maxLag = max(maxLag, lag)
			mu.Unlock()
		}
		wg.Add(1)
		go func(i int, at time.Time) {
			defer wg.Done()
			defer func() { <-slots }()
			err := op(reqCtx, i)
			now := time.Now()
			mu.Lock()
			defer mu.Unlock()
			lastDone = now
			switch {
			case err == nil:
				lat = append(lat, now.Sub(at))
			case ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
				// The whole benchmark was interrupted: neither done nor failed.
			default:
				nerr++
				kinds[Kind(err)]++
			}
		}(i, at)
	}
	wg.Wait()
	elapsed := lastDone.Sub(start)
	if elapsed <= 0 {
		elapsed = time.Since(start)
	}
	r := Summarise(p.Name, p.MaxInFlight, lat, elapsed)
	r.Errors = nerr
	if len(kinds) > 0 {
		r.ErrorKinds = kinds
	}
	r.Truncated = scheduled < n
	return OpenResult{Result: r, Rate: p.Rate, Scheduled: scheduled, LateSends: late, MaxSendLag: maxLag}
}
