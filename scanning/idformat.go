package scanning

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// IDFormat describes one way a facility encodes a wristband or a staff badge.
// It is plain data so that it can live in configuration; NewIDFormat checks
// it and compiles the pattern once.
//
// A format matches either text or a GS1 element string:
//
//   - Text: the scanned text must start with Prefix (literal, may be empty)
//     and the rest must match Pattern in full. Pattern is an RE2 regular
//     expression; each named group "(?P<mrn>…)" yields an identifier under
//     its name. Without a pattern the whole rest is the identifier Fields[0].
//   - GS1: AI names an Application Identifier ("8018" for a patient GSRN,
//     "8017" for a staff GSRN); its value becomes the identifier Fields[0]
//     (default "gsrn"), and the patient AIs 7250–7259 present in the same
//     data add "dob", "family", "given", "name".
type IDFormat struct {
	Name    string
	Prefix  string
	Pattern string
	AI      string
	// Fields lists the identifiers the format yields. With a pattern it must
	// name exactly its named groups (leave empty to take them from the
	// pattern); it documents the format for whoever configures it.
	Fields []string
	// Dates maps identifier names to the Go time layout they are written in
	// (e.g. "dob": "20060102"); such values are checked and normalised to
	// YYYY-MM-DD.
	Dates map[string]string
	// Symbologies, when set, restricts the format to these AIM symbology
	// identifiers (e.g. "]C0" for a Code 128 band); text without a symbology
	// identifier is always considered.
	Symbologies []string

	re *regexp.Regexp
}

// NewIDFormat validates f and compiles its pattern.
func NewIDFormat(f IDFormat) (IDFormat, error) {
	bad := func(format string, args ...any) (IDFormat, error) {
		return IDFormat{}, &ParseError{Field: "id format " + f.Name, Pos: -1, Err: ErrFormat, Reason: fmt.Sprintf(format, args...)}
	}
	if f.Name == "" {
		return bad("a format needs a name")
	}
	if f.AI != "" {
		if f.Prefix != "" || f.Pattern != "" {
			return bad("a GS1 format (AI %s) takes no prefix or pattern", f.AI)
		}
		if _, ok := lookupAI(f.AI); !ok {
			return bad("AI %q is not a GS1 Application Identifier", f.AI)
		}
		if len(f.Fields) == 0 {
			f.Fields = []string{"gsrn"}
		}
		if len(f.Fields) != 1 {
			return bad("a GS1 format yields one identifier, got fields %v", f.Fields)
		}
		return f, nil
	}
	if f.Prefix == "" && f.Pattern == "" {
		return bad("a text format needs a prefix, a pattern or both")
	}
	if f.Pattern == "" {
		if len(f.Fields) != 1 {
			return bad("without a pattern, name exactly one field for the text after the prefix")
		}
		return f, nil
	}
	re, err := regexp.Compile(`^(?:` + f.Pattern + `)$`)
	if err != nil {
		return bad("pattern: %v", err)
	}
	var groups []string
	for _, n := range re.SubexpNames() {
		if n != "" {
			groups = append(groups, n)
		}
	}
	if len(groups) == 0 {
		return bad("pattern %q has no named group (?P<name>…) to yield an identifier", f.Pattern)
	}
	if len(f.Fields) == 0 {
		f.Fields = groups
	} else {
		a, b := slices.Clone(f.Fields), slices.Clone(groups)
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(slices.Compact(a), slices.Compact(b)) {
			return bad("fields %v do not match the pattern's named groups %v", f.Fields, groups)
		}
	}
	for name, layout := range f.Dates {
		if !slices.Contains(f.Fields, name) {
			return bad("date field %q is not a field of the format", name)
		}
		if _, err := time.Parse(layout, time.Date(2000, 1, 2, 0, 0, 0, 0, time.UTC).Format(layout)); err != nil {
			return bad("date layout %q for %q: %v", layout, name, err)
		}
	}
	f.re = re
	return f, nil
}

// MustIDFormat is NewIDFormat for formats written in code; it panics on an
// invalid format.
func MustIDFormat(f IDFormat) IDFormat {
	f, err := NewIDFormat(f)
	if err != nil {
		panic(err)
	}
	return f
}

// compiled returns f ready to match, validating and compiling it when it
// was written as a literal rather than built with NewIDFormat (which is the
// cheaper way: the pattern is compiled once).
func (f IDFormat) compiled() (IDFormat, error) {
	if f.re != nil {
		return f, nil
	}
	return NewIDFormat(f)
}

