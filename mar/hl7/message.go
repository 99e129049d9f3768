package hl7

import (
	"fmt"
	"time"
)

// Message is a parsed or constructed HL7 v2 message: an ordered list of
// segments written with one set of delimiters.
type Message struct {
	delims Delimiters
	segs   []*Segment
}

// Segment is one segment. Fields are numbered from 1 as in the standard; for
// MSH, field 1 is the field separator and field 2 the encoding characters.
type Segment struct {
	name   string
	fields []Field // fields[i] is field i+1
}

// Field is one field: its repetitions. A Field from Parse always has at least
// one repetition, each with at least one component, each with at least one
// subcomponent, so that "" and "~" stay different after a round trip.
type Field []Repetition

// Repetition is one occurrence of a field: its components.
type Repetition []Component

// Component is one component: its subcomponents, decoded.
type Component []string

// NullValue is HL7's explicit null (""), which tells the receiver to delete
// a value it holds; an empty field means "no change / not sent".
const NullValue = `""`

// Rep is repetition i, counting from 1, or nil.
func (f Field) Rep(i int) Repetition {
	if i < 1 || i > len(f) {
		return nil
	}
	return f[i-1]
}

// Value is the first subcomponent of the first component of the first
// repetition: the whole value of a primitive field.
func (f Field) Value() string { return f.Rep(1).Value(1) }

// Empty reports whether no repetition holds any value.
func (f Field) Empty() bool {
	for _, r := range f {
		if !r.Empty() {
			return false
		}
	}
	return true
}

// Encode renders the field with d's separators and escapes.
func (f Field) Encode(d Delimiters) string { return string(f.appendTo(nil, d)) }

// Comp is component i, counting from 1, or nil.
func (r Repetition) Comp(i int) Component {
	if i < 1 || i > len(r) {
		return nil
	}
	return r[i-1]
}

// Value is the first subcomponent of component i.
func (r Repetition) Value(i int) string { return r.Comp(i).Value() }

// Empty reports whether every component is empty.
func (r Repetition) Empty() bool {
	for _, c := range r {
		for _, s := range c {
			if s != "" {
				return false
			}
		}
	}
	return true
}

// Sub is subcomponent i, counting from 1, or "".
func (c Component) Sub(i int) string {
	if i < 1 || i > len(c) {
		return ""
	}
	return c[i-1]
}

// Value is the first subcomponent.
func (c Component) Value() string { return c.Sub(1) }

// NewField returns a field holding the primitive value v.
func NewField(v string) Field { return Field{Repetition{Component{v}}} }

// normalize gives f the canonical shape Parse produces.
func normalize(f Field) Field {
	if len(f) == 0 {
		return NewField("")
	}
	out := make(Field, len(f))
	for i, r := range f {
		if len(r) == 0 {
			r = Repetition{Component{""}}
		}
		nr := make(Repetition, len(r))
		for j, c := range r {
			if len(c) == 0 {
				c = Component{""}
			}
			nr[j] = append(Component(nil), c...)
		}
		out[i] = nr
	}
	return out
}

// Name is the three-character segment ID.
func (s *Segment) Name() string { return s.name }

// NumFields is the number of the last field present.
func (s *Segment) NumFields() int { return len(s.fields) }

// Field is field n, counting from 1, or nil when the segment is shorter. The
// Field shares storage with the segment: change it with SetField.
func (s *Segment) Field(n int) Field {
	if n < 1 || n > len(s.fields) {
		return nil
	}
	return s.fields[n-1]
}

// SetField replaces field n, adding empty fields before it as needed. MSH-1
// and MSH-2 follow the message's delimiters and cannot be set.
func (s *Segment) SetField(n int, f Field) error {
	if n < 1 {
		return fmt.Errorf("hl7: field number %d: fields count from 1", n)
	}
	if s.name == "MSH" && n <= 2 {
		return fmt.Errorf("hl7: MSH-%d follows the message delimiters; use SetDelimiters", n)
	}
	s.grow(n)
	s.fields[n-1] = normalize(f)
	return nil
}

