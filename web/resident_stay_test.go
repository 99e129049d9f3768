package web_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// A facility records allergies, transfers and discharges on its own, and
// the bedside follows at once: a discharged resident can be given nothing,
// a recorded allergy stops the next pack.
func TestResidentStayThroughTheAPI(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			charge, nurse, admin := b.login("charge"), b.login("nurse"), b.login("admin")
			r := b.resident("Quinn")
			type residentAnswer struct {
				UnitID    string `json:"unit_id"`
				Room      string `json:"room"`
				Status    string `json:"status"`
				Allergies []struct {
					Substance, Reaction, Severity string
				} `json:"allergies"`
			}
			path := "/api/v1/residents/" + r.ID

			// Allergies: the complete list, checked field by field.
			for _, tc := range []struct {
				name  string
				body  any
				field string
			}{
				{"no list", map[string]any{}, "allergies"},
				{"no substance", map[string]any{"allergies": []map[string]string{{"reaction": "rash"}}}, "allergies[0].substance"},
				{"unknown severity", map[string]any{"allergies": []map[string]string{{"substance": "penicillin", "severity": "deadly"}}}, "allergies[0].severity"},
				{"a substance twice", map[string]any{"allergies": []map[string]string{{"substance": "Penicillin"}, {"substance": "penicillin"}}}, "allergies[1].substance"},
			} {
				if resp := charge.Do("PUT", path+"/allergies", tc.body, nil); resp.Status != http.StatusBadRequest || resp.Err(t).Error.Field != tc.field {
					t.Errorf("%s: %d %s, want 400 naming %s", tc.name, resp.Status, resp.Body, tc.field)
				}
			}
			if resp := nurse.Do("PUT", path+"/allergies", map[string]any{"allergies": []any{}}, nil); resp.Status != http.StatusForbidden {
				t.Errorf("a nurse changes allergies: %d, want 403", resp.Status)
			}
			var got residentAnswer
			if st := charge.JSON("PUT", path+"/allergies", map[string]any{"allergies": []map[string]string{
				{"substance": "acetaminophen", "reaction": "hives", "severity": "Moderate"}}}, &got); st != http.StatusOK ||
				len(got.Allergies) != 1 || got.Allergies[0].Severity != "moderate" {
				t.Fatalf("set allergies: %d %+v", st, got)
			}
			ctx := scanWristband(t, nurse, r)
			p := b.product("Acetaminophen 500")
			resp := nurse.Do("POST", "/api/v1/bedside/verify", body{"context_id": ctx, "scan": b.pack(p)}, nil)
			if v := decode[refusal](t, resp); resp.Status != http.StatusUnprocessableEntity || v.Error.Reason != mar.ReasonAllergy {
				t.Fatalf("pack of a newly recorded allergy: %d %s", resp.Status, resp.Body)
			}

			// Transfer: to the other unit, within the caller's units.
			other := ""
			for id := range b.units {
				if id != r.UnitID {
					other = id
				}
			}
			if resp := charge.Do("POST", path+"/transfer", map[string]any{"room": "3"}, nil); resp.Status != http.StatusBadRequest || resp.Err(t).Error.Field != "unit_id" {
				t.Errorf("transfer without a unit: %d %s", resp.Status, resp.Body)
			}
			if st := charge.JSON("POST", path+"/transfer", map[string]any{"unit_id": other, "room": "305", "bed": "B"}, &got); st != http.StatusOK || got.UnitID != other || got.Room != "305" {
				t.Fatalf("transfer: %d %+v", st, got)
			}

			// Discharge: not in the future, not twice; the bedside refuses.
			future := b.env.Clock.Now().Add(24 * time.Hour)
			if resp := charge.Do("POST", path+"/discharge", map[string]any{"at": future}, nil); resp.Status != http.StatusBadRequest || resp.Err(t).Error.Field != "at" {
				t.Errorf("discharge tomorrow: %d %s", resp.Status, resp.Body)
			}
			if st := charge.JSON("POST", path+"/discharge", map[string]any{}, &got); st != http.StatusOK || got.Status != "discharged" {
				t.Fatalf("discharge: %d %+v", st, got)
			}
			if resp := charge.Do("POST", path+"/discharge", map[string]any{}, nil); resp.Status != http.StatusConflict {
				t.Errorf("second discharge: %d %s, want 409", resp.Status, resp.Body)
			}
			resp = nurse.Do("POST", "/api/v1/bedside/wristband", body{"scan": wristband(r)}, map[string]string{"Idempotency-Key": newKey()})
			if resp.Status != http.StatusUnprocessableEntity || resp.Err(t).Error.Reason != mar.ReasonResidentDischarged {
				t.Fatalf("wristband of a discharged resident: %d %s", resp.Status, resp.Body)
			}
			if st := charge.JSON("POST", path+"/readmit", map[string]any{}, &got); st != http.StatusOK || got.Status != "admitted" {
				t.Fatalf("readmit: %d %+v", st, got)
			}

			// Every change is in the resident's audit trail; the allergy
			// change keeps the list before and after.
			var trail struct {
				Items []struct {
					Action string `json:"action"`
					Detail string `json:"detail"`
				} `json:"items"`
			}
			if st := admin.JSON("GET", "/api/v1/audit?resident_id="+r.ID+"&action=resident.&sort=at", nil, &trail); st != http.StatusOK {
				t.Fatalf("audit: %d", st)
			}
			var actions []string
			for _, e := range trail.Items {
				if e.Action != "resident.read" {
					actions = append(actions, e.Action)
				}
			}
			want := []string{"resident.update", "resident.transfer", "resident.discharge", "resident.cancel-discharge"}
			if len(actions) != len(want) {
				t.Fatalf("audit actions %v, want %v", actions, want)
			}
			for i := range want {
				if actions[i] != want[i] {
					t.Fatalf("audit actions %v, want %v", actions, want)
				}
			}
		})
	}
}
