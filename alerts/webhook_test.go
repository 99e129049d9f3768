package alerts_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emar-project/emar/alerts"
	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// receiver is a webhook endpoint on 127.0.0.1 that refuses the first
// failFirst attempts of every event.
type receiver struct {
	mu        sync.Mutex
	failFirst int
	secret    []byte
	attempts  map[string]int    // event id → attempts seen
	bodies    map[string][]byte // event id → body of the accepted attempt
	firstBody map[string][]byte
	badSig    int
	order     []string
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id := req.Header.Get(alerts.EventIDHeader)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !alerts.Verify(r.secret, body, req.Header.Get(alerts.SignatureHeader)) {
		r.badSig++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	r.attempts[id]++
	if r.firstBody[id] == nil {
		r.firstBody[id] = body
	}
	if r.attempts[id] <= r.failFirst {
		http.Error(w, "try again later", http.StatusServiceUnavailable)
		return
	}
	if r.bodies[id] == nil {
		r.order = append(r.order, id)
	}
	r.bodies[id] = body
	w.WriteHeader(http.StatusNoContent)
}

func TestWebhookDeliversAfterRetriesWithAValidSignature(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			w := newWorld(t, engine)
			w.env.Svc.Config.Alerts.Outbox = true
			rcv := &receiver{failFirst: 2, secret: []byte("s3cret-for-tests"), attempts: map[string]int{}, bodies: map[string][]byte{}, firstBody: map[string][]byte{}}
			srv := httptest.NewServer(rcv) // listens on 127.0.0.1
			defer srv.Close()

			orders := w.activeOrders()
			for i := 0; i < 3; i++ {
				w.addDose(orders[i], t0, 30*time.Minute)
			}
			w.env.Clock.Set(t0.Add(31 * time.Minute))
			w.sweep(w.sweeper(quiet()))

			cfg := alerts.WebhookConfig{URL: srv.URL, Secret: string(rcv.secret), MinBackoff: 10 * time.Second, MaxBackoff: time.Minute, Timeout: 5 * time.Second}
			d := alerts.NewDispatcher(w.env.Svc, cfg, testenv.Logger(t))
			// Attempt 1 fails; nothing is due again until the backoff passes.
			if sent, failed, err := d.DispatchOnce(w.ctx); err != nil || sent != 0 || failed != 3 {
				t.Fatalf("attempt 1: sent %d failed %d err %v", sent, failed, err)
			}
			if sent, failed, _ := d.DispatchOnce(w.ctx); sent+failed != 0 {
				t.Fatalf("retried before the backoff: %d %d", sent, failed)
			}
			w.env.Clock.Advance(10 * time.Second) // backoff after attempt 1
			if sent, failed, _ := d.DispatchOnce(w.ctx); sent != 0 || failed != 3 {
				t.Fatalf("attempt 2: %d %d", sent, failed)
			}
			w.env.Clock.Advance(19 * time.Second) // backoff after attempt 2 is 20 s
			if sent, failed, _ := d.DispatchOnce(w.ctx); sent+failed != 0 {
				t.Fatalf("retried before the doubled backoff: %d %d", sent, failed)
			}
			w.env.Clock.Advance(time.Second)
			if sent, failed, err := d.DispatchOnce(w.ctx); err != nil || sent != 3 || failed != 0 {
				t.Fatalf("attempt 3: sent %d failed %d err %v", sent, failed, err)
			}
			w.env.Clock.Advance(time.Hour)
			if sent, failed, _ := d.DispatchOnce(w.ctx); sent+failed != 0 {
				t.Fatalf("delivered events were sent again: %d %d", sent, failed)
			}

			rcv.mu.Lock()
			defer rcv.mu.Unlock()
			if rcv.badSig != 0 || len(rcv.bodies) != 3 {
				t.Fatalf("bad signatures %d, delivered %d", rcv.badSig, len(rcv.bodies))
			}
			for id, body := range rcv.bodies {
				var ev alerts.WebhookEvent
				if err := json.Unmarshal(body, &ev); err != nil {
					t.Fatal(err)
				}
				if strconv.FormatInt(ev.EventID, 10) != id || ev.Type != "raised" || ev.Alert.Kind != "missed" || ev.Alert.DoseID == "" || ev.Actor != mar.SystemUserID {
					t.Errorf("event %s: %+v", id, ev)
				}
				if string(rcv.firstBody[id]) != string(body) {
					t.Errorf("event %s: the retry sent a different body", id)
				}
				if rcv.attempts[id] != 3 {
					t.Errorf("event %s: %d attempts, want 3", id, rcv.attempts[id])
				}
			}
			var pending int64
			w.env.Store.Gorm().Raw(`SELECT count(*) FROM alert_outbox WHERE delivered_at IS NULL`).Scan(&pending)
			if pending != 0 {
				t.Fatalf("%d outbox rows undelivered", pending)
			}
		})
	}
}

func TestBackoffDoublesUpToTheCap(t *testing.T) {
	c := alerts.WebhookConfig{MinBackoff: 5 * time.Second, MaxBackoff: time.Minute}
	tests := []struct {
		attempts int
		want     time.Duration
	}{{1, 5 * time.Second}, {2, 10 * time.Second}, {3, 20 * time.Second}, {4, 40 * time.Second}, {5, time.Minute}, {50, time.Minute}}
	for _, tt := range tests {
		if got := c.Backoff(tt.attempts); got != tt.want {
			t.Errorf("Backoff(%d) = %s, want %s", tt.attempts, got, tt.want)
		}
	}
}

func TestSignatureIsHMACSHA256OfTheBody(t *testing.T) {
	// Known answer: HMAC-SHA256(key "key", "The quick brown fox jumps over the lazy dog").
	got := alerts.Sign([]byte("key"), []byte("The quick brown fox jumps over the lazy dog"))
	if want := "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"; got != want {
		t.Fatalf("Sign = %s", got)
	}
	if alerts.Verify([]byte("key"), []byte("tampered"), got) {
		t.Fatal("a tampered body verified")
	}
}

func TestConfigRefusesWhatWouldBreakTheTargets(t *testing.T) {
	tests := []struct {
		name string
		cfg  alerts.Config
		ok   bool
	}{
		{"defaults", alerts.DefaultConfig(), true},
		{"tick too slow for 60 s detection", alerts.Config{SweepInterval: time.Minute}, false},
		{"sub-second tick", alerts.Config{SweepInterval: 100 * time.Millisecond}, false},
		{"webhook without secret", alerts.Config{Webhook: alerts.WebhookConfig{URL: "http://127.0.0.1:9/x"}}, false},
		{"webhook with a bad URL", alerts.Config{Webhook: alerts.WebhookConfig{URL: "ftp://x", Secret: "s"}}, false},
		{"webhook", alerts.Config{Webhook: alerts.WebhookConfig{URL: "https://pager.example/hook", Secret: "s"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.Validate(); (err == nil) != tt.ok {
				t.Fatalf("Validate = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
