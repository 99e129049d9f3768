package hl7

import (
	"errors"
	"fmt"
	"time"
)

// AdminOutcome is what happened to a dose, as RAS reports it.
type AdminOutcome string

// Outcomes and the RXA-20 completion status each is sent as.
const (
	OutcomeGiven          AdminOutcome = "given"            // CP complete
	OutcomePartial        AdminOutcome = "partial"          // PA partially administered
	OutcomeRefused        AdminOutcome = "refused"          // RE refused, reason in RXA-18
	OutcomeHeld           AdminOutcome = "held"             // NA not administered, reason in RXA-9
	OutcomeNotGiven       AdminOutcome = "not-given"        // NA not administered, reason in RXA-9
	OutcomeEnteredInError AdminOutcome = "entered-in-error" // RXA-21 D: withdraws an earlier report
)

var completionStatus = map[AdminOutcome]string{
	OutcomeGiven: "CP", OutcomePartial: "PA", OutcomeRefused: "RE", OutcomeHeld: "NA", OutcomeNotGiven: "NA",
}

// Administration is one charted administration event, in the neutral terms
// EncodeRAS needs. Package mar fills it from its own records.
type Administration struct {
	// Message routing.
	ControlID            string    // MSH-10, required
	SendingApplication   string    // MSH-3
	SendingFacility      string    // MSH-4
	ReceivingApplication string    // MSH-5
	ReceivingFacility    string    // MSH-6
	MessageTime          time.Time // MSH-7; zero means RecordedAt
	ProcessingID         string    // MSH-11; empty means P

	// Patient.
	PatientMRN          string          // PID-3.1, required
	PatientMRNAuthority string          // PID-3.4
	PatientName         Name            // PID-5
	BirthDate           string          // PID-7, YYYY-MM-DD
	Sex                 string          // PID-8
	PatientClass        string          // PV1-2; empty means U (unknown)
	Location            PatientLocation // PV1-3, and RXA-11 where the dose was given

	// Order.
	PlacerOrder EntityID // ORC-2
	FillerOrder EntityID // ORC-3
	// Order, when set, is echoed as the RXE group (RXE, TQ1, RXR) so that
	// the receiver sees what was ordered beside what was given.
	Order *PharmacyOrder

	// Administration.
	Sequence   int       // RXA-2 administration sub-id counter; 0 means 1
	StartedAt  time.Time // RXA-3, required
	EndedAt    time.Time // RXA-4; zero means StartedAt (a dose given at once)
	RecordedAt time.Time // RXA-22 system entry time and ORC-9
	Product    CWE       // RXA-5, e.g. {Code: "00093005801", Text: "Amoxicillin 500 mg cap", System: "NDC"} or a GTIN
	Amount     float64   // RXA-6; sent as 0 when nothing was given
	Units      CWE       // RXA-7
	DosageForm CWE       // RXA-8
	Notes      []string  // RXA-9, free text
	Performer  Provider  // RXA-10, the nurse who gave (or documented) the dose
	// Witness is sent as the second RXA-10 repetition, and named in an
	// RXA-9 note as v2.5.1 has no role for it there.
	Witness    Provider
	Lot        string       // RXA-15
	Expiry     string       // RXA-16, YYYY-MM-DD
	Indication CWE          // RXA-19, e.g. the PRN reason
	Outcome    AdminOutcome // RXA-20 (and RXA-21 for entered-in-error)
	// ErroneousOutcome is, for OutcomeEnteredInError, the outcome of the
	// report being withdrawn (for its RXA-20); empty means given.
	ErroneousOutcome AdminOutcome
	// Reason explains a refusal (RXA-18), a held or not-given dose, or an
	// entered-in-error correction (RXA-9).
	Reason CWE
	// Update sends RXA-21 U, replacing an earlier report of the same
	// administration, instead of A.
	Update bool
	Route  CWE // RXR-1
	Site   CWE // RXR-2
}

