package schedules

import (
	"slices"
	"sort"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the zones below must not depend on the host's tz database
)

// This file is a deliberately naive second implementation of expansion,
// used as the oracle of the property tests: it resolves wall times by
// scanning instants minute by minute and walks every day from the start.

var testZoneNames = []string{
	"America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "UTC",
	// Harder cases: midnight transitions, a skipped day, a 45-minute offset,
	// a half-hour zone with DST.
	"America/Santiago", "Pacific/Apia", "Asia/Kathmandu", "America/St_Johns",
}

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

var (
	offsetRangeMu sync.Mutex
	offsetRanges  = map[*time.Location][2]int64{}
)

// offsetRange returns the least and greatest UTC offsets of loc in 2009-2031.
func offsetRange(loc *time.Location) (int64, int64) {
	offsetRangeMu.Lock()
	defer offsetRangeMu.Unlock()
	if r, ok := offsetRanges[loc]; ok {
		return r[0], r[1]
	}
	lo, hi := int64(1<<40), int64(-1<<40)
	for t := time.Date(2009, 1, 1, 0, 0, 0, 0, time.UTC); t.Year() < 2032; t = t.Add(3 * time.Hour) {
		_, off := t.In(loc).Zone()
		lo, hi = min(lo, int64(off)), max(hi, int64(off))
	}
	offsetRanges[loc] = [2]int64{lo, hi}
	return lo, hi
}

// refResolve is the DST rule stated plainly: the first instant whose wall
// clock reads the wanted time or later. In a gap that is the end of the gap;
// in an overlap it is the first occurrence. Wall times are whole minutes.
func refResolve(y int, m time.Month, d, hh, mm int, loc *time.Location) time.Time {
	naive := time.Date(y, m, d, hh, mm, 0, 0, time.UTC).Unix()
	lo, hi := offsetRange(loc)
	for u := naive - hi - 3600; u <= naive-lo+3600; u += 60 {
		t := time.Unix(u, 0).In(loc)
		_, off := t.Zone()
		if u+int64(off) >= naive {
			return t
		}
	}
	panic("refResolve: no instant found")
}

// refDayExists reports whether some instant reads the date y-m-d in loc:
// the first instant at or after its midnight is still on that date.
func refDayExists(day time.Time, loc *time.Location) bool {
	key := dayKey{loc, day.Format(time.DateOnly)}
	dayExistsMu.Lock()
	ok, seen := dayExistsMemo[key]
	dayExistsMu.Unlock()
	if seen {
		return ok
	}
	at := refResolve(day.Year(), day.Month(), day.Day(), 0, 0, loc).In(loc)
	ok = at.Year() == day.Year() && at.YearDay() == day.YearDay()
	dayExistsMu.Lock()
	dayExistsMemo[key] = ok
	dayExistsMu.Unlock()
	return ok
}

// The brute-force scan is slow; each day's answer is kept.
type dayKey struct {
	loc *time.Location
	day string
}

var (
	dayExistsMu   sync.Mutex
	dayExistsMemo = map[dayKey]bool{}
)

// refAddDays walks n days that exist in loc from t's date and returns t's
// wall time on the last of them.
func refAddDays(t time.Time, n int, loc *time.Location) time.Time {
	lt := t.In(loc)
	d := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC)
	for k := 0; k < n; {
		d = d.AddDate(0, 0, 1)
		if refDayExists(d, loc) {
			k++
		}
	}
	return refResolve(d.Year(), d.Month(), d.Day(), lt.Hour(), lt.Minute(), loc)
}

