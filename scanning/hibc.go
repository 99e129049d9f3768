package scanning

import (
	"fmt"
	"strings"
	"time"
)

// HIBC is a Health Industry Bar Code (HIBCC LIC standard) found on supplies
// and devices: a primary part naming the product and, in the same symbol
// after "/" or in a second symbol, a secondary part with lot or serial and
// expiry.
type HIBC struct {
	// LIC is the 4-character Labeler Identification Code (first character
	// alphabetic). Empty for a secondary-only symbol.
	LIC string
	// Product is the labeler's product or catalogue number (1–18 characters).
	Product string
	// UnitOfMeasure is the packaging level digit (0 = unit of use).
	UnitOfMeasure int
	Lot           string
	Serial        string
	Expiry        *Date
	// Quantity comes from the "$$8"/"$$9" secondary formats.
	Quantity string
	// Link is, in a secondary-only symbol, the check character of the primary
	// symbol it belongs to.
	Link string
	// Check is the mod-43 check character, verified.
	Check string
	// SecondaryOnly marks a symbol that carries only secondary data.
	SecondaryOnly bool
}

// hibcChars is the Code 39 character set; a character's index is its value
// in the mod-43 check.
const hibcChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"

// hibcCheck computes the mod-43 check character over s (including the
// leading "+").
func hibcCheck(s string) (byte, bool) {
	sum := 0
	for i := 0; i < len(s); i++ {
		v := strings.IndexByte(hibcChars, s[i])
		if v < 0 {
			return 0, false
		}
		sum += v
	}
	return hibcChars[sum%43], true
}

// parseHIBC reads "+LIC PCN U [/secondary] C" or a secondary-only
// "+secondary L C".
func parseHIBC(t text, sym string, now time.Time) (Code, error) {
	s := t.s
	fail := func(pos int, sentinel error, format string, args ...any) (Code, error) {
		return Code{}, &ParseError{Field: "hibc", Pos: t.at(pos), Err: sentinel, Reason: fmt.Sprintf(format, args...)}
	}
	if len(s) < 4 || s[0] != '+' {
		return fail(0, ErrSyntax, "%q is too short for HIBC", s)
	}
	if s[1] == '/' {
		return fail(1, ErrSyntax, "HIBC provider application standard (+/) is not supported")
	}
	for i := 1; i < len(s); i++ {
		if strings.IndexByte(hibcChars, s[i]) < 0 {
			return fail(i, ErrSyntax, "character %q is not in the HIBC (Code 39) character set", s[i])
		}
	}
	body, check := s[:len(s)-1], s[len(s)-1]
	want, _ := hibcCheck(body)
	if want != check {
		return fail(len(s)-1, ErrCheckDigit, "mod-43 check character is %q, expected %q", check, want)
	}
	h := &HIBC{Check: string(check)}
	c := Code{Kind: KindHIBC, Symbology: sym, Canonical: s, HIBC: h}

	if isHIBCSecondaryStart(body[1]) {
		// Secondary-only symbol: the character before the check links it
		// to the primary symbol's check character.
		h.SecondaryOnly = true
		h.Link = body[len(body)-1:]
		if err := parseHIBCSecondary(h, body[1:len(body)-1], now); err != nil {
			return fail(1, ErrSyntax, "%v", err)
		}
		return c, nil
	}

	primary, secondary, concatenated := strings.Cut(body[1:], "/")
	if len(primary) < 6 {
		return fail(1, ErrSyntax, "primary data %q needs a 4-character LIC, a product number and a unit of measure", primary)
	}
	if primary[0] < 'A' || primary[0] > 'Z' {
		return fail(1, ErrSyntax, "labeler code %q must start with a letter", primary[:4])
	}
	h.LIC = primary[:4]
	h.Product = primary[4 : len(primary)-1]
	um := primary[len(primary)-1]
	if um < '0' || um > '9' {
		return fail(len(primary), ErrSyntax, "unit of measure %q is not a digit", um)
	}
	h.UnitOfMeasure = int(um - '0')
	if len(h.Product) > 18 {
		return fail(5, ErrSyntax, "product number %q is longer than 18 characters", h.Product)
	}
	if concatenated {
		if err := parseHIBCSecondary(h, secondary, now); err != nil {
			return fail(len(primary)+2, ErrSyntax, "%v", err)
		}
	}
	return c, nil
}

func isHIBCSecondaryStart(b byte) bool { return b == '$' || b >= '0' && b <= '9' }

