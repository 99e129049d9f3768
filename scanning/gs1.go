package scanning

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GS is ASCII 29, the group separator that stands for FNC1 inside GS1 data.
const GS = '\x1d'

// text is input after normalisation, with the offset in the original input of
// every byte so errors can point at what the user actually scanned or typed.
type text struct {
	s   string
	pos []int // len(s)+1 entries: pos[len(s)] is the end of the input
}

func (t text) at(i int) int {
	if i < 0 {
		return -1
	}
	if i >= len(t.pos) {
		return t.pos[len(t.pos)-1]
	}
	return t.pos[i]
}

func (t text) slice(i, j int) text {
	return text{s: t.s[i:j], pos: t.pos[i : j+1]}
}

// gs1Parser holds what element-string parsing needs beyond the data.
type gs1Parser struct {
	now time.Time
	// trustSeparators is true when the channel is known to transmit every
	// group separator (the decoder, a scanner configured to send one, or
	// data that contain at least one, a leading FNC1 included). Without it,
	// every variable-length field may end before any later element string
	// that reads as valid: all such readings are enumerated (readingWalker).
	trustSeparators bool
	// checked reports whether an AI is one the bedside checks, so that
	// readings differing on it must be refused rather than recorded as
	// uncertain.
	checked func(ai string) bool
}

// Limits of the enumeration of readings: beyond them the data are refused
// as ambiguous, which is the safe answer for a scan that can mean that many
// things.
const (
	maxReadings     = 256
	maxReadingSteps = 20000 // values validated
)

// parseElementString splits a GS1 element string (no symbology identifier, no
// leading separator) into elements and validates every value. When the
// separators cannot be trusted it enumerates every reading the text allows
// (a dropped separator could end any variable-length field early): the
// first reading is returned, the elements on which the readings differ are
// returned as uncertain, and readings that differ on a checked element are
// refused with the conflict named.
func (p gs1Parser) parseElementString(t text) ([]Element, []Uncertain, error) {
	literal, literalErr := p.parseElements(t)
	if p.trustSeparators {
		return literal, nil, literalErr
	}
	r := readingWalker{p: p, t: t}
	r.walk(0, nil)
	switch {
	case r.overflow:
		return nil, nil, &ParseError{Pos: t.at(0), Field: "element string", Err: ErrMissingSeparator,
			Reason: "without group separators the data can be read in too many ways; " + rescanAdvice}
	case len(r.out) == 0:
		// No reading at all: the literal one says best what is wrong.
		if literalErr == nil {
			return nil, nil, &ParseError{Pos: t.at(0), Field: "element string", Err: ErrSyntax, Reason: "no valid reading"}
		}
		return nil, nil, literalErr
	}
	uncertain, conflicts := compareReadings(r.out, p.checked)
	if len(conflicts) > 0 {
		return nil, nil, conflictError(t, r.out, conflicts)
	}
	elems := make([]Element, len(r.out[0]))
	for i, e := range r.out[0] {
		elems[i] = e.Element
	}
	return elems, uncertain, nil
}

// rescanAdvice is what the nurse can do about data a scanner sent without
// its group separators.
const rescanAdvice = "scan the 2D code (DataMatrix) on the pack instead or photograph it with the camera, and have the scanner set to send group separators"

