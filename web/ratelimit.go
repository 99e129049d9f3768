package web

import (
	"context"
	"time"

	"github.com/emar-project/emar/mar"
)

// signInLimit allows n sign-in attempts per client address in each fixed
// window. The attempts are counted in the database (mar.Service.SignInAttempt),
// so every replica of the service enforces the same limit; the per-account
// lock lives in the database too. Windows follow the replicas' wall clocks,
// which NTP keeps within far less than a window of each other.
type signInLimit struct {
	svc    *mar.Service
	n      int
	window time.Duration
	now    func() time.Time
}

func newSignInLimit(svc *mar.Service, n int, window time.Duration) *signInLimit {
	return &signInLimit{svc: svc, n: n, window: window, now: time.Now}
}

// allow counts an attempt from key and reports whether it may proceed, and
// if not, how long to wait. An error (the database is unreachable) is the
// service's, answered as such.
func (l *signInLimit) allow(ctx context.Context, key string) (bool, time.Duration, error) {
	return l.svc.SignInAttempt(ctx, key, l.n, l.window, l.now())
}
