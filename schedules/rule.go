package schedules

import (
	"errors"
	"fmt"
	"math"
	"slices"
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
	// 0 = until the order stops. Whole days are calendar days in the unit's
	// zone, so a DST change inside the period neither adds nor drops a dose.
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
	Days  int    // the step lasts this many calendar days; or
	Count int    // the step lasts this many doses; neither = until the order stops (last step only)
	Dose  string // the step's dose as written, e.g. "40 mg"
}

// Limits that keep expansions bounded and reject typing slips.
const (
	maxTimesPerDay = 48
	maxCount       = 10000
	maxDays        = 3660 // ten years
	maxMonths      = 120
	maxSteps       = 50
	minInterval    = time.Minute
	maxInterval    = 366 * 24 * time.Hour
)

// Validate reports whether r is well formed. Expand returns no doses for a
// rule that is not.
func (r Rule) Validate() error {
	if err := r.validate(false); err != nil {
		return fmt.Errorf("schedules: invalid rule: %w", err)
	}
	return nil
}

func (r Rule) validate(inStep bool) error {
	if r.Count < 0 || r.Count > maxCount {
		return fmt.Errorf("count %d out of range 0-%d", r.Count, maxCount)
	}
	if r.Duration < 0 || r.Duration > maxDays*24*time.Hour {
		return fmt.Errorf("duration %v out of range", r.Duration)
	}
	if r.Kind != KindFixed && (r.EveryNDays != 0 || r.EveryNMonths != 0 || r.DayOfMonth != 0 || len(r.Weekdays) > 0) {
		return fmt.Errorf("%s rule has day constraints", r.Kind)
	}
	if r.Kind != KindInterval && r.Interval != 0 {
		return fmt.Errorf("%s rule has an interval", r.Kind)
	}
	if r.Kind != KindTaper && len(r.Steps) > 0 {
		return fmt.Errorf("%s rule has taper steps", r.Kind)
	}
	if r.Kind != KindOnce && r.Stat {
		return fmt.Errorf("%s rule is marked STAT", r.Kind)
	}
	if r.PRN != nil {
		if err := r.PRN.validate(); err != nil {
			return err
		}
		if r.Kind == KindOnce || r.Kind == KindTaper {
			return fmt.Errorf("%s rule cannot carry PRN limits", r.Kind)
		}
	}
	if inStep && (r.PRN != nil || r.Count != 0 || r.Duration != 0) {
		return errors.New("a taper step's rule carries no PRN, count or duration (the step does)")
	}
	switch r.Kind {
	case KindFixed:
		if err := validTimes(r.Times, 1); err != nil {
			return err
		}
		if !slices.IsSortedFunc(r.Weekdays, cmpWeekday) || len(slices.Compact(slices.Clone(r.Weekdays))) != len(r.Weekdays) {
			return errors.New("weekdays must be distinct and sorted Monday first")
		}
		for _, w := range r.Weekdays {
			if w < time.Sunday || w > time.Saturday {
				return fmt.Errorf("weekday %d out of range", w)
			}
		}
		if r.EveryNDays < 0 || r.EveryNDays > maxDays {
			return fmt.Errorf("every %d days out of range", r.EveryNDays)
		}
		if r.EveryNMonths < 0 || r.EveryNMonths > maxMonths {
			return fmt.Errorf("every %d months out of range", r.EveryNMonths)
		}
		if r.DayOfMonth < 0 || r.DayOfMonth > 31 {
			return fmt.Errorf("day of month %d out of range", r.DayOfMonth)
		}
		if r.DayOfMonth > 0 && r.EveryNMonths == 0 {
			return errors.New("a day of month needs a monthly rule")
		}
		if len(r.Weekdays) > 0 && (r.EveryNDays > 1 || r.EveryNMonths > 0) {
			return errors.New("weekdays cannot be combined with every N days or months")
		}
		if r.EveryNDays > 1 && r.EveryNMonths > 0 {
			return errors.New("every N days cannot be combined with every N months")
		}
	case KindInterval:
		if r.Interval < minInterval || r.Interval > maxInterval {
			return fmt.Errorf("interval %v out of range %v-%v", r.Interval, minInterval, maxInterval)
		}
		if r.Interval%time.Minute != 0 {
			return fmt.Errorf("interval %v is not whole minutes", r.Interval)
		}
		if len(r.Times) > 0 {
			return errors.New("an interval rule has no clock times")
		}
	case KindOnce:
		if len(r.Times) > 1 {
			return errors.New("a one-time dose has at most one time")
		}
		if err := validTimes(r.Times, 0); err != nil {
			return err
		}
		if r.Stat && len(r.Times) > 0 {
			return errors.New("a STAT dose is due at order start, not at a clock time")
		}
		if r.Count > 1 || r.Duration != 0 {
			return errors.New("a one-time dose has no count or duration")
		}
		if inStep {
			return errors.New("a one-time dose cannot be a taper step")
		}
	case KindPRN:
		if r.PRN == nil {
			return errors.New("a PRN rule needs its PRN limits")
		}
		if len(r.Times) > 0 {
			return errors.New("a PRN rule has no clock times")
		}
		if inStep {
			return errors.New("a PRN rule cannot be a taper step")
		}
	case KindTaper:
		if inStep {
			return errors.New("a taper cannot be a taper step")
		}
		if len(r.Steps) < 1 || len(r.Steps) > maxSteps {
			return fmt.Errorf("a taper needs 1-%d steps", maxSteps)
		}
		if len(r.Times) > 0 || r.Count != 0 || r.Duration != 0 {
			return errors.New("a taper's times, count and duration belong to its steps")
		}
		for i, s := range r.Steps {
			if err := s.Rule.validate(true); err != nil {
				return fmt.Errorf("step %d: %w", i+1, err)
			}
			if s.Days < 0 || s.Days > maxDays || s.Count < 0 || s.Count > maxCount {
				return fmt.Errorf("step %d: days or count out of range", i+1)
			}
			if s.Days > 0 && s.Count > 0 {
				return fmt.Errorf("step %d: give days or a count, not both", i+1)
			}
			if s.Days == 0 && s.Count == 0 && i != len(r.Steps)-1 {
				return fmt.Errorf("step %d: only the last step may run until the order stops", i+1)
			}
		}
	default:
		return fmt.Errorf("unknown kind %d", int(r.Kind))
	}
	return nil
}

