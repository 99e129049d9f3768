package hl7

import (
	"strings"
	"time"
)

// Patient is what PID and AL1 say about the patient.
type Patient struct {
	// MRN is the PID-3 identifier typed MR (medical record number), else the
	// first identifier: what the wristband usually encodes.
	MRN string
	// MRNIdentifier is the PID-3 repetition MRN comes from, with its
	// assigning authority: the value alone does not identify anyone.
	MRNIdentifier Identifier
	Identifiers   []Identifier // every PID-3 repetition, in order
	Name          Name         // the PID-5 repetition typed L (legal), else the first
	BirthDate     string       // PID-7 as YYYY-MM-DD (YYYY-MM or YYYY when that is all that was sent)
	Sex           string       // PID-8 as sent; table 0001: F, M, O, U, A, N
	Allergies     []Allergy    // AL1 segments, in order
}

// Allergy is one AL1 segment.
type Allergy struct {
	Type         CWE      // AL1-2: DA drug, FA food, MA miscellaneous, EA environmental, ...
	Allergen     CWE      // AL1-3
	Severity     CWE      // AL1-4: SV severe, MO moderate, MI mild, U unknown
	Reactions    []string // AL1-5
	IdentifiedOn string   // AL1-6 as YYYY-MM-DD
}

// Visit is what PV1 says about the stay.
type Visit struct {
	Class           string          // PV1-2: I inpatient, O outpatient, E emergency, R recurring, ...
	Location        PatientLocation // PV1-3 assigned location: unit, room, bed
	PriorLocation   PatientLocation // PV1-6, set on transfers
	AttendingDoctor Provider        // PV1-7
	VisitNumber     string          // PV1-19.1
	AdmitTime       time.Time       // PV1-44
	DischargeTime   time.Time       // PV1-45
}

func readPatient(pid reader) (Patient, error) {
	var p Patient
	for _, rep := range pid.seg.Field(3) {
		if id := identifierOf(rep); id.ID != "" {
			p.Identifiers = append(p.Identifiers, id)
		}
	}
	if len(p.Identifiers) == 0 {
		return p, pid.err(3, 0, CodeRequiredFieldMissing, "PID-3 (patient identifier list) is required")
	}
	p.MRNIdentifier = p.Identifiers[0]
	for _, id := range p.Identifiers {
		if strings.EqualFold(id.TypeCode, "MR") {
			p.MRNIdentifier = id
			break
		}
	}
	p.MRN = p.MRNIdentifier.ID
	names := pid.seg.Field(5)
	p.Name = nameOf(names.Rep(1))
	for _, rep := range names {
		if n := nameOf(rep); n.TypeCode == "L" {
			p.Name = n
			break
		}
	}
	if dob := pid.str(7); dob != "" {
		d, err := parseDate(dob)
		if err != nil {
			return p, &Error{Segment: "PID", SeqInSegmentGroup: pid.seq, Field: 7, Code: CodeDataType, Message: "invalid date of birth", Err: err}
		}
		p.BirthDate = d
	}
	p.Sex = pid.str(8)
	return p, nil
}

func readAllergy(al1 reader) (Allergy, error) {
	if err := al1.required(3, "allergen"); err != nil {
		return Allergy{}, err
	}
	a := Allergy{
		Type:     al1.cwe(2),
		Allergen: al1.cwe(3),
		Severity: al1.cwe(4),
	}
	for _, rep := range al1.seg.Field(5) {
		if v := clean(rep.Value(1)); v != "" {
			a.Reactions = append(a.Reactions, v)
		}
	}
	if v := al1.str(6); v != "" {
		d, err := parseDate(v)
		if err != nil {
			return a, &Error{Segment: "AL1", SeqInSegmentGroup: al1.seq, Field: 6, Code: CodeDataType, Message: "invalid identification date", Err: err}
		}
		a.IdentifiedOn = d
	}
	return a, nil
}

