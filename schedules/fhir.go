package schedules

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// FHIR R4 Timing (https://hl7.org/fhir/R4/datatypes.html#Timing), as plain
// structs that encoding/json reads and writes, so orders from an EHR expand
// exactly like orders typed in the frequency language.

// FHIRTiming is a FHIR R4 Timing.
type FHIRTiming struct {
	Event  []string             `json:"event,omitempty"`
	Repeat *FHIRTimingRepeat    `json:"repeat,omitempty"`
	Code   *FHIRCodeableConcept `json:"code,omitempty"`
}

// FHIRTimingRepeat is Timing.repeat.
type FHIRTimingRepeat struct {
	BoundsDuration *FHIRQuantity `json:"boundsDuration,omitempty"`
	BoundsRange    *FHIRRange    `json:"boundsRange,omitempty"`
	BoundsPeriod   *FHIRPeriod   `json:"boundsPeriod,omitempty"`
	Count          *int          `json:"count,omitempty"`
	CountMax       *int          `json:"countMax,omitempty"`
	Duration       *float64      `json:"duration,omitempty"`
	DurationMax    *float64      `json:"durationMax,omitempty"`
	DurationUnit   string        `json:"durationUnit,omitempty"`
	Frequency      *int          `json:"frequency,omitempty"`
	FrequencyMax   *int          `json:"frequencyMax,omitempty"`
	Period         *float64      `json:"period,omitempty"`
	PeriodMax      *float64      `json:"periodMax,omitempty"`
	PeriodUnit     string        `json:"periodUnit,omitempty"`
	DayOfWeek      []string      `json:"dayOfWeek,omitempty"`
	TimeOfDay      []string      `json:"timeOfDay,omitempty"`
	When           []string      `json:"when,omitempty"`
	Offset         *int          `json:"offset,omitempty"`
}

// FHIRCodeableConcept is a CodeableConcept.
type FHIRCodeableConcept struct {
	Coding []FHIRCoding `json:"coding,omitempty"`
	Text   string       `json:"text,omitempty"`
}

// FHIRCoding is a Coding.
type FHIRCoding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// FHIRPeriod is a Period of FHIR dateTimes.
type FHIRPeriod struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// FHIRQuantity is a Quantity (here a Duration).
type FHIRQuantity struct {
	Value  *float64 `json:"value,omitempty"`
	Unit   string   `json:"unit,omitempty"`
	System string   `json:"system,omitempty"`
	Code   string   `json:"code,omitempty"`
}

// FHIRRange is a Range.
type FHIRRange struct {
	Low  *FHIRQuantity `json:"low,omitempty"`
	High *FHIRQuantity `json:"high,omitempty"`
}

// Bounds are the order's start and end from Timing.repeat.boundsPeriod (or
// a single Timing.event); a zero instant means not given.
type Bounds struct {
	Start, End time.Time
}

// FHIRError names the Timing element that could not be mapped.
type FHIRError struct {
	Element string // e.g. "repeat.periodUnit", "repeat.timeOfDay[1]"
	Reason  string
	Err     error // the underlying error, if any
}

func (e *FHIRError) Error() string {
	return "schedules: FHIR Timing." + e.Element + ": " + e.Reason
}

func (e *FHIRError) Unwrap() error { return e.Err }

const (
	ucum = "http://unitsofmeasure.org"
	gts  = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"
)

// FromFHIRTiming maps a FHIR Timing onto a Rule. Bounds come from
// repeat.boundsPeriod; dates without a time of day need the unit's zone (use
// FromFHIRTimingIn). Constructs the model cannot express (ranges such as
// frequencyMax or periodMax, boundsRange, countMax, offset, yearly periods,
// several events) are a *FHIRError naming the element, never approximated.
// repeat.duration (how long one administration lasts) does not change when
// doses are due and is not part of the Rule.
func FromFHIRTiming(t FHIRTiming, d Defaults) (Rule, Bounds, error) {
	return FromFHIRTimingIn(t, d, nil)
}

