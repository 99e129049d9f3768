package schedules

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// ParseError says which part of a frequency could not be understood and why.
type ParseError struct {
	Text   string // the whole input
	Pos    int    // byte offset of Part in Text
	Part   string // the part not understood; "" when something is missing at the end
	Reason string
}

func (e *ParseError) Error() string {
	if e.Part == "" {
		return fmt.Sprintf("schedules: frequency %q: %s", e.Text, e.Reason)
	}
	return fmt.Sprintf("schedules: frequency %q: cannot understand %q (at byte %d): %s", e.Text, e.Part, e.Pos, e.Reason)
}

// Parse reads a frequency in the language described in the package
// documentation. Abbreviations without clock times take the unit's default
// times from d. Anything it cannot read is a *ParseError naming the part:
// Parse never guesses.
func Parse(text string, d Defaults) (r Rule, err error) {
	p := &parser{text: text, d: d}
	defer func() {
		if e := recover(); e != nil {
			pe, ok := e.(*ParseError)
			if !ok {
				panic(e)
			}
			r, err = Rule{}, pe
		}
	}()
	toks, lerr := lex(text)
	if lerr != nil {
		return Rule{}, &ParseError{Text: text, Pos: lerr.pos, Part: text[lerr.pos:lerr.end], Reason: lerr.reason}
	}
	if len(toks) == 0 {
		return Rule{}, &ParseError{Text: text, Reason: "empty frequency"}
	}
	p.toks = toks
	r = p.rule()
	if err := r.validate(false); err != nil {
		return Rule{}, &ParseError{Text: text, Reason: err.Error()}
	}
	r.Text = r.String()
	return r, nil
}

// MustParse is Parse for tests and literals known to be good; it panics on error.
func MustParse(text string) Rule {
	r, err := Parse(text, Defaults{})
	if err != nil {
		panic(err)
	}
	return r
}

type parser struct {
	text string
	d    Defaults
	toks []token
	i    int // next token
	end  int // end of the segment being parsed
}

// span is a run of tokens [from, to), for error messages.
type span struct{ from, to int }

func (p *parser) fail(s span, format string, args ...any) {
	e := &ParseError{Text: p.text, Reason: fmt.Sprintf(format, args...)}
	if s.from < len(p.toks) {
		to := max(min(s.to, len(p.toks)), s.from+1)
		e.Pos = p.toks[s.from].pos
		e.Part = p.text[e.Pos:p.toks[to-1].end]
	} else {
		e.Pos = len(p.text)
	}
	panic(e)
}

// tok returns the token k places ahead, or a zero token past the segment.
func (p *parser) tok(k int) token {
	if j := p.i + k; j >= 0 && j < p.end {
		return p.toks[j]
	}
	return token{kind: -1}
}

func (p *parser) word(k int) string {
	if t := p.tok(k); t.kind == tokWord {
		return t.text
	}
	return ""
}

func (p *parser) punct(k int, c string) bool {
	t := p.tok(k)
	return t.kind == tokPunct && t.text == c
}

func (p *parser) is(k int, words ...string) bool {
	w := p.word(k)
	return w != "" && slices.Contains(words, w)
}

// seq reports whether the words follow one another from k on.
func (p *parser) seq(k int, words ...string) bool {
	for j, w := range words {
		if p.word(k+j) != w {
			return false
		}
	}
	return true
}

var numberWords = map[string]int{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
	"fourteen": 14, "twenty": 20, "thirty": 30,
}

// intAt reads a whole number (digits or a word) k places ahead.
func (p *parser) intAt(k int) (int, bool) {
	t := p.tok(k)
	switch t.kind {
	case tokNum:
		if t.num != math.Trunc(t.num) || t.num < 0 || t.num > 1e6 {
			return 0, false
		}
		return int(t.num), true
	case tokWord:
		n, ok := numberWords[t.text]
		return n, ok
	}
	return 0, false
}

// --- rule structure ---------------------------------------------------------