func (f IDFormat) allows(sym string) bool {
	return sym == "" || len(f.Symbologies) == 0 || slices.Contains(f.Symbologies, sym)
}

// matchText applies a text format. ok is false when the format does not
// apply; err is set when it applies but a value is invalid (a bad date).
func (f IDFormat) matchText(s, sym string) (ids map[string]string, ok bool, err error) {
	if f.AI != "" || !f.allows(sym) {
		return nil, false, nil
	}
	rest, found := strings.CutPrefix(s, f.Prefix)
	if !found {
		return nil, false, nil
	}
	ids = make(map[string]string)
	if f.re == nil {
		if rest == "" {
			return nil, false, nil
		}
		ids[f.Fields[0]] = rest
	} else {
		m := f.re.FindStringSubmatch(rest)
		if m == nil {
			return nil, false, nil
		}
		for i, name := range f.re.SubexpNames() {
			if name != "" && m[i] != "" {
				ids[name] = m[i]
			}
		}
		if len(ids) == 0 {
			// A match that identifies nobody is no match.
			return nil, false, nil
		}
	}
	for name, layout := range f.Dates {
		v, present := ids[name]
		if !present {
			continue
		}
		t, perr := time.Parse(layout, v)
		if perr != nil {
			return nil, true, &ParseError{Field: f.Name + " " + name, Pos: strings.Index(s, v), Err: ErrInvalidDate,
				Reason: fmt.Sprintf("%q is not a date in the layout %q", v, layout)}
		}
		ids[name] = t.Format("2006-01-02")
	}
	return ids, true, nil
}

// matchGS1 applies a GS1 format to parsed elements.
func (f IDFormat) matchGS1(c Code) (map[string]string, bool) {
	if f.AI == "" || !f.allows(c.Symbology) {
		return nil, false
	}
	v, ok := c.Element(f.AI)
	if !ok {
		return nil, false
	}
	ids := map[string]string{f.Fields[0]: v}
	// Patient data AIs a GS1 wristband may carry next to the GSRN.
	for ai, name := range map[string]string{"7253": "family", "7254": "given", "7256": "name", "8019": "srin"} {
		if x, ok := c.Element(ai); ok {
			ids[name] = x
		}
	}
	if x, ok := c.Element("7250"); ok {
		d, _ := parseYYYYMMDD(x)
		ids["dob"] = d.String()
	}
	if _, ok := ids["name"]; !ok && ids["family"] != "" {
		ids["name"] = ids["family"] + "^" + ids["given"]
	}
	return ids, true
}

// DefaultWristbands are the wristband formats DefaultParseOptions uses.
func DefaultWristbands() []IDFormat {
	return []IDFormat{
		// Code 128 band with the medical record number, e.g. MRN00123456.
		MustIDFormat(IDFormat{Name: "mrn", Prefix: "MRN", Pattern: `(?P<mrn>[0-9]{4,15})`}),
		// 2D band with several fields: MRN:00123456|DOE^JANE|DOB:19800101.
		MustIDFormat(IDFormat{
			Name:    "mrn-name-dob",
			Prefix:  "MRN:",
			Pattern: `(?P<mrn>[0-9A-Za-z-]{1,20})\|(?P<name>(?P<family>[^|^]+)\^(?P<given>[^|]*))\|DOB:(?P<dob>[0-9]{8})`,
			Dates:   map[string]string{"dob": "20060102"},
		}),
		// GS1 band: Global Service Relation Number of the service recipient.
		MustIDFormat(IDFormat{Name: "gsrn", AI: "8018", Fields: []string{"gsrn"}}),
	}
}

// DefaultBadges are the staff badge formats DefaultParseOptions uses.
func DefaultBadges() []IDFormat {
	return []IDFormat{
		MustIDFormat(IDFormat{Name: "employee", Pattern: `(?P<badge>EMP(?P<employee>[0-9]{1,12}))`}),
		MustIDFormat(IDFormat{Name: "badge", Prefix: "BADGE:", Pattern: `(?P<badge>[0-9A-Za-z-]{1,32})`}),
		MustIDFormat(IDFormat{Name: "gsrn-provider", AI: "8017", Fields: []string{"gsrn"}}),
	}
}
