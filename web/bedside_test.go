package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store/storetest"
)

// Every hard stop of the medication scan is refused with its reason code
// and words for the nurse, on both databases, over real HTTP.
func TestBedsideRefusesEachWrongRight(t *testing.T) {
	type request struct {
		path string // verify or document
		body body
		as   *testenv.Client
	}
	const verify, document = "/api/v1/bedside/verify", "/api/v1/administrations"
	cases := []struct {
		name       string
		build      func(b *bed, nurse *testenv.Client) request
		wantStatus int
		wantReason string
		wantRight  string
	}{
		{"wrong patient: the dose belongs to another resident", func(b *bed, nurse *testenv.Client) request {
			other := b.dose(b.order(b.resident("Petrov"), "atorvastatin", false), b.env.Clock.Now(), time.Hour)
			ctx := scanWristband(t, nurse, b.resident("Kowalski"))
			return request{verify, body{"context_id": ctx, "scan": b.pack(b.product("Atorvastatin")), "dose_id": other.ID}, nurse}
		}, 422, mar.ReasonWrongPatient, "patient"},
		{"wrong patient: another nurse's wristband scan", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Kowalski")
			d := b.dose(b.order(r, "atorvastatin", false), b.env.Clock.Now().Add(time.Minute), time.Hour)
			ctx := scanWristband(t, b.login("nurse2"), r)
			return request{verify, body{"context_id": ctx, "scan": b.pack(b.product("Atorvastatin")), "dose_id": d.ID}, nurse}
		}, 422, mar.ReasonWrongPatient, "patient"},
		{"wrong patient: the wristband scan expired", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Kowalski")
			now := b.env.Clock.Now()
			var me struct {
				ID string `json:"id"`
			}
			nurse.JSON("GET", "/api/v1/me", nil, &me)
			bc := mar.BedsideContext{ID: mar.NewID(), FacilityID: r.FacilityID, UserID: me.ID, ResidentID: r.ID, ScannedCode: wristband(r), CreatedAt: now.Add(-45 * time.Minute), ExpiresAt: now.Add(-15 * time.Minute)}
			b.tx(func(tx mar.Tx) error { return tx.CreateBedsideContext(&bc) })
			return request{verify, body{"context_id": bc.ID, "scan": b.pack(b.product("Atorvastatin"))}, nurse}
		}, 422, mar.ReasonContextExpired, "patient"},
		{"wrong drug", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Kowalski")
			d := b.dose(b.order(r, "atorvastatin", false), b.env.Clock.Now().Add(2*time.Minute), time.Hour)
			return request{verify, body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Lisinopril")), "dose_id": d.ID}, nurse}
		}, 422, mar.ReasonWrongDrug, "drug"},
		{"wrong dose: two tablets for one", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Kowalski")
			d := b.dose(b.order(r, "atorvastatin", false), b.env.Clock.Now().Add(3*time.Minute), time.Hour)
			return request{verify, body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Atorvastatin")), "dose_id": d.ID, "quantity": 2}, nurse}
		}, 422, mar.ReasonWrongDose, "dose"},
		{"wrong route: a suppository for an oral order", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Kowalski")
			o := b.order(r, "acetaminophen", true)
			return request{verify, body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Acetaminophen 650 mg suppository")), "order_id": o.ID}, nurse}
		}, 422, mar.ReasonWrongRoute, "route"},
		{"wrong time: too early, not overridden", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Petrov")
			d := b.dose(b.order(r, "atorvastatin", false), b.env.Clock.Now().Add(5*time.Hour), time.Hour)
			return request{document, body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Atorvastatin")), "dose_id": d.ID}, nurse}
		}, 422, mar.ReasonTooEarly, "time"},
		{"wrong time: too late, not overridden", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Petrov")
			d := b.dose(b.order(r, "atorvastatin", false), b.env.Clock.Now().Add(-5*time.Hour), time.Hour)
			return request{document, body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Atorvastatin")), "dose_id": d.ID}, nurse}
		}, 422, mar.ReasonTooLate, "time"},
		{"expired pack (GS1 AI 17 in the unit's time zone)", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Kowalski")
			d := b.dose(b.order(r, "atorvastatin", false), b.env.Clock.Now().Add(4*time.Minute), time.Hour)
			yesterday := b.env.Clock.Now().In(b.loc(r)).AddDate(0, 0, -1)
			return request{verify, body{"context_id": scanWristband(t, nurse, r), "scan": gs1(b.product("Atorvastatin"), yesterday, "OLD1"), "dose_id": d.ID}, nurse}
		}, 422, mar.ReasonExpired, "expiry"},
		{"allergy", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Fitzgerald") // allergic to ibuprofen
			return request{verify, body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Ibuprofen"))}, nurse}
		}, 422, mar.ReasonAllergy, "allergy"},
		{"allergy by drug class: penicillin allergy, amoxicillin ordered", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Abbott") // allergic to penicillin
			p := b.product("Amoxicillin")
			o := b.addOrder(mar.Order{ResidentID: r.ID, ProductID: p.ID, Ingredient: "amoxicillin", DoseValue: 500, DoseUnit: "mg", Route: "oral", Frequency: "TID at 09:00, 14:00, 21:00"})
			d := b.dose(o, b.env.Clock.Now().Add(2*time.Minute), time.Hour)
			return request{verify, body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Amoxicillin")), "dose_id": d.ID}, nurse}
		}, 422, mar.ReasonAllergy, "allergy"},
		{"cross-sensitivity: penicillin allergy, cephalexin given without the prescriber's confirmation", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Abbott")
			p := b.product("Cephalexin")
			o := b.addOrder(mar.Order{ResidentID: r.ID, ProductID: p.ID, Ingredient: "cephalexin", DoseValue: 500, DoseUnit: "mg", Route: "oral", Frequency: "TID at 09:00, 14:00, 21:00"})
			d := b.dose(o, b.env.Clock.Now().Add(2*time.Minute), time.Hour)
			return request{document, body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Cephalexin")), "dose_id": d.ID, "outcome": "given"}, nurse}
		}, 422, mar.ReasonAllergyCrossSensitivity, "allergy"},
		{"order pending pharmacy verification", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Eriksen") // potassium chloride ordered, not verified
			return request{verify, body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Potassium chloride"))}, nurse}
		}, 422, mar.ReasonOrderPendingVerification, "order_status"},
		{"order on hold", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Tanaka")
			o := b.order(r, "furosemide", false)
			d := b.dose(o, b.env.Clock.Now(), time.Hour)
			b.setOrderStatus(o, mar.OrderOnHold)
			return request{verify, body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Furosemide")), "dose_id": d.ID}, nurse}
		}, 422, mar.ReasonOrderOnHold, "order_status"},
		{"order discontinued", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Tanaka")
			o := b.order(r, "digoxin", false)
			b.dose(o, b.env.Clock.Now(), time.Hour)
			b.setOrderStatus(o, mar.OrderDiscontinued)
			return request{verify, body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Digoxin"))}, nurse}
		}, 422, mar.ReasonOrderDiscontinued, "order_status"},
		{"high-alert without witness", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Moreau")
			d := b.dose(b.order(r, "fentanyl", false), b.env.Clock.Now(), time.Hour)
			return request{document, body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Fentanyl")), "dose_id": d.ID, "site": "left upper arm"}, nurse}
		}, 422, mar.ReasonWitnessRequired, "high_alert"},
		{"high-alert witnessed by the nurse herself", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Moreau")
			o := b.order(r, "fentanyl", false)
			return request{document, body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Fentanyl")), "order_id": o.ID, "site": "left upper arm",
				"witness": map[string]string{"username": "nurse", "password": demo.Password}}, nurse}
		}, 422, mar.ReasonWitnessSamePerson, "high_alert"},
		{"high-alert witness with a wrong password", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Moreau")
			o := b.order(r, "fentanyl", false)
			return request{document, body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Fentanyl")), "order_id": o.ID, "site": "left upper arm",
				"witness": map[string]string{"username": "nurse2", "password": "not-the-password"}}, nurse}
		}, 422, mar.ReasonWitnessInvalid, "high_alert"},
		{"hold parameter met (heart rate below 60)", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Petrov")
			d := b.dose(b.order(r, "metoprolol tartrate", false), b.env.Clock.Now(), time.Hour)
			return request{verify, body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Metoprolol tartrate 25")), "dose_id": d.ID,
				"vitals": map[string]float64{"heart_rate": 52, "systolic_bp": 128}}, nurse}
		}, 422, mar.ReasonHoldParameterMet, "hold_parameters"},
		{"hold parameters without vital signs", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Petrov")
			o := b.order(r, "metoprolol tartrate", false)
			return request{document, body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Metoprolol tartrate 25")), "order_id": o.ID}, nurse}
		}, 422, mar.ReasonVitalsRequired, "hold_parameters"},
		{"sliding scale: a typed amount differs from the scale", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Quinn")
			d := b.dose(b.order(r, "insulin lispro", false), b.env.Clock.Now(), 30*time.Minute)
			// Glucose 220 calls for 4 units = 0.04 mL of 100 units/mL; 0.06 mL is 6 units.
			return request{verify, body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Insulin lispro")), "dose_id": d.ID, "glucose": 220, "quantity": 0.06}, nurse}
		}, 422, mar.ReasonScaleDoseMismatch, "sliding_scale"},
		{"sliding scale: no glucose reading", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Quinn")
			o := b.order(r, "insulin lispro", false)
			return request{document, body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Insulin lispro")), "order_id": o.ID, "witness": witness}, nurse}
		}, 422, mar.ReasonGlucoseRequired, "sliding_scale"},
		{"a product no order matches", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Kowalski")
			return request{verify, body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Donepezil"))}, nurse}
		}, 422, mar.ReasonNoMatchingOrder, "drug"},
		{"a GTIN the catalogue does not know", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Kowalski")
			p := mar.Product{Packages: []mar.Package{{GTIN: demo.GTIN("9999999999")}}}
			return request{verify, body{"context_id": scanWristband(t, nurse, r), "scan": gs1(p, b.env.Clock.Now().AddDate(1, 0, 0), "X1")}, nurse}
		}, 422, mar.ReasonProductUnknown, "drug"},
		{"an unreadable barcode", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Kowalski")
			return request{verify, body{"context_id": scanWristband(t, nurse, r), "scan": "]d20112345"}, nurse}
		}, 422, mar.ReasonBarcodeUnreadable, "drug"},
		{"a wristband scanned as the medication", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Kowalski")
			return request{verify, body{"context_id": scanWristband(t, nurse, r), "scan": wristband(r)}, nurse}
		}, 422, mar.ReasonNotAMedication, "drug"},
		{"PRN without indication", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Kowalski")
			o := b.order(r, "acetaminophen", true)
			return request{document, body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Acetaminophen 500")), "order_id": o.ID}, nurse}
		}, 422, mar.ReasonPRNIndicationRequired, "prn"},
		{"partial dose without override", func(b *bed, nurse *testenv.Client) request {
			r := b.resident("Kowalski")
			o := b.order(r, "acetaminophen", true)
			return request{document, body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Acetaminophen 500")), "order_id": o.ID, "quantity": 1, "prn_indication": "headache"}, nurse}
		}, 422, mar.ReasonPartialDose, "dose"},
	}
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			nurse := b.login("nurse")
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					b.t = t
					req := tc.build(b, nurse)
					resp := req.as.Do("POST", req.path, req.body, map[string]string{"Idempotency-Key": newKey()})
					if resp.Status != tc.wantStatus {
						t.Fatalf("status %d, want %d: %s", resp.Status, tc.wantStatus, resp.Body)
					}
					ref := decode[refusal](t, resp)
					if ref.Error.Reason != tc.wantReason {
						t.Fatalf("reason %q, want %q: %s", ref.Error.Reason, tc.wantReason, resp.Body)
					}
					if ref.Error.Message == "" {
						t.Error("no words for the nurse")
					}
					found := false
					for _, c := range ref.Error.Details.Checks {
						if c.Status == "fail" && c.Reason == tc.wantReason && c.Right == tc.wantRight {
							found = true
							if c.Message != ref.Error.Message {
								t.Errorf("error message %q is not the failing check's %q", ref.Error.Message, c.Message)
							}
						}
					}
					if !found {
						t.Errorf("no failing %s check with reason %s in %s", tc.wantRight, tc.wantReason, resp.Body)
					}
					if tc.wantReason == mar.ReasonNoMatchingOrder && len(ref.Error.Details.Candidates) == 0 {
						t.Errorf("no candidates offered: %s", resp.Body)
					}
				})
			}
		})
	}
}