// rule splits the text into taper steps at "then" and builds the rule.
func (p *parser) rule() Rule {
	var segs []span
	from := 0
	for j := 0; j < len(p.toks); j++ {
		t := p.toks[j]
		n := 0
		switch {
		case t.kind == tokWord && t.text == "then":
			n = 1
		case t.kind == tokWord && t.text == "followed" && j+1 < len(p.toks) && p.toks[j+1].text == "by":
			n = 2
		}
		if n == 0 {
			continue
		}
		to := j
		// ", then" and "; then": the punctuation belongs to the boundary.
		if to > from && p.toks[to-1].kind == tokPunct && (p.toks[to-1].text == "," || p.toks[to-1].text == ";") {
			to--
		}
		segs = append(segs, span{from, to})
		from = j + n
		j += n - 1
	}
	segs = append(segs, span{from, len(p.toks)})
	for _, s := range segs {
		if s.from >= s.to {
			p.fail(span{s.from, s.from + 1}, "an empty taper step")
		}
	}
	if len(segs) == 1 {
		return p.single(p.clauses(segs[0]))
	}
	r := Rule{Kind: KindTaper}
	for k, s := range segs {
		r.Steps = append(r.Steps, p.step(s, k == len(segs)-1))
	}
	if len(r.Steps) > maxSteps {
		p.fail(segs[maxSteps], "a taper has at most %d steps", maxSteps)
	}
	return r
}

// clause is the parts of a segment that belong together: a schedule, or a
// PRN with its limits. "BID and PRN q4h" has two clauses.
type clause struct {
	span
	freq     *freq
	times    []ClockTime
	timesAt  span
	weekdays []time.Weekday
	daysAt   span
	dom      int
	domAt    span
	prn      bool
	prnAt    span
	limits   []limit
	dur      time.Duration
	durDays  bool // the duration was given in days or weeks
	durAt    span
	count    int
	countAt  span
	dose     string
	doseAt   span
}

func (c *clause) hasSchedule() bool {
	return c.freq != nil || c.times != nil || c.weekdays != nil || c.dom != 0 || c.prn
}

// freq is a frequency phrase.
type freq struct {
	at          span
	key         string        // Defaults key for default times ("BID"); "" = none
	perDay      int           // doses a day the phrase promises (BID = 2); 0 = not checked
	everyN      int           // every N calendar days (QOD = 2)
	weeks       int           // weekly (1) or every N weeks
	months      int           // monthly (1) or every N months
	interval    time.Duration // elapsed interval; or a range's lower bound
	intervalMax time.Duration // a range's upper bound ("q4-6h"); PRN only
	inDays      bool          // interval written in days: fixed "every N days" once times are named
	once, stat  bool
}

type limit struct {
	at     span
	doses  int
	amount float64
	unit   string
	per    time.Duration
}

// clauses reads the components of one segment, starting a new clause when a
// connective ("and", "+", "plus", ";") introduces a second frequency or PRN.
func (p *parser) clauses(s span) []*clause {
	p.i, p.end = s.from, s.to
	cur := &clause{span: span{s.from, s.from}}
	cls := []*clause{cur}
	joined := false
	for p.i < p.end {
		if p.is(0, "and", "plus") || p.punct(0, "+") || p.punct(0, ";") {
			joined = true
			p.i++
			continue
		}
		if p.punct(0, ",") || p.punct(0, "(") || p.punct(0, ")") {
			p.i++
			continue
		}
		start := p.i
		c := p.component()
		if joined && (c.kind == compFreq || c.kind == compPRN) && cur.hasSchedule() {
			cur = &clause{span: span{start, start}}
			cls = append(cls, cur)
		}
		joined = false
		cur.add(p, c)
		cur.to = p.i
	}
	return cls
}

type compKind int

const (
	compFreq compKind = iota
	compPRN
	compLimit
	compDuration
	compCount
	compDose
	compTimes
	compDays
	compDOM
)

type component struct {
	kind     compKind
	at       span
	freq     freq
	limit    limit
	dur      time.Duration
	durDays  bool
	count    int
	dose     string
	times    []ClockTime
	weekdays []time.Weekday
	dom      int
}

