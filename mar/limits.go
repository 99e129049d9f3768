package mar

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// The limits a dose can cross together with doses already on the chart.
const (
	LimitMinInterval = "min_interval" // PRN: two doses of the ingredient closer than the minimum interval
	LimitMaxDoses    = "max_doses"    // PRN: more doses of the ingredient in a period than allowed
	LimitMaxAmount   = "max_amount"   // PRN: more of the ingredient in a period than allowed
	LimitSameWindow  = "same_window"  // scheduled: another dose of the ingredient given in the dose's window
	// LimitWitnessUnverified: a high-alert dose charted offline whose
	// witness's credentials the server did not accept when it was sent.
	LimitWitnessUnverified = "witness_unverified"
)

// LimitCrossing is a limit a dose crosses together with doses already on
// the chart. A dose charted now is refused with Reason; a back-charted dose
// (it was given already) is charted, flagged with its crossings, and the
// charge nurse is alerted.
type LimitCrossing struct {
	Limit   string   // LimitMinInterval, LimitMaxDoses, LimitMaxAmount, LimitSameWindow
	Reason  string   // prn_too_soon, prn_max_doses, prn_max_amount, ingredient_in_window
	With    []string // the administrations on the chart it crosses the limit with
	Message string   // in words, naming the doses and the limit
}

// crossing is a LimitCrossing before it is put in words.
type crossing struct {
	limit  string
	reason string
	with   []Administration // oldest first
	order  Order            // the order whose limit is crossed
	limits PRNLimits
	total  float64 // max doses: the doses in the period; max amount: the amount, in limits.MaxAmountUnit
	end    time.Time
}

// ingredientChart returns the live given doses of the ingredient in
// history, oldest first.
func ingredientChart(ingredient string, history []Administration, orderOf map[string]Order) []Administration {
	var out []Administration
	for _, a := range history {
		if a.Outcome == OutcomeGiven && !a.EnteredInError && SameIngredient(orderOf[a.OrderID].Ingredient, ingredient) {
			out = append(out, a)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].PerformedAt.Before(out[j].PerformedAt) })
	return out
}

