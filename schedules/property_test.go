package schedules

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

var (
	seedFlag  = flag.Uint64("schedules.seed", 20251102, "seed of the property tests")
	casesFlag = flag.Int("schedules.cases", 400, "random cases per property test")
)

func newRand(t *testing.T) *rand.Rand {
	t.Helper()
	t.Logf("seed %d (rerun with -schedules.seed=%d)", *seedFlag, *seedFlag)
	return rand.New(rand.NewPCG(*seedFlag, 0x5eed))
}

// randClock draws a time of day, often near the hours clocks change
// (00:00-03:59), on the quarter hours that DST shifts of 30 and 60 minutes
// land on.
func randClock(rnd *rand.Rand) ClockTime {
	if rnd.IntN(2) == 0 {
		return ClockTime{rnd.IntN(4), 15 * rnd.IntN(4)}
	}
	return ClockTime{rnd.IntN(24), rnd.IntN(60)}
}

func randTimes(rnd *rand.Rand, n int) []ClockTime {
	var ts []ClockTime
	// Now and then crowd the times into the hour clocks jump (02:00-03:00
	// in most zones, 00:00-01:00 in Santiago), so that several doses of one
	// day share a gap.
	cluster := []int{-1, -1, -1, 0, 2}[rnd.IntN(5)]
	for range n {
		if cluster >= 0 {
			m := 15 * rnd.IntN(5)
			ts = append(ts, ClockTime{cluster + m/60, m % 60})
			continue
		}
		ts = append(ts, randClock(rnd))
	}
	return normTimes(ts)
}

// randBase draws a non-taper schedule.
func randBase(rnd *rand.Rand, allowOnce bool) Rule {
	switch k := rnd.IntN(20); {
	case k < 5:
		ivs := []time.Duration{15 * time.Minute, 90 * time.Minute, 4 * time.Hour, 6 * time.Hour, 8 * time.Hour, 12 * time.Hour, 24 * time.Hour, 36 * time.Hour, 72 * time.Hour}
		return Rule{Kind: KindInterval, Interval: ivs[rnd.IntN(len(ivs))]}
	case k < 6 && allowOnce:
		r := Rule{Kind: KindOnce}
		if rnd.IntN(2) == 0 {
			r.Times = []ClockTime{randClock(rnd)}
		}
		return r
	}
	r := Rule{Kind: KindFixed, Times: randTimes(rnd, 1+rnd.IntN(5))}
	switch k := rnd.IntN(20); {
	case k < 4:
		var ds []time.Weekday
		for w := range 7 {
			if rnd.IntN(3) == 0 {
				ds = append(ds, time.Weekday(w))
			}
		}
		if len(ds) > 0 {
			r.Weekdays = normWeekdays(ds)
		}
	case k < 7:
		r.EveryNDays = 2 + rnd.IntN(9)
	case k < 9:
		r.EveryNDays = 7 * (1 + rnd.IntN(2))
	case k < 12:
		r.EveryNMonths = 1 + rnd.IntN(3)
		if rnd.IntN(3) > 0 {
			r.DayOfMonth = []int{1, 15, 28, 29, 30, 31}[rnd.IntN(6)]
		}
	}
	return r
}

func randRule(rnd *rand.Rand) Rule {
	if rnd.IntN(6) == 0 {
		r := Rule{Kind: KindTaper}
		n := 2 + rnd.IntN(3)
		for i := range n {
			b := randBase(rnd, false)
			if b.EveryNMonths > 0 {
				b = Rule{Kind: KindFixed, Times: b.Times}
			}
			st := Step{Rule: b, Dose: fmt.Sprintf("%d mg", 10*(n-i))}
			switch {
			case i == n-1 && rnd.IntN(2) == 0:
			case rnd.IntN(2) == 0:
				st.Days = 1 + rnd.IntN(5)
			default:
				st.Count = 1 + rnd.IntN(6)
			}
			r.Steps = append(r.Steps, st)
		}
		return r
	}
	r := randBase(rnd, true)
	if r.Kind == KindOnce {
		return r
	}
	if rnd.IntN(3) == 0 {
		r.Count = 1 + rnd.IntN(20)
	}
	if rnd.IntN(4) == 0 {
		if rnd.IntN(2) == 0 {
			r.Duration = time.Duration(1+rnd.IntN(10)) * 24 * time.Hour
		} else {
			r.Duration = time.Duration(1+rnd.IntN(60)) * time.Hour
		}
	}
	return r
}

