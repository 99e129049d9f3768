package hl7

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// RDEOrderMessage is an RDE^O11 (v2.4+) or RDE^O01 (v2.3) pharmacy/treatment
// encoded order message: one patient and one or more orders, each an ORC
// group.
type RDEOrderMessage struct {
	Header  MessageHeader
	Patient Patient
	Visit   Visit // zero when the message has no PV1
	Orders  []PharmacyOrder
}

// PharmacyOrder is one ORC group of an RDE message, as pharmacy encoded it.
type PharmacyOrder struct {
	// Control is ORC-1, what to do with the order (table 0119): NW new,
	// XO change, DC discontinue, CA cancel, HD hold, RL release hold,
	// RP replace, OD/OC/OH/OR unsolicited discontinued/cancelled/held/
	// released, SC status changed.
	Control            string
	PlacerOrder        EntityID  // ORC-2, the prescriber system's order number
	FillerOrder        EntityID  // ORC-3, the pharmacy's order number
	PlacerGroup        EntityID  // ORC-4
	Status             string    // ORC-5 (table 0038): A, CA, CM, DC, ER, HD, IP, RP, SC
	TransactionTime    time.Time // ORC-9
	EnteredBy          Provider  // ORC-10
	VerifiedBy         Provider  // ORC-11, usually the verifying pharmacist
	OrderingProvider   Provider  // ORC-12
	OrderControlReason CWE       // ORC-16, e.g. why it was discontinued

	GiveCode                   CWE     // RXE-2: an NDC, GTIN, RxNorm or local code, with its text
	GiveAmountMin              float64 // RXE-3
	GiveAmountMax              float64 // RXE-4; 0 unless the dose is a range
	GiveUnits                  CWE     // RXE-5
	DosageForm                 CWE     // RXE-6
	AdministrationInstructions []CWE   // RXE-7, the prescriber's
	PharmacyInstructions       []CWE   // RXE-21
	GivePerTimeUnit            string  // RXE-22
	GiveRateAmount             string  // RXE-23 (ST: a number as sent)
	GiveRateUnits              CWE     // RXE-24
	GiveStrength               float64 // RXE-25
	GiveStrengthUnits          CWE     // RXE-26
	GiveIndications            []CWE   // RXE-27

	// Routes are the RXR segments of the encoded order (after RXE), or of
	// the order detail (after RXO) when the encoding has none.
	Routes []Route
	// Components are the RXC segments (bases and additives of an IV mix),
	// chosen like Routes.
	Components []RxComponent
	// Timing comes from the TQ1 segments after RXE, else the TQ1 segments
	// after ORC, else RXE-1, else ORC-7: v2.5 moved quantity/timing from
	// the fields into TQ1, and senders differ in how far they followed.
	Timing []Timing
	Notes  []string // NTE-3 of the NTE segments in the order group
}

// Route is one RXR segment.
type Route struct {
	Route  CWE // RXR-1 (table 0162): PO, IV, SC, IM, TD, SL, PR, ...
	Site   CWE // RXR-2 (table 0163): LA left arm, RD right deltoid, ...
	Device CWE // RXR-3
	Method CWE // RXR-4
}

// RxComponent is one RXC segment.
type RxComponent struct {
	Type          string  // RXC-1: B base, A additive
	Code          CWE     // RXC-2
	Amount        float64 // RXC-3
	Units         CWE     // RXC-4
	Strength      float64 // RXC-5
	StrengthUnits CWE     // RXC-6
}

