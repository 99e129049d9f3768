package hl7

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseRDEReadsV251Order(t *testing.T) {
	chicago := mustLoad(t, "America/Chicago") // not the sender's zone: offsets in the message win
	m := mustParse(t, sendable(fixture(t, "rde_o11_v251.hl7")))
	got, err := ParseRDE(m, ParseOptions{Location: chicago})
	if err != nil {
		t.Fatal(err)
	}
	est := time.FixedZone("", -5*3600)
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, est)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	if h := got.Header; h.Type != "RDE" || h.Trigger != "O11" || h.ControlID != "RX20260314-0001" || h.Version != "2.5.1" ||
		h.SendingApplication != "PHARMSYS" || h.ReceivingFacility != "STMARYS-4W" || !h.Time.Equal(time.Date(2026, 3, 14, 13, 30, 12, 0, time.UTC)) {
		t.Errorf("Header = %+v", h)
	}
	wantPatient := Patient{
		MRN:           "00981123",
		MRNIdentifier: Identifier{ID: "00981123", AssigningAuthority: "STMARYS", TypeCode: "MR"},
		Identifiers: []Identifier{
			{ID: "4412-77", AssigningAuthority: "STMARYS", TypeCode: "PI"},
			{ID: "00981123", AssigningAuthority: "STMARYS", TypeCode: "MR"},
		},
		Name:      Name{Family: "O'Neil", Given: "Margaret", Middle: "Ann", Prefix: "Mrs.", TypeCode: "L"},
		BirthDate: "1941-07-02",
		Sex:       "F",
		Allergies: []Allergy{
			{
				Type:         CWE{Code: "DA", Text: "Drug allergy", System: "HL70127"},
				Allergen:     CWE{Code: "7980", Text: "Penicillin G", System: "RXNORM"},
				Severity:     CWE{Code: "SV", Text: "Severe", System: "HL70128"},
				Reactions:    []string{"Anaphylaxis", "Hives"},
				IdentifiedOn: "2019-04-11",
			},
			{
				Type:      CWE{Code: "FA", Text: "Food allergy", System: "HL70127"},
				Allergen:  CWE{Text: "Peanut"},
				Severity:  CWE{Code: "MO", Text: "Moderate", System: "HL70128"},
				Reactions: []string{"Rash"},
			},
		},
	}
	if !reflect.DeepEqual(got.Patient, wantPatient) {
		t.Errorf("Patient =\n%+v\nwant\n%+v", got.Patient, wantPatient)
	}
	wantVisit := Visit{
		Class:           "I",
		Location:        PatientLocation{PointOfCare: "4W", Room: "412", Bed: "B", Facility: "STMARYS", Type: "N", Building: "MAIN", Floor: "4"},
		AttendingDoctor: Provider{ID: "1447", Family: "Whitfield", Given: "Sarah", Prefix: "Dr", Degree: "MD"},
		VisitNumber:     "V7781234",
		AdmitTime:       at("2026-03-12 14:15"),
	}
	if !reflect.DeepEqual(got.Visit, wantVisit) {
		t.Errorf("Visit =\n%+v\nwant\n%+v", got.Visit, wantVisit)
	}
	if len(got.Orders) != 2 {
		t.Fatalf("%d orders, want 2", len(got.Orders))
	}

	metoprolol := PharmacyOrder{
		Control:          "NW",
		PlacerOrder:      EntityID{ID: "ORD-558120", Namespace: "EHR"},
		FillerOrder:      EntityID{ID: "RX-99120", Namespace: "PHARMSYS"},
		Status:           "IP",
		TransactionTime:  at("2026-03-14 08:25"),
		EnteredBy:        Provider{ID: "2231", Family: "Okafor", Given: "Chidi"},
		VerifiedBy:       Provider{ID: "1551", Family: "Moreau", Given: "Luc", Degree: "RPh"},
		OrderingProvider: Provider{ID: "1447", Family: "Whitfield", Given: "Sarah", Prefix: "Dr", Degree: "MD"},
		GiveCode: CWE{Code: "00378-0018-01", Text: "Metoprolol tartrate 25 mg tablet", System: "NDC",
			AltCode: "4000123", AltText: "METOPROLOL 25MG TAB", AltSystem: "L"},
		GiveAmountMin:              25,
		GiveUnits:                  CWE{Code: "mg", Text: "milligram", System: "UCUM"},
		DosageForm:                 CWE{Code: "TAB", Text: "Tablet", System: "HL70292"},
		AdministrationInstructions: []CWE{{Text: "Hold if HR < 60 or SBP < 100"}},
		PharmacyInstructions:       []CWE{{Text: "Unit dose, blister"}},
		GiveStrength:               25,
		GiveStrengthUnits:          CWE{Code: "mg", Text: "milligram", System: "UCUM"},
		GiveIndications:            []CWE{{Code: "I10", Text: "Essential hypertension", System: "I10"}},
		Routes:                     []Route{{Route: CWE{Code: "PO", Text: "Oral", System: "HL70162"}}},
		// The encoded timing (after RXE) wins over the order timing
		// (after ORC): pharmacy moved the doses to the ward's times.
		Timing: []Timing{{
			Source:          "TQ1",
			Quantity:        Quantity{Value: 1, Units: CWE{Code: "TAB", Text: "tablet", System: "UCUM"}},
			Repeat:          []CWE{{Code: "BID", Text: "twice a day", System: "HL70335"}},
			ExplicitTimes:   []string{"0900", "2100"},
			ServiceDuration: Quantity{Value: 10, Units: CWE{Code: "d", Text: "day", System: "UCUM"}},
			Start:           at("2026-03-14 09:00"),
			End:             at("2026-03-24 09:00"),
			Priority:        "R",
		}},
		Notes: []string{"Check apical pulse before giving.\nCall prescriber if HR < 60 & SBP < 100."},
	}
	if !reflect.DeepEqual(got.Orders[0], metoprolol) {
		t.Errorf("order 1 =\n%+v\nwant\n%+v", got.Orders[0], metoprolol)
	}

	acetaminophen := got.Orders[1]
	if acetaminophen.GiveAmountMin != 500 || acetaminophen.GiveAmountMax != 1000 || acetaminophen.GiveCode.System != "NDC" {
		t.Errorf("order 2 dose = %v-%v %+v", acetaminophen.GiveAmountMin, acetaminophen.GiveAmountMax, acetaminophen.GiveCode)
	}
	wantPRN := []Timing{{
		Source:          "TQ1",
		Repeat:          []CWE{{Code: "Q6H", Text: "every 6 hours", System: "HL70335"}, {Code: "PRN", Text: "as needed", System: "HL70335"}},
		Start:           at("2026-03-14 08:30"),
		Priority:        "R",
		Condition:       "pain score 4 or more",
		TextInstruction: "Give with a full glass of water",
		AsNeeded:        true,
	}}
	if !reflect.DeepEqual(acetaminophen.Timing, wantPRN) {
		t.Errorf("order 2 timing =\n%+v\nwant\n%+v", acetaminophen.Timing, wantPRN)
	}
}

