package hl7

import (
	"time"
)

// EventKind names what an ADT trigger event does to a stay.
type EventKind string

// The ADT events ParseADT understands.
const (
	EventAdmit           EventKind = "admit"            // A01
	EventTransfer        EventKind = "transfer"         // A02
	EventDischarge       EventKind = "discharge"        // A03
	EventRegister        EventKind = "register"         // A04, an outpatient or pre-registration
	EventUpdate          EventKind = "update"           // A08, patient or visit details changed
	EventCancelAdmit     EventKind = "cancel-admit"     // A11
	EventCancelTransfer  EventKind = "cancel-transfer"  // A12
	EventCancelDischarge EventKind = "cancel-discharge" // A13
)

var adtEvents = map[string]EventKind{
	"A01": EventAdmit, "A02": EventTransfer, "A03": EventDischarge, "A04": EventRegister,
	"A08": EventUpdate, "A11": EventCancelAdmit, "A12": EventCancelTransfer, "A13": EventCancelDischarge,
}

// PatientEvent is an ADT message: who the patient is and where the stay
// stands after the event.
type PatientEvent struct {
	Header     MessageHeader
	Event      string    // trigger event, e.g. "A02"
	Kind       EventKind // what the event does
	RecordedAt time.Time // EVN-2, when the event was entered
	OccurredAt time.Time // EVN-6, when it happened; zero when not sent
	Patient    Patient
	// Visit holds PV1: the assigned location (the new one on a transfer),
	// the prior location on a transfer, and admit and discharge times.
	Visit Visit
}

// ParseADT reads an ADT A01, A02, A03, A04, A08, A11, A12 or A13 message.
// The trigger event comes from MSH-9.2, or from EVN-1 for v2.3 senders that
// leave it out there. PID with PID-3 and PV1 are required; EVN is read when
// present.
func ParseADT(m *Message, opts ParseOptions) (PatientEvent, error) {
	var ev PatientEvent
	h, err := checkHeader(m, opts, "ADT")
	if err != nil {
		return ev, err
	}
	ev.Header = h
	loc := opts.loc()

	var (
		w             segmentWalker
		pid, pv1, evn *reader
	)
	for _, s := range m.segs[1:] {
		r := w.next(s)
		switch s.name {
		case "EVN":
			if evn == nil {
				evn = &r
			}
		case "PID":
			if pid == nil {
				pid = &r
			}
		case "PV1":
			if pv1 == nil {
				pv1 = &r
			}
		case "AL1":
			a, err := readAllergy(r)
			if err != nil {
				return ev, err
			}
			ev.Patient.Allergies = append(ev.Patient.Allergies, a)
		}
	}

	ev.Event = h.Trigger
	if ev.Event == "" && evn != nil {
		ev.Event = evn.str(1)
	}
	kind, ok := adtEvents[ev.Event]
	if !ok {
		return ev, &Error{Segment: "MSH", SeqInSegmentGroup: 1, Field: 9, Component: 2, Code: CodeUnsupportedEventCode,
			Message: "ADT event " + ev.Event + " is not supported; want A01, A02, A03, A04, A08, A11, A12 or A13"}
	}
	ev.Kind = kind
	if evn != nil {
		if ev.RecordedAt, err = dtmField(evn.seg, evn.seq, 2, loc); err != nil {
			return ev, err
		}
		if ev.OccurredAt, err = dtmField(evn.seg, evn.seq, 6, loc); err != nil {
			return ev, err
		}
	}
	if pid == nil {
		return ev, &Error{Segment: "PID", Code: CodeSegmentSequence, Message: "message has no PID segment"}
	}
	allergies := ev.Patient.Allergies
	if ev.Patient, err = readPatient(*pid); err != nil {
		return ev, err
	}
	ev.Patient.Allergies = allergies
	if pv1 == nil {
		return ev, &Error{Segment: "PV1", Code: CodeSegmentSequence, Message: "message has no PV1 segment"}
	}
	if ev.Visit, err = readVisit(*pv1, loc); err != nil {
		return ev, err
	}
	return ev, nil
}
