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