// A correct administration passes every check and is charted once, with
// its dose, stock movement and audit event.
func TestBedsideCorrectAdministration(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			nurse := b.login("nurse")
			r := b.resident("Abbott")
			d := b.dose(b.order(r, "atorvastatin", false), b.env.Clock.Now().Add(10*time.Minute), time.Hour)
			ctx := scanWristband(t, nurse, r)
			scan := b.pack(b.product("Atorvastatin"))

			resp := nurse.Do("POST", "/api/v1/bedside/verify", body{"context_id": ctx, "scan": scan}, nil)
			if resp.Status != http.StatusOK {
				t.Fatalf("verify: %d %s", resp.Status, resp.Body)
			}
			v := decode[verdict](t, resp)
			if !v.Allowed || v.Dose == nil || v.Dose.ID != d.ID || v.Quantity != 1 || v.Amount != 20 || v.Lot == "" || v.Expiry == "" {
				t.Fatalf("verdict: %s", resp.Body)
			}
			for _, c := range v.Checks {
				if c.Status == "fail" || c.Message == "" {
					t.Errorf("check %+v", c)
				}
			}
			resp = nurse.Do("POST", "/api/v1/administrations", body{"context_id": ctx, "scan": scan, "dose_id": d.ID}, map[string]string{"Idempotency-Key": newKey()})
			if resp.Status != http.StatusCreated {
				t.Fatalf("document: %d %s", resp.Status, resp.Body)
			}
			type docAnswer struct {
				Outcome        string `json:"outcome"`
				Administration struct {
					ID     string `json:"id"`
					Lot    string `json:"lot"`
					Expiry string `json:"expiry"`
					Keyed  bool   `json:"keyed"`
				} `json:"administration"`
				Dose struct {
					Status string `json:"status"`
				} `json:"dose"`
			}
			doc := decode[docAnswer](t, resp)
			if doc.Outcome != "given" || doc.Dose.Status != "given" || doc.Administration.Lot == "" || doc.Administration.Keyed {
				t.Fatalf("document answer: %s", resp.Body)
			}
			b.tx(func(tx mar.Tx) error {
				as, err := tx.ListAdministrations(mar.AdministrationFilter{ResidentID: r.ID})
				if err != nil {
					return err
				}
				if len(as) != 1 || as[0].DoseID != d.ID || as[0].Quantity != 1 || as[0].GTIN != b.product("Atorvastatin").Packages[0].GTIN {
					t.Errorf("administrations: %+v", as)
				}
				return nil
			})
			var stock int64
			if err := b.env.Store.Gorm().Table("stock_movements").Where("ref_id = ? AND kind = ? AND quantity = ?", doc.Administration.ID, "administered", -1.0).Count(&stock).Error; err != nil || stock != 1 {
				t.Errorf("stock movements: %d %v", stock, err)
			}
			var audits int64
			if err := b.env.Store.Gorm().Table("audit_events").Where("action = ? AND object_id = ?", "administration.record", doc.Administration.ID).Count(&audits).Error; err != nil || audits != 1 {
				t.Errorf("audit events: %d %v", audits, err)
			}
			// The chain still verifies after the bedside writes.
			if n, brk, err := b.env.Store.VerifyAudit(t.Context()); err != nil || brk != nil || n == 0 {
				t.Errorf("audit chain: %d %v %v", n, brk, err)
			}
			// The list shows it with who gave it.
			var list struct {
				Items []struct {
					ID              string `json:"id"`
					PerformedByName string `json:"performed_by_name"`
				} `json:"items"`
			}
			if st := nurse.JSON("GET", "/api/v1/residents/"+r.ID+"/administrations", nil, &list); st != 200 || len(list.Items) != 1 || list.Items[0].PerformedByName != "Nora Nurse" {
				t.Errorf("list: %d %+v", st, list)
			}
		})
	}
}

