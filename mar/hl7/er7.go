package hl7

import (
	"fmt"
	"strings"
	"time"
)

// Delimiters are the separator characters a message declares in MSH-1 and
// MSH-2.
type Delimiters struct {
	Field, Component, Repetition, Escape, Subcomponent byte
	// Truncation is the fifth encoding character introduced in v2.7; 0 when
	// MSH-2 has only four characters. It has no structural meaning: in data
	// it stands for itself and is escaped as \P\.
	Truncation byte
}

// DefaultDelimiters are "|^~\&", which almost every sender uses.
var DefaultDelimiters = Delimiters{Field: '|', Component: '^', Repetition: '~', Escape: '\\', Subcomponent: '&'}

// EncodingCharacters is the value of MSH-2.
func (d Delimiters) EncodingCharacters() string {
	s := []byte{d.Component, d.Repetition, d.Escape, d.Subcomponent}
	if d.Truncation != 0 {
		s = append(s, d.Truncation)
	}
	return string(s)
}

func (d Delimiters) validate() error {
	all := []byte{d.Field, d.Component, d.Repetition, d.Escape, d.Subcomponent}
	if d.Truncation != 0 {
		all = append(all, d.Truncation)
	}
	for i, c := range all {
		// Letters, digits and spaces occur in data and segment names;
		// control characters end segments or MLLP frames.
		if c <= ' ' || c >= 0x7f || ('0' <= c && c <= '9') || ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') {
			return fmt.Errorf("delimiter %q is not a printable punctuation character", c)
		}
		for _, o := range all[:i] {
			if c == o {
				return fmt.Errorf("delimiter %q is declared twice", c)
			}
		}
	}
	return nil
}

// Limits bound what Parse accepts, so that a hostile or broken sender cannot
// make the service allocate without bound. Zero values take the defaults.
type Limits struct {
	MaxSize     int // bytes in the message; default 1 MiB
	MaxSegments int // segments in the message; default 5,000
	MaxFields   int // fields in one segment; default 1,000
	// MaxValues bounds the primitive values (subcomponents) in the whole
	// message; default 100,000. Each costs memory beyond its bytes, so a
	// message made of nothing but separators would otherwise expand many
	// times over.
	MaxValues int
}

// Default limits.
const (
	DefaultMaxSize     = 1 << 20
	DefaultMaxSegments = 5000
	DefaultMaxFields   = 1000
	DefaultMaxValues   = 100000
)

func (l Limits) withDefaults() Limits {
	if l.MaxSize <= 0 {
		l.MaxSize = DefaultMaxSize
	}
	if l.MaxSegments <= 0 {
		l.MaxSegments = DefaultMaxSegments
	}
	if l.MaxFields <= 0 {
		l.MaxFields = DefaultMaxFields
	}
	if l.MaxValues <= 0 {
		l.MaxValues = DefaultMaxValues
	}
	return l
}

// ParseOptions tune ParseWith and the typed views.
type ParseOptions struct {
	// Location interprets date/times sent without a UTC offset. Pass the
	// facility's zone; nil means UTC.
	Location *time.Location
	Limits
}

func (o ParseOptions) loc() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

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
func (m *Message) Delimiters() Delimiters { return m.delims }

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
		s.fields = []Field{NewField(string(m.delims.Field)), NewField(m.delims.EncodingCharacters())}
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

// Encode renders the message in ER7 with a carriage return after every
// segment, escaping delimiters and control characters in values.
func (m *Message) Encode() []byte {
	var buf []byte
	for _, s := range m.segs {
		buf = s.appendTo(buf, m.delims)
		buf = append(buf, '\r')
	}
	return buf
}

func (s *Segment) appendTo(buf []byte, d Delimiters) []byte {
	buf = append(buf, s.name...)
	fields := s.fields
	if s.name == "MSH" {
		buf = append(buf, d.Field)
		buf = append(buf, d.EncodingCharacters()...)
		if len(fields) >= 2 {
			fields = fields[2:]
		} else {
			fields = nil
		}
	}
	for _, f := range fields {
		buf = append(buf, d.Field)
		buf = f.appendTo(buf, d)
	}
	return buf
}

