package hl7

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Acknowledgement codes (HL7 table 0008). The A codes answer in original
// mode and as application acknowledgements; the C codes are enhanced-mode
// commit (accept) acknowledgements.
const (
	AckAccept    = "AA"
	AckError     = "AE"
	AckReject    = "AR"
	CommitAccept = "CA"
	CommitError  = "CE"
	CommitReject = "CR"
)

func accepted(code string) bool { return code == AckAccept || code == CommitAccept }

// NewACK builds the general acknowledgement of in: MSH with sender and
// receiver swapped, MSA echoing in's control id, and for an error an ERR
// segment. in may be nil when the incoming message could not be read at all;
// the ACK then has no MSA-2 and default routing fields.
//
// code is one of AA, AE, AR, CA, CE, CR; anything else is sent as AR, so
// that a mistake never tells the sender its message was accepted. An AE or
// AR without err reports 207 (application internal error). err with AA or CA
// is sent as a warning (ERR-4 W).
//
// From v2.5 the error goes in ERR-2 (location), ERR-3 (table 0357 code),
// ERR-4 (severity) and ERR-8 (user message); before v2.5 in ERR-1. MSA-3
// carries the text too up to v2.6, as older receivers look only there; v2.7
// withdrew it.
func NewACK(in *Message, code string, err *Error, controlID string, now time.Time) *Message {
	trigger := ""
	if in != nil {
		_, trigger, _ = in.Type()
	}
	m := replyMessage(in, "ACK", trigger, "ACK", controlID, now)
	addAck(m, in, code, err)
	return m
}

// orderReply maps an ORC-1 request to the ORC-1 of its reply (table 0119):
// accepted, then refused.
var orderReply = map[string][2]string{
	"NW": {"OK", "UA"},
	"CA": {"CR", "UC"},
	"DC": {"DR", "UD"},
	"HD": {"HR", "UH"},
	"RL": {"OR", "UR"},
	"XO": {"XR", "UX"},
	"RP": {"RQ", "UM"},
	"RF": {"OF", "UF"},
}

// NewRRE builds the application acknowledgement of a pharmacy encoded order:
// RRE^O12 for RDE^O11 (RRE^O02 for the v2.3 RDE^O01, RRE^O26 for RDE^O25).
// It carries MSH, MSA and ERR as NewACK does, a copy of PID, and for every
// ORC of the order an ORC whose ORC-1 answers the request (NW → OK or UA,
// DC → DR or UD, ...) with ORC-2 and ORC-3 echoed, so that the prescriber's
// system can match the answer to each order.
func NewRRE(in *Message, code string, err *Error, controlID string, now time.Time) *Message {
	trigger := ""
	if in != nil {
		_, trigger, _ = in.Type()
	}
	replyTrigger, structure := "O12", "RRE_O12"
	switch trigger {
	case "O01":
		replyTrigger, structure = "O02", ""
	case "O25":
		replyTrigger, structure = "O26", "RRE_O26"
	}
	m := replyMessage(in, "RRE", replyTrigger, structure, controlID, now)
	code = addAck(m, in, code, err)
	if in == nil {
		return m
	}
	if pid := in.Segment("PID"); pid != nil {
		m.segs = append(m.segs, cloneSegment(pid))
	}
	ok := accepted(code)
	for _, orc := range in.Segments("ORC") {
		reply, known := orderReply[orc.Field(1).Value()]
		if !known {
			// Unsolicited notices (OC, OD, OH, SC, ...) and anything
			// else are simply accepted or refused.
			reply = [2]string{"OK", "UA"}
		}
		out := m.AddSegment("ORC")
		if ok {
			out.setValue(1, reply[0])
		} else {
			out.setValue(1, reply[1])
		}
		_ = out.SetField(2, orc.Field(2))
		_ = out.SetField(3, orc.Field(3))
	}
	return m
}

// replyMessage starts a reply to in with the routing reversed.
func replyMessage(in *Message, typ, trigger, structure, controlID string, now time.Time) *Message {
	d, msh := DefaultDelimiters, &Segment{}
	if in != nil {
		d, msh = in.delims, in.header()
	}
	m := &Message{delims: d}
	out := m.AddSegment("MSH")
	copyField := func(to, from int) {
		if f := msh.Field(from); f != nil {
			_ = out.SetField(to, f)
		}
	}
	copyField(3, 5)
	copyField(4, 6)
	copyField(5, 3)
	copyField(6, 4)
	if !now.IsZero() {
		out.setValue(7, FormatDTM(now))
	}
	version := msh.Field(12).Value()
	if !versionAtLeast(version, 4) {
		// MSH-9.3 (message structure) arrived in v2.3.1; older receivers
		// may choke on a third component.
		structure = ""
	}
	out.setComps(9, typ, trigger, structure)
	out.setValue(10, controlID)
	if msh.Field(11).Empty() {
		out.setValue(11, "P")
	} else {
		copyField(11, 11)
	}
	if version == "" {
		out.setValue(12, "2.5.1")
	} else {
		copyField(12, 12)
	}
	// The answer is written in UTF-8 whatever the sender used, and says so
	// (its text is ASCII unless it quotes the sender's data).
	out.setValue(18, CharsetUTF8)
	return m
}