// prnCrossings judges a dose of PRN order o at `at` (amount in o's dose
// unit) against every dose of the ingredient on the chart, before and after
// it, so that the limits hold for every pair of doses whatever order they
// were charted in:
//
//   - minimum interval: two doses are at least the minimum interval of the
//     later dose's order apart;
//   - maximum doses: at every PRN dose, the doses of the ingredient in the
//     period ending there are at most that dose's order's maximum;
//   - maximum amount: in every period that holds the dose, the amount of
//     the ingredient is at most the maximum of each active order of the
//     ingredient (the strictest wins).
//
// For doses all given before at this is the familiar "since the last dose"
// and "in the last 24 hours". The caller has checked that o's limits read.
func prnCrossings(o Order, at time.Time, amount float64, history []Administration, orders []Order) []crossing {
	orderOf := make(map[string]Order, len(orders))
	for _, x := range orders {
		orderOf[x.ID] = x
	}
	lim, err := prnLimits(o)
	if err != nil {
		return nil
	}
	limitsOf := func(x Order) (PRNLimits, bool) {
		if !x.PRN {
			return PRNLimits{}, false
		}
		l, err := prnLimits(x)
		return l, err == nil
	}
	chart := ingredientChart(o.Ingredient, history, orderOf)
	var out []crossing

	for _, e := range chart {
		later, gap, l := o, at.Sub(e.PerformedAt), lim
		if e.PerformedAt.After(at) {
			var ok bool
			later, gap = orderOf[e.OrderID], e.PerformedAt.Sub(at)
			if l, ok = limitsOf(later); !ok {
				continue
			}
		}
		if l.MinInterval > 0 && gap < l.MinInterval {
			out = append(out, crossing{limit: LimitMinInterval, reason: ReasonPRNTooSoon, with: []Administration{e}, order: later, limits: l})
		}
	}

	// Periods end at this dose and at every later PRN dose whose period
	// holds it.
	type end struct {
		at    time.Time
		order Order
		l     PRNLimits
	}
	ends := []end{{at, o, lim}}
	for _, e := range chart {
		eo := orderOf[e.OrderID]
		if l, ok := limitsOf(eo); ok && !e.PerformedAt.Before(at) && e.PerformedAt.Sub(at) < l.Per && l.MaxDoses > 0 {
			ends = append(ends, end{e.PerformedAt, eo, l})
		}
	}
	seen := map[string]bool{}
	for _, en := range ends {
		if en.l.MaxDoses <= 0 {
			continue
		}
		in := inPeriod(chart, en.at, en.l.Per)
		key := fmt.Sprint(en.order.ID, en.at.UnixNano())
		if len(in)+1 > en.l.MaxDoses && !seen[key] {
			seen[key] = true
			out = append(out, crossing{limit: LimitMaxDoses, reason: ReasonPRNMaxDoses, with: in, order: en.order, limits: en.l, total: float64(len(in) + 1), end: en.at})
		}
	}

	for _, x := range orders {
		if x.ID != o.ID && !x.Active() || !SameIngredient(x.Ingredient, o.Ingredient) {
			continue
		}
		l, err := prnLimits(x)
		if err != nil || l.MaxAmount <= 0 {
			continue
		}
		add, ok := convert(amount, o.DoseUnit, l.MaxAmountUnit)
		if !ok {
			continue
		}
		stops := []time.Time{at}
		for _, e := range chart {
			if e.PerformedAt.After(at) && e.PerformedAt.Sub(at) < l.Per {
				stops = append(stops, e.PerformedAt)
			}
		}
		for _, s := range stops {
			in := inPeriod(chart, s, l.Per)
			total := add
			for _, e := range in {
				if v, ok := convert(e.Amount, e.Unit, l.MaxAmountUnit); ok {
					total += v
				}
			}
			if total > l.MaxAmount+1e-9 {
				out = append(out, crossing{limit: LimitMaxAmount, reason: ReasonPRNMaxAmount, with: in, order: x, limits: l, total: round6(total), end: s})
				break
			}
		}
	}
	return out
}

// scheduledPRNCrossings judges a scheduled dose of order o at `at`
// (amount in o's dose unit) against the limits of every active PRN order
// of the same ingredient, as if it were a dose of that order, and keeps
// the crossings that involve a PRN dose on the chart: a scheduled dose
// given 30 minutes after a PRN dose whose minimum interval is 6 hours, or
// one that takes the ingredient over a PRN order's 24-hour maximum. (A
// scheduled dose is not judged against other scheduled doses this way:
// the schedule spaces them, and the window checks judge them.)
func scheduledPRNCrossings(o Order, at time.Time, amount float64, history []Administration, orders []Order) []crossing {
	if o.PRN {
		return nil
	}
	var out []crossing
	seen := map[string]bool{}
	for _, x := range orders {
		if !x.PRN || !x.Active() || !SameIngredient(x.Ingredient, o.Ingredient) {
			continue
		}
		if _, err := prnLimits(x); err != nil {
			continue
		}
		add, comparable := convert(amount, o.DoseUnit, x.DoseUnit)
		for _, c := range prnCrossings(x, at, add, history, orders) {
			if c.limit == LimitMaxAmount && !comparable {
				continue // the amounts cannot be added up
			}
			prn := false
			for _, e := range c.with {
				prn = prn || e.PRN
			}
			if c.limit == LimitMinInterval && !c.with[0].PRN || !prn {
				continue
			}
			key := c.limit
			for _, e := range c.with {
				key += "/" + e.ID
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, c)
		}
	}
	return out
}

// inPeriod returns the doses of chart given in the period (end-per, end].
func inPeriod(chart []Administration, end time.Time, per time.Duration) []Administration {
	var out []Administration
	for _, e := range chart {
		if e.PerformedAt.After(end.Add(-per)) && !e.PerformedAt.After(end) {
			out = append(out, e)
		}
	}
	return out
}