// FromFHIRTimingIn is FromFHIRTiming for a unit in zone loc: a boundsPeriod
// start given as a date begins at local midnight, an end given as a date
// ends at the following midnight (the date is included).
func FromFHIRTimingIn(t FHIRTiming, d Defaults, loc *time.Location) (Rule, Bounds, error) {
	var (
		r   Rule
		b   Bounds
		err error
	)
	switch {
	case len(t.Event) > 0:
		r, b, err = fromEvents(t, loc)
	case t.Repeat != nil && t.Code != nil:
		r, b, err = fromCodeAndRepeat(*t.Code, *t.Repeat, d, loc)
	case t.Repeat != nil:
		r, b, err = fromRepeat(*t.Repeat, d, loc)
	case t.Code != nil:
		r, _, err = fromCode(*t.Code, d)
	default:
		err = &FHIRError{Element: "repeat", Reason: "an empty Timing: no event, repeat or code"}
	}
	if err != nil {
		return Rule{}, Bounds{}, err
	}
	// Timing cannot say STAT (that is MedicationRequest.priority), but our
	// own export names it in code.text.
	if r.Kind == KindOnce && len(r.Times) == 0 && t.Code != nil && t.Code.Text != "" {
		if c, err := Parse(t.Code.Text, d); err == nil && c.Kind == KindOnce && c.Stat {
			r.Stat = true
		}
	}
	if err := r.validate(false); err != nil {
		return Rule{}, Bounds{}, &FHIRError{Element: "repeat", Reason: err.Error(), Err: err}
	}
	if !b.Start.IsZero() && !b.End.IsZero() && !b.End.After(b.Start) {
		return Rule{}, Bounds{}, &FHIRError{Element: "repeat.boundsPeriod.end", Reason: "ends before it starts"}
	}
	r.Text = r.String()
	return r, b, nil
}

func fromEvents(t FHIRTiming, loc *time.Location) (Rule, Bounds, error) {
	if t.Repeat != nil {
		return Rule{}, Bounds{}, &FHIRError{Element: "event", Reason: "event together with repeat is not supported"}
	}
	if len(t.Event) > 1 {
		return Rule{}, Bounds{}, &FHIRError{Element: "event[1]", Reason: "several events are not supported; send one order per event or a repeat"}
	}
	at, err := fhirDateTime(t.Event[0], loc, false)
	if err != nil {
		return Rule{}, Bounds{}, &FHIRError{Element: "event[0]", Reason: err.Error(), Err: err}
	}
	return Rule{Kind: KindOnce}, Bounds{Start: at}, nil
}

// fromCode reads a Timing given only as a code: an HL7 GTS abbreviation
// (BID, Q4H, AM …) or, failing that, the text in our frequency language. It
// also returns the element the rule was read from.
func fromCode(c FHIRCodeableConcept, d Defaults) (Rule, string, error) {
	if i, cd, ok := gtsCoding(c); ok {
		el := fmt.Sprintf("code.coding[%d].code", i)
		text := cd.Code
		switch strings.ToUpper(cd.Code) {
		case "AM":
			text = "QAM"
		case "PM":
			text = "QPM"
		case "BED":
			text = "QHS"
		case "WK":
			text = "weekly"
		case "MO":
			text = "monthly"
		}
		r, err := Parse(text, d)
		if err != nil {
			return Rule{}, el, &FHIRError{Element: el, Reason: "not a known frequency code", Err: err}
		}
		return r, el, nil
	}
	if c.Text == "" {
		return Rule{}, "code", &FHIRError{Element: "code", Reason: "no GTS abbreviation and no text"}
	}
	r, err := Parse(c.Text, d)
	if err != nil {
		return Rule{}, "code.text", &FHIRError{Element: "code.text", Reason: err.Error(), Err: err}
	}
	return r, "code.text", nil
}

// gtsCoding returns the first coding that is (or may be) an HL7 GTS
// abbreviation.
func gtsCoding(c FHIRCodeableConcept) (int, FHIRCoding, bool) {
	for i, cd := range c.Coding {
		if cd.System == "" || cd.System == gts {
			return i, cd, true
		}
	}
	return 0, FHIRCoding{}, false
}

