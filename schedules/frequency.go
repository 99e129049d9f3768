package schedules

// Phrase readers for how often: abbreviations, "N times daily", intervals.

import "time"

// perDayKey maps a number of doses a day to its abbreviation.
func perDayKey(n int) string {
	switch n {
	case 1:
		return "QD"
	case 2:
		return "BID"
	case 3:
		return "TID"
	case 4:
		return "QID"
	}
	return ""
}

// abbreviations are the one-word frequencies.
var abbreviations = map[string]freq{
	"qd": {key: "QD", perDay: 1}, "daily": {key: "QD", perDay: 1}, "od": {key: "QD", perDay: 1},
	"qday": {key: "QD", perDay: 1}, "qdaily": {key: "QD", perDay: 1}, "everyday": {key: "QD", perDay: 1},
	"bid": {key: "BID", perDay: 2}, "bd": {key: "BID", perDay: 2},
	"tid": {key: "TID", perDay: 3}, "tds": {key: "TID", perDay: 3},
	"qid": {key: "QID", perDay: 4}, "qds": {key: "QID", perDay: 4},
	"qam": {key: "QAM", perDay: 1}, "mane": {key: "QAM", perDay: 1}, "qmorning": {key: "QAM", perDay: 1},
	"qpm": {key: "QPM", perDay: 1}, "qevening": {key: "QPM", perDay: 1},
	"qhs": {key: "QHS", perDay: 1}, "hs": {key: "QHS", perDay: 1}, "nightly": {key: "QHS", perDay: 1},
	"nocte": {key: "QHS", perDay: 1}, "qn": {key: "QHS", perDay: 1}, "qnight": {key: "QHS", perDay: 1},
	"bedtime": {key: "QHS", perDay: 1},
	"qod":     {key: "QOD", everyN: 2}, "qad": {key: "QOD", everyN: 2}, "eod": {key: "QOD", everyN: 2},
	"weekly": {weeks: 1}, "qweek": {weeks: 1}, "qwk": {weeks: 1}, "qw": {weeks: 1},
	"monthly": {months: 1}, "qmonth": {months: 1}, "qmo": {months: 1},
	"hourly": {interval: time.Hour}, "qh": {interval: time.Hour}, "qhr": {interval: time.Hour}, "qhour": {interval: time.Hour},
	"ac": {key: "AC", perDay: 3}, "pc": {key: "PC", perDay: 3}, "achs": {key: "ACHS", perDay: 4},
	"stat": {once: true, stat: true}, "now": {once: true, stat: true}, "immediately": {once: true, stat: true},
}

// freqPhrase reads a frequency.
func (p *parser) freqPhrase(f *freq) bool {
	w := p.word(0)
	start := p.i
	set := func(x freq, n int) bool {
		*f = x
		p.i += n
		return true
	}
	switch {
	case w == "ac" && (p.seq(1, "and", "hs") || p.seq(1, "and", "at", "bedtime")):
		return set(abbreviations["achs"], 3+boolInt(p.is(2, "at")))
	case w == "once":
		switch {
		case p.suffix(1, dayUnits, "daily") > 0:
			return set(abbreviations["qd"], 1+p.suffix(1, dayUnits, "daily"))
		case p.suffix(1, weekUnits, "weekly") > 0:
			return set(freq{weeks: 1}, 1+p.suffix(1, weekUnits, "weekly"))
		case p.suffix(1, monthUnits, "monthly") > 0:
			return set(freq{months: 1}, 1+p.suffix(1, monthUnits, "monthly"))
		case p.is(1, "only"):
			return set(freq{once: true}, 2)
		}
		return set(freq{once: true}, 1)
	case w == "one" && p.is(1, "time") && p.suffix(2, dayUnits, "daily") == 0:
		return set(freq{once: true}, 2)
	case w == "single" && p.is(1, "dose"):
		return set(freq{once: true}, 2)
	case w == "twice" || w == "thrice":
		n := 2 + boolInt(w == "thrice")
		return p.timesPer(f, start, n, 1)
	case p.seq(0, "at", "bedtime"), p.seq(0, "at", "night"), p.seq(0, "at", "hs"), p.seq(0, "every", "night"), p.seq(0, "every", "bedtime"):
		return set(abbreviations["qhs"], 2)
	case p.seq(0, "in", "the", "morning"), p.seq(0, "every", "morning"), p.seq(0, "each", "morning"):
		return set(abbreviations["qam"], 2+boolInt(w == "in"))
	case p.seq(0, "in", "the", "evening"), p.seq(0, "every", "evening"), p.seq(0, "each", "evening"):
		return set(abbreviations["qpm"], 2+boolInt(w == "in"))
	case p.is(0, "before", "after", "with") && p.is(1, "meals", "breakfast", "lunch", "dinner", "supper"):
		// The FHIR EventTiming codes: AC/PC/C, and ACM, PCD, CV … per meal.
		key := map[string]string{"before": "AC", "after": "PC", "with": "C"}[w] +
			map[string]string{"meals": "", "breakfast": "M", "lunch": "D", "dinner": "V", "supper": "V"}[p.word(1)]
		return set(freq{key: key, perDay: perDayOf[key]}, 2)
	case p.seq(0, "alternate", "days"), p.seq(0, "on", "alternate", "days"):
		return set(abbreviations["qod"], 2+boolInt(w == "on"))
	}
	if x, ok := abbreviations[w]; ok {
		return set(x, 1)
	}
	// "3 times daily", "2x/day", "4 times a day", "1 time daily".
	if n, ok := p.intAt(0); ok && (p.is(1, "times", "time", "x")) {
		return p.timesPer(f, start, n, 2)
	}
	// "4 hourly", "4-hourly" (British for every 4 hours).
	if n, ok := p.intAt(0); ok {
		k := 1 + boolInt(p.punct(1, "-"))
		if p.is(k, "hourly") {
			*f = freq{interval: p.interval(span{start, start + k + 1}, n, time.Hour)}
			p.i += k + 1
			return true
		}
	}
	if w == "every" || w == "each" || w == "q" {
		return p.every(f)
	}
	return false
}

