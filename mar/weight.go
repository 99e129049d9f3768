package mar

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// VitalWeight is the kind of a body weight reading, stored in kg.
const VitalWeight = "weight"

// DefaultWeightMaxAge is how old a weight may be for a weight-based dose:
// a week. Long-term care residents are weighed at least weekly when a
// dose depends on it, and a week is short enough that fluid shifts and
// weight loss since do not move a mg/kg dose far; a facility may choose
// another age (BedsideConfig.WeightMaxAge).
const DefaultWeightMaxAge = 7 * 24 * time.Hour

// poundsPerKg converts a weight in lb to kg (the international pound).
const kgPerPound = 0.45359237

// WeightToKg converts a weight reading in unit (kg, the default, or lb)
// to kg.
func WeightToKg(value float64, unit string) (float64, error) {
	switch strings.ToLower(strings.TrimSpace(unit)) {
	case "", "kg", "kilogram", "kilograms":
		return value, nil
	case "lb", "lbs", "pound", "pounds", "[lb_av]":
		return math.Round(value*kgPerPound*1000) / 1000, nil
	}
	return 0, Invalid("unit", "a weight is in kg or lb, not %q", unit)
}

// PerKg tells whether the order's dose is per kg of body weight (mg/kg,
// mcg/kg, units/kg …) and returns the unit of the computed dose (mg).
func (o Order) PerKg() (string, bool) {
	num, den, ok := strings.Cut(strings.ReplaceAll(o.DoseUnit, " ", ""), "/")
	if !ok || !strings.EqualFold(den, "kg") || num == "" {
		return "", false
	}
	return normUnit(num), true
}

// WeightDose is a weight-based order's dose worked out from a weight.
type WeightDose struct {
	PerKg     float64 // the order's dose per kg
	PerKgUnit string  // mg/kg
	WeightKg  float64
	WeighedAt time.Time
	WeightID  string
	Dose      float64 // PerKg × WeightKg, capped at MaxDose, in Unit
	Unit      string  // mg
	MaxDose   float64 // 0 = no cap
	Capped    bool    // the cap decided the dose
}

// Words says how the dose was worked out: "15 mg/kg × 62.5 kg = 937.5 mg".
func (w WeightDose) Words() string {
	s := fmt.Sprintf("%s %s × %s kg = %s %s", fmtNum(w.PerKg), w.PerKgUnit, fmtNum(w.WeightKg), fmtNum(round6(w.PerKg*w.WeightKg)), w.Unit)
	if w.Capped {
		s += fmt.Sprintf(", capped at the maximum %s %s", fmtNum(w.MaxDose), w.Unit)
	}
	return s
}

// weightDose works out a weight-based order's dose from the resident's
// latest weight. A missing weight, or one older than maxAge at `at`, is
// refused with what to do: record a weight.
func weightDose(o Order, weight *Vital, at time.Time, maxAge time.Duration, who, next string) (WeightDose, *Error) {
	unit, _ := o.PerKg()
	if weight == nil {
		return WeightDose{}, &Error{Code: ERefused, Field: "weight", Reason: ReasonWeightRequired,
			Message: fmt.Sprintf("No weight is recorded for %s, and the dose is %s %s: weigh the resident and record the weight (POST /api/v1/residents/{id}/vitals, kind weight, in kg or lb), then %s.",
				who, fmtNum(o.DoseValue), o.DoseUnit, next)}
	}
	if age := at.Sub(weight.TakenAt); age > maxAge {
		return WeightDose{}, &Error{Code: ERefused, Field: "weight", Reason: ReasonWeightStale,
			Message: fmt.Sprintf("The last weight of %s (%s kg, taken %s ago) is older than %s, and the dose is %s %s: weigh the resident and record the weight, then %s.",
				who, fmtNum(weight.Value), roundDays(age), roundDays(maxAge), fmtNum(o.DoseValue), o.DoseUnit, next)}
	}
	w := WeightDose{PerKg: o.DoseValue, PerKgUnit: o.DoseUnit, WeightKg: weight.Value, WeighedAt: weight.TakenAt, WeightID: weight.ID,
		Unit: unit, MaxDose: o.MaxDose}
	w.Dose = round6(o.DoseValue * weight.Value)
	if o.MaxDose > 0 && w.Dose > o.MaxDose {
		w.Dose, w.Capped = o.MaxDose, true
	}
	return w, nil
}

// weighedOrder is the order as the bedside gives it: its dose per kg
// worked out for the weight, in the numerator's unit.
func weighedOrder(o Order, w WeightDose) Order {
	o.DoseValue, o.DoseUnit, o.MaxDose = w.Dose, w.Unit, 0
	return o
}

func roundDays(d time.Duration) string {
	if d < 48*time.Hour {
		return roundDur(d)
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

// checkOrderWeight refuses to make a weight-based order givable (created
// verified, verified, changed while active) without a fresh weight, and
// when the dose it works out cannot be given with the order's product.
func (s *Service) checkOrderWeight(tx Tx, o Order) error {
	if _, perKg := o.PerKg(); !perKg {
		return nil
	}
	now := s.now()
	r, err := tx.GetResident(o.ResidentID)
	if err != nil {
		return err
	}
	ws, err := tx.LatestVitals(o.ResidentID, []string{VitalWeight}, now.AddDate(-1, 0, 0), now.Add(time.Minute))
	if err != nil {
		return err
	}
	var latest *Vital
	if v, ok := ws[VitalWeight]; ok {
		latest = &v
	}
	w, e := weightDose(o, latest, now, s.Config.Bedside.WeightMaxAge, r.DisplayName(), "verify the order again")
	if e != nil {
		return e
	}
	if o.ProductID == "" {
		return nil
	}
	p, err := tx.GetProduct(o.ProductID)
	if err != nil {
		return fmt.Errorf("product of order %s: %w", o.ID, err)
	}
	if reason, why := OrderFormProblem(weighedOrder(o, w), p); why != "" {
		return &Error{Code: ERefused, Field: "dose_value", Reason: reason, Message: why + " (" + w.Words() + ")"}
	}
	return nil
}
