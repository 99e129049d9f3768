package web_test

import (
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store/storetest"
)

// The clinical rule: a weight-based order (15 mg/kg, optionally capped at
// a maximum dose) is given as mg/kg × the resident's latest weight, capped
// at the maximum. The weight is a vital (kg, or lb converted) with who and
// when; one older than the freshness rule (7 days by default) is stale.
// With no weight, or a stale one, the pharmacist cannot verify the order
// and the nurse cannot give it: both are told to record a weight. The
// worked-out dose is the ordered dose the five-rights dose check uses.
func TestWeightBasedOrders(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			b.env.Svc.Config.DeviceLifetime = 60 * 24 * time.Hour
			t0 := b.env.Clock.Now()
			ph, charge := b.login("pharmacist"), b.login("charge")
			r, unweighed := b.resident("Ito"), b.resident("Moreau")

			var liquid struct {
				ID string `json:"id"`
			}
			ndc := "9977700055"
			if st := ph.JSON("POST", "/api/v1/products", map[string]any{"name": "Acetaminophen 160 mg/5 mL oral solution", "form": "solution", "routes": []string{"oral"},
				"ingredients": []map[string]any{{"name": "acetaminophen", "strength_value": 32, "strength_unit": "mg/mL"}},
				"packages":    []map[string]any{{"gtin": demo.GTIN(ndc), "ndc": ndc, "quantity": 1}}}, &liquid); st != http.StatusCreated {
				t.Fatalf("add the liquid: %d", st)
			}
			scan := gs1(mar.Product{Packages: []mar.Package{{GTIN: demo.GTIN(ndc)}}}, t0.AddDate(1, 0, 0), "WLIQ1")

			type orderOut struct {
				ID       string  `json:"id"`
				Status   string  `json:"status"`
				DoseUnit string  `json:"dose_unit"`
				MaxDose  float64 `json:"max_dose"`
			}
			enter := func(c *testenv.Client, res mar.Resident, perKg, maxDose float64, wantStatus int) orderOut {
				t.Helper()
				var o orderOut
				req := map[string]any{"resident_id": res.ID, "product_id": liquid.ID, "dose_value": perKg, "dose_unit": "mg/kg", "route": "oral",
					"frequency": "QID", "start_at": b.env.Clock.Now()}
				if maxDose > 0 {
					req["max_dose"] = maxDose
				}
				if st := c.JSON("POST", "/api/v1/orders", req, &o); st != wantStatus {
					t.Fatalf("enter %v mg/kg: %d, want %d", perKg, st, wantStatus)
				}
				return o
			}
			verifyOrder := func(id string, wantStatus int, wantReason string) {
				t.Helper()
				resp := ph.Do("POST", "/api/v1/orders/"+id+"/verify", map[string]any{"note": "checked"}, nil)
				if resp.Status != wantStatus {
					t.Fatalf("verify order: %d, want %d: %s", resp.Status, wantStatus, resp.Body)
				}
				if wantReason != "" {
					if e := resp.Err(t).Error; e.Reason != wantReason || !strings.Contains(e.Message, "record the weight") {
						t.Fatalf("verify order: %s %q, want %s telling to record the weight", e.Reason, e.Message, wantReason)
					}
				}
			}
			weigh := func(value float64, unit string, wantStatus int) map[string]any {
				t.Helper()
				req := map[string]any{"kind": "weight", "value": value}
				if unit != "" {
					req["unit"] = unit
				}
				var out map[string]any
				if st := charge.JSON("POST", "/api/v1/residents/"+r.ID+"/vitals", req, &out); st != wantStatus {
					t.Fatalf("weigh %v %s: %d, want %d (%v)", value, unit, st, wantStatus, out)
				}
				return out
			}

			// A cap belongs to a weight-based order only.
			if resp := charge.Do("POST", "/api/v1/orders", map[string]any{"resident_id": r.ID, "product_id": liquid.ID, "dose_value": 160, "dose_unit": "mg",
				"max_dose": 500, "route": "oral", "frequency": "QID"}, nil); resp.Status != http.StatusBadRequest || resp.Err(t).Error.Field != "max_dose" {
				t.Fatalf("max_dose on a mg order: %d %s", resp.Status, resp.Body)
			}
			// A pharmacist's order is verified as it is entered: not without a weight.
			enter(ph, r, 15, 0, http.StatusUnprocessableEntity)

			capped := enter(charge, r, 15, 1000, http.StatusCreated)
			plain := enter(charge, r, 10, 0, http.StatusCreated)
			if capped.Status != "pending_verification" || capped.DoseUnit != "mg/kg" || capped.MaxDose != 1000 {
				t.Fatalf("entered %+v", capped)
			}
			verifyOrder(capped.ID, http.StatusUnprocessableEntity, mar.ReasonWeightRequired)

			// A weight 8 days old is stale.
			b.env.Clock.Set(t0.Add(-8 * 24 * time.Hour))
			weigh(71, "", http.StatusCreated)
			b.env.Clock.Set(t0)
			verifyOrder(capped.ID, http.StatusUnprocessableEntity, mar.ReasonWeightStale)

			// Weights in kg or lb; anything else, or out of range, is refused.
			weigh(70, "stone", http.StatusBadRequest)
			weigh(1200, "lb", http.StatusBadRequest)
			w := weigh(154, "lb", http.StatusCreated)
			if w["value"].(float64) != 69.853 || w["unit"] != "kg" || w["recorded_by"] == "" || w["taken_at"] == nil {
				t.Fatalf("154 lb recorded as %v", w)
			}
			verifyOrder(capped.ID, http.StatusOK, "")
			verifyOrder(plain.ID, http.StatusOK, "")

			nurse := b.login("nurse")
			type weightDose struct {
				WeightKg float64 `json:"weight_kg"`
				Dose     float64 `json:"dose"`
				Unit     string  `json:"unit"`
				Capped   bool    `json:"capped"`
				Text     string  `json:"text"`
			}
			type answer struct {
				verdictWithUnits
				WeightDose *weightDose `json:"weight_dose"`
			}
			doseOf := map[string]string{}
			for _, o := range []orderOut{capped, plain} {
				doseOf[o.ID] = b.dose(mar.Order{ID: o.ID, FacilityID: b.env.Demo.Facility.ID, ResidentID: r.ID}, t0.Add(30*time.Minute), time.Hour).ID
			}
			// The due list shows the dose per kg and its cap.
			resp := nurse.Do("POST", "/api/v1/bedside/wristband", map[string]string{"scan": wristband(r)}, map[string]string{"Idempotency-Key": newKey()})
			shown := map[string]string{}
			for _, it := range decode[struct {
				Due struct {
					DueNow []struct {
						Order struct {
							ID       string `json:"id"`
							DoseText string `json:"dose_text"`
						} `json:"order"`
					} `json:"due_now"`
				} `json:"due"`
			}](t, resp).Due.DueNow {
				if it.Order.ID == capped.ID || it.Order.ID == plain.ID {
					shown[it.Order.ID] = it.Order.DoseText
				}
			}
			if shown[capped.ID] != "15 mg/kg (at most 1000 mg)" || shown[plain.ID] != "10 mg/kg" {
				t.Fatalf("due list shows %q", shown)
			}
			// 15 mg/kg × 69.853 kg = 1047.795 mg, capped at 1000 mg; 10 mg/kg = 698.53 mg.
			cases := []struct {
				name     string
				order    orderOut
				quantity float64
				unit     string
				status   int
				reason   string
				amount   float64
				capped   bool
			}{
				{"capped: the ordered dose is the maximum", capped, 0, "", 200, "", 1000, true},
				{"capped: the maximum in mg", capped, 1000, "mg", 200, "", 1000, true},
				{"capped: the uncapped amount is too much", capped, 1047.795, "mg", 422, mar.ReasonWrongDose, 0, false},
				{"per kg × weight", plain, 0, "", 200, "", 698.53, false},
				{"per kg × weight, in mL", plain, 21.829063, "mL", 200, "", 698.53, false},
				{"more than per kg × weight", plain, 800, "mg", 422, mar.ReasonWrongDose, 0, false},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					req := body{"context_id": scanWristband(t, nurse, r), "scan": scan, "dose_id": doseOf[tc.order.ID]}
					if tc.quantity > 0 {
						req["quantity"], req["quantity_unit"] = tc.quantity, tc.unit
					}
					resp := post(nurse, "/api/v1/bedside/verify", req)
					if resp.Status != tc.status {
						t.Fatalf("%d, want %d: %s", resp.Status, tc.status, resp.Body)
					}
					if tc.status != 200 {
						if e := resp.Err(t).Error; e.Reason != tc.reason {
							t.Fatalf("reason %s, want %s: %s", e.Reason, tc.reason, e.Message)
						}
						return
					}
					v := decode[answer](t, resp)
					if v.WeightDose == nil || v.WeightDose.WeightKg != 69.853 || v.WeightDose.Capped != tc.capped || v.WeightDose.Unit != "mg" ||
						math.Abs(v.Amount-tc.amount) > 1e-3 || v.AmountUnit != "mg" || v.check("dose").Status != "pass" {
						t.Fatalf("verdict: amount %v %s, weight %+v, dose check %+v; want %v mg, capped %v", v.Amount, v.AmountUnit, v.WeightDose, v.check("dose"), tc.amount, tc.capped)
					}
					if !strings.Contains(v.WeightDose.Text, "15 mg/kg × 69.853 kg") && tc.order.ID == capped.ID {
						t.Errorf("how the dose was worked out: %q", v.WeightDose.Text)
					}
				})
			}

			// Charted with the worked-out dose.
			resp = post(nurse, "/api/v1/administrations", body{"context_id": scanWristband(t, nurse, r), "scan": scan, "dose_id": doseOf[plain.ID]})
			if resp.Status != http.StatusCreated {
				t.Fatalf("document: %d %s", resp.Status, resp.Body)
			}
			if a := decode[struct {
				Administration struct {
					Amount float64 `json:"amount"`
					Unit   string  `json:"unit"`
				} `json:"administration"`
			}](t, resp).Administration; a.Amount != 698.53 || a.Unit != "mg" {
				t.Fatalf("charted %+v", a)
			}

			// Eight days on, the weight is stale at the bedside; weighed at
			// the bedside (a weight in the request's vitals), the dose is
			// worked out from the new weight.
			b.env.Clock.Set(t0.Add(8 * 24 * time.Hour))
			nurse = b.login("nurse")
			later := b.dose(mar.Order{ID: capped.ID, FacilityID: b.env.Demo.Facility.ID, ResidentID: r.ID}, b.env.Clock.Now(), time.Hour)
			req := body{"context_id": scanWristband(t, nurse, r), "scan": scan, "dose_id": later.ID}
			resp = post(nurse, "/api/v1/bedside/verify", req)
			if e := resp.Err(t).Error; resp.Status != http.StatusUnprocessableEntity || e.Reason != mar.ReasonWeightStale || !strings.Contains(e.Message, "record the weight") {
				t.Fatalf("stale weight at the bedside: %d %s", resp.Status, resp.Body)
			}
			resp = post(nurse, "/api/v1/bedside/verify", req.with("vitals", map[string]float64{"weight": 60}))
			if v := decode[answer](t, resp); resp.Status != 200 || v.WeightDose == nil || v.WeightDose.WeightKg != 60 || v.Amount != 900 || v.WeightDose.Capped {
				t.Fatalf("weighed at the bedside: %d %s", resp.Status, resp.Body)
			}

			// No weight at all: refused with what to do.
			o := b.addOrder(mar.Order{ResidentID: unweighed.ID, ProductID: liquid.ID, Ingredient: "acetaminophen", DoseValue: 15, DoseUnit: "mg/kg", Route: "oral", Frequency: "QID"})
			d := b.dose(o, b.env.Clock.Now(), time.Hour)
			resp = post(nurse, "/api/v1/bedside/verify", body{"context_id": scanWristband(t, nurse, unweighed), "scan": scan, "dose_id": d.ID})
			if e := resp.Err(t).Error; resp.Status != http.StatusUnprocessableEntity || e.Reason != mar.ReasonWeightRequired || !strings.Contains(e.Message, "record the weight") {
				t.Fatalf("no weight at the bedside: %d %s", resp.Status, resp.Body)
			}
		})
	}
}
