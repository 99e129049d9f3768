package hl7

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseRDSReadsWhatPharmacySent(t *testing.T) {
	loc := mustLoad(t, "America/New_York")
	m := mustParse(t, sendable(fixture(t, "rds_o13.hl7")))
	rds, err := ParseRDS(m, ParseOptions{Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	if rds.Patient.MRN != "00100003" || rds.Patient.MRNIdentifier.AssigningAuthority != "RIVERSIDE" || rds.Visit.Location.PointOfCare != "MAPLE" {
		t.Fatalf("patient %+v visit %+v", rds.Patient, rds.Visit)
	}
	if len(rds.Dispenses) != 1 {
		t.Fatalf("%d dispenses", len(rds.Dispenses))
	}
	d := rds.Dispenses[0]
	want := PharmacyDispense{
		Control: "RE", PlacerOrder: EntityID{ID: "DS-ORD-1", Namespace: "EHR"}, FillerOrder: EntityID{ID: "DS-RX-1", Namespace: "PHARMSYS"},
		SubID: "1", Code: CWE{Code: "9910010000", Text: "Metoprolol tartrate 25 mg tablet", System: "NDC", AltCode: "00099101000012", AltText: "Metoprolol 25 mg", AltSystem: "GTIN"},
		DispensedAt: time.Date(2026, 3, 14, 12, 40, 0, 0, time.UTC), Amount: 60, Units: CWE{Code: "TAB", Text: "Tablet", System: "HL70292"},
		DosageForm: CWE{Code: "TAB"}, Prescription: "RX-555", Notes: []string{"Blister card 1 of 2", "Keep in the cart drawer"},
		Dispenser: Provider{ID: "4411", Family: "Pharma", Given: "Paula"}, ActualStrength: 25, StrengthUnits: CWE{Code: "mg"},
		Lots: []string{"LOT-A7", "LOT-A8"}, Expiries: []string{"2027-12-31", "2027-06-30"},
		Routes: []Route{{Route: CWE{Code: "PO", Text: "Oral", System: "HL70162"}}},
	}
	if d.Order == nil || d.Order.GiveCode.Code != "9910010000" || d.Order.GiveAmountMin != 25 {
		t.Errorf("the RXE of the group: %+v", d.Order)
	}
	d.Order = nil
	if !d.DispensedAt.Equal(want.DispensedAt) {
		t.Errorf("dispensed at %v; want %v", d.DispensedAt, want.DispensedAt)
	}
	d.DispensedAt = want.DispensedAt
	if !reflect.DeepEqual(d, want) {
		t.Errorf("dispense\n got %+v\nwant %+v", d, want)
	}
}

func TestParseRDSRefusesWhatItCannotRecord(t *testing.T) {
	msh := "MSH|^~\\&|PHARMSYS|RIVERSIDE|EMAR|RIVERSIDE|20260314084500||RDS^O13^RDS_O13|DS-1|P|2.5.1"
	pid := "PID|1||00100003^^^RIVERSIDE^MR||Castillo^Rosa"
	orc := "ORC|RE|DS-ORD-1^EHR"
	rxd := "RXD|1|9910010000^Metoprolol^NDC|20260314084000|60|TAB"
	for _, tc := range []struct {
		name  string
		segs  []string
		code  string
		where string
	}{
		{"another message type", []string{strings.Replace(msh, "RDS^O13^RDS_O13", "RDE^O11^RDE_O11", 1), pid, orc, rxd}, CodeUnsupportedMessageType, "MSH-9.1"},
		{"another trigger", []string{strings.Replace(msh, "RDS^O13^RDS_O13", "RDS^O99", 1), pid, orc, rxd}, CodeUnsupportedEventCode, "MSH-9.2"},
		{"no PID", []string{msh, orc, rxd}, CodeSegmentSequence, "PID"},
		{"no ORC", []string{msh, pid, rxd}, CodeSegmentSequence, "ORC"},
		{"no order number", []string{msh, pid, "ORC|RE", rxd}, CodeRequiredFieldMissing, "ORC-2"},
		{"no RXD", []string{msh, pid, orc, "RXR|PO"}, CodeSegmentSequence, "RXD"},
		{"two RXD in one group", []string{msh, pid, orc, rxd, rxd}, CodeSegmentSequence, "RXD[2]"},
		{"no give code", []string{msh, pid, orc, "RXD|1||20260314084000|60"}, CodeRequiredFieldMissing, "RXD-2"},
		{"no dispense time", []string{msh, pid, orc, "RXD|1|9910010000^Metoprolol^NDC||60"}, CodeRequiredFieldMissing, "RXD-3"},
		{"no amount", []string{msh, pid, orc, "RXD|1|9910010000^Metoprolol^NDC|20260314084000"}, CodeRequiredFieldMissing, "RXD-4"},
		{"an amount that is not a number", []string{msh, pid, orc, "RXD|1|9910010000^Metoprolol^NDC|20260314084000|sixty"}, CodeDataType, "RXD-4"},
		{"a bad dispense time", []string{msh, pid, orc, "RXD|1|9910010000^Metoprolol^NDC|2026-03-14|60"}, CodeDataType, "RXD-3"},
		{"a bad expiry", []string{msh, pid, orc, rxd + "|||||||||||||LOT1|20271340"}, CodeDataType, "RXD-19"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRDS(mustParse(t, lines(tc.segs...)), ParseOptions{})
			if err == nil {
				t.Fatal("accepted")
			}
			e := asError(t, err)
			if e.Code != tc.code || e.Location() != tc.where {
				t.Fatalf("got %s at %q (%v); want %s at %q", e.Code, e.Location(), e, tc.code, tc.where)
			}
		})
	}
}

func TestRRDAnswersEachDispense(t *testing.T) {
	now := time.Date(2026, 3, 14, 13, 0, 0, 0, time.UTC)
	in := mustParse(t, sendable(fixture(t, "rds_o13.hl7")))
	ok := NewRRD(in, AckAccept, nil, "ACK1", now)
	for path, want := range map[string]string{"MSH-9": "RRD", "MSH-9.2": "O14", "MSH-9.3": "RRD_O14", "MSA-1": "AA", "MSA-2": "DS-0002",
		"PID-3": "00100003", "ORC-1": "OK", "ORC-2": "DS-ORD-1", "ORC-3": "DS-RX-1", "ERR": ""} {
		if got := ok.Get(path); got != want {
			t.Errorf("AA: %s = %q; want %q", path, got, want)
		}
	}
	bad := NewRRD(in, AckError, &Error{Segment: "ORC", SeqInSegmentGroup: 1, Field: 2, Code: CodeUnknownKey, Message: "no order has number DS-ORD-1"}, "ACK2", now)
	for path, want := range map[string]string{"MSA-1": "AE", "ORC-1": "UA", "ERR-2.1": "ORC", "ERR-2.3": "2", "ERR-3.1": "204", "ERR-3.3": "HL70357", "ERR-4": "E"} {
		if got := bad.Get(path); got != want {
			t.Errorf("AE: %s = %q; want %q", path, got, want)
		}
	}
	v23 := mustParse(t, lines("MSH|^~\\&|PHARMSYS|RIVERSIDE|EMAR|RIVERSIDE|20260314084500||RDS^O01|DS-2|P|2.3", "PID|1||1", "ORC|RE|A"))
	if got := NewRRD(v23, AckAccept, nil, "ACK3", now); got.Get("MSH-9.2") != "O02" || got.Get("MSH-9.3") != "" {
		t.Errorf("v2.3: %q", got.Encode())
	}
}

// FuzzParseRDS reads arbitrary messages as dispenses: nothing may panic,
// and every refusal is an *Error with a table 0357 code.
func FuzzParseRDS(f *testing.F) {
	f.Add(sendable(fixture(f, "rds_o13.hl7")))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		if _, err := ParseRDS(m, ParseOptions{}); err != nil {
			if e := asError(t, err); CodeText(e.code()) == "" {
				t.Fatalf("refusal with code %q outside table 0357: %v", e.Code, e)
			}
		}
	})
}
