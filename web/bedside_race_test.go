package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// rawPost sends a JSON POST without touching testing.T, so that many
// goroutines can call it at once.
func rawPost(hc *http.Client, url, token, key string, payload []byte) (int, []byte, http.Header, error) {
	req, err := http.NewRequest("POST", url, bytes.NewReader(payload))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header, err
}

func loopbackClient() *http.Client {
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConns: 200, MaxIdleConnsPerHost: 200, IdleConnTimeout: time.Minute}}
}

// raceRounds is how many doses the race test fights over on each engine.
// A round costs 50 requests; 1,000 PostgreSQL rounds take a few minutes on
// a 2-core machine, so they run with EMAR_TEST_LONG=1 only.
func raceRounds(engine string) int {
	long := os.Getenv("EMAR_TEST_LONG") == "1"
	switch {
	case engine == "postgres" && long:
		return 1000
	case engine == "postgres":
		return 200
	case long:
		return 200
	default:
		return 30
	}
}

// Fifty devices document the same dose at the same moment, with different
// Idempotency-Keys: in every round exactly one succeeds and every other
// gets 409 already_documented saying who and when. The database decides
// (resident lock, conditional update, unique index), on both engines.
func TestBedsideRaceOneDoseManyDevices(t *testing.T) {
	const workers = 50
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			rounds := raceRounds(engine)
			if testing.Short() {
				rounds = 5
			}
			b := newBed(t, engine)
			// The clock moves from dose to dose: keep sessions and contexts valid.
			b.env.Svc.Config.Bedside.ContextLifetime = 10 * 365 * 24 * time.Hour
			b.env.Svc.Config.DeviceLifetime = 10 * 365 * 24 * time.Hour
			r := b.resident("Abbott")
			o := b.order(r, "atorvastatin", false)
			start := b.env.Clock.Now()
			dues := make([]time.Time, rounds)
			for i := range dues {
				dues[i] = start.Add(time.Duration(i) * 2 * time.Hour)
			}
			doses := b.doses(o, dues, time.Hour)
			nurse, nurse2 := b.login("nurse"), b.login("nurse2")
			ctxs := []string{scanWristband(t, nurse, r), scanWristband(t, nurse2, r)}
			tokens := []string{nurse.Token, nurse2.Token}
			scan := b.pack(b.product("Atorvastatin"))
			hc := loopbackClient()
			url := b.env.URL + "/api/v1/administrations"

			type answer struct {
				status int
				body   []byte
				err    error
			}
			began := time.Now()
			for round, d := range doses {
				b.env.Clock.Set(d.DueAt)
				answers := make([]answer, workers)
				var ready, done sync.WaitGroup
				gate := make(chan struct{})
				for w := 0; w < workers; w++ {
					payload, _ := json.Marshal(body{"context_id": ctxs[w%2], "scan": scan, "dose_id": d.ID})
					key := fmt.Sprintf("race-%d-%d", round, w)
					ready.Add(1)
					done.Add(1)
					go func() {
						defer done.Done()
						ready.Done()
						<-gate
						st, bd, _, err := rawPost(hc, url, tokens[w%2], key, payload)
						answers[w] = answer{st, bd, err}
					}()
				}
				ready.Wait()
				close(gate)
				done.Wait()
				created := 0
				for w, a := range answers {
					switch {
					case a.err != nil:
						t.Fatalf("round %d worker %d: %v", round, w, a.err)
					case a.status == http.StatusCreated:
						created++
					case a.status == http.StatusConflict:
						var ref refusal
						if err := json.Unmarshal(a.body, &ref); err != nil || ref.Error.Reason != mar.ReasonAlreadyDocumented ||
							ref.Error.Details.DocumentedBy == "" || ref.Error.Details.DocumentedAt == "" {
							t.Fatalf("round %d worker %d: 409 without who and when: %s", round, w, a.body)
						}
					default:
						t.Fatalf("round %d worker %d: status %d %s", round, w, a.status, a.body)
					}
				}
				if created != 1 {
					t.Fatalf("round %d: %d administrations succeeded, want exactly 1", round, created)
				}
				if tenth := max(rounds/10, 1); (round+1)%tenth == 0 && rounds >= 100 {
					t.Logf("%s: %d rounds after %v", engine, round+1, time.Since(began).Round(time.Millisecond))
				}
			}
			elapsed := time.Since(began)
			t.Logf("%s: %d rounds × %d devices in %v (%.1f ms per round, %.0f requests/s)", engine, rounds, workers, elapsed.Round(time.Millisecond),
				float64(elapsed.Milliseconds())/float64(rounds), float64(rounds*workers)/elapsed.Seconds())

			// The database holds exactly one live administration per dose.
			var rows []struct {
				DoseID string
				N      int
			}
			if err := b.env.Store.Gorm().Raw("SELECT dose_id, COUNT(*) AS n FROM administrations WHERE resident_id = ? GROUP BY dose_id", r.ID).Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			if len(rows) != rounds {
				t.Fatalf("%d doses have administrations, want %d", len(rows), rounds)
			}
			for _, row := range rows {
				if row.N != 1 {
					t.Fatalf("dose %s has %d administrations", row.DoseID, row.N)
				}
			}
		})
	}
}