func validTimes(ts []ClockTime, min int) error {
	if len(ts) < min || len(ts) > maxTimesPerDay {
		return fmt.Errorf("%d times of day, want %d-%d", len(ts), min, maxTimesPerDay)
	}
	for i, t := range ts {
		if !t.Valid() {
			return fmt.Errorf("time %v out of range", t)
		}
		if i > 0 && ts[i-1].Minutes() >= t.Minutes() {
			return errors.New("times of day must be distinct and sorted")
		}
	}
	return nil
}

func (p *PRN) validate() error {
	switch {
	case p.MinInterval < 0 || p.MinInterval > maxInterval || p.MinInterval%time.Minute != 0:
		return fmt.Errorf("PRN minimum interval %v out of range", p.MinInterval)
	case p.MaxDoses < 0 || p.MaxDoses > maxCount:
		return fmt.Errorf("PRN max doses %d out of range", p.MaxDoses)
	case p.MaxAmount < 0 || math.IsNaN(p.MaxAmount) || math.IsInf(p.MaxAmount, 0) || p.MaxAmount > 1e9:
		return fmt.Errorf("PRN max amount %v out of range", p.MaxAmount)
	case (p.MaxAmount > 0) != (p.MaxAmountUnit != ""):
		return errors.New("PRN max amount and its unit go together")
	case p.Per <= 0 || p.Per > maxInterval || p.Per%time.Minute != 0:
		return fmt.Errorf("PRN period %v out of range", p.Per)
	}
	return nil
}

// cmpWeekday orders weekdays Monday first, as schedules are read on wards.
func cmpWeekday(a, b time.Weekday) int { return isoWeekday(a) - isoWeekday(b) }

func isoWeekday(w time.Weekday) int { return (int(w)+6)%7 + 1 }

// PerDay returns how many scheduled doses a fixed rule gives on a day it
// falls on, or 0 for rules without clock times.
func (r Rule) PerDay() int {
	if r.Kind != KindFixed {
		return 0
	}
	return len(r.Times)
}

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

// String returns the canonical text of r, which Parse reads back to r under
// any Defaults: clock times are always spelled out.
func (r Rule) String() string {
	var b strings.Builder
	r.write(&b)
	return b.String()
}