func (s *Segment) grow(n int) {
	for len(s.fields) < n {
		s.fields = append(s.fields, NewField(""))
	}
}

// Delimiters are the message's separators.
func (m *Message) Delimiters() Delimiters { return m.d() }

// d returns the delimiters, defaulting them for a zero Message so that
// building one without NewMessage still encodes sensibly.
func (m *Message) d() Delimiters {
	if m.delims.Field == 0 {
		m.delims = DefaultDelimiters
	}
	return m.delims
}

// SetDelimiters changes the separators Encode uses (and MSH-1, MSH-2).
func (m *Message) SetDelimiters(d Delimiters) error {
	if err := d.validate(); err != nil {
		return fmt.Errorf("hl7: %w", err)
	}
	m.delims = d
	if len(m.segs) > 0 && m.segs[0].name == "MSH" {
		m.segs[0].fields[0] = NewField(string(d.Field))
		m.segs[0].fields[1] = NewField(d.EncodingCharacters())
	}
	return nil
}

// AllSegments returns the segments in order. The slice is the message's own.
func (m *Message) AllSegments() []*Segment { return m.segs }

// Segments returns the segments named name, in order.
func (m *Message) Segments(name string) []*Segment {
	var out []*Segment
	for _, s := range m.segs {
		if s.name == name {
			out = append(out, s)
		}
	}
	return out
}

// Segment returns the first segment named name, or nil.
func (m *Message) Segment(name string) *Segment {
	for _, s := range m.segs {
		if s.name == name {
			return s
		}
	}
	return nil
}

// AddSegment appends an empty segment and returns it. The name must be three
// upper-case letters or digits, starting with a letter; it is a constant in
// the caller's code, so AddSegment panics on a bad one rather than returning
// an error every caller would have to ignore. A second MSH is refused the
// same way, as this package does not build batches.
func (m *Message) AddSegment(name string) *Segment {
	if !validSegmentName(name) {
		panic(fmt.Sprintf("hl7: invalid segment name %q", name))
	}
	s := &Segment{name: name}
	if name == "MSH" {
		if len(m.segs) > 0 {
			panic("hl7: a message has exactly one MSH, at the start")
		}
		d := m.d()
		s.fields = []Field{NewField(string(d.Field)), NewField(d.EncodingCharacters())}
	}
	m.segs = append(m.segs, s)
	return s
}

