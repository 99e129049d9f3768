package scanning

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// gtinAI is AI (01) with a valid GTIN; expiryAI is AI (17) 2027-01-31.
const (
	gtinAI   = "0100312345678906"
	expiryAI = "17270131"
)

// uncertainAIs lists the AIs of c.Uncertain, sorted.
func uncertainAIs(c Code) []string {
	var out []string
	for _, u := range c.Uncertain {
		out = append(out, u.AI)
	}
	slices.Sort(out)
	return out
}

// TestParseReadingsWithoutSeparators judges element strings whose lots and
// serials end in digits that spell valid AIs: accepted, with the elements
// that differ marked uncertain, when every reading agrees on what the
// bedside checks; refused, naming the conflict, when they do not; never
// ambiguous with real group separators.
func TestParseReadingsWithoutSeparators(t *testing.T) {
	type want struct {
		lot, serial, expiry string
		uncertain           []string // sorted AIs
		values              map[string][]string
		conflicts           []string // refused when set
	}
	serialChecked := func(o *ParseOptions) { o.ExtraCheckedAIs = []string{"21"} }
	for _, tc := range []struct {
		name string
		in   string
		opts func(*ParseOptions)
		want want
	}{
		// The pack of the issue: (10)LOTRT504944 last, or lot LOTRT504 and AI 94 "4".
		{"lot_ending_in_internal_ai_94", gtinAI + expiryAI + "10LOTRT504944", nil,
			want{lot: "LOTRT504944", expiry: "2027-01-31", uncertain: []string{"10", "94"},
				values: map[string][]string{"10": {"LOTRT504944", "LOTRT504"}, "94": {"", "4"}}}},
		{"lot_ending_in_internal_ai_94_with_datamatrix_identifier", "]d2" + gtinAI + expiryAI + "10LOTRT504944", nil,
			want{lot: "LOTRT504944", expiry: "2027-01-31", uncertain: []string{"10", "94"}}},
		{"lot_ending_in_internal_ai_94_with_gs1_128_identifier", "]C1" + gtinAI + expiryAI + "10LOTRT504944", nil,
			want{lot: "LOTRT504944", expiry: "2027-01-31", uncertain: []string{"10", "94"}}},
		{"lot_ending_in_internal_ai_94_with_gs1_qr_identifier", "]Q3" + gtinAI + expiryAI + "10LOTRT504944", nil,
			want{lot: "LOTRT504944", expiry: "2027-01-31", uncertain: []string{"10", "94"}}},
		{"lot_ending_in_internal_ai_with_separators_is_certain", "]d2" + gtinAI + "10LOTRT504944\x1d" + expiryAI, nil,
			want{lot: "LOTRT504944", expiry: "2027-01-31"}},
		{"leading_fnc1_proves_the_separators_are_sent", "]d2\x1d" + gtinAI + expiryAI + "10LOTRT504944", nil,
			want{lot: "LOTRT504944", expiry: "2027-01-31"}},
		{"configured_substitute_proves_the_separators_are_sent", gtinAI + "10LOTRT504944{GS}" + expiryAI, nil,
			want{lot: "LOTRT504944", expiry: "2027-01-31"}},
		{"hri_is_never_ambiguous", "(01)00312345678906(17)270131(10)LOTRT504944", nil,
			want{lot: "LOTRT504944", expiry: "2027-01-31"}},
		{"decoder_channel_trusted", gtinAI + expiryAI + "10LOTRT504944", func(o *ParseOptions) { o.TrustSeparators = true },
			want{lot: "LOTRT504944", expiry: "2027-01-31"}},
		// Lot ending in "9912": AI 99 "12", or AI 91 "2" after lot "LOT9".
		{"lot_ending_in_two_internal_ais", gtinAI + expiryAI + "10LOT9912", nil,
			want{lot: "LOT9912", expiry: "2027-01-31", uncertain: []string{"10", "91", "99"},
				values: map[string][]string{"10": {"LOT9912", "LOT9", "LOT"}, "91": {"", "2"}, "99": {"", "12"}}}},
		{"lot_ending_in_ai_90", gtinAI + expiryAI + "10B7X90Q", nil,
			want{lot: "B7X90Q", expiry: "2027-01-31", uncertain: []string{"10", "90"}}},
		// Lot then serial without separator: both uncertain, the checks agree.
		{"lot_then_serial", gtinAI + expiryAI + "10LOT123A21SN0001", nil,
			want{lot: "LOT123A21SN0001", expiry: "2027-01-31", uncertain: []string{"10", "21"},
				values: map[string][]string{"10": {"LOT123A21SN0001", "LOT123A"}, "21": {"", "SN0001"}}}},
		{"lot_then_serial_refused_when_the_serial_is_checked", gtinAI + expiryAI + "10LOT123A21SN0001", serialChecked,
			want{conflicts: []string{"21"}}},
		{"serial_ending_in_internal_ai_91", gtinAI + expiryAI + "2112345691A", nil,
			want{serial: "12345691A", expiry: "2027-01-31", uncertain: []string{"21", "91"}}},
		{"serial_ending_in_internal_ai_refused_when_the_serial_is_checked", gtinAI + expiryAI + "2112345691A", serialChecked,
			want{conflicts: []string{"21"}}},
		// Date-shaped tails.
		// (11) 2025-01-15, or (250) "115" after lot "ABC11".
		{"lot_ending_in_production_date", gtinAI + expiryAI + "10ABC11250115", nil,
			want{lot: "ABC11250115", expiry: "2027-01-31", uncertain: []string{"10", "11", "250"},
				values: map[string][]string{"10": {"ABC11250115", "ABC11", "ABC"}, "11": {"", "250115"}, "250": {"", "115"}}}},
		// (15) 2027-01-01, or (7010) "1" after lot "ABC152".
		{"lot_ending_in_best_before_date", gtinAI + expiryAI + "10ABC15270101", nil,
			want{lot: "ABC15270101", expiry: "2027-01-31", uncertain: []string{"10", "15", "7010"}}},
		{"lot_ending_in_expiry_shape_without_expiry_is_refused", gtinAI + "10ABC17270131", nil,
			want{conflicts: []string{"17"}}},
		// A second (17) is no reading; (8013) "1" after lot "ABC172" is.
		{"lot_ending_in_expiry_shape_after_an_expiry_is_no_second_expiry", gtinAI + expiryAI + "10ABC17280131", nil,
			want{lot: "ABC17280131", expiry: "2027-01-31", uncertain: []string{"10", "8013"}}},
		// Month 13 is no expiry; (713) "31" after lot "ABC1727" is a reading.
		{"lot_ending_in_an_invalid_date_is_no_expiry", gtinAI + "10ABC17271331", nil,
			want{lot: "ABC17271331", uncertain: []string{"10", "713"}}},
		{"lot_without_any_ai_shaped_tail_is_certain", gtinAI + expiryAI + "10ABCXYZ", nil,
			want{lot: "ABCXYZ", expiry: "2027-01-31"}},
		{"lot_ending_in_expiry_time_is_refused", gtinAI + "10A70032701311200", nil,
			want{conflicts: []string{"7003"}}},
		// A lot longer than 20 can only end early: one reading, certain.
		{"overlong_lot_with_one_split_is_certain", gtinAI + "10ABCDEFGHIJKLMNOPQR17270131", nil,
			want{lot: "ABCDEFGHIJKLMNOPQR", expiry: "2027-01-31"}},
		// Identification keys: another GTIN or a resident's GSRN hidden in a value.
		{"lot_hiding_a_gtin_is_refused", "]d210AB" + gtinAI, nil,
			want{conflicts: []string{"01"}}},
		{"internal_ai_hiding_a_gsrn_is_refused", "]d291X8018" + withCheck("06141410000012345"), nil,
			want{conflicts: []string{"8018"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			c, err := Parse(tc.in, opts)
			if tc.want.conflicts != nil {
				var pe *ParseError
				if !errors.As(err, &pe) || !errors.Is(err, ErrMissingSeparator) {
					t.Fatalf("Parse(%q) = %+v, %v; want refused for missing separators", tc.in, c, err)
				}
				if !slices.Equal(pe.Conflicts, tc.want.conflicts) {
					t.Errorf("conflicts %v, want %v", pe.Conflicts, tc.want.conflicts)
				}
				for _, ai := range tc.want.conflicts {
					if !strings.Contains(err.Error(), "("+ai+") "+aiTitle(ai)) {
						t.Errorf("message %q does not name (%s)", err, ai)
					}
				}
				if !strings.Contains(err.Error(), "scan the 2D code") {
					t.Errorf("message %q does not say how to rescan", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if c.Lot != tc.want.lot || c.Serial != tc.want.serial || dateString(c.Expiry) != tc.want.expiry {
				t.Errorf("lot %q serial %q expiry %q, want %q %q %q", c.Lot, c.Serial, dateString(c.Expiry),
					tc.want.lot, tc.want.serial, tc.want.expiry)
			}
			if c.GTIN != "" && c.GTIN != "00312345678906" {
				t.Errorf("GTIN %s", c.GTIN)
			}
			if got := uncertainAIs(c); !slices.Equal(got, tc.want.uncertain) {
				t.Errorf("uncertain %v, want %v", got, tc.want.uncertain)
			}
			for ai, values := range tc.want.values {
				i := slices.IndexFunc(c.Uncertain, func(u Uncertain) bool { return u.AI == ai })
				if i < 0 || !slices.Equal(c.Uncertain[i].Values, values) {
					t.Errorf("values of (%s) = %+v, want %q", ai, c.Uncertain, values)
				}
			}
			if c.IsUncertain("10") != slices.Contains(tc.want.uncertain, "10") {
				t.Errorf("IsUncertain(10) = %v", c.IsUncertain("10"))
			}
		})
	}
}

// sampleValue builds a valid value of the AI: the shortest its components
// allow, digits and letters that satisfy its checks.
func sampleValue(t *testing.T, spec AISpec) string {
	t.Helper()
	var b strings.Builder
	for _, c := range spec.components {
		if c.optional {
			break
		}
		var part string
		switch {
		case slices.Contains(c.lints, "csum"):
			part = withCheck(strings.Repeat("0", c.min-2) + "7")
		case slices.Contains(c.lints, "yymmd0"), slices.Contains(c.lints, "yymmdd"):
			part = "270131"
		case slices.Contains(c.lints, "yyyymmdd"):
			part = "19800101"
		case slices.Contains(c.lints, "yymmddhh"):
			part = "27013112"
		case slices.Contains(c.lints, "hhmm"):
			part = "1200"
		case c.cset == csetNumeric:
			part = strings.Repeat("1", c.min)
		default:
			part = strings.Repeat("K", c.min)
		}
		b.WriteString(part)
	}
	v := b.String()
	if err := (gs1Parser{now: now}).validate(spec, v, text{s: v, pos: make([]int, len(v)+1)}); err != nil {
		t.Fatalf("sample value %q of AI %s: %v", v, spec.AI, err)
	}
	return v
}

// TestParseEveryAIHiddenInAnInternalValue walks the whole AI table: an
// internal value (AI 91, or a lot for AI 91 itself) that ends in a valid
// element string of the AI can be read with or without that element. The
// scan is refused, naming the AI, exactly when the AI is one the bedside
// checks; otherwise it is accepted with both marked uncertain.
func TestParseEveryAIHiddenInAnInternalValue(t *testing.T) {
	opts := testOptions()
	checked := opts.CheckedAIs()
	var ais []string
	for ai := range aiTable {
		ais = append(ais, ai)
	}
	slices.Sort(ais)
	for _, ai := range ais {
		spec := aiTable[ai]
		carrier := "91"
		if ai == carrier {
			carrier = "10"
		}
		in := "]d2" + carrier + "Q" + ai + sampleValue(t, spec)
		t.Run(ai, func(t *testing.T) {
			c, err := Parse(in, opts)
			if slices.Contains(checked, ai) {
				var pe *ParseError
				if !errors.As(err, &pe) || !slices.Contains(pe.Conflicts, ai) {
					t.Fatalf("Parse(%q) = %v, %v; want refused naming (%s)", in, uncertainAIs(c), err, ai)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", in, err)
			}
			if got := uncertainAIs(c); !slices.Contains(got, ai) || !slices.Contains(got, carrier) {
				t.Errorf("Parse(%q) uncertain %v, want (%s) and (%s) among them", in, got, carrier, ai)
			}
			if v, _ := c.Element(carrier); v != "Q"+ai+sampleValue(t, spec) {
				t.Errorf("first reading keeps the literal value: (%s) = %q", carrier, v)
			}
		})
	}
}

func TestParseRefusesDataWithTooManyReadings(t *testing.T) {
	// Twelve variable-length elements in a row, each of which may or may
	// not end the one before: thousands of readings.
	in := "]d291A"
	for _, ai := range []string{"92", "93", "94", "95", "96", "97", "98", "99", "90", "10", "21"} {
		in += ai + "B"
	}
	_, err := Parse(in, testOptions())
	if !errors.Is(err, ErrMissingSeparator) || !strings.Contains(err.Error(), "too many ways") {
		t.Fatalf("Parse(%q) error = %v, want refused as too ambiguous", in, err)
	}
}
