package scanning

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxTextLen bounds the input Parse accepts. The largest symbols carry a few
// thousand characters; anything longer is not a scan.
const MaxTextLen = 8192

// ParseOptions configure how scanner text is interpreted.
type ParseOptions struct {
	// GSSubstitutes are strings a scanner sends in place of the group
	// separator (ASCII 29), which browsers and keyboard layouts tend to drop.
	// They are mapped back to ASCII 29 before parsing. Choose strings that
	// cannot occur in GS1 data: "~" is a common choice (it is outside GS1
	// character set 82) but it is only honoured when configured here.
	GSSubstitutes []string
	// Wristbands and Badges are the facility's formats, tried in order.
	Wristbands []IDFormat
	Badges     []IDFormat
	// Now is the reference for the GS1 century rule of two-digit years;
	// the zero value means time.Now().
	Now time.Time
	// TrustSeparators declares that the input channel transmits every
	// group separator (a decoder, or scanners configured to send GS or a
	// substitute). Otherwise, in data containing no separator at all, a
	// variable-length field may end early in front of another valid element
	// string: every such reading is enumerated. When the readings agree on
	// the checked elements the first is taken and the elements that differ
	// are listed in Code.Uncertain; otherwise the scan is refused with
	// ErrMissingSeparator naming the conflict. Data that contain at least
	// one separator (a leading one included) are trusted either way.
	TrustSeparators bool
	// Expect is what the scan step asks for: KindWristband or KindBadge
	// when it identifies a person, KindGS1 (or KindUPC, KindHIBC) when it
	// wants a medication or supply, "" when anything may come. Without an
	// AIM symbology identifier, the wristband and badge formats are tried
	// before product codes unless a product is expected; with one, the
	// identifier decides (see Parse).
	Expect Kind
	// ExtraCheckedAIs are AIs the caller checks beyond those always checked
	// (see CheckedAIs): readings of separator-less data that differ on one
	// of them are refused rather than marked uncertain. Add "21" when the
	// serial number must be certain.
	ExtraCheckedAIs []string
}

// alwaysChecked are the AIs on which the readings of data without group
// separators must agree: the identification keys (GTIN, and so NDC, SSCC,
// GSRN of a resident or a member of staff), the expiry, and the patient
// data a GS1 wristband is matched by.
var alwaysChecked = []string{"00", "01", "02", "03", "17", "7003", "8017", "8018", "8019",
	"7250", "7251", "7253", "7254", "7256"}

// CheckedAIs returns the AIs on which the possible readings of scanner text
// without group separators must agree for the scan to be accepted: the
// identification keys, the expiry, the patient data of GS1 wristbands, the
// AIs of the GS1 wristband and badge formats, and o.ExtraCheckedAIs.
func (o ParseOptions) CheckedAIs() []string {
	out := slices.Clone(alwaysChecked)
	for _, f := range slices.Concat(o.Wristbands, o.Badges) {
		if f.AI != "" && !slices.Contains(out, f.AI) {
			out = append(out, f.AI)
		}
	}
	for _, ai := range o.ExtraCheckedAIs {
		if !slices.Contains(out, ai) {
			out = append(out, ai)
		}
	}
	return out
}

// DefaultParseOptions returns the options for a facility that configured
// nothing: the common textual stand-ins for GS, and the default wristband
// and badge formats (see DefaultWristbands and DefaultBadges).
func DefaultParseOptions() ParseOptions {
	return ParseOptions{
		GSSubstitutes: []string{"{GS}", "<GS>", `\x1d`, `\x1D`, "\u241d"},
		Wristbands:    DefaultWristbands(),
		Badges:        DefaultBadges(),
	}
}

// gs1Symbologies are the AIM identifiers that announce GS1 data (FNC1 in
// first position): GS1-128, GS1 DataMatrix, GS1 QR, GS1 DataBar, GS1 DotCode.
var gs1Symbologies = []string{"]C1", "]d2", "]Q3", "]e0", "]e1", "]e2", "]J1"}

