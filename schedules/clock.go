package schedules

// Phrase readers for when: clock times, weekdays, days of the month.

import (
	"math"
	"slices"
	"time"
)

// clockAt reads one clock time k tokens ahead and returns it and its length.
func (p *parser) clockAt(k int) (ClockTime, int, bool) {
	t := p.tok(k)
	ampm := func(h, m, n int) (ClockTime, int, bool) {
		switch {
		case p.is(k+n, "am", "a"):
			if h < 1 || h > 12 {
				p.fail(span{p.i + k, p.i + k + n + 1}, "a 12-hour time runs from 1 to 12")
			}
			return ClockTime{h % 12, m}, n + 1, true
		case p.is(k+n, "pm", "p"):
			if h < 1 || h > 12 {
				p.fail(span{p.i + k, p.i + k + n + 1}, "a 12-hour time runs from 1 to 12")
			}
			return ClockTime{h%12 + 12, m}, n + 1, true
		}
		return ClockTime{}, 0, false
	}
	switch t.kind {
	case tokClock:
		if c, n, ok := ampm(t.hour, t.minute, 1); ok {
			return c, n, true
		}
		c := ClockTime{t.hour, t.minute}
		if !c.Valid() {
			p.fail(span{p.i + k, p.i + k + 1}, "not a time of day (00:00-23:59)")
		}
		return c, 1, true
	case tokNum:
		if t.num != math.Trunc(t.num) {
			return ClockTime{}, 0, false
		}
		if c, n, ok := ampm(int(t.num), 0, 1); ok {
			return c, n, true
		}
		if t.num == 12 && p.is(k+1, "noon", "midday") {
			return ClockTime{12, 0}, 2, true
		}
		if t.num == 12 && p.is(k+1, "midnight") {
			return ClockTime{0, 0}, 2, true
		}
		if len(t.digits) == 4 {
			c := ClockTime{int(t.num) / 100, int(t.num) % 100}
			if !c.Valid() {
				p.fail(span{p.i + k, p.i + k + 1}, "not a 24-hour time (0000-2359)")
			}
			n := 1
			if p.is(k+1, "h", "hrs", "hours") {
				n = 2
			}
			return c, n, true
		}
	case tokWord:
		switch t.text {
		case "noon", "midday":
			return ClockTime{12, 0}, 1, true
		case "midnight":
			return ClockTime{0, 0}, 1, true
		}
	}
	return ClockTime{}, 0, false
}

// timesPhrase reads "at 08:00, 14:00 and 20:00", "0900 2100", "at 8 am".
func (p *parser) timesPhrase(c *component) bool {
	start := p.i
	k := 0
	if p.is(0, "at") {
		k = 1
	}
	first, n, ok := p.clockAt(k)
	if !ok {
		if k == 1 {
			if t := p.tok(1); t.kind == tokNum {
				p.fail(span{start, start + 2}, "at what time? write 24-hour 08:00 or 8 am")
			}
			p.fail(span{start, start + 1}, "at what time? write 24-hour 08:00 or 8 am")
		}
		return false
	}
	c.times = []ClockTime{first}
	k += n
	for {
		j := k
		if p.punct(j, ",") || p.punct(j, "/") || p.is(j, "and") {
			j++
		}
		if p.is(j, "at") {
			j++
		}
		t, n, ok := p.clockAt(j)
		if !ok {
			break
		}
		if slices.Contains(c.times, t) {
			p.fail(span{start + j, start + j + n}, "time %s given twice", t)
		}
		c.times = append(c.times, t)
		k = j + n
	}
	if len(c.times) > maxTimesPerDay {
		p.fail(span{start, start + k}, "more than %d times a day", maxTimesPerDay)
	}
	p.i += k
	return true
}

var weekdayWords = map[string][]time.Weekday{}

func init() {
	days := []struct {
		d     time.Weekday
		names []string
	}{
		{time.Monday, []string{"mon", "monday", "mondays"}},
		{time.Tuesday, []string{"tu", "tue", "tues", "tuesday", "tuesdays"}},
		{time.Wednesday, []string{"wed", "weds", "wednesday", "wednesdays"}},
		{time.Thursday, []string{"th", "thu", "thur", "thurs", "thursday", "thursdays"}},
		{time.Friday, []string{"fri", "friday", "fridays"}},
		{time.Saturday, []string{"sat", "saturday", "saturdays"}},
		{time.Sunday, []string{"sun", "sunday", "sundays"}},
	}
	for _, d := range days {
		for _, n := range d.names {
			weekdayWords[n] = []time.Weekday{d.d}
		}
	}
	weekdayWords["weekdays"] = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	weekdayWords["weekends"] = []time.Weekday{time.Saturday, time.Sunday}
	weekdayWords["weekend"] = weekdayWords["weekends"]
	weekdayWords["mwf"] = []time.Weekday{time.Monday, time.Wednesday, time.Friday}
	weekdayWords["tth"] = []time.Weekday{time.Tuesday, time.Thursday}
	weekdayWords["tuth"] = weekdayWords["tth"]
}

// weekdaysPhrase reads "Mon Wed Fri", "on Monday and Thursday", "every
// Tuesday", "Mon-Fri", "weekdays".
func (p *parser) weekdaysPhrase(c *component) bool {
	k := 0
	if p.is(0, "on", "every", "each") {
		k = 1
	}
	if weekdayWords[p.word(k)] == nil {
		return false
	}
	var days []time.Weekday
	start := p.i
	for {
		ds := weekdayWords[p.word(k)]
		if ds == nil {
			break
		}
		k++
		if len(ds) == 1 && (p.punct(k, "-") || p.is(k, "to", "through", "thru")) {
			end := weekdayWords[p.word(k+1)]
			if len(end) != 1 {
				p.fail(span{start + k, start + k + 2}, "a range of days runs between two days (Mon-Fri)")
			}
			for d := ds[0]; ; d = (d + 1) % 7 {
				days = append(days, d)
				if d == end[0] {
					break
				}
			}
			k += 2
		} else {
			days = append(days, ds...)
		}
		j := k
		if p.punct(j, ",") || p.punct(j, "/") || p.is(j, "and") {
			j++
		}
		if p.is(j, "every", "each") {
			j++
		}
		if weekdayWords[p.word(j)] == nil {
			break
		}
		k = j
	}
	slices.SortFunc(days, cmpWeekday)
	if n := len(slices.Compact(slices.Clone(days))); n != len(days) {
		p.fail(span{start, start + k}, "a weekday named twice")
	}
	c.weekdays = days
	p.i += k
	return true
}

// domPhrase reads a day of the month: "on day 15", "on the 1st", "the 15th
// of each month".
func (p *parser) domPhrase(c *component) bool {
	k := 0
	if p.is(k, "on") {
		k++
	}
	if p.is(k, "the") {
		k++
	}
	var n int
	var ok bool
	switch {
	case p.is(k, "day"):
		n, ok = p.intAt(k + 1)
		k += 2
	default:
		n, ok = p.intAt(k)
		if ok && p.is(k+1, "st", "nd", "rd", "th") && p.tok(k).kind == tokNum {
			k += 2
			if p.is(k, "day") {
				k++
			}
		} else {
			ok = false
		}
	}
	if !ok {
		return false
	}
	if n < 1 || n > 31 {
		p.fail(span{p.i, p.i + k}, "a day of the month runs from 1 to 31")
	}
	if p.is(k, "of") && p.is(k+1, "the", "each", "every") && monthUnits[p.word(k+2)] {
		k += 3
	}
	c.dom = n
	p.i += k
	return true
}
