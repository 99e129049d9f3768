package schedules

import (
	"math/bits"
	"time"
)

// Calendar dates are handled as day numbers (days since 1970-01-01 in the
// proleptic Gregorian calendar, independent of any zone) so that counting
// eligible days between two dates is arithmetic rather than a walk.

const secondsPerDay = 86400

func dayNumber(y int, m time.Month, d int) int {
	return floorDiv(int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()), secondsPerDay)
}

func civil(n int) (int, time.Month, int) {
	return time.Unix(int64(n)*secondsPerDay, 0).UTC().Date()
}

// localDay returns the day number of t's date on the wall clock of loc.
func localDay(t time.Time, loc *time.Location) int {
	y, m, d := t.In(loc).Date()
	return dayNumber(y, m, d)
}

func weekdayOf(n int) time.Weekday { return time.Weekday(floorMod(n+4, 7)) } // 1970-01-01 was a Thursday

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int) int { return a - floorDiv(a, b)*b }

// monthIndex numbers months continuously: year*12 + month-1.
func monthIndex(y int, m time.Month) int { return y*12 + int(m) - 1 }

func daysIn(y int, m time.Month) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }

// dayRule decides which calendar days a fixed rule falls on.
type dayRule struct {
	weekdays uint8 // bit per time.Weekday; 0 = every day
	everyN   int   // every N days counted from anchor; 1 = daily
	months   int   // every N months counted from anchorMonth; 0 = not monthly
	dom      int   // day of month for monthly rules (already defaulted from the anchor)
	anchor   int   // day number of the start date
	anchorM  int   // monthIndex of the start date
}

func newDayRule(r Rule, startDay int) dayRule {
	dr := dayRule{everyN: max(r.EveryNDays, 1), months: r.EveryNMonths, dom: r.DayOfMonth, anchor: startDay}
	for _, w := range r.Weekdays {
		dr.weekdays |= 1 << uint(w)
	}
	y, m, d := civil(startDay)
	dr.anchorM = monthIndex(y, m)
	if dr.months > 0 && dr.dom == 0 {
		dr.dom = d
	}
	return dr
}

// monthDay returns the day number a monthly rule falls on in month index mi,
// moving a day the month lacks to its last day.
func (dr dayRule) monthDay(mi int) int {
	y, m := floorDiv(mi, 12), time.Month(floorMod(mi, 12)+1)
	return dayNumber(y, m, min(dr.dom, daysIn(y, m)))
}

func (dr dayRule) eligible(n int) bool {
	switch {
	case dr.months > 0:
		y, m, _ := civil(n)
		mi := monthIndex(y, m)
		return floorMod(mi-dr.anchorM, dr.months) == 0 && dr.monthDay(mi) == n
	case dr.weekdays != 0:
		return dr.weekdays&(1<<uint(weekdayOf(n))) != 0
	default:
		return floorMod(n-dr.anchor, dr.everyN) == 0
	}
}

// next returns the first eligible day on or after n.
func (dr dayRule) next(n int) int {
	switch {
	case dr.months > 0:
		y, m, _ := civil(n)
		mi := monthIndex(y, m)
		mi += floorMod(dr.anchorM-mi, dr.months)
		if d := dr.monthDay(mi); d >= n {
			return d
		}
		return dr.monthDay(mi + dr.months)
	case dr.weekdays != 0:
		for !dr.eligible(n) {
			n++
		}
		return n
	default:
		return n + floorMod(dr.anchor-n, dr.everyN)
	}
}

// count returns how many eligible days lie in [a, b).
func (dr dayRule) count(a, b int) int {
	if b <= a {
		return 0
	}
	switch {
	case dr.months > 0:
		ya, ma, _ := civil(a)
		yb, mb, _ := civil(b - 1)
		// Eligible months in [ia, ib], each with one day; trim the ends.
		ia, ib := monthIndex(ya, ma), monthIndex(yb, mb)
		first := ia + floorMod(dr.anchorM-ia, dr.months)
		if first > ib {
			return 0
		}
		n := (ib-first)/dr.months + 1
		last := first + (n-1)*dr.months
		c := n
		if dr.monthDay(first) < a {
			c--
		}
		if dr.monthDay(last) >= b {
			c--
		}
		return max(c, 0)
	case dr.weekdays != 0:
		full := (b - a) / 7
		c := full * bits.OnesCount8(dr.weekdays)
		for n := a + full*7; n < b; n++ {
			if dr.eligible(n) {
				c++
			}
		}
		return c
	default:
		// Days n in [a, b) with n ≡ anchor (mod everyN).
		r := floorMod(dr.anchor, dr.everyN)
		return floorDiv(b-1-r, dr.everyN) - floorDiv(a-1-r, dr.everyN)
	}
}
