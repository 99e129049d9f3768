package schedules

import (
	"archive/zip"
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The clinical properties of courses and tapers (issue 16), for every zone
// of the tz database that changes its clocks in the two years from
// courseFrom, and for Samoa's skipped day. The years are fixed, not counted
// from today, so the tests give the same answer on any date.
var (
	courseFrom = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	courseTo   = courseFrom.AddDate(2, 0, 0)
)

const zoneListFile = "testdata/tzdb-zones.txt"

// TestTZDBZoneList checks the zone list the properties run over, and with
// -update rewrites it from the Go installation's tz database.
func TestTZDBZoneList(t *testing.T) {
	if *update {
		out, err := exec.Command("go", "env", "GOROOT").Output()
		if err != nil {
			t.Fatalf("go env GOROOT: %v", err)
		}
		zr, err := zip.OpenReader(filepath.Join(strings.TrimSpace(string(out)), "lib", "time", "zoneinfo.zip"))
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		var names []string
		for _, f := range zr.File {
			if !strings.HasSuffix(f.Name, "/") {
				names = append(names, f.Name)
			}
		}
		slices.Sort(names)
		head := "# Every zone of the tz database as the Go installation ships it ($GOROOT/lib/time/zoneinfo.zip).\n" +
			"# Refresh with: go test ./schedules -run TestTZDBZoneList -update\n"
		if err := os.WriteFile(zoneListFile, []byte(head+strings.Join(names, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	zs := changingZones(t)
	// Most of the world's zones keep one offset; still, well over a hundred
	// names (Europe, North America, Chile, Australia, New Zealand, …)
	// change clocks every year. Far fewer means the list was not read.
	n := 0
	for _, z := range zs {
		n += len(z.at)
	}
	t.Logf("%d zones with %d clock changes", len(zs), n)
	if len(zs) < 100 {
		t.Fatalf("only %d zones change clocks in %d-%d", len(zs), courseFrom.Year(), courseTo.Year()-1)
	}
	for _, name := range []string{"America/New_York", "Europe/London", "Australia/Sydney", "Australia/Lord_Howe", "America/Santiago", "Pacific/Apia"} {
		if !slices.ContainsFunc(zs, func(z zoneChanges) bool { return strings.HasPrefix(z.name, name) }) {
			t.Errorf("%s missing from the zones that change clocks", name)
		}
	}
}

type zoneChanges struct {
	name string
	loc  *time.Location
	at   []time.Time // offset changes
}

var (
	zonesOnce sync.Once
	zones     []zoneChanges
	zonesErr  error
)

// changingZones returns every zone of the list with an offset change in
// [courseFrom, courseTo), and Pacific/Apia around its skipped day.
func changingZones(t *testing.T) []zoneChanges {
	t.Helper()
	zonesOnce.Do(func() {
		f, err := os.Open(zoneListFile)
		if err != nil {
			zonesErr = err
			return
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			name := strings.TrimSpace(sc.Text())
			if name == "" || strings.HasPrefix(name, "#") {
				continue
			}
			loc, err := time.LoadLocation(name)
			if err != nil {
				zonesErr = fmt.Errorf("load %s: %w", name, err)
				return
			}
			if at := offsetChanges(loc, courseFrom, courseTo); len(at) > 0 {
				zones = append(zones, zoneChanges{name, loc, at})
			}
		}
		if zonesErr = sc.Err(); zonesErr != nil {
			return
		}
		apia, err := time.LoadLocation("Pacific/Apia")
		if err != nil {
			zonesErr = err
			return
		}
		zones = append(zones, zoneChanges{"Pacific/Apia (2011)", apia,
			offsetChanges(apia, time.Date(2011, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2012, 1, 31, 0, 0, 0, 0, time.UTC))})
	})
	if zonesErr != nil {
		t.Fatal(zonesErr)
	}
	return zones
}

func offsetChanges(loc *time.Location, from, to time.Time) []time.Time {
	var out []time.Time
	for p := from.In(loc); ; {
		_, end := p.ZoneBounds()
		if end.IsZero() || !end.Before(to) {
			return out
		}
		_, before := p.Zone()
		if _, after := end.In(loc).Zone(); after != before { // not a change of name alone
			out = append(out, end)
		}
		p = end.In(loc)
	}
}

// startNear draws a start, on a whole minute, up to span before the change
// at tr (so a course of that length from it crosses the change).
func startNear(rnd *rand.Rand, tr time.Time, span time.Duration) time.Time {
	return tr.Add(-time.Duration(rnd.Int64N(int64(span/time.Minute))+1) * time.Minute)
}

// forEachChange runs fn for every clock change of every zone, with a
// random source seeded per zone so a failure is reproducible alone.
func forEachChange(t *testing.T, fn func(t *testing.T, rnd *rand.Rand, z zoneChanges, tr time.Time)) {
	for _, z := range changingZones(t) {
		rnd := rand.New(rand.NewPCG(*seedFlag, uint64(len(z.name))*7919+uint64(z.name[len(z.name)-1])))
		for _, tr := range z.at {
			fn(t, rnd, z, tr)
			if t.Failed() {
				t.Logf("zone %s, change at %s (seed %d)", z.name, tr.Format(time.RFC3339), *seedFlag)
				return
			}
		}
	}
}

var propertyIntervals = []time.Duration{30 * time.Minute, 90 * time.Minute, 4 * time.Hour, 6 * time.Hour, 8 * time.Hour, 12 * time.Hour, 16 * time.Hour, 24 * time.Hour, 36 * time.Hour, 48 * time.Hour}

// An interval rule "for N days" is N×24h/interval doses (rounded up), the
// first at the start and each exactly one interval of elapsed time after
// the last, whatever the clocks do.
func TestPropertyIntervalCourseIsADoseCountAtExactSpacing(t *testing.T) {
	forEachChange(t, func(t *testing.T, rnd *rand.Rand, z zoneChanges, tr time.Time) {
		for range 3 {
			every := propertyIntervals[rnd.IntN(len(propertyIntervals))]
			days := 1 + rnd.IntN(7)
			course := time.Duration(days) * 24 * time.Hour
			r := Rule{Kind: KindInterval, Interval: every, Duration: course}
			start := startNear(rnd, tr, course)
			want := 0
			for e := time.Duration(0); e < course; e += every {
				want++
			}
			ds := Expand(r, start, time.Time{}, start, start.Add(course+72*time.Hour), z.loc)
			if len(ds) != want {
				t.Fatalf("%s: every %v for %d days from %s: %d doses, want %d\n%s", z.name, every, days, start.In(z.loc), len(ds), want, fmtDoses(ds, z.loc))
			}
			for i, d := range ds {
				if at := start.Add(time.Duration(i) * every); !d.At.Equal(at) {
					t.Fatalf("%s: every %v from %s: dose %d at %s, want %s", z.name, every, start.In(z.loc), i+1, d.At.In(z.loc), at.In(z.loc))
				}
			}
		}
	})
}

// A clock-time rule "for N days" gives each of its times once on each of N
// calendar days that exist: N×times for a daily rule, and for a rule on
// some days, the times of those days among the N.
func TestPropertyClockTimeCourseIsNCalendarDays(t *testing.T) {
	forEachChange(t, func(t *testing.T, rnd *rand.Rand, z zoneChanges, tr time.Time) {
		for range 4 {
			r := randCourseRule(rnd)
			days := 1 + rnd.IntN(10)
			r.Duration = time.Duration(days) * 24 * time.Hour
			start := startNear(rnd, tr, r.Duration)
			if secondOccurrence(start, z.loc) {
				// An order that starts in the repeated hour of a fall-back
				// night: a dose time later in that hour already passed at
				// its first occurrence (see docs/schedules.md).
				continue
			}
			want := clinicalCount(r, start, days, z.loc)
			ds := Expand(r, start, time.Time{}, start, start.Add(time.Duration(days+70)*24*time.Hour), z.loc)
			if len(ds) != want {
				t.Fatalf("%s: %q for %d days from %s: %d doses, want %d\n%s", z.name, r.String(), days, start.In(z.loc), len(ds), want, fmtDoses(ds, z.loc))
			}
		}
	})
}

// randCourseRule draws a clock-time rule whose times are at least three
// hours apart, more than any clock change in the zones tested moves a dose
// (except a skipped day, which moves none), so no two of its times share a
// spring-forward gap.
func randCourseRule(rnd *rand.Rand) Rule {
	var ts []ClockTime
	for m := rnd.IntN(180); m < 24*60 && len(ts) < 4; m += 180 + rnd.IntN(6)*60 {
		ts = append(ts, ClockTime{m / 60, m % 60})
	}
	r := Rule{Kind: KindFixed, Times: ts}
	switch rnd.IntN(5) {
	case 0:
		r.EveryNDays = 2 + rnd.IntN(2)
	case 1:
		r.Weekdays = normWeekdays([]time.Weekday{time.Weekday(rnd.IntN(7)), time.Weekday(rnd.IntN(7))})
	case 2:
		r.EveryNMonths, r.DayOfMonth = 1, 1+rnd.IntN(31)
	}
	return r
}

// secondOccurrence reports whether t's wall reading occurred before, an
// hour or so earlier (t is in the repeated hour of a fall-back night).
func secondOccurrence(t time.Time, loc *time.Location) bool {
	lt := t.In(loc)
	return !refResolve(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), lt.Minute(), loc).Equal(t.Truncate(time.Minute))
}

// clinicalCount is the number of doses of a course of n calendar days of
// fixed rule r from start, counted on the calendar: the rule's times on the
// start date from the start's time of day on, all its times on each day
// between, and on the last day the times before the start's time of day;
// a day the zone skips does not count and has no doses.
func clinicalCount(r Rule, start time.Time, n int, loc *time.Location) int {
	ls := start.In(loc)
	first := time.Date(ls.Year(), ls.Month(), ls.Day(), 0, 0, 0, 0, time.UTC)
	at := ls.Hour()*60 + ls.Minute()
	if ls.Second() > 0 || ls.Nanosecond() > 0 {
		at++
	}
	count := 0
	for day, k, seen := first, 0, 0; seen <= n; day, k = day.AddDate(0, 0, 1), k+1 {
		if !refDayExists(day, loc) {
			continue
		}
		for _, c := range r.Times {
			if !refEligible(r, first, day, k) {
				break
			}
			switch {
			case seen == 0 && c.Minutes() >= at, seen > 0 && seen < n, seen == n && c.Minutes() < at:
				count++
			}
		}
		seen++
	}
	return count
}

// Taper steps never overlap and never leave a gap: each step's doses come
// before the next step's, an interval step of N days is N×24h/interval
// doses, a step of N doses is N doses, and after an interval step the next
// step starts exactly one interval after its last dose.
func TestPropertyTaperStepsNeverOverlap(t *testing.T) {
	forEachChange(t, func(t *testing.T, rnd *rand.Rand, z zoneChanges, tr time.Time) {
		for range 3 {
			r := Rule{Kind: KindTaper}
			n := 2 + rnd.IntN(3)
			for i := range n {
				var st Step
				if rnd.IntN(2) == 0 {
					st.Rule = Rule{Kind: KindInterval, Interval: propertyIntervals[rnd.IntN(len(propertyIntervals))]}
				} else {
					st.Rule = Rule{Kind: KindFixed, Times: randCourseRule(rnd).Times}
				}
				if i < n-1 || rnd.IntN(2) == 0 {
					if rnd.IntN(2) == 0 {
						st.Days = 1 + rnd.IntN(4)
					} else {
						st.Count = 1 + rnd.IntN(6)
					}
				}
				st.Dose = fmt.Sprintf("%d mg", 10*(n-i))
				r.Steps = append(r.Steps, st)
			}
			if err := r.Validate(); err != nil {
				t.Fatalf("generator: %v", err)
			}
			start := startNear(rnd, tr, 4*24*time.Hour)
			ds := Expand(r, start, time.Time{}, start, start.Add(40*24*time.Hour), z.loc)
			checkTaper(t, z, r, start, ds)
		}
	})
}

func checkTaper(t *testing.T, z zoneChanges, r Rule, start time.Time, ds []Dose) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s: %q from %s: %s\n%s", z.name, r.String(), start.In(z.loc), fmt.Sprintf(format, args...), fmtDoses(ds, z.loc))
	}
	byStep := make([][]time.Time, len(r.Steps))
	for i, d := range ds {
		if i > 0 && (!d.At.After(ds[i-1].At) || d.Step < ds[i-1].Step) {
			fail("dose %d of step %d at or before dose %d of step %d: steps overlap", i+1, d.Step+1, i, ds[i-1].Step+1)
		}
		byStep[d.Step] = append(byStep[d.Step], d.At)
	}
	for i, st := range r.Steps {
		got := byStep[i]
		if i == len(r.Steps)-1 && st.Days == 0 && st.Count == 0 {
			break
		}
		want := st.Count
		if st.Rule.Kind == KindInterval && st.Days > 0 {
			for e := time.Duration(0); e < time.Duration(st.Days)*24*time.Hour; e += st.Rule.Interval {
				want++
			}
		}
		if want > 0 && len(got) != want {
			fail("step %d has %d doses, want %d", i+1, len(got), want)
		}
		if i == 0 && st.Rule.Kind == KindFixed && st.Days > 0 && !secondOccurrence(start, z.loc) {
			if want := clinicalCount(st.Rule, start, st.Days, z.loc); len(got) != want {
				fail("step 1 (%d days) has %d doses, want %d", st.Days, len(got), want)
			}
		}
		if st.Rule.Kind != KindInterval || i+1 == len(r.Steps) {
			continue
		}
		for k := 1; k < len(got); k++ {
			if got[k].Sub(got[k-1]) != st.Rule.Interval {
				fail("step %d doses %v apart, want %v", i+1, got[k].Sub(got[k-1]), st.Rule.Interval)
			}
		}
		if next := byStep[i+1]; len(got) > 0 && len(next) > 0 {
			gap := next[0].Sub(got[len(got)-1])
			if gap < st.Rule.Interval || (r.Steps[i+1].Rule.Kind == KindInterval && gap != st.Rule.Interval) {
				fail("step %d hands over %v after its last dose, want %v", i+2, gap, st.Rule.Interval)
			}
		}
	}
}

// Rules of every kind: a one-time dose is one dose, an as-needed rule has
// none, and a daily rule without an end has each time on each day that
// exists (Samoa's skipped day has none, and never a dose at its midnight).
func TestPropertyOtherKindsAcrossClockChanges(t *testing.T) {
	forEachChange(t, func(t *testing.T, rnd *rand.Rand, z zoneChanges, tr time.Time) {
		start := startNear(rnd, tr, 3*24*time.Hour)
		end := start.Add(6 * 24 * time.Hour)
		once := Rule{Kind: KindOnce, Times: []ClockTime{randClock(rnd)}}
		if ds := Expand(once, start, time.Time{}, start, end, z.loc); len(ds) != 1 {
			t.Fatalf("%s: %q from %s: %d doses, want 1", z.name, once.String(), start.In(z.loc), len(ds))
		}
		prn := Rule{Kind: KindPRN, PRN: &PRN{MinInterval: 4 * time.Hour, Per: 24 * time.Hour}}
		if ds := Expand(prn, start, time.Time{}, start, end, z.loc); len(ds) != 0 {
			t.Fatalf("%s: PRN gave %d scheduled doses", z.name, len(ds))
		}
		daily := Rule{Kind: KindFixed, Times: randCourseRule(rnd).Times}
		ds := Expand(daily, start, time.Time{}, start, end, z.loc)
		perDay := map[string]int{}
		for _, d := range ds {
			perDay[d.At.In(z.loc).Format(time.DateOnly)]++
		}
		ls, le := start.In(z.loc), end.In(z.loc)
		for day := time.Date(ls.Year(), ls.Month(), ls.Day()+1, 0, 0, 0, 0, time.UTC); day.Before(time.Date(le.Year(), le.Month(), le.Day(), 0, 0, 0, 0, time.UTC)); day = day.AddDate(0, 0, 1) {
			want := len(daily.Times)
			if !refDayExists(day, z.loc) {
				want = 0
			}
			if got := perDay[day.Format(time.DateOnly)]; got != want {
				t.Fatalf("%s: %q: %d doses on %s, want %d\n%s", z.name, daily.String(), got, day.Format(time.DateOnly), want, fmtDoses(ds, z.loc))
			}
		}
	})
}