func readVisit(pv1 reader, loc *time.Location) (Visit, error) {
	v := Visit{
		Class:           pv1.str(2),
		Location:        locationOf(pv1.seg.Field(3).Rep(1)),
		PriorLocation:   locationOf(pv1.seg.Field(6).Rep(1)),
		AttendingDoctor: providerOf(pv1.seg.Field(7).Rep(1)),
		VisitNumber:     pv1.str(19),
	}
	var err error
	if v.AdmitTime, err = dtmField(pv1.seg, pv1.seq, 44, loc); err != nil {
		return v, err
	}
	if v.DischargeTime, err = dtmField(pv1.seg, pv1.seq, 45, loc); err != nil {
		return v, err
	}
	return v, nil
}

// checkHeader verifies that m is one of the messages a view understands and
// reads its MSH.
func checkHeader(m *Message, opts ParseOptions, code string, triggers ...string) (MessageHeader, error) {
	h, err := m.Header(opts.loc())
	if err != nil {
		return h, err
	}
	if h.Type == "" {
		return h, &Error{Segment: "MSH", SeqInSegmentGroup: 1, Field: 9, Component: 1, Code: CodeRequiredFieldMissing, Message: "MSH-9 (message type) is required"}
	}
	if h.Type != code {
		return h, &Error{Segment: "MSH", SeqInSegmentGroup: 1, Field: 9, Component: 1, Code: CodeUnsupportedMessageType,
			Message: "message type " + h.Type + " is not " + code}
	}
	if len(triggers) > 0 && !contains(triggers, h.Trigger) {
		return h, &Error{Segment: "MSH", SeqInSegmentGroup: 1, Field: 9, Component: 2, Code: CodeUnsupportedEventCode,
			Message: "trigger event " + code + "^" + h.Trigger + " is not supported; want one of " + strings.Join(triggers, ", ")}
	}
	if h.ControlID == "" {
		return h, &Error{Segment: "MSH", SeqInSegmentGroup: 1, Field: 10, Code: CodeRequiredFieldMissing, Message: "MSH-10 (message control id) is required"}
	}
	if h.Version == "" {
		return h, &Error{Segment: "MSH", SeqInSegmentGroup: 1, Field: 12, Code: CodeRequiredFieldMissing, Message: "MSH-12 (version id) is required"}
	}
	if !supportedVersion(h.Version) {
		return h, &Error{Segment: "MSH", SeqInSegmentGroup: 1, Field: 12, Code: CodeUnsupportedVersion,
			Message: "version " + h.Version + " is not supported; want 2.3 to 2.9"}
	}
	return h, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// version reads "2.5.1" as (2, 5, 1); ok is false for anything that is not
// dotted digits.
func version(v string) (major, minor, patch int, ok bool) {
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, false
	}
	nums := []*int{&major, &minor, &patch}
	for i, p := range parts {
		if !allDigits(p) || len(p) > 3 {
			return 0, 0, 0, false
		}
		n := 0
		for j := 0; j < len(p); j++ {
			n = n*10 + int(p[j]-'0')
		}
		*nums[i] = n
	}
	return major, minor, patch, true
}

func supportedVersion(v string) bool {
	major, minor, _, ok := version(v)
	return ok && major == 2 && minor >= 3 && minor <= 9
}

// versionAtLeast reports whether v is minor version 2.minor or later; an
// unreadable version counts as new, so replies use the current layout.
func versionAtLeast(v string, minor int) bool {
	major, m, _, ok := version(v)
	if !ok {
		return true
	}
	return major > 2 || major == 2 && m >= minor
}

// segmentWalker numbers segment occurrences as it goes, for error locations.
type segmentWalker struct{ seen map[string]int }

func (w *segmentWalker) next(s *Segment) reader {
	if w.seen == nil {
		w.seen = map[string]int{}
	}
	w.seen[s.name]++
	return reader{seg: s, seq: w.seen[s.name]}
}
