package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// Each "wrong patient" refusal names the one problem it found, in words
// the nurse can act on, never a choice of possible causes.
func TestBedsideWrongPatientNamesOneProblem(t *testing.T) {
	cases := []struct {
		name string
		send func(b *bed, nurse *testenv.Client) testenv.Response
		want string
	}{
		{"another resident's dose", func(b *bed, nurse *testenv.Client) testenv.Response {
			other := b.dose(b.order(b.resident("Petrov"), "atorvastatin", false), b.env.Clock.Now(), time.Hour)
			ctx := scanWristband(t, nurse, b.resident("Kowalski"))
			return post(nurse, "/api/v1/bedside/verify", body{"context_id": ctx, "scan": b.pack(b.product("Atorvastatin")), "dose_id": other.ID})
		}, "this dose is for another resident, not Kowalski, Anna"},
		{"another resident's order", func(b *bed, nurse *testenv.Client) testenv.Response {
			other := b.order(b.resident("Petrov"), "atorvastatin", false)
			ctx := scanWristband(t, nurse, b.resident("Kowalski"))
			return post(nurse, "/api/v1/administrations", body{"context_id": ctx, "scan": b.pack(b.product("Atorvastatin")), "order_id": other.ID})
		}, "this order is for another resident, not Kowalski, Anna"},
		{"another nurse's wristband scan", func(b *bed, nurse *testenv.Client) testenv.Response {
			ctx := scanWristband(t, b.login("nurse2"), b.resident("Kowalski"))
			return post(nurse, "/api/v1/bedside/verify", body{"context_id": ctx, "scan": b.pack(b.product("Atorvastatin"))})
		}, "made by another user"},
	}
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			nurse := b.login("nurse")
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					resp := tc.send(b, nurse)
					if resp.Status != http.StatusUnprocessableEntity {
						t.Fatalf("status %d: %s", resp.Status, resp.Body)
					}
					e := resp.Err(t).Error
					if e.Reason != mar.ReasonWrongPatient || !strings.Contains(e.Message, tc.want) {
						t.Fatalf("%s %q, want wrong_patient saying %q", e.Reason, e.Message, tc.want)
					}
					if strings.Contains(e.Message, " or ") {
						t.Errorf("the message offers a choice of problems: %q", e.Message)
					}
				})
			}
		})
	}
}

// A client builds one request body for the medication scan and for the
// documentation: verify accepts every field document does (and judges a
// back-documented time as document will), document every field verify
// does.
func TestBedsideVerifyAndDocumentAcceptOneShape(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			nurse := b.login("nurse")
			now := b.env.Clock.Now()
			r := b.resident("Kowalski")
			prn := b.order(r, "acetaminophen", true)
			full := body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Acetaminophen 500")), "order_id": prn.ID,
				"quantity": 2, "route": "oral", "site": "", "vitals": map[string]float64{"heart_rate": 80}, "overrides": []map[string]string{},
				"outcome": "given", "reason_code": "", "reason_text": "", "prn_indication": "pain", "pain_score": 6,
				"performed_at": now.Add(-20 * time.Minute), "back_documented_reason": "charted after the round", "device_time": now,
				"witness": map[string]string{"username": "nurse2", "password": "not checked by verify"}}
			v := post(nurse, "/api/v1/bedside/verify", full)
			if v.Status != http.StatusOK {
				t.Fatalf("verify with the document body: %d %s", v.Status, v.Body)
			}
			if c := decode[verdict](t, v).check("prn"); c.Status != "pass" {
				t.Errorf("verify did not count the indication: %+v", c)
			}
			if v := post(nurse, "/api/v1/bedside/verify", full.with("performed_at", now.Add(time.Hour))); v.Status != http.StatusBadRequest || v.Err(t).Error.Reason != mar.ReasonBackDocumentationOutOfRange {
				t.Errorf("verify with a performed time in the future: %d %s", v.Status, v.Body)
			}
			if v := post(nurse, "/api/v1/bedside/verify", full.with("back_documented_reason", "")); v.Status != http.StatusBadRequest || v.Err(t).Error.Reason != mar.ReasonBackDocumentationReasonRequired {
				t.Errorf("verify with a performed time and no reason: %d %s", v.Status, v.Body)
			}
			doc := full.with("witness", witness)
			if d := post(nurse, "/api/v1/administrations", doc); d.Status != http.StatusCreated {
				t.Fatalf("document with the same body: %d %s", d.Status, d.Body)
			}
		})
	}
}
