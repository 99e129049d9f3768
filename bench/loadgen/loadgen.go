// Package loadgen drives bounded load against the service on loopback: a
// fixed number of operations shared by a fixed number of clients, cut off
// by a deadline, with latency percentiles. It refuses any address that is
// not the local machine.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Op is one operation: client w runs its i-th operation (i counts across
// all clients, from 0). A nil error counts as a success.
type Op func(ctx context.Context, w, i int) error

// Plan bounds a run by count and by time.
type Plan struct {
	Name     string
	Clients  int           // concurrent workers
	Total    int           // operations in all, shared by the workers
	Deadline time.Duration // the run stops when it is over, whatever is left
	// PerClient makes Total a count per client: client w runs operations
	// 0 … Total-1 of its own (i is then the client's own index), for work
	// that belongs to one client, such as one nurse's doses.
	PerClient bool
}

// Result summarises a run. Latencies are of successful operations.
type Result struct {
	Name       string         `json:"name"`
	Clients    int            `json:"clients"`
	Done       int            `json:"ok"`
	Errors     int            `json:"errors"`
	Elapsed    time.Duration  `json:"elapsed_ns"`
	Throughput float64        `json:"per_second"`
	P50        time.Duration  `json:"p50_ns"`
	P95        time.Duration  `json:"p95_ns"`
	P99        time.Duration  `json:"p99_ns"`
	Max        time.Duration  `json:"max_ns"`
	ErrorKinds map[string]int `json:"error_kinds,omitempty"`
	// Truncated is set when the deadline stopped the run before Total.
	Truncated bool `json:"truncated"`
}

// Run executes the plan. Operations are handed out one at a time, so a
// slow client does not hold back the others; the run ends when Total
// operations have been attempted or the deadline passes.
func Run(ctx context.Context, p Plan, op Op) Result {
	if p.Clients < 1 {
		p.Clients = 1
	}
	ctx, cancel := context.WithTimeout(ctx, p.Deadline)
	defer cancel()
	var next atomic.Int64
	lat := make([][]time.Duration, p.Clients)
	errs := make([]map[string]int, p.Clients)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < p.Clients; w++ {
		errs[w] = map[string]int{}
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for k := 0; ctx.Err() == nil; k++ {
				i := k
				if p.PerClient {
					if k >= p.Total {
						return
					}
					next.Add(1)
				} else if i = int(next.Add(1) - 1); i >= p.Total {
					return
				}
				t0 := time.Now()
				err := op(ctx, w, i)
				d := time.Since(t0)
				switch {
				case err == nil:
					lat[w] = append(lat[w], d)
				case ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded):
					// Cut off by the run's deadline: neither done nor failed.
				default:
					errs[w][Kind(err)]++
				}
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	kinds := map[string]int{}
	nerr := 0
	for w := range lat {
		all = append(all, lat[w]...)
		for k, n := range errs[w] {
			kinds[k] += n
			nerr += n
		}
	}
	r := Summarise(p.Name, p.Clients, all, elapsed)
	r.Errors = nerr
	if len(kinds) > 0 {
		r.ErrorKinds = kinds
	}
	want := p.Total
	if p.PerClient {
		want *= p.Clients
	}
	r.Truncated = int(next.Load()) < want
	return r
}

// Summarise computes throughput and percentiles from latencies.
func Summarise(name string, clients int, lat []time.Duration, elapsed time.Duration) Result {
	slices.Sort(lat)
	r := Result{Name: name, Clients: clients, Done: len(lat), Elapsed: elapsed}
	if elapsed > 0 {
		r.Throughput = float64(len(lat)) / elapsed.Seconds()
	}
	if len(lat) > 0 {
		r.P50, r.P95, r.P99 = Percentile(lat, 50), Percentile(lat, 95), Percentile(lat, 99)
		r.Max = lat[len(lat)-1]
	}
	return r
}

// Percentile returns the nearest-rank percentile of sorted latencies.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
}

// StatusError is an unexpected HTTP status.
type StatusError struct {
	Status int
	Body   string
}

func (e *StatusError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.Status, e.Body) }

// Kind names an error for the summary: "http 503", "timeout", "reset"…
func Kind(err error) string {
	var se *StatusError
	var ne net.Error
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("http %d", se.Status)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return "transport"
}

// LoopbackOnly checks that base names this machine, so load can never be
// pointed at someone else's server by mistake.
func LoopbackOnly(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("loadgen: %s is not a loopback address; load is only ever sent to 127.0.0.1", base)
	}
	return nil
}

// HTTPClient returns a client with enough idle connections for clients
// workers and a dialer that connects to loopback addresses only.
func HTTPClient(clients int, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
				return nil, fmt.Errorf("loadgen: refusing to dial %s: not loopback", addr)
			}
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConns:        clients * 2,
		MaxIdleConnsPerHost: clients * 2,
		IdleConnTimeout:     90 * time.Second,
	}
	return &http.Client{Transport: tr, Timeout: timeout}
}
