package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// Bedside is a nurse's device: a session token and the three requests of
// the bedside flow (docs/bedside-api.md), over loopback HTTP.
type Bedside struct {
	Base   string
	Token  string
	Device string
	HTTP   *http.Client
	// Observe, when set, sees every answer (status 0: no answer) with
	// how long it took; fault tests use it to check what clients saw.
	Observe func(path string, status int, err error, took time.Duration)

	replays atomic.Int64
}

// Replays counts answers the server replayed for an Idempotency-Key: a
// retry of a request that had already been carried out.
func (b *Bedside) Replays() int64 { return b.replays.Load() }

// Login signs in over HTTP as a device and returns its client.
func Login(ctx context.Context, hc *http.Client, base, username, password string) (*Bedside, error) {
	if err := LoopbackOnly(base); err != nil {
		return nil, err
	}
	b := &Bedside{Base: base, HTTP: hc, Device: "loadgen-" + username}
	var out struct {
		Token string `json:"token"`
	}
	if err := b.post(ctx, "/api/v1/auth/login", "", map[string]string{"username": username, "password": password, "kind": "device"}, http.StatusOK, &out); err != nil {
		return nil, fmt.Errorf("login %s: %w", username, err)
	}
	b.Token = out.Token
	return b, nil
}

// DueItem is one entry of a due list.
type DueItem struct {
	Dose *struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"dose"`
	Order struct {
		ID        string `json:"id"`
		ProductID string `json:"product_id"`
	} `json:"order"`
}

// WristbandAnswer is the part of the wristband answer a client uses.
type WristbandAnswer struct {
	ContextID string `json:"context_id"`
	Resident  struct {
		ID string `json:"id"`
	} `json:"resident"`
	Due struct {
		DueNow []DueItem `json:"due_now"`
	} `json:"due"`
}

// Medication is the body of verify and document.
type Medication struct {
	ContextID string `json:"context_id"`
	Scan      string `json:"scan,omitempty"`
	DoseID    string `json:"dose_id,omitempty"`
	OrderID   string `json:"order_id,omitempty"`
	Outcome   string `json:"outcome,omitempty"` // document only
}

// Documented is the part of the document answer a client keeps.
type Documented struct {
	Administration struct {
		ID     string `json:"id"`
		DoseID string `json:"dose_id"`
	} `json:"administration"`
	Outcome string `json:"outcome"`
}

// Replayed is set on an answer that the server replayed for a key.
const Replayed = "Idempotent-Replayed"

// Wristband scans a band and opens a bedside context.
func (b *Bedside) Wristband(ctx context.Context, scan, key string) (WristbandAnswer, error) {
	var out WristbandAnswer
	err := b.post(ctx, "/api/v1/bedside/wristband", key, map[string]string{"scan": scan}, http.StatusOK, &out)
	return out, err
}

// Verify checks a medication scan; a refusal is a *StatusError with 422.
func (b *Bedside) Verify(ctx context.Context, m Medication, key string) error {
	m.Outcome = ""
	return b.post(ctx, "/api/v1/bedside/verify", key, m, http.StatusOK, nil)
}

// Document charts the dose.
func (b *Bedside) Document(ctx context.Context, m Medication, key string) (Documented, error) {
	if m.Outcome == "" {
		m.Outcome = "given"
	}
	var out Documented
	err := b.post(ctx, "/api/v1/administrations", key, m, http.StatusCreated, &out)
	return out, err
}

// Retryable reports whether a bedside client should send the request
// again with the same Idempotency-Key: the network failed, or the server
// said 408, 429 or 5xx. Anything else is final (docs/bedside-api.md).
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status == http.StatusRequestTimeout || se.Status == http.StatusTooManyRequests || se.Status >= 500
	}
	return true
}

// DocumentRetrying documents with one key until an answer is final, at
// most attempts times, waiting backoff (doubling to 2 s) in between. It
// returns the last error and how many attempts it made.
func (b *Bedside) DocumentRetrying(ctx context.Context, m Medication, key string, attempts int, backoff time.Duration) (Documented, int, error) {
	var d Documented
	var err error
	for n := 1; ; n++ {
		d, err = b.Document(ctx, m, key)
		if !Retryable(err) || n >= attempts || ctx.Err() != nil {
			return d, n, err
		}
		select {
		case <-ctx.Done():
			return d, n, err
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

func (b *Bedside) post(ctx context.Context, path, key string, body any, want int, out any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", b.Base+path, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if b.Token != "" {
		req.Header.Set("Authorization", "Bearer "+b.Token)
	}
	if b.Device != "" {
		req.Header.Set("X-Device-Id", b.Device)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	t0 := time.Now()
	resp, err := b.HTTP.Do(req)
	if err != nil {
		b.observe(path, 0, err, t0)
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		b.observe(path, 0, err, t0)
		return err
	}
	b.observe(path, resp.StatusCode, nil, t0)
	if resp.Header.Get(Replayed) == "true" {
		b.replays.Add(1)
	}
	if resp.StatusCode != want {
		if len(raw) > 300 {
			raw = raw[:300]
		}
		return &StatusError{Status: resp.StatusCode, Body: string(raw)}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("decode %s answer: %w", path, err)
		}
	}
	return nil
}

func (b *Bedside) observe(path string, status int, err error, t0 time.Time) {
	if b.Observe != nil {
		b.Observe(path, status, err, time.Since(t0))
	}
}

// WristbandRetrying scans a band with one key until the answer is final.
func (b *Bedside) WristbandRetrying(ctx context.Context, scan, key string, attempts int, backoff time.Duration) (WristbandAnswer, error) {
	var w WristbandAnswer
	var err error
	for n := 1; ; n++ {
		w, err = b.Wristband(ctx, scan, key)
		if !Retryable(err) || n >= attempts || ctx.Err() != nil {
			return w, err
		}
		select {
		case <-ctx.Done():
			return w, err
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}