// parseHIBCSecondary reads the secondary data formats of the HIBC LIC
// standard: "$lot", "$$[flag]date lot", "$+[flag]date serial", and the
// older "YYJJJlot".
func parseHIBCSecondary(h *HIBC, s string, now time.Time) error {
	switch {
	case strings.HasPrefix(s, "$$+"):
		return hibcDateAndID(h, s[3:], &h.Serial, now)
	case strings.HasPrefix(s, "$$"):
		return hibcDateAndID(h, s[2:], &h.Lot, now)
	case strings.HasPrefix(s, "$+"):
		h.Serial = s[2:]
	case strings.HasPrefix(s, "$"):
		h.Lot = s[1:]
	default:
		if len(s) < 5 || !isDigits(s[:5]) {
			return fmt.Errorf("secondary data %q does not start with $, $$ or a YYJJJ date", s)
		}
		d, err := julian(s[:5], now)
		if err != nil {
			return err
		}
		h.Expiry, h.Lot = &d, s[5:]
	}
	return nil
}

// hibcDateAndID reads "[flag]date id" after "$$": flag 2–7 selects the date
// format, 8 and 9 prefix a quantity, otherwise the date is MMYY.
func hibcDateAndID(h *HIBC, s string, id *string, now time.Time) error {
	if s == "" {
		return fmt.Errorf("empty secondary data")
	}
	switch s[0] {
	case '8', '9':
		n := 2
		if s[0] == '9' {
			n = 5
		}
		if len(s) < 1+n || !isDigits(s[1:1+n]) {
			return fmt.Errorf("quantity in %q is not %d digits", s, n)
		}
		h.Quantity = strings.TrimLeft(s[1:1+n], "0")
		if h.Quantity == "" {
			h.Quantity = "0"
		}
		return hibcDateAndID(h, s[1+n:], id, now)
	}
	var (
		d       Date
		n       int
		err     error
		noDate  bool
		flagLen = 1
	)
	switch s[0] {
	case '2': // MMDDYY
		n = 6
		if len(s) > n && isDigits(s[1:7]) {
			d, _, err = parseYYMMDD(s[5:7]+s[1:5], now, false)
		} else {
			err = fmt.Errorf("date in %q is not MMDDYY", s)
		}
	case '3': // YYMMDD
		n = 6
		if len(s) > n {
			d, _, err = parseYYMMDD(s[1:7], now, false)
		} else {
			err = fmt.Errorf("date in %q is not YYMMDD", s)
		}
	case '4': // YYMMDDHH
		n = 8
		if len(s) > n && isDigits(s[1:9]) {
			d, _, err = parseYYMMDD(s[1:7], now, false)
		} else {
			err = fmt.Errorf("date in %q is not YYMMDDHH", s)
		}
	case '5': // YYJJJ
		n = 5
		if len(s) > n {
			d, err = julian(s[1:6], now)
		} else {
			err = fmt.Errorf("date in %q is not YYJJJ", s)
		}
	case '6': // YYJJJHH
		n = 7
		if len(s) > n && isDigits(s[1:8]) {
			d, err = julian(s[1:6], now)
		} else {
			err = fmt.Errorf("date in %q is not YYJJJHH", s)
		}
	case '7': // no date
		noDate = true
	default: // MMYY, no flag
		flagLen = 0
		n = 4
		if len(s) >= 4 && isDigits(s[:4]) {
			m := atoi(s[:2])
			if m < 1 || m > 12 {
				err = fmt.Errorf("month %02d in %q is not 01-12", m, s)
			} else {
				y := gs1Year(atoi(s[2:4]), now)
				d = Date{Year: y, Month: m, Day: daysIn(y, m)}
			}
		} else {
			err = fmt.Errorf("secondary data %q does not start with a date", s)
		}
	}
	if err != nil {
		return err
	}
	if !noDate {
		h.Expiry = &d
	}
	*id = s[flagLen+n:]
	return nil
}

// julian reads YYJJJ: year and day of the year.
func julian(s string, now time.Time) (Date, error) {
	if len(s) != 5 || !isDigits(s) {
		return Date{}, fmt.Errorf("%q is not a YYJJJ date", s)
	}
	y := gs1Year(atoi(s[:2]), now)
	day := atoi(s[2:])
	last := 365
	if daysIn(y, 2) == 29 {
		last = 366
	}
	if day < 1 || day > last {
		return Date{}, fmt.Errorf("day %03d of %d does not exist", day, y)
	}
	t := time.Date(y, 1, day, 0, 0, 0, 0, time.UTC)
	return Date{Year: t.Year(), Month: int(t.Month()), Day: t.Day()}, nil
}