// refSingle lists every dose of a non-taper rule in [start, end), without
// count or duration.
func refSingle(r Rule, start, end time.Time, loc *time.Location) []time.Time {
	var out []time.Time
	switch r.Kind {
	case KindInterval:
		for at := start; at.Before(end); at = at.Add(r.Interval) {
			out = append(out, at)
		}
		return out
	case KindOnce:
		at := start
		if len(r.Times) == 1 {
			ls := start.In(loc)
			for k := 0; ; k++ {
				d := time.Date(ls.Year(), ls.Month(), ls.Day()+k, 0, 0, 0, 0, time.UTC)
				if !refDayExists(d, loc) {
					continue
				}
				at = refResolve(d.Year(), d.Month(), d.Day(), r.Times[0].Hour, r.Times[0].Minute, loc)
				if !at.Before(start) {
					break
				}
			}
		}
		if at.Before(end) {
			out = append(out, at)
		}
		return out
	case KindPRN:
		return nil
	}
	ls := start.In(loc)
	first := time.Date(ls.Year(), ls.Month(), ls.Day(), 0, 0, 0, 0, time.UTC)
	le := end.In(loc)
	last := time.Date(le.Year(), le.Month(), le.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 2)
	for day, k := first.AddDate(0, 0, -2), -2; !day.After(last); day, k = day.AddDate(0, 0, 1), k+1 {
		if !refEligible(r, first, day, k) || !refDayExists(day, loc) {
			continue
		}
		for _, c := range r.Times {
			at := refResolve(day.Year(), day.Month(), day.Day(), c.Hour, c.Minute, loc)
			if !at.Before(start) && at.Before(end) {
				out = append(out, at)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	// A dose is given once even if two wall times land on one instant.
	uniq := out[:0]
	for i, at := range out {
		if i == 0 || !at.Equal(uniq[len(uniq)-1]) {
			uniq = append(uniq, at)
		}
	}
	return uniq
}

// refEligible decides whether a fixed rule falls on day, the k-th day after
// the start date first (both UTC midnights standing for local dates).
func refEligible(r Rule, first, day time.Time, k int) bool {
	switch {
	case r.EveryNMonths > 0:
		months := (day.Year()*12 + int(day.Month())) - (first.Year()*12 + int(first.Month()))
		if months < 0 || months%r.EveryNMonths != 0 {
			return false
		}
		dom := r.DayOfMonth
		if dom == 0 {
			dom = first.Day()
		}
		lastDay := time.Date(day.Year(), day.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
		return day.Day() == min(dom, lastDay)
	case len(r.Weekdays) > 0:
		for _, w := range r.Weekdays {
			if day.Weekday() == w {
				return true
			}
		}
		return false
	case r.EveryNDays > 1:
		return k >= 0 && k%r.EveryNDays == 0
	}
	return true
}

// refExpand is Expand by brute force.
func refExpand(r Rule, start, stop, from, to time.Time, loc *time.Location) []Dose {
	end := to
	if !stop.IsZero() && stop.Before(end) {
		end = stop
	}
	var all []Dose
	if r.Kind == KindTaper {
		stepStart, seq := start, 0
		for i, st := range r.Steps {
			if !stepStart.Before(end) {
				break
			}
			var list []time.Time
			var stepEnd time.Time
			count := st.Count
			if st.Days > 0 && st.Rule.Kind == KindInterval {
				// N days of an interval rule are N×24h of doses.
				for at := stepStart; at.Before(stepStart.Add(time.Duration(st.Days) * 24 * time.Hour)); at = at.Add(st.Rule.Interval) {
					count++
				}
			}
			switch {
			case count > 0:
				horizon := stepStart.Add(time.Duration(count+2) * refPeriod(st.Rule))
				list = refSingle(st.Rule, stepStart, horizon, loc)
				stepEnd = list[count]
				list = list[:count]
			case st.Days > 0:
				list, stepEnd = refCourse(st.Rule, stepStart, st.Days, loc)
			default:
				list = refSingle(st.Rule, stepStart, end, loc)
			}
			for _, at := range list {
				seq++
				all = append(all, Dose{At: at.UTC(), Step: i, Dose: st.Dose, Seq: seq})
			}
			if stepEnd.IsZero() {
				break
			}
			stepStart = stepEnd
		}
	} else {
		list := refSingle(r, start, end, loc)
		if r.Duration > 0 {
			de := start.Add(r.Duration)
			if r.Kind != KindInterval && r.Duration%(24*time.Hour) == 0 {
				var course []time.Time
				course, de = refCourse(r, start, int(r.Duration/(24*time.Hour)), loc)
				list = nil
				for _, at := range course {
					if at.Before(end) {
						list = append(list, at)
					}
				}
			}
			if de.Before(end) {
				end = de
			}
			list = slices.DeleteFunc(list, func(at time.Time) bool { return !at.Before(end) })
		}
		for i, at := range list {
			if r.Count > 0 && i >= r.Count {
				break
			}
			all = append(all, Dose{At: at.UTC(), Seq: i + 1})
		}
	}
	var out []Dose
	for _, d := range all {
		if !d.At.Before(from) && d.At.Before(end) {
			out = append(out, d)
		}
	}
	return out
}

// refPeriod is longer than any gap between two doses of r.
func refPeriod(r Rule) time.Duration {
	switch {
	case r.Kind == KindInterval:
		return r.Interval
	case r.EveryNMonths > 0:
		return time.Duration(r.EveryNMonths) * 32 * 24 * time.Hour
	case r.EveryNDays > 1:
		return time.Duration(r.EveryNDays+1) * 24 * time.Hour
	}
	return 8 * 24 * time.Hour
}

// refCourse lists the doses of a course of n calendar days of fixed rule r
// from start, read on the wall clock: every dose of a time of day whose
// reading comes before the start's reading n days (that exist) later, at or
// after start, once per instant. end is the next dose after them.
func refCourse(r Rule, start time.Time, n int, loc *time.Location) (doses []time.Time, end time.Time) {
	endLocal := refAddDays(start, n, loc).In(loc)
	endDay := time.Date(endLocal.Year(), endLocal.Month(), endLocal.Day(), 0, 0, 0, 0, time.UTC)
	ls := start.In(loc)
	startWall := time.Duration(ls.Hour())*time.Hour + time.Duration(ls.Minute())*time.Minute +
		time.Duration(ls.Second())*time.Second + time.Duration(ls.Nanosecond())
	endWall := endDay.Add(startWall)
	first := time.Date(ls.Year(), ls.Month(), ls.Day(), 0, 0, 0, 0, time.UTC)
	// A dose of the start date moved forward onto the start by a gap counts
	// the course from its own reading.
	for _, c := range r.Times {
		wall := first.Add(time.Duration(c.Minutes()) * time.Minute)
		if refEligible(r, first, first, 0) && refResolve(first.Year(), first.Month(), first.Day(), c.Hour, c.Minute, loc).Equal(start) && wall.Before(first.Add(startWall)) {
			endWall = endDay.Add(wall.Sub(first))
			break
		}
	}
	var after []time.Time
	for day, k := first.AddDate(0, 0, -2), -2; day.Before(endDay.AddDate(0, 0, 2+2*refPeriodDays(r))); day, k = day.AddDate(0, 0, 1), k+1 {
		if !refEligible(r, first, day, k) || !refDayExists(day, loc) {
			continue
		}
		for _, c := range r.Times {
			at := refResolve(day.Year(), day.Month(), day.Day(), c.Hour, c.Minute, loc)
			if at.Before(start) {
				continue
			}
			if wall := day.Add(time.Duration(c.Minutes()) * time.Minute); wall.Before(endWall) {
				doses = append(doses, at)
			} else {
				after = append(after, at)
			}
		}
	}
	sortUniq := func(ts []time.Time) []time.Time {
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		return slices.CompactFunc(ts, func(a, b time.Time) bool { return a.Equal(b) })
	}
	doses, after = sortUniq(doses), sortUniq(after)
	for _, at := range after {
		if len(doses) == 0 || at.After(doses[len(doses)-1]) {
			return doses, at
		}
	}
	panic("refCourse: no dose after the course")
}

func refPeriodDays(r Rule) int { return int(refPeriod(r) / (24 * time.Hour)) }