// transitionsOf lists the instants loc changes offset in 2024-2026.
func transitionsOf(loc *time.Location) []time.Time {
	var out []time.Time
	t := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).In(loc)
	for {
		_, end := t.ZoneBounds()
		if end.IsZero() || end.Year() > 2026 {
			return out
		}
		out = append(out, end)
		t = end.In(loc)
	}
}

type expandCase struct {
	zone                  string
	loc                   *time.Location
	rule                  Rule
	start, stop, from, to time.Time
}

func (c expandCase) String() string {
	stop := "open"
	if !c.stop.IsZero() {
		stop = c.stop.Format(time.RFC3339)
	}
	return fmt.Sprintf("%s %q start %s stop %s range [%s, %s)", c.zone, c.rule.String(),
		c.start.In(c.loc).Format(time.RFC3339), stop, c.from.Format(time.RFC3339), c.to.Format(time.RFC3339))
}

// randCase draws a rule, zone and range, mostly around a DST transition.
func randCase(t *testing.T, rnd *rand.Rand) expandCase {
	zone := testZoneNames[rnd.IntN(len(testZoneNames))]
	loc := mustLoad(t, zone)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rnd.IntN(3*365*24*60)) * time.Minute)
	if tr := transitionsOf(loc); len(tr) > 0 && rnd.IntN(4) > 0 {
		base = tr[rnd.IntN(len(tr))].Add(time.Duration(rnd.IntN(14*24*60)-10*24*60) * time.Minute)
	}
	if zone == "Pacific/Apia" && rnd.IntN(2) == 0 {
		// Around the day Samoa skipped, 30 December 2011.
		skip := time.Date(2011, 12, 30, 10, 0, 0, 0, time.UTC)
		base = skip.Add(time.Duration(rnd.IntN(14*24*60)-10*24*60) * time.Minute)
	}
	start := base.Truncate(time.Minute)
	c := expandCase{zone: zone, loc: loc, rule: randRule(rnd), start: start}
	if rnd.IntN(3) == 0 {
		c.stop = start.Add(time.Duration(rnd.IntN(20*24*60)) * time.Minute)
	}
	c.from = start.Add(time.Duration(rnd.IntN(4*24*60)-2*24*60) * time.Minute)
	c.to = c.from.Add(time.Duration(1+rnd.IntN(30*24*60)) * time.Minute)
	c.rule.Text = c.rule.String()
	if err := c.rule.Validate(); err != nil {
		t.Fatalf("generator made an invalid rule %#v: %v", c.rule, err)
	}
	return c
}

func TestExpandMatchesTheBruteForceReference(t *testing.T) {
	rnd := newRand(t)
	for range *casesFlag {
		c := randCase(t, rnd)
		got := Expand(c.rule, c.start, c.stop, c.from, c.to, c.loc)
		want := refExpand(c.rule, c.start, c.stop, c.from, c.to, c.loc)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%v\n got %s\nwant %s", c, fmtDoses(got, c.loc), fmtDoses(want, c.loc))
		}
	}
}

