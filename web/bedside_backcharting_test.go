package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

type documented struct {
	Administration struct {
		ID             string `json:"id"`
		BackDocumented bool   `json:"back_documented"`
		LimitCrossings []struct {
			Limit   string   `json:"limit"`
			Reason  string   `json:"reason"`
			With    []string `json:"with"`
			Message string   `json:"message"`
		} `json:"limit_crossings"`
	} `json:"administration"`
	Flags []string `json:"flags"`
}

type alertsList struct {
	Items []struct {
		Kind            string `json:"kind"`
		SubjectID       string `json:"subject_id"`
		Message         string `json:"message"`
		EscalationLevel int    `json:"escalation_level"`
	} `json:"items"`
}

// What was given is always charted. A PRN dose given an hour ago and
// charted after a colleague charted the same PRN 30 minutes ago is charted,
// flagged with the limit it crosses and the colleague's dose, and the
// charge nurse is alerted; the same dose charted "now" is refused. A
// scheduled dose back-charted into a window in which another dose of the
// ingredient was given is flagged the same way.
func TestBedsideBackChartingAcrossALimit(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			b.env.Svc.Config.DeviceLifetime = 7 * 24 * time.Hour
			nurse, colleague, charge := b.login("nurse"), b.login("nurse2"), b.login("charge")
			r := b.resident("Kowalski")
			prn := b.order(r, "acetaminophen", true) // 1000 mg q6h PRN max 4/24h
			p500 := b.product("Acetaminophen 500")
			t0 := b.env.Clock.Now()
			give := func(who string, req body, wantStatus int) documented {
				t.Helper()
				client := nurse
				if who == "colleague" {
					client = colleague
				}
				req = req.with("context_id", scanWristband(t, client, r))
				resp := post(client, "/api/v1/administrations", req)
				if resp.Status != wantStatus {
					t.Fatalf("%s: %d, want %d: %s", who, resp.Status, wantStatus, resp.Body)
				}
				return decode[documented](t, resp)
			}
			prnDose := body{"scan": b.pack(p500), "order_id": prn.ID, "prn_indication": "pain", "pain_score": 6}

			b.env.Clock.Set(t0.Add(-30 * time.Minute))
			first := give("colleague", prnDose, http.StatusCreated)
			if len(first.Flags) != 0 || len(first.Administration.LimitCrossings) != 0 {
				t.Fatalf("the first dose is flagged: %+v", first)
			}

			b.env.Clock.Set(t0)
			// Charted now, it would be 30 minutes after the colleague's dose: refused.
			resp := post(nurse, "/api/v1/administrations", prnDose.with("context_id", scanWristband(t, nurse, r)))
			if resp.Status != http.StatusUnprocessableEntity || resp.Err(t).Error.Reason != mar.ReasonPRNTooSoon {
				t.Fatalf("charted now: %d %s", resp.Status, resp.Body)
			}
			// A performed time a few seconds back is "now", not back-charting.
			resp = post(nurse, "/api/v1/administrations", prnDose.with("context_id", scanWristband(t, nurse, r),
				"performed_at", t0.Add(-20*time.Second), "back_documented_reason", "just now"))
			if resp.Status != http.StatusUnprocessableEntity || resp.Err(t).Error.Reason != mar.ReasonPRNTooSoon {
				t.Fatalf("performed 20 s ago: %d %s", resp.Status, resp.Body)
			}

			// Given an hour ago, before the colleague's dose: charted, flagged, alerted.
			late := give("nurse", prnDose.with("performed_at", t0.Add(-time.Hour), "back_documented_reason", "resident fell; charting after the emergency"), http.StatusCreated)
			if !slices.Contains(late.Flags, mar.ReasonLimitCrossed) || !late.Administration.BackDocumented {
				t.Fatalf("back-charted dose not flagged: %+v", late)
			}
			lc := late.Administration.LimitCrossings
			if len(lc) != 1 || lc[0].Limit != mar.LimitMinInterval || lc[0].Reason != mar.ReasonPRNTooSoon || !slices.Equal(lc[0].With, []string{first.Administration.ID}) {
				t.Fatalf("crossings: %+v", lc)
			}
			// Stored as answered.
			var stored documented
			if st := nurse.JSON("GET", "/api/v1/administrations/"+late.Administration.ID, nil, &stored.Administration); st != 200 || len(stored.Administration.LimitCrossings) != 1 {
				t.Fatalf("stored administration: %d %+v", st, stored)
			}

			var alerts alertsList
			if st := charge.JSON("GET", "/api/v1/alerts?unit_id="+r.UnitID+"&status=all", nil, &alerts); st != 200 {
				t.Fatalf("alerts: %d", st)
			}
			var found bool
			for _, a := range alerts.Items {
				if a.Kind != string(mar.AlertLimitCrossed) {
					continue
				}
				found = true
				loc := b.loc(r)
				for _, want := range []string{t0.Add(-time.Hour).In(loc).Format("15:04"), t0.Add(-30 * time.Minute).In(loc).Format("15:04"), "at least 6 h", "TOO SOON"} {
					if !strings.Contains(a.Message, want) {
						t.Errorf("alert message does not say %q: %s", want, a.Message)
					}
				}
				if a.SubjectID != late.Administration.ID || a.EscalationLevel != mar.EscalationChargeNurse {
					t.Errorf("alert %+v", a)
				}
			}
			if !found {
				t.Fatalf("no limit_crossed alert for the charge nurse: %+v", alerts)
			}

			// A scheduled dose back-charted into a window where another
			// order's dose of the ingredient was given.
			a := b.resident("Abbott")
			statin := b.order(a, "atorvastatin", false)
			second := b.addOrder(mar.Order{ResidentID: a.ID, ProductID: statin.ProductID, Ingredient: statin.Ingredient, DoseValue: statin.DoseValue, DoseUnit: statin.DoseUnit,
				Route: statin.Route, Frequency: "daily"})
			d1 := b.dose(statin, t0.Add(-time.Hour), time.Hour)
			d2 := b.dose(second, t0.Add(-30*time.Minute), time.Hour)
			scan := b.pack(b.product("Atorvastatin"))
			ctx := scanWristband(t, nurse, a)
			resp = post(nurse, "/api/v1/administrations", body{"context_id": ctx, "scan": scan, "dose_id": d2.ID})
			if resp.Status != http.StatusCreated || len(decode[documented](t, resp).Flags) != 0 {
				t.Fatalf("dose charted now in its window: %d %s", resp.Status, resp.Body)
			}
			resp = post(nurse, "/api/v1/administrations", body{"context_id": ctx, "scan": scan, "dose_id": d1.ID,
				"performed_at": t0.Add(-70 * time.Minute), "back_documented_reason": "charted after the emergency"})
			if resp.Status != http.StatusCreated {
				t.Fatalf("back-charted scheduled dose: %d %s", resp.Status, resp.Body)
			}
			sched := decode[documented](t, resp)
			if sc := sched.Administration.LimitCrossings; !slices.Contains(sched.Flags, mar.ReasonLimitCrossed) || len(sc) != 1 || sc[0].Limit != mar.LimitSameWindow || sc[0].Reason != mar.ReasonIngredientInWindow {
				t.Fatalf("scheduled dose back-charted into a used window: %s", resp.Body)
			}
			// Back-charting with nothing else in the window is not flagged.
			d3 := b.dose(statin, t0.Add(-6*time.Hour), time.Hour)
			resp = post(nurse, "/api/v1/administrations", body{"context_id": ctx, "scan": scan, "dose_id": d3.ID,
				"performed_at": t0.Add(-6 * time.Hour), "back_documented_reason": "paper MAR during downtime"})
			if resp.Status != http.StatusCreated || slices.Contains(decode[documented](t, resp).Flags, mar.ReasonLimitCrossed) {
				t.Fatalf("back-charted alone in its window: %d %s", resp.Status, resp.Body)
			}
		})
	}
}
