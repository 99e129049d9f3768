package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store/storetest"
)

// The clinical rule: a dose is given in units the product's form allows.
// Capsules, ER and ODT tablets, patches and pre-filled syringes are given
// whole; a scored tablet in halves (or quarters when scored so); a liquid
// in any volume; a tablet nobody said is scored, whole. A quantity the
// form does not allow, whether the nurse sent it or the server worked it
// out from the ordered amount, is refused with what to do, at the scan, at
// documentation and at the pharmacist's verification.
func TestDoseFormsDecideWhatFractionMayBeGiven(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			ph, charge, nurse := b.login("pharmacist"), b.login("charge"), b.login("nurse")
			castillo := b.resident("Castillo")

			// Products the catalogue gets through the REST API: one that
			// states its rule, and two that leave it to their form.
			addProduct := func(name, form, ingredient string, strength float64, unit, splitting, ndc string) mar.Product {
				body := map[string]any{"name": name, "form": form, "routes": []string{"oral"},
					"ingredients": []map[string]any{{"name": ingredient, "strength_value": strength, "strength_unit": unit}},
					"packages":    []map[string]any{{"gtin": demo.GTIN(ndc), "ndc": ndc, "quantity": 1}}}
				if splitting != "" {
					body["splitting"] = splitting
				}
				var out struct {
					ID        string `json:"id"`
					Splitting string `json:"splitting"`
					Inferred  bool   `json:"dose_form_inferred"`
				}
				if st := ph.JSON("POST", "/api/v1/products", body, &out); st != http.StatusCreated {
					t.Fatalf("add %s: %d", name, st)
				}
				if want := map[string]string{"": "", "tablet": "none", "solution": "any"}[form]; splitting == "" && (out.Splitting != want || !out.Inferred) {
					t.Fatalf("%s: splitting %q (inferred %v), want %q inferred from the form", name, out.Splitting, out.Inferred, want)
				}
				return mar.Product{ID: out.ID, Name: name, Ingredients: []mar.Ingredient{{Name: ingredient}}, Packages: []mar.Package{{GTIN: demo.GTIN(ndc)}}}
			}
			quarter := addProduct("Hydrochlorothiazide 25 mg tablet, scored in quarters", "tablet", "hydrochlorothiazide", 25, "mg", "quarter", "9977700011")
			plain := addProduct("Baclofen 10 mg tablet", "tablet", "baclofen", 10, "mg", "", "9977700022")
			liquid := addProduct("Acetaminophen 160 mg/5 mL oral solution", "solution", "acetaminophen", 32, "mg/mL", "", "9977700033")

			cases := []struct {
				name      string
				product   mar.Product
				dose      float64
				unit      string
				route     string
				quantity  float64 // 0: let the server work it out
				refused   bool
				message   string // part of the refusal
				wantUnits float64
			}{
				{"half a capsule", b.product("Omeprazole 20 mg"), 10, "mg", "oral", 0, true, "Omeprazole 20 mg capsule cannot be split; 10 mg is ordered (0.5 capsule) — ask pharmacy for the right strength.", 0},
				{"a whole capsule", b.product("Omeprazole 20 mg"), 20, "mg", "oral", 0, false, "", 1},
				{"two capsules", b.product("Omeprazole 20 mg"), 40, "mg", "oral", 0, false, "", 2},
				{"half an extended-release tablet", b.product("Potassium chloride 20 mEq ER"), 10, "mEq", "oral", 0, true, "cannot be split; 10 mEq is ordered (0.5 tablet)", 0},
				{"a whole extended-release tablet", b.product("Potassium chloride 20 mEq ER"), 20, "mEq", "oral", 0, false, "", 1},
				{"half an orally disintegrating tablet", b.product("Ondansetron 4 mg"), 2, "mg", "oral", 0, true, "cannot be split", 0},
				{"part of a patch", b.product("Fentanyl 25 mcg/h"), 12, "mcg/h", "transdermal", 0, true, "Fentanyl 25 mcg/h transdermal patch cannot be split; 12 mcg/h is ordered (0.48 patch)", 0},
				{"part of a pre-filled syringe", b.product("Enoxaparin 40 mg"), 30, "mg", "subcutaneous", 0, true, "cannot be split; 30 mg is ordered (0.75 injection)", 0},
				{"half a scored tablet", b.product("Metoprolol tartrate 25 mg"), 12.5, "mg", "oral", 0, false, "", 0.5},
				{"a quarter of a tablet scored only in halves", b.product("Metoprolol tartrate 25 mg"), 6.25, "mg", "oral", 0, true, "may be split only in halves; 6.25 mg is ordered (0.25 tablet)", 0},
				{"a quarter of a tablet scored in quarters", quarter, 6.25, "mg", "oral", 0, false, "", 0.25},
				{"three quarters of a tablet scored in quarters", quarter, 18.75, "mg", "oral", 0, false, "", 0.75},
				{"half a tablet nobody said is scored", plain, 5, "mg", "oral", 0, true, "Baclofen 10 mg tablet cannot be split", 0},
				{"any volume of a liquid", liquid, 500, "mg", "oral", 0, false, "", 15.625},
				{"a fraction typed for a whole-capsule dose", b.product("Omeprazole 20 mg"), 20, "mg", "oral", 0.5, true, "0.5 capsule cannot be given. 20 mg is ordered: give 1 capsule.", 0},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					// Pharmacist verification: the queue names the problem
					// and verification refuses it.
					var created struct {
						ID string `json:"id"`
					}
					if st := charge.JSON("POST", "/api/v1/orders", map[string]any{"resident_id": castillo.ID, "product_id": tc.product.ID,
						"dose_value": tc.dose, "dose_unit": tc.unit, "route": tc.route, "frequency": "daily at 08:00"}, &created); st != http.StatusCreated {
						t.Fatalf("enter the order: %d", st)
					}
					var queue struct {
						Items []struct {
							Order struct {
								ID string `json:"id"`
							} `json:"order"`
							DoseFormProblem string `json:"dose_form_problem"`
						} `json:"items"`
					}
					ph.JSON("GET", "/api/v1/pharmacy/queue", nil, &queue)
					problem := "?"
					for _, it := range queue.Items {
						if it.Order.ID == created.ID {
							problem = it.DoseFormProblem
						}
					}
					verify := ph.Do("POST", "/api/v1/orders/"+created.ID+"/verify", map[string]string{}, nil)
					wantVerifyRefused := tc.refused && tc.quantity == 0
					switch {
					case wantVerifyRefused && (problem == "" || !strings.Contains(problem, tc.message)):
						t.Errorf("queue: dose_form_problem %q, want it to say %q", problem, tc.message)
					case !wantVerifyRefused && problem != "":
						t.Errorf("queue: dose_form_problem %q for a dose the form allows", problem)
					}
					if wantVerifyRefused {
						ref := decode[refusal](t, verify)
						if verify.Status != http.StatusUnprocessableEntity || ref.Error.Reason != mar.ReasonDoseFormNotDivisible || !strings.Contains(ref.Error.Message, tc.message) {
							t.Errorf("verification: %d %s", verify.Status, verify.Body)
						}
					} else if verify.Status != http.StatusOK {
						t.Errorf("verification of a dose the form allows: %d %s", verify.Status, verify.Body)
					}

					// The bedside: an active order with a dose due now.
					o := b.addOrder(mar.Order{ResidentID: castillo.ID, ProductID: tc.product.ID, Ingredient: tc.product.Ingredients[0].Name,
						DoseValue: tc.dose, DoseUnit: tc.unit, Route: tc.route, Frequency: "daily"})
					d := b.dose(o, b.env.Clock.Now(), time.Hour)
					req := body{"context_id": scanWristband(t, nurse, castillo), "scan": b.pack(tc.product), "dose_id": d.ID}
					if tc.quantity > 0 {
						req = req.with("quantity", tc.quantity)
					}
					scan := nurse.Do("POST", "/api/v1/bedside/verify", req, nil)
					doc := nurse.Do("POST", "/api/v1/administrations", req.with("outcome", "given", "witness", witness, "site", "left upper arm"),
						map[string]string{"Idempotency-Key": newKey()})
					if tc.refused {
						for what, r := range map[string]testenv.Response{"scan": scan, "documentation": doc} {
							ref := decode[refusal](t, r)
							if r.Status != http.StatusUnprocessableEntity || ref.Error.Reason != mar.ReasonDoseFormNotDivisible || !strings.Contains(ref.Error.Message, tc.message) {
								t.Errorf("%s: %d %s; want 422 %s saying %q", what, r.Status, r.Body, mar.ReasonDoseFormNotDivisible, tc.message)
							}
						}
						if got := b.getDose(d.ID); got.Status != mar.DoseScheduled {
							t.Errorf("a refused dose is %s", got.Status)
						}
						return
					}
					v := decode[verdict](t, scan)
					if scan.Status != http.StatusOK || !v.Allowed || v.Quantity != tc.wantUnits || v.check("dose").Status != "pass" {
						t.Errorf("scan: %d %s; want allowed with %v units", scan.Status, scan.Body, tc.wantUnits)
					}
					if doc.Status != http.StatusCreated {
						t.Fatalf("documentation: %d %s", doc.Status, doc.Body)
					}
					rec := decode[struct {
						Administration struct {
							Quantity float64 `json:"quantity"`
							Amount   float64 `json:"amount"`
						} `json:"administration"`
					}](t, doc)
					if rec.Administration.Quantity != tc.wantUnits || rec.Administration.Amount != tc.dose {
						t.Errorf("charted %v units = %v %s, want %v units = %v", rec.Administration.Quantity, rec.Administration.Amount, tc.unit, tc.wantUnits, tc.dose)
					}
				})
			}
		})
	}
}

