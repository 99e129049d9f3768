package scanning

import (
	"fmt"
	"strings"
)

// mod10CheckDigit computes the GS1 check digit of a digit string: weights
// 3, 1, 3, … from the rightmost digit, check = (10 − sum mod 10) mod 10.
// It is the same for GTIN-8/12/13/14, SSCC, GSRN and GLN.
func mod10CheckDigit(digits string) byte {
	sum := 0
	for i := 0; i < len(digits); i++ {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// validMod10 reports whether the last digit of s is its GS1 check digit.
func validMod10(s string) bool {
	if len(s) < 2 || !isDigits(s) {
		return false
	}
	return mod10CheckDigit(s[:len(s)-1]) == s[len(s)-1]
}

// NormalizeGTIN returns the GTIN-14 for a GTIN-8, -12, -13 or -14 (left-padded
// with zeros, which keeps the check digit valid) after verifying the check
// digit.
func NormalizeGTIN(s string) (string, error) {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return "", &ParseError{Field: "gtin", Pos: -1, Err: ErrSyntax,
			Reason: fmt.Sprintf("%q has %d digits; a GTIN has 8, 12, 13 or 14", s, len(s))}
	}
	if !isDigits(s) {
		return "", &ParseError{Field: "gtin", Pos: -1, Err: ErrSyntax,
			Reason: fmt.Sprintf("%q is not all digits", s)}
	}
	if !validMod10(s) {
		return "", &ParseError{Field: "gtin", Pos: len(s) - 1, Err: ErrCheckDigit,
			Reason: fmt.Sprintf("check digit of %s is %c, expected %c", s, s[len(s)-1], mod10CheckDigit(s[:len(s)-1]))}
	}
	return strings.Repeat("0", 14-len(s)) + s, nil
}

// parseBareGTIN turns the digits of an EAN/UPC or ITF-14 symbol (or typed by
// a scanner) into a Code. UPC-A arrives as 12 digits or, as EAN-13 with a
// leading zero, as 13; both give the same GTIN-14.
func parseBareGTIN(t text, sym string) (Code, error) {
	s := t.s
	if !isDigits(s) {
		return Code{}, &ParseError{Field: "upc", Pos: t.at(0), Err: ErrSyntax,
			Reason: fmt.Sprintf("%q is not all digits", preview(s, 16))}
	}
	switch len(s) {
	case 8, 12, 13, 14:
	case 11:
		return Code{}, &ParseError{Field: "upc", Pos: -1, Err: ErrSyntax,
			Reason: "11 digits: a UPC-A sent without check digit or number system digit; configure the scanner to send all 12 (or 13) digits"}
	default:
		return Code{}, &ParseError{Field: "upc", Pos: -1, Err: ErrSyntax,
			Reason: fmt.Sprintf("%d digits; EAN/UPC and ITF-14 carry 8, 12, 13 or 14", len(s))}
	}
	gtin, err := NormalizeGTIN(s)
	if err != nil {
		pe := err.(*ParseError)
		pe.Field, pe.Pos = "upc", t.at(len(s)-1)
		return Code{}, pe
	}
	c := Code{Kind: KindUPC, Symbology: sym, Canonical: gtin, GTIN: gtin}
	c.NDC, _ = NDCFromGTIN(gtin)
	return c, nil
}