// The materialisation job expands a rolling horizon again and again: cutting
// a range anywhere, even exactly at a dose, must not change the result.
func TestExpandIsConsistentAcrossAdjacentRanges(t *testing.T) {
	rnd := newRand(t)
	for range *casesFlag {
		c := randCase(t, rnd)
		whole := Expand(c.rule, c.start, c.stop, c.from, c.to, c.loc)
		var cuts []time.Time
		for range 1 + rnd.IntN(4) {
			if len(whole) > 0 && rnd.IntN(2) == 0 {
				cuts = append(cuts, whole[rnd.IntN(len(whole))].At) // exactly at a dose
			} else {
				cuts = append(cuts, c.from.Add(time.Duration(rnd.Int64N(int64(c.to.Sub(c.from))))))
			}
		}
		slices.SortFunc(cuts, func(a, b time.Time) int { return a.Compare(b) })
		var joined []Dose
		prev := c.from
		for _, cut := range append(cuts, c.to) {
			joined = append(joined, Expand(c.rule, c.start, c.stop, prev, cut, c.loc)...)
			prev = cut
		}
		if !reflect.DeepEqual(joined, whole) {
			t.Fatalf("%v cut at %v\n joined %s\n  whole %s", c, cuts, fmtDoses(joined, c.loc), fmtDoses(whole, c.loc))
		}
	}
}

func TestExpandInvariants(t *testing.T) {
	rnd := newRand(t)
	for range *casesFlag {
		c := randCase(t, rnd)
		ds := Expand(c.rule, c.start, c.stop, c.from, c.to, c.loc)
		for i, d := range ds {
			switch {
			case d.At.Location() != time.UTC:
				t.Fatalf("%v: dose %d not in UTC", c, i)
			case d.At.Before(c.start) || d.At.Before(c.from) || !d.At.Before(c.to) || (!c.stop.IsZero() && !d.At.Before(c.stop)):
				t.Fatalf("%v: dose %v outside the order or the range", c, d.At)
			case c.rule.Count > 0 && d.Seq > c.rule.Count:
				t.Fatalf("%v: Seq %d beyond count", c, d.Seq)
			case i > 0 && !d.At.After(ds[i-1].At):
				t.Fatalf("%v: doses not strictly increasing: %v then %v", c, ds[i-1].At, d.At)
			case i > 0 && d.Seq != ds[i-1].Seq+1:
				t.Fatalf("%v: Seq jumps from %d to %d", c, ds[i-1].Seq, d.Seq)
			case c.rule.Kind == KindInterval && i > 0 && d.At.Sub(ds[i-1].At) != c.rule.Interval:
				t.Fatalf("%v: interval doses %v apart", c, d.At.Sub(ds[i-1].At))
			}
		}
		if c.rule.Kind == KindFixed {
			checkWallClock(t, c, ds)
		}
	}
}