// ParseRDE reads a pharmacy encoded order message. It requires what an eMAR
// cannot do without and the standard requires too: PID with PID-3, and in
// every ORC group ORC-1, an RXE with RXE-2, RXE-3 and RXE-5, and an RXR with
// RXR-1. Segments it does not use (PD1, PV2, IN1, GT1, RXO, TQ2, OBX, FT1,
// BLG, CTI, Z-segments) are skipped.
func ParseRDE(m *Message, opts ParseOptions) (RDEOrderMessage, error) {
	var out RDEOrderMessage
	h, err := checkHeader(m, opts, "RDE", "O11", "O01")
	if err != nil {
		return out, err
	}
	out.Header = h
	loc := opts.loc()

	var (
		w      segmentWalker
		pid    *reader
		groups [][]reader // each starts with its ORC
	)
	for _, s := range m.segs[1:] {
		r := w.next(s)
		switch {
		case s.name == "ORC":
			groups = append(groups, []reader{r})
		case len(groups) > 0:
			groups[len(groups)-1] = append(groups[len(groups)-1], r)
		case s.name == "PID":
			if pid != nil {
				return out, &Error{Segment: "PID", SeqInSegmentGroup: r.seq, Code: CodeSegmentSequence, Message: "a second PID: one patient per message"}
			}
			pid = &r
		case s.name == "PV1":
			if out.Visit, err = readVisit(r, loc); err != nil {
				return out, err
			}
		case s.name == "AL1":
			a, err := readAllergy(r)
			if err != nil {
				return out, err
			}
			out.Patient.Allergies = append(out.Patient.Allergies, a)
		}
	}
	if pid == nil {
		return out, &Error{Segment: "PID", Code: CodeSegmentSequence, Message: "message has no PID segment: an order needs a patient"}
	}
	allergies := out.Patient.Allergies
	if out.Patient, err = readPatient(*pid); err != nil {
		return out, err
	}
	out.Patient.Allergies = allergies
	if len(groups) == 0 {
		return out, &Error{Segment: "ORC", Code: CodeSegmentSequence, Message: "message has no ORC segment"}
	}
	for i, g := range groups {
		o, err := readOrder(g, loc)
		if err != nil {
			var e *Error
			if errors.As(err, &e) && e.Message != "" {
				e.Message = fmt.Sprintf("order %d: %s", i+1, e.Message)
			}
			return out, err
		}
		out.Orders = append(out.Orders, o)
	}
	return out, nil
}

func readOrder(g []reader, loc *time.Location) (PharmacyOrder, error) {
	orc := g[0]
	var o PharmacyOrder
	if err := orc.required(1, "order control"); err != nil {
		return o, err
	}
	o.Control = orc.str(1)
	o.PlacerOrder = entityOf(orc.seg.Field(2).Rep(1))
	o.FillerOrder = entityOf(orc.seg.Field(3).Rep(1))
	o.PlacerGroup = entityOf(orc.seg.Field(4).Rep(1))
	o.Status = orc.str(5)
	var err error
	if o.TransactionTime, err = dtmField(orc.seg, orc.seq, 9, loc); err != nil {
		return o, err
	}
	o.EnteredBy = providerOf(orc.seg.Field(10).Rep(1))
	o.VerifiedBy = providerOf(orc.seg.Field(11).Rep(1))
	o.OrderingProvider = providerOf(orc.seg.Field(12).Rep(1))
	o.OrderControlReason = orc.cwe(16)

	var (
		rxe                         *reader
		orderTiming, encodedTiming  []Timing
		detailRoutes, encodedRoutes []Route
		detailComps, encodedComps   []RxComponent
	)
	for _, r := range g[1:] {
		switch r.seg.name {
		case "RXE":
			if rxe != nil {
				return o, &Error{Segment: "RXE", SeqInSegmentGroup: r.seq, Code: CodeSegmentSequence, Message: "a second RXE in one order group"}
			}
			rxe = &r
		case "TQ1":
			t, err := readTQ1(r, loc)
			if err != nil {
				return o, err
			}
			if rxe == nil {
				orderTiming = append(orderTiming, t)
			} else {
				encodedTiming = append(encodedTiming, t)
			}
		case "RXR":
			rt, err := readRoute(r)
			if err != nil {
				return o, err
			}
			if rxe == nil {
				detailRoutes = append(detailRoutes, rt)
			} else {
				encodedRoutes = append(encodedRoutes, rt)
			}
		case "RXC":
			c, err := readRXC(r)
			if err != nil {
				return o, err
			}
			if rxe == nil {
				detailComps = append(detailComps, c)
			} else {
				encodedComps = append(encodedComps, c)
			}
		case "NTE":
			if note := noteText(r); note != "" {
				o.Notes = append(o.Notes, note)
			}
		}
	}
	if rxe == nil {
		return o, &Error{Segment: "RXE", Code: CodeSegmentSequence, Message: fmt.Sprintf("the order group of ORC occurrence %d has no RXE", orc.seq)}
	}
	if err := readRXE(*rxe, &o); err != nil {
		return o, err
	}
	o.Routes = firstNonEmpty(encodedRoutes, detailRoutes)
	if len(o.Routes) == 0 {
		return o, &Error{Segment: "RXR", Code: CodeSegmentSequence, Message: "the order has no RXR: the route is required"}
	}
	o.Components = firstNonEmpty(encodedComps, detailComps)
	o.Timing = firstNonEmpty(encodedTiming, orderTiming)
	if len(o.Timing) == 0 {
		if o.Timing, err = readTQ(*rxe, 1, loc); err != nil {
			return o, err
		}
	}
	if len(o.Timing) == 0 {
		if o.Timing, err = readTQ(orc, 7, loc); err != nil {
			return o, err
		}
	}
	return o, nil
}