// hasSchedule reports whether a repeat says when doses fall, rather than
// only bounding them (bounds, count) or how long each lasts (duration).
func hasSchedule(rp FHIRTimingRepeat) bool {
	return rp.Frequency != nil || rp.FrequencyMax != nil || rp.Period != nil || rp.PeriodMax != nil ||
		rp.PeriodUnit != "" || len(rp.TimeOfDay) > 0 || len(rp.When) > 0 || len(rp.DayOfWeek) > 0 || rp.Offset != nil
}

// fromCodeAndRepeat reads a Timing with both a code and a repeat. FHIR
// makes the code a complete statement of the schedule except for the
// bounds, which apply over it: so a code with only bounds, count or duration
// in the repeat is the code's schedule within those bounds, and a code with
// a structured schedule must say the same thing (the structure may add what
// the code leaves to the institution: clock times, days of the week). Only a
// real contradiction is refused, naming both elements. Free text in
// code.text describes a structured schedule for people and is read only
// when the repeat has no schedule of its own.
func fromCodeAndRepeat(c FHIRCodeableConcept, rp FHIRTimingRepeat, d Defaults, loc *time.Location) (Rule, Bounds, error) {
	_, _, coded := gtsCoding(c)
	if hasSchedule(rp) {
		rr, b, err := fromRepeat(rp, d, loc)
		if err != nil || !coded {
			return rr, b, err
		}
		rc, codeEl, err := fromCode(c, d)
		if err != nil {
			return Rule{}, Bounds{}, err
		}
		if el, ok := sameSchedule(rc, rr, rp); !ok {
			return Rule{}, Bounds{}, &FHIRError{Element: el,
				Reason: fmt.Sprintf("says %q, which contradicts %s %q", rr.String(), codeEl, rc.String())}
		}
		if rr.Kind == KindFixed && len(rp.TimeOfDay) == 0 && len(rp.When) == 0 {
			rr.Times = rc.Times // the code's own times (AM is the morning), not those of a bare frequency
		}
		return rr, b, nil
	}
	r, codeEl, err := fromCode(c, d)
	if err != nil {
		return Rule{}, Bounds{}, err
	}
	b, dur, count, err := repeatLimits(rp, loc)
	if err != nil {
		return Rule{}, Bounds{}, err
	}
	contradiction := func(el, what string) (Rule, Bounds, error) {
		return Rule{}, Bounds{}, &FHIRError{Element: el, Reason: fmt.Sprintf("%s, which contradicts %s %q", what, codeEl, r.String())}
	}
	switch {
	case count > 0 && (r.Kind == KindTaper || (r.Kind == KindOnce && count != 1)):
		return contradiction("repeat.count", fmt.Sprintf("says %d doses", count))
	case dur > 0 && (r.Kind == KindTaper || r.Kind == KindOnce):
		return contradiction("repeat.boundsDuration", fmt.Sprintf("says %v", dur))
	case count > 0 && r.Count > 0 && count != r.Count:
		return contradiction("repeat.count", fmt.Sprintf("says %d doses", count))
	case dur > 0 && r.Duration > 0 && dur != r.Duration:
		return contradiction("repeat.boundsDuration", fmt.Sprintf("says %v", dur))
	}
	if r.Kind != KindOnce && count > 0 {
		r.Count = count
	}
	if dur > 0 {
		r.Duration = dur
	}
	return r, b, nil
}

