package mar

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestDoseMathCountsUnitsOfTheOrderedIngredient(t *testing.T) {
	tablet := func(name string, v float64, unit string) Product {
		return Product{Name: name, Form: "tablet", Ingredients: []Ingredient{{Name: name, StrengthValue: v, StrengthUnit: unit}}}
	}
	tests := []struct {
		name     string
		order    Order
		product  Product
		wantQty  float64 // dose units for the ordered amount
		wantUnit string
		ok       bool
	}{
		{"one tablet", Order{Ingredient: "metoprolol", DoseValue: 25, DoseUnit: "mg"}, tablet("metoprolol", 25, "mg"), 1, "tablet", true},
		{"two 5 mg tablets for 10 mg", Order{Ingredient: "warfarin", DoseValue: 10, DoseUnit: "mg"}, tablet("warfarin", 5, "mg"), 2, "tablet", true},
		{"grams ordered, milligram tablets", Order{Ingredient: "acetaminophen", DoseValue: 1, DoseUnit: "g"}, tablet("acetaminophen", 500, "mg"), 2, "tablet", true},
		{"micrograms in a milligram tablet", Order{Ingredient: "levothyroxine", DoseValue: 50, DoseUnit: "mcg"}, tablet("levothyroxine", 0.05, "mg"), 1, "tablet", true},
		{"paracetamol is acetaminophen", Order{Ingredient: "paracetamol", DoseValue: 1000, DoseUnit: "mg"}, tablet("acetaminophen", 500, "mg"), 2, "tablet", true},
		{"solution in mL", Order{Ingredient: "morphine sulfate", DoseValue: 5, DoseUnit: "mg"},
			Product{Form: "solution", Ingredients: []Ingredient{{Name: "morphine sulfate", StrengthValue: 2, StrengthUnit: "mg/mL"}}}, 2.5, "mL", true},
		{"insulin units", Order{Ingredient: "insulin lispro", DoseValue: 4, DoseUnit: "units"},
			Product{Form: "injection", Ingredients: []Ingredient{{Name: "insulin lispro", StrengthValue: 100, StrengthUnit: "units/mL"}}}, 0.04, "mL", true},
		{"patch rate", Order{Ingredient: "fentanyl", DoseValue: 25, DoseUnit: "mcg/h"},
			Product{Form: "patch", Ingredients: []Ingredient{{Name: "fentanyl", StrengthValue: 25, StrengthUnit: "mcg/h"}}}, 1, "patch", true},
		{"order counts tablets", Order{Ingredient: "senna", DoseValue: 2, DoseUnit: "tablets"}, tablet("senna", 8.6, "mg"), 2, "tablet", true},
		{"units that do not compare", Order{Ingredient: "potassium chloride", DoseValue: 20, DoseUnit: "mg"}, tablet("potassium chloride", 20, "mEq"), 0, "", false},
		{"another ingredient", Order{Ingredient: "lisinopril", DoseValue: 10, DoseUnit: "mg"}, tablet("metoprolol", 25, "mg"), 0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newDoseMath(tt.order, tt.product)
			if m.comparable != tt.ok {
				t.Fatalf("comparable = %v (%s), want %v", m.comparable, m.why, tt.ok)
			}
			if !tt.ok {
				if m.why == "" {
					t.Error("no explanation")
				}
				return
			}
			if q := m.quantityFor(tt.order.DoseValue); q != tt.wantQty || m.countUnit != tt.wantUnit {
				t.Errorf("quantity %v %s, want %v %s", q, m.countUnit, tt.wantQty, tt.wantUnit)
			}
			if a := m.amountOf(tt.wantQty); !nearlyEqual(a, tt.order.DoseValue) {
				t.Errorf("amount of %v = %v, want %v", tt.wantQty, a, tt.order.DoseValue)
			}
		})
	}
}

