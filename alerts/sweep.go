package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/emar-project/emar/mar"
)

// maxBatches bounds one step of one sweep, so a huge backlog is worked off
// over several ticks instead of holding one tick forever.
const maxBatches = 2000

// Sweeper derives alerts from the database. It uses the service's clock,
// so tests move time by hand.
type Sweeper struct {
	svc *mar.Service
	cfg Config
	hub *Hub
	log *slog.Logger
}

// NewSweeper builds a sweeper; hub may be nil.
func NewSweeper(svc *mar.Service, cfg Config, hub *Hub, log *slog.Logger) *Sweeper {
	cfg.fill()
	if log == nil {
		log = slog.Default()
	}
	return &Sweeper{svc: svc, cfg: cfg, hub: hub, log: log}
}

// Result counts what one sweep did.
type Result struct {
	Missed    int                   // doses marked missed
	Raised    map[mar.AlertKind]int // alerts raised, by kind (missed included)
	Resolved  int                   // alerts resolved automatically
	Escalated int
}

// Changed reports whether the sweep changed anything.
func (r Result) Changed() bool {
	n := r.Resolved + r.Escalated
	for _, v := range r.Raised {
		n += v
	}
	return n > 0 || r.Missed > 0
}

// Tick is the cron job: one sweep, logged.
func (s *Sweeper) Tick(ctx context.Context) {
	start := time.Now()
	res, err := s.Sweep(ctx)
	attrs := []any{"ms", time.Since(start).Milliseconds(), "missed", res.Missed, "raised", res.Raised, "resolved", res.Resolved, "escalated", res.Escalated}
	switch {
	case err != nil && ctx.Err() == nil:
		s.log.Error("alert sweep failed", append(attrs, "err", err)...)
	case res.Changed():
		s.log.Info("alert sweep", attrs...)
	default:
		s.log.Debug("alert sweep", attrs...)
	}
}

// Sweep runs every step once over everything that is due now. A failing
// step does not stop the others; the next sweep retries it.
func (s *Sweeper) Sweep(ctx context.Context) (Result, error) {
	res := Result{Raised: map[mar.AlertKind]int{}}
	var errs []error
	step := func(name string, fn func() (done, seen int, err error), add func(int)) {
		for i := 0; i < maxBatches; i++ {
			if ctx.Err() != nil {
				errs = append(errs, ctx.Err())
				return
			}
			done, seen, err := fn()
			add(done)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
				return
			}
			if seen < s.cfg.BatchSize {
				return
			}
		}
	}
	batch := s.cfg.BatchSize
	step("missed doses", func() (int, int, error) { return s.svc.MarkMissedDoses(ctx, batch) }, func(n int) {
		res.Missed += n
		res.Raised[mar.AlertMissed] += n
	})
	raise := func(kind mar.AlertKind, q func(now time.Time) mar.CandidateQuery) {
		step(string(kind), func() (int, int, error) {
			cq := q(s.svc.Clock.Now().UTC())
			cq.Limit = batch
			return s.svc.RaiseAlerts(ctx, kind, cq)
		}, func(n int) { res.Raised[kind] += n })
	}
	raise(mar.AlertLate, func(now time.Time) mar.CandidateQuery {
		return mar.CandidateQuery{Since: now.Add(-s.cfg.LateLookback)}
	})
	if s.cfg.DueSoon > 0 {
		raise(mar.AlertDueSoon, func(now time.Time) mar.CandidateQuery { return mar.CandidateQuery{Until: now.Add(s.cfg.DueSoon)} })
	}
	if s.cfg.VerificationAfter > 0 {
		raise(mar.AlertVerificationOverdue, func(now time.Time) mar.CandidateQuery {
			return mar.CandidateQuery{Before: now.Add(-s.cfg.VerificationAfter)}
		})
	}
	raise(mar.AlertPRNFollowupOverdue, func(time.Time) mar.CandidateQuery { return mar.CandidateQuery{} })
	if s.cfg.VitalsWithin > 0 {
		raise(mar.AlertVitalsMissing, func(now time.Time) mar.CandidateQuery { return mar.CandidateQuery{Since: now.Add(-s.cfg.VitalsWithin)} })
	}
	step("settle", func() (int, int, error) { return s.svc.SettleAlerts(ctx, s.cfg.VitalsWithin, batch) }, func(n int) { res.Resolved += n })
	if len(s.cfg.EscalateAfter) > 0 {
		step("escalate", func() (int, int, error) { return s.svc.EscalateAlerts(ctx, s.cfg.EscalateAfter, batch) }, func(n int) { res.Escalated += n })
	}
	for k, v := range res.Raised {
		if v == 0 {
			delete(res.Raised, k)
		}
	}
	if res.Changed() {
		s.hub.Notify()
	}
	return res, errors.Join(errs...)
}