// sameSchedule reports whether the schedule rr read from a repeat says what
// the code's rule rc says, filling in only what the code leaves to the
// institution (its clock times, the days of a daily rule). If not, it names
// the repeat element that disagrees.
func sameSchedule(rc, rr Rule, rp FHIRTimingRepeat) (string, bool) {
	el := "repeat.period"
	switch {
	case rp.Period == nil && len(rp.When) > 0:
		el = "repeat.when"
	case rp.Period == nil && len(rp.TimeOfDay) > 0:
		el = "repeat.timeOfDay"
	case rp.Period == nil:
		el = "repeat.dayOfWeek"
	}
	if rc.Kind != rr.Kind {
		return el, false
	}
	switch rc.Kind {
	case KindInterval:
		return el, rc.Interval == rr.Interval
	case KindFixed:
		if len(rc.Times) != len(rr.Times) {
			if rp.Frequency != nil {
				return "repeat.frequency", false
			}
			return el, false
		}
		if rc.EveryNMonths != rr.EveryNMonths || max(rc.EveryNDays, 1) != max(rr.EveryNDays, 1) && !(len(rc.Weekdays) == 0 && len(rr.Weekdays) > 0 && rc.EveryNDays == 7 && len(rr.Weekdays) == 1) {
			return el, false
		}
		if len(rc.Weekdays) > 0 && !slices.Equal(rc.Weekdays, rr.Weekdays) {
			return "repeat.dayOfWeek", false
		}
	}
	return "", true
}

// repeatLimits reads what bounds a repeat: boundsPeriod, boundsDuration and
// count, refusing the ranges the model cannot hold.
func repeatLimits(rp FHIRTimingRepeat, loc *time.Location) (b Bounds, dur time.Duration, count int, err error) {
	fail := func(el, reason string, err error) (Bounds, time.Duration, int, error) {
		return Bounds{}, 0, 0, &FHIRError{Element: "repeat." + el, Reason: reason, Err: err}
	}
	switch {
	case rp.BoundsRange != nil:
		return fail("boundsRange", "a range of durations is not supported; use boundsPeriod or boundsDuration", nil)
	case rp.CountMax != nil:
		return fail("countMax", "a range of counts is not supported", nil)
	case rp.BoundsPeriod != nil && rp.BoundsDuration != nil:
		return fail("boundsDuration", "give boundsPeriod or boundsDuration, not both", nil)
	}
	if bp := rp.BoundsPeriod; bp != nil {
		if bp.Start != "" {
			if b.Start, err = fhirDateTime(bp.Start, loc, false); err != nil {
				return fail("boundsPeriod.start", err.Error(), err)
			}
		}
		if bp.End != "" {
			if b.End, err = fhirDateTime(bp.End, loc, true); err != nil {
				return fail("boundsPeriod.end", err.Error(), err)
			}
		}
	}
	if q := rp.BoundsDuration; q != nil {
		if dur, err = fhirDuration(*q); err != nil {
			return fail("boundsDuration", err.Error(), err)
		}
	}
	if rp.Count != nil {
		if *rp.Count < 1 || *rp.Count > maxCount {
			return fail("count", fmt.Sprintf("out of range 1-%d", maxCount), nil)
		}
		count = *rp.Count
	}
	return b, dur, count, nil
}