func validSegmentName(name string) bool {
	if len(name) != 3 || name[0] < 'A' || name[0] > 'Z' {
		return false
	}
	for i := 1; i < 3; i++ {
		c := name[i]
		if !('A' <= c && c <= 'Z') && !('0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// Type is MSH-9: message code, trigger event and message structure.
func (m *Message) Type() (code, trigger, structure string) {
	r := m.header().Field(9).Rep(1)
	return r.Value(1), r.Value(2), r.Value(3)
}

// ControlID is MSH-10, the sender's id for the message, which the
// acknowledgement echoes in MSA-2.
func (m *Message) ControlID() string { return m.header().Field(10).Value() }

// Version is MSH-12.1, e.g. "2.5.1".
func (m *Message) Version() string { return m.header().Field(12).Value() }

func (m *Message) header() *Segment {
	if len(m.segs) > 0 && m.segs[0].name == "MSH" {
		return m.segs[0]
	}
	return &Segment{}
}

// MessageHeader is the routing information of MSH, for NewMessage and
// Message.Header.
type MessageHeader struct {
	SendingApplication   string    // MSH-3.1
	SendingFacility      string    // MSH-4.1
	ReceivingApplication string    // MSH-5.1
	ReceivingFacility    string    // MSH-6.1
	Time                 time.Time // MSH-7
	Type                 string    // MSH-9.1 message code, e.g. "RDE"
	Trigger              string    // MSH-9.2 trigger event, e.g. "O11"
	Structure            string    // MSH-9.3 message structure, e.g. "RDE_O11"
	ControlID            string    // MSH-10
	ProcessingID         string    // MSH-11.1: P production, T training, D debugging
	Version              string    // MSH-12.1
	AcceptAckType        string    // MSH-15: AL, NE, ER, SU
	ApplicationAckType   string    // MSH-16
}

// Header reads MSH. Times without an offset are read in loc (nil: UTC).
func (m *Message) Header(loc *time.Location) (MessageHeader, error) {
	msh := m.header()
	if msh.name != "MSH" {
		return MessageHeader{}, &Error{Segment: "MSH", Code: CodeSegmentSequence, Message: "message has no MSH segment"}
	}
	code, trigger, structure := m.Type()
	h := MessageHeader{
		SendingApplication:   msh.Field(3).Value(),
		SendingFacility:      msh.Field(4).Value(),
		ReceivingApplication: msh.Field(5).Value(),
		ReceivingFacility:    msh.Field(6).Value(),
		Type:                 code,
		Trigger:              trigger,
		Structure:            structure,
		ControlID:            m.ControlID(),
		ProcessingID:         msh.Field(11).Value(),
		Version:              m.Version(),
		AcceptAckType:        msh.Field(15).Value(),
		ApplicationAckType:   msh.Field(16).Value(),
	}
	if loc == nil {
		loc = time.UTC
	}
	t, err := dtmField(msh, 1, 7, loc)
	if err != nil {
		return h, err
	}
	h.Time = t
	return h, nil
}

// NewMessage starts a message with an MSH built from h and the default
// delimiters. Empty ProcessingID means "P" and empty Version "2.5.1"; a zero
// Time leaves MSH-7 empty (the caller owns the clock).
func NewMessage(h MessageHeader) *Message {
	m := &Message{delims: DefaultDelimiters}
	msh := m.AddSegment("MSH")
	if h.ProcessingID == "" {
		h.ProcessingID = "P"
	}
	if h.Version == "" {
		h.Version = "2.5.1"
	}
	msh.setValue(3, h.SendingApplication)
	msh.setValue(4, h.SendingFacility)
	msh.setValue(5, h.ReceivingApplication)
	msh.setValue(6, h.ReceivingFacility)
	if !h.Time.IsZero() {
		msh.setValue(7, FormatDTM(h.Time))
	}
	typ := []string{h.Type, h.Trigger}
	if h.Structure != "" {
		typ = append(typ, h.Structure)
	}
	msh.setComps(9, typ...)
	msh.setValue(10, h.ControlID)
	msh.setValue(11, h.ProcessingID)
	msh.setValue(12, h.Version)
	if h.AcceptAckType != "" {
		msh.setValue(15, h.AcceptAckType)
	}
	if h.ApplicationAckType != "" {
		msh.setValue(16, h.ApplicationAckType)
	}
	// Everything this package writes is UTF-8, and says so.
	msh.setValue(18, CharsetUTF8)
	return m
}

// setValue sets field n to a primitive value (no-op for MSH-1/2, which the
// package never sets this way).
func (s *Segment) setValue(n int, v string) { _ = s.SetField(n, NewField(v)) }

// setComps sets field n to one repetition with the given components,
// dropping trailing empty components so that the output stays tidy.
func (s *Segment) setComps(n int, comps ...string) {
	_ = s.SetField(n, Field{compsRep(comps...)})
}

func compsRep(comps ...string) Repetition {
	for len(comps) > 1 && comps[len(comps)-1] == "" {
		comps = comps[:len(comps)-1]
	}
	r := make(Repetition, len(comps))
	for i, c := range comps {
		r[i] = Component{c}
	}
	if len(r) == 0 {
		r = Repetition{Component{""}}
	}
	return r
}
