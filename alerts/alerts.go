// Package alerts derives missed, late and overdue work from the database
// and tells people about it: a sweeper on a robfig/cron runner in UTC, the
// escalation of unacknowledged alerts, an in-process notifier that wakes
// the live stream, and a signed webhook fed from a transactional outbox.
//
// Nothing here keeps state between ticks. Every sweep re-reads what is
// open, so a restart, a skipped tick, a clock jump or a long outage is
// healed by the next sweep, and the unique (kind, subject) key on alerts
// makes repeating a sweep harmless. Dose times never become cron specs:
// cron only says "look again".
//
// It is the only package that imports robfig/cron.
package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/emar-project/emar/mar"
)

// Config tunes the sweeper, the escalation and the webhook.
type Config struct {
	// SweepInterval is the cron tick. 15 s detects a missed dose well
	// within the 60 s target after its window closes.
	SweepInterval time.Duration
	// BatchSize bounds one transaction of the sweep.
	BatchSize int
	// DueSoon raises an informational reminder this long before a dose is
	// due; zero turns reminders off (the default).
	DueSoon time.Duration
	// VerificationAfter raises verification_overdue for orders waiting
	// longer than this for pharmacy; zero turns it off.
	VerificationAfter time.Duration
	// VitalsWithin is how recent a vital sign must be for a dose with hold
	// parameters; zero turns vitals_missing off.
	VitalsWithin time.Duration
	// LateLookback bounds the late-dose sweep to doses documented this
	// recently, keeping its cost flat as history grows. An outage longer
	// than this loses only informational late alerts.
	LateLookback time.Duration
	// EscalateAfter[i] is how long an unacknowledged alert stays at level
	// i before it goes to level i+1 (nurse → charge nurse → unit manager).
	EscalateAfter []time.Duration
	// Webhook, when URL is set, delivers every alert event.
	Webhook WebhookConfig
}

// DefaultConfig is what emar serve uses without flags.
func DefaultConfig() Config {
	return Config{
		SweepInterval:     15 * time.Second,
		BatchSize:         500,
		VerificationAfter: 60 * time.Minute,
		VitalsWithin:      60 * time.Minute,
		LateLookback:      24 * time.Hour,
		EscalateAfter:     []time.Duration{15 * time.Minute, 30 * time.Minute},
		Webhook:           DefaultWebhookConfig(),
	}
}

func (c *Config) fill() {
	d := DefaultConfig()
	if c.SweepInterval <= 0 {
		c.SweepInterval = d.SweepInterval
	}
	if c.BatchSize <= 0 {
		c.BatchSize = d.BatchSize
	}
	if c.LateLookback <= 0 {
		c.LateLookback = d.LateLookback
	}
	c.Webhook.fill()
}

// Validate checks the configuration before anything starts.
func (c Config) Validate() error {
	if c.SweepInterval > 0 && c.SweepInterval < time.Second {
		return fmt.Errorf("sweep interval %s: cron ticks at most once a second", c.SweepInterval)
	}
	if c.SweepInterval > 45*time.Second {
		// A missed dose must be seen within 60 s of its window closing.
		return fmt.Errorf("sweep interval %s: must be at most 45s to detect a missed dose within a minute", c.SweepInterval)
	}
	if c.Webhook.URL != "" {
		u, err := url.Parse(c.Webhook.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("webhook URL %q: must be an http or https URL", c.Webhook.URL)
		}
		if c.Webhook.Secret == "" {
			return errors.New("webhook: a secret is required to sign deliveries")
		}
	}
	return nil
}

// Runner schedules the sweeper and the webhook dispatcher on one cron
// instance in UTC. Jobs are wrapped with Recover (a panic is logged, the
// runner goes on) and SkipIfStillRunning (a slow sweep is never run twice
// at once by the same replica; other replicas are kept apart by the
// database).
type Runner struct {
	Sweeper    *Sweeper
	Dispatcher *Dispatcher // nil without a webhook
	Hub        *Hub

	cron   *cron.Cron
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	sweep  cron.EntryID
	wg     sync.WaitGroup
}

// NewRunner builds a runner; Start starts it. hub may be nil.
func NewRunner(svc *mar.Service, cfg Config, hub *Hub, log *slog.Logger) (*Runner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.fill()
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "alerts")
	cl := cronLogger{log}
	c := cron.New(cron.WithLocation(time.UTC), cron.WithLogger(cl), cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)))
	ctx, cancel := context.WithCancel(context.Background())
	r := &Runner{Sweeper: NewSweeper(svc, cfg, hub, log), Hub: hub, cron: c, log: log, ctx: ctx, cancel: cancel}
	var err error
	r.sweep, err = c.AddFunc(every(cfg.SweepInterval), func() { r.Sweeper.Tick(r.ctx) })
	if err != nil {
		cancel()
		return nil, fmt.Errorf("schedule sweeper: %w", err)
	}
	if cfg.Webhook.URL != "" {
		r.Dispatcher = NewDispatcher(svc, cfg.Webhook, log)
		if _, err := c.AddFunc(every(cfg.Webhook.Interval), func() { r.Dispatcher.Tick(r.ctx) }); err != nil {
			cancel()
			return nil, fmt.Errorf("schedule webhook dispatcher: %w", err)
		}
	}
	return r, nil
}

// Every adds one of the service's own periodic jobs (schedule
// materialisation, audit checkpoints) to the same UTC runner, with the
// same Recover and SkipIfStillRunning wrapping. A failure is logged; the
// next tick tries again, since every job derives its work from the
// database.
func (r *Runner) Every(d time.Duration, name string, job func(ctx context.Context) error) error {
	_, err := r.cron.AddFunc(every(d), func() {
		if err := job(r.ctx); err != nil && r.ctx.Err() == nil {
			r.log.Error("job failed", "job", name, "err", err)
		}
	})
	if err != nil {
		return fmt.Errorf("schedule %s: %w", name, err)
	}
	return nil
}

// every is the only kind of spec this package makes: a UTC interval.
func every(d time.Duration) string { return "@every " + d.String() }

// Start sweeps once at once (catching up whatever closed while the
// service was down) and then on every tick. The start-up sweep goes
// through the same wrapped job, so a tick that comes while it still runs
// is skipped rather than run beside it.
func (r *Runner) Start() {
	job := r.cron.Entry(r.sweep).WrappedJob
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		job.Run()
	}()
	r.cron.Start()
	r.log.Info("alert runner started", "sweep_interval", r.Sweeper.cfg.SweepInterval, "webhook", r.Dispatcher != nil)
}

// Stop stops the ticks, cancels running jobs and waits for them (or for
// ctx to end).
func (r *Runner) Stop(ctx context.Context) error {
	done := r.cron.Stop()
	r.cancel()
	waited := make(chan struct{})
	go func() {
		r.wg.Wait()
		<-done.Done()
		close(waited)
	}()
	select {
	case <-waited:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("alert runner: %w", ctx.Err())
	}
}

// cronLogger adapts slog to cron's logger; cron's chatter is debug level.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append([]any{"err", err}, kv...)...)
}