func fromRepeat(rp FHIRTimingRepeat, d Defaults, loc *time.Location) (Rule, Bounds, error) {
	fail := func(el, format string, args ...any) (Rule, Bounds, error) {
		return Rule{}, Bounds{}, &FHIRError{Element: "repeat." + el, Reason: fmt.Sprintf(format, args...)}
	}
	b, dur, count, err := repeatLimits(rp, loc)
	if err != nil {
		return Rule{}, Bounds{}, err
	}
	switch {
	case len(rp.When) > 0 && len(rp.TimeOfDay) > 0:
		return fail("when", "when and timeOfDay cannot both be given (FHIR invariant tim-10)")
	case rp.Offset != nil && len(rp.When) == 0:
		return fail("offset", "an offset counts from an event in when; give timeOfDay")
	case rp.Offset != nil && (*rp.Offset < 0 || *rp.Offset >= 24*60):
		return fail("offset", "out of range 0-1439 minutes")
	case rp.FrequencyMax != nil && (rp.Frequency == nil || *rp.FrequencyMax < *rp.Frequency):
		return fail("frequencyMax", "needs a frequency no greater than it")
	case rp.PeriodMax != nil && (rp.Period == nil || *rp.PeriodMax < *rp.Period):
		return fail("periodMax", "needs a period no greater than it")
	}

	var times []ClockTime
	for i, s := range rp.TimeOfDay {
		c, err := ParseClockTime(s)
		if err != nil {
			return Rule{}, Bounds{}, &FHIRError{Element: fmt.Sprintf("repeat.timeOfDay[%d]", i), Reason: err.Error(), Err: err}
		}
		times = append(times, c)
	}
	for i, w := range rp.When {
		ts, ok := whenTimes(w, rp.Offset, d)
		if !ok {
			return fail(fmt.Sprintf("when[%d]", i), "no unit default time for event %q; give timeOfDay", w)
		}
		times = append(times, ts...)
	}
	// "BID before meals" (frequency 2 with a code of three meals) is the
	// first and the last meal: breakfast and the evening meal.
	if len(rp.When) == 1 && mealEvents[rp.When[0]] && rp.Frequency != nil && *rp.Frequency == 2 && len(times) == 3 {
		times = []ClockTime{times[0], times[2]}
	}
	if n := len(normTimes(times)); n != len(times) {
		return fail("timeOfDay", "a time of day is repeated")
	}
	times = normTimes(times)
	if len(times) == 0 {
		times = nil
	}
	var days []time.Weekday
	for i, s := range rp.DayOfWeek {
		w, ok := fhirWeekdays[s]
		if !ok {
			return fail(fmt.Sprintf("dayOfWeek[%d]", i), "%q is not mon, tue, wed, thu, fri, sat or sun", s)
		}
		days = append(days, w)
	}
	if len(days) > 0 {
		sorted := normWeekdays(days)
		if len(sorted) != len(days) {
			return fail("dayOfWeek", "a day is repeated")
		}
		days = sorted
	}
	timesEl := "timeOfDay"
	if len(rp.When) > 0 {
		timesEl = "when"
	}

	r := Rule{Kind: KindFixed, Times: times, Weekdays: days, Count: count, Duration: dur}
	defaults := func(key string, perDay int) error {
		if r.Times != nil {
			return nil
		}
		ts, ok := d.Lookup(key)
		if !ok || (perDay > 0 && len(ts) != perDay) {
			return &FHIRError{Element: "repeat.frequency", Reason: fmt.Sprintf("the unit has no default times for %s; give timeOfDay", key)}
		}
		r.Times = ts
		return nil
	}

	if rp.Period == nil {
		switch {
		case rp.Frequency != nil:
			return fail("period", "frequency without a period")
		case count == 1 && days == nil && len(times) <= 1:
			return Rule{Kind: KindOnce, Times: times, Duration: dur}, b, nil
		case times != nil:
			return r, b, nil
		case days != nil:
			if err := defaults("WEEKLY", 1); err != nil {
				return Rule{}, Bounds{}, err
			}
			return r, b, nil
		}
		return fail("period", "no frequency, period, timeOfDay, when or dayOfWeek")
	}

	f := 1
	if rp.Frequency != nil {
		f = *rp.Frequency
	}
	// A range of periods ("every 4-6 hours") is scheduled at its longest
	// period: the fewest doses the order allows.
	p := *rp.Period
	if rp.PeriodMax != nil {
		p = *rp.PeriodMax
	}
	if f < 1 || f > maxTimesPerDay*maxDays {
		return fail("frequency", "out of range")
	}
	if p <= 0 || math.IsNaN(p) || math.IsInf(p, 0) || p > float64(maxDays*24*3600) {
		return fail("period", "out of range")
	}
	whole := p == math.Trunc(p)
	switch rp.PeriodUnit {
	case "s", "min", "h":
		if times != nil {
			return fail(timesEl, "clock times cannot be combined with a period in %s; an interval counts from the order start", rp.PeriodUnit)
		}
		if days != nil {
			return fail("dayOfWeek", "weekdays cannot be combined with a period in %s", rp.PeriodUnit)
		}
		unit := map[string]float64{"s": 1, "min": 60, "h": 3600}[rp.PeriodUnit]
		secs := p * unit / float64(f)
		if secs != math.Trunc(secs) || int64(secs)%60 != 0 {
			return fail("period", "%v %s / %d is not a whole number of minutes", p, rp.PeriodUnit, f)
		}
		r.Kind, r.Times, r.Interval = KindInterval, nil, time.Duration(secs)*time.Second
	case "d":
		if !whole {
			return fail("period", "a fraction of a day; use h or min")
		}
		n := int(p)
		if days != nil && n != 1 {
			return fail("period", "weekdays need a period of 1 d")
		}
		if times != nil {
			if rp.Frequency != nil && f != len(times) {
				return fail("frequency", "says %d a day but %s gives %d", f, timesEl, len(times))
			}
		} else {
			key := perDayKey(f)
			if key == "" {
				return fail("frequency", "no default times for %d a day; give timeOfDay", f)
			}
			if n == 2 && f == 1 {
				key = "QOD"
			}
			if err := defaults(key, f); err != nil {
				return Rule{}, Bounds{}, err
			}
		}
		if n > 1 {
			r.EveryNDays = n
		}
	case "wk":
		if !whole {
			return fail("period", "a fraction of a week; use d")
		}
		n := int(p)
		// With named days, frequency counts doses a week: one per day, or
		// one per time of day on each day.
		perWeek := len(days) * max(len(times), 1)
		switch {
		case days != nil && n != 1:
			return fail("period", "every %d weeks on named days is not supported", n)
		case days != nil && rp.Frequency != nil && f != len(days) && f != perWeek:
			return fail("frequency", "says %d a week but dayOfWeek names %d days", f, len(days))
		case days == nil && f != 1 && (n != 1 || weeklyDays[f] == nil):
			return fail("frequency", "%d a week needs dayOfWeek to say which days", f)
		case days == nil && f != 1:
			// "Three times a week" at the institution's days, like BID at
			// its times.
			r.Weekdays = weeklyDays[f]
		}
		if r.Weekdays == nil {
			r.EveryNDays = 7 * n
		}
		if err := defaults("WEEKLY", 1); err != nil {
			return Rule{}, Bounds{}, err
		}
	case "mo":
		switch {
		case !whole:
			return fail("period", "a fraction of a month is not supported")
		case f != 1:
			return fail("frequency", "%d a month needs days of the month, which Timing cannot say", f)
		case days != nil:
			return fail("dayOfWeek", "a monthly rule cannot fall on weekdays")
		}
		r.EveryNMonths = int(p)
		if err := defaults("MONTHLY", 1); err != nil {
			return Rule{}, Bounds{}, err
		}
	case "a":
		return fail("periodUnit", "yearly schedules are not supported")
	case "":
		return fail("periodUnit", "missing")
	default:
		return fail("periodUnit", "%q is not s, min, h, d, wk, mo or a", rp.PeriodUnit)
	}
	// A range of frequencies ("3-4 times a day") is the lower frequency as a
	// schedule, and the rest as needed within the same period.
	if rp.FrequencyMax != nil && *rp.FrequencyMax > f {
		per, ok := map[string]float64{"s": 1, "min": 60, "h": 3600, "d": 86400, "wk": 7 * 86400}[rp.PeriodUnit]
		if !ok || p*per > float64(maxInterval/time.Second) || p*per != math.Trunc(p*per/60)*60 {
			return fail("frequencyMax", "a range of frequencies per %v %s is not supported", p, rp.PeriodUnit)
		}
		r.PRN = &PRN{MaxDoses: *rp.FrequencyMax - f, Per: time.Duration(p*per) * time.Second}
	}
	return r, b, nil
}

