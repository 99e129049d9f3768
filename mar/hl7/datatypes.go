package hl7

import (
	"fmt"
	"strconv"
)

// CWE is a coded value (HL7 CE, CWE or CNE): a code, its text and the coding
// system, with an optional alternate coding. A give code may be an NDC
// ("0093-0058-01^Amoxicillin 500 mg cap^NDC"), a GTIN, an RxNorm code or a
// local pharmacy code; System tells which.
type CWE struct {
	Code, Text, System          string // components 1-3
	AltCode, AltText, AltSystem string // components 4-6
	OriginalText                string // component 9 (v2.5+)
}

// IsZero reports whether no component is set.
func (c CWE) IsZero() bool { return c == CWE{} }

// Display is the best human-readable form: text, original text, else code.
func (c CWE) Display() string {
	switch {
	case c.Text != "":
		return c.Text
	case c.OriginalText != "":
		return c.OriginalText
	case c.AltText != "":
		return c.AltText
	}
	return c.Code
}

func (c CWE) rep() Repetition {
	return compsRep(c.Code, c.Text, c.System, c.AltCode, c.AltText, c.AltSystem, "", "", c.OriginalText)
}

// sub writes the coded value as subcomponents, for a CWE that sits inside a
// component (CQ units, RPT repeat pattern).
func (c CWE) sub() Component {
	comp := Component{c.Code, c.Text, c.System, c.AltCode, c.AltText, c.AltSystem}
	for len(comp) > 1 && comp[len(comp)-1] == "" {
		comp = comp[:len(comp)-1]
	}
	return comp
}

func cweOf(r Repetition) CWE {
	return CWE{
		Code: clean(r.Value(1)), Text: clean(r.Value(2)), System: clean(r.Value(3)),
		AltCode: clean(r.Value(4)), AltText: clean(r.Value(5)), AltSystem: clean(r.Value(6)),
		OriginalText: clean(r.Value(9)),
	}
}

func cweOfSub(c Component) CWE {
	return CWE{
		Code: clean(c.Sub(1)), Text: clean(c.Sub(2)), System: clean(c.Sub(3)),
		AltCode: clean(c.Sub(4)), AltText: clean(c.Sub(5)), AltSystem: clean(c.Sub(6)),
	}
}

func cwes(f Field) []CWE {
	var out []CWE
	for _, r := range f {
		if c := cweOf(r); !c.IsZero() {
			out = append(out, c)
		}
	}
	return out
}

// clean turns HL7's explicit null into "": the typed views report values,
// and "delete this value" reads the same as "no value" there.
func clean(s string) string {
	if s == NullValue {
		return ""
	}
	return s
}

// Name is a person's name (XPN).
type Name struct {
	Family   string // XPN.1 (FN.1 surname)
	Given    string // XPN.2
	Middle   string // XPN.3 second and further given names or initials
	Suffix   string // XPN.4, e.g. JR
	Prefix   string // XPN.5, e.g. DR
	Degree   string // XPN.6
	TypeCode string // XPN.7: L legal, D display, ...
}

func nameOf(r Repetition) Name {
	return Name{
		Family: clean(r.Value(1)), Given: clean(r.Value(2)), Middle: clean(r.Value(3)),
		Suffix: clean(r.Value(4)), Prefix: clean(r.Value(5)), Degree: clean(r.Value(6)),
		TypeCode: clean(r.Value(7)),
	}
}

func (n Name) rep() Repetition {
	return compsRep(n.Family, n.Given, n.Middle, n.Suffix, n.Prefix, n.Degree, n.TypeCode)
}

// Identifier is an identifier with its issuer (CX).
type Identifier struct {
	ID                 string // CX.1
	AssigningAuthority string // CX.4 (HD.1 namespace)
	// AuthorityUniversalID and AuthorityUniversalIDType are CX.4.2 and
	// CX.4.3 (e.g. an OID and ISO).
	AuthorityUniversalID, AuthorityUniversalIDType string
	TypeCode                                       string // CX.5: MR medical record number, PI, AN, VN, ...
	AssigningFacility                              string // CX.6 (HD.1)
}

func identifierOf(r Repetition) Identifier {
	auth := r.Comp(4)
	return Identifier{ID: clean(r.Value(1)), AssigningAuthority: clean(auth.Sub(1)), AuthorityUniversalID: clean(auth.Sub(2)),
		AuthorityUniversalIDType: clean(auth.Sub(3)), TypeCode: clean(r.Value(5)), AssigningFacility: clean(r.Value(6))}
}

// Provider is a person with an identifier (XCN): a prescriber, a
// pharmacist, a nurse.
type Provider struct {
	ID                 string // XCN.1
	Family             string // XCN.2
	Given              string // XCN.3
	Middle             string // XCN.4
	Suffix             string // XCN.5
	Prefix             string // XCN.6
	Degree             string // XCN.7
	AssigningAuthority string // XCN.9 (HD.1)
	IDType             string // XCN.13
}

// IsZero reports whether nothing is known of the provider.
func (p Provider) IsZero() bool { return p == Provider{} }

