package mar

import (
	"math"
	"testing"
	"time"
)

// A quantity in any unit the product's strength converts becomes the
// same quantity of the product's unit of use and the same amount of the
// ingredient; a unit it cannot convert is refused.
func TestPackQuantityConvertsThroughTheStrength(t *testing.T) {
	insulin := Product{Form: "injection", Ingredients: []Ingredient{{Name: "insulin glargine", StrengthValue: 100, StrengthUnit: "units/mL"}}}
	syrup := Product{Form: "solution", Ingredients: []Ingredient{{Name: "acetaminophen", StrengthValue: 32, StrengthUnit: "mg/mL"}}}
	tablet := Product{Form: "tablet", Ingredients: []Ingredient{{Name: "acetaminophen", StrengthValue: 500, StrengthUnit: "mg"}}}
	digoxin := Product{Form: "tablet", Ingredients: []Ingredient{{Name: "digoxin", StrengthValue: 125, StrengthUnit: "mcg"}}}
	units := Order{Ingredient: "insulin glargine", DoseValue: 10, DoseUnit: "units"}
	mg := Order{Ingredient: "acetaminophen", DoseValue: 160, DoseUnit: "mg"}
	mL := Order{Ingredient: "acetaminophen", DoseValue: 5, DoseUnit: "mL"}
	tabs := Order{Ingredient: "acetaminophen", DoseValue: 2, DoseUnit: "tablet"}
	mcg := Order{Ingredient: "digoxin", DoseValue: 125, DoseUnit: "mcg"}
	tests := []struct {
		name     string
		order    Order
		product  Product
		q        float64
		unit     string
		ok       bool
		quantity float64
		amount   float64
	}{
		{"units of a 100 units/mL insulin", units, insulin, 10, "units", true, 0.1, 10},
		{"IU are units", units, insulin, 10, "IU", true, 0.1, 10},
		{"mL of insulin", units, insulin, 0.1, "mL", true, 0.1, 10},
		{"no unit: the unit of use", units, insulin, 0.1, "", true, 0.1, 10},
		{"mg of insulin", units, insulin, 10, "mg", false, 0, 0},
		{"mg of a mg/mL liquid", mg, syrup, 160, "mg", true, 5, 160},
		{"g of a mg order", mg, syrup, 0.16, "g", true, 5, 160},
		{"mg of a liquid ordered in mL", mL, syrup, 160, "mg", true, 5, 5},
		{"tablets of a liquid", mg, syrup, 1, "tablet", false, 0, 0},
		{"mg of an order counting tablets", tabs, tablet, 1000, "mg", true, 2, 2},
		{"capsules of an order counting tablets", tabs, tablet, 2, "capsules", false, 0, 0},
		{"mg of a mcg tablet", mcg, digoxin, 0.125, "mg", true, 1, 125},
		{"units of a mcg tablet", mcg, digoxin, 1, "units", false, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newDoseMath(tc.order, tc.product)
			if !m.comparable {
				t.Fatalf("not comparable: %s", m.why)
			}
			q, amount, ok := m.packQuantity(tc.q, tc.unit)
			if ok != tc.ok || math.Abs(q-tc.quantity) > 1e-9 || math.Abs(amount-tc.amount) > 1e-9 {
				t.Fatalf("%v %s: %v, %v, %v; want %v, %v, %v", tc.q, tc.unit, q, amount, ok, tc.quantity, tc.amount, tc.ok)
			}
		})
	}
}

func TestDoseWordsShowAmountAndQuantity(t *testing.T) {
	for _, tc := range []struct {
		amount   float64
		unit     string
		q        float64
		qu, want string
	}{
		{10, "units", 0.1, "mL", "10 units (0.1 mL)"},
		{1000, "mg", 2, "tablet", "1000 mg (2 tablets)"},
		{500, "mg", 1, "tablet", "500 mg (1 tablet)"},
		{25, "mcg/h", 1, "patch", "25 mcg/h (1 patch)"},
		{2, "tablet", 2, "tablet", "2 tablets"},
		{5, "mL", 5, "mL", "5 mL"},
		{20, "mg", 1, "", "20 mg"},
	} {
		if got := DoseWords(tc.amount, tc.unit, tc.q, tc.qu); got != tc.want {
			t.Errorf("DoseWords(%v %s, %v %s) = %q, want %q", tc.amount, tc.unit, tc.q, tc.qu, got, tc.want)
		}
	}
}

