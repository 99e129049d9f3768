package schedules

import (
	"fmt"
	"strings"
	"time"
)

// ClockNote says in a few words how a clock change touched dose d of rule r
// in zone loc, for an order preview; "" when it did not. It names:
//
//   - a clock-time dose moved by a spring-forward gap ("02:30 does not exist
//     on 9 Mar (clocks go forward 02:00 → 03:00): given at 03:00");
//   - a clock-time dose whose time occurs twice at a fall-back ("01:30
//     occurs twice on 2 Nov (clocks go back 02:00 → 01:00): given at the
//     first");
//   - the first clock-time dose after a day the zone skips;
//   - an interval dose after a clock change, which stays exactly one
//     interval after the previous dose and so moves on the clock.
func ClockNote(r Rule, d Dose, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	if r.Kind == KindTaper {
		if d.Step < 0 || d.Step >= len(r.Steps) {
			return ""
		}
		r = r.Steps[d.Step].Rule
	}
	switch r.Kind {
	case KindInterval:
		return intervalNote(r.Interval, d, loc)
	case KindFixed:
		return clockTimeNote(r.Times, d.At, loc)
	case KindOnce:
		if len(r.Times) == 0 {
			return "" // due at the order start, whatever the clock reads
		}
		return clockTimeNote(r.Times, d.At, loc)
	}
	return ""
}

func intervalNote(every time.Duration, d Dose, loc *time.Location) string {
	if d.Seq <= 1 {
		return ""
	}
	prev := d.At.Add(-every)
	_, before := prev.In(loc).Zone()
	_, after := d.At.In(loc).Zone()
	if before == after {
		return ""
	}
	dir := "forward"
	if after < before {
		dir = "back"
	}
	return fmt.Sprintf("clocks went %s %s since the previous dose: still %s after it, at %s on the clock",
		dir, shortDuration(time.Duration(abs(after-before))*time.Second), shortDuration(every), d.At.In(loc).Format("15:04"))
}

func clockTimeNote(times []ClockTime, at time.Time, loc *time.Location) string {
	lt := at.In(loc)
	// Moved forward by a gap: the dose is at the end of one, and some of
	// the rule's times fall inside it.
	if tr, ok := gapEndingAt(at, loc); ok {
		lo := tr.At.Unix() + int64(tr.Before)
		hi := tr.At.Unix() + int64(tr.After)
		skipLo, skipHi := skippedDays(tr.At, tr.Before, tr.After)
		var moved []string
		for day := floorDiv(int(lo), secondsPerDay); day <= floorDiv(int(hi), secondsPerDay); day++ {
			if day >= skipLo && day <= skipHi {
				continue
			}
			for _, c := range times {
				if w := int64(day)*secondsPerDay + int64(c.Minutes())*60; w >= lo && w < hi {
					moved = append(moved, c.String())
				}
			}
		}
		if len(moved) > 0 {
			from, to := time.Unix(lo, 0).UTC().Format("15:04"), time.Unix(hi, 0).UTC().Format("15:04")
			verb := "does"
			if len(moved) > 1 {
				verb = "do"
			}
			return fmt.Sprintf("%s %s not exist on %s (clocks go forward %s → %s): given once at %s",
				strings.Join(moved, " and "), verb, lt.Format("2 Jan"), from, to, lt.Format("15:04 MST"))
		}
	}
	// The day before was skipped altogether: said on the day's first dose.
	if n := localDay(at, loc); len(times) > 0 && (ClockTime{lt.Hour(), lt.Minute()}) == times[0] && !dayExists(n-1, loc) {
		y, m, d := civil(n - 1)
		return fmt.Sprintf("no doses on %s: the zone skips that day", time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format("2 Jan 2006"))
	}
	// A fall-back overlap: the clocks go back within the next few hours
	// far enough to read this time again.
	_, off := lt.Zone()
	if _, ze := lt.ZoneBounds(); !ze.IsZero() {
		_, offAfter := ze.In(loc).Zone()
		if back := time.Duration(off-offAfter) * time.Second; back > 0 && ze.Sub(at) <= back {
			return fmt.Sprintf("%s occurs twice on %s (clocks go back %s): given at the first, %s",
				lt.Format("15:04"), lt.Format("2 Jan"), shortDuration(back), lt.Format("15:04 MST"))
		}
	}
	return ""
}

func abs(x int) int { return max(x, -x) }

// shortDuration writes 8h, 90min, 30min, 1h30min.
func shortDuration(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return fmt.Sprintf("%dmin", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%dmin", h, m)
}
