package schedules

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The lexer turns frequency text into words, numbers, clock times and
// punctuation, remembering where each came from so errors can quote it.
// It is deliberately forgiving about spelling: case is folded, dots inside
// abbreviations vanish ("b.i.d." is "bid"), and letters and digits written
// together are split ("q6h" is q, 6, h; "8am" is 8, am).

type tokKind int

const (
	tokWord  tokKind = iota // lower-case letters, dots removed
	tokNum                  // a decimal number
	tokClock                // H:MM or HH:MM
	tokPunct                // one of , ; / + - ( ) :
)

type token struct {
	kind     tokKind
	text     string  // word or punctuation, normalised
	num      float64 // tokNum
	digits   string  // tokNum as written, for 4-digit military times
	hour     int     // tokClock
	minute   int     // tokClock
	pos, end int     // byte offsets into the input
}

// lexError is text the lexer cannot read.
type lexError struct {
	pos, end int
	reason   string
}

func lex(s string) ([]token, *lexError) {
	var toks []token
	i := 0
	add := func(t token) { toks = append(toks, t) }
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return nil, &lexError{i, i + 1, "not valid UTF-8"}
		case unicode.IsSpace(r):
			i += size
		case r == '.' && i+1 < len(s) && isDigit(s[i+1]):
			// ".5" is a classic tenfold-error hazard (ISMP): never read it as 5.
			return nil, &lexError{i, i + 2, "write a leading zero (0.5), not .5"}
		case r == '.':
			// A full stop on its own ("BID.") says nothing.
			i += size
		case isLetter(r):
			j := i
			for j < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[j:])
				if !isLetter(r2) && r2 != '.' && !(r2 >= '0' && r2 <= '9') {
					break
				}
				j += sz
			}
			for _, t := range splitAlnum(s, i, j) {
				add(t)
			}
			i = j
		case r >= '0' && r <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			// H:MM clock time.
			if j < len(s) && s[j] == ':' && j+3 <= len(s) && isDigit(s[j+1]) && isDigit(s[j+2]) && j-i <= 2 {
				h, _ := strconv.Atoi(s[i:j])
				m, _ := strconv.Atoi(s[j+1 : j+3])
				end := j + 3
				// Tolerate FHIR's seconds ("08:00:00") when they are zero.
				if end+3 <= len(s) && s[end] == ':' && s[end+1] == '0' && s[end+2] == '0' {
					end += 3
				}
				add(token{kind: tokClock, hour: h, minute: m, text: s[i:end], pos: i, end: end})
				i = end
				continue
			}
			// Decimal fraction.
			if j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
				j++
				for j < len(s) && isDigit(s[j]) {
					j++
				}
			}
			f, err := strconv.ParseFloat(s[i:j], 64)
			if err != nil {
				return nil, &lexError{i, j, "not a number"}
			}
			add(token{kind: tokNum, num: f, digits: s[i:j], text: s[i:j], pos: i, end: j})
			i = j
		default:
			t := token{kind: tokPunct, pos: i, end: i + size}
			switch r {
			case ',', ';', '/', '+', '-', '(', ')', ':':
				t.text = string(r)
			case '–', '—': // dashes typed by word processors
				t.text = "-"
			case '&':
				t.kind, t.text = tokWord, "and"
			case '@':
				t.kind, t.text = tokWord, "at"
			case '×':
				t.kind, t.text = tokWord, "x"
			default:
				return nil, &lexError{i, i + size, "unexpected character"}
			}
			add(t)
			i += size
		}
	}
	return toks, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isLetter(r rune) bool { return unicode.IsLetter(r) || r == 'µ' }

// splitAlnum splits s[i:j], a run of letters, digits and dots, into words
// and numbers. Dots between letters are dropped; a dot between digits is a
// decimal point.
func splitAlnum(s string, i, j int) []token {
	var out []token
	k := i
	for k < j {
		if isDigit(s[k]) {
			e := k
			for e < j && isDigit(s[e]) {
				e++
			}
			if e+1 < j && s[e] == '.' && isDigit(s[e+1]) {
				e++
				for e < j && isDigit(s[e]) {
					e++
				}
			}
			f, _ := strconv.ParseFloat(s[k:e], 64)
			out = append(out, token{kind: tokNum, num: f, digits: s[k:e], text: s[k:e], pos: k, end: e})
			k = e
			continue
		}
		if s[k] == '.' {
			k++
			continue
		}
		var b strings.Builder
		e := k
		for e < j {
			r, sz := utf8.DecodeRuneInString(s[e:])
			if isDigit(s[e]) || (r != '.' && !isLetter(r)) {
				break
			}
			if r != '.' {
				if r == 'µ' || r == 'μ' {
					r = 'u'
				}
				b.WriteRune(unicode.ToLower(r))
			}
			e += sz
		}
		// Trailing dots belong to the word ("b.i.d."), not to what follows.
		end := e
		for end > k && s[end-1] == '.' {
			end--
		}
		out = append(out, token{kind: tokWord, text: b.String(), pos: k, end: end})
		k = e
	}
	return out
}