func providerOf(r Repetition) Provider {
	return Provider{
		ID: clean(r.Value(1)), Family: clean(r.Value(2)), Given: clean(r.Value(3)), Middle: clean(r.Value(4)),
		Suffix: clean(r.Value(5)), Prefix: clean(r.Value(6)), Degree: clean(r.Value(7)),
		AssigningAuthority: clean(r.Value(9)), IDType: clean(r.Value(13)),
	}
}

func (p Provider) rep() Repetition {
	return compsRep(p.ID, p.Family, p.Given, p.Middle, p.Suffix, p.Prefix, p.Degree, "", p.AssigningAuthority, "", "", "", p.IDType)
}

// PatientLocation is where a patient is (PL): unit, room, bed.
type PatientLocation struct {
	PointOfCare string // PL.1: the nursing unit or ward
	Room        string // PL.2
	Bed         string // PL.3
	Facility    string // PL.4 (HD.1)
	Status      string // PL.5
	Type        string // PL.6 person location type: N nursing unit, ...
	Building    string // PL.7
	Floor       string // PL.8
	Description string // PL.9
}

// IsZero reports whether no part of the location is known.
func (l PatientLocation) IsZero() bool { return l == PatientLocation{} }

func locationOf(r Repetition) PatientLocation {
	return PatientLocation{
		PointOfCare: clean(r.Value(1)), Room: clean(r.Value(2)), Bed: clean(r.Value(3)), Facility: clean(r.Value(4)),
		Status: clean(r.Value(5)), Type: clean(r.Value(6)), Building: clean(r.Value(7)), Floor: clean(r.Value(8)),
		Description: clean(r.Value(9)),
	}
}

func (l PatientLocation) rep() Repetition {
	return compsRep(l.PointOfCare, l.Room, l.Bed, l.Facility, l.Status, l.Type, l.Building, l.Floor, l.Description)
}

// EntityID is an order number (EI) with the system that assigned it.
type EntityID struct {
	ID              string // EI.1
	Namespace       string // EI.2
	UniversalID     string // EI.3
	UniversalIDType string // EI.4
}

func entityOf(r Repetition) EntityID {
	return EntityID{ID: clean(r.Value(1)), Namespace: clean(r.Value(2)), UniversalID: clean(r.Value(3)), UniversalIDType: clean(r.Value(4))}
}

func (e EntityID) rep() Repetition {
	return compsRep(e.ID, e.Namespace, e.UniversalID, e.UniversalIDType)
}

// Quantity is an amount with its units (CQ), e.g. 10^d for ten days.
type Quantity struct {
	Value float64
	Units CWE
}

// IsZero reports whether neither value nor units are set.
func (q Quantity) IsZero() bool { return q.Value == 0 && q.Units.IsZero() }

// parseNM reads an HL7 NM: an optional sign, digits and an optional decimal
// point. strconv.ParseFloat alone would also take "1e9", "Inf" and "NaN".
func parseNM(s string) (float64, error) {
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		case (c == '+' || c == '-') && i == 0:
		default:
			return 0, fmt.Errorf("%q is not a number", s)
		}
	}
	if digits == 0 {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return strconv.ParseFloat(s, 64)
}

func formatNM(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// reader reads typed fields of one segment occurrence and records where an
// error happened.
type reader struct {
	seg *Segment
	seq int
}

func (r reader) err(field, comp int, code, format string, args ...any) *Error {
	e := fieldError(r.seg.name, r.seq, field, code, format, args...)
	e.Component = comp
	return e
}

func (r reader) str(n int) string { return clean(r.seg.Field(n).Value()) }

func (r reader) cwe(n int) CWE { return cweOf(r.seg.Field(n).Rep(1)) }

// num reads an NM field; empty gives 0.
func (r reader) num(n int) (float64, error) {
	v := r.str(n)
	if v == "" {
		return 0, nil
	}
	f, err := parseNM(v)
	if err != nil {
		return 0, &Error{Segment: r.seg.name, SeqInSegmentGroup: r.seq, Field: n, Code: CodeDataType, Message: "invalid number", Err: err}
	}
	return f, nil
}

func (r reader) required(n int, what string) *Error {
	if r.seg.Field(n).Empty() || r.str(n) == "" && cweOf(r.seg.Field(n).Rep(1)).IsZero() {
		return r.err(n, 0, CodeRequiredFieldMissing, "%s-%d (%s) is required", r.seg.name, n, what)
	}
	return nil
}

// quantity reads a CQ held in repetition rep of field n.
func (r reader) quantity(n int) (Quantity, error) {
	rep := r.seg.Field(n).Rep(1)
	q := Quantity{Units: cweOfSub(rep.Comp(2))}
	if v := clean(rep.Value(1)); v != "" {
		f, err := parseNM(v)
		if err != nil {
			return q, &Error{Segment: r.seg.name, SeqInSegmentGroup: r.seq, Field: n, Component: 1, Code: CodeDataType, Message: "invalid quantity", Err: err}
		}
		q.Value = f
	}
	return q, nil
}