func (c *clause) add(p *parser, x component) {
	switch x.kind {
	case compFreq:
		if c.freq != nil {
			p.fail(x.at, "a second frequency; %q already says how often", p.partText(c.freq.at))
		}
		f := x.freq
		c.freq = &f
	case compPRN:
		if c.prn {
			p.fail(x.at, "PRN said twice")
		}
		c.prn, c.prnAt = true, x.at
	case compLimit:
		c.limits = append(c.limits, x.limit)
	case compDuration:
		if c.dur != 0 {
			p.fail(x.at, "a second duration")
		}
		c.dur, c.durDays, c.durAt = x.dur, x.durDays, x.at
	case compCount:
		if c.count != 0 {
			p.fail(x.at, "a second number of doses")
		}
		c.count, c.countAt = x.count, x.at
	case compDose:
		if c.dose != "" {
			p.fail(x.at, "a second dose")
		}
		c.dose, c.doseAt = x.dose, x.at
	case compTimes:
		for _, t := range x.times {
			if slices.Contains(c.times, t) {
				p.fail(x.at, "time %s given twice", t)
			}
		}
		if c.times == nil {
			c.timesAt = x.at
		} else {
			c.timesAt.to = x.at.to
		}
		c.times = append(c.times, x.times...)
	case compDays:
		if c.weekdays != nil {
			p.fail(x.at, "weekdays given twice")
		}
		c.weekdays, c.daysAt = x.weekdays, x.at
	case compDOM:
		if c.dom != 0 {
			p.fail(x.at, "a second day of the month")
		}
		c.dom, c.domAt = x.dom, x.at
	}
}

func (p *parser) partText(s span) string {
	return p.text[p.toks[s.from].pos:p.toks[s.to-1].end]
}

// component reads the next phrase of any kind, or fails naming the token.
func (p *parser) component() component {
	start := p.i
	var c component
	ok := false
	switch {
	case p.prnPhrase():
		c, ok = component{kind: compPRN}, true
	case p.limitPhrase(&c):
		c.kind, ok = compLimit, true
	case p.durationPhrase(&c):
		ok = true
	case p.freqPhrase(&c.freq):
		c.kind, ok = compFreq, true
	case p.dosePhrase(&c):
		c.kind, ok = compDose, true
	case p.timesPhrase(&c):
		c.kind, ok = compTimes, true
	case p.weekdaysPhrase(&c):
		c.kind, ok = compDays, true
	case p.domPhrase(&c):
		c.kind, ok = compDOM, true
	}
	if !ok {
		p.fail(span{start, start + 1}, "not a frequency (BID, q6h, every 8 hours), clock time (08:00), weekday, duration (for 7 days, x 5 doses) or PRN term")
	}
	c.at = span{start, p.i}
	c.freq.at = c.at
	c.limit.at = c.at
	return c
}

// --- assembling rules -------------------------------------------------------

// single builds a non-taper rule: a schedule, a PRN, or a schedule with PRN.
func (p *parser) single(cls []*clause) Rule {
	var sched, prn *clause
	for _, c := range cls {
		switch {
		case c.prn && prn != nil:
			p.fail(c.prnAt, "a second PRN part")
		case c.prn:
			prn = c
		case sched != nil:
			p.fail(c.span, "a second schedule; write all the times in one (e.g. daily at 08:00, 21:00)")
		default:
			sched = c
		}
	}
	var dur, cnt *clause
	for _, c := range cls {
		if c.dose != "" {
			p.fail(c.doseAt, "the dose belongs to the order; only taper steps (\"40 mg daily for 3 days, then 20 mg daily\") carry their own dose")
		}
		if c.dur != 0 {
			if dur != nil {
				p.fail(c.durAt, "a second duration")
			}
			dur = c
		}
		if c.count != 0 {
			if cnt != nil {
				p.fail(c.countAt, "a second number of doses")
			}
			cnt = c
		}
	}
	var r Rule
	if sched != nil {
		if len(sched.limits) > 0 {
			p.fail(sched.limits[0].at, "a maximum applies to PRN doses; add PRN")
		}
		r = p.schedule(sched)
	}
	if prn != nil {
		lim := p.prnLimits(prn)
		if sched == nil {
			r = Rule{Kind: KindPRN}
		}
		r.PRN = lim
	}
	if dur != nil {
		if r.Kind == KindOnce {
			p.fail(dur.durAt, "a one-time dose has no duration")
		}
		r.Duration = dur.dur
	}
	if cnt != nil {
		switch {
		case r.Kind == KindOnce && cnt.count == 1:
			// "STAT x1" says nothing new.
		case r.Kind == KindOnce:
			p.fail(cnt.countAt, "a one-time dose is one dose")
		default:
			r.Count = cnt.count
		}
	}
	return r
}

