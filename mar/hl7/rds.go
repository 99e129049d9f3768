package hl7

import (
	"errors"
	"fmt"
	"time"
)

// RDSDispenseMessage is an RDS^O13 (v2.4+) or RDS^O01 (v2.3) pharmacy/
// treatment dispense message: one patient and, for each order, what the
// pharmacy sent (RXD).
type RDSDispenseMessage struct {
	Header    MessageHeader
	Patient   Patient
	Visit     Visit // zero when the message has no PV1
	Dispenses []PharmacyDispense
}

// PharmacyDispense is one ORC group of an RDS message.
type PharmacyDispense struct {
	Control     string   // ORC-1, usually RE
	PlacerOrder EntityID // ORC-2
	FillerOrder EntityID // ORC-3
	// Order is the RXE of the group, when the sender repeats the encoded
	// order; nil when it does not.
	Order *PharmacyOrder

	SubID          string    // RXD-1
	Code           CWE       // RXD-2, the product dispensed (NDC, GTIN, local)
	DispensedAt    time.Time // RXD-3
	Amount         float64   // RXD-4
	Units          CWE       // RXD-5
	DosageForm     CWE       // RXD-6
	Prescription   string    // RXD-7
	Notes          []string  // RXD-9 and the group's NTE-3
	Dispenser      Provider  // RXD-10
	Lots           []string  // RXD-18
	Expiries       []string  // RXD-19 as YYYY-MM-DD (or YYYY-MM when that is all that was sent)
	Routes         []Route   // the RXR segments after RXD
	ActualStrength float64   // RXD-16
	StrengthUnits  CWE       // RXD-17
}

// ParseRDS reads a pharmacy dispense message. It requires PID with PID-3,
// and in every ORC group ORC-2 or ORC-3 and an RXD with RXD-2, RXD-3 and
// RXD-4 (RXD-7, the prescription number, is required by the standard but
// not needed here: the order is found by ORC-2/ORC-3). Segments it does
// not use (PD1, PV2, AL1, TQ1, RXO, RXC, OBX, FT1, Z-segments) are skipped.
func ParseRDS(m *Message, opts ParseOptions) (RDSDispenseMessage, error) {
	var out RDSDispenseMessage
	h, err := checkHeader(m, opts, "RDS", "O13", "O01")
	if err != nil {
		return out, err
	}
	out.Header = h
	loc := opts.loc()
	var (
		w      segmentWalker
		pid    *reader
		groups [][]reader
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
		}
	}
	if pid == nil {
		return out, &Error{Segment: "PID", Code: CodeSegmentSequence, Message: "message has no PID segment: a dispense to the unit needs its patient"}
	}
	if out.Patient, err = readPatient(*pid); err != nil {
		return out, err
	}
	if len(groups) == 0 {
		return out, &Error{Segment: "ORC", Code: CodeSegmentSequence, Message: "message has no ORC segment"}
	}
	for i, g := range groups {
		d, err := readDispense(g, loc)
		if err != nil {
			var e *Error
			if errors.As(err, &e) && e.Message != "" {
				e.Message = fmt.Sprintf("dispense %d: %s", i+1, e.Message)
			}
			return out, err
		}
		out.Dispenses = append(out.Dispenses, d)
	}
	return out, nil
}