// FHIR Medication.form of a contained Medication carries the dose form in:
// a prolonged-release tablet is never halved, even of a product the
// catalogue knows as scored; the pharmacist sees why at verification.
func TestFHIRMedicationFormTightensTheSplitRule(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			ph, charge := b.login("pharmacist"), b.login("charge")
			castillo := b.resident("Castillo")
			metoprolol := b.product("Metoprolol tartrate 25 mg") // scored: halves
			cases := []struct {
				name    string
				form    map[string]any // Medication.form; nil: none
				refused bool
			}{
				{"no form stated", nil, false},
				{"a tablet", map[string]any{"coding": []any{map[string]string{"system": "http://snomed.info/sct", "code": "385055001"}}}, false},
				{"a prolonged-release tablet", map[string]any{"text": "Prolonged-release oral tablet"}, true},
				{"a capsule by SNOMED code alone", map[string]any{"coding": []any{map[string]string{"system": "http://snomed.info/sct", "code": "732937005"}}}, true},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					med := map[string]any{"resourceType": "Medication", "id": "m1",
						"code": map[string]any{"coding": []any{map[string]string{"system": "http://hl7.org/fhir/sid/ndc", "code": metoprolol.Packages[0].NDC}}}}
					if tc.form != nil {
						med["form"] = tc.form
					}
					mr := map[string]any{"resourceType": "MedicationRequest", "status": "active", "intent": "order", "contained": []any{med},
						"medicationReference": map[string]string{"reference": "#m1"},
						"subject":             map[string]string{"reference": "Patient/" + castillo.ID},
						"dosageInstruction": []any{map[string]any{
							"timing":      map[string]any{"code": map[string]string{"text": "BID"}},
							"route":       map[string]any{"coding": []any{map[string]string{"system": "http://snomed.info/sct", "code": "26643006"}}},
							"doseAndRate": []any{map[string]any{"doseQuantity": map[string]any{"value": 12.5, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}},
						}}}
					r := charge.Do("POST", "/fhir/MedicationRequest", mustJSON(t, mr), fhirHeader)
					if r.Status != http.StatusCreated {
						t.Fatalf("FHIR order: %d %s", r.Status, r.Body)
					}
					id := decode[struct {
						ID string `json:"id"`
					}](t, r).ID
					v := ph.Do("POST", "/api/v1/orders/"+id+"/verify", map[string]string{}, nil)
					if !tc.refused {
						if v.Status != http.StatusOK {
							t.Fatalf("verify half a scored tablet: %d %s", v.Status, v.Body)
						}
						return
					}
					ref := decode[refusal](t, v)
					if v.Status != http.StatusUnprocessableEntity || ref.Error.Reason != mar.ReasonDoseFormNotDivisible || !strings.Contains(ref.Error.Message, "cannot be split; 12.5 mg is ordered (0.5 tablet)") {
						t.Fatalf("verify: %d %s", v.Status, v.Body)
					}
				})
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The clinical rule: a product the order asks to crush (instructions, or a
// feeding-tube route) must be one that may be crushed; ER tablets and
// capsules must not, nor a tablet nobody said may be; a liquid needs none.
func TestOrdersToCrushNeedACrushableProduct(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			ph, charge, nurse := b.login("pharmacist"), b.login("charge"), b.login("nurse")
			castillo := b.resident("Castillo")
			cases := []struct {
				name         string
				product      mar.Product
				dose         float64
				unit         string
				instructions string
				refused      bool
			}{
				{"an ER tablet to crush", b.product("Potassium chloride 20 mEq ER"), 20, "mEq", "Crush and mix with applesauce", true},
				{"a capsule to crush", b.product("Omeprazole 20 mg"), 20, "mg", "crush, give in water", true},
				{"a tablet nobody said may be crushed", b.product("Quetiapine 25 mg"), 25, "mg", "Crush in pudding", true},
				{"a plain tablet to crush", b.product("Metoprolol tartrate 25 mg"), 25, "mg", "Crush and mix with applesauce", false},
				{"a liquid", b.product("Morphine sulfate 10 mg/5 mL"), 5, "mg", "crush if needed", false},
				{"an ER tablet not to crush", b.product("Potassium chloride 20 mEq ER"), 20, "mEq", "Do not crush; swallow whole", false},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					var created struct {
						ID string `json:"id"`
					}
					if st := charge.JSON("POST", "/api/v1/orders", map[string]any{"resident_id": castillo.ID, "product_id": tc.product.ID,
						"dose_value": tc.dose, "dose_unit": tc.unit, "route": "oral", "frequency": "daily at 08:00", "instructions": tc.instructions}, &created); st != http.StatusCreated {
						t.Fatalf("enter the order: %d", st)
					}
					v := ph.Do("POST", "/api/v1/orders/"+created.ID+"/verify", map[string]string{}, nil)
					if ref := decode[refusal](t, v); tc.refused != (v.Status == http.StatusUnprocessableEntity && ref.Error.Reason == mar.ReasonMustNotCrush) ||
						!tc.refused && v.Status != http.StatusOK {
						t.Errorf("verification: %d %s", v.Status, v.Body)
					}
					o := b.addOrder(mar.Order{ResidentID: castillo.ID, ProductID: tc.product.ID, Ingredient: tc.product.Ingredients[0].Name,
						DoseValue: tc.dose, DoseUnit: tc.unit, Route: "oral", Frequency: "daily", Instructions: tc.instructions})
					d := b.dose(o, b.env.Clock.Now(), time.Hour)
					req := body{"context_id": scanWristband(t, nurse, castillo), "scan": b.pack(tc.product), "dose_id": d.ID}
					scan := nurse.Do("POST", "/api/v1/bedside/verify", req, nil)
					doc := nurse.Do("POST", "/api/v1/administrations", req.with("outcome", "given", "witness", witness,
						"overrides", []map[string]string{{"reason": mar.ReasonWitnessRecommended, "text": "witness signed"}}),
						map[string]string{"Idempotency-Key": newKey()})
					for what, r := range map[string]testenv.Response{"scan": scan, "documentation": doc} {
						ref := decode[refusal](t, r)
						crushRefused := r.Status == http.StatusUnprocessableEntity && ref.Error.Reason == mar.ReasonMustNotCrush &&
							strings.Contains(ref.Error.Message, tc.product.Name+" must not be crushed") && strings.Contains(ref.Error.Message, "ask pharmacy")
						if crushRefused != tc.refused || (!tc.refused && r.Status >= 300) {
							t.Errorf("%s: %d %s", what, r.Status, r.Body)
						}
					}
				})
			}
		})
	}
}

