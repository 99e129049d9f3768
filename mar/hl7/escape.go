package hl7

import (
	"strings"
	"unicode/utf8"
)

// unescape decodes the escape sequences of one primitive value.
//
// \F\ \S\ \T\ \R\ \E\ and (v2.7+) \P\ give back the delimiter characters;
// \Xhh..\ gives the bytes hh..; \.br\ is a line break. Highlighting (\H\,
// \N\), the other formatted-text commands (\.sp\, \.in\, \.ti\, \.sk\, \.fi\,
// \.nf\, \.ce\) and character-set switches (\Cxxyy\, \Mxxyyzz\) are dropped:
// the text they mark is kept as plain text, which is what a nurse needs to
// read. Anything else, including an escape character without its closing
// partner, is kept literally rather than rejected, because the value is
// still readable and rejecting it would make a whole order undeliverable.
func unescape(s string, d Delimiters) string {
	if strings.IndexByte(s, d.Escape) < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != d.Escape {
			b.WriteByte(c)
			i++
			continue
		}
		end := strings.IndexByte(s[i+1:], d.Escape)
		if end < 0 {
			b.WriteString(s[i:])
			break
		}
		seq := s[i+1 : i+1+end]
		if out, ok := decodeEscape(seq, d); ok {
			b.WriteString(out)
			i += end + 2
			continue
		}
		// Unknown sequence: keep the escape character literally and go on
		// after it, so that its closing partner can open a real sequence.
		b.WriteByte(c)
		i++
	}
	return b.String()
}

func decodeEscape(seq string, d Delimiters) (string, bool) {
	switch seq {
	case "F":
		return string(d.Field), true
	case "S":
		return string(d.Component), true
	case "T":
		return string(d.Subcomponent), true
	case "R":
		return string(d.Repetition), true
	case "E":
		return string(d.Escape), true
	case "P":
		if d.Truncation != 0 {
			return string(d.Truncation), true
		}
		return "", false
	case "H", "N":
		return "", true
	case ".br":
		return "\n", true
	case "":
		return "", false
	}
	switch seq[0] {
	case 'X', 'x':
		return decodeHex(seq[1:])
	case 'C', 'M':
		// Character-set switches (ISO 2022); the bytes that follow are kept
		// as they are.
		if isHex(seq[1:]) && (len(seq) == 5 || len(seq) == 7) {
			return "", true
		}
	case '.':
		for _, cmd := range []string{".sp", ".in", ".ti", ".sk", ".fi", ".nf", ".ce"} {
			if strings.HasPrefix(seq, cmd) {
				if cmd == ".sp" {
					return "\n", true
				}
				return "", true
			}
		}
	}
	return "", false
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if hexVal(s[i]) < 0 {
			return false
		}
	}
	return true
}

func hexVal(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func decodeHex(h string) (string, bool) {
	if len(h) == 0 || len(h)%2 != 0 || !isHex(h) {
		return "", false
	}
	out := make([]byte, len(h)/2)
	for i := range out {
		out[i] = byte(hexVal(h[2*i])<<4 | hexVal(h[2*i+1]))
	}
	return string(out), true
}

// needsEscape reports whether c cannot appear literally in an encoded value.
func needsEscape(c byte, d Delimiters) bool {
	switch {
	case c == d.Field, c == d.Component, c == d.Subcomponent, c == d.Repetition:
		return true
	case c == d.Escape:
		return true
	case c == d.Truncation && d.Truncation != 0:
		return true
	case c < 0x20 && c != '\t', c == 0x7f:
		// \r and \n would end the segment, and MLLP's framing bytes (0x0B,
		// 0x1C) would end the frame.
		return true
	}
	return false
}

// appendEscaped appends s to dst with every delimiter and control character
// escaped, so that Parse gives s back.
func appendEscaped(dst []byte, s string, d Delimiters) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			// A valid UTF-8 sequence goes out as it is; a byte that is not
			// part of one (a value unescaped from \Xhh\) is escaped again,
			// so that an encoded message is always valid UTF-8.
			if r, size := utf8.DecodeRuneInString(s[i:]); r != utf8.RuneError || size > 1 {
				dst = append(dst, s[i:i+size]...)
				i += size - 1
				continue
			}
			const hexdigits = "0123456789ABCDEF"
			dst = append(dst, d.Escape, 'X', hexdigits[c>>4], hexdigits[c&0xf], d.Escape)
			continue
		}
		if !needsEscape(c, d) {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, d.Escape)
		switch {
		case c == d.Field:
			dst = append(dst, 'F')
		case c == d.Component:
			dst = append(dst, 'S')
		case c == d.Subcomponent:
			dst = append(dst, 'T')
		case c == d.Repetition:
			dst = append(dst, 'R')
		case c == d.Escape:
			dst = append(dst, 'E')
		case c == d.Truncation && d.Truncation != 0:
			dst = append(dst, 'P')
		default:
			const hexdigits = "0123456789ABCDEF"
			dst = append(dst, 'X', hexdigits[c>>4], hexdigits[c&0xf])
		}
		dst = append(dst, d.Escape)
	}
	return dst
}