func readDispense(g []reader, loc *time.Location) (PharmacyDispense, error) {
	orc := g[0]
	d := PharmacyDispense{Control: orc.str(1), PlacerOrder: entityOf(orc.seg.Field(2).Rep(1)), FillerOrder: entityOf(orc.seg.Field(3).Rep(1))}
	if d.PlacerOrder.ID == "" && d.FillerOrder.ID == "" {
		return d, orc.err(2, 0, CodeRequiredFieldMissing, "the placer (ORC-2) or filler (ORC-3) order number is required")
	}
	var rxd *reader
	for _, r := range g[1:] {
		switch r.seg.name {
		case "RXE":
			if rxd == nil && d.Order == nil {
				var o PharmacyOrder
				if err := readRXE(r, &o); err != nil {
					return d, err
				}
				d.Order = &o
			}
		case "RXD":
			if rxd != nil {
				return d, &Error{Segment: "RXD", SeqInSegmentGroup: r.seq, Code: CodeSegmentSequence, Message: "a second RXD in one order group"}
			}
			rxd = &r
		case "RXR":
			if rxd != nil {
				rt, err := readRoute(r)
				if err != nil {
					return d, err
				}
				d.Routes = append(d.Routes, rt)
			}
		case "NTE":
			if note := noteText(r); note != "" {
				d.Notes = append(d.Notes, note)
			}
		}
	}
	if rxd == nil {
		return d, &Error{Segment: "RXD", Code: CodeSegmentSequence, Message: fmt.Sprintf("the order group of ORC occurrence %d has no RXD", orc.seq)}
	}
	r := *rxd
	for _, req := range []struct {
		n    int
		what string
	}{{2, "dispense/give code"}, {3, "date/time dispensed"}, {4, "actual dispense amount"}} {
		if err := r.required(req.n, req.what); err != nil {
			return d, err
		}
	}
	var err error
	d.SubID = r.str(1)
	d.Code = r.cwe(2)
	if d.DispensedAt, err = dtmField(r.seg, r.seq, 3, loc); err != nil {
		return d, err
	}
	if d.Amount, err = r.num(4); err != nil {
		return d, err
	}
	d.Units = r.cwe(5)
	d.DosageForm = r.cwe(6)
	d.Prescription = r.str(7)
	for _, rep := range r.seg.Field(9) {
		if n := clean(rep.Value(1)); n != "" {
			d.Notes = append([]string{n}, d.Notes...)
		}
	}
	d.Dispenser = providerOf(r.seg.Field(10).Rep(1))
	if d.ActualStrength, err = r.num(16); err != nil {
		return d, err
	}
	d.StrengthUnits = r.cwe(17)
	for _, rep := range r.seg.Field(18) {
		if lot := clean(rep.Value(1)); lot != "" {
			d.Lots = append(d.Lots, lot)
		}
	}
	for i, rep := range r.seg.Field(19) {
		v := clean(rep.Value(1))
		if v == "" {
			continue
		}
		exp, err := parseDate(v)
		if err != nil {
			return d, &Error{Segment: "RXD", SeqInSegmentGroup: r.seq, Field: 19, Repetition: i + 1, Code: CodeDataType, Message: "invalid expiry date", Err: err}
		}
		d.Expiries = append(d.Expiries, exp)
	}
	return d, nil
}

// NewRRD builds the application acknowledgement of a dispense: RRD^O14 for
// RDS^O13 (RRD^O02 for the v2.3 RDS^O01), with MSH, MSA and ERR as NewACK
// does, and for every ORC of the dispense an ORC answering it (OK accepted,
// UA refused) with ORC-2 and ORC-3 echoed.
func NewRRD(in *Message, code string, err *Error, controlID string, now time.Time) *Message {
	trigger := ""
	if in != nil {
		_, trigger, _ = in.Type()
	}
	replyTrigger, structure := "O14", "RRD_O14"
	if trigger == "O01" {
		replyTrigger, structure = "O02", ""
	}
	m := replyMessage(in, "RRD", replyTrigger, structure, controlID, now)
	code = addAck(m, in, code, err)
	if in == nil {
		return m
	}
	if pid := in.Segment("PID"); pid != nil {
		m.segs = append(m.segs, cloneSegment(pid))
	}
	for _, orc := range in.Segments("ORC") {
		out := m.AddSegment("ORC")
		if accepted(code) {
			out.setValue(1, "OK")
		} else {
			out.setValue(1, "UA")
		}
		_ = out.SetField(2, orc.Field(2))
		_ = out.SetField(3, orc.Field(3))
	}
	return m
}