// checkWallClock checks each fixed dose falls at one of the rule's times on
// the local clock (or, for a time skipped by spring forward, at the end of
// the gap), and that each day has every dose except those merged in a gap.
func checkWallClock(t *testing.T, c expandCase, ds []Dose) {
	t.Helper()
	perDay := map[string]int{}
	for _, d := range ds {
		lt := d.At.In(c.loc)
		perDay[lt.Format(time.DateOnly)]++
		if slices.Contains(c.rule.Times, ClockTime{lt.Hour(), lt.Minute()}) {
			continue
		}
		_, off := lt.Zone()
		_, offBefore := d.At.Add(-time.Second).In(c.loc).Zone()
		if offBefore >= off {
			t.Fatalf("%v: dose at %v is not a scheduled time nor the end of a gap", c, lt)
		}
	}
	// Whole local days inside the range, away from the order's ends.
	lo, hi := c.from, c.to
	if c.start.After(lo) {
		lo = c.start
	}
	if !c.stop.IsZero() && c.stop.Before(hi) {
		hi = c.stop
	}
	if c.rule.Count > 0 || c.rule.Duration > 0 {
		return
	}
	// Walk calendar dates (a date the zone skips has no local midnight).
	ll := lo.In(c.loc)
	for day := time.Date(ll.Year(), ll.Month(), ll.Day()+1, 0, 0, 0, 0, time.UTC); ; day = day.AddDate(0, 0, 1) {
		y, m, dd := day.Date()
		next := time.Date(y, m, dd+1, 0, 0, 0, 0, c.loc)
		if !next.Add(24 * time.Hour).Before(hi) {
			break
		}
		n := dayNumber(y, m, dd)
		if !refDayExists(day, c.loc) {
			if perDay[day.Format(time.DateOnly)] != 0 {
				t.Fatalf("%v: doses on %v, which the zone skips", c, day.Format(time.DateOnly))
			}
			continue
		}
		dr := newDayRule(c.rule, localDay(c.start, c.loc))
		if !dr.eligible(n) {
			if perDay[day.Format(time.DateOnly)] != 0 {
				t.Fatalf("%v: doses on %v, which the rule skips", c, day.Format(time.DateOnly))
			}
			continue
		}
		want := len(c.rule.Times)
		midnight := time.Date(y, m, dd, 0, 0, 0, 0, c.loc)
		if changes := transitionsBetween(c.loc, midnight.Add(-6*time.Hour), next.Add(6*time.Hour)); changes {
			// Fewer doses only where several wall times fell into one gap.
			if got := perDay[day.Format(time.DateOnly)]; got < 1 || got > want {
				t.Fatalf("%v: %d doses on the transition day %v, want 1-%d", c, got, day.Format(time.DateOnly), want)
			}
			continue
		}
		if got := perDay[day.Format(time.DateOnly)]; got != want {
			t.Fatalf("%v: %d doses on %v, want %d", c, got, day.Format(time.DateOnly), want)
		}
	}
}

func transitionsBetween(loc *time.Location, a, b time.Time) bool {
	_, end := a.In(loc).ZoneBounds()
	return !end.IsZero() && end.Before(b)
}

// Orders in long-term care run for years: Seq must still count from the
// start, at the cost of a short range.
func TestExpandCountsFromTheStartYearsLater(t *testing.T) {
	rnd := newRand(t)
	for range 40 {
		c := randCase(t, rnd)
		if c.rule.Kind == KindInterval && c.rule.Interval < time.Hour {
			continue // the reference would list a hundred thousand doses
		}
		c.stop = time.Time{}
		c.from = c.start.Add(time.Duration(400+rnd.IntN(800)) * 24 * time.Hour)
		c.to = c.from.Add(time.Duration(1+rnd.IntN(72)) * time.Hour)
		got := Expand(c.rule, c.start, c.stop, c.from, c.to, c.loc)
		want := refExpand(c.rule, c.start, c.stop, c.from, c.to, c.loc)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%v\n got %s\nwant %s", c, fmtDoses(got, c.loc), fmtDoses(want, c.loc))
		}
	}
}

// Rules also survive being written as canonical text and parsed back.
func TestRandomRulesRoundTripThroughText(t *testing.T) {
	rnd := newRand(t)
	for range *casesFlag {
		r := randRule(rnd)
		for i := range r.Steps {
			r.Steps[i].Rule.Text = r.Steps[i].Rule.String()
		}
		r.Text = r.String()
		back, err := Parse(r.Text, Defaults{})
		if err != nil {
			t.Fatalf("Parse(%q): %v", r.Text, err)
		}
		if !reflect.DeepEqual(back, r) {
			t.Fatalf("Parse(%q)\n got %#v\nwant %#v", r.Text, back, r)
		}
	}
}

func fmtDoses(ds []Dose, loc *time.Location) string {
	s := fmt.Sprintf("%d doses:", len(ds))
	for _, d := range ds {
		s += fmt.Sprintf("\n  #%d %s (%s) step %d %q", d.Seq, d.At.Format(time.RFC3339), d.At.In(loc).Format("2006-01-02 15:04 MST"), d.Step, d.Dose)
	}
	return s
}
