package mar

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ingredientSynonyms maps names that mean the same ingredient onto one.
var ingredientSynonyms = map[string]string{
	"paracetamol":         "acetaminophen",
	"apap":                "acetaminophen",
	"salbutamol":          "albuterol",
	"glyceryl trinitrate": "nitroglycerin",
	"frusemide":           "furosemide",
}

// canonicalIngredient normalises an ingredient name and resolves synonyms
// (paracetamol and acetaminophen are one ingredient).
func canonicalIngredient(s string) string {
	n := NormalizeIngredient(s)
	if c, ok := ingredientSynonyms[n]; ok {
		return c
	}
	return n
}

// SameIngredient reports whether two ingredient names mean the same thing.
func SameIngredient(a, b string) bool { return canonicalIngredient(a) == canonicalIngredient(b) }

// ingredientOf returns the product's ingredient matching name.
func (p Product) ingredientOf(name string) (Ingredient, bool) {
	for _, in := range p.Ingredients {
		if SameIngredient(in.Name, name) {
			return in, true
		}
	}
	return Ingredient{}, false
}

// massFactor converts mass units to micrograms.
var massFactor = map[string]float64{"g": 1e6, "mg": 1e3, "mcg": 1, "µg": 1, "ug": 1, "microgram": 1, "micrograms": 1, "milligram": 1e3, "milligrams": 1e3, "gram": 1e6, "grams": 1e6}

// unitAliases folds spellings of the same unit together.
var unitAliases = map[string]string{
	"unit": "units", "iu": "units", "u": "units",
	"ml": "mL", "milliliter": "mL", "millilitre": "mL", "milliliters": "mL", "millilitres": "mL",
	"meq":     "mEq",
	"tablets": "tablet", "tab": "tablet", "tabs": "tablet",
	"capsules": "capsule", "cap": "capsule", "caps": "capsule",
	"patches": "patch", "suppositories": "suppository", "puffs": "puff", "drops": "drop",
}

// countUnits are dose units that count units of use rather than measure an
// ingredient.
var countUnits = map[string]bool{"tablet": true, "capsule": true, "patch": true, "suppository": true, "puff": true, "drop": true, "nebule": true, "syringe": true, "vial": true, "pen": true, "sachet": true}

func normUnit(u string) string {
	u = strings.TrimSpace(u)
	if a, ok := unitAliases[strings.ToLower(u)]; ok {
		return a
	}
	if _, ok := massFactor[strings.ToLower(u)]; ok {
		return strings.ToLower(u)
	}
	return u
}

// convert expresses v in unit from as a value in unit to.
func convert(v float64, from, to string) (float64, bool) {
	from, to = normUnit(from), normUnit(to)
	if strings.EqualFold(from, to) {
		return v, true
	}
	f1, ok1 := massFactor[strings.ToLower(from)]
	f2, ok2 := massFactor[strings.ToLower(to)]
	if ok1 && ok2 {
		return v * f1 / f2, true
	}
	return 0, false
}

// doseMath relates dose units (what the nurse counts: tablets, mL,
// patches) to the amount of the ordered ingredient (in the order's dose
// unit).
type doseMath struct {
	perUnit    float64 // amount of ingredient in one dose unit, in the order's dose unit
	countUnit  string  // what one dose unit is called: tablet, mL, patch …
	orderUnit  string  // the order's dose unit
	strength   float64 // the product's strength: amount of ingredient in one dose unit …
	amountUnit string  // … in this unit (mg of a mg/mL liquid, units of 100 units/mL)
	comparable bool
	why        string
}

// newDoseMath works out how much of the order's dose one dose unit of the
// product holds: a 25 mg tablet for a dose in mg, 100 units/mL for a dose in
// units, or one tablet when the order counts tablets.
func newDoseMath(o Order, p Product) doseMath {
	in, ok := p.ingredientOf(o.Ingredient)
	if !ok {
		return doseMath{why: fmt.Sprintf("%s does not contain %s", p.Name, o.Ingredient)}
	}
	num, den, _ := strings.Cut(in.StrengthUnit, "/")
	count := normUnit(p.Form)
	amountUnit := in.StrengthUnit
	if strings.EqualFold(strings.TrimSpace(den), "mL") {
		count = "mL"
		amountUnit = num
	}
	du := normUnit(o.DoseUnit)
	if countUnits[du] || du == "mL" && count == "mL" {
		if du != count && !(du == "mL" && count == "mL") {
			return doseMath{why: fmt.Sprintf("the order counts %s but the product comes as %s", du, count)}
		}
		return doseMath{perUnit: 1, countUnit: count, orderUnit: o.DoseUnit, strength: in.StrengthValue, amountUnit: amountUnit, comparable: true}
	}
	per, ok := convert(in.StrengthValue, amountUnit, du)
	if !ok || per <= 0 {
		return doseMath{why: fmt.Sprintf("the product's strength %s %s cannot be compared with the ordered unit %s", fmtNum(in.StrengthValue), in.StrengthUnit, o.DoseUnit)}
	}
	return doseMath{perUnit: per, countUnit: count, orderUnit: o.DoseUnit, strength: in.StrengthValue, amountUnit: amountUnit, comparable: true}
}