// gtinSymbologies carry a bare GTIN: EAN/UPC (]E0 sends UPC-A as 13 digits,
// ]E3 with add-on, ]E4 EAN-8) and ITF (ITF-14 on cases).
var gtinSymbologies = []string{"]E0", "]E3", "]E4", "]I0", "]I1"}

// keyAIs are the GS1 identification keys a GS1 element string starts with;
// digits that begin with one of them and parse are taken as GS1 even when
// neither a symbology identifier nor a leading separator says so.
var keyAIs = []string{"00", "01", "02", "253", "255", "401", "402", "414", "417",
	"8003", "8004", "8006", "8010", "8013", "8017", "8018", "8026"}

// Parse turns the text a scanner produced (keyboard-wedge input, or the text
// of a decoded symbol) into a typed Code. The same pack may arrive with or
// without AIM symbology identifier, with the group separator as ASCII 29 or
// as a configured substitute, in human-readable "(01)…" form, or as bare
// UPC/EAN digits; all give the same Canonical. Errors are *ParseError values
// that say what is wrong and where.
func Parse(s string, opts ParseOptions) (Code, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if len(s) > MaxTextLen {
		return Code{}, &ParseError{Pos: -1, Err: ErrSyntax,
			Reason: fmt.Sprintf("%d bytes is longer than any barcode (limit %d)", len(s), MaxTextLen)}
	}
	t, sym, fnc1 := normalize(s, opts.GSSubstitutes)
	if t.s == "" {
		return Code{Symbology: sym}, &ParseError{Pos: -1, Err: ErrEmpty, Reason: "no data"}
	}
	c, err := parse(t, sym, fnc1, opts)
	if err != nil {
		// Whatever went wrong, what the scanner announced is worth keeping.
		c.Symbology = sym
	}
	return c, err
}

// parse dispatches normalised text to the parser its form calls for.
func parse(t text, sym string, fnc1 bool, opts ParseOptions) (Code, error) {
	checked := opts.CheckedAIs()
	p := gs1Parser{now: opts.Now, trustSeparators: opts.TrustSeparators || fnc1 || strings.IndexByte(t.s, GS) >= 0,
		checked: func(ai string) bool { return slices.Contains(checked, ai) }}

	switch {
	case fnc1 || slices.Contains(gs1Symbologies, sym):
		return parseGS1(p, t, sym, opts)
	case slices.Contains(gtinSymbologies, sym):
		return parseGTINSymbol(t, sym)
	case t.s[0] == '+':
		return parseHIBC(t, sym, opts.Now)
	}
	t = trimRightSpaces(t)
	if t.s == "" {
		return Code{}, &ParseError{Pos: -1, Err: ErrEmpty, Reason: "only spaces"}
	}
	if _, _, ok := hriAI(t.s, '(', ')'); ok {
		return parseGS1(p, t, sym, opts)
	}
	if _, _, ok := hriAI(t.s, '[', ']'); ok {
		return parseGS1(p, t, sym, opts)
	}
	// Without a symbology identifier the shape of the data decides, and a
	// numeric wristband can look like a GTIN: the facility's formats come
	// first unless the step expects a product. With an identifier that
	// announces neither GS1 data nor a GTIN (Code 128 without FNC1 "]C0",
	// QR "]Q1", DataMatrix "]d1", Code 39, PDF417, …) the data are never a
	// product code, whatever their digits look like.
	productFirst := sym == "" && (opts.Expect == KindGS1 || opts.Expect == KindUPC || opts.Expect == KindHIBC)
	if !productFirst {
		if c, ok, err := matchFormats(t, sym, opts); ok || err != nil {
			return c, err
		}
	}
	if sym == "" {
		if c, ok, err := parseProductShape(p, t, opts); ok {
			if err == nil || !productFirst {
				return c, err
			}
			// A product was expected but the digits are not a valid one:
			// a facility format may still know them (a wristband scanned
			// at the wrong step is worth saying so).
			if fc, fok, ferr := matchFormats(t, sym, opts); fok || ferr != nil {
				return fc, ferr
			}
			return c, err
		}
	}
	if productFirst {
		if c, ok, err := matchFormats(t, sym, opts); ok || err != nil {
			return c, err
		}
	}
	if !utf8.ValidString(t.s) {
		return Code{}, &ParseError{Pos: -1, Err: ErrSyntax, Reason: "text is not valid UTF-8"}
	}
	return Code{Kind: KindText, Symbology: sym, Canonical: t.s}, nil
}

