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

// A scheduled dose of an ingredient is judged against the limits of every
// active PRN order of the same ingredient when a PRN dose is involved: a
// scheduled dose inside a PRN order's minimum interval of a PRN dose
// (before or after it), or one that takes the ingredient over a PRN
// order's maximum in its period, is charted (it is prescribed), flagged
// with the limit and the PRN doses, and the charge nurse is alerted —
// whether it is charted now or back-charted. Scheduled doses alone are
// not judged by PRN limits.
func TestScheduledDoseAcrossAPRNLimit(t *testing.T) {
	cases := []struct {
		name     string
		resident string
		prnFreq  string
		prnDoses []time.Duration // PRN doses charted at t0 minus these
		schedAt  time.Duration   // the scheduled dose is given at t0 minus this (0: charted now)
		earlier  bool            // another scheduled dose of the ingredient given 1 h before
		want     []string        // limits crossed, in order
	}{
		{"30 minutes after a PRN dose, inside its 6-hour interval", "Eriksen", "q6h PRN max 4/24h", []time.Duration{30 * time.Minute}, 0, false, []string{mar.LimitMinInterval}},
		{"7 hours after a PRN dose: outside the interval, under the maximum", "Garcia", "q6h PRN max 4/24h", []time.Duration{7 * time.Hour}, 0, false, nil},
		{"over a PRN order's 24-hour maximum amount", "Ito", "PRN every 1 hour max 2 g/24h", []time.Duration{5 * time.Hour, 3 * time.Hour}, 0, false, []string{mar.LimitMaxAmount}},
		{"over a PRN order's maximum number of doses", "Moreau", "q1h PRN max 2/24h", []time.Duration{5 * time.Hour, 3 * time.Hour}, 0, false, []string{mar.LimitMaxDoses}},
		{"back-charted an hour before a PRN dose charted since", "Quinn", "q6h PRN max 4/24h", []time.Duration{30 * time.Minute}, time.Hour, false, []string{mar.LimitSameWindow, mar.LimitMinInterval}},
		{"after another scheduled dose only: PRN limits do not apply", "Schmidt", "q6h PRN max 4/24h", nil, 0, true, nil},
	}
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			b.env.Svc.Config.DeviceLifetime = 7 * 24 * time.Hour
			nurse, charge := b.login("nurse"), b.login("charge")
			p500 := b.product("Acetaminophen 500")
			t0 := b.env.Clock.Now()
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					b.env.Clock.Set(t0.Add(-8 * time.Hour))
					r := b.resident(tc.resident)
					b.tx(func(tx mar.Tx) error {
						os, err := tx.ListOrders(mar.OrderFilter{ResidentID: r.ID})
						for _, o := range os {
							if mar.SameIngredient(o.Ingredient, "acetaminophen") {
								o.Status = mar.OrderOnHold
								if err := tx.UpdateOrder(&o); err != nil {
									return err
								}
							}
						}
						return err
					})
					prn := b.addOrder(mar.Order{ResidentID: r.ID, ProductID: p500.ID, Ingredient: "paracetamol", DoseValue: 1000, DoseUnit: "mg", Route: "oral",
						Frequency: tc.prnFreq, PRN: true, PRNReason: "pain"})
					sched := b.addOrder(mar.Order{ResidentID: r.ID, ProductID: p500.ID, Ingredient: "acetaminophen", DoseValue: 1000, DoseUnit: "mg", Route: "oral", Frequency: "QID"})
					var prnIDs []string
					for _, off := range tc.prnDoses {
						b.env.Clock.Set(t0.Add(-off))
						resp := post(nurse, "/api/v1/administrations", body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(p500), "order_id": prn.ID, "prn_indication": "pain", "pain_score": 5})
						if resp.Status != http.StatusCreated {
							t.Fatalf("PRN dose at -%v: %d %s", off, resp.Status, resp.Body)
						}
						prnIDs = append(prnIDs, decode[documented](t, resp).Administration.ID)
					}
					if tc.earlier {
						b.env.Clock.Set(t0.Add(-time.Hour))
						d := b.dose(sched, t0.Add(-time.Hour), time.Hour)
						resp := post(nurse, "/api/v1/administrations", body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(p500), "dose_id": d.ID})
						if resp.Status != http.StatusCreated || len(decode[documented](t, resp).Flags) != 0 {
							t.Fatalf("earlier scheduled dose: %d %s", resp.Status, resp.Body)
						}
					}
					b.env.Clock.Set(t0)
					d := b.dose(sched, t0.Add(-tc.schedAt), time.Hour)
					req := body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(p500), "dose_id": d.ID}
					if tc.schedAt > 0 {
						req = req.with("performed_at", t0.Add(-tc.schedAt), "back_documented_reason", "charted after the fall")
					}

					// The scan warns before the dose is given.
					resp := post(nurse, "/api/v1/bedside/verify", req)
					if resp.Status != http.StatusOK {
						t.Fatalf("verify: %d %s", resp.Status, resp.Body)
					}
					warned := false
					for _, c := range decode[verdict](t, resp).Checks {
						warned = warned || c.Reason == mar.ReasonScheduledCrossesPRNLimit && c.Status == "warn"
					}
					wantPRNWarn := slices.ContainsFunc(tc.want, func(l string) bool { return l != mar.LimitSameWindow })
					if warned != wantPRNWarn {
						t.Fatalf("verify warns %v, want %v: %s", warned, wantPRNWarn, resp.Body)
					}

					resp = post(nurse, "/api/v1/administrations", req)
					if resp.Status != http.StatusCreated {
						t.Fatalf("document: %d %s", resp.Status, resp.Body)
					}
					doc := decode[documented](t, resp)
					var got []string
					for _, c := range doc.Administration.LimitCrossings {
						got = append(got, c.Limit)
						if c.Limit != mar.LimitSameWindow {
							for _, w := range c.With {
								if !slices.Contains(prnIDs, w) {
									t.Errorf("crossing %s names %s, not one of the PRN doses %v", c.Limit, w, prnIDs)
								}
							}
						}
					}
					if !slices.Equal(got, tc.want) {
						t.Fatalf("crossings %v, want %v: %s", got, tc.want, resp.Body)
					}
					if flagged := slices.Contains(doc.Flags, mar.ReasonLimitCrossed); flagged != (len(tc.want) > 0) {
						t.Fatalf("flags %v", doc.Flags)
					}

					var alerts alertsList
					if st := charge.JSON("GET", "/api/v1/alerts?unit_id="+r.UnitID+"&status=all", nil, &alerts); st != 200 {
						t.Fatalf("alerts: %d", st)
					}
					var alert string
					for _, a := range alerts.Items {
						if a.Kind == string(mar.AlertLimitCrossed) && a.SubjectID == doc.Administration.ID {
							alert = a.Message
							if a.EscalationLevel != mar.EscalationChargeNurse {
								t.Errorf("alert escalation %d", a.EscalationLevel)
							}
						}
					}
					if (alert != "") != (len(tc.want) > 0) {
						t.Fatalf("alert %q for crossings %v", alert, tc.want)
					}
					if alert == "" {
						return
					}
					// The alert names the scheduled dose and every PRN dose.
					loc := b.loc(r)
					for _, off := range append([]time.Duration{tc.schedAt}, tc.prnDoses...) {
						if at := t0.Add(-off).In(loc).Format("15:04"); !strings.Contains(alert, at) {
							t.Errorf("alert does not name the dose at %s: %s", at, alert)
						}
					}
				})
			}
		})
	}
}
