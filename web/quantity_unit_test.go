package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store/storetest"
)

// The clinical rule: a nurse gives a dose in the unit the order is written
// in. The quantity may be sent in the order's unit, in the product's unit
// of use (tablet, mL), or in any unit the product's strength converts (g
// for a mg order; mg of a mg/mL liquid; units of a 100 units/mL insulin),
// with quantity_unit saying which; the server converts through the
// strength. A unit the strength cannot convert is refused with the units
// that can be used. A bare quantity stays in the product's unit of use.
// The answer, the stored administration, the due list and the MAR show the
// amount and the quantity: "10 units (0.1 mL)".
func TestQuantityInTheOrdersUnit(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			ph, nurse := b.login("pharmacist"), b.login("nurse")
			r := b.resident("Garcia")

			var liquid struct {
				ID string `json:"id"`
			}
			ndc := "9977700044"
			if st := ph.JSON("POST", "/api/v1/products", map[string]any{"name": "Acetaminophen 160 mg/5 mL oral solution", "form": "solution", "routes": []string{"oral"},
				"ingredients": []map[string]any{{"name": "acetaminophen", "strength_value": 32, "strength_unit": "mg/mL"}},
				"packages":    []map[string]any{{"gtin": demo.GTIN(ndc), "ndc": ndc, "quantity": 1}}}, &liquid); st != http.StatusCreated {
				t.Fatalf("add the liquid: %d", st)
			}
			liquidScan := gs1(mar.Product{Packages: []mar.Package{{GTIN: demo.GTIN(ndc)}}}, b.env.Clock.Now().AddDate(1, 0, 0), "LIQ1")

			glargine, tablet := b.product("Insulin glargine"), b.product("Acetaminophen 500")
			now := b.env.Clock.Now()
			insulin := b.addOrder(mar.Order{ResidentID: r.ID, ProductID: glargine.ID, Ingredient: "insulin glargine", DoseValue: 10, DoseUnit: "units", Route: "subcutaneous", Frequency: "QHS"})
			syrup := b.addOrder(mar.Order{ResidentID: r.ID, ProductID: liquid.ID, Ingredient: "acetaminophen", DoseValue: 160, DoseUnit: "mg", Route: "oral", Frequency: "TID"})
			tabs := b.addOrder(mar.Order{ResidentID: r.ID, ProductID: tablet.ID, Ingredient: "acetaminophen", DoseValue: 1000, DoseUnit: "mg", Route: "oral", Frequency: "BID"})
			counted := b.addOrder(mar.Order{ResidentID: r.ID, ProductID: tablet.ID, Ingredient: "acetaminophen", DoseValue: 2, DoseUnit: "tablet", Route: "oral", Frequency: "QID"})
			doses := map[string]string{}
			for _, o := range []mar.Order{insulin, syrup, tabs, counted} {
				doses[o.ID] = b.dose(o, now, time.Hour).ID
			}
			scans := map[string]string{insulin.ID: b.pack(glargine), syrup.ID: liquidScan, tabs.ID: b.pack(tablet), counted.ID: b.pack(tablet)}

			cases := []struct {
				name     string
				order    mar.Order
				quantity any    // nil: none sent
				unit     string // quantity_unit; "" not sent
				status   int
				reason   string  // refusal reason, or the reason of a warning
				wantQ    float64 // quantity in the product's unit of use
				wantQU   string
				amount   float64 // in the order's unit
				text     string  // dose_text
			}{
				{"insulin in units, the order's unit", insulin, 10, "units", 200, "", 0.1, "mL", 10, "10 units (0.1 mL)"},
				{"insulin in IU, another spelling of units", insulin, 10, "IU", 200, "", 0.1, "mL", 10, "10 units (0.1 mL)"},
				{"insulin in mL, the product's unit", insulin, 0.1, "mL", 200, "", 0.1, "mL", 10, "10 units (0.1 mL)"},
				{"insulin with no quantity: the ordered dose", insulin, nil, "", 200, "", 0.1, "mL", 10, "10 units (0.1 mL)"},
				{"insulin in mg cannot be converted", insulin, 10, "mg", 422, mar.ReasonQuantityUnitIncompatible, 0, "", 0, ""},
				{"insulin in tablets cannot be converted", insulin, 1, "tablet", 422, mar.ReasonQuantityUnitIncompatible, 0, "", 0, ""},
				{"a bare quantity is in mL: 10 mL is 1000 units", insulin, 10, "", 422, mar.ReasonWrongDose, 0, "", 0, ""},
				{"insulin too much in units", insulin, 20, "units", 422, mar.ReasonWrongDose, 0, "", 0, ""},
				{"liquid in mg, the order's unit", syrup, 160, "mg", 200, "", 5, "mL", 160, "160 mg (5 mL)"},
				{"liquid in g", syrup, 0.16, "g", 200, "", 5, "mL", 160, "160 mg (5 mL)"},
				{"liquid in mL", syrup, 5, "mL", 200, "", 5, "mL", 160, "160 mg (5 mL)"},
				{"liquid in tablets cannot be converted", syrup, 1, "tablet", 422, mar.ReasonQuantityUnitIncompatible, 0, "", 0, ""},
				{"less liquid than ordered is a partial dose", syrup, 80, "mg", 200, mar.ReasonPartialDose, 2.5, "mL", 80, "80 mg (2.5 mL)"},
				{"tablets in mg", tabs, 1000, "mg", 200, "", 2, "tablet", 1000, "1000 mg (2 tablets)"},
				{"tablets in g", tabs, 1, "g", 200, "", 2, "tablet", 1000, "1000 mg (2 tablets)"},
				{"tablets counted", tabs, 2, "tablets", 200, "", 2, "tablet", 1000, "1000 mg (2 tablets)"},
				{"tablets in capsules cannot be converted", tabs, 2, "capsule", 422, mar.ReasonQuantityUnitIncompatible, 0, "", 0, ""},
				{"tablets in units cannot be converted", tabs, 2, "units", 422, mar.ReasonQuantityUnitIncompatible, 0, "", 0, ""},
				{"an order counting tablets, given in mg", counted, 1000, "mg", 200, "", 2, "tablet", 2, "2 tablets"},
				{"an order counting tablets, too much in mg", counted, 1500, "mg", 422, mar.ReasonWrongDose, 0, "", 0, ""},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					req := body{"context_id": scanWristband(t, nurse, r), "scan": scans[tc.order.ID], "dose_id": doses[tc.order.ID]}
					if tc.quantity != nil {
						req["quantity"] = tc.quantity
					}
					if tc.unit != "" {
						req["quantity_unit"] = tc.unit
					}
					resp := post(nurse, "/api/v1/bedside/verify", req)
					if resp.Status != tc.status {
						t.Fatalf("%d, want %d: %s", resp.Status, tc.status, resp.Body)
					}
					if tc.status != 200 {
						e := decode[refusal](t, resp).Error
						if e.Reason != tc.reason {
							t.Fatalf("reason %q, want %q: %s", e.Reason, tc.reason, e.Message)
						}
						if (tc.reason == mar.ReasonQuantityUnitIncompatible || tc.unit == "") && !strings.Contains(e.Message, tc.order.DoseUnit) {
							t.Errorf("the refusal does not say which unit to use: %s", e.Message)
						}
						if tc.unit == "" && !strings.Contains(e.Message, `quantity_unit "units"`) {
							t.Errorf("a bare quantity equal to the ordered units: the refusal does not suggest quantity_unit: %s", e.Message)
						}
						return
					}
					v := decode[verdictWithUnits](t, resp)
					if v.Quantity != tc.wantQ || v.QuantityUnit != tc.wantQU || v.Amount != tc.amount || v.AmountUnit != tc.order.DoseUnit || v.DoseText != tc.text {
						t.Fatalf("quantity %v %s, amount %v %s, %q; want %v %s, %v %s, %q", v.Quantity, v.QuantityUnit, v.Amount, v.AmountUnit, v.DoseText,
							tc.wantQ, tc.wantQU, tc.amount, tc.order.DoseUnit, tc.text)
					}
					if dc := v.check("dose"); tc.reason != "" && dc.Reason != tc.reason {
						t.Fatalf("dose check %+v, want reason %s", dc, tc.reason)
					}
				})
			}

			// The due list shows the order's dose with its quantity.
			resp := nurse.Do("POST", "/api/v1/bedside/wristband", map[string]string{"scan": wristband(r)}, map[string]string{"Idempotency-Key": newKey()})
			wb := decode[struct {
				Due struct {
					DueNow []struct {
						Order struct {
							ID       string `json:"id"`
							DoseText string `json:"dose_text"`
						} `json:"order"`
					} `json:"due_now"`
				} `json:"due"`
			}](t, resp)
			want := map[string]string{insulin.ID: "10 units (0.1 mL)", syrup.ID: "160 mg (5 mL)", tabs.ID: "1000 mg (2 tablets)", counted.ID: "2 tablets"}
			for _, it := range wb.Due.DueNow {
				if w, ok := want[it.Order.ID]; ok {
					if it.Order.DoseText != w {
						t.Errorf("due list: %q, want %q", it.Order.DoseText, w)
					}
					delete(want, it.Order.ID)
				}
			}
			if len(want) != 0 {
				t.Fatalf("not on the due list: %v", want)
			}

			// Documented in units, stored unambiguously: 0.1 mL of the pen,
			// 10 units of insulin.
			resp = post(nurse, "/api/v1/administrations", body{"context_id": scanWristband(t, nurse, r), "scan": scans[insulin.ID], "dose_id": doses[insulin.ID],
				"quantity": 10, "quantity_unit": "units", "witness": witness})
			if resp.Status != http.StatusCreated {
				t.Fatalf("document: %d %s", resp.Status, resp.Body)
			}
			type stored struct {
				ID           string  `json:"id"`
				Quantity     float64 `json:"quantity"`
				QuantityUnit string  `json:"quantity_unit"`
				Amount       float64 `json:"amount"`
				Unit         string  `json:"unit"`
				DoseText     string  `json:"dose_text"`
			}
			doc := decode[struct {
				Administration stored `json:"administration"`
				Message        string `json:"message"`
			}](t, resp)
			if !strings.Contains(doc.Message, "10 units (0.1 mL)") {
				t.Errorf("message %q", doc.Message)
			}
			var got stored
			if st := nurse.JSON("GET", "/api/v1/administrations/"+doc.Administration.ID, nil, &got); st != 200 {
				t.Fatalf("read back: %d", st)
			}
			if want := (stored{ID: doc.Administration.ID, Quantity: 0.1, QuantityUnit: "mL", Amount: 10, Unit: "units", DoseText: "10 units (0.1 mL)"}); got != want || doc.Administration != want {
				t.Fatalf("stored %+v, answered %+v, want %+v", got, doc.Administration, want)
			}

			// The MAR shows the order's dose with its quantity.
			page := nurse.Do("GET", "/residents/"+r.ID+"/mar", nil, nil)
			if page.Status != 200 || !strings.Contains(string(page.Body), "10 units (0.1 mL)") {
				t.Fatalf("MAR: %d, no \"10 units (0.1 mL)\"", page.Status)
			}
		})
	}
}

// verdictWithUnits is a verdict with the units of its quantity and amount.
type verdictWithUnits struct {
	verdict
	QuantityUnit string `json:"quantity_unit"`
	AmountUnit   string `json:"amount_unit"`
	DoseText     string `json:"dose_text"`
}