// EncodeRAS builds a RAS^O17 (v2.5.1) pharmacy/treatment administration
// message: MSH, PID, PV1, ORC (ORC-1 RE), the optional RXE group, RXA and
// RXR. It refuses an Administration that lacks what the standard requires
// or holds a malformed date.
func EncodeRAS(a Administration) (*Message, error) {
	if err := a.validate(); err != nil {
		return nil, err
	}
	msgTime := a.MessageTime
	if msgTime.IsZero() {
		msgTime = a.RecordedAt
	}
	m := NewMessage(MessageHeader{
		SendingApplication: a.SendingApplication, SendingFacility: a.SendingFacility,
		ReceivingApplication: a.ReceivingApplication, ReceivingFacility: a.ReceivingFacility,
		Time: msgTime, Type: "RAS", Trigger: "O17", Structure: "RAS_O17",
		ControlID: a.ControlID, ProcessingID: a.ProcessingID, Version: "2.5.1",
	})

	pid := m.AddSegment("PID")
	pid.setValue(1, "1")
	pid.setComps(3, a.PatientMRN, "", "", a.PatientMRNAuthority, "MR")
	_ = pid.SetField(5, Field{a.PatientName.rep()})
	dob, _ := formatDate(a.BirthDate) // checked by validate
	pid.setValue(7, dob)
	pid.setValue(8, a.Sex)

	pv1 := m.AddSegment("PV1")
	pv1.setValue(1, "1")
	class := a.PatientClass
	if class == "" {
		class = "U"
	}
	pv1.setValue(2, class)
	_ = pv1.SetField(3, Field{a.Location.rep()})

	orc := m.AddSegment("ORC")
	orc.setValue(1, "RE")
	_ = orc.SetField(2, Field{a.PlacerOrder.rep()})
	_ = orc.SetField(3, Field{a.FillerOrder.rep()})
	if !a.RecordedAt.IsZero() {
		orc.setValue(9, FormatDTM(a.RecordedAt))
	}

	if a.Order != nil {
		addOrderEncoding(m, a.Order, a)
	}

	rxa := m.AddSegment("RXA")
	rxa.setValue(1, "0")
	seq := a.Sequence
	if seq < 1 {
		seq = 1
	}
	rxa.setValue(2, fmt.Sprint(seq))
	rxa.setValue(3, FormatDTM(a.StartedAt))
	end := a.EndedAt
	if end.IsZero() {
		end = a.StartedAt
	}
	rxa.setValue(4, FormatDTM(end))
	_ = rxa.SetField(5, Field{a.Product.rep()})
	amount := a.Amount
	outcome, status, action := a.Outcome, "", "A"
	if outcome == OutcomeEnteredInError {
		action = "D"
		outcome = a.ErroneousOutcome
		if outcome == "" {
			outcome = OutcomeGiven
		}
	} else if a.Update {
		action = "U"
	}
	status = completionStatus[outcome]
	if status == "NA" || status == "RE" {
		amount = 0
	}
	rxa.setValue(6, formatNM(amount))
	if !a.Units.IsZero() {
		_ = rxa.SetField(7, Field{a.Units.rep()})
	}
	if !a.DosageForm.IsZero() {
		_ = rxa.SetField(8, Field{a.DosageForm.rep()})
	}
	var notes Field
	if !a.Reason.IsZero() && a.Outcome != OutcomeRefused {
		notes = append(notes, a.Reason.rep())
	}
	for _, n := range a.Notes {
		notes = append(notes, compsRep("", n))
	}
	if !a.Witness.IsZero() {
		notes = append(notes, compsRep("", "Witnessed by "+providerLabel(a.Witness)))
	}
	if len(notes) > 0 {
		_ = rxa.SetField(9, notes)
	}
	performers := Field{a.Performer.rep()}
	if !a.Witness.IsZero() {
		performers = append(performers, a.Witness.rep())
	}
	_ = rxa.SetField(10, performers)
	if !a.Location.IsZero() {
		// RXA-11 is an LA2, whose first nine components are those of a PL.
		_ = rxa.SetField(11, Field{a.Location.rep()})
	}
	rxa.setValue(15, a.Lot)
	exp, _ := formatDate(a.Expiry) // checked by validate
	rxa.setValue(16, exp)
	if a.Outcome == OutcomeRefused && !a.Reason.IsZero() {
		_ = rxa.SetField(18, Field{a.Reason.rep()})
	}
	if !a.Indication.IsZero() {
		_ = rxa.SetField(19, Field{a.Indication.rep()})
	}
	rxa.setValue(20, status)
	rxa.setValue(21, action)
	if !a.RecordedAt.IsZero() {
		rxa.setValue(22, FormatDTM(a.RecordedAt))
	}

	rxr := m.AddSegment("RXR")
	_ = rxr.SetField(1, Field{a.Route.rep()})
	if !a.Site.IsZero() {
		_ = rxr.SetField(2, Field{a.Site.rep()})
	}
	return m, nil
}

