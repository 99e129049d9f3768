package web

import (
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// metrics counts requests per route template and status in the Prometheus
// text format; a dependency-free stand-in for client_golang that covers
// what the board and operators need.
type metrics struct {
	mu       sync.Mutex
	requests map[metricKey]uint64
	seconds  map[metricKey]float64
}

type metricKey struct {
	method, route string
	status        int
}

func newMetrics() *metrics {
	return &metrics{requests: map[metricKey]uint64{}, seconds: map[metricKey]float64{}}
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	k := metricKey{method, route, status}
	m.mu.Lock()
	m.requests[k]++
	m.seconds[k] += d.Seconds()
	m.mu.Unlock()
}

func (m *metrics) write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys := make([]metricKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].route != keys[j].route {
			return keys[i].route < keys[j].route
		}
		if keys[i].method != keys[j].method {
			return keys[i].method < keys[j].method
		}
		return keys[i].status < keys[j].status
	})
	fmt.Fprintln(w, "# HELP emar_http_requests_total HTTP requests by route template and status.")
	fmt.Fprintln(w, "# TYPE emar_http_requests_total counter")
	for _, k := range keys {
		fmt.Fprintf(w, "emar_http_requests_total{method=%q,route=%q,status=\"%d\"} %d\n", k.method, k.route, k.status, m.requests[k])
	}
	fmt.Fprintln(w, "# HELP emar_http_request_seconds_total Time spent answering, by route template and status.")
	fmt.Fprintln(w, "# TYPE emar_http_request_seconds_total counter")
	for _, k := range keys {
		fmt.Fprintf(w, "emar_http_request_seconds_total{method=%q,route=%q,status=\"%d\"} %g\n", k.method, k.route, k.status, m.seconds[k])
	}
}
