package scanning

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// now is the reference date of the tests: two-digit years resolve around it.
var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testOptions() ParseOptions {
	o := DefaultParseOptions()
	o.Now = now
	return o
}

// withCheck appends the GS1 check digit.
func withCheck(digits string) string { return digits + string(mod10CheckDigit(digits)) }

const (
	packElements = "01003123456789061727013110LOT123A\x1d21SN0001"
	packHRI      = "(01)00312345678906(17)270131(10)LOT123A(21)SN0001"
)

type parseCase struct {
	name string
	in   string
	opts func(*ParseOptions)
	// want is checked in addition to the golden file: the sentinel error,
	// or the kind and canonical form.
	wantErr       error
	wantKind      Kind
	wantCanonical string
}

func parseCases() []parseCase {
	pack := func(name, in string, opts func(*ParseOptions)) parseCase {
		return parseCase{name: name, in: in, opts: opts, wantKind: KindGS1, wantCanonical: packElements}
	}
	tilde := func(o *ParseOptions) { o.GSSubstitutes = append(o.GSSubstitutes, "~") }
	cases := []parseCase{
		// The same pack in every form a scanner or decoder produces.
		pack("pack_datamatrix_aim", "]d2"+packElements, nil),
		pack("pack_datamatrix_leading_gs", "\x1d"+packElements, nil),
		pack("pack_datamatrix_aim_and_leading_gs", "]d2\x1d"+packElements, nil),
		pack("pack_without_aim", packElements, nil),
		pack("pack_gs1_128_c1_prefix", "]C1"+packElements, nil),
		pack("pack_gs1_qr_without_gs", "]Q3"+packElements, nil),
		pack("pack_substitute_braces", strings.ReplaceAll(packElements, "\x1d", "{GS}"), nil),
		pack("pack_substitute_angle", strings.ReplaceAll(packElements, "\x1d", "<GS>"), nil),
		pack("pack_substitute_escaped", "]d2"+strings.ReplaceAll(packElements, "\x1d", `\x1d`), nil),
		pack("pack_substitute_control_picture", strings.ReplaceAll(packElements, "\x1d", "\u241d"), nil),
		pack("pack_substitute_tilde_configured", strings.ReplaceAll(packElements, "\x1d", "~"), tilde),
		pack("pack_hri", packHRI, nil),
		pack("pack_hri_square_brackets", "[01]00312345678906[17]270131[10]LOT123A[21]SN0001", nil),
		pack("pack_wedge_with_enter", "]d2"+packElements+"\r\n", nil),
		pack("pack_fields_reordered_by_hri_are_kept_in_order", "(01)00312345678906(17)270131(10)LOT123A(21)SN0001", nil),
		{name: "pack_tilde_not_configured_is_refused", in: strings.ReplaceAll(packElements, "\x1d", "~"), wantErr: ErrSyntax},
		{name: "missing_separator_lot_and_serial_uncertain", in: "01003123456789061727013110LOT123A21SN0001", wantKind: KindGS1,
			wantCanonical: "01003123456789061727013110LOT123A21SN0001"},
		{name: "missing_separator_with_aim_lot_and_serial_uncertain", in: "]d201003123456789061727013110LOT123A21SN0001", wantKind: KindGS1,
			wantCanonical: "01003123456789061727013110LOT123A21SN0001"},
		{name: "missing_separator_lot_may_hide_expiry_is_refused", in: "]d2010031234567890610LOT17270131", wantErr: ErrMissingSeparator},
		{name: "lot_longer_than_20_is_missing_separator", in: "]d2010031234567890610ABCDEFGHIJKLMNOPQRSTU", wantErr: ErrMissingSeparator},
		{name: "lot_of_20_characters_last", in: "]d2010031234567890610ABCDEFGHIJKLMNOPQRST", wantKind: KindGS1,
			wantCanonical: "010031234567890610ABCDEFGHIJKLMNOPQRST"},
		{name: "lot_of_20_characters_hri", in: "(01)00312345678906(10)ABCDEFGHIJ0123456789(21)1", wantKind: KindGS1,
			wantCanonical: "010031234567890610ABCDEFGHIJ0123456789\x1d211"},
		{name: "serial_that_looks_like_lot_uncertain_without_separators", in: "010031234567890621X7K10QZ", wantKind: KindGS1,
			wantCanonical: "010031234567890621X7K10QZ"},
		{name: "serial_that_looks_like_lot_refused_when_serial_checked", in: "010031234567890621X7K10QZ",
			opts: func(o *ParseOptions) { o.ExtraCheckedAIs = []string{"21"} }, wantErr: ErrMissingSeparator},
		{name: "serial_that_looks_like_lot_accepted_when_separators_trusted", in: "010031234567890621X7K10QZ",
			opts: func(o *ParseOptions) { o.TrustSeparators = true }, wantKind: KindGS1, wantCanonical: "010031234567890621X7K10QZ"},
		{name: "separator_after_fixed_length_ai_is_tolerated", in: "]d20100312345678906\x1d17270131", wantKind: KindGS1,
			wantCanonical: "010031234567890617270131"},

		// Expiry dates.
		{name: "expiry_day_00_leap_february", in: "]d201003123456789061728020010A", wantKind: KindGS1,
			wantCanonical: "01003123456789061728020010A"},
		{name: "expiry_day_00_common_february", in: "]d2010031234567890617270200", wantKind: KindGS1},
		{name: "expiry_century_boundary_50_ahead_is_this_century", in: "(01)00312345678906(17)760101", wantKind: KindGS1},
		{name: "expiry_century_boundary_51_ahead_is_last_century", in: "(01)00312345678906(17)770101", wantKind: KindGS1},
		{name: "expiry_century_boundary_next_century", in: "(01)00312345678906(17)000101",
			opts: func(o *ParseOptions) { o.Now = time.Date(2099, 6, 1, 0, 0, 0, 0, time.UTC) }, wantKind: KindGS1},
		{name: "expiry_month_13_is_invalid", in: "(01)00312345678906(17)271301", wantErr: ErrInvalidDate},
		{name: "expiry_february_30_is_invalid", in: "(01)00312345678906(17)270230", wantErr: ErrInvalidDate},
		{name: "production_date_quantity_and_more", in: "]C10100312345678906112501153012\x1d240ABC-1", wantKind: KindGS1},

		// GTIN rules.
		{name: "gtin_check_digit_wrong", in: "]d20100312345678907", wantErr: ErrCheckDigit},
		{name: "gtin_non_digit", in: "]d201003123456789O6", wantErr: ErrSyntax},
		{name: "duplicate_ai", in: "]d20100312345678906\x1d0100312345678906", wantErr: ErrDuplicateAI},
		{name: "unknown_ai", in: "]d22312345", wantErr: ErrUnknownAI},
		{name: "gtin_truncated", in: "]d2010031234567", wantErr: ErrSyntax},

		// Bare GTINs: UPC-A as 12 or 13 digits, EAN-13, EAN-8, ITF-14.
		{name: "upca_12_digits", in: "312345678906", wantKind: KindUPC, wantCanonical: "00312345678906"},
		{name: "upca_13_digits", in: "0312345678906", wantKind: KindUPC, wantCanonical: "00312345678906"},
		{name: "upca_aim_e0", in: "]E00312345678906", wantKind: KindUPC, wantCanonical: "00312345678906"},
		{name: "upca_bad_check_digit", in: "312345678907", wantErr: ErrCheckDigit},
		{name: "upca_11_digits_announced", in: "]E031234567890", wantErr: ErrSyntax},
		{name: "ean13", in: "5901234123457", wantKind: KindUPC, wantCanonical: "05901234123457"},
		{name: "ean8", in: "]E496385074", wantKind: KindUPC, wantCanonical: "00000096385074"},
		{name: "upce_expanded_to_upca", in: "]E004252614", wantKind: KindUPC, wantCanonical: "00042100005264"},
		{name: "itf14", in: "]I010312345678903", wantKind: KindUPC, wantCanonical: "10312345678903"},
		{name: "ean13_with_addon", in: "]E3590123412345712", wantKind: KindUPC, wantCanonical: "05901234123457"},

		// HIBC.
		{name: "hibc_primary", in: "+A123BJC5D6E71G", wantKind: KindHIBC},
		{name: "hibc_concatenated_julian_expiry", in: "+A123BJC5D6E71/$$52001510X3C", wantKind: KindHIBC},
		{name: "hibc_secondary_only", in: "+$$52001510X3GD", wantKind: KindHIBC},
		{name: "hibc_yymmdd_expiry", in: "+A99912345/$$3251231LOT78", wantKind: KindHIBC},
		{name: "hibc_serial", in: "+A99912345/$$+3251231SER93", wantKind: KindHIBC},
		{name: "hibc_lot_only", in: "+A99912345/$1234AK", wantKind: KindHIBC},
		{name: "hibc_mmyy_expiry", in: "+A99912345/$$0427LOTXU", wantKind: KindHIBC},
		{name: "hibc_quantity", in: "+A99912345/$$8053251231LOT5J", wantKind: KindHIBC},
		{name: "hibc_legacy_julian", in: "+A99912345/0403012345Q", wantKind: KindHIBC},
		{name: "hibc_bad_check", in: "+A123BJC5D6E71H", wantErr: ErrCheckDigit},

		// Wristbands and badges.
		{name: "wristband_code128_mrn", in: "]C0MRN00123456", wantKind: KindWristband, wantCanonical: "MRN00123456"},
		{name: "wristband_mrn_without_aim", in: "MRN00123456", wantKind: KindWristband},
		{name: "wristband_2d_fields", in: "]d1MRN:00123456|DOE^JANE|DOB:19800101", wantKind: KindWristband},
		{name: "wristband_2d_bad_dob", in: "MRN:00123456|DOE^JANE|DOB:19801301", wantErr: ErrInvalidDate},
		{name: "wristband_gs1_gsrn", in: "]d2\x1d8018" + withCheck("06141410000012345"), wantKind: KindWristband},
		{name: "wristband_gs1_gsrn_with_patient_data", in: "(8018)" + withCheck("06141410000012345") + "(7250)19800101(7253)DOE(7254)JANE",
			wantKind: KindWristband},
		{name: "wristband_gsrn_bad_check", in: "]d28018061414100000123455", wantErr: ErrCheckDigit},
		{name: "badge_employee", in: "EMP00042", wantKind: KindBadge},
		{name: "badge_prefixed", in: "BADGE:N-1234", wantKind: KindBadge},
		{name: "badge_gs1_gsrn_provider", in: "]d28017" + withCheck("06141410000012345"), wantKind: KindBadge},
		{name: "wristband_facility_format", in: "PT-2024-000123",
			opts: func(o *ParseOptions) {
				o.Wristbands = []IDFormat{{Name: "visit", Pattern: `PT-(?P<year>[0-9]{4})-(?P<mrn>[0-9]{6})`}}
			}, wantKind: KindWristband},

		// Anything else is text; empty input is an error.
		{name: "plain_text", in: "hello world", wantKind: KindText, wantCanonical: "hello world"},
		{name: "url_in_qr", in: "]Q1https://example.org/leaflet?id=42", wantKind: KindText},
		{name: "empty", in: " \r\n", wantErr: ErrEmpty},
		{name: "symbology_identifier_then_spaces", in: "]C0   ", wantErr: ErrEmpty},
	}
	for i := 1; i <= 8; i++ {
		g := withCheck(string(rune('0'+i)) + "031234567890")
		cases = append(cases, parseCase{name: "gtin14_indicator_" + string(rune('0'+i)), in: "(01)" + g + "(17)270131",
			wantKind: KindGS1, wantCanonical: "01" + g + "17270131"})
	}
	return cases
}