// weeklyDays are the institution's days for N doses a week when the order
// does not name them, as BID is at the institution's times.
var weeklyDays = map[int][]time.Weekday{
	2: {time.Monday, time.Thursday},
	3: {time.Monday, time.Wednesday, time.Friday},
}

// mealEvents are the EventTiming codes of all three meals.
var mealEvents = map[string]bool{"AC": true, "PC": true, "C": true}

// whenTimes returns the clock times of an EventTiming code, moved by offset
// minutes: before the meal for the before-meal codes (AC, ACM …), counted
// from the meal itself, and after the event for every other code, as FHIR
// defines offset.
func whenTimes(w string, offset *int, d Defaults) ([]ClockTime, bool) {
	if !fhirWhen[w] {
		return nil, false
	}
	if offset == nil || *offset == 0 {
		return d.Lookup(w)
	}
	sign, event := 1, w
	if strings.HasPrefix(w, "AC") {
		sign, event = -1, "C"+strings.TrimPrefix(w, "AC")
	} else if strings.HasPrefix(w, "PC") {
		event = "C" + strings.TrimPrefix(w, "PC")
	}
	ts, ok := d.Lookup(event)
	if !ok {
		return nil, false
	}
	out := make([]ClockTime, len(ts))
	for i, t := range ts {
		m := floorMod(t.Minutes()+sign**offset, 24*60)
		out[i] = ClockTime{m / 60, m % 60}
	}
	return out, true
}