// Documenting the same dose twice: the second device gets 409 with who and
// when; verify says already_documented.
func TestBedsideDuplicateIsRefusedWithWhoAndWhen(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			nurse, nurse2 := b.login("nurse"), b.login("nurse2")
			r := b.resident("Abbott")
			d := b.dose(b.order(r, "atorvastatin", false), b.env.Clock.Now(), time.Hour)
			scan := b.pack(b.product("Atorvastatin"))
			first := nurse.Do("POST", "/api/v1/administrations", body{"context_id": scanWristband(t, nurse, r), "scan": scan, "dose_id": d.ID}, map[string]string{"Idempotency-Key": newKey()})
			if first.Status != http.StatusCreated {
				t.Fatalf("first: %d %s", first.Status, first.Body)
			}
			ctx2 := scanWristband(t, nurse2, r)
			second := nurse2.Do("POST", "/api/v1/administrations", body{"context_id": ctx2, "scan": scan, "dose_id": d.ID}, map[string]string{"Idempotency-Key": newKey()})
			ref := decode[refusal](t, second)
			if second.Status != http.StatusConflict || ref.Error.Reason != mar.ReasonAlreadyDocumented || ref.Error.Details.DocumentedBy != "Nora Nurse" || ref.Error.Details.DocumentedAt == "" {
				t.Fatalf("second: %d %s", second.Status, second.Body)
			}
			if !strings.Contains(ref.Error.Message, "Nora Nurse") {
				t.Errorf("message does not say who: %s", ref.Error.Message)
			}
			v := nurse2.Do("POST", "/api/v1/bedside/verify", body{"context_id": ctx2, "scan": scan}, nil)
			vref := decode[refusal](t, v)
			if v.Status != 422 || vref.Error.Reason != mar.ReasonAlreadyDocumented || !strings.Contains(vref.Error.Message, "Nora Nurse") || vref.Error.Details.DocumentedBy != "Nora Nurse" {
				t.Fatalf("verify after: %d %s", v.Status, v.Body)
			}
		})
	}
}
