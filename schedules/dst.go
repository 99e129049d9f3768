package schedules

import "time"

// This file turns wall-clock readings into instants under the package's
// DST rule (see the package documentation):
//
//   - a wall time that does not exist that day (spring forward) is the first
//     instant after the gap;
//   - a wall time that occurs twice (fall back) is its first occurrence.
//
// time.Date cannot be used alone: for a time in a gap it adds the offset
// difference (02:30 in a one-hour gap becomes 03:30, not 03:00, and 02:15 in
// Lord Howe's 30-minute gap becomes 02:45, not 02:30), and for an ambiguous
// time it does not promise which occurrence it picks.

// maxOffsetSpread bounds how far apart two UTC offsets can be (-12h to +14h,
// plus slack for historical local mean times). An instant farther than this
// from any zone transition has exactly one wall reading that maps back to it.
const maxOffsetSpread = 27 * time.Hour

// wallInstant returns the instant of the wall-clock reading y-mo-d hh:mm:ss.ns
// in loc. The date must be a real calendar date.
func wallInstant(y int, mo time.Month, d, hh, mm, ss, ns int, loc *time.Location) time.Time {
	t := time.Date(y, mo, d, hh, mm, ss, ns, loc)
	zs, ze := t.ZoneBounds()
	if (zs.IsZero() || t.Sub(zs) > maxOffsetSpread) && (ze.IsZero() || ze.Sub(t) > maxOffsetSpread) {
		// No transition near: time.Date's answer is the only one.
		return t
	}
	naive := time.Date(y, mo, d, hh, mm, ss, 0, time.UTC).Unix()
	if u, ok := resolveNear(naive, loc); ok {
		return time.Unix(u, int64(ns)).In(loc)
	}
	return t // unreachable for a well-formed zone
}

// resolveNear applies the DST rule to a wall reading given as seconds since
// the epoch as if the wall clock were UTC. It walks the zone periods that
// could contain the reading: every period whose offset maps the reading into
// itself yields a candidate (two in a fall-back overlap; the earliest wins);
// if none does, the reading is in a gap and the answer is the transition
// that ends the gap.
func resolveNear(naive int64, loc *time.Location) (int64, bool) {
	spread := int64(maxOffsetSpread / time.Second)
	lo, hi := naive-spread, naive+spread
	p := time.Unix(lo, 0).In(loc)
	var best, gap int64
	found, inGap := false, false
	for {
		_, off := p.Zone()
		zs, ze := p.ZoneBounds()
		u := naive - int64(off)
		if (zs.IsZero() || u >= zs.Unix()) && (ze.IsZero() || u < ze.Unix()) && (!found || u < best) {
			best, found = u, true
		}
		if ze.IsZero() || ze.Unix() > hi {
			break
		}
		_, after := ze.In(loc).Zone()
		if !inGap && after > off && naive >= ze.Unix()+int64(off) && naive < ze.Unix()+int64(after) {
			gap, inGap = ze.Unix(), true
		}
		p = ze.In(loc)
	}
	switch {
	case found:
		return best, true
	case inGap:
		return gap, true
	}
	return 0, false
}

// transition is a change of UTC offset at instant At.
type transition struct {
	At            time.Time
	Before, After int // offsets in seconds east of UTC
}

// gaps calls fn for every spring-forward transition (the offset grows) at an
// instant in [from, to), in order.
func gaps(loc *time.Location, from, to time.Time, fn func(transition)) {
	// Start a second early so a transition exactly at from is seen.
	p := from.Add(-time.Second).In(loc)
	for {
		_, ze := p.ZoneBounds()
		if ze.IsZero() || !ze.Before(to) {
			return
		}
		_, before := p.Zone()
		_, after := ze.In(loc).Zone()
		if after > before && !ze.Before(from) {
			fn(transition{At: ze, Before: before, After: after})
		}
		p = ze.In(loc)
	}
}

// skippedDays returns the calendar days (day numbers lo..hi; none when
// lo > hi) that a transition at instant at, from offset before to offset
// after, skips altogether: days whose every wall-clock reading falls in the
// gap. Only a jump across the date line does that (Pacific/Apia skipped 30
// December 2011); an ordinary one-hour gap skips none.
func skippedDays(at time.Time, before, after int) (lo, hi int) {
	if after <= before {
		return 1, 0
	}
	start := int(at.Unix()) + before // wall reading where the gap begins
	end := int(at.Unix()) + after    // first wall reading after it
	return -floorDiv(-start, secondsPerDay), floorDiv(end, secondsPerDay) - 1
}

// dayExists reports whether calendar day n (a day number) has any wall-clock
// reading in loc, that is, whether the zone did not skip it.
func dayExists(n int, loc *time.Location) bool {
	y, m, d := civil(n)
	return localDay(wallInstant(y, m, d, 0, 0, 0, 0, loc), loc) == n
}

// gapEndingAt returns the spring-forward transition at instant x, if there
// is one: x is then the first instant after a gap.
func gapEndingAt(x time.Time, loc *time.Location) (transition, bool) {
	p := x.Add(-time.Nanosecond).In(loc)
	_, ze := p.ZoneBounds()
	if ze.IsZero() || !ze.Equal(x) {
		return transition{}, false
	}
	_, before := p.Zone()
	_, after := x.In(loc).Zone()
	if after <= before {
		return transition{}, false
	}
	return transition{At: x, Before: before, After: after}, true
}