// suffix matches "daily" / "a day" / "per day" / "/day" (or the week or month
// equivalents) k tokens ahead and returns its length, 0 if none.
func (p *parser) suffix(k int, units map[string]bool, adverb string) int {
	switch {
	case p.is(k, adverb):
		return 1
	case (p.is(k, "a", "per", "each", "every", "an") || p.punct(k, "/")) && units[p.word(k+1)]:
		return 2
	}
	return 0
}

// timesPer reads the rest of "N times daily" / "twice a week" after n tokens.
func (p *parser) timesPer(f *freq, start, n, k int) bool {
	if d := p.suffix(k, dayUnits, "daily"); d > 0 {
		if n < 1 || n > maxTimesPerDay {
			p.fail(span{start, start + k + d}, "doses a day out of range 1-%d", maxTimesPerDay)
		}
		*f = freq{key: perDayKey(n), perDay: n}
		p.i += k + d
		return true
	}
	if w := p.suffix(k, weekUnits, "weekly"); w > 0 {
		if n == 1 {
			*f = freq{weeks: 1}
			p.i += k + w
			return true
		}
		p.fail(span{start, start + k + w}, "name the days instead (e.g. Mon, Thu at 09:00)")
	}
	if n == 1 && p.suffix(k, monthUnits, "monthly") > 0 {
		*f = freq{months: 1}
		p.i += k + p.suffix(k, monthUnits, "monthly")
		return true
	}
	if k == 1 { // "twice" alone
		p.fail(span{start, start + 1}, "twice how often? (twice daily)")
	}
	return false
}

// every reads "every 6 hours", "q6h", "q4-6h", "every other day", "every
// 2 weeks", "q day" … after "every", "each" or "q". It leaves "every Monday"
// to weekdaysPhrase.
func (p *parser) every(f *freq) bool {
	start := p.i
	if weekdayWords[p.word(1)] != nil {
		return false
	}
	k := 1
	set := func(x freq, n int) bool {
		*f = x
		p.i += n
		return true
	}
	switch {
	case p.is(k, "other", "second", "alternate"):
		u := p.word(k + 1)
		switch {
		case dayUnits[u]:
			return set(abbreviations["qod"], k+2)
		case weekUnits[u]:
			return set(freq{weeks: 2}, k+2)
		case monthUnits[u]:
			return set(freq{months: 2}, k+2)
		}
		p.fail(span{start, start + k + 2}, "every other what? (every other day)")
	case dayUnits[p.word(k)]:
		return set(abbreviations["qd"], k+1)
	case weekUnits[p.word(k)]:
		return set(freq{weeks: 1}, k+1)
	case monthUnits[p.word(k)]:
		return set(freq{months: 1}, k+1)
	case hourUnits[p.word(k)]:
		return set(freq{interval: time.Hour}, k+1)
	case p.is(k, "am", "morning"):
		return set(abbreviations["qam"], k+1)
	case p.is(k, "pm", "evening"):
		return set(abbreviations["qpm"], k+1)
	case p.is(k, "hs", "night", "bedtime"):
		return set(abbreviations["qhs"], k+1)
	}
	n, ok := p.intAt(k)
	if !ok {
		if p.is(0, "q") {
			p.fail(span{start, start + 2}, "q what? (q6h, q30min, q2d)")
		}
		if p.is(0, "every") {
			p.fail(span{start, start + 2}, "every what? (every 6 hours, every other day, every Monday)")
		}
		return false
	}
	k++
	// A range: "q4-6h", "every 4 to 6 hours".
	hi := 0
	if p.punct(k, "-") || p.is(k, "to") {
		m, ok := p.intAt(k + 1)
		if !ok {
			p.fail(span{start, start + k + 2}, "a range needs two numbers (q4-6h)")
		}
		hi, k = m, k+2
	}
	u := p.word(k)
	at := span{start, start + k + 1}
	var unit time.Duration
	switch {
	case hourUnits[u]:
		unit = time.Hour
	case minuteUnits[u] || (u == "m" && p.is(0, "q")):
		unit = time.Minute
	case dayUnits[u]:
		unit = 24 * time.Hour
	case weekUnits[u] && hi == 0:
		if n < 1 || n*7 > maxDays {
			p.fail(at, "every %d weeks is out of range", n)
		}
		return set(freq{weeks: n}, k+1)
	case monthUnits[u] && hi == 0:
		if n < 1 || n > maxMonths {
			p.fail(at, "every %d months is out of range", n)
		}
		return set(freq{months: n}, k+1)
	default:
		p.fail(span{start, start + k + 1}, "every %d what? (hours, minutes, days, weeks, months)", n)
	}
	x := freq{interval: p.interval(at, n, unit), inDays: unit == 24*time.Hour}
	if hi != 0 {
		x.intervalMax = p.interval(at, hi, unit)
		if x.intervalMax <= x.interval {
			p.fail(at, "a range runs from the shorter interval to the longer (q4-6h)")
		}
	}
	return set(x, k+1)
}

func (p *parser) interval(at span, n int, unit time.Duration) time.Duration {
	d := time.Duration(n) * unit
	if n < 1 || d < minInterval || d > maxInterval {
		p.fail(at, "interval out of range %v-%d days", minInterval, maxInterval/(24*time.Hour))
	}
	return d
}
