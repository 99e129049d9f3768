package alerts

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/emar-project/emar/mar"
)

// WebhookConfig configures outbound delivery of alert events.
type WebhookConfig struct {
	URL        string
	Secret     string // HMAC-SHA256 key; never logged
	Interval   time.Duration
	Timeout    time.Duration // per request
	MinBackoff time.Duration // after the first failure
	MaxBackoff time.Duration
	BatchSize  int
	Client     *http.Client // nil = a client with Timeout
}

// DefaultWebhookConfig retries after 5 s, doubling up to an hour.
func DefaultWebhookConfig() WebhookConfig {
	return WebhookConfig{Interval: 5 * time.Second, Timeout: 10 * time.Second, MinBackoff: 5 * time.Second, MaxBackoff: time.Hour, BatchSize: 50}
}

func (c *WebhookConfig) fill() {
	d := DefaultWebhookConfig()
	if c.Interval <= 0 {
		c.Interval = d.Interval
	}
	if c.Timeout <= 0 {
		c.Timeout = d.Timeout
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = d.MinBackoff
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = max(d.MaxBackoff, c.MinBackoff)
	}
	if c.BatchSize <= 0 {
		c.BatchSize = d.BatchSize
	}
}

// Backoff is the wait after the given number of failed attempts:
// MinBackoff doubled per further attempt, capped at MaxBackoff.
func (c WebhookConfig) Backoff(attempts int) time.Duration {
	d := c.MinBackoff
	for i := 1; i < attempts && d < c.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, c.MaxBackoff)
}

// Header names of a delivery.
const (
	SignatureHeader = "X-EMAR-Signature" // sha256=<hex HMAC-SHA256 of the body>
	EventIDHeader   = "X-EMAR-Event-Id"  // the alert event id: receivers dedupe on it
	AttemptHeader   = "X-EMAR-Delivery-Attempt"
)

// Sign returns the signature header value for body.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature header in constant time, as a receiver should.
func Verify(secret, body []byte, header string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(header))
}

// WebhookEvent is the JSON body of a delivery. It holds the event and the
// alert's fixed fields only, so every retry of an event sends the same
// bytes with the same signature.
type WebhookEvent struct {
	EventID int64        `json:"event_id"`
	Type    string       `json:"type"`
	At      time.Time    `json:"at"`
	Actor   string       `json:"actor"`
	Note    string       `json:"note,omitempty"`
	Level   int          `json:"escalation_level"`
	Alert   WebhookAlert `json:"alert"`
}

// WebhookAlert is the alert a WebhookEvent is about.
type WebhookAlert struct {
	ID         string    `json:"id"`
	FacilityID string    `json:"facility_id"`
	Kind       string    `json:"kind"`
	Severity   string    `json:"severity"`
	UnitID     string    `json:"unit_id,omitempty"`
	ResidentID string    `json:"resident_id,omitempty"`
	DoseID     string    `json:"dose_id,omitempty"`
	OrderID    string    `json:"order_id,omitempty"`
	FollowupID string    `json:"followup_id,omitempty"`
	Message    string    `json:"message"`
	DueAt      time.Time `json:"due_at"`
	RaisedAt   time.Time `json:"raised_at"`
}

// WebhookBody encodes an event for delivery.
func WebhookBody(e mar.AlertEvent) ([]byte, error) {
	a := e.Alert
	return json.Marshal(WebhookEvent{EventID: e.ID, Type: string(e.Type), At: e.At.UTC(), Actor: e.Actor, Note: e.Note, Level: e.Level,
		Alert: WebhookAlert{ID: a.ID, FacilityID: a.FacilityID, Kind: string(a.Kind), Severity: string(a.Severity), UnitID: a.UnitID,
			ResidentID: a.ResidentID, DoseID: a.DoseID, OrderID: a.OrderID, FollowupID: a.FollowupID, Message: a.Message,
			DueAt: a.DueAt.UTC(), RaisedAt: a.RaisedAt.UTC()}})
}

// Dispatcher delivers the outbox: at least once, each event id possibly
// more than once (receivers dedupe on X-EMAR-Event-Id), never dropped.
type Dispatcher struct {
	svc    *mar.Service
	cfg    WebhookConfig
	client *http.Client
	log    *slog.Logger
}

// NewDispatcher builds a dispatcher for cfg.
func NewDispatcher(svc *mar.Service, cfg WebhookConfig, log *slog.Logger) *Dispatcher {
	cfg.fill()
	client := cfg.Client
	if client == nil {
		client = &http.Client{Timeout: cfg.Timeout}
	}
	if log == nil {
		log = slog.Default()
	}
	return &Dispatcher{svc: svc, cfg: cfg, client: client, log: log}
}

// Tick is the cron job.
func (d *Dispatcher) Tick(ctx context.Context) {
	sent, failed, err := d.DispatchOnce(ctx)
	if err != nil && ctx.Err() == nil {
		d.log.Error("webhook dispatch failed", "err", err)
	} else if sent+failed > 0 {
		d.log.Info("webhook dispatch", "delivered", sent, "failed", failed)
	}
}

// lease is how long a claimed item is reserved for this sender; past it,
// another replica (or this one after a crash) tries again.
func (d *Dispatcher) lease() time.Duration { return max(time.Minute, 3*d.cfg.Timeout) }

// DispatchOnce claims due outbox items batch by batch and posts each.
func (d *Dispatcher) DispatchOnce(ctx context.Context) (delivered, failed int, err error) {
	for round := 0; round < maxBatches; round++ {
		var items []mar.OutboxItem
		now := d.svc.Clock.Now().UTC()
		err := d.svc.Store.InTx(ctx, func(tx mar.Tx) error {
			var err error
			items, err = tx.ClaimOutbox(now, now.Add(d.lease()), d.cfg.BatchSize)
			return err
		})
		if err != nil {
			return delivered, failed, fmt.Errorf("claim outbox: %w", err)
		}
		for _, it := range items {
			sendErr := d.send(ctx, it)
			at := d.svc.Clock.Now().UTC()
			err := d.svc.Store.InTx(ctx, func(tx mar.Tx) error {
				if sendErr == nil {
					return tx.MarkOutboxDelivered(it.EventID, at)
				}
				return tx.MarkOutboxFailed(it.EventID, at.Add(d.cfg.Backoff(it.Attempts)), sendErr.Error())
			})
			if err != nil {
				// The lease runs out and the item is sent again: at least once.
				return delivered, failed, fmt.Errorf("record delivery of event %d: %w", it.EventID, err)
			}
			if sendErr == nil {
				delivered++
			} else {
				failed++
				d.log.Warn("webhook delivery failed", "event_id", it.EventID, "attempt", it.Attempts, "retry_in", d.cfg.Backoff(it.Attempts), "err", sendErr)
			}
		}
		if len(items) < d.cfg.BatchSize {
			return delivered, failed, nil
		}
	}
	return delivered, failed, nil
}

func (d *Dispatcher) send(ctx context.Context, it mar.OutboxItem) error {
	body, err := WebhookBody(it.Event)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "emar-webhook/1")
	req.Header.Set(SignatureHeader, Sign([]byte(d.cfg.Secret), body))
	req.Header.Set(EventIDHeader, strconv.FormatInt(it.EventID, 10))
	req.Header.Set(AttemptHeader, strconv.Itoa(it.Attempts))
	resp, err := d.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("receiver answered %s: %s", resp.Status, strings.TrimSpace(string(snippet)))
	}
	return nil
}