// step builds one taper step from a segment.
func (p *parser) step(s span, last bool) Step {
	cls := p.clauses(s)
	if len(cls) > 1 {
		p.fail(cls[1].span, "a taper step has one schedule")
	}
	c := cls[0]
	if c.prn {
		p.fail(c.prnAt, "a taper step cannot be PRN")
	}
	if len(c.limits) > 0 {
		p.fail(c.limits[0].at, "a maximum applies to PRN doses")
	}
	st := Step{Dose: c.dose, Count: c.count, Rule: p.schedule(c)}
	if st.Rule.Kind == KindOnce {
		p.fail(c.freq.at, "a one-time dose cannot be a taper step; order it separately")
	}
	st.Rule.Text = st.Rule.String()
	if c.dur != 0 {
		if !c.durDays {
			p.fail(c.durAt, "a taper step lasts whole days or a number of doses")
		}
		if c.count != 0 {
			p.fail(c.countAt, "a taper step lasts days or doses, not both")
		}
		st.Days = int(c.dur / (24 * time.Hour))
	}
	if st.Days == 0 && st.Count == 0 && !last {
		p.fail(span{s.to - 1, s.to}, "each taper step but the last needs \"for N days\" or \"x N doses\"")
	}
	return st
}

// defaults looks up a unit's default times for an abbreviation and checks
// that they agree with what the abbreviation promises.
func (p *parser) defaults(at span, key string, perDay int) []ClockTime {
	ts, ok := p.d.Lookup(key)
	if !ok {
		p.fail(at, "the unit has no default times for %s; name the times (at 08:00, 20:00)", key)
	}
	if want, ok := perDayOf[key]; ok && perDay == 0 {
		perDay = want
	}
	if perDay > 0 && len(ts) != perDay {
		p.fail(at, "the unit's default times for %s are %d, want %d", key, len(ts), perDay)
	}
	for _, t := range ts {
		if !t.Valid() {
			p.fail(at, "the unit's default time %v for %s is not a time of day", t, key)
		}
	}
	return ts
}

// schedule builds the scheduled part of a clause.
func (p *parser) schedule(c *clause) Rule {
	f := c.freq
	times := normTimes(c.times)
	if len(times) == 0 {
		times = nil
	}
	noDays := func(why string) {
		if c.weekdays != nil {
			p.fail(c.daysAt, "%s cannot fall on named weekdays", why)
		}
		if c.dom != 0 {
			p.fail(c.domAt, "%s cannot fall on a day of the month", why)
		}
	}
	fixed := Rule{Kind: KindFixed, Times: times, Weekdays: c.weekdays}
	orDefault := func(key string) {
		if fixed.Times == nil {
			fixed.Times = p.defaults(f.at, key, 0)
		}
	}
	switch {
	case f == nil:
		switch {
		case c.dom != 0:
			if c.weekdays != nil {
				p.fail(c.daysAt, "a monthly day cannot also fall on named weekdays")
			}
			fixed.EveryNMonths, fixed.DayOfMonth = 1, c.dom
			if fixed.Times == nil {
				fixed.Times = p.defaults(c.domAt, "MONTHLY", 0)
			}
		case c.weekdays != nil:
			if fixed.Times == nil {
				fixed.Times = p.defaults(c.daysAt, "WEEKLY", 0)
			}
		case times == nil:
			p.fail(c.span, "no frequency: say how often (daily, BID, q6h, at 08:00)")
		}
		return fixed
	case f.once:
		noDays("a one-time dose")
		if len(times) > 1 {
			p.fail(c.timesAt, "a one-time dose has one time")
		}
		if f.stat && times != nil {
			p.fail(c.timesAt, "a STAT or NOW dose is due at the order start, not at a clock time")
		}
		return Rule{Kind: KindOnce, Stat: f.stat, Times: times}
	case f.intervalMax > 0:
		p.fail(f.at, "a range of intervals only makes sense for PRN; give one interval or add PRN")
	case f.interval > 0 && f.inDays && times != nil:
		noDays("every N days")
		if n := int(f.interval / (24 * time.Hour)); n > 1 {
			fixed.EveryNDays = n
		}
		return fixed
	case f.interval > 0:
		if times != nil {
			p.fail(c.timesAt, "an interval counts from the order start; for clock times write them alone (08:00, 14:00, 20:00)")
		}
		noDays("an interval")
		return Rule{Kind: KindInterval, Interval: f.interval}
	case f.months > 0:
		if c.weekdays != nil {
			p.fail(c.daysAt, "a monthly dose cannot also fall on named weekdays")
		}
		fixed.EveryNMonths, fixed.DayOfMonth = f.months, c.dom
		orDefault("MONTHLY")
		return fixed
	case f.weeks > 0:
		if c.dom != 0 {
			p.fail(c.domAt, "a weekly dose cannot fall on a day of the month")
		}
		if c.weekdays != nil && f.weeks > 1 {
			p.fail(c.daysAt, "every %d weeks on named days is not supported", f.weeks)
		}
		if c.weekdays == nil {
			fixed.EveryNDays = 7 * f.weeks
		}
		orDefault("WEEKLY")
		return fixed
	case f.everyN > 1:
		noDays("every other day")
		fixed.EveryNDays = f.everyN
		orDefault(f.key)
		return fixed
	}
	// A doses-per-day abbreviation: BID, TID, QHS, 5 times daily …
	if c.dom != 0 {
		p.fail(c.domAt, "%s cannot fall on a day of the month; say monthly", p.partText(f.at))
	}
	if times != nil {
		if f.perDay > 0 && len(times) != f.perDay {
			p.fail(c.timesAt, "%s is %d %s a day, but %d %s named", p.partText(f.at), f.perDay, plural(f.perDay, "dose", "doses"), len(times), plural(len(times), "time is", "times are"))
		}
		return fixed
	}
	if f.key == "" {
		p.fail(f.at, "no default times for %s; name the times (at 06:00, 10:00, …)", p.partText(f.at))
	}
	fixed.Times = p.defaults(f.at, f.key, f.perDay)
	return fixed
}

