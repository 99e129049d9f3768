package schedules

// Phrase readers for amounts and lengths: PRN, maxima, durations, doses.
// Each reads at p.i and advances past what it read, returns false without
// moving when the phrase is not there, or fails naming the part.

import (
	"math"
	"strconv"
	"time"
)

// prnPhrase reads PRN, "as needed", "when required" …
func (p *parser) prnPhrase() bool {
	n := 0
	switch {
	case p.is(0, "prn"):
		n = 1
	case p.is(0, "as") && p.is(1, "needed", "required", "necessary"),
		p.is(0, "when", "if") && p.is(1, "needed", "required", "necessary"):
		n = 2
	}
	p.i += n
	return n > 0
}

var dayUnits = map[string]bool{"d": true, "day": true, "days": true}
var weekUnits = map[string]bool{"w": true, "wk": true, "wks": true, "week": true, "weeks": true}
var hourUnits = map[string]bool{"h": true, "hr": true, "hrs": true, "hour": true, "hours": true}
var minuteUnits = map[string]bool{"min": true, "mins": true, "minute": true, "minutes": true}
var monthUnits = map[string]bool{"mo": true, "mos": true, "month": true, "months": true}
var doseWords = map[string]bool{"dose": true, "doses": true, "time": true, "times": true, "x": true}

