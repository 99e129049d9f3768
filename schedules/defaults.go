package schedules

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Defaults are a unit's standard administration times per abbreviation, so
// "BID" means 09:00 and 21:00 on one ward and 08:00 and 20:00 on another.
// Keys are upper case: QD (alias DAILY), BID, TID, QID, QAM, QPM, QHS, QOD,
// WEEKLY, MONTHLY, the meal times AC, PC, C and ACHS, and the FHIR
// EventTiming codes MORN, AFT, EVE, NIGHT, HS, CM, CD, CV, ACM, ACD, ACV,
// PCM, PCD, PCV. A key the unit does not set falls back to DefaultTimes, so
// the zero Defaults is the package default.
//
// Parse copies the times into the Rule: changing a unit's defaults later
// does not move doses of orders already written.
type Defaults struct {
	Times map[string][]ClockTime
}

func ct(h, m int) ClockTime { return ClockTime{h, m} }

// DefaultTimes returns the package's default administration times.
func DefaultTimes() Defaults {
	return Defaults{Times: map[string][]ClockTime{
		"QD":      {ct(9, 0)},
		"BID":     {ct(9, 0), ct(21, 0)},
		"TID":     {ct(9, 0), ct(14, 0), ct(21, 0)},
		"QID":     {ct(9, 0), ct(13, 0), ct(17, 0), ct(21, 0)},
		"QAM":     {ct(8, 0)},
		"QPM":     {ct(17, 0)},
		"QHS":     {ct(21, 0)},
		"QOD":     {ct(9, 0)},
		"WEEKLY":  {ct(9, 0)},
		"MONTHLY": {ct(9, 0)},
		"AC":      {ct(7, 30), ct(11, 30), ct(16, 30)},
		"PC":      {ct(8, 30), ct(12, 30), ct(17, 30)},
		"C":       {ct(8, 0), ct(12, 0), ct(17, 0)},
		"ACHS":    {ct(7, 30), ct(11, 30), ct(16, 30), ct(21, 0)},
		"MORN":    {ct(8, 0)},
		"AFT":     {ct(14, 0)},
		"EVE":     {ct(17, 0)},
		"NIGHT":   {ct(21, 0)},
		"HS":      {ct(21, 0)},
		"CM":      {ct(8, 0)},
		"CD":      {ct(12, 0)},
		"CV":      {ct(17, 0)},
		"ACM":     {ct(7, 30)},
		"ACD":     {ct(11, 30)},
		"ACV":     {ct(16, 30)},
		"PCM":     {ct(8, 30)},
		"PCD":     {ct(12, 30)},
		"PCV":     {ct(17, 30)},
	}}
}

var builtinDefaults = DefaultTimes()

// perDayOf is how many times a day each abbreviation gives; a unit's
// defaults must agree, or "BID" would silently mean three doses.
var perDayOf = map[string]int{
	"QD": 1, "DAILY": 1, "BID": 2, "TID": 3, "QID": 4, "QAM": 1, "QPM": 1, "QHS": 1,
	"QOD": 1, "WEEKLY": 1, "MONTHLY": 1, "AC": 3, "PC": 3, "C": 3, "ACHS": 4,
	"MORN": 1, "AFT": 1, "EVE": 1, "NIGHT": 1, "HS": 1, "CM": 1, "CD": 1, "CV": 1,
	"ACM": 1, "ACD": 1, "ACV": 1, "PCM": 1, "PCD": 1, "PCV": 1,
}

// aliases are tried, in order, when a unit does not set a key itself.
var aliases = map[string][]string{
	"QD":      {"DAILY"},
	"DAILY":   {"QD"},
	"QOD":     {"QD", "DAILY"},
	"WEEKLY":  {"QD", "DAILY"},
	"MONTHLY": {"QD", "DAILY"},
	"HS":      {"QHS"},
	"QHS":     {"HS"},
	"MORN":    {"QAM"},
	"QAM":     {"MORN"},
	"EVE":     {"QPM"},
	"QPM":     {"EVE"},
}

// Lookup returns the unit's times for an abbreviation, trying its aliases
// (a unit that sets DAILY also sets QD) and then the package defaults.
func (d Defaults) Lookup(key string) ([]ClockTime, bool) {
	key = strings.ToUpper(key)
	for _, k := range append([]string{key}, aliases[key]...) {
		if ts, ok := d.Times[k]; ok {
			return normTimes(ts), true
		}
	}
	if ts, ok := builtinDefaults.Times[key]; ok {
		return slices.Clone(ts), true
	}
	return nil, false
}

// With returns a copy of d with key set to times.
func (d Defaults) With(key string, times ...ClockTime) Defaults {
	m := maps.Clone(d.Times)
	if m == nil {
		m = map[string][]ClockTime{}
	}
	m[strings.ToUpper(key)] = slices.Clone(times)
	return Defaults{Times: m}
}

// Validate checks that every key's times are valid and that abbreviations
// with a fixed number of doses per day have that many.
func (d Defaults) Validate() error {
	for _, k := range slices.Sorted(maps.Keys(d.Times)) {
		ts := d.Times[k]
		if k != strings.ToUpper(k) {
			return fmt.Errorf("schedules: default times key %q must be upper case", k)
		}
		if len(ts) == 0 {
			return fmt.Errorf("schedules: default times for %s: none given", k)
		}
		for _, t := range ts {
			if !t.Valid() {
				return fmt.Errorf("schedules: default times for %s: %v out of range", k, t)
			}
		}
		n := len(normTimes(ts))
		if n != len(ts) {
			return fmt.Errorf("schedules: default times for %s repeat a time", k)
		}
		if want, ok := perDayOf[k]; ok && n != want {
			return fmt.Errorf("schedules: default times for %s: %d times, want %d", k, n, want)
		}
	}
	return nil
}

// ParseDefaults reads a unit's configuration, e.g. {"BID": "08:00, 20:00"}.
func ParseDefaults(m map[string]string) (Defaults, error) {
	d := Defaults{Times: map[string][]ClockTime{}}
	for k, v := range m {
		var ts []ClockTime
		for f := range strings.FieldsFuncSeq(v, func(r rune) bool { return r == ',' || r == ' ' || r == '/' }) {
			t, err := ParseClockTime(f)
			if err != nil {
				return Defaults{}, fmt.Errorf("schedules: default times for %s: %w", k, err)
			}
			ts = append(ts, t)
		}
		d.Times[strings.ToUpper(strings.TrimSpace(k))] = ts
	}
	if err := d.Validate(); err != nil {
		return Defaults{}, err
	}
	return d, nil
}

// normTimes returns ts sorted and without repeats.
func normTimes(ts []ClockTime) []ClockTime {
	out := slices.Clone(ts)
	slices.SortFunc(out, func(a, b ClockTime) int { return a.Minutes() - b.Minutes() })
	return slices.CompactFunc(out, func(a, b ClockTime) bool { return a.Minutes() == b.Minutes() })
}

// KnownAbbreviation reports whether key (upper case) is an abbreviation a
// unit may set times for.
func KnownAbbreviation(key string) bool {
	_, ok := perDayOf[key]
	return ok
}
