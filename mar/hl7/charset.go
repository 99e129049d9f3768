package hl7

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// CharsetUTF8 is the MSH-18 (table 0211) value of what this package writes.
const CharsetUTF8 = "UNICODE UTF-8"

// decodeCharset turns a message into UTF-8 as its MSH-18 declares: 8859/1
// (Latin-1) is converted byte by byte; UNICODE UTF-8, ASCII or nothing must
// be valid UTF-8 (undeclared UTF-8 is common enough to take). Any other
// character set is refused at MSH-18, as is text that is not what it says,
// rather than stored garbled.
func decodeCharset(s string, d Delimiters) (string, error) {
	charset := msh18(s, d)
	bad := func(code, format string, args ...any) (string, error) {
		return "", &Error{Segment: "MSH", SeqInSegmentGroup: 1, Field: 18, Code: code, Message: fmt.Sprintf(format, args...)}
	}
	switch strings.ToUpper(charset) {
	case "8859/1":
		if isASCII(s) {
			return s, nil
		}
		var b strings.Builder
		b.Grow(len(s) + len(s)/8)
		for i := 0; i < len(s); i++ {
			b.WriteRune(rune(s[i]))
		}
		return b.String(), nil
	case "", "ASCII", CharsetUTF8:
		if !utf8.ValidString(s) {
			if charset == "" {
				charset = "none (ASCII)"
			}
			return bad(CodeDataType, "the message holds bytes that are not UTF-8, but MSH-18 declares %s; declare 8859/1 or send UTF-8", charset)
		}
		return s, nil
	}
	return bad(CodeTableValueNotFound, "character set %q (MSH-18, table 0211) is not supported; ASCII, 8859/1 and UNICODE UTF-8 are", charset)
}

// msh18 is MSH-18's first value, unescaped, read from the raw first segment.
func msh18(s string, d Delimiters) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	fields := strings.Split(s, string(d.Field))
	// fields[0] is "MSH", fields[1] MSH-2: MSH-n is fields[n-1].
	if len(fields) < 18 {
		return ""
	}
	v := fields[17]
	if i := strings.IndexAny(v, string([]byte{d.Repetition, d.Component})); i >= 0 {
		v = v[:i]
	}
	// A sender whose delimiters include "-" escapes the one in "UTF-8".
	return strings.TrimSpace(unescape(v, d))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