// fhirWhen are the EventTiming codes with unit default times (see Defaults).
var fhirWhen = map[string]bool{
	"MORN": true, "AFT": true, "EVE": true, "NIGHT": true, "HS": true,
	"C": true, "CM": true, "CD": true, "CV": true,
	"AC": true, "ACM": true, "ACD": true, "ACV": true,
	"PC": true, "PCM": true, "PCD": true, "PCV": true,
}

var fhirWeekdays = map[string]time.Weekday{
	"mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday, "thu": time.Thursday,
	"fri": time.Friday, "sat": time.Saturday, "sun": time.Sunday,
}

func normWeekdays(ds []time.Weekday) []time.Weekday {
	out := append([]time.Weekday(nil), ds...)
	for i := 1; i < len(out); i++ { // insertion sort: at most seven
		for j := i; j > 0 && cmpWeekday(out[j-1], out[j]) > 0; j-- {
			out[j-1], out[j] = out[j], out[j-1]
		}
	}
	k := 0
	for i, w := range out {
		if i == 0 || w != out[k-1] {
			out[k] = w
			k++
		}
	}
	return out[:k]
}

// fhirDuration reads a boundsDuration.
func fhirDuration(q FHIRQuantity) (time.Duration, error) {
	if q.Value == nil {
		return 0, errors.New("no value")
	}
	code := q.Code
	if code == "" {
		code = q.Unit
	}
	unit, ok := map[string]time.Duration{
		"min": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "wk": 7 * 24 * time.Hour,
	}[code]
	if !ok {
		return 0, fmt.Errorf("unit %q is not min, h, d or wk", code)
	}
	v := *q.Value
	if !(v > 0) || v*float64(unit) > float64(maxDays*24*time.Hour) {
		return 0, errors.New("out of range")
	}
	d := time.Duration(v * float64(unit))
	if d%time.Minute != 0 || float64(d) != v*float64(unit) {
		return 0, errors.New("not a whole number of minutes")
	}
	return d, nil
}

