package web_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/emar-project/emar/mar/store/storetest"
)

// sessionCheck is the per-request session check (the auth middleware's
// call), left out of the bedside counts: every request pays it, and it is
// measured on its own.
const sessionCheck = "github.com/emar-project/emar/mar.(*Service).Authenticate"

// How many SQL statements and transactions each bedside step costs on
// the database, beside the session check: a wristband scan, a verify, and
// documenting a scheduled dose and an as-needed one, each as a bedside
// device sends it (with an Idempotency-Key). Each row a request needs is
// read once and the answer is built from what the transaction holds; the
// ceilings below are today's figures, so a change that adds a round trip
// to the bedside fails here and says which statements ran.
func TestBedsideStatementsPerRequest(t *testing.T) {
	type ceiling struct{ statements, transactions int }
	ceilings := map[string]ceiling{
		// Before issue 20: 17, 24, 35 and 36 statements.
		"wristband":    {14, 1},
		"verify":       {13, 1},
		"document":     {18, 1},
		"document PRN": {20, 1},
	}
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			counter, err := storetest.NewCounter(b.env.Store, sessionCheck)
			if err != nil {
				t.Fatal(err)
			}
			nurse := b.login("nurse")
			r := b.resident("Abbott") // allergic to penicillin; metoprolol with hold parameters, PRN acetaminophen, atorvastatin
			now := b.env.Clock.Now()
			dose := b.dose(b.order(r, "atorvastatin", false), now, time.Hour)
			prn := b.order(r, "acetaminophen", true)
			scanWristband(t, nurse, r) // the facility's scan settings are cached from here on, as on a busy unit
			var contextID string
			steps := []struct {
				name   string
				path   string
				body   func() body
				status int
			}{
				{"wristband", "/api/v1/bedside/wristband", func() body { return body{"scan": wristband(r)} }, http.StatusOK},
				{"verify", "/api/v1/bedside/verify", func() body {
					return body{"context_id": contextID, "scan": b.pack(b.product("Atorvastatin")), "dose_id": dose.ID}
				}, http.StatusOK},
				{"document", "/api/v1/administrations", func() body {
					return body{"context_id": contextID, "scan": b.pack(b.product("Atorvastatin")), "dose_id": dose.ID}
				}, http.StatusCreated},
				{"document PRN", "/api/v1/administrations", func() body {
					return body{"context_id": contextID, "scan": b.pack(b.product("Acetaminophen 500")), "order_id": prn.ID, "quantity": 2,
						"prn_indication": "pain", "pain_score": 6}
				}, http.StatusCreated},
			}
			for _, s := range steps {
				counter.Start()
				resp := nurse.Do("POST", s.path, s.body(), map[string]string{"Idempotency-Key": newKey()})
				got := counter.Stop()
				if resp.Status != s.status {
					t.Fatalf("%s: %d %s", s.name, resp.Status, resp.Body)
				}
				if s.name == "wristband" {
					var out struct {
						ContextID string `json:"context_id"`
					}
					if err := json.Unmarshal(resp.Body, &out); err != nil {
						t.Fatal(err)
					}
					contextID = out.ContextID
				}
				t.Logf("%s: %s", s.name, got)
				c := ceilings[s.name]
				if engine == "sqlite" {
					// SQLite has no sequence: the audit append reads the
					// trail's last seq before its insert (mar/store/audit_append.go).
					c.statements++
				}
				if got.Statements > c.statements || got.Transactions > c.transactions {
					t.Errorf("%s: %d statements in %d transactions, at most %d in %d expected; it ran %s",
						s.name, got.Statements, got.Transactions, c.statements, c.transactions, got)
				}
				if got.Statements == 0 {
					t.Errorf("%s: no statement counted: the counter sees nothing", s.name)
				}
			}
		})
	}
}
