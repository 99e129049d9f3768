package scanning

import (
	"errors"
	"testing"
)

// TestParseSymbologyIdentifierDecides: with an AIM identifier the
// symbology decides what the text is; without one, a scan step that
// expects a wristband or badge tries the facility's formats before product
// codes, and one that expects a product tries product codes first.
func TestParseSymbologyIdentifierDecides(t *testing.T) {
	upca := "312345678906"       // valid UPC-A
	ean8 := withCheck("1234567") // valid EAN-8 digits
	numericBands := []IDFormat{  // a site whose bands carry a 12-digit MRN
		MustIDFormat(IDFormat{Name: "numeric-mrn", Pattern: `(?P<mrn>[0-9]{12})`}),
	}
	for _, tc := range []struct {
		name    string
		in      string
		expect  Kind
		bands   []IDFormat
		want    Kind
		wantErr error
	}{
		// Code 128 without FNC1, QR and DataMatrix without GS1: never a product.
		{name: "code128_eight_digits_is_not_ean8", in: "]C012345670", want: KindText},
		{name: "code128_eight_digits_bad_ean8_check_is_not_refused", in: "]C012345678", want: KindText},
		{name: "code128_eight_valid_ean8_digits_is_not_a_product", in: "]C0" + ean8, want: KindText},
		{name: "qr_twelve_digits_is_not_upc", in: "]Q1" + upca, want: KindText},
		{name: "datamatrix_ecc200_thirteen_digits_is_not_ean13", in: "]d10" + upca, want: KindText},
		{name: "code128_gs1_shaped_digits_without_fnc1_is_not_gs1", in: "]C00100312345678906", want: KindText},
		{name: "code39_digits_is_not_a_product", in: "]A0" + upca, want: KindText},
		{name: "code128_numeric_band_is_a_wristband", in: "]C0" + upca, bands: numericBands, want: KindWristband},
		{name: "code128_numeric_band_at_the_medication_step_is_still_a_wristband", in: "]C0" + upca, bands: numericBands,
			expect: KindGS1, want: KindWristband},
		// Identifiers that announce a product keep deciding.
		{name: "upca_identifier_is_a_product_even_at_the_wristband_step", in: "]E00" + upca, bands: numericBands,
			expect: KindWristband, want: KindUPC},
		{name: "ean8_identifier", in: "]E4" + ean8, want: KindUPC},
		{name: "gs1_datamatrix_identifier", in: "]d20100312345678906", bands: numericBands, expect: KindWristband, want: KindGS1},
		// No identifier: the step decides which comes first.
		{name: "no_identifier_wristband_step_tries_bands_first", in: upca, bands: numericBands, expect: KindWristband, want: KindWristband},
		{name: "no_identifier_badge_step_tries_bands_first", in: upca, bands: numericBands, expect: KindBadge, want: KindWristband},
		{name: "no_identifier_unknown_step_tries_bands_first", in: upca, bands: numericBands, want: KindWristband},
		{name: "no_identifier_medication_step_tries_products_first", in: upca, bands: numericBands, expect: KindGS1, want: KindUPC},
		{name: "no_identifier_medication_step_band_with_bad_check_digit_is_a_wristband", in: "312345678907", bands: numericBands,
			expect: KindGS1, want: KindWristband},
		{name: "no_identifier_medication_step_bad_check_digit_without_band_is_refused", in: "312345678907",
			expect: KindGS1, wantErr: ErrCheckDigit},
		{name: "no_identifier_without_bands_is_a_product", in: upca, want: KindUPC},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions()
			opts.Expect = tc.expect
			if tc.bands != nil {
				opts.Wristbands = tc.bands
			}
			c, err := Parse(tc.in, opts)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Parse(%q) = %q, %v; want %v", tc.in, c.Kind, err, tc.wantErr)
				}
				return
			}
			if err != nil || c.Kind != tc.want {
				t.Fatalf("Parse(%q) = %q, %v; want %q", tc.in, c.Kind, err, tc.want)
			}
			if c.Kind == KindText && c.GTIN != "" {
				t.Errorf("text carries GTIN %s", c.GTIN)
			}
		})
	}
}