// prnLimits builds the PRN part of a clause: "q4h PRN" sets the minimum
// interval, "BID PRN" allows 2 doses per 24 h, "max …" sets the maxima.
func (p *parser) prnLimits(c *clause) *PRN {
	if c.times != nil {
		p.fail(c.timesAt, "PRN doses have no clock times")
	}
	if c.weekdays != nil {
		p.fail(c.daysAt, "PRN doses have no weekdays")
	}
	if c.dom != 0 {
		p.fail(c.domAt, "PRN doses have no day of the month")
	}
	out := &PRN{Per: 24 * time.Hour}
	perSet := false
	if f := c.freq; f != nil {
		switch {
		case f.once:
			p.fail(f.at, "a one-time dose cannot be PRN")
		case f.months > 0:
			p.fail(f.at, "monthly PRN is not supported; give a maximum (max 1/30d)")
		case f.interval > 0 && !f.inDays:
			// "q4-6h PRN": no sooner than the shorter interval.
			out.MinInterval = f.interval
		case f.interval > 0:
			out.MinInterval = f.interval
		case f.weeks > 0:
			out.MaxDoses, out.Per, perSet = 1, time.Duration(f.weeks)*7*24*time.Hour, true
		case f.everyN > 1:
			out.MaxDoses, out.Per, perSet = 1, time.Duration(f.everyN)*24*time.Hour, true
		default:
			n := f.perDay
			if n == 0 {
				n = len(p.defaults(f.at, f.key, 0))
			}
			out.MaxDoses, perSet = n, true
		}
	}
	doses, amount := false, false
	for _, l := range c.limits {
		if perSet && l.per != out.Per {
			p.fail(l.at, "the maximum's period differs from the frequency's (%s)", spanShort(out.Per))
		}
		out.Per, perSet = l.per, true
		switch {
		case l.doses > 0 && doses:
			p.fail(l.at, "a second maximum number of doses")
		case l.doses > 0 && out.MaxDoses > 0 && out.MaxDoses != l.doses:
			p.fail(l.at, "%s allows %d doses, but the maximum says %d", p.partText(c.freq.at), out.MaxDoses, l.doses)
		case l.doses > 0:
			out.MaxDoses, doses = l.doses, true
		case amount:
			p.fail(l.at, "a second maximum amount")
		default:
			out.MaxAmount, out.MaxAmountUnit, amount = l.amount, l.unit, true
		}
	}
	return out
}

// --- phrases ----------------------------------------------------------------

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
	case p.seq(0, "before", "meals"):
		return set(abbreviations["ac"], 2)
	case p.seq(0, "after", "meals"):
		return set(abbreviations["pc"], 2)
	case p.seq(0, "with", "meals"):
		return set(freq{key: "C", perDay: 3}, 2)
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