func (r Rule) write(b *strings.Builder) {
	switch r.Kind {
	case KindFixed:
		writeFixed(b, r)
	case KindInterval:
		b.WriteString("every ")
		b.WriteString(spanWords(r.Interval))
	case KindOnce:
		if r.Stat {
			b.WriteString("STAT")
		} else {
			b.WriteString("once")
		}
		if len(r.Times) == 1 {
			b.WriteString(" at ")
			b.WriteString(r.Times[0].String())
		}
	case KindPRN:
		writePRN(b, r.PRN)
	case KindTaper:
		for i, s := range r.Steps {
			if i > 0 {
				b.WriteString(", then ")
			}
			if s.Dose != "" {
				b.WriteString(s.Dose)
				b.WriteByte(' ')
			}
			s.Rule.write(b)
			switch {
			case s.Days > 0:
				fmt.Fprintf(b, " for %d %s", s.Days, plural(s.Days, "day", "days"))
			case s.Count > 0:
				fmt.Fprintf(b, " x %d %s", s.Count, plural(s.Count, "dose", "doses"))
			}
		}
		return
	default:
		fmt.Fprintf(b, "invalid rule (%v)", r.Kind)
		return
	}
	if r.Duration > 0 {
		b.WriteString(" for ")
		b.WriteString(spanWords(r.Duration))
	}
	if r.Count > 0 {
		fmt.Fprintf(b, " x %d %s", r.Count, plural(r.Count, "dose", "doses"))
	}
	if r.PRN != nil && r.Kind != KindPRN {
		b.WriteString(" and ")
		writePRN(b, r.PRN)
	}
}

func writeFixed(b *strings.Builder, r Rule) {
	switch {
	case r.EveryNMonths > 0:
		if r.EveryNMonths == 1 {
			b.WriteString("monthly")
		} else {
			fmt.Fprintf(b, "every %d months", r.EveryNMonths)
		}
		if r.DayOfMonth > 0 {
			fmt.Fprintf(b, " on day %d", r.DayOfMonth)
		}
	case len(r.Weekdays) > 0:
		for i, w := range r.Weekdays {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(w.String()[:3])
		}
	case r.EveryNDays == 2:
		b.WriteString("every other day")
	case r.EveryNDays == 7:
		b.WriteString("weekly")
	case r.EveryNDays > 7 && r.EveryNDays%7 == 0:
		fmt.Fprintf(b, "every %d weeks", r.EveryNDays/7)
	case r.EveryNDays > 1:
		fmt.Fprintf(b, "every %d days", r.EveryNDays)
	default:
		switch len(r.Times) {
		case 1:
			b.WriteString("daily")
		case 2:
			b.WriteString("BID")
		case 3:
			b.WriteString("TID")
		case 4:
			b.WriteString("QID")
		default:
			fmt.Fprintf(b, "%d times daily", len(r.Times))
		}
	}
	b.WriteString(" at ")
	for i, t := range r.Times {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(t.String())
	}
}

func writePRN(b *strings.Builder, p *PRN) {
	b.WriteString("PRN")
	if p == nil {
		return
	}
	if p.MinInterval > 0 {
		b.WriteString(" every ")
		b.WriteString(spanWords(p.MinInterval))
	}
	if p.MaxDoses > 0 {
		fmt.Fprintf(b, " max %d %s/%s", p.MaxDoses, plural(p.MaxDoses, "dose", "doses"), spanShort(p.Per))
	}
	if p.MaxAmount > 0 {
		fmt.Fprintf(b, " max %s %s/%s", strconv.FormatFloat(p.MaxAmount, 'f', -1, 64), p.MaxAmountUnit, spanShort(p.Per))
	}
}

// spanWords writes a duration the way the grammar reads it: "6 hours",
// "3 days", "90 minutes".
func spanWords(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		n := int(d / (24 * time.Hour))
		return strconv.Itoa(n) + " " + plural(n, "day", "days")
	case d%time.Hour == 0:
		n := int(d / time.Hour)
		return strconv.Itoa(n) + " " + plural(n, "hour", "hours")
	default:
		n := int(d / time.Minute)
		return strconv.Itoa(n) + " " + plural(n, "minute", "minutes")
	}
}

// spanShort writes the period of a PRN maximum: "24h", "7d", "90min".
func spanShort(d time.Duration) string {
	switch {
	case d == 24*time.Hour:
		return "24h"
	case d%(24*time.Hour) == 0:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	default:
		return strconv.Itoa(int(d/time.Minute)) + "min"
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
