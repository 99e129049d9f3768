package hl7

import (
	"fmt"
	"strconv"
	"strings"
)

// Path addresses one primitive value, terser-style:
//
//	SEG[occurrence]-field[repetition].component.subcomponent
//
// e.g. "PID-3[2].1" (the identifier of the second PID-3 repetition),
// "RXR[2]-1.2" (the route text of the second RXR) or "MSH-9.2". Every index
// counts from 1, and those left out mean 1, so "PID-5" is the first
// component of the first repetition: the family name.
type Path struct {
	Segment      string
	Occurrence   int
	Field        int
	Repetition   int
	Component    int
	Subcomponent int
}

// ParsePath reads a path such as "PID-3[2].1".
func ParsePath(s string) (Path, error) {
	var p Path
	seg, rest, ok := strings.Cut(s, "-")
	if !ok {
		return p, fmt.Errorf("hl7: path %q: want SEG-field", s)
	}
	name, occ, err := indexed(seg)
	if err != nil || !validSegmentName(name) {
		return p, fmt.Errorf("hl7: path %q: bad segment %q", s, seg)
	}
	p.Segment, p.Occurrence = name, occ
	if err := p.parseFieldPart(rest); err != nil {
		return Path{}, fmt.Errorf("hl7: path %q: %w", s, err)
	}
	return p, nil
}

// parseFieldPart reads "field[rep].comp.sub".
func (p *Path) parseFieldPart(s string) error {
	parts := strings.Split(s, ".")
	if len(parts) > 3 {
		return fmt.Errorf("too many dots")
	}
	f, rep, err := indexed(parts[0])
	if err != nil {
		return err
	}
	p.Field, err = strconv.Atoi(f)
	if err != nil || p.Field < 1 {
		return fmt.Errorf("bad field number %q", f)
	}
	p.Repetition = rep
	nums := []*int{&p.Component, &p.Subcomponent}
	for i, part := range parts[1:] {
		n, err := strconv.Atoi(part)
		if err != nil || n < 1 {
			return fmt.Errorf("bad number %q", part)
		}
		*nums[i] = n
	}
	return nil
}

// indexed splits "NAME[3]" into "NAME" and 3; without brackets the index is 1.
func indexed(s string) (string, int, error) {
	open := strings.IndexByte(s, '[')
	if open < 0 {
		return s, 1, nil
	}
	if !strings.HasSuffix(s, "]") {
		return "", 0, fmt.Errorf("unclosed [ in %q", s)
	}
	n, err := strconv.Atoi(s[open+1 : len(s)-1])
	if err != nil || n < 1 {
		return "", 0, fmt.Errorf("bad index in %q", s)
	}
	return s[:open], n, nil
}

func (p Path) String() string {
	var b strings.Builder
	b.WriteString(p.Segment)
	if p.Occurrence > 1 {
		fmt.Fprintf(&b, "[%d]", p.Occurrence)
	}
	fmt.Fprintf(&b, "-%d", p.Field)
	if p.Repetition > 1 {
		fmt.Fprintf(&b, "[%d]", p.Repetition)
	}
	if p.Component > 0 {
		fmt.Fprintf(&b, ".%d", p.Component)
		if p.Subcomponent > 0 {
			fmt.Fprintf(&b, ".%d", p.Subcomponent)
		}
	}
	return b.String()
}

func atLeast1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// Get returns the value at path, or "" when the message does not have it.
// A malformed path also gives "": paths are constants in code, and tests
// catch a wrong one by its empty result; use ParsePath to check one.
func (m *Message) Get(path string) string {
	p, err := ParsePath(path)
	if err != nil {
		return ""
	}
	return m.Value(p)
}

// Value returns the value at p, or "".
func (m *Message) Value(p Path) string {
	seg := m.occurrence(p.Segment, atLeast1(p.Occurrence))
	if seg == nil {
		return ""
	}
	return seg.value(p)
}

// Set puts value at path, adding the fields, repetitions and components
// that lead to it. The segment must exist (AddSegment creates it), since
// Set cannot know where in the message a new segment belongs.
func (m *Message) Set(path, value string) error {
	p, err := ParsePath(path)
	if err != nil {
		return err
	}
	seg := m.occurrence(p.Segment, atLeast1(p.Occurrence))
	if seg == nil {
		return fmt.Errorf("hl7: set %s: the message has no %s occurrence %d", path, p.Segment, atLeast1(p.Occurrence))
	}
	return seg.set(p, value)
}

// Get returns the value at a path within the segment: "3[2].1" is field 3,
// repetition 2, component 1.
func (s *Segment) Get(path string) string {
	var p Path
	if err := p.parseFieldPart(path); err != nil {
		return ""
	}
	return s.value(p)
}

// Set puts value at a path within the segment, such as "3[2].1".
func (s *Segment) Set(path, value string) error {
	var p Path
	if err := p.parseFieldPart(path); err != nil {
		return fmt.Errorf("hl7: path %q: %w", path, err)
	}
	return s.set(p, value)
}

func (m *Message) occurrence(name string, n int) *Segment {
	for _, s := range m.segs {
		if s.name == name {
			n--
			if n == 0 {
				return s
			}
		}
	}
	return nil
}

func (s *Segment) value(p Path) string {
	return s.Field(p.Field).Rep(atLeast1(p.Repetition)).Comp(atLeast1(p.Component)).Sub(atLeast1(p.Subcomponent))
}

func (s *Segment) set(p Path, value string) error {
	if s.name == "MSH" && p.Field <= 2 {
		return fmt.Errorf("hl7: MSH-%d follows the message delimiters; use SetDelimiters", p.Field)
	}
	s.grow(p.Field)
	f := s.fields[p.Field-1]
	rep, comp, sub := atLeast1(p.Repetition), atLeast1(p.Component), atLeast1(p.Subcomponent)
	for len(f) < rep {
		f = append(f, Repetition{Component{""}})
	}
	r := f[rep-1]
	for len(r) < comp {
		r = append(r, Component{""})
	}
	c := r[comp-1]
	for len(c) < sub {
		c = append(c, "")
	}
	c[sub-1] = value
	r[comp-1] = c
	f[rep-1] = r
	s.fields[p.Field-1] = f
	return nil
}