func (a Administration) validate() error {
	var errs []error
	if a.ControlID == "" {
		errs = append(errs, errors.New("ControlID is required (MSH-10)"))
	}
	if a.PatientMRN == "" {
		errs = append(errs, errors.New("PID-3: PatientMRN is required"))
	}
	if a.StartedAt.IsZero() {
		errs = append(errs, errors.New("RXA-3: StartedAt is required"))
	}
	if a.Product.Code == "" && a.Product.Text == "" {
		errs = append(errs, errors.New("RXA-5: Product needs a code or a text"))
	}
	if a.Route.IsZero() {
		errs = append(errs, errors.New("RXR-1: Route is required"))
	}
	switch a.Outcome {
	case OutcomeGiven, OutcomePartial, OutcomeRefused, OutcomeHeld, OutcomeNotGiven:
	case OutcomeEnteredInError:
		if a.ErroneousOutcome == OutcomeEnteredInError || a.ErroneousOutcome != "" && completionStatus[a.ErroneousOutcome] == "" {
			errs = append(errs, fmt.Errorf("field ErroneousOutcome: %q is not an outcome", a.ErroneousOutcome))
		}
	default:
		errs = append(errs, fmt.Errorf("field Outcome: %q is not one of given, partial, refused, held, not-given, entered-in-error", a.Outcome))
	}
	if _, err := formatDate(a.BirthDate); err != nil {
		errs = append(errs, fmt.Errorf("field BirthDate: %w", err))
	}
	if _, err := formatDate(a.Expiry); err != nil {
		errs = append(errs, fmt.Errorf("field Expiry: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("hl7: cannot encode RAS: %w", err)
	}
	return nil
}

func providerLabel(p Provider) string {
	name := p.Given
	if p.Family != "" {
		if name != "" {
			name += " "
		}
		name += p.Family
	}
	switch {
	case name == "":
		return p.ID
	case p.ID == "":
		return name
	}
	return name + " (" + p.ID + ")"
}

// addOrderEncoding appends the RAS ENCODING group: RXE, its TQ1 segments and
// its RXR segments.
func addOrderEncoding(m *Message, o *PharmacyOrder, a Administration) {
	rxe := m.AddSegment("RXE")
	_ = rxe.SetField(2, Field{o.GiveCode.rep()})
	rxe.setValue(3, formatNM(o.GiveAmountMin))
	if o.GiveAmountMax != 0 {
		rxe.setValue(4, formatNM(o.GiveAmountMax))
	}
	_ = rxe.SetField(5, Field{o.GiveUnits.rep()})
	if !o.DosageForm.IsZero() {
		_ = rxe.SetField(6, Field{o.DosageForm.rep()})
	}
	if f := cweField(o.AdministrationInstructions); f != nil {
		_ = rxe.SetField(7, f)
	}
	if f := cweField(o.PharmacyInstructions); f != nil {
		_ = rxe.SetField(21, f)
	}
	if o.GivePerTimeUnit != "" {
		rxe.setValue(22, o.GivePerTimeUnit)
	}
	if o.GiveRateAmount != "" {
		rxe.setValue(23, o.GiveRateAmount)
		_ = rxe.SetField(24, Field{o.GiveRateUnits.rep()})
	}
	if o.GiveStrength != 0 {
		rxe.setValue(25, formatNM(o.GiveStrength))
		_ = rxe.SetField(26, Field{o.GiveStrengthUnits.rep()})
	}
	if f := cweField(o.GiveIndications); f != nil {
		_ = rxe.SetField(27, f)
	}
	for i, t := range o.Timing {
		addTQ1(m, i+1, t)
	}
	routes := o.Routes
	if len(routes) == 0 {
		routes = []Route{{Route: a.Route, Site: a.Site}}
	}
	for _, r := range routes {
		rxr := m.AddSegment("RXR")
		_ = rxr.SetField(1, Field{r.Route.rep()})
		for n, c := range []CWE{r.Site, r.Device, r.Method} {
			if !c.IsZero() {
				_ = rxr.SetField(n+2, Field{c.rep()})
			}
		}
	}
}

func cweField(cs []CWE) Field {
	var f Field
	for _, c := range cs {
		f = append(f, c.rep())
	}
	return f
}

// addTQ1 writes a Timing as a TQ1 segment, whichever field it was read from.
func addTQ1(m *Message, setID int, t Timing) {
	tq1 := m.AddSegment("TQ1")
	tq1.setValue(1, fmt.Sprint(setID))
	if !t.Quantity.IsZero() {
		_ = tq1.SetField(2, quantityField(t.Quantity))
	}
	if len(t.Repeat) > 0 {
		var f Field
		for _, r := range t.Repeat {
			f = append(f, Repetition{r.sub()})
		}
		_ = tq1.SetField(3, f)
	}
	if len(t.ExplicitTimes) > 0 {
		var f Field
		for _, tm := range t.ExplicitTimes {
			f = append(f, Repetition{Component{tm}})
		}
		_ = tq1.SetField(4, f)
	}
	if !t.ServiceDuration.IsZero() {
		_ = tq1.SetField(6, quantityField(t.ServiceDuration))
	}
	if !t.Start.IsZero() {
		tq1.setValue(7, FormatDTM(t.Start))
	}
	if !t.End.IsZero() {
		tq1.setValue(8, FormatDTM(t.End))
	}
	if t.Priority != "" {
		tq1.setValue(9, t.Priority)
	}
	if t.Condition != "" {
		tq1.setValue(10, t.Condition)
	}
	if t.TextInstruction != "" {
		tq1.setValue(11, t.TextInstruction)
	}
	if t.Conjunction != "" {
		tq1.setValue(12, t.Conjunction)
	}
	if !t.OccurrenceDuration.IsZero() {
		_ = tq1.SetField(13, quantityField(t.OccurrenceDuration))
	}
	if t.TotalOccurrences != 0 {
		tq1.setValue(14, fmt.Sprint(t.TotalOccurrences))
	}
}

func quantityField(q Quantity) Field {
	r := Repetition{Component{formatNM(q.Value)}}
	if !q.Units.IsZero() {
		r = append(r, q.Units.sub())
	}
	return Field{r}
}
