package web

import (
	"sync"
	"time"
)

// windowLimiter allows n requests per key in each fixed window. It guards
// the sign-in route per client address; the per-account lock lives in the
// database so it holds across replicas.
type windowLimiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	start  time.Time
	counts map[string]int
	now    func() time.Time
}

func newWindowLimiter(n int, window time.Duration) *windowLimiter {
	return &windowLimiter{n: n, window: window, counts: map[string]int{}, now: time.Now}
}

// allow reports whether key may proceed, and if not, how long to wait.
func (l *windowLimiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.start) >= l.window {
		l.start = now
		clear(l.counts)
	}
	if l.counts[key] >= l.n {
		return false, l.window - now.Sub(l.start)
	}
	l.counts[key]++
	return true, 0
}
