package schedules

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kind says how a Rule produces dose instants.
type Kind int

const (
	// KindFixed doses fall at wall-clock times in the unit's zone, every day,
	// on named weekdays, every N days or monthly.
	KindFixed Kind = iota + 1
	// KindInterval doses fall every Interval of elapsed time from the order start.
	KindInterval
	// KindOnce is a single dose: ONCE, STAT or NOW.
	KindOnce
	// KindPRN has no schedule: doses are given as needed within PRN limits.
	KindPRN
	// KindTaper is a sequence of Steps, each with its own dose and frequency.
	KindTaper
)

func (k Kind) String() string {
	switch k {
	case KindFixed:
		return "fixed"
	case KindInterval:
		return "interval"
	case KindOnce:
		return "once"
	case KindPRN:
		return "prn"
	case KindTaper:
		return "taper"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// ClockTime is a wall-clock time of day in the unit's zone.
type ClockTime struct {
	Hour, Minute int
}

// Minutes returns the minutes since midnight.
func (c ClockTime) Minutes() int { return c.Hour*60 + c.Minute }

// Valid reports whether c is a time of day between 00:00 and 23:59.
func (c ClockTime) Valid() bool {
	return c.Hour >= 0 && c.Hour < 24 && c.Minute >= 0 && c.Minute < 60
}

// String returns c as 24-hour "HH:MM".
func (c ClockTime) String() string { return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute) }

// ParseClockTime reads a 24-hour "HH:MM" (or "H:MM", or "HH:MM:SS" with zero
// seconds, as FHIR writes it).
func ParseClockTime(s string) (ClockTime, error) {
	h, rest, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return ClockTime{}, fmt.Errorf("schedules: time %q: want HH:MM", s)
	}
	m, sec, hasSec := strings.Cut(rest, ":")
	if hasSec && sec != "00" {
		return ClockTime{}, fmt.Errorf("schedules: time %q: seconds must be 00", s)
	}
	if len(h) < 1 || len(h) > 2 || len(m) != 2 || !allDigits(h) || !allDigits(m) {
		return ClockTime{}, fmt.Errorf("schedules: time %q: want HH:MM", s)
	}
	hh, _ := strconv.Atoi(h)
	mm, _ := strconv.Atoi(m)
	c := ClockTime{hh, mm}
	if !c.Valid() {
		return ClockTime{}, fmt.Errorf("schedules: time %q: out of range 00:00-23:59", s)
	}
	return c, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Rule is a parsed frequency. Build one with Parse or FromFHIRTiming; the
// zero Rule is invalid. Rules are values: Parse(r.Text) gives r back under
// any Defaults, so storing Text is enough to store the rule.
type Rule struct {
	Kind Kind

	// Times are the wall-clock times of a KindFixed rule, sorted and
	// distinct; a KindOnce rule may name one time ("once at 14:00").
	Times []ClockTime
	// Weekdays restricts a fixed rule to these days, Monday first; empty
	// means every day.
	Weekdays []time.Weekday
	// EveryNDays makes a fixed rule fall every N calendar days counted from
	// the start date in the unit's zone (QOD = 2, weekly = 7). 0 or 1 = daily.
	EveryNDays int
	// EveryNMonths makes a fixed rule monthly (1) or every N months, on
	// DayOfMonth. Counted from the start month.
	EveryNMonths int
	// DayOfMonth is the day of a monthly rule; 0 means the start date's day.
	// A day the month lacks (31 in April) falls on the month's last day.
	DayOfMonth int

	// Interval is the elapsed time between KindInterval doses.
	Interval time.Duration

	// Count stops the rule after this many doses ("x 5 doses"); 0 = no limit.
	Count int
	// Duration stops the rule this long after the order start ("for 7 days");
	// 0 = until the order stops. On an interval rule it is elapsed time, a
	// number of doses; on a clock-time rule whole days are calendar days in
	// the unit's zone (see the package documentation).
	Duration time.Duration

	// PRN holds the as-needed limits: set with Kind == KindPRN for an
	// as-needed-only order, or alongside a schedule ("BID and PRN").
	PRN *PRN

	// Steps are the steps of a KindTaper rule, in order.
	Steps []Step

	// Stat marks a STAT or NOW one-time dose (urgent, due at order start).
	Stat bool

	// Text is the canonical text of the rule, String() at the time it was built.
	Text string
}

// PRN limits as-needed doses.
type PRN struct {
	MinInterval   time.Duration // 0 = no minimum
	MaxDoses      int           // per Per; 0 = no limit
	MaxAmount     float64       // per Per; 0 = no limit
	MaxAmountUnit string        // unit of MaxAmount, e.g. "g"
	Per           time.Duration // the rolling period of the maxima; 24h by default
}

// Step is one step of a taper.
type Step struct {
	Rule  Rule   // the step's frequency: KindFixed or KindInterval
	Days  int    // the step lasts this many days (doses of an interval, calendar days of clock times); or
	Count int    // the step lasts this many doses; neither = until the order stops (last step only)
	Dose  string // the step's dose as written, e.g. "40 mg"
}

// cmpWeekday orders weekdays Monday first, as schedules are read on wards.
func cmpWeekday(a, b time.Weekday) int { return isoWeekday(a) - isoWeekday(b) }

func isoWeekday(w time.Weekday) int { return (int(w)+6)%7 + 1 }

// AsPRN turns a schedule into as-needed limits the way "q4h PRN" and "BID PRN"
// read: an interval becomes the minimum interval, N doses a day become at most
// N per 24 h. It serves orders whose schedule and as-needed flag arrive
// separately, such as FHIR Dosage.timing with asNeeded.
func (r Rule) AsPRN() (Rule, error) {
	p := &PRN{Per: 24 * time.Hour}
	switch r.Kind {
	case KindPRN:
		return r, nil
	case KindInterval:
		p.MinInterval = r.Interval
	case KindFixed:
		if len(r.Weekdays) > 0 || r.EveryNMonths > 0 {
			return Rule{}, errors.New("schedules: as-needed limits cannot follow weekdays or months")
		}
		p.MaxDoses = len(r.Times)
		if r.EveryNDays > 1 {
			p.Per = time.Duration(r.EveryNDays) * 24 * time.Hour
		}
	default:
		return Rule{}, fmt.Errorf("schedules: a %s rule cannot be as needed", r.Kind)
	}
	out := Rule{Kind: KindPRN, PRN: p, Count: r.Count, Duration: r.Duration}
	if err := out.validate(false); err != nil {
		return Rule{}, fmt.Errorf("schedules: as needed: %w", err)
	}
	out.Text = out.String()
	return out, nil
}