func TestParseGolden(t *testing.T) {
	for _, tc := range parseCases() {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			c, err := Parse(tc.in, opts)
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want %v", tc.in, err, tc.wantErr)
				}
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("error %T is not a *ParseError", err)
				}
			case err != nil:
				t.Fatalf("Parse(%q): %v", tc.in, err)
			default:
				if c.Kind != tc.wantKind {
					t.Errorf("kind = %q, want %q", c.Kind, tc.wantKind)
				}
				if tc.wantCanonical != "" && c.Canonical != tc.wantCanonical {
					t.Errorf("canonical = %q, want %q", c.Canonical, tc.wantCanonical)
				}
			}
			checkGolden(t, filepath.Join("testdata", "golden", "parse", tc.name+".json"), ReportFromParse(tc.in, c, err))
		})
	}
}

func checkGolden(t *testing.T, path string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./scanning -run %s -update)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n got: %s\nwant: %s", path, got, want)
	}
}

func TestParseErrorSaysWhereAndWhat(t *testing.T) {
	// Lot "LOT17270131", or lot "LOT" and expiry 2027-01-31: the expiry
	// decides, so the scan is refused and the conflict named.
	_, err := Parse("010031234567890610LOT17270131", testOptions())
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v", err)
	}
	if pe.AI != "10" || pe.Pos != 18 || !slices.Equal(pe.Conflicts, []string{"17"}) {
		t.Errorf("AI %q at %d conflicts %v, want AI 10 at 18 (where the lot starts), conflict 17", pe.AI, pe.Pos, pe.Conflicts)
	}
	for _, want := range []string{"AI (10)", "BATCH/LOT", "position 18", "(17) USE BY OR EXPIRY is absent or \"270131\"", "2 ways", "scan the 2D code"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
}