// normalize trims what keyboard wedges add, maps GS substitutes to ASCII 29,
// and removes the AIM symbology identifier and a leading FNC1 separator.
func normalize(s string, substitutes []string) (t text, sym string, fnc1 bool) {
	start := 0
	for start < len(s) && strings.IndexByte(" \t\r\n", s[start]) >= 0 {
		start++
	}
	end := len(s)
	for end > start && strings.IndexByte("\r\n\t\x00", s[end-1]) >= 0 {
		end--
	}
	// Longest substitute first, so "<GS>" wins over a configured "<".
	subs := slices.Clone(substitutes)
	slices.SortFunc(subs, func(a, b string) int { return len(b) - len(a) })
	var b strings.Builder
	pos := make([]int, 0, end-start+1)
	for i := start; i < end; {
		matched := false
		for _, sub := range subs {
			if sub != "" && strings.HasPrefix(s[i:end], sub) {
				b.WriteByte(GS)
				pos = append(pos, i)
				i += len(sub)
				matched = true
				break
			}
		}
		if !matched {
			b.WriteByte(s[i])
			pos = append(pos, i)
			i++
		}
	}
	pos = append(pos, end)
	t = text{s: b.String(), pos: pos}

	if len(t.s) >= 3 && t.s[0] == ']' && isAlpha(t.s[1]) && isAlnum(t.s[2]) {
		sym = t.s[:3]
		t = t.slice(3, len(t.s))
	}
	for len(t.s) > 0 && t.s[0] == GS {
		fnc1 = true
		t = t.slice(1, len(t.s))
	}
	return t, sym, fnc1
}

func trimRightSpaces(t text) text {
	n := len(t.s)
	for n > 0 && t.s[n-1] == ' ' {
		n--
	}
	return t.slice(0, n)
}

func isAlpha(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }
func isAlnum(c byte) bool { return isAlpha(c) || c >= '0' && c <= '9' }

// parseGS1 parses element strings (or their HRI form) and recognises GS1
// wristbands and badges.
func parseGS1(p gs1Parser, t text, sym string, opts ParseOptions) (Code, error) {
	var (
		elems     []Element
		uncertain []Uncertain
		err       error
	)
	if t.s[0] == '(' || t.s[0] == '[' {
		elems, err = p.parseHRI(trimRightSpaces(t))
	} else {
		elems, uncertain, err = p.parseElementString(t)
	}
	if err != nil {
		return Code{Kind: KindGS1, Symbology: sym}, err
	}
	c := Code{Kind: KindGS1, Symbology: sym, Elements: elems, Canonical: canonicalGS1(elems), Uncertain: uncertain}
	fillGS1(&c, opts.Now)
	for _, group := range []struct {
		kind    Kind
		formats []IDFormat
	}{{KindWristband, opts.Wristbands}, {KindBadge, opts.Badges}} {
		for _, f := range group.formats {
			f, err := f.compiled()
			if err != nil {
				return Code{}, err
			}
			if ids, ok := f.matchGS1(c); ok {
				c.Kind, c.Identifiers, c.Format = group.kind, ids, f.Name
				return c, nil
			}
		}
	}
	return c, nil
}

