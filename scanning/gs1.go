package scanning

import (
	"fmt"
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
	// group separator (the decoder, a scanner configured to send one, or data
	// that contains at least one). Without it, a variable-length field that
	// runs to the end of the data but could end earlier in front of another
	// valid element string is refused as ambiguous.
	trustSeparators bool
}

// parseElementString splits a GS1 element string (no symbology identifier, no
// leading separator) into elements and validates every value.
func (p gs1Parser) parseElementString(t text) ([]Element, error) {
	seen := make(map[string]bool)
	return p.parseElements(t, seen, true)
}

func (p gs1Parser) parseElements(t text, seen map[string]bool, checkAmbiguity bool) ([]Element, error) {
	var out []Element
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
			return nil, &ParseError{Pos: t.at(i), Field: "element string", Err: ErrUnknownAI,
				Reason: fmt.Sprintf("%q does not start with a known GS1 Application Identifier", preview(s[i:], 6))}
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
			if checkAmbiguity && end == len(s) && !p.trustSeparators {
				if split, ai, ok := p.ambiguousSplit(t, spec, start, seen); ok {
					return nil, &ParseError{AI: spec.AI, Pos: t.at(split), Err: ErrMissingSeparator,
						Reason: fmt.Sprintf("variable-length value %q may end before %q, which reads as AI (%s); "+
							"without a group separator the data are ambiguous (configure the scanner to send GS or a substitute)",
							value, preview(s[split:], 12), ai)}
				}
			}
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

// ambiguousSplit looks for a place inside a variable-length value running to
// the end of the data where the rest parses as complete, valid element
// strings: then a dropped separator cannot be ruled out.
func (p gs1Parser) ambiguousSplit(t text, spec AISpec, start int, seen map[string]bool) (int, string, bool) {
	s := t.s
	// The value can end at most MaxLen characters in; beyond that the value
	// is too long anyway and reported as such.
	for split := start + max(spec.MinLen(), 1); split+2 <= len(s) && split <= start+spec.MaxLen(); split++ {
		if p.validate(spec, s[start:split], t.slice(start, split)) != nil {
			continue
		}
		tailSeen := make(map[string]bool, len(seen)+1)
		for k := range seen {
			tailSeen[k] = true
		}
		tailSeen[spec.AI] = true
		tail := t.slice(split, len(s))
		if elems, err := p.parseElements(tail, tailSeen, false); err == nil {
			return split, elems[0].AI, true
		}
	}
	return 0, "", false
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
				case "yymmd0", "yymmdd", "yyyymmdd", "hhmm", "yymmddhh":
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
