package mar

import (
	"slices"
	"testing"
	"time"
)

// The PRN limits hold for every pair of doses on the chart: a dose is
// judged against doses given before it and after it, whichever was charted
// first.
func TestPRNCrossingsJudgeEveryPair(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	a := Order{ID: "a", Ingredient: "acetaminophen", DoseValue: 1000, DoseUnit: "mg", PRN: true, Status: OrderActive, Frequency: "q6h PRN max 4/24h"}
	b := Order{ID: "b", Ingredient: "paracetamol", DoseValue: 500, DoseUnit: "mg", PRN: true, Status: OrderActive, Frequency: "PRN every 1 hour max 2 g/24h"}
	ibu := Order{ID: "c", Ingredient: "ibuprofen", DoseValue: 400, DoseUnit: "mg", PRN: true, Status: OrderActive, Frequency: "q6h PRN"}
	hourly := Order{ID: "h", Ingredient: "paracetamol", DoseValue: 500, DoseUnit: "mg", PRN: true, Status: OrderActive, Frequency: "PRN every 1 hour"}
	sched := Order{ID: "s", Ingredient: "acetaminophen", DoseValue: 500, DoseUnit: "mg", Status: OrderActive, Frequency: "q6h"}
	withB := []Order{a, b, ibu, sched}
	withoutB := []Order{a, hourly, ibu, sched} // no maximum amount
	given := func(id, order string, at time.Duration, amount float64) Administration {
		return Administration{ID: id, OrderID: order, PerformedAt: t0.Add(at), Amount: amount, Unit: "mg", Outcome: OutcomeGiven}
	}
	type want struct {
		limit string
		with  []string
	}
	tests := []struct {
		name    string
		orders  []Order
		order   Order
		at      time.Duration // from t0
		history []Administration
		want    []want // in the order the crossings are reported
	}{
		{"nothing on the chart", withB, a, 0, nil, nil},
		{"six hours after the last dose", withB, a, 0, []Administration{given("x", "a", -6*time.Hour, 1000)}, nil},
		{"too soon after an earlier dose", withB, a, 0, []Administration{given("x", "a", -2*time.Hour, 1000)}, []want{{LimitMinInterval, []string{"x"}}}},
		{"too soon before a dose charted already (back-charted)", withB, a, -time.Hour, []Administration{given("x", "a", -30*time.Minute, 1000)}, []want{{LimitMinInterval, []string{"x"}}}},
		{"the same instant counts", withB, a, 0, []Administration{given("x", "a", 0, 1000)}, []want{{LimitMinInterval, []string{"x"}}}},
		{"another order of the ingredient counts", withB, a, 0, []Administration{given("x", "b", -2*time.Hour, 500)}, []want{{LimitMinInterval, []string{"x"}}}},
		{"the later dose's order sets the interval: an hourly dose after", withB, a, -2 * time.Hour, []Administration{given("x", "b", 0, 500)}, nil},
		{"the later dose's order sets the interval: a six-hourly dose after", withB, b, -2 * time.Hour, []Administration{given("x", "a", 0, 1000)}, []want{{LimitMinInterval, []string{"x"}}}},
		{"another ingredient does not count", withB, a, 0, []Administration{given("x", "c", -time.Hour, 400)}, nil},
		{"entered in error does not count", withB, a, 0, []Administration{{ID: "x", OrderID: "a", PerformedAt: t0.Add(-time.Hour), Amount: 1000, Unit: "mg", Outcome: OutcomeGiven, EnteredInError: true}}, nil},
		{"a fifth dose in the 24 hours before", withoutB, a, 0, []Administration{given("w", "a", -23*time.Hour, 1000), given("x", "a", -17*time.Hour, 1000), given("y", "a", -11*time.Hour, 1000), given("z", "s", -6*time.Hour, 500)},
			[]want{{LimitMaxDoses, []string{"w", "x", "y", "z"}}}},
		{"a back-charted dose makes a later dose the fifth in its 24 hours", withoutB, a, -20 * time.Hour,
			[]Administration{given("p", "h", -19*time.Hour, 500), given("q", "h", -18*time.Hour, 500), given("r", "h", -17*time.Hour, 500), given("z", "a", -14*time.Hour, 1000)},
			[]want{{LimitMaxDoses, []string{"p", "q", "r", "z"}}}},
		{"exactly 2 g in 24 hours across both orders", withB, b, 0, []Administration{given("x", "a", -3*time.Hour, 1000), given("y", "b", -2*time.Hour, 500)}, nil},
		{"over 2 g in 24 hours across both orders", withB, b, 0, []Administration{given("x", "a", -3*time.Hour, 1000), given("y", "b", -2*time.Hour, 500), given("z", "b", -time.Hour, 500)},
			[]want{{LimitMaxAmount, []string{"x", "y", "z"}}}},
		{"the maximum amount of the other order applies", withB, a, 0, []Administration{given("x", "b", -10*time.Hour, 500), given("y", "b", -9*time.Hour, 500), given("z", "b", -8*time.Hour, 500)},
			[]want{{LimitMaxAmount, []string{"x", "y", "z"}}}},
		{"a back-charted dose puts a later period over 2 g", withB, b, -20 * time.Hour,
			[]Administration{given("x", "b", -21*time.Hour, 500), given("y", "a", -8*time.Hour, 1000), given("z", "b", -7*time.Hour, 500)},
			[]want{{LimitMaxAmount, []string{"x", "y", "z"}}}},
		{"a dose older than the period leaves it", withB, b, 0, []Administration{given("x", "a", -25*time.Hour, 1000), given("y", "b", -2*time.Hour, 500), given("z", "b", -time.Hour, 500)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := prnCrossings(tt.order, t0.Add(tt.at), tt.order.DoseValue, tt.history, tt.orders)
			if len(got) != len(tt.want) {
				t.Fatalf("%d crossings, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, c := range got {
				var with []string
				for _, e := range c.with {
					with = append(with, e.ID)
				}
				if c.limit != tt.want[i].limit || !slices.Equal(with, tt.want[i].with) {
					t.Errorf("crossing %d: %s with %v, want %s with %v", i, c.limit, with, tt.want[i].limit, tt.want[i].with)
				}
			}
		})
	}
}

// For doses all given before, the pairwise verdict is the familiar one:
// the order's interval since the last dose and its maxima over the last
// 24 hours, and the maximum amount of every active order of the
// ingredient.
func TestPRNCrossingsAgreeWithTheLastDoseRuleForEarlierDoses(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	a := Order{ID: "a", Ingredient: "acetaminophen", DoseValue: 1000, DoseUnit: "mg", PRN: true, Status: OrderActive, Frequency: "q6h PRN max 4/24h"}
	b := Order{ID: "b", Ingredient: "paracetamol", DoseValue: 500, DoseUnit: "mg", PRN: true, Status: OrderActive, Frequency: "PRN every 1 hour max 2 g/24h"}
	orders := []Order{a, b}
	lastDoseRule := func(o Order, at time.Time, history []Administration) string {
		st := prnStatus(o, at, history, orders, o.DoseValue)
		if !st.Available {
			return st.Reason
		}
		for _, x := range orders {
			if l, _ := prnLimits(x); l.MaxAmount > 0 {
				add, _ := convert(o.DoseValue, o.DoseUnit, l.MaxAmountUnit)
				if prnStatus(x, at, history, orders, 0).AmountInPeriod+add > l.MaxAmount+1e-9 {
					return ReasonPRNMaxAmount
				}
			}
		}
		return ""
	}
	var history []Administration
	refused := 0
	for step := 0; step < 300; step++ {
		at := t0.Add(time.Duration(step) * 50 * time.Minute)
		o := orders[step%3%2]
		want := lastDoseRule(o, at, history)
		got := ""
		if cs := prnCrossings(o, at, o.DoseValue, history, orders); len(cs) > 0 {
			got = cs[0].reason
		}
		if got != want {
			t.Fatalf("step %d (%s at %s): pairwise %q, last-dose rule %q", step, o.ID, at.Format(time.RFC3339), got, want)
		}
		if got == "" {
			history = append(history, Administration{ID: NewID(), OrderID: o.ID, PerformedAt: at, Amount: o.DoseValue, Unit: "mg", Outcome: OutcomeGiven})
		} else {
			refused++
		}
	}
	if len(history) < 20 || refused < 20 {
		t.Fatalf("%d doses given, %d refused: the walk never reached the limits", len(history), refused)
	}
}

// A scheduled dose back-charted into a window in which another dose of
// the ingredient was given crosses the window; its own dose does not.
func TestWindowCrossings(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	s := Order{ID: "s", Ingredient: "metoprolol tartrate", DoseValue: 25, DoseUnit: "mg", Status: OrderActive, Frequency: "BID"}
	other := Order{ID: "o", Ingredient: "metoprolol tartrate", DoseValue: 25, DoseUnit: "mg", Status: OrderActive, Frequency: "q12h"}
	ibu := Order{ID: "i", Ingredient: "ibuprofen", DoseValue: 400, DoseUnit: "mg", PRN: true, Status: OrderActive, Frequency: "q6h PRN"}
	orders := []Order{s, other, ibu}
	d := ScheduledDose{ID: "d", OrderID: "s", DueAt: t0, WindowStart: t0.Add(-time.Hour), WindowEnd: t0.Add(time.Hour)}
	given := func(id, order, dose string, at time.Duration) Administration {
		return Administration{ID: id, OrderID: order, DoseID: dose, PerformedAt: t0.Add(at), Amount: 25, Unit: "mg", Outcome: OutcomeGiven}
	}
	tests := []struct {
		name    string
		at      time.Duration
		history []Administration
		want    []string
	}{
		{"nothing else given", 0, nil, nil},
		{"another order of the ingredient in the window", -30 * time.Minute, []Administration{given("x", "o", "", 30*time.Minute)}, []string{"x"}},
		{"outside the window", 0, []Administration{given("x", "o", "", 2*time.Hour)}, nil},
		{"between a late time and the window", 90 * time.Minute, []Administration{given("x", "o", "", 75*time.Minute)}, []string{"x"}},
		{"another ingredient", 0, []Administration{given("x", "i", "", 0)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := windowCrossings(s, d, t0.Add(tt.at), tt.history, orders)
			var got []string
			for _, c := range cs {
				for _, e := range c.with {
					got = append(got, e.ID)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("crosses with %v, want %v", got, tt.want)
			}
		})
	}
}
