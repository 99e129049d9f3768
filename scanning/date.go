package scanning

import (
	"fmt"
	"time"
)

// Date is a calendar date without time zone, as printed on a pack. Whether a
// product is expired depends on the ward's time zone, so the conversion to
// an instant takes a location.
type Date struct {
	Year, Month, Day int
}

// String formats the date as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Time returns the first instant of the day in loc (nil means UTC).
func (d Date) Time(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(d.Year, time.Month(d.Month), d.Day, 0, 0, 0, 0, loc)
}

// EndOfDay returns the last instant of the day in loc (nil means UTC): a
// product whose expiry date is d may still be given at that instant and not
// after it. Computed as the next midnight minus one nanosecond so that a DST
// change during the day does not shift it.
func (d Date) EndOfDay(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	next := time.Date(d.Year, time.Month(d.Month), d.Day+1, 0, 0, 0, 0, loc)
	return next.Add(-time.Nanosecond)
}

// Expired reports whether a product expiring on d is expired at instant t,
// judged on the calendar of loc.
func (d Date) Expired(t time.Time, loc *time.Location) bool {
	return t.After(d.EndOfDay(loc))
}

// valid reports whether d is a real calendar date.
func (d Date) valid() bool {
	if d.Month < 1 || d.Month > 12 || d.Day < 1 {
		return false
	}
	return d.Day <= daysIn(d.Year, d.Month)
}

func daysIn(year, month int) int {
	// Day 0 of the next month is the last day of this one; time.Date
	// normalises it, leap years included.
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// gs1Year expands a two-digit GS1 year with the century rule of the GS1
// General Specifications (§7.12): a year 51 or more ahead of now belongs to
// the previous century, 50 or more behind to the next, otherwise to the
// current one.
func gs1Year(yy int, now time.Time) int {
	cur := now.Year()
	century := cur / 100 * 100
	diff := yy - cur%100
	switch {
	case diff >= 51:
		century -= 100
	case diff <= -50:
		century += 100
	}
	return century + yy
}

// parseYYMMDD reads a six-digit GS1 date. With dayZero, day "00" is accepted
// and means the last day of the month; zero reports that case.
func parseYYMMDD(s string, now time.Time, dayZero bool) (d Date, zero bool, err error) {
	if len(s) != 6 || !isDigits(s) {
		return Date{}, false, fmt.Errorf("date %q is not six digits YYMMDD", s)
	}
	yy, mm, dd := atoi(s[0:2]), atoi(s[2:4]), atoi(s[4:6])
	d = Date{Year: gs1Year(yy, now), Month: mm, Day: dd}
	if mm < 1 || mm > 12 {
		return Date{}, false, fmt.Errorf("month %02d in %q is not 01-12", mm, s)
	}
	if dd == 0 && dayZero {
		d.Day = daysIn(d.Year, d.Month)
		return d, true, nil
	}
	if !d.valid() {
		return Date{}, false, fmt.Errorf("day %02d in %q does not exist in %04d-%02d", dd, s, d.Year, d.Month)
	}
	return d, false, nil
}

// parseYYYYMMDD reads an eight-digit date with a four-digit year.
func parseYYYYMMDD(s string) (Date, error) {
	if len(s) != 8 || !isDigits(s) {
		return Date{}, fmt.Errorf("date %q is not eight digits YYYYMMDD", s)
	}
	d := Date{Year: atoi(s[0:4]), Month: atoi(s[4:6]), Day: atoi(s[6:8])}
	if !d.valid() {
		return Date{}, fmt.Errorf("%q is not a calendar date", s)
	}
	return d, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoi converts a short digit string already checked by isDigits.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