func TestParsePositionsPointIntoTheOriginalInput(t *testing.T) {
	// "{GS}" is four characters in the input but one byte after mapping;
	// the error must still point at the character the user typed.
	in := "]d20100312345678906{GS}10AB{GS}21ÄX"
	_, err := Parse(in, testOptions())
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v", err)
	}
	if got := in[pe.Pos:]; !strings.HasPrefix(got, "Ä") {
		t.Errorf("position %d points at %q, want the non-GS1 character", pe.Pos, got)
	}
}

func TestDateEndOfDayIsLastInstantInTheWardZone(t *testing.T) {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	d := Date{2027, 1, 31}
	end := d.EndOfDay(loc)
	if got := end.Format(time.RFC3339Nano); got != "2027-01-31T23:59:59.999999999-05:00" {
		t.Errorf("EndOfDay = %s", got)
	}
	if d.Expired(end, loc) || !d.Expired(end.Add(time.Nanosecond), loc) {
		t.Error("expiry must fall exactly after the end of the day")
	}
	if d.String() != "2027-01-31" || d.Time(nil) != time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC) {
		t.Errorf("String/Time: %s %s", d, d.Time(nil))
	}
}

func TestGS1YearCenturyRule(t *testing.T) {
	for _, tc := range []struct {
		now, yy, want int
	}{
		{2026, 26, 2026}, {2026, 76, 2076}, {2026, 77, 1977}, {2026, 0, 2000},
		{2099, 0, 2100}, {2099, 49, 2149}, {2099, 50, 2050}, {2000, 51, 1951}, {2000, 50, 2050},
	} {
		if got := gs1Year(tc.yy, time.Date(tc.now, 1, 1, 0, 0, 0, 0, time.UTC)); got != tc.want {
			t.Errorf("in %d, YY %02d = %d, want %d", tc.now, tc.yy, got, tc.want)
		}
	}
}
