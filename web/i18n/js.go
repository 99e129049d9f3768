package i18n

import (
	"regexp"
	"strings"
)

// The pages' scripts write every word a person reads as t('English
// words', {name: value}): t is emar.t, which looks the words up in the
// dictionary the server put in the page. The functions here find those
// texts, and the string literals that look like words but are not
// wrapped in t(), for the completeness test and the start-up check.

// JSLiteral is a string literal of a script.
type JSLiteral struct {
	Line       int
	Text       string
	Translated bool // the literal is t()'s first argument
	Template   bool // a `template literal` with ${…}
}

// JSLiterals lists the string literals of a script, skipping comments
// and regular expressions written where a value is expected.
func JSLiterals(src string) []JSLiteral {
	var out []JSLiteral
	line := 1
	i := 0
	prevSig := byte('(') // the last significant character before i
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			j := strings.Index(src[i+2:], "*/")
			if j < 0 {
				return out
			}
			line += strings.Count(src[i:i+2+j+2], "\n")
			i += 2 + j + 2
		case c == '/' && strings.IndexByte("(,=:[!&|?{};+-*%<>~^", prevSig) >= 0:
			// a regular expression literal
			i++
			inClass := false
			for i < len(src) && src[i] != '\n' {
				if src[i] == '\\' {
					i += 2
					continue
				}
				if src[i] == '[' {
					inClass = true
				} else if src[i] == ']' {
					inClass = false
				} else if src[i] == '/' && !inClass {
					break
				}
				i++
			}
			i++
			prevSig = 'x'
		case c == '\'' || c == '"' || c == '`':
			start := i
			startLine := line
			var b strings.Builder
			tmpl := false
			i++
			for i < len(src) && src[i] != c {
				if src[i] == '\\' && i+1 < len(src) {
					b.WriteByte(src[i+1])
					i += 2
					continue
				}
				if c == '`' && src[i] == '$' && i+1 < len(src) && src[i+1] == '{' {
					// skip the expression, counting braces
					tmpl = true
					depth := 0
					for i < len(src) {
						if src[i] == '{' {
							depth++
						} else if src[i] == '}' {
							depth--
							if depth == 0 {
								break
							}
						}
						i++
					}
					b.WriteString("${…}")
					i++
					continue
				}
				if src[i] == '\n' {
					line++
				}
				b.WriteByte(src[i])
				i++
			}
			i++
			out = append(out, JSLiteral{Line: startLine, Text: b.String(), Translated: calledT(src[:start]), Template: tmpl})
			prevSig = 'x'
		default:
			if c != ' ' && c != '\t' && c != '\r' {
				prevSig = c
			}
			i++
		}
	}
	return out
}

var tCallRe = regexp.MustCompile(`(?:^|[^\w$.])(?:emar\.)?t\(\s*$`)

// calledT reports whether the text before a literal ends in "t(".
func calledT(before string) bool {
	if len(before) > 40 {
		before = before[len(before)-40:]
	}
	return tCallRe.MatchString(before)
}

// A literal a person would read: a capitalised word followed by another
// word, or words ending in a sentence's punctuation.
var (
	sentenceRe = regexp.MustCompile(`^\P{Ll}*\p{Lu}\p{Ll}+[ ,:—–]+\S`)
	endRe      = regexp.MustCompile(`\p{L}[^\n]*[.…:!?]\s*$`)
	codeLikeRe = regexp.MustCompile(`^[\w./:#\-\[\]="' ()*,>${}…]*$`)
)

// LooksLikeWords reports whether a script's literal reads as words for a
// person rather than code (a class name, a path, an event, a code).
func LooksLikeWords(s string) bool {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "/") {
		return false // a path
	}
	if !HasWords(s) || !strings.Contains(s, " ") && !endRe.MatchString(s) {
		// a single word: only if capitalised and at least 3 letters
		return len(s) > 2 && s[0] >= 'A' && s[0] <= 'Z' && strings.ToLower(s[1:]) == s[1:] && !strings.ContainsAny(s, "/._-=") && s != "Enter" && s != "Unidentified"
	}
	if sentenceRe.MatchString(s) || endRe.MatchString(s) && strings.Contains(s, " ") {
		return true
	}
	return !codeLikeRe.MatchString(s)
}
