package main

import (
	"strings"
	"time"

	"github.com/emar-project/emar/alerts"
	"github.com/emar-project/emar/mar"
)

// alertFlags are the serve flags of the alert runner.
type alertFlags struct {
	enabled           *bool
	sweepInterval     *string
	dueSoon           *string
	verificationAfter *string
	escalateAfter     *string
	shiftStarts       *string
	webhookURL        *string
	webhookSecret     *string
}

func addAlertFlags(f *flags) alertFlags {
	d := alerts.DefaultConfig()
	return alertFlags{
		enabled:           f.Bool("alerts", true, "run the alert sweeper in this process (every replica may: they share the work)"),
		sweepInterval:     f.String("sweep-interval", d.SweepInterval.String(), "how often the alert sweeper looks for missed and late doses (1s–45s)"),
		dueSoon:           f.String("due-soon", "0", "raise a reminder this long before a dose is due (0 = off)"),
		verificationAfter: f.String("verification-after", d.VerificationAfter.String(), "alert when an order waits this long for pharmacy verification (0 = off)"),
		escalateAfter:     f.String("escalate-after", "15m,30m", "unacknowledged alerts escalate to the charge nurse, then the unit manager, after these waits"),
		shiftStarts:       f.String("shift-starts", "07:00,15:00,23:00", "local start of the day, evening and night shifts"),
		webhookURL:        f.String("webhook-url", "", "POST every alert event to this URL (signed, retried)"),
		webhookSecret:     f.String("webhook-secret", "", "HMAC-SHA256 key for X-EMAR-Signature; prefer the environment variable"),
	}
}

// config turns the flags into the runner's configuration and sets the
// alert options of the service.
func (a alertFlags) config(svc *mar.Service) (alerts.Config, error) {
	cfg := alerts.DefaultConfig()
	var err error
	dur := func(name, v string) time.Duration {
		if err != nil {
			return 0
		}
		d, e := time.ParseDuration(v)
		if e != nil || d < 0 {
			err = usageError("--%s %q: want a duration such as 15s or 60m", name, v)
		}
		return d
	}
	cfg.SweepInterval = dur("sweep-interval", *a.sweepInterval)
	cfg.DueSoon = dur("due-soon", *a.dueSoon)
	cfg.VerificationAfter = dur("verification-after", *a.verificationAfter)
	cfg.EscalateAfter = nil
	for _, s := range strings.Split(*a.escalateAfter, ",") {
		if s = strings.TrimSpace(s); s != "" {
			cfg.EscalateAfter = append(cfg.EscalateAfter, dur("escalate-after", s))
		}
	}
	if err != nil {
		return cfg, err
	}
	shifts, err := mar.ParseShiftStarts(*a.shiftStarts)
	if err != nil {
		return cfg, usageError("--shift-starts: %v", err)
	}
	cfg.Webhook.URL, cfg.Webhook.Secret = *a.webhookURL, *a.webhookSecret
	if err := cfg.Validate(); err != nil {
		return cfg, usageError("%v", err)
	}
	svc.Config.Alerts.Shifts = shifts
	// The outbox is filled only when someone drains it.
	svc.Config.Alerts.Outbox = cfg.Webhook.URL != "" && *a.enabled
	return cfg, nil
}