func (f Field) appendTo(buf []byte, d Delimiters) []byte {
	for i, r := range f {
		if i > 0 {
			buf = append(buf, d.Repetition)
		}
		for j, c := range r {
			if j > 0 {
				buf = append(buf, d.Component)
			}
			for k, v := range c {
				if k > 0 {
					buf = append(buf, d.Subcomponent)
				}
				buf = appendEscaped(buf, v, d)
			}
		}
	}
	return buf
}

// Parse reads one ER7 message with the default limits.
func Parse(data []byte) (*Message, error) { return ParseWith(data, ParseOptions{}) }

// ParseWith reads one ER7 message. Segments may end in \r, \n or \r\n; blank
// lines are skipped. The delimiters come from MSH-1 and MSH-2. Errors are
// *Error values locating the problem.
func ParseWith(data []byte, opts ParseOptions) (*Message, error) {
	lim := opts.Limits.withDefaults()
	if len(data) > lim.MaxSize {
		return nil, &Error{Code: CodeInternal, Message: fmt.Sprintf("message is %d bytes, more than the limit of %d", len(data), lim.MaxSize)}
	}
	// One copy of the input; every value without escapes is a substring of it.
	s := strings.TrimLeft(string(data), "\ufeff \t\r\n")
	if len(s) == 0 {
		return nil, &Error{Segment: "MSH", Code: CodeSegmentSequence, Message: "message is empty"}
	}
	if !strings.HasPrefix(s, "MSH") {
		return nil, &Error{Segment: "MSH", Code: CodeSegmentSequence, Message: "message does not start with an MSH segment"}
	}
	d, err := readDelimiters(s)
	if err != nil {
		return nil, err
	}
	p := parser{d: d, lim: lim}
	m := &Message{delims: d}
	for len(s) > 0 {
		end := strings.IndexAny(s, "\r\n")
		line := s
		if end >= 0 {
			line, s = s[:end], s[end+1:]
		} else {
			s = ""
		}
		if strings.Trim(line, " \t") == "" {
			continue
		}
		if len(m.segs) >= lim.MaxSegments {
			return nil, &Error{Code: CodeInternal, Message: fmt.Sprintf("message has more than %d segments", lim.MaxSegments)}
		}
		seg, err := p.segment(line, len(m.segs) == 0)
		if err != nil {
			return nil, err
		}
		m.segs = append(m.segs, seg)
	}
	return m, nil
}

// readDelimiters reads MSH-1 and MSH-2 from the start of a message.
func readDelimiters(s string) (Delimiters, error) {
	if len(s) < 4 || s[3] == '\r' || s[3] == '\n' {
		return Delimiters{}, &Error{Segment: "MSH", SeqInSegmentGroup: 1, Field: 1, Code: CodeRequiredFieldMissing, Message: "MSH is truncated before the field separator"}
	}
	var d Delimiters
	d.Field = s[3]
	enc := s[4:]
	if i := strings.IndexAny(enc, string([]byte{d.Field, '\r', '\n'})); i >= 0 {
		enc = enc[:i]
	}
	if len(enc) != 4 && len(enc) != 5 {
		return Delimiters{}, &Error{Segment: "MSH", SeqInSegmentGroup: 1, Field: 2, Code: CodeDataType,
			Message: fmt.Sprintf("MSH-2 must hold 4 encoding characters (5 from v2.7), not %d", len(enc))}
	}
	d.Component, d.Repetition, d.Escape, d.Subcomponent = enc[0], enc[1], enc[2], enc[3]
	if len(enc) == 5 {
		d.Truncation = enc[4]
	}
	if err := d.validate(); err != nil {
		return Delimiters{}, &Error{Segment: "MSH", SeqInSegmentGroup: 1, Field: 2, Code: CodeDataType, Message: "bad encoding characters", Err: err}
	}
	return d, nil
}