func TestPRNStatusCountsEveryOrderOfTheIngredient(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	a := Order{ID: "a", Ingredient: "acetaminophen", DoseValue: 1000, DoseUnit: "mg", PRN: true, Status: OrderActive, Frequency: "q6h PRN max 4/24h"}
	b := Order{ID: "b", Ingredient: "paracetamol", DoseValue: 500, DoseUnit: "mg", PRN: true, Status: OrderActive, Frequency: "PRN every 1 hour max 2 g/24h"}
	other := Order{ID: "c", Ingredient: "ibuprofen", DoseValue: 400, DoseUnit: "mg", PRN: true, Status: OrderActive, Frequency: "q6h PRN"}
	orders := []Order{a, b, other}
	given := func(order string, at time.Time, amount float64) Administration {
		return Administration{OrderID: order, PerformedAt: at, Amount: amount, Unit: "mg", Outcome: OutcomeGiven}
	}
	tests := []struct {
		name       string
		order      Order
		at         time.Time
		history    []Administration
		wantReason string
		wantDoses  int
		wantAmount float64
		wantNext   time.Time
	}{
		{"nothing given", a, t0, nil, "", 0, 0, time.Time{}},
		{"too soon after the other order's dose", a, t0, []Administration{given("b", t0.Add(-2*time.Hour), 500)}, ReasonPRNTooSoon, 1, 500, t0.Add(4 * time.Hour)},
		{"another ingredient does not count", a, t0, []Administration{given("c", t0.Add(-time.Hour), 400)}, "", 0, 0, time.Time{}},
		{"entered in error does not count", a, t0, []Administration{{OrderID: "a", PerformedAt: t0.Add(-time.Hour), Amount: 1000, Unit: "mg", Outcome: OutcomeGiven, EnteredInError: true}}, "", 0, 0, time.Time{}},
		{"fifth dose in 24 h", a, t0, []Administration{given("a", t0.Add(-23*time.Hour), 1000), given("a", t0.Add(-17*time.Hour), 1000), given("a", t0.Add(-11*time.Hour), 1000), given("b", t0.Add(-7*time.Hour), 500)},
			ReasonPRNMaxDoses, 4, 3500, t0.Add(time.Hour)},
		{"exactly 2 g across both orders", b, t0, []Administration{given("a", t0.Add(-3*time.Hour), 1000), given("b", t0.Add(-2*time.Hour), 500)},
			"", 2, 1.5, time.Time{}},
		{"over 2 g across both orders", b, t0, []Administration{given("a", t0.Add(-3*time.Hour), 1000), given("b", t0.Add(-2*time.Hour), 500), given("b", t0.Add(-time.Hour), 500)},
			ReasonPRNMaxAmount, 3, 2, time.Time{}},
		{"a dose older than the period leaves it", b, t0, []Administration{given("a", t0.Add(-25*time.Hour), 1000), given("b", t0.Add(-2*time.Hour), 500)},
			"", 1, 0.5, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := prnStatus(tt.order, tt.at, tt.history, orders, tt.order.DoseValue)
			if st.Reason != tt.wantReason || st.Available != (tt.wantReason == "") {
				t.Fatalf("reason %q available %v, want %q (%s)", st.Reason, st.Available, tt.wantReason, st.Message)
			}
			if st.DosesInPeriod != tt.wantDoses || !nearlyEqual(st.AmountInPeriod, tt.wantAmount) {
				t.Errorf("doses %d amount %v %s, want %d %v", st.DosesInPeriod, st.AmountInPeriod, st.AmountUnit, tt.wantDoses, tt.wantAmount)
			}
			if !tt.wantNext.IsZero() && (st.NextAllowedAt == nil || !st.NextAllowedAt.Equal(tt.wantNext)) {
				t.Errorf("next allowed %v, want %v", st.NextAllowedAt, tt.wantNext)
			}
			if st.Message == "" {
				t.Error("no words")
			}
		})
	}
}

func TestHoldParameterTurnsGivenIntoHeld(t *testing.T) {
	loc, _ := time.LoadLocation("America/New_York")
	now := time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)
	o := Order{ID: "o", ResidentID: "r", Ingredient: "digoxin", DoseValue: 125, DoseUnit: "mcg", Route: "oral", Status: OrderActive, StartAt: now.Add(-time.Hour),
		HoldParams: []HoldParam{{Vital: "heart_rate", Op: "<", Value: 60}}}
	p := Product{ID: "p", Name: "Digoxin 125 mcg tablet", Form: "tablet", Routes: []string{"oral"}, Ingredients: []Ingredient{{Name: "digoxin", StrengthValue: 125, StrengthUnit: "mcg"}}}
	d := ScheduledDose{ID: "d", OrderID: "o", ResidentID: "r", DueAt: now, WindowStart: now.Add(-time.Hour), WindowEnd: now.Add(time.Hour), Status: DoseScheduled}
	base := func(mode verifyMode, hr *float64, outcome Outcome) *facts {
		in := MedicationInput{DoseID: "d", Outcome: outcome}
		if hr != nil {
			in.Vitals = map[string]float64{"heart_rate": *hr}
		}
		return &facts{mode: mode, now: now, at: now, by: Identity{User: User{ID: "u"}}, in: in, cfg: DefaultBedsideConfig(), loc: loc,
			bctx: BedsideContext{ID: "c", UserID: "u", ResidentID: "r", ExpiresAt: now.Add(time.Minute)}, resident: Resident{ID: "r", Status: Admitted},
			product: &p, orders: []Order{o}, doses: []ScheduledDose{d}, products: map[string]Product{"p": p}}
	}
	low, ok := 52.0, 72.0
	tests := []struct {
		name       string
		f          *facts
		allowed    bool
		wantReason string
		held       bool
	}{
		{"preview without vitals asks for them", base(modeVerify, nil, OutcomeGiven), true, ReasonVitalsRequired, false},
		{"document without vitals is refused", base(modeDocument, nil, OutcomeGiven), false, ReasonVitalsRequired, false},
		{"preview with a low heart rate is refused", base(modeVerify, &low, OutcomeGiven), false, ReasonHoldParameterMet, true},
		{"document with a low heart rate holds", base(modeDocument, &low, OutcomeGiven), true, ReasonHoldParameterMet, true},
		{"normal heart rate passes", base(modeDocument, &ok, OutcomeGiven), true, "", false},
		{"documenting a refusal needs no vitals", base(modeDocument, nil, OutcomeRefused), true, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := evaluate(tt.f)
			if v.Allowed != tt.allowed {
				t.Fatalf("allowed = %v, want %v: %+v", v.Allowed, tt.allowed, v.Checks)
			}
			var got string
			for _, c := range v.Checks {
				if c.Right == RightHoldParameters {
					got = c.Reason
				}
			}
			if got != tt.wantReason || (v.Hold != nil) != tt.held {
				t.Errorf("hold check %q hold %v, want %q %v", got, v.Hold, tt.wantReason, tt.held)
			}
		})
	}
}

// Every reason code is documented for client authors, once.
func TestReasonCodesAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/bedside-api.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range Reasons {
		if seen[r.Code] {
			t.Errorf("reason %s listed twice", r.Code)
		}
		seen[r.Code] = true
		if !strings.Contains(string(doc), "| `"+r.Code+"` |") {
			t.Errorf("reason %s is missing from docs/bedside-api.md", r.Code)
		}
		if r.Description == "" || r.Hard == r.Overridable && r.Hard {
			t.Errorf("reason %s: description or kind missing", r.Code)
		}
	}
}