// parseElements reads t literally: a variable-length value runs to the next
// group separator or the end of the data.
func (p gs1Parser) parseElements(t text) ([]Element, error) {
	var out []Element
	seen := make(map[string]bool)
	s := t.s
	i := 0
	for i < len(s) {
		if s[i] == GS {
			// A separator after a predefined-length AI, a doubled one or a
			// trailing one carries no information; skip it.
			i++
			continue
		}
		spec, ok := matchAI(s[i:])
		if !ok {
			return nil, unknownAIError(t, i)
		}
		start := i + len(spec.AI)
		var value string
		next := 0
		if spec.Fixed() {
			n := spec.MaxLen()
			end := start + n
			if gs := strings.IndexByte(s[start:min(end, len(s))], GS); gs >= 0 || end > len(s) {
				got := len(s) - start
				if gs >= 0 {
					got = gs
				}
				return nil, &ParseError{AI: spec.AI, Pos: t.at(start), Err: ErrSyntax,
					Reason: fmt.Sprintf("needs exactly %d characters, found %d", n, got)}
			}
			value = s[start:end]
			next = end
		} else {
			end := strings.IndexByte(s[start:], GS)
			if end < 0 {
				end = len(s)
			} else {
				end += start
			}
			value = s[start:end]
			next = end
			if len(value) > spec.MaxLen() {
				return nil, &ParseError{AI: spec.AI, Pos: t.at(start + spec.MaxLen()), Err: ErrMissingSeparator,
					Reason: fmt.Sprintf("value is %d characters, more than the maximum %d: a group separator is missing",
						len(value), spec.MaxLen())}
			}
		}
		if err := p.validate(spec, value, t.slice(start, start+len(value))); err != nil {
			return nil, err
		}
		if seen[spec.AI] {
			return nil, &ParseError{AI: spec.AI, Pos: t.at(i), Err: ErrDuplicateAI,
				Reason: "occurs more than once"}
		}
		seen[spec.AI] = true
		out = append(out, Element{AI: spec.AI, Title: spec.Title, Value: value})
		i = next
	}
	if len(out) == 0 {
		return nil, &ParseError{Pos: t.at(0), Field: "element string", Err: ErrEmpty, Reason: "no element strings"}
	}
	return out, nil
}

// unknownAIError says that the data at i do not start with an AI, naming
// the digits that look like one.
func unknownAIError(t text, i int) error {
	s := t.s[i:]
	n := 0
	for n < len(s) && n < 4 && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n >= 2 {
		return &ParseError{Pos: t.at(i), Field: "element string", Err: ErrUnknownAI,
			Reason: fmt.Sprintf("%q does not start with a known GS1 Application Identifier (no AI is %s)", preview(s, 6), joinPrefixes(s[:n]))}
	}
	return &ParseError{Pos: t.at(i), Field: "element string", Err: ErrUnknownAI,
		Reason: fmt.Sprintf("%q does not start with a known GS1 Application Identifier", preview(s, 6))}
}