func TestParseRDEReadsIVOrderWithComponents(t *testing.T) {
	m := mustParse(t, fixture(t, "rde_o11_iv.hl7"))
	got, err := ParseRDE(m, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	o := got.Orders[0]
	if o.GiveRateAmount != "125" || o.GiveRateUnits.Code != "mL/h" || o.GivePerTimeUnit != "H1" || o.GiveCode.Code != "" || o.GiveCode.Display() == "" {
		t.Errorf("rate = %q %+v %q, give code %+v", o.GiveRateAmount, o.GiveRateUnits, o.GivePerTimeUnit, o.GiveCode)
	}
	wantRoute := Route{
		Route:  CWE{Code: "IV", Text: "Intravenous", System: "HL70162"},
		Site:   CWE{Code: "LA", Text: "Left arm", System: "HL70163"},
		Device: CWE{Code: "IVP", Text: "IV pump", System: "HL70164"},
		Method: CWE{Code: "IVPB", Text: "IV piggyback", System: "HL70165"},
	}
	if !reflect.DeepEqual(o.Routes, []Route{wantRoute}) {
		t.Errorf("Routes = %+v", o.Routes)
	}
	wantComps := []RxComponent{
		{Type: "B", Code: CWE{Code: "0338-0049-02", Text: "Sodium chloride 0.9%", System: "NDC"}, Amount: 250, Units: CWE{Code: "mL", Text: "milliliter", System: "UCUM"}},
		{Type: "A", Code: CWE{Code: "0409-6510-01", Text: "Vancomycin HCl", System: "NDC"}, Amount: 1, Units: CWE{Code: "g", Text: "gram", System: "UCUM"},
			Strength: 1, StrengthUnits: CWE{Code: "g", Text: "gram", System: "UCUM"}},
	}
	if !reflect.DeepEqual(o.Components, wantComps) {
		t.Errorf("Components = %+v", o.Components)
	}
	tm := o.Timing[0]
	if tm.Priority != "T" || tm.OccurrenceDuration != (Quantity{Value: 2, Units: CWE{Code: "h", Text: "hour", System: "UCUM"}}) ||
		!reflect.DeepEqual(tm.ExplicitTimes, []string{"0600", "1800"}) || tm.AsNeeded {
		t.Errorf("Timing = %+v", tm)
	}
}

func TestParseRDEReadsV23TimingFromRXE1(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	m := mustParse(t, fixture(t, "rde_o01_v23.hl7"))
	got, err := ParseRDE(m, ParseOptions{Location: ny})
	if err != nil {
		t.Fatal(err)
	}
	if got.Header.Trigger != "O01" || got.Patient.MRN != "555444444" || got.Patient.Name.Family != "EVERYWOMAN" ||
		got.Visit.Location != (PatientLocation{PointOfCare: "2000", Room: "2012", Bed: "01"}) {
		t.Errorf("header/patient/visit = %+v / %+v / %+v", got.Header, got.Patient, got.Visit)
	}
	o := got.Orders[0]
	want := []Timing{{
		Source:          "RXE-1",
		Quantity:        Quantity{Value: 1, Units: CWE{Code: "TAB"}},
		Repeat:          []CWE{{Code: "Q6H"}},
		ExplicitTimes:   []string{"0000", "0600", "1200", "1800"},
		ServiceDuration: Quantity{Value: 10, Units: CWE{Code: "d", System: "UCUM"}},
		Start:           time.Date(2003, 12, 27, 15, 0, 0, 0, ny),
		Priority:        "R",
	}}
	if !reflect.DeepEqual(o.Timing, want) {
		t.Errorf("Timing =\n%+v\nwant\n%+v", o.Timing, want)
	}
	if o.GiveUnits.Code != "MG" || o.Routes[0].Route.Code != "PO" || o.AdministrationInstructions[0].Text != "take with food" {
		t.Errorf("order = %+v", o)
	}

	t.Run("falls back to ORC-7 when RXE-1 is empty", func(t *testing.T) {
		m := mustParse(t, fixture(t, "rde_o01_v23.hl7"))
		_ = m.Segment("RXE").SetField(1, nil)
		got, err := ParseRDE(m, ParseOptions{Location: ny})
		if err != nil {
			t.Fatal(err)
		}
		tm := got.Orders[0].Timing
		if len(tm) != 1 || tm[0].Source != "ORC-7" || tm[0].Repeat[0].Code != "Q6H" || tm[0].ExplicitTimes != nil || tm[0].Quantity.Value != 1 {
			t.Errorf("Timing = %+v", tm)
		}
	})
}

func TestParseRDEReadsTQDurationsAndPRN(t *testing.T) {
	tests := []struct {
		tq   string
		want Timing
	}{
		{"1^Q4H^X6^^^PRN", Timing{Quantity: Quantity{Value: 1}, Repeat: []CWE{{Code: "Q4H"}}, TotalOccurrences: 6, Priority: "PRN", AsNeeded: true}},
		{"^Q4H PRN^INDEF", Timing{Repeat: []CWE{{Code: "Q4H PRN"}}, AsNeeded: true}},
		{"^QD^W2", Timing{Repeat: []CWE{{Code: "QD"}}, ServiceDuration: Quantity{Value: 2, Units: CWE{Code: "wk", System: "UCUM"}}}},
		{"^ONCE^^^^S^^Give now", Timing{Repeat: []CWE{{Code: "ONCE"}}, Priority: "S", TextInstruction: "Give now"}},
		{"^Q8H^^^^^^^^^M30^9", Timing{Repeat: []CWE{{Code: "Q8H"}}, OccurrenceDuration: Quantity{Value: 30, Units: CWE{Code: "min", System: "UCUM"}}, TotalOccurrences: 9}},
	}
	for _, tt := range tests {
		t.Run(tt.tq, func(t *testing.T) {
			m := mustParse(t, fixture(t, "rde_o01_v23.hl7"))
			if err := setRaw(m, "RXE", 1, tt.tq); err != nil {
				t.Fatal(err)
			}
			got, err := ParseRDE(m, ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Source = "RXE-1"
			if !reflect.DeepEqual(got.Orders[0].Timing, []Timing{tt.want}) {
				t.Errorf("Timing = %+v\nwant %+v", got.Orders[0].Timing, tt.want)
			}
		})
	}
}

// setRaw replaces a field with encoded text, as a sender would have written it.
func setRaw(m *Message, seg string, n int, encoded string) error {
	tmp, err := Parse([]byte("MSH|^~\\&|\rZZZ|" + encoded + "\r"))
	if err != nil {
		return err
	}
	return m.Segment(seg).SetField(n, tmp.Segment("ZZZ").Field(1))
}

func TestParseRDEReportsWhatIsWrong(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(m *Message) error
		code   string
		seg    string
		seq    int
		field  int
		substr string
	}{
		{"missing PID-3", func(m *Message) error { return m.Segment("PID").SetField(3, nil) }, CodeRequiredFieldMissing, "PID", 1, 3, "PID-3"},
		{"missing RXE-2 in the second order", func(m *Message) error { return m.Segments("RXE")[1].SetField(2, NewField(`""`)) },
			CodeRequiredFieldMissing, "RXE", 2, 2, "order 2"},
		{"missing RXE-3", func(m *Message) error { return m.Segments("RXE")[0].SetField(3, nil) }, CodeRequiredFieldMissing, "RXE", 1, 3, "give amount"},
		{"non-numeric dose", func(m *Message) error { return m.Set("RXE-3", "25mg") }, CodeDataType, "RXE", 1, 3, "number"},
		{"exponent is not an HL7 number", func(m *Message) error { return m.Set("RXE-3", "2e1") }, CodeDataType, "RXE", 1, 3, "number"},
		{"missing ORC-1", func(m *Message) error { return m.Set("ORC-1", "") }, CodeRequiredFieldMissing, "ORC", 1, 1, "order control"},
		{"bad explicit time", func(m *Message) error { return m.Set("TQ1[2]-4[2]", "2500") }, CodeDataType, "TQ1", 2, 4, "explicit time"},
		{"bad start time", func(m *Message) error { return m.Set("TQ1[2]-7", "20261399") }, CodeDataType, "TQ1", 2, 7, "date/time"},
		{"bad birth date", func(m *Message) error { return m.Set("PID-7", "07/02/1941") }, CodeDataType, "PID", 1, 7, "birth"},
		{"missing allergen", func(m *Message) error { return m.Segments("AL1")[1].SetField(3, nil) }, CodeRequiredFieldMissing, "AL1", 2, 3, "allergen"},
		{"missing route code and text", func(m *Message) error { return m.Segments("RXR")[1].SetField(1, nil) }, CodeRequiredFieldMissing, "RXR", 2, 1, "route"},
		{"wrong message type", func(m *Message) error { return m.Set("MSH-9", "ADT") }, CodeUnsupportedMessageType, "MSH", 1, 9, "ADT"},
		{"wrong trigger", func(m *Message) error { return m.Set("MSH-9.2", "O25") }, CodeUnsupportedEventCode, "MSH", 1, 9, "O25"},
		{"no control id", func(m *Message) error { return m.Set("MSH-10", "") }, CodeRequiredFieldMissing, "MSH", 1, 10, "control id"},
		{"no version", func(m *Message) error { return m.Set("MSH-12", "") }, CodeRequiredFieldMissing, "MSH", 1, 12, "version"},
		{"version 2.2", func(m *Message) error { return m.Set("MSH-12", "2.2") }, CodeUnsupportedVersion, "MSH", 1, 12, "2.2"},
		{"version 3", func(m *Message) error { return m.Set("MSH-12", "3.0") }, CodeUnsupportedVersion, "MSH", 1, 12, "3.0"},
		{"bad message time", func(m *Message) error { return m.Set("MSH-7", "yesterday") }, CodeDataType, "MSH", 1, 7, "date/time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, fixture(t, "rde_o11_v251.hl7"))
			if err := tt.edit(m); err != nil {
				t.Fatal(err)
			}
			_, err := ParseRDE(m, ParseOptions{})
			if err == nil {
				t.Fatal("ParseRDE succeeded")
			}
			e := asError(t, err)
			if e.Code != tt.code || e.Segment != tt.seg || e.SeqInSegmentGroup != tt.seq || e.Field != tt.field {
				t.Errorf("error = %+v, want %s at %s[%d]-%d", e, tt.code, tt.seg, tt.seq, tt.field)
			}
			if !strings.Contains(e.Error(), tt.substr) {
				t.Errorf("error %q does not mention %q", e.Error(), tt.substr)
			}
		})
	}
}

