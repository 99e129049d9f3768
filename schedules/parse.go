package schedules

import (
	"fmt"
	"math"
	"slices"
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
