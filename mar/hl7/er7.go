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

// Encode renders the message in ER7 with a carriage return after every
// segment, escaping delimiters and control characters in values.
func (m *Message) Encode() []byte {
	var buf []byte
	d := m.d()
	for _, s := range m.segs {
		buf = s.appendTo(buf, d)
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
	if s, err = decodeCharset(s, d); err != nil {
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
		// A NUL here would read as "no truncation character" and vanish on
		// output, moving every later MSH field one place.
		if enc[4] == 0 {
			return Delimiters{}, &Error{Segment: "MSH", SeqInSegmentGroup: 1, Field: 2, Code: CodeDataType, Message: "bad encoding characters: the truncation character is NUL"}
		}
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