// TestParseAITable checks AIs of the GS1 General Specifications the table
// once lacked or described loosely, and that a malformed value is refused
// with its AI named.
func TestParseAITable(t *testing.T) {
	gtin := "0100312345678906"
	for _, tc := range []struct {
		name    string
		in      string
		wantAI  string // the element read, or the AI named by the error
		wantVal string
		wantErr error
	}{
		{name: "mto_gtin_03", in: "]d203" + withCheck("0031234567890"), wantAI: "03", wantVal: withCheck("0031234567890")},
		{name: "coupon_8100", in: "]C1" + "8100123456", wantAI: "8100", wantVal: "123456"},
		{name: "coupon_8101", in: "]C1" + "81011234567890", wantAI: "8101", wantVal: "1234567890"},
		{name: "coupon_8102", in: "]C1" + "810203", wantAI: "8102", wantVal: "03"},
		{name: "coupon_8101_too_short", in: "]C1" + "8101123456789", wantAI: "8101", wantErr: ErrSyntax},
		{name: "coupon_8110", in: "]C1" + "8110" + "0614141123452", wantAI: "8110", wantVal: "0614141123452"},
		{name: "prod_time_8008_hour", in: "]d2" + gtin + "800827013112", wantAI: "8008", wantVal: "27013112"},
		{name: "prod_time_8008_minutes_seconds", in: "]d2" + gtin + "80082701311230", wantAI: "8008", wantVal: "2701311230"},
		{name: "prod_time_8008_odd_length", in: "]d2" + gtin + "8008270131123", wantAI: "8008", wantErr: ErrSyntax},
		{name: "prod_time_8008_hour_25", in: "]d2" + gtin + "800827013125", wantAI: "8008", wantErr: ErrInvalidDate},
		{name: "prod_time_8008_minute_60", in: "]d2" + gtin + "80082701311260", wantAI: "8008", wantErr: ErrInvalidDate},
		{name: "country_initial_process_423_two_countries", in: "]d2" + gtin + "423276250", wantAI: "423", wantVal: "276250"},
		{name: "country_initial_process_423_not_three_digit_groups", in: "]d2" + gtin + "4232762", wantAI: "423", wantErr: ErrSyntax},
		{name: "dangerous_goods_4321_yes", in: "]d2" + gtin + "43211", wantAI: "4321", wantVal: "1"},
		{name: "dangerous_goods_4321_not_yes_or_no", in: "]d2" + gtin + "43215", wantAI: "4321", wantErr: ErrSyntax},
		{name: "max_temp_4330_below_zero", in: "]d2" + gtin + "4330000440-", wantAI: "4330", wantVal: "000440-"},
		{name: "max_temp_4330_bad_sign", in: "]d2" + gtin + "4330000440+", wantAI: "4330", wantErr: ErrSyntax},
		{name: "expiry_month_13", in: "]d2" + gtin + "17271301", wantAI: "17", wantErr: ErrInvalidDate},
		{name: "gtin_letters", in: "]d201003123456789O6", wantAI: "01", wantErr: ErrSyntax},
		{name: "hri_unknown_ai_is_named", in: "]d2(23)12345", wantAI: "23", wantErr: ErrUnknownAI},
		{name: "hri_unknown_ai_after_gtin_is_named", in: "(01)00312345678906(23)X", wantAI: "23", wantErr: ErrUnknownAI},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(tc.in, testOptions())
			if tc.wantErr != nil {
				var pe *ParseError
				if !errors.Is(err, tc.wantErr) || !errors.As(err, &pe) || pe.AI != tc.wantAI {
					t.Fatalf("Parse(%q) error = %v; want %v naming AI %s", tc.in, err, tc.wantErr, tc.wantAI)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if v, ok := c.Element(tc.wantAI); !ok || v != tc.wantVal {
				t.Errorf("(%s) = %q, %v; want %q in %+v", tc.wantAI, v, ok, tc.wantVal, c.Elements)
			}
		})
	}
}