type parser struct {
	d      Delimiters
	lim    Limits
	values int // primitive values so far, against lim.MaxValues
}

func (p *parser) segment(line string, first bool) (*Segment, error) {
	name := line
	if len(name) > 3 {
		name = name[:3]
	}
	if !validSegmentName(name) || (len(line) > 3 && line[3] != p.d.Field) {
		shown := line
		if len(shown) > 8 {
			shown = shown[:8]
		}
		return nil, &Error{Code: CodeSegmentSequence, Message: fmt.Sprintf("invalid segment %q", shown)}
	}
	if name == "MSH" && !first {
		return nil, &Error{Segment: "MSH", SeqInSegmentGroup: 2, Code: CodeSegmentSequence, Message: "a second MSH: batches are not supported, send one message per frame"}
	}
	seg := &Segment{name: name}
	rest := ""
	if len(line) > 4 {
		rest = line[4:]
	}
	if name == "MSH" {
		enc := p.d.EncodingCharacters()
		seg.fields = []Field{NewField(string(p.d.Field)), NewField(enc)}
		rest = rest[len(enc):] // readDelimiters checked that MSH-2 is there
		if rest == "" {
			return seg, nil
		}
		rest = rest[1:] // the separator after MSH-2
	} else if len(line) == 3 {
		return seg, nil
	}
	nfields := strings.Count(rest, string(p.d.Field)) + 1
	if len(seg.fields)+nfields > p.lim.MaxFields {
		return nil, &Error{Segment: name, Code: CodeInternal, Message: fmt.Sprintf("segment has more than %d fields", p.lim.MaxFields)}
	}
	// Count the values before allocating them.
	n := nfields
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; c == p.d.Repetition || c == p.d.Component || c == p.d.Subcomponent {
			n++
		}
	}
	p.values += n
	if p.values > p.lim.MaxValues {
		return nil, &Error{Segment: name, Code: CodeInternal, Message: fmt.Sprintf("message has more than %d values", p.lim.MaxValues)}
	}
	if seg.fields == nil {
		seg.fields = make([]Field, 0, nfields)
	}
	for {
		i := strings.IndexByte(rest, p.d.Field)
		if i < 0 {
			seg.fields = append(seg.fields, p.field(rest))
			break
		}
		seg.fields = append(seg.fields, p.field(rest[:i]))
		rest = rest[i+1:]
	}
	return seg, nil
}

func (p *parser) field(s string) Field {
	if !p.composite(s) {
		// Most fields hold one plain value: one allocation instead of four.
		b := new(struct {
			r [1]Repetition
			c [1]Component
			s [1]string
		})
		b.s[0] = unescape(s, p.d)
		b.c[0] = b.s[:]
		b.r[0] = b.c[:]
		return b.r[:]
	}
	reps := splitBy(s, p.d.Repetition)
	f := make(Field, len(reps))
	for i, r := range reps {
		comps := splitBy(r, p.d.Component)
		rep := make(Repetition, len(comps))
		for j, c := range comps {
			subs := splitBy(c, p.d.Subcomponent)
			for k, v := range subs {
				subs[k] = unescape(v, p.d)
			}
			rep[j] = subs
		}
		f[i] = rep
	}
	return f
}

// composite reports whether s holds a repetition, component or
// subcomponent separator.
func (p *parser) composite(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == p.d.Repetition || c == p.d.Component || c == p.d.Subcomponent {
			return true
		}
	}
	return false
}

// splitBy is strings.Split for one byte, without allocating a separator
// string.
func splitBy(s string, sep byte) []string {
	n := strings.Count(s, string(sep)) + 1
	out := make([]string, 0, n)
	for {
		i := strings.IndexByte(s, sep)
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i+1:]
	}
}