// packQuantity expresses a quantity given in unit in dose units (what
// the nurse counts: tablets, mL, patches): unit is empty or the dose unit
// itself, or the order's dose unit, or any unit the product's strength
// converts (g or mcg for a mg order; mg of a mg/mL liquid; units of a
// 100 units/mL insulin). ok is false when the unit cannot be converted.
//
// amount is the amount of the ingredient in the order's dose unit: exact
// when the quantity was given in (a unit convertible to) the order's unit,
// else worked out from the dose units.
func (m doseMath) packQuantity(q float64, unit string) (quantity, amount float64, ok bool) {
	u := normUnit(unit)
	switch {
	case strings.TrimSpace(unit) == "" || strings.EqualFold(u, m.countUnit):
		return q, m.amountOf(q), true
	case countUnits[u]:
		return 0, 0, false // another unit of use: 2 capsules of a tablet
	}
	if v, ok := convert(q, u, m.orderUnit); ok && !countUnits[normUnit(m.orderUnit)] && normUnit(m.orderUnit) != "mL" {
		return round6(v / m.perUnit), round6(v), true
	}
	if m.strength > 0 {
		if v, ok := convert(q, u, m.amountUnit); ok {
			n := round6(v / m.strength)
			return n, m.amountOf(n), true
		}
	}
	return 0, 0, false
}

// units says which units a quantity may be given in, for a refusal.
func (m doseMath) units() string {
	us := []string{m.countUnit}
	for _, u := range []string{m.orderUnit, m.amountUnit} {
		if u != "" && !strings.Contains(u, "/") && !containsFold(us, normUnit(u)) {
			us = append(us, normUnit(u))
		}
	}
	return strings.Join(us, " or ")
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// DoseWords shows an amount in the order's unit with the quantity of the
// product it takes when they differ: "10 units (0.1 mL)", "1000 mg (2
// tablets)", "1 tablet".
func DoseWords(amount float64, unit string, quantity float64, quantityUnit string) string {
	a := fmtNum(amount) + " " + unit
	if strings.EqualFold(normUnit(unit), normUnit(quantityUnit)) {
		return countWords(amount, unit)
	}
	if quantityUnit == "" {
		return a
	}
	return a + " (" + countWords(quantity, quantityUnit) + ")"
}

// countWords is a quantity of a unit of use: "2 tablets", "0.1 mL".
func countWords(q float64, unit string) string {
	u := normUnit(unit)
	if countUnits[u] && q != 1 {
		switch {
		case strings.HasSuffix(u, "ch"):
			u += "es"
		default:
			u += "s"
		}
	}
	return fmtNum(q) + " " + u
}

// OrderDoseWords shows an order's dose with the quantity of its product
// that makes it, when the product's strength says: "10 units (0.1 mL)".
func OrderDoseWords(o Order, p *Product) string {
	if len(o.SlidingScale) > 0 {
		return "sliding scale (" + o.DoseUnit + ")"
	}
	if unit, perKg := o.PerKg(); perKg {
		// Worked out from the weight at the scan.
		if o.MaxDose > 0 {
			return fmt.Sprintf("%s %s (at most %s %s)", fmtNum(o.DoseValue), o.DoseUnit, fmtNum(o.MaxDose), unit)
		}
		return fmtNum(o.DoseValue) + " " + o.DoseUnit
	}
	if p == nil || o.DoseValue <= 0 {
		return fmtNum(o.DoseValue) + " " + o.DoseUnit
	}
	m := newDoseMath(o, *p)
	if !m.comparable {
		return fmtNum(o.DoseValue) + " " + o.DoseUnit
	}
	return DoseWords(o.DoseValue, o.DoseUnit, m.quantityFor(o.DoseValue), m.countUnit)
}

// quantityFor returns the dose units that make amount.
func (m doseMath) quantityFor(amount float64) float64 { return round6(amount / m.perUnit) }

// amountOf returns the amount in q dose units.
func (m doseMath) amountOf(q float64) float64 { return round6(q * m.perUnit) }

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// nearlyEqual compares amounts with a tolerance for decimal fractions.
func nearlyEqual(a, b float64) bool {
	return math.Abs(a-b) <= 1e-6*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func fmtNum(v float64) string { return strconv.FormatFloat(round6(v), 'f', -1, 64) }
