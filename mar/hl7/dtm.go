package hl7

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDTM reads an HL7 date/time, YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ].
// Missing parts take their lowest value (a day alone means its midnight).
// A value without an offset is read in loc; nil means UTC. Up to nine
// fraction digits are accepted although the standard has four, since some
// senders write microseconds.
func ParseDTM(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	orig := s
	bad := func(why string) (time.Time, error) {
		return time.Time{}, fmt.Errorf("date/time %q: %s", orig, why)
	}
	zone := loc
	if i := strings.IndexAny(s, "+-"); i >= 0 {
		off := s[i:]
		s = s[:i]
		if len(off) != 5 || !allDigits(off[1:]) {
			return bad("offset must be +ZZZZ or -ZZZZ")
		}
		h, _ := strconv.Atoi(off[1:3])
		m, _ := strconv.Atoi(off[3:5])
		if h > 14 || m > 59 {
			return bad("offset out of range")
		}
		secs := (h*60 + m) * 60
		if off[0] == '-' {
			secs = -secs
		}
		zone = time.FixedZone("", secs)
	}
	nanos := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		frac := s[i+1:]
		s = s[:i]
		if len(s) != 14 {
			return bad("a fraction needs seconds before it")
		}
		if len(frac) == 0 || len(frac) > 9 || !allDigits(frac) {
			return bad("fraction must be 1 to 9 digits")
		}
		nanos, _ = strconv.Atoi(frac + strings.Repeat("0", 9-len(frac)))
	}
	if !allDigits(s) {
		return bad("not digits")
	}
	switch len(s) {
	case 4, 6, 8, 10, 12, 14:
	default:
		return bad("must have 4, 6, 8, 10, 12 or 14 digits")
	}
	part := func(from, to, def int) int {
		if len(s) < to {
			return def
		}
		n, _ := strconv.Atoi(s[from:to])
		return n
	}
	year, month, day := part(0, 4, 0), part(4, 6, 1), part(6, 8, 1)
	hour, minute, sec := part(8, 10, 0), part(10, 12, 0), part(12, 14, 0)
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, time.Month(month)) ||
		hour > 23 || minute > 59 || sec > 59 {
		return bad("out of range")
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nanos, zone), nil
}

// FormatDTM writes t to the second with its UTC offset, e.g.
// "20260314083000+0100", adding a fraction only when t has one (to 4 digits,
// the standard's limit).
func FormatDTM(t time.Time) string {
	if t.Nanosecond()/100000 != 0 {
		return t.Format("20060102150405.0000-0700")
	}
	return t.Format("20060102150405-0700")
}

// formatDate writes a civil date "YYYY-MM-DD" (or "YYYY-MM", "YYYY") as
// HL7's YYYYMMDD; "" stays "".
func formatDate(date string) (string, error) {
	if date == "" {
		return "", nil
	}
	var compact string
	switch {
	case len(date) == 10 && date[4] == '-' && date[7] == '-':
		compact = date[:4] + date[5:7] + date[8:]
	case len(date) == 7 && date[4] == '-':
		compact = date[:4] + date[5:]
	case len(date) == 4:
		compact = date
	}
	if compact == "" || !allDigits(compact) {
		return "", fmt.Errorf("date %q must be YYYY-MM-DD", date)
	}
	if _, err := parseDate(compact); err != nil {
		return "", err
	}
	return compact, nil
}

// parseDate reads an HL7 DT (YYYY[MM[DD]]), or the date part of a DTM, as
// "YYYY-MM-DD" (or "YYYY-MM", "YYYY" when that is all the sender knows). A
// birth date or an expiry is a calendar date, not an instant, so no zone is
// applied.
func parseDate(s string) (string, error) {
	if i := strings.IndexAny(s, "+-."); i >= 0 {
		s = s[:i]
	}
	if len(s) > 8 {
		s = s[:8]
	}
	if len(s) != 4 && len(s) != 6 && len(s) != 8 || !allDigits(s) {
		return "", fmt.Errorf("date %q must be YYYY[MM[DD]]", s)
	}
	y, _ := strconv.Atoi(s[:4])
	out := s[:4]
	if len(s) >= 6 {
		m, _ := strconv.Atoi(s[4:6])
		if m < 1 || m > 12 {
			return "", fmt.Errorf("date %q: month out of range", s)
		}
		out += "-" + s[4:6]
		if len(s) == 8 {
			d, _ := strconv.Atoi(s[6:8])
			if d < 1 || d > daysIn(y, time.Month(m)) {
				return "", fmt.Errorf("date %q: day out of range", s)
			}
			out += "-" + s[6:8]
		}
	}
	return out, nil
}

// parseTM reads an HL7 time HH[MM[SS[.S...]]][+/-ZZZZ] and returns it as
// "HHMM" (or "HHMMSS" when seconds are given), the form TQ1-4 uses.
func parseTM(s string) (string, error) {
	orig := s
	if i := strings.IndexAny(s, "+-"); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[:i]
	}
	if (len(s) != 2 && len(s) != 4 && len(s) != 6) || !allDigits(s) {
		return "", fmt.Errorf("time %q must be HH[MM[SS]]", orig)
	}
	h, _ := strconv.Atoi(s[:2])
	m, sec := 0, 0
	if len(s) >= 4 {
		m, _ = strconv.Atoi(s[2:4])
	}
	if len(s) == 6 {
		sec, _ = strconv.Atoi(s[4:6])
	}
	if h > 23 || m > 59 || sec > 59 {
		return "", fmt.Errorf("time %q out of range", orig)
	}
	if len(s) == 2 {
		s += "00"
	}
	return s, nil
}

func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func allDigits(s string) bool {
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

// dtmField reads a TS/DTM field (TS.1 before v2.6, DTM after: the first
// component either way) as a time; empty or HL7 null gives the zero time.
func dtmField(s *Segment, seq, n int, loc *time.Location) (time.Time, error) {
	v := s.Field(n).Value()
	if v == "" || v == NullValue {
		return time.Time{}, nil
	}
	t, err := ParseDTM(v, loc)
	if err != nil {
		return time.Time{}, &Error{Segment: s.name, SeqInSegmentGroup: seq, Field: n, Code: CodeDataType, Message: "invalid date/time", Err: err}
	}
	return t, nil
}
