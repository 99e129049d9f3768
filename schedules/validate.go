package schedules

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

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