// addAck appends MSA and, for an error or warning, ERR. It returns the code
// it used.
func addAck(m *Message, in *Message, code string, e *Error) string {
	switch code {
	case AckAccept, AckError, AckReject, CommitAccept, CommitError, CommitReject:
	default:
		code = AckReject
	}
	if e == nil && !accepted(code) {
		e = &Error{Code: CodeInternal}
	}
	version := m.Version()
	msa := m.AddSegment("MSA")
	msa.setValue(1, code)
	if in != nil {
		msa.setValue(2, in.ControlID())
	}
	if e == nil {
		return code
	}
	if !versionAtLeast(version, 7) {
		msa.setValue(3, truncate(e.text(), 80)) // MSA-3 is ST(80)
	}
	err := m.AddSegment("ERR")
	ecode := e.code()
	if versionAtLeast(version, 5) {
		if e.Segment != "" {
			err.setComps(2, e.Segment, itoa(e.SeqInSegmentGroup), itoa(e.Field), fieldRep(e), itoa(e.Component))
		}
		err.setComps(3, ecode, CodeText(ecode), "HL70357")
		if accepted(code) {
			err.setValue(4, "W")
		} else {
			err.setValue(4, "E")
		}
		err.setValue(8, e.text())
	} else {
		// ERR-1 (ELD): segment ^ sequence ^ field ^ code&text&HL70357.
		_ = err.SetField(1, Field{Repetition{
			Component{e.Segment}, Component{itoa(e.SeqInSegmentGroup)}, Component{itoa(e.Field)},
			Component{ecode, CodeText(ecode), "HL70357"},
		}})
	}
	return code
}

// fieldRep is ERL-4, which the standard requires whenever a field is named.
func fieldRep(e *Error) string {
	if e.Field == 0 {
		return ""
	}
	if e.Repetition < 1 {
		return "1"
	}
	return strconv.Itoa(e.Repetition)
}

func itoa(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// text is the human-readable explanation for MSA-3 and ERR-8.
func (e *Error) text() string {
	msg := e.Message
	if msg == "" {
		msg = CodeText(e.code())
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

func cloneSegment(s *Segment) *Segment {
	c := &Segment{name: s.name, fields: make([]Field, len(s.fields))}
	for i, f := range s.fields {
		c.fields[i] = normalize(f)
	}
	return c
}

// NAKError is a negative acknowledgement: MSA-1 was AE, AR, CE or CR.
type NAKError struct {
	Code      string   // MSA-1
	ControlID string   // MSA-2
	Text      string   // ERR-8 or MSA-3
	Errors    []*Error // the ERR segments
	Ack       *Message
}

func (e *NAKError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hl7: message %s refused with %s", e.ControlID, e.Code)
	if e.Text != "" {
		b.WriteString(": ")
		b.WriteString(e.Text)
	}
	if len(e.Errors) > 0 && e.Errors[0].Location() != "" {
		fmt.Fprintf(&b, " at %s", e.Errors[0].Location())
	}
	return b.String()
}

// CheckACK reads an acknowledgement of the message with the given control
// id: nil for AA or CA, a *NAKError for AE, AR, CE or CR, and another error
// when ack is not an acknowledgement of that message.
func CheckACK(ack *Message, controlID string) error {
	msa := ack.Segment("MSA")
	if msa == nil {
		return errors.New("hl7: acknowledgement has no MSA segment")
	}
	if got := msa.Field(2).Value(); got != controlID {
		return fmt.Errorf("hl7: acknowledgement is for message %q, not %q", got, controlID)
	}
	code := msa.Field(1).Value()
	switch code {
	case AckAccept, CommitAccept:
		return nil
	case AckError, AckReject, CommitError, CommitReject:
	default:
		return fmt.Errorf("hl7: acknowledgement code %q is not one of AA, AE, AR, CA, CE, CR", code)
	}
	nak := &NAKError{Code: code, ControlID: controlID, Text: msa.Field(3).Value(), Ack: ack}
	for _, err := range ack.Segments("ERR") {
		e := readERR(err)
		nak.Errors = append(nak.Errors, e)
		if e.Message != "" && (nak.Text == "" || versionAtLeast(ack.Version(), 5)) {
			nak.Text = e.Message
		}
	}
	return nak
}

// readERR reads an ERR segment in the v2.5+ layout, or ERR-1 before it.
func readERR(s *Segment) *Error {
	if erl := s.Field(2).Rep(1); !erl.Empty() || !s.Field(3).Empty() {
		return &Error{
			Segment: erl.Value(1), SeqInSegmentGroup: atoi(erl.Value(2)), Field: atoi(erl.Value(3)),
			Repetition: atoi(erl.Value(4)), Component: atoi(erl.Value(5)),
			Code: s.Field(3).Value(), Message: s.Field(8).Value(),
		}
	}
	eld := s.Field(1).Rep(1)
	return &Error{
		Segment: eld.Value(1), SeqInSegmentGroup: atoi(eld.Value(2)), Field: atoi(eld.Value(3)),
		Code: eld.Value(4), Message: eld.Comp(4).Sub(2),
	}
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s) && i < 9; i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}