// joinPrefixes lists the 2- to 4-digit prefixes of d: "23, 231 or 2312".
func joinPrefixes(d string) string {
	var parts []string
	for n := 2; n <= len(d); n++ {
		parts = append(parts, d[:n])
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

// readingWalker enumerates the readings of element-string data whose group
// separators may have been dropped: every variable-length field may end at
// its separator (or the end of the data) or earlier, wherever the rest reads
// as valid element strings. Readings are found longest-field-first, so the
// literal reading, when valid, is the first.
type readingWalker struct {
	p        gs1Parser
	t        text
	out      [][]located
	steps    int
	overflow bool
}

// located is an element with the offset of its value in the data.
type located struct {
	Element
	pos int
}

func (r *readingWalker) walk(i int, elems []located) {
	if r.overflow {
		return
	}
	if len(r.out) > maxReadings {
		r.overflow = true
		return
	}
	s := r.t.s
	for i < len(s) && s[i] == GS {
		i++
	}
	if i == len(s) {
		if len(elems) > 0 {
			r.out = append(r.out, slices.Clone(elems))
		}
		return
	}
	spec, ok := matchAI(s[i:])
	if !ok {
		return
	}
	for _, e := range elems {
		if e.AI == spec.AI {
			return // a duplicate AI is no valid reading
		}
	}
	start := i + len(spec.AI)
	limit := len(s)
	if gs := strings.IndexByte(s[start:], GS); gs >= 0 {
		limit = start + gs
	}
	lo, hi := start+spec.MaxLen(), start+spec.MaxLen()
	if !spec.Fixed() {
		lo, hi = start+max(spec.MinLen(), 1), min(limit, start+spec.MaxLen())
	}
	for end := hi; end >= lo; end-- {
		if end > limit {
			continue
		}
		if r.steps++; r.steps > maxReadingSteps {
			r.overflow = true
			return
		}
		value := s[start:end]
		if r.p.validate(spec, value, r.t.slice(start, end)) != nil {
			continue
		}
		r.walk(end, append(elems, located{Element{AI: spec.AI, Title: spec.Title, Value: value}, start}))
	}
}

// Uncertain is an element whose value depends on where a dropped group
// separator was: Values holds each distinct value the readings give, in the
// order of the readings, "" where a reading has no such element.
type Uncertain struct {
	AI     string
	Title  string
	Values []string
}

// compareReadings returns the elements on which the readings differ:
// unchecked ones as uncertain, checked ones as conflicts.
func compareReadings(readings [][]located, checked func(string) bool) (uncertain, conflicts []Uncertain) {
	var ais []string
	for _, r := range readings {
		for _, e := range r {
			if !slices.Contains(ais, e.AI) {
				ais = append(ais, e.AI)
			}
		}
	}
	for _, ai := range ais {
		var values []string
		for _, r := range readings {
			v := ""
			for _, e := range r {
				if e.AI == ai {
					v = e.Value
				}
			}
			if !slices.Contains(values, v) {
				values = append(values, v)
			}
		}
		if len(values) < 2 {
			continue
		}
		u := Uncertain{AI: ai, Title: aiTitle(ai), Values: values}
		if checked != nil && checked(ai) {
			conflicts = append(conflicts, u)
		} else {
			uncertain = append(uncertain, u)
		}
	}
	return uncertain, conflicts
}

// conflictError refuses data whose readings differ on checked elements,
// naming them, their possible values and what to do.
func conflictError(t text, readings [][]located, conflicts []Uncertain) error {
	// Point at the first element of the first reading that another reading
	// splits differently: that is where a separator may have been dropped.
	first := readings[0]
	at, ai := 0, ""
	for k, e := range first {
		same := true
		for _, r := range readings[1:] {
			if k >= len(r) || r[k] != e {
				same = false
				break
			}
		}
		if !same {
			at, ai = e.pos, e.AI
			break
		}
	}
	var parts, names []string
	for _, c := range conflicts {
		vals := make([]string, len(c.Values))
		for i, v := range c.Values {
			if v == "" {
				v = "absent"
			}
			vals[i] = strconv.Quote(v)
			if v == "absent" {
				vals[i] = v
			}
		}
		parts = append(parts, fmt.Sprintf("(%s) %s is %s", c.AI, c.Title, strings.Join(vals, " or ")))
		names = append(names, c.AI)
	}
	return &ParseError{AI: ai, Pos: t.at(at), Err: ErrMissingSeparator, Conflicts: names,
		Reason: fmt.Sprintf("without group separators the data can be read %d ways that differ on what the bedside checks: %s; %s",
			len(readings), strings.Join(parts, "; "), rescanAdvice)}
}

// validate checks a value against its AI's components: length, character
// set and content checks (check digits, dates).
func (p gs1Parser) validate(spec AISpec, value string, t text) error {
	if len(value) < spec.MinLen() {
		return &ParseError{AI: spec.AI, Pos: t.at(0), Err: ErrSyntax,
			Reason: fmt.Sprintf("value %q is shorter than the minimum %d characters", value, spec.MinLen())}
	}
	off := 0
	for ci, c := range spec.components {
		rest := len(value) - off
		if rest == 0 && c.optional {
			break
		}
		n := c.max
		if c.min != c.max || ci == len(spec.components)-1 {
			n = min(rest, c.max)
		}
		if n < c.min || n > rest {
			return &ParseError{AI: spec.AI, Pos: t.at(off), Err: ErrSyntax,
				Reason: fmt.Sprintf("value %q has the wrong length", value)}
		}
		part := value[off : off+n]
		if bad := firstOutside(part, c.cset); bad >= 0 {
			return &ParseError{AI: spec.AI, Pos: t.at(off + bad), Err: ErrSyntax,
				Reason: fmt.Sprintf("character %q is not allowed in %s", part[bad], csetName(c.cset))}
		}
		for _, lint := range c.lints {
			if err := p.lint(lint, part); err != nil {
				sentinel := ErrSyntax
				switch lint {
				case "csum":
					sentinel = ErrCheckDigit
				case "yymmd0", "yymmdd", "yyyymmdd", "hhmm", "yymmddhh", "hh", "mi", "ss":
					sentinel = ErrInvalidDate
				}
				return &ParseError{AI: spec.AI, Pos: t.at(off), Err: sentinel, Reason: err.Error()}
			}
		}
		off += n
	}
	if off != len(value) {
		return &ParseError{AI: spec.AI, Pos: t.at(off), Err: ErrSyntax,
			Reason: fmt.Sprintf("value %q is longer than the maximum %d characters", value, spec.MaxLen())}
	}
	return nil
}

func (p gs1Parser) lint(name, v string) error {
	switch name {
	case "csum":
		if !validMod10(v) {
			return fmt.Errorf("check digit of %s is %c, expected %c", v, v[len(v)-1], mod10CheckDigit(v[:len(v)-1]))
		}
	case "yymmd0":
		_, _, err := parseYYMMDD(v, p.now, true)
		return err
	case "yymmdd":
		_, _, err := parseYYMMDD(v, p.now, false)
		return err
	case "yyyymmdd":
		_, err := parseYYYYMMDD(v)
		return err
	case "hhmm":
		if atoi(v[0:2]) > 23 || atoi(v[2:4]) > 59 {
			return fmt.Errorf("time %q is not HHMM", v)
		}
	case "yymmddhh":
		if _, _, err := parseYYMMDD(v[:6], p.now, false); err != nil {
			return err
		}
		if atoi(v[6:8]) > 23 {
			return fmt.Errorf("hour %s is not 00-23", v[6:8])
		}
	case "hh":
		if atoi(v) > 23 {
			return fmt.Errorf("hour %s is not 00-23", v)
		}
	case "mi", "ss":
		if atoi(v) > 59 {
			return fmt.Errorf("%s is not 00-59", v)
		}
	case "yesno":
		if v != "0" && v != "1" {
			return fmt.Errorf("%q is not 0 (no) or 1 (yes)", v)
		}
	case "hyphen":
		if v != "-" {
			return fmt.Errorf("%q is not \"-\" (below zero)", v)
		}
	case "pcenc":
		for i := 0; i < len(v); i++ {
			if v[i] == '%' && (i+2 >= len(v) || !isHex(v[i+1]) || !isHex(v[i+2])) {
				return fmt.Errorf("%q has a %% not followed by two hex digits", v)
			}
		}
	}
	return nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f'
}

const cset82Chars = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
const cset39Chars = "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
const cset64Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_="

func firstOutside(s string, c charset) int {
	var allowed string
	switch c {
	case csetNumeric:
		allowed = "0123456789"
	case cset82:
		allowed = cset82Chars
	case cset39:
		allowed = cset39Chars
	case cset64:
		allowed = cset64Chars
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(allowed, s[i]) < 0 {
			return i
		}
	}
	return -1
}

func csetName(c charset) string {
	switch c {
	case csetNumeric:
		return "a numeric field"
	case cset39:
		return "GS1 character set 39"
	case cset64:
		return "GS1 character set 64"
	}
	return "GS1 character set 82"
}

// parseHRI reads the human-readable interpretation "(01)0031…(17)270131…"
// (or with square brackets, as zint accepts it). Parentheses are allowed
// inside values, so a new element starts only at a bracket that encloses a
// known AI.
func (p gs1Parser) parseHRI(t text) ([]Element, error) {
	s := t.s
	open := s[0]
	closer := byte(')')
	if open == '[' {
		closer = ']'
	}
	var elems []Element
	seen := make(map[string]bool)
	i := 0
	for i < len(s) {
		ai, n, ok := hriAI(s[i:], open, closer)
		if !ok {
			if end := strings.IndexByte(s[i:min(len(s), i+6)], closer); end >= 3 && isDigits(s[i+1:i+end]) {
				return nil, &ParseError{AI: s[i+1 : i+end], Pos: t.at(i + 1), Err: ErrUnknownAI,
					Reason: "is not a GS1 Application Identifier"}
			}
			return nil, &ParseError{Pos: t.at(i), Field: "HRI", Err: ErrSyntax,
				Reason: fmt.Sprintf("expected %c AI %c at %q", open, closer, preview(s[i:], 8))}
		}
		spec, _ := lookupAI(ai)
		start := i + n
		end := start
		for end < len(s) {
			if _, _, ok := hriAI(s[end:], open, closer); ok {
				break
			}
			end++
		}
		value := s[start:end]
		if len(value) > spec.MaxLen() {
			if at := start + spec.MaxLen(); spec.Fixed() && s[at] == open {
				// "(01)…(23)…": the brackets after a complete value name an AI
				// the table does not know.
				if n := strings.IndexByte(s[at:min(len(s), at+6)], closer); n >= 3 && isDigits(s[at+1:at+n]) {
					return nil, &ParseError{AI: s[at+1 : at+n], Pos: t.at(at + 1), Err: ErrUnknownAI,
						Reason: "is not a GS1 Application Identifier"}
				}
			}
			return nil, &ParseError{AI: ai, Pos: t.at(start), Err: ErrSyntax,
				Reason: fmt.Sprintf("value %q is longer than the maximum %d characters", value, spec.MaxLen())}
		}
		if err := p.validate(spec, value, t.slice(start, end)); err != nil {
			return nil, err
		}
		if seen[ai] {
			return nil, &ParseError{AI: ai, Pos: t.at(i), Err: ErrDuplicateAI, Reason: "occurs more than once"}
		}
		seen[ai] = true
		elems = append(elems, Element{AI: ai, Title: spec.Title, Value: value})
		i = end
	}
	return elems, nil
}

// hriAI reads "(ai)" at the start of s when ai is a known AI.
func hriAI(s string, open, closer byte) (string, int, bool) {
	if len(s) < 4 || s[0] != open {
		return "", 0, false
	}
	end := strings.IndexByte(s[1:min(len(s), 6)], closer)
	if end < 2 {
		return "", 0, false
	}
	ai := s[1 : 1+end]
	if _, ok := lookupAI(ai); !ok || !isDigits(ai) {
		return "", 0, false
	}
	return ai, end + 2, true
}

// canonicalGS1 writes elements as one element string: AI and value, with a
// group separator after every element whose length is not predefined by
// its AI, except the last. This is the form a GS1 symbol encodes, so every
// input form of the same data yields the same string.
func canonicalGS1(elems []Element) string {
	var b strings.Builder
	for i, e := range elems {
		b.WriteString(e.AI)
		b.WriteString(e.Value)
		if spec, _ := lookupAI(e.AI); !spec.Predefined && i < len(elems)-1 {
			b.WriteByte(GS)
		}
	}
	return b.String()
}

// HRI formats elements in the human-readable form "(01)…(17)…".
func HRI(elems []Element) string {
	var b strings.Builder
	for _, e := range elems {
		b.WriteString("(" + e.AI + ")" + e.Value)
	}
	return b.String()
}

// fillGS1 sets the typed fields of c from its elements. The values were
// validated already, so conversion errors cannot happen here.
func fillGS1(c *Code, now time.Time) {
	for _, e := range c.Elements {
		switch e.AI {
		case "01":
			c.GTIN = e.Value
			c.NDC, _ = NDCFromGTIN(e.Value)
		case "17":
			d, zero, _ := parseYYMMDD(e.Value, now, true)
			c.Expiry, c.ExpiryDayZero = &d, zero
		case "11":
			d, _, _ := parseYYMMDD(e.Value, now, true)
			c.ProductionDate = &d
		case "10":
			c.Lot = e.Value
		case "21":
			c.Serial = e.Value
		case "30", "37":
			if c.Quantity == "" {
				c.Quantity = e.Value
			}
		case "8018", "8017":
			c.GSRN = e.Value
		}
	}
}

func preview(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