// fhirDateTime reads a FHIR dateTime. A full date-time must carry its zone
// offset (FHIR requires one); a date alone is a local day in loc, starting
// at midnight, or for an end, ending at the next midnight.
func fhirDateTime(s string, loc *time.Location, end bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	switch {
	case len(s) == 10:
		day, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not a FHIR dateTime", s)
		}
		if loc == nil {
			return time.Time{}, fmt.Errorf("%q is a date without a time; the unit's zone is needed to place it", s)
		}
		n := dayNumber(day.Date())
		if end {
			n++
		}
		y, m, d := civil(n)
		return wallInstant(y, m, d, 0, 0, 0, 0, loc), nil
	case len(s) == 4 || len(s) == 7:
		return time.Time{}, fmt.Errorf("%q is only a year or month; give a date", s)
	}
	if t, err := time.Parse("2006-01-02T15:04:05", strings.TrimSuffix(s, ".000")); err == nil && loc != nil {
		return wallInstant(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a FHIR dateTime with a zone offset", s)
}

// ToFHIRTiming exports r as a FHIR Timing. code.text always carries the
// canonical text. What Timing cannot hold is only in that text: STAT (send
// MedicationRequest.priority), a monthly day of the month, PRN limits (send
// Dosage.asNeeded and maxDosePerPeriod; the minimum interval is the repeat)
// and tapers (one Dosage per Step; see Step.ToFHIRTiming).
func (r Rule) ToFHIRTiming() FHIRTiming {
	t := FHIRTiming{Code: &FHIRCodeableConcept{Text: r.String()}}
	rp := &FHIRTimingRepeat{}
	switch r.Kind {
	case KindFixed:
		for _, c := range r.Times {
			rp.TimeOfDay = append(rp.TimeOfDay, c.String()+":00")
		}
		for _, w := range r.Weekdays {
			rp.DayOfWeek = append(rp.DayOfWeek, strings.ToLower(w.String()[:3]))
		}
		switch {
		case r.EveryNMonths > 0:
			setFreq(rp, 1, float64(r.EveryNMonths), "mo")
		case r.EveryNDays > 1 && r.EveryNDays%7 == 0 && len(r.Times) == 1:
			setFreq(rp, 1, float64(r.EveryNDays/7), "wk")
		default:
			setFreq(rp, len(r.Times), float64(max(r.EveryNDays, 1)), "d")
		}
	case KindInterval:
		setSpan(rp, r.Interval)
	case KindOnce:
		one := 1
		rp.Count = &one
		if len(r.Times) == 1 {
			rp.TimeOfDay = []string{r.Times[0].String() + ":00"}
		}
		return FHIRTiming{Repeat: rp, Code: t.Code}
	case KindPRN:
		if r.PRN == nil || r.PRN.MinInterval == 0 {
			rp = nil
		} else {
			setSpan(rp, r.PRN.MinInterval)
		}
	case KindTaper:
		return t
	}
	if rp != nil {
		if r.Count > 0 {
			c := r.Count
			rp.Count = &c
		}
		if r.Duration > 0 {
			rp.BoundsDuration = durationQuantity(r.Duration)
		}
		t.Repeat = rp
	}
	return t
}

// ToFHIRTiming exports a taper step as the Timing of its own Dosage: the
// step's frequency, bounded by its days (boundsDuration) or doses (count).
func (s Step) ToFHIRTiming() FHIRTiming {
	t := s.Rule.ToFHIRTiming()
	if t.Repeat == nil {
		return t
	}
	if s.Days > 0 {
		t.Repeat.BoundsDuration = durationQuantity(time.Duration(s.Days) * 24 * time.Hour)
	}
	if s.Count > 0 {
		c := s.Count
		t.Repeat.Count = &c
	}
	return t
}

func setFreq(rp *FHIRTimingRepeat, f int, p float64, unit string) {
	rp.Frequency, rp.Period, rp.PeriodUnit = &f, &p, unit
}

// setSpan writes an elapsed interval in hours, or minutes when it is not
// whole hours; never in days, which Timing reads as wall-clock days.
func setSpan(rp *FHIRTimingRepeat, d time.Duration) {
	if d%time.Hour == 0 {
		setFreq(rp, 1, float64(d/time.Hour), "h")
	} else {
		setFreq(rp, 1, float64(d/time.Minute), "min")
	}
}

func durationQuantity(d time.Duration) *FHIRQuantity {
	var v float64
	var code string
	switch {
	case d%(24*time.Hour) == 0:
		v, code = float64(d/(24*time.Hour)), "d"
	case d%time.Hour == 0:
		v, code = float64(d/time.Hour), "h"
	default:
		v, code = float64(d/time.Minute), "min"
	}
	return &FHIRQuantity{Value: &v, Unit: code, System: ucum, Code: code}
}
