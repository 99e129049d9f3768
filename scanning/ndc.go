package scanning

import (
	"fmt"
	"strings"
)

// NDC handling.
//
// A US National Drug Code has three segments: labeler, product, package.
// Today it has 10 digits in the configurations 4-4-2, 5-3-2 and 5-4-1; billing
// (HIPAA) uses an 11-digit 5-4-2 form that pads the short segment with a
// zero; the FDA final rule of 2026-03-05 moves to one 12-digit 6-4-2 form
// from 2033-03-07. A barcode carries the NDC as digits only: a GTIN whose
// second and third digits are "03" holds the 10-digit NDC in digits 4–13,
// without the hyphens, so the configuration is unknown.
//
// The service therefore stores NDC digit strings without hyphens and
// compares them with NDCEqual, which expands every accepted form to the
// 12-digit 6-4-2 form: exactly one for a hyphenated, 11- or 12-digit NDC, and
// the up to three candidates a bare 10-digit string can denote. When
// 12-digit NDCs appear inside GTINs, NDCFromGTIN is the one place that learns
// the new layout; Code.NDC already holds a digit string of any of the three
// lengths.

// NormalizeNDC strips hyphens and spaces and checks that what remains is 10,
// 11 or 12 digits. A hyphenated 10-digit NDC must have a valid configuration.
func NormalizeNDC(s string) (string, error) {
	s = strings.TrimSpace(s)
	segs := strings.Split(s, "-")
	digits := strings.ReplaceAll(strings.Join(segs, ""), " ", "")
	if !isDigits(digits) {
		return "", &ParseError{Field: "ndc", Pos: -1, Err: ErrSyntax,
			Reason: fmt.Sprintf("%q is not digits and hyphens", s)}
	}
	switch len(digits) {
	case 10, 11, 12:
	default:
		return "", &ParseError{Field: "ndc", Pos: -1, Err: ErrSyntax,
			Reason: fmt.Sprintf("%q has %d digits; an NDC has 10, 11 or 12", s, len(digits))}
	}
	if len(segs) != 1 {
		if _, err := ndcSegments(segs); err != nil {
			return "", err
		}
	}
	return digits, nil
}

// ndcSegments checks a hyphenated NDC and returns its 12-digit 6-4-2 form.
func ndcSegments(segs []string) (string, error) {
	if len(segs) != 3 {
		return "", &ParseError{Field: "ndc", Pos: -1, Err: ErrSyntax,
			Reason: fmt.Sprintf("%q does not have three segments", strings.Join(segs, "-"))}
	}
	l, p, k := len(segs[0]), len(segs[1]), len(segs[2])
	switch {
	case l == 4 && p == 4 && k == 2, l == 5 && p == 3 && k == 2, l == 5 && p == 4 && k == 1,
		l == 5 && p == 4 && k == 2, l == 6 && p == 4 && k == 2:
	default:
		return "", &ParseError{Field: "ndc", Pos: -1, Err: ErrSyntax,
			Reason: fmt.Sprintf("%q is not a 4-4-2, 5-3-2, 5-4-1, 5-4-2 or 6-4-2 NDC", strings.Join(segs, "-"))}
	}
	return pad(segs[0], 6) + pad(segs[1], 4) + pad(segs[2], 2), nil
}

func pad(s string, n int) string {
	return strings.Repeat("0", n-len(s)) + s
}

// NDC12Candidates returns the 12-digit 6-4-2 forms an NDC may denote. A
// hyphenated NDC, an 11-digit (5-4-2) or a 12-digit NDC has one; a bare
// 10-digit NDC has up to three, one per configuration, because its hyphens
// are not known.
func NDC12Candidates(s string) ([]string, error) {
	digits, err := NormalizeNDC(s)
	if err != nil {
		return nil, err
	}
	if segs := strings.Split(strings.TrimSpace(s), "-"); len(segs) == 3 {
		one, err := ndcSegments(segs)
		if err != nil {
			return nil, err
		}
		return []string{one}, nil
	}
	switch len(digits) {
	case 12:
		return []string{digits}, nil
	case 11:
		return []string{"0" + digits}, nil
	}
	d := digits
	return []string{
		"00" + d[0:4] + d[4:8] + d[8:10],      // 4-4-2
		"0" + d[0:5] + "0" + d[5:8] + d[8:10], // 5-3-2
		"0" + d[0:5] + d[5:9] + "0" + d[9:10], // 5-4-1
	}, nil
}

// NDCEqual reports whether two NDCs, each in any form NormalizeNDC accepts,
// can denote the same package. Invalid input is never equal.
func NDCEqual(a, b string) bool {
	ca, err := NDC12Candidates(a)
	if err != nil {
		return false
	}
	cb, err := NDC12Candidates(b)
	if err != nil {
		return false
	}
	for _, x := range ca {
		for _, y := range cb {
			if x == y {
				return true
			}
		}
	}
	return false
}

// NDCFromGTIN returns the 10-digit NDC inside a GTIN-14 (or GTIN-12/13) whose
// second and third digits (as GTIN-14) are "03": indicator, "03", NDC-10,
// check digit. UPC-A 3 + NDC + check is the same number as GTIN-14.
// Number system 3 also covers non-drug health items, so a result is an NDC
// candidate to look up in the catalogue, not a proof that one exists.
func NDCFromGTIN(gtin string) (string, bool) {
	if len(gtin) == 12 || len(gtin) == 13 {
		gtin = pad(gtin, 14)
	}
	if len(gtin) != 14 || !isDigits(gtin) || gtin[1:3] != "03" {
		return "", false
	}
	return gtin[3:13], true
}
