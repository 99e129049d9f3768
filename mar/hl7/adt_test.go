package hl7

import (
	"reflect"
	"testing"
	"time"
)

func TestParseADTReadsEvents(t *testing.T) {
	est := time.FixedZone("", -5*3600)
	edt := time.FixedZone("", -4*3600)
	ny := mustLoad(t, "America/New_York")
	tests := []struct {
		file    string
		event   string
		kind    EventKind
		rec     time.Time
		occ     time.Time
		visit   Visit
		nAllerg int
	}{
		{
			file: "adt_a01.hl7", event: "A01", kind: EventAdmit,
			rec: time.Date(2026, 3, 12, 14, 15, 30, 0, est), occ: time.Date(2026, 3, 12, 14, 15, 0, 0, est),
			visit: Visit{
				Class:           "I",
				Location:        PatientLocation{PointOfCare: "4W", Room: "412", Bed: "B", Facility: "STMARYS", Type: "N", Building: "MAIN", Floor: "4"},
				AttendingDoctor: Provider{ID: "1447", Family: "Whitfield", Given: "Sarah", Prefix: "Dr", Degree: "MD"},
				VisitNumber:     "V7781234",
				AdmitTime:       time.Date(2026, 3, 12, 14, 15, 0, 0, est),
			},
			nAllerg: 1,
		},
		{
			file: "adt_a02.hl7", event: "A02", kind: EventTransfer,
			rec: time.Date(2026, 3, 15, 9, 30, 10, 0, est), occ: time.Date(2026, 3, 15, 9, 25, 0, 0, est),
			visit: Visit{
				Class:           "I",
				Location:        PatientLocation{PointOfCare: "CCU", Room: "03", Bed: "A", Facility: "STMARYS", Type: "N", Building: "MAIN", Floor: "2"},
				PriorLocation:   PatientLocation{PointOfCare: "4W", Room: "412", Bed: "B", Facility: "STMARYS", Type: "N", Building: "MAIN", Floor: "4"},
				AttendingDoctor: Provider{ID: "1447", Family: "Whitfield", Given: "Sarah", Prefix: "Dr", Degree: "MD"},
				VisitNumber:     "V7781234",
				AdmitTime:       time.Date(2026, 3, 12, 14, 15, 0, 0, est),
			},
		},
		{
			file: "adt_a03.hl7", event: "A03", kind: EventDischarge,
			rec: time.Date(2026, 3, 20, 11, 2, 5, 0, edt),
			visit: Visit{
				Class:         "I",
				Location:      PatientLocation{PointOfCare: "CCU", Room: "03", Bed: "A", Facility: "STMARYS"},
				VisitNumber:   "V7781234",
				AdmitTime:     time.Date(2026, 3, 12, 14, 15, 0, 0, est),
				DischargeTime: time.Date(2026, 3, 20, 11, 0, 0, 0, edt),
			},
		},
		{
			// v2.4 without offsets: times are read in the facility zone.
			file: "adt_a08_v24.hl7", event: "A08", kind: EventUpdate,
			rec: time.Date(2026, 3, 16, 12, 0, 0, 0, ny),
			visit: Visit{
				Class:       "I",
				Location:    PatientLocation{PointOfCare: "CCU", Room: "05", Bed: "B"},
				VisitNumber: "V7781234",
			},
			nAllerg: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ev, err := ParseADT(mustParse(t, fixture(t, tt.file)), ParseOptions{Location: ny})
			if err != nil {
				t.Fatal(err)
			}
			if ev.Event != tt.event || ev.Kind != tt.kind {
				t.Errorf("event = %s %s, want %s %s", ev.Event, ev.Kind, tt.event, tt.kind)
			}
			if !ev.RecordedAt.Equal(tt.rec) || !ev.OccurredAt.Equal(tt.occ) {
				t.Errorf("times = %v / %v, want %v / %v", ev.RecordedAt, ev.OccurredAt, tt.rec, tt.occ)
			}
			if !reflect.DeepEqual(ev.Visit, tt.visit) {
				t.Errorf("Visit =\n%+v\nwant\n%+v", ev.Visit, tt.visit)
			}
			if ev.Patient.MRN != "00981123" || ev.Patient.Name.Family != "O'Neil" || ev.Patient.BirthDate != "1941-07-02" || ev.Patient.Sex != "F" {
				t.Errorf("Patient = %+v", ev.Patient)
			}
			if len(ev.Patient.Allergies) != tt.nAllerg {
				t.Errorf("%d allergies, want %d", len(ev.Patient.Allergies), tt.nAllerg)
			}
		})
	}
}