// windowCrossings finds the other doses of the ingredient given inside a
// scheduled dose's window (or between the window and the time judged).
func windowCrossings(o Order, d ScheduledDose, at time.Time, history []Administration, orders []Order) []crossing {
	orderOf := make(map[string]Order, len(orders))
	for _, x := range orders {
		orderOf[x.ID] = x
	}
	from, to := d.WindowStart, d.WindowEnd
	if at.Before(from) {
		from = at
	}
	if at.After(to) {
		to = at
	}
	var with []Administration
	for _, e := range ingredientChart(o.Ingredient, history, orderOf) {
		if e.DoseID != d.ID && !e.PerformedAt.Before(from) && !e.PerformedAt.After(to) {
			with = append(with, e)
		}
	}
	if len(with) == 0 {
		return nil
	}
	return []crossing{{limit: LimitSameWindow, reason: ReasonIngredientInWindow, with: with, order: o, end: to}}
}

// words puts a crossing in words for the nurse and the charge nurse,
// naming the dose judged and the doses on the chart.
func (f *facts) words(c crossing, o Order, at time.Time, amount float64) string {
	dose := fmt.Sprintf("%s %s %s at %s", fmtNum(amount), o.DoseUnit, o.Ingredient, f.local(at))
	others := make([]string, len(c.with))
	for i, e := range c.with {
		others[i] = fmt.Sprintf("%s %s at %s by %s", fmtNum(e.Amount), e.Unit, f.local(e.PerformedAt), f.userName(e.PerformerID))
	}
	list := strings.Join(others, "; ")
	switch c.limit {
	case LimitMinInterval:
		gap := absDur(at.Sub(c.with[0].PerformedAt))
		return fmt.Sprintf("TOO SOON: %s is %s from the dose of %s; at least %s must pass between doses (%s).",
			dose, roundDur(gap), list, roundDur(c.limits.MinInterval), orderText(c.order, f.products))
	case LimitMaxDoses:
		return fmt.Sprintf("MAXIMUM REACHED: %s makes %d doses of %s in the %s up to %s (all orders); at most %d allowed (%s). Other doses: %s.",
			dose, int(c.total), o.Ingredient, roundDur(c.limits.Per), f.local(c.end), c.limits.MaxDoses, orderText(c.order, f.products), list)
	case LimitMaxAmount:
		return fmt.Sprintf("MAXIMUM AMOUNT: %s makes %s %s of %s in the %s up to %s (all orders); at most %s %s allowed (%s). Other doses: %s.",
			dose, fmtNum(c.total), c.limits.MaxAmountUnit, o.Ingredient, roundDur(c.limits.Per), f.local(c.end), fmtNum(c.limits.MaxAmount), c.limits.MaxAmountUnit, orderText(c.order, f.products), list)
	case LimitSameWindow:
		return fmt.Sprintf("SECOND DOSE IN WINDOW: %s, and %s was also given in this dose's window.", dose, list)
	}
	return dose + ": " + c.limit
}

// crossingsOf turns crossings into the record kept on the administration.
func (f *facts) crossingsOf(cs []crossing, o Order, at time.Time, amount float64) []LimitCrossing {
	out := make([]LimitCrossing, len(cs))
	for i, c := range cs {
		ids := make([]string, len(c.with))
		for j, e := range c.with {
			ids[j] = e.ID
		}
		out[i] = LimitCrossing{Limit: c.limit, Reason: c.reason, With: ids, Message: f.words(c, o, at, amount)}
	}
	return out
}

// backCharted tells whether the dose judged was given before it is
// charted: a performed time more than a minute before the server's time.
// Such a dose is charted even when it crosses a limit, and flagged.
func (f *facts) backCharted() bool {
	return f.in.PerformedAt != nil && f.now.Sub(f.at) > time.Minute
}