func TestParseRDEReportsMissingSegments(t *testing.T) {
	head := `MSH|^~\&|P|F|E|F|20260314||RDE^O11^RDE_O11|C1|P|2.5.1`
	pid := `PID|1||123^^^H^MR||Doe^Jane`
	tests := []struct {
		name string
		msg  []byte
		seg  string
	}{
		{"no PID", lines(head, `ORC|NW|1`, `RXE||A^a|1||mg`, `RXR|PO`), "PID"},
		{"two patients", lines(head, pid, pid, `ORC|NW|1`, `RXE||A^a|1||mg`, `RXR|PO`), "PID"},
		{"no ORC", lines(head, pid), "ORC"},
		{"ORC without RXE", lines(head, pid, `ORC|NW|1`, `RXR|PO`), "RXE"},
		{"two RXE in one order", lines(head, pid, `ORC|NW|1`, `RXE||A^a|1||mg`, `RXE||B^b|1||mg`, `RXR|PO`), "RXE"},
		{"no RXR", lines(head, pid, `ORC|NW|1`, `RXE||A^a|1||mg`, `TQ1|1||QD`), "RXR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRDE(mustParse(t, tt.msg), ParseOptions{})
			if e := asError(t, err); e.Code != CodeSegmentSequence || e.Segment != tt.seg {
				t.Errorf("error = %+v, want 100 at %s", e, tt.seg)
			}
		})
	}
	t.Run("route from the order detail when the encoding has none", func(t *testing.T) {
		got, err := ParseRDE(mustParse(t, lines(head, pid, `ORC|NW|1`, `RXO|A^a|1||mg`, `RXR|SL^Sublingual`, `RXE||A^a|1||mg`, `TQ1|1||ONCE`)), ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if r := got.Orders[0].Routes; len(r) != 1 || r[0].Route.Code != "SL" {
			t.Errorf("Routes = %+v", r)
		}
	})
	t.Run("order timing after ORC when the encoding has none", func(t *testing.T) {
		got, err := ParseRDE(mustParse(t, lines(head, pid, `ORC|NW|1`, `TQ1|1||QHS`, `RXE||A^a|1||mg`, `RXR|PO`)), ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if tm := got.Orders[0].Timing; len(tm) != 1 || tm[0].Repeat[0].Code != "QHS" {
			t.Errorf("Timing = %+v", tm)
		}
	})
	t.Run("explicit nulls read as empty", func(t *testing.T) {
		got, err := ParseRDE(mustParse(t, lines(head, `PID|1||123^^^H^MR||""^Jane||""|""`, `ORC|NW|1|""`, `RXE||A^a|1|""|mg`, `RXR|PO|""`)), ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Patient.Name.Family != "" || got.Patient.BirthDate != "" || got.Orders[0].FillerOrder.ID != "" || !got.Orders[0].Routes[0].Site.IsZero() {
			t.Errorf("nulls leaked: %+v %+v", got.Patient, got.Orders[0])
		}
	})
}

func TestParseRDEIgnoresUnknownAndZSegments(t *testing.T) {
	base := fixture(t, "rde_o11_v251.hl7")
	extra := strings.Replace(string(base), "RXR|PO^Oral^HL70162\n", "RXR|PO^Oral^HL70162\nZPM|1|x^y\nOBX|1|NM|29463-7^Body weight^LN||61.2|kg\nFT1|1\n", 1)
	a, err := ParseRDE(mustParse(t, base), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseRDE(mustParse(t, []byte(extra)), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("extra segments changed the result")
	}
}

func TestParseRDEAcceptsRepeatPatternWrittenAsComponents(t *testing.T) {
	head := `MSH|^~\&|P|F|E|F|20260314||RDE^O11^RDE_O11|C1|P|2.5.1`
	for tq1, want := range map[string]CWE{
		`TQ1|1||Q6H&every 6 hours&HL70335`: {Code: "Q6H", Text: "every 6 hours", System: "HL70335"},
		`TQ1|1||Q6H^every 6 hours^HL70335`: {Code: "Q6H", Text: "every 6 hours", System: "HL70335"},
		`TQ1|1||Q6H^DW^1^7`:                {Code: "Q6H"}, // a real calendar alignment and phase range
	} {
		got, err := ParseRDE(mustParse(t, lines(head, `PID|1||1^^^H^MR`, `ORC|NW|1`, `RXE||A^a|1||mg`, tq1, `RXR|PO`)), ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if r := got.Orders[0].Timing[0].Repeat; len(r) != 1 || r[0] != want {
			t.Errorf("%s: Repeat = %+v, want %+v", tq1, r, want)
		}
	}
}

func TestParseRDEReportsTruncatedMessages(t *testing.T) {
	full := string(sendable(fixture(t, "rde_o11_v251.hl7")))
	tests := []struct {
		name  string
		cut   string // the message ends just before this text
		seg   string
		field int
		code  string
	}{
		{"cut inside the first RXE", "|25||mg^milligram^UCUM|TAB", "RXE", 3, CodeRequiredFieldMissing},
		{"cut after the patient", "ORC|NW|ORD-558120", "ORC", 0, CodeSegmentSequence},
		{"cut after the first ORC", "TQ1|1|1^TAB&tablet&UCUM|BID&twice a day&HL70335|0800", "RXE", 0, CodeSegmentSequence},
		{"cut inside PID-3", "^^^STMARYS^PI", "PID", 3, CodeRequiredFieldMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := strings.Index(full, tt.cut)
			if i < 0 {
				t.Fatalf("%q not in fixture", tt.cut)
			}
			cut := full[:i]
			if tt.seg == "PID" {
				cut = full[:i-len("4412-77")]
			}
			m, err := Parse([]byte(cut))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			_, err = ParseRDE(m, ParseOptions{})
			if e := asError(t, err); e.Segment != tt.seg || e.Field != tt.field || e.Code != tt.code {
				t.Errorf("error = %+v, want %s at %s-%d", e, tt.code, tt.seg, tt.field)
			}
		})
	}
}

func TestParseRDERejectsMalformedTQ(t *testing.T) {
	for tq, comp := range map[string]int{"^Q6H^Z5": 3, "^Q6H^D": 3, "x^Q6H": 1, "^Q6H&25:00": 2, "^Q6H^^2026-03-14": 4, "^Q6H^^^^^^^^^^many": 12, "^Q6H^^^^^^^^^Q5": 11} {
		t.Run(tq, func(t *testing.T) {
			m := mustParse(t, fixture(t, "rde_o01_v23.hl7"))
			if err := setRaw(m, "RXE", 1, tq); err != nil {
				t.Fatal(err)
			}
			_, err := ParseRDE(m, ParseOptions{})
			e := asError(t, err)
			if e.Code != CodeDataType || e.Segment != "RXE" || e.Field != 1 || e.Component != comp {
				t.Errorf("error = %+v (%v), want 102 at RXE-1.%d", e, e, comp)
			}
		})
	}
}
