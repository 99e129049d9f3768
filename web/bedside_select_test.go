package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// Selecting a resident by hand needs two identifiers that match the
// record and a reason; the bedside context it opens flags every
// administration patient_keyed, and the wristband-scan report counts it
// per nurse, unit and reason.
func TestSelectResidentByHand(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			nurse := b.login("nurse")
			r := b.resident("Kowalski")
			ok := body{"resident_id": r.ID, "identifiers": map[string]string{"name": r.DisplayName(), "birth_date": r.BirthDate}, "reason": "no_wristband"}
			refusals := []struct {
				name   string
				body   body
				status int
				field  string
			}{
				{"no reason", ok.with("reason", ""), 400, "reason"},
				{"a reason not on the list", ok.with("reason", "in_a_hurry"), 400, "reason"},
				{"other without words", ok.with("reason", "other"), 400, "text"},
				{"one identifier", ok.with("identifiers", map[string]string{"name": r.DisplayName()}), 400, "identifiers"},
				{"the room is not an identifier", ok.with("identifiers", map[string]string{"name": r.DisplayName(), "room": r.Room}), 400, "identifiers.room"},
				{"an identifier left unticked", ok.with("identifiers", map[string]string{"name": r.DisplayName(), "birth_date": ""}), 400, "identifiers.birth_date"},
				{"another resident's date of birth", ok.with("identifiers", map[string]string{"name": r.DisplayName(), "birth_date": "1946-02-14"}), 422, "identifiers.birth_date"},
				{"another resident's name", ok.with("identifiers", map[string]string{"name": "Petrov, Ivan", "mrn": r.MRN}), 422, "identifiers.name"},
				{"another resident's MRN", ok.with("identifiers", map[string]string{"name": r.DisplayName(), "mrn": b.resident("Petrov").MRN}), 422, "identifiers.mrn"},
			}
			for _, tc := range refusals {
				t.Run(tc.name, func(t *testing.T) {
					resp := nurse.Do("POST", "/api/v1/bedside/select", tc.body, nil)
					if resp.Status != tc.status || resp.Err(t).Error.Field != tc.field {
						t.Fatalf("%d %s; want %d naming %s", resp.Status, resp.Body, tc.status, tc.field)
					}
					if tc.status == 422 && resp.Err(t).Error.Reason != mar.ReasonIdentifierMismatch {
						t.Fatalf("reason %s", resp.Err(t).Error.Reason)
					}
				})
			}
			if resp := b.login("pharmacist").Do("POST", "/api/v1/bedside/select", ok, nil); resp.Status != http.StatusForbidden {
				t.Fatalf("pharmacist selecting: %d", resp.Status)
			}

			d := b.dose(b.order(r, "atorvastatin", false), b.env.Clock.Now(), time.Hour)
			resp := nurse.Do("POST", "/api/v1/bedside/select", ok.with("identifiers", map[string]string{"name": "  kowalski,  ANNA ", "birth_date": r.BirthDate}), map[string]string{"Idempotency-Key": newKey()})
			if resp.Status != http.StatusOK {
				t.Fatalf("select: %d %s", resp.Status, resp.Body)
			}
			sel := decode[struct {
				ContextID string `json:"context_id"`
				Resident  struct {
					ID string `json:"id"`
				} `json:"resident"`
				Manual *struct {
					Reason      string   `json:"reason"`
					Identifiers []string `json:"identifiers"`
				} `json:"manual"`
			}](t, resp)
			if sel.Resident.ID != r.ID || sel.Manual == nil || sel.Manual.Reason != "no_wristband" || strings.Join(sel.Manual.Identifiers, ",") != "birth_date,name" {
				t.Fatalf("select answer: %s", resp.Body)
			}
			scan := b.pack(b.product("Atorvastatin"))
			v := decode[verdict](t, nurse.Do("POST", "/api/v1/bedside/verify", body{"context_id": sel.ContextID, "scan": scan}, nil))
			if !v.Allowed || v.check("patient").Reason != mar.ReasonPatientKeyed || v.check("patient").Status != "warn" {
				t.Fatalf("verdict in a manual context: %+v", v)
			}
			resp = nurse.Do("POST", "/api/v1/administrations", body{"context_id": sel.ContextID, "scan": scan, "dose_id": d.ID}, map[string]string{"Idempotency-Key": newKey()})
			if resp.Status != http.StatusCreated {
				t.Fatalf("document: %d %s", resp.Status, resp.Body)
			}
			doc := decode[struct {
				Flags          []string `json:"flags"`
				Administration struct {
					ID                 string `json:"id"`
					PatientKeyed       bool   `json:"patient_keyed"`
					PatientKeyedReason string `json:"patient_keyed_reason"`
				} `json:"administration"`
			}](t, resp)
			if !doc.Administration.PatientKeyed || doc.Administration.PatientKeyedReason != "no_wristband" || !strings.Contains(strings.Join(doc.Flags, ","), mar.ReasonPatientKeyed) {
				t.Fatalf("document answer: %s", resp.Body)
			}

			// A scanned administration on the same unit by nurse2, for the report.
			n2 := b.login("nurse2")
			p := b.resident("Petrov")
			d2 := b.dose(b.order(p, "atorvastatin", false), b.env.Clock.Now(), time.Hour)
			ctx := scanWristband(t, n2, p)
			if resp := n2.Do("POST", "/api/v1/administrations", body{"context_id": ctx, "scan": scan, "dose_id": d2.ID}, map[string]string{"Idempotency-Key": newKey()}); resp.Status != http.StatusCreated {
				t.Fatalf("scanned document: %d %s", resp.Status, resp.Body)
			}

			type line struct {
				Key             string         `json:"key"`
				Administrations int            `json:"administrations"`
				Scanned         int            `json:"scanned"`
				SelectedByHand  int            `json:"selected_by_hand"`
				ByReason        map[string]int `json:"by_reason"`
				ScanPct         float64        `json:"scan_pct"`
			}
			type report struct {
				Lines []line `json:"lines"`
				Total line   `json:"total"`
			}
			admin := b.login("admin")
			from := b.env.Clock.Now().Add(-time.Hour).Format(time.RFC3339)
			to := b.env.Clock.Now().Add(time.Hour).Format(time.RFC3339)
			get := func(group string) report {
				t.Helper()
				var rep report
				if st := admin.JSON("GET", "/api/v1/reports/wristband-scans?group="+group+"&from="+from+"&to="+to, nil, &rep); st != http.StatusOK {
					t.Fatalf("report %s: %d", group, st)
				}
				return rep
			}
			byKey := func(rep report) map[string]line {
				m := map[string]line{}
				for _, l := range rep.Lines {
					m[l.Key] = l
				}
				return m
			}
			nurses := byKey(get("nurse"))
			if l := nurses["Nora Nurse"]; l.Administrations != 1 || l.SelectedByHand != 1 || l.ByReason["no_wristband"] != 1 || l.ScanPct != 0 {
				t.Errorf("Nora Nurse: %+v", l)
			}
			if l := nurses["Wes Witness"]; l.Administrations != 1 || l.Scanned != 1 || l.ScanPct != 100 {
				t.Errorf("Wes Witness: %+v", l)
			}
			reasons := get("reason")
			if l := byKey(reasons)["no_wristband"]; l.SelectedByHand != 1 {
				t.Errorf("reason no_wristband: %+v", reasons)
			}
			if reasons.Total.Administrations != 2 || reasons.Total.ScanPct != 50 {
				t.Errorf("total: %+v", reasons.Total)
			}
			if units := get("unit"); len(units.Lines) == 0 || units.Total.SelectedByHand != 1 {
				t.Errorf("units: %+v", units)
			}
			// The selection is in the audit trail with its reason and the
			// identifier kinds (never their values).
			var trail struct {
				Items []struct {
					Action  string `json:"action"`
					Outcome string `json:"outcome"`
					Detail  string `json:"detail"`
				} `json:"items"`
			}
			if st := admin.JSON("GET", "/api/v1/audit?action=bedside.select&resident_id="+r.ID, nil, &trail); st != http.StatusOK || len(trail.Items) == 0 {
				t.Fatalf("audit: %d %+v", st, trail)
			}
			found, mismatch := false, false
			for _, e := range trail.Items {
				found = found || e.Outcome == "success" && strings.Contains(e.Detail, `"reason":"no_wristband"`) && strings.Contains(e.Detail, `"manual":true`)
				mismatch = mismatch || e.Outcome == "refused" && strings.Contains(e.Detail, `"reason":"identifier_mismatch"`) && strings.Contains(e.Detail, `"field":"identifiers.birth_date"`)
			}
			if !found || !mismatch {
				t.Errorf("the audit trail lacks the selection (%v) or the refused mismatch (%v): %+v", found, mismatch, trail.Items)
			}
			for _, e := range trail.Items {
				if strings.Contains(e.Detail, "1946-02-14") {
					t.Errorf("the audit trail keeps an identifier's value: %s", e.Detail)
				}
			}
			if st := admin.JSON("GET", "/api/v1/reports/wristband-scans?group=shift", nil, nil); st != http.StatusBadRequest {
				t.Errorf("group=shift: %d", st)
			}
			if st := nurse.JSON("GET", "/api/v1/reports/wristband-scans", nil, nil); st != http.StatusForbidden {
				t.Errorf("nurse reads the report: %d", st)
			}
		})
	}
}