// limitPhrase reads "max 4/24h", "max 3 g per day", "not more than 6 doses in 24 hours".
func (p *parser) limitPhrase(c *component) bool {
	n := 0
	switch {
	case p.is(0, "max", "maximum", "nte"):
		n = 1
	case p.seq(0, "up", "to"):
		n = 2
	case p.seq(0, "no", "more", "than"), p.seq(0, "not", "more", "than"),
		p.seq(0, "not", "to", "exceed"), p.seq(0, "do", "not", "exceed"):
		n = 3
	default:
		return false
	}
	start := p.i
	p.i += n
	if p.punct(0, ":") || p.is(0, "of") {
		p.i++
	}
	t := p.tok(0)
	if t.kind != tokNum || t.num <= 0 {
		p.fail(span{start, p.i + 1}, "a maximum needs a number (max 4/24h, max 3 g/24h)")
	}
	p.i++
	l := limit{}
	switch {
	case doseWords[p.word(0)]:
		p.i++
		if t.num != math.Trunc(t.num) || t.num > maxCount {
			p.fail(span{start, p.i}, "a number of doses is a whole number up to %d", maxCount)
		}
		l.doses = int(t.num)
	case doseUnit(p.word(0)) != "":
		if t.num > 1e9 {
			p.fail(span{start, p.i + 1}, "amount out of range")
		}
		l.amount, l.unit = t.num, doseUnit(p.word(0))
		p.i++
	default:
		if t.num != math.Trunc(t.num) || t.num > maxCount {
			p.fail(span{start, p.i}, "a number of doses is a whole number up to %d; for an amount name its unit", maxCount)
		}
		l.doses = int(t.num)
	}
	per, ok := p.perPhrase()
	if !ok {
		p.fail(span{start, p.i}, "say per how long (max 4/24h, max 3 g per day)")
	}
	l.per = per
	c.limit = l
	return true
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// perPhrase reads the period of a maximum: "/24h", "per day", "in 24 hours", "daily".
func (p *parser) perPhrase() (time.Duration, bool) {
	if p.is(0, "daily") {
		p.i++
		return 24 * time.Hour, true
	}
	if !(p.punct(0, "/") || p.is(0, "per", "in", "a", "every", "each", "q")) {
		return 0, false
	}
	k := 1
	n := 1
	if v, ok := p.intAt(k); ok {
		n, k = v, k+1
	}
	unit := p.word(k)
	var d time.Duration
	switch {
	case hourUnits[unit]:
		d = time.Duration(n) * time.Hour
	case dayUnits[unit]:
		d = time.Duration(n) * 24 * time.Hour
	case weekUnits[unit]:
		d = time.Duration(n) * 7 * 24 * time.Hour
	case minuteUnits[unit]:
		d = time.Duration(n) * time.Minute
	default:
		return 0, false
	}
	if n < 1 || d > maxInterval {
		p.fail(span{p.i, p.i + k + 1}, "period out of range")
	}
	p.i += k + 1
	return d, true
}

// durationPhrase reads "for 7 days", "x 3 days", "x 5 doses", "for 2 weeks", "5 doses".
func (p *parser) durationPhrase(c *component) bool {
	k := 0
	lead := p.is(0, "for", "x")
	if lead {
		k = 1
	}
	n, ok := p.intAt(k)
	if !ok && p.is(0, "for") && p.is(1, "a", "an") {
		n, ok = 1, true
	}
	if !ok {
		return false
	}
	unit := p.word(k + 1)
	start := p.i
	at := span{start, p.i + k + 2}
	switch {
	case !lead && !(unit == "dose" || unit == "doses"):
		return false
	case unit == "dose" || unit == "doses" || (lead && (unit == "times" || unit == "administrations")):
		if n < 1 || n > maxCount {
			p.fail(at, "number of doses out of range 1-%d", maxCount)
		}
		c.kind, c.count = compCount, n
	case dayUnits[unit] || weekUnits[unit]:
		days := n
		if weekUnits[unit] {
			days *= 7
		}
		if days < 1 || days > maxDays {
			p.fail(at, "duration out of range 1-%d days", maxDays)
		}
		c.kind, c.dur, c.durDays = compDuration, time.Duration(days)*24*time.Hour, true
	case hourUnits[unit] || minuteUnits[unit]:
		d := time.Duration(n) * time.Hour
		if minuteUnits[unit] {
			d = time.Duration(n) * time.Minute
		}
		if d < time.Minute || d > maxDays*24*time.Hour {
			p.fail(at, "duration out of range")
		}
		c.kind, c.dur = compDuration, d
	case monthUnits[unit]:
		p.fail(at, "give a duration in days or weeks; months differ in length")
	case p.is(0, "x") && n == 1:
		// "x1" alone: one dose.
		c.kind, c.count = compCount, 1
		p.i += 2
		return true
	case p.is(0, "x"):
		p.fail(span{start, start + 2}, "x %d what? say doses or days (x %d doses, x %d days)", n, n, n)
	case p.is(0, "for"):
		p.fail(span{start, start + 2}, "for %d what? say days, weeks, hours or doses", n)
	default:
		return false
	}
	p.i += k + 2
	return true
}

// doseUnits maps the spellings of dose units to one form.
var doseUnits = map[string]string{
	"mg": "mg", "mgs": "mg", "milligram": "mg", "milligrams": "mg",
	"mcg": "mcg", "ug": "mcg", "microgram": "mcg", "micrograms": "mcg",
	"g": "g", "gm": "g", "gram": "g", "grams": "g", "ng": "ng",
	"ml": "mL", "mls": "mL", "millilitre": "mL", "millilitres": "mL", "milliliter": "mL", "milliliters": "mL",
	"l": "L", "unit": "units", "units": "units", "iu": "IU", "meq": "mEq", "mmol": "mmol",
	"tab": "tab", "tabs": "tab", "tablet": "tab", "tablets": "tab",
	"cap": "cap", "caps": "cap", "capsule": "cap", "capsules": "cap",
	"puff": "puff", "puffs": "puff", "drop": "drop", "drops": "drop", "gtt": "drop", "gtts": "drop",
	"spray": "spray", "sprays": "spray", "patch": "patch", "patches": "patch",
	"supp": "supp", "supps": "supp", "suppository": "supp", "suppositories": "supp",
	"sachet": "sachet", "sachets": "sachet", "vial": "vial", "vials": "vial",
	"application": "application", "applications": "application",
}

func doseUnit(w string) string { return doseUnits[w] }

// dosePhrase reads a taper step's dose: "40 mg", "1/2 tab", "0.5 mL".
func (p *parser) dosePhrase(c *component) bool {
	t := p.tok(0)
	if t.kind != tokNum {
		return false
	}
	amount := strconv.FormatFloat(t.num, 'f', -1, 64)
	k := 1
	if p.punct(1, "/") {
		d := p.tok(2)
		if d.kind != tokNum || d.num == 0 || doseUnit(p.word(3)) == "" {
			return false
		}
		amount += "/" + strconv.FormatFloat(d.num, 'f', -1, 64)
		k = 3
	}
	u := doseUnit(p.word(k))
	if u == "" {
		return false
	}
	if t.num <= 0 || t.num > 1e9 {
		p.fail(span{p.i, p.i + k + 1}, "dose out of range")
	}
	c.dose = amount + " " + u
	p.i += k + 1
	return true
}
