package hl7

import (
	"errors"
	"strings"
	"testing"
)

// MSH-18 (table 0211) says how the bytes are to be read: 8859/1 is turned
// into UTF-8, UTF-8 must be UTF-8, and anything else is refused at MSH-18.
func TestCharsetsOfMSH18(t *testing.T) {
	msg := func(charset string, name []byte) []byte {
		b := []byte("MSH|^~\\&|ADT|H|EMAR|H|20260314||ADT^A01^ADT_A01|C1|P|2.5.1||||||" + charset + "\rPID|1||1^^^H^MR||")
		return append(b, name...)
	}
	for _, tc := range []struct {
		name     string
		raw      []byte
		family   string // want; "" means refused
		code     string
		contains string
	}{
		{"8859/1 bytes become UTF-8", msg("8859/1", []byte{'M', 0xfc, 'l', 'l', 'e', 'r', '^', 'J', 'o', 's', 0xe9}), "Müller", "", ""},
		{"UNICODE UTF-8 is taken as it is", msg("UNICODE UTF-8", []byte("Zoë^Ŀena")), "Zoë", "", ""},
		{"undeclared UTF-8 is taken", msg("", []byte("Zoë^Ana")), "Zoë", "", ""},
		{"ASCII under 8859/1 is unchanged", msg("8859/1", []byte("Smith^Ann")), "Smith", "", ""},
		{"Latin-1 bytes declared as UTF-8 are refused", msg("UNICODE UTF-8", []byte{'M', 0xfc, 'l'}), "", CodeDataType, "not UTF-8"},
		{"Latin-1 bytes undeclared are refused", msg("", []byte{'M', 0xfc, 'l'}), "", CodeDataType, "declare 8859/1"},
		{"an unsupported character set is refused", msg("UNICODE UTF-16", []byte("Smith")), "", CodeTableValueNotFound, "UNICODE UTF-16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(tc.raw)
			if tc.family == "" {
				var e *Error
				if !errors.As(err, &e) || e.Segment != "MSH" || e.Field != 18 || e.Code != tc.code || !strings.Contains(e.Message, tc.contains) {
					t.Fatalf("Parse = %v; want %s at MSH-18 saying %q", err, tc.code, tc.contains)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := m.Get("PID-5.1"); got != tc.family {
				t.Fatalf("PID-5.1 = %q; want %q", got, tc.family)
			}
		})
	}
	if got := NewMessage(MessageHeader{Type: "ACK", ControlID: "X"}).Get("MSH-18"); got != CharsetUTF8 {
		t.Errorf("a new message declares MSH-18 %q; want %q", got, CharsetUTF8)
	}
}