func firstNonEmpty[T any](lists ...[]T) []T {
	for _, l := range lists {
		if len(l) > 0 {
			return l
		}
	}
	return nil
}

func readRXE(r reader, o *PharmacyOrder) error {
	for _, req := range []struct {
		n    int
		what string
	}{{2, "give code"}, {3, "give amount - minimum"}, {5, "give units"}} {
		if err := r.required(req.n, req.what); err != nil {
			return err
		}
	}
	o.GiveCode = r.cwe(2)
	var err error
	if o.GiveAmountMin, err = r.num(3); err != nil {
		return err
	}
	if o.GiveAmountMax, err = r.num(4); err != nil {
		return err
	}
	o.GiveUnits = r.cwe(5)
	o.DosageForm = r.cwe(6)
	o.AdministrationInstructions = cwes(r.seg.Field(7))
	o.PharmacyInstructions = cwes(r.seg.Field(21))
	o.GivePerTimeUnit = r.str(22)
	o.GiveRateAmount = r.str(23)
	o.GiveRateUnits = r.cwe(24)
	if o.GiveStrength, err = r.num(25); err != nil {
		return err
	}
	o.GiveStrengthUnits = r.cwe(26)
	o.GiveIndications = cwes(r.seg.Field(27))
	return nil
}

func readRoute(r reader) (Route, error) {
	if err := r.required(1, "route"); err != nil {
		return Route{}, err
	}
	return Route{Route: r.cwe(1), Site: r.cwe(2), Device: r.cwe(3), Method: r.cwe(4)}, nil
}

func readRXC(r reader) (RxComponent, error) {
	for _, req := range []struct {
		n    int
		what string
	}{{1, "component type"}, {2, "component code"}, {3, "component amount"}, {4, "component units"}} {
		if err := r.required(req.n, req.what); err != nil {
			return RxComponent{}, err
		}
	}
	c := RxComponent{Type: r.str(1), Code: r.cwe(2), Units: r.cwe(4), StrengthUnits: r.cwe(6)}
	var err error
	if c.Amount, err = r.num(3); err != nil {
		return c, err
	}
	if c.Strength, err = r.num(5); err != nil {
		return c, err
	}
	return c, nil
}

// noteText joins the repetitions of NTE-3 with line breaks.
func noteText(r reader) string {
	var lines []string
	for _, rep := range r.seg.Field(3) {
		lines = append(lines, clean(rep.Value(1)))
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}