// A weight-based dose is mg/kg × the latest weight, capped at the order's
// maximum; no weight, or one older than the freshness rule, is refused.
func TestWeightDose(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	o := Order{DoseValue: 15, DoseUnit: "mg/kg"}
	capped := Order{DoseValue: 15, DoseUnit: "mg/kg", MaxDose: 1000}
	w := func(kg float64, age time.Duration) *Vital {
		return &Vital{Kind: VitalWeight, Value: kg, TakenAt: t0.Add(-age)}
	}
	for _, tc := range []struct {
		name   string
		order  Order
		weight *Vital
		reason string
		dose   float64
		capped bool
	}{
		{"per kg × weight", o, w(60, time.Hour), "", 900, false},
		{"under the cap", capped, w(60, 0), "", 900, false},
		{"over the cap", capped, w(70, 0), "", 1000, true},
		{"a week old is fresh", o, w(60, 7*24*time.Hour), "", 900, false},
		{"older than a week is stale", o, w(60, 7*24*time.Hour+time.Minute), ReasonWeightStale, 0, false},
		{"no weight", o, nil, ReasonWeightRequired, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := weightDose(tc.order, tc.weight, t0, DefaultWeightMaxAge, "A. Resident", "scan again")
			switch {
			case tc.reason != "":
				if err == nil || err.Reason != tc.reason {
					t.Fatalf("%+v, %v; want %s", got, err, tc.reason)
				}
			case err != nil || got.Dose != tc.dose || got.Capped != tc.capped || got.Unit != "mg":
				t.Fatalf("%+v, %v; want %v mg capped %v", got, err, tc.dose, tc.capped)
			}
		})
	}
	for _, tc := range []struct {
		v    float64
		unit string
		kg   float64
		ok   bool
	}{{70, "", 70, true}, {70, "kg", 70, true}, {154, "lb", 69.853, true}, {154, "lbs", 69.853, true}, {11, "stone", 0, false}} {
		kg, err := WeightToKg(tc.v, tc.unit)
		if (err == nil) != tc.ok || kg != tc.kg {
			t.Errorf("WeightToKg(%v %s) = %v, %v", tc.v, tc.unit, kg, err)
		}
	}
}

// A scheduled dose is judged by the limits of the PRN orders of its
// ingredient only where a PRN dose is involved.
func TestScheduledPRNCrossings(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	prn := Order{ID: "p", Ingredient: "acetaminophen", DoseValue: 1000, DoseUnit: "mg", PRN: true, Status: OrderActive, Frequency: "q6h PRN max 3/24h"}
	amountPRN := Order{ID: "m", Ingredient: "paracetamol", DoseValue: 1000, DoseUnit: "mg", PRN: true, Status: OrderActive, Frequency: "PRN every 1 hour max 2 g/24h"}
	sched := Order{ID: "s", Ingredient: "acetaminophen", DoseValue: 1, DoseUnit: "g", Status: OrderActive, Frequency: "q6h"}
	given := func(id, order string, at time.Duration, prn bool) Administration {
		return Administration{ID: id, OrderID: order, PerformedAt: t0.Add(at), Amount: 1000, Unit: "mg", Outcome: OutcomeGiven, PRN: prn}
	}
	for _, tc := range []struct {
		name    string
		orders  []Order
		history []Administration
		want    []string
	}{
		{"no PRN dose", []Order{prn, sched}, []Administration{given("a", "s", -2*time.Hour, false), given("b", "s", -8*time.Hour, false), given("c", "s", -14*time.Hour, false)}, nil},
		{"30 min after a PRN dose", []Order{prn, sched}, []Administration{given("a", "p", -30*time.Minute, true)}, []string{LimitMinInterval}},
		{"30 min before a PRN dose", []Order{prn, sched}, []Administration{given("a", "p", 30*time.Minute, true)}, []string{LimitMinInterval}},
		{"7 h after a PRN dose", []Order{prn, sched}, []Administration{given("a", "p", -7*time.Hour, true)}, nil},
		{"the fourth dose of the day with a PRN dose", []Order{prn, sched}, []Administration{given("a", "s", -18*time.Hour, false), given("b", "s", -12*time.Hour, false), given("c", "p", -7*time.Hour, true)}, []string{LimitMaxDoses}},
		{"over a PRN order's maximum amount, in g", []Order{amountPRN, sched}, []Administration{given("a", "m", -3*time.Hour, true), given("b", "m", -2*time.Hour, true)}, []string{LimitMaxAmount}},
		{"a PRN order on hold does not judge", []Order{{ID: "p", Ingredient: "acetaminophen", DoseValue: 1000, DoseUnit: "mg", PRN: true, Status: OrderOnHold, Frequency: "q6h PRN"}, sched}, []Administration{given("a", "p", -30*time.Minute, true)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, c := range scheduledPRNCrossings(sched, t0, 1, tc.history, tc.orders) {
				got = append(got, c.limit)
			}
			if len(got) != len(tc.want) || len(got) > 0 && got[0] != tc.want[0] {
				t.Fatalf("%v, want %v", got, tc.want)
			}
		})
	}
}
