package mar

import (
	"strings"
	"testing"
)

// The label's element string carries what the pack can carry: a GTIN of
// 14 digits, the expiry when it is a date, the lot when it fits AI 10, and
// the serial last (so no separator is needed after it).
func TestLabelElementString(t *testing.T) {
	const gs = "\x1d"
	tests := []struct {
		name string
		d    Dispense
		want string
	}{
		{"everything", Dispense{GTIN: "00399100010003", Expiry: "2027-12-31", Lot: "LOT-4711", Serial: "RX1"}, "0100399100010003" + "17271231" + "10LOT-4711" + gs + "21RX1"},
		{"a GTIN-13 padded to 14 digits", Dispense{GTIN: "4006381333931", Serial: "RX1"}, "0104006381333931" + "21RX1"},
		{"no expiry", Dispense{GTIN: "00399100010003", Lot: "L1", Serial: "RX1"}, "0100399100010003" + "10L1" + gs + "21RX1"},
		{"two lots of an HL7 dispense are printed, not encoded", Dispense{GTIN: "00399100010003", Expiry: "2027-06-30", Lot: "LOT-A7, LOT-A8", Serial: "RX1"}, "0100399100010003" + "17270630" + "21RX1"},
		{"a lot longer than AI 10 allows", Dispense{GTIN: "00399100010003", Lot: strings.Repeat("A", 21), Serial: "RX1"}, "0100399100010003" + "21RX1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LabelElementString(tt.d); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// Serials are 16 characters of Crockford base 32 after the prefix, and
// differ from one dispense to the next.
func TestNewLabelSerial(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		s := NewLabelSerial()
		if len(s) != 16 || !strings.HasPrefix(s, LabelSerialPrefix) || strings.ContainsAny(s[2:], "ILOU") || seen[s] {
			t.Fatalf("serial %q", s)
		}
		seen[s] = true
	}
}
