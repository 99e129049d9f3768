package hl7

import (
	"testing"
	"unicode/utf8"
)

func TestUnescapeDecodesStandardSequences(t *testing.T) {
	d := DefaultDelimiters
	d27 := d
	d27.Truncation = '#'
	tests := []struct {
		name, in, want string
		d              Delimiters
	}{
		{"plain text is untouched", "Metoprolol 25 mg", "Metoprolol 25 mg", d},
		{"field separator", `a\F\b`, "a|b", d},
		{"component separator", `a\S\b`, "a^b", d},
		{"subcomponent separator", `HR < 60 \T\ SBP < 100`, "HR < 60 & SBP < 100", d},
		{"repetition separator", `a\R\b`, "a~b", d},
		{"escape character", `C:\E\temp`, `C:\temp`, d},
		{"truncation character in v2.7", `50\P\`, "50#", d27},
		{"truncation escape without a truncation character stays", `50\P\`, `50\P\`, d},
		{"hex bytes", `\X0D0A\`, "\r\n", d},
		{"hex in lower case", `caf\Xc3a9\`, "café", d},
		{"odd hex digits stay literal", `\X0D0\`, `\X0D0\`, d},
		{"highlighting is dropped, text kept", `\H\DO NOT CRUSH\N\ tablets`, "DO NOT CRUSH tablets", d},
		{"line break", `first\.br\second`, "first\nsecond", d},
		{"skip line", `first\.sp\second`, "first\nsecond", d},
		{"indent and centering are dropped", `\.in+4\\.ce\Title`, "Title", d},
		{"character set switch is dropped", `\C2842\text`, "text", d},
		{"unknown sequence stays literal", `\Q\`, `\Q\`, d},
		{"locally defined sequence stays literal", `\Zabc\`, `\Zabc\`, d},
		{"unclosed escape stays literal", `50\`, `50\`, d},
		{"empty sequence stays literal", `a\\b`, `a\\b`, d},
		{"unknown then known", `\Q\F\`, `\Q|`, d},
		{"custom escape character", `a!F!b`, "a*b", Delimiters{'*', ':', '@', '!', '%', 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unescape(tt.in, tt.d); got != tt.want {
				t.Errorf("unescape(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEscapeThenUnescapeIsIdentity(t *testing.T) {
	d := DefaultDelimiters
	d.Truncation = '#'
	for _, s := range []string{"", "plain", `|^~\&#`, "\r\n\x00\x7f\t", `\H\`, "naïve", `\X41\`} {
		enc := string(appendEscaped(nil, s, d))
		if got := unescape(enc, d); got != s {
			t.Errorf("unescape(escape(%q)) = %q (encoded %q)", s, got, enc)
		}
	}
}

func TestEncodedValueIsAlwaysUTF8(t *testing.T) {
	d := DefaultDelimiters
	for _, s := range []string{"\x80", "caf\xe9", "ok \xc3\xa9 \xff", "\xef\xbf\xbd"} {
		enc := string(appendEscaped(nil, s, d))
		if !utf8.ValidString(enc) {
			t.Errorf("appendEscaped(%q) = %q, not UTF-8", s, enc)
		}
		if got := unescape(enc, d); got != s {
			t.Errorf("unescape(appendEscaped(%q)) = %q", s, got)
		}
	}
}