// parseGTINSymbol handles data announced as EAN/UPC or ITF.
func parseGTINSymbol(t text, sym string) (Code, error) {
	s := t.s
	if sym == "]E3" && isDigits(s) && (len(s) == 15 || len(s) == 18) {
		// EAN-13 with a 2- or 5-digit add-on (periodicals, prices): the
		// add-on is not part of the GTIN.
		t = t.slice(0, 13)
	}
	if sym == "]E0" && len(s) == 8 && isDigits(s) && (s[0] == '0' || s[0] == '1') {
		// ]E0 with eight digits is a UPC-E (EAN-8 is ]E4): its GTIN is
		// the UPC-A it abbreviates.
		c, err := parseBareGTIN(text{s: expandUPCE(s), pos: t.pos[:1]}, sym)
		if err != nil {
			return Code{}, &ParseError{Field: "upc-e", Pos: t.at(len(s) - 1), Err: ErrCheckDigit,
				Reason: fmt.Sprintf("UPC-E %s expands to %s, whose check digit does not match", s, expandUPCE(s))}
		}
		return c, nil
	}
	return parseBareGTIN(t, sym)
}

// expandUPCE turns an 8-digit UPC-E (number system, six digits, check)
// into the 12-digit UPC-A it stands for; the last of the six digits says
// where the zeros of the manufacturer and item numbers were suppressed.
func expandUPCE(e string) string {
	d := e[1:7]
	var body string
	switch d[5] {
	case '0', '1', '2':
		body = d[0:2] + d[5:6] + "0000" + d[2:5]
	case '3':
		body = d[0:3] + "00000" + d[3:5]
	case '4':
		body = d[0:4] + "00000" + d[4:5]
	default:
		body = d[0:5] + "0000" + d[5:6]
	}
	return e[0:1] + body + e[7:8]
}

// matchFormats tries the facility's wristband formats, then its badges.
func matchFormats(t text, sym string, opts ParseOptions) (Code, bool, error) {
	for _, group := range []struct {
		kind    Kind
		formats []IDFormat
	}{{KindWristband, opts.Wristbands}, {KindBadge, opts.Badges}} {
		for _, f := range group.formats {
			f, err := f.compiled()
			if err != nil {
				return Code{}, false, err
			}
			ids, ok, err := f.matchText(t.s, sym)
			if err != nil {
				return Code{Kind: group.kind, Symbology: sym, Format: f.Name}, true, err
			}
			if ok {
				return Code{Kind: group.kind, Symbology: sym, Canonical: t.s, Identifiers: ids, Format: f.Name}, true, nil
			}
		}
	}
	return Code{}, false, nil
}

// parseProductShape reads data without symbology identifier that look like
// a product code: GTIN digits, or a GS1 element string starting with a key.
// ok is false when the data do not look like one.
func parseProductShape(p gs1Parser, t text, opts ParseOptions) (c Code, ok bool, err error) {
	if isDigits(t.s) {
		switch len(t.s) {
		case 8, 12, 13, 14:
			c, err := parseBareGTIN(t, "")
			return c, true, err
		}
	}
	if spec, found := matchAI(t.s); found && slices.Contains(keyAIs, spec.AI) {
		c, err := parseGS1(p, t, "", opts)
		if err == nil || !firstElementFails(p, t, spec) {
			// Either it is GS1, or its key is valid and what follows is
			// wrong: report that rather than calling the scan plain text.
			return c, true, err
		}
	}
	return Code{}, false, nil
}

// firstElementFails reports whether the key element at the start of t is
// itself invalid, in which case the digits are probably not GS1 at all.
func firstElementFails(p gs1Parser, t text, spec AISpec) bool {
	n := len(spec.AI) + spec.MaxLen()
	if !spec.Fixed() || n > len(t.s) {
		return true
	}
	value := t.s[len(spec.AI):n]
	return p.validate(spec, value, t.slice(len(spec.AI), n)) != nil
}