// The same Idempotency-Key sent ten times at once gives one
// administration and ten identical answers; the key with another body is
// refused; a refused write stores nothing, so its key can carry the
// corrected request.
func TestBedsideIdempotentRetries(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			nurse := b.login("nurse")
			r := b.resident("Abbott")
			d := b.dose(b.order(r, "atorvastatin", false), b.env.Clock.Now(), time.Hour)
			ctx := scanWristband(t, nurse, r)
			payload, _ := json.Marshal(body{"context_id": ctx, "scan": b.pack(b.product("Atorvastatin")), "dose_id": d.ID})
			hc := loopbackClient()
			url := b.env.URL + "/api/v1/administrations"
			key := newKey()

			const n = 10
			type answer struct {
				status   int
				body     []byte
				replayed bool
				err      error
			}
			answers := make([]answer, n)
			var wg sync.WaitGroup
			gate := make(chan struct{})
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-gate
					st, bd, h, err := rawPost(hc, url, nurse.Token, key, payload)
					answers[i] = answer{st, bd, h.Get("Idempotent-Replayed") == "true", err}
				}()
			}
			close(gate)
			wg.Wait()
			replays := 0
			for i, a := range answers {
				if a.err != nil || a.status != http.StatusCreated {
					t.Fatalf("attempt %d: %d %v %s", i, a.status, a.err, a.body)
				}
				if !bytes.Equal(a.body, answers[0].body) {
					t.Fatalf("attempt %d answered differently:\n%s\n%s", i, a.body, answers[0].body)
				}
				if a.replayed {
					replays++
				}
			}
			if replays != n-1 {
				t.Errorf("%d answers marked Idempotent-Replayed, want %d", replays, n-1)
			}
			var count int64
			b.env.Store.Gorm().Table("administrations").Where("dose_id = ?", d.ID).Count(&count)
			var keys int64
			b.env.Store.Gorm().Table("idempotency_keys").Where("key = ?", key).Count(&keys)
			if count != 1 || keys != 1 {
				t.Fatalf("%d administrations and %d key rows, want 1 and 1", count, keys)
			}

			// A later retry still gets the first answer.
			st, bd, h, err := rawPost(hc, url, nurse.Token, key, payload)
			if err != nil || st != http.StatusCreated || !bytes.Equal(bd, answers[0].body) || h.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("late retry: %d %v %s", st, err, bd)
			}
			// The same key with another body is refused.
			other, _ := json.Marshal(body{"context_id": ctx, "scan": b.pack(b.product("Atorvastatin")), "dose_id": d.ID, "site": "mouth"})
			st, bd, _, _ = rawPost(hc, url, nurse.Token, key, other)
			var ref refusal
			_ = json.Unmarshal(bd, &ref)
			if st != http.StatusUnprocessableEntity || ref.Error.Reason != mar.ReasonIdempotencyKeyReused {
				t.Fatalf("reused key: %d %s", st, bd)
			}

			// A refusal commits nothing, not even its key: the corrected
			// request may carry the same key.
			m := b.resident("Moreau")
			fd := b.dose(b.order(m, "fentanyl", false), b.env.Clock.Now(), time.Hour)
			mctx := scanWristband(t, nurse, m)
			patchKey := newKey()
			noWitness, _ := json.Marshal(body{"context_id": mctx, "scan": b.pack(b.product("Fentanyl")), "dose_id": fd.ID, "site": "left upper arm"})
			st, bd, _, _ = rawPost(hc, url, nurse.Token, patchKey, noWitness)
			if st != http.StatusUnprocessableEntity {
				t.Fatalf("without witness: %d %s", st, bd)
			}
			withWitness, _ := json.Marshal(body{"context_id": mctx, "scan": b.pack(b.product("Fentanyl")), "dose_id": fd.ID, "site": "left upper arm",
				"witness": map[string]string{"badge": "EMP01002", "pin": "2468"}})
			st, bd, _, _ = rawPost(hc, url, nurse.Token, patchKey, withWitness)
			if st != http.StatusCreated {
				t.Fatalf("corrected request with the same key: %d %s", st, bd)
			}
		})
	}
}