// Pharmacy states an existing product's dose form: the rule in force
// changes for every later scan and verification, and only the catalogue's
// keepers may change it.
func TestPharmacyStatesAProductsDoseForm(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			ph, charge, nurse := b.login("pharmacist"), b.login("charge"), b.login("nurse")
			castillo := b.resident("Castillo")
			quetiapine := b.product("Quetiapine 25 mg") // a tablet nobody said is scored
			path := "/api/v1/products/" + quetiapine.ID + "/dose-form"
			if r := nurse.Do("PUT", path, map[string]any{"splitting": "half"}, nil); r.Status != http.StatusForbidden {
				t.Fatalf("a nurse states a dose form: %d", r.Status)
			}
			if r := ph.Do("PUT", path, map[string]any{"splitting": "thirds"}, nil); r.Status != http.StatusBadRequest {
				t.Fatalf("an unknown split rule: %d %s", r.Status, r.Body)
			}
			enter := func() string {
				var o struct {
					ID string `json:"id"`
				}
				if st := charge.JSON("POST", "/api/v1/orders", map[string]any{"resident_id": castillo.ID, "product_id": quetiapine.ID,
					"dose_value": 12.5, "dose_unit": "mg", "route": "oral", "frequency": "daily at 08:00"}, &o); st != http.StatusCreated {
					t.Fatalf("order: %d", st)
				}
				return o.ID
			}
			if r := ph.Do("POST", "/api/v1/orders/"+enter()+"/verify", map[string]string{}, nil); r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("half an unscored tablet verified: %d %s", r.Status, r.Body)
			}
			var p struct {
				Splitting string `json:"splitting"`
				Crushable *bool  `json:"crushable"`
				Inferred  bool   `json:"dose_form_inferred"`
			}
			if st := ph.JSON("PUT", path, map[string]any{"splitting": "half", "crushable": true}, &p); st != http.StatusOK || p.Splitting != "half" || p.Crushable == nil || !*p.Crushable || p.Inferred {
				t.Fatalf("state scored: %d %+v", st, p)
			}
			if r := ph.Do("POST", "/api/v1/orders/"+enter()+"/verify", map[string]string{}, nil); r.Status != http.StatusOK {
				t.Fatalf("half a scored tablet: %d %s", r.Status, r.Body)
			}
			o := b.addOrder(mar.Order{ResidentID: castillo.ID, ProductID: quetiapine.ID, Ingredient: "quetiapine", DoseValue: 12.5, DoseUnit: "mg", Route: "oral", Frequency: "daily"})
			d := b.dose(o, b.env.Clock.Now(), time.Hour)
			scan := nurse.Do("POST", "/api/v1/bedside/verify", body{"context_id": scanWristband(t, nurse, castillo), "scan": b.pack(quetiapine), "dose_id": d.ID}, nil)
			if v := decode[verdict](t, scan); scan.Status != http.StatusOK || v.Quantity != 0.5 {
				t.Fatalf("half a scored tablet at the bedside: %d %s", scan.Status, scan.Body)
			}
		})
	}
}