func TestParseADTReadsOtherIdentifiersAndAllergies(t *testing.T) {
	ev, err := ParseADT(mustParse(t, fixture(t, "adt_a08_v24.hl7")), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Allergy{
		{Type: CWE{Code: "DA"}, Allergen: CWE{Text: "Sulfa drugs"}, Severity: CWE{Code: "MO"}, Reactions: []string{"Rash"}, IdentifiedOn: "2026-03-16"},
		{Type: CWE{Code: "DA"}, Allergen: CWE{Code: "7980", Text: "Penicillin G", System: "RXNORM"}, Severity: CWE{Code: "SV"}, Reactions: []string{"Anaphylaxis"}},
	}
	if !reflect.DeepEqual(ev.Patient.Allergies, want) {
		t.Errorf("Allergies = %+v", ev.Patient.Allergies)
	}
	a01, err := ParseADT(mustParse(t, fixture(t, "adt_a01.hl7")), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ids := []Identifier{{ID: "00981123", AssigningAuthority: "STMARYS", TypeCode: "MR"}, {ID: "123-45-6789", AssigningAuthority: "USSSA", TypeCode: "SS"}}
	if !reflect.DeepEqual(a01.Patient.Identifiers, ids) {
		t.Errorf("Identifiers = %+v", a01.Patient.Identifiers)
	}
}

func TestParseADTTakesEventFromEVNWhenMSHLacksIt(t *testing.T) {
	m := mustParse(t, fixture(t, "adt_a08_v24.hl7"))
	if err := m.Segment("MSH").SetField(9, NewField("ADT")); err != nil {
		t.Fatal(err)
	}
	ev, err := ParseADT(m, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Event != "A08" || ev.Kind != EventUpdate {
		t.Errorf("event = %s %s", ev.Event, ev.Kind)
	}
}

func TestParseADTHandlesCancellations(t *testing.T) {
	for trigger, kind := range map[string]EventKind{"A04": EventRegister, "A11": EventCancelAdmit, "A12": EventCancelTransfer, "A13": EventCancelDischarge} {
		m := mustParse(t, fixture(t, "adt_a01.hl7"))
		_ = m.Set("MSH-9.2", trigger)
		ev, err := ParseADT(m, ParseOptions{})
		if err != nil || ev.Kind != kind {
			t.Errorf("%s: kind %s, %v; want %s", trigger, ev.Kind, err, kind)
		}
	}
}

func TestParseADTReportsWhatIsWrong(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(m *Message)
		code  string
		seg   string
		field int
	}{
		{"unsupported event", func(m *Message) { _ = m.Set("MSH-9.2", "A31") }, CodeUnsupportedEventCode, "MSH", 9},
		{"not an ADT", func(m *Message) { _ = m.Set("MSH-9.1", "ORU") }, CodeUnsupportedMessageType, "MSH", 9},
		{"missing PID-3", func(m *Message) { _ = m.Segment("PID").SetField(3, nil) }, CodeRequiredFieldMissing, "PID", 3},
		{"no PID", func(m *Message) { m.segs = removeSegment(m.segs, "PID") }, CodeSegmentSequence, "PID", 0},
		{"no PV1", func(m *Message) { m.segs = removeSegment(m.segs, "PV1") }, CodeSegmentSequence, "PV1", 0},
		{"bad admit time", func(m *Message) { _ = m.Set("PV1-44", "2026031214150") }, CodeDataType, "PV1", 44},
		{"bad event time", func(m *Message) { _ = m.Set("EVN-2", "soon") }, CodeDataType, "EVN", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, fixture(t, "adt_a01.hl7"))
			tt.edit(m)
			_, err := ParseADT(m, ParseOptions{})
			if e := asError(t, err); e.Code != tt.code || e.Segment != tt.seg || e.Field != tt.field {
				t.Errorf("error = %+v, want %s at %s-%d", e, tt.code, tt.seg, tt.field)
			}
		})
	}
}

func removeSegment(segs []*Segment, name string) []*Segment {
	var out []*Segment
	for _, s := range segs {
		if s.name != name {
			out = append(out, s)
		}
	}
	return out
}
