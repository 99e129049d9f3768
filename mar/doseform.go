package mar

import (
	"fmt"
	"math"
	"strings"
)

// Splitting says into what parts one unit of use of a product may be
// divided. The zero value means the catalogue did not say: the rule is
// inferred from the product's form, and an unknown solid is never split.
type Splitting string

const (
	SplitNone    Splitting = "none"    // whole units only: capsules, ER/EC/ODT tablets, patches, pre-filled syringes, unscored tablets
	SplitHalf    Splitting = "half"    // a scored tablet: halves
	SplitQuarter Splitting = "quarter" // a tablet scored for quarters: quarters and halves
	SplitAny     Splitting = "any"     // a liquid: any measured volume
)

// Valid reports whether s is a known rule or empty (not stated).
func (s Splitting) Valid() bool {
	switch s {
	case "", SplitNone, SplitHalf, SplitQuarter, SplitAny:
		return true
	}
	return false
}

// parts is how many equal parts one unit may be divided into; 0 = any.
func (s Splitting) parts() int {
	switch s {
	case SplitHalf:
		return 2
	case SplitQuarter:
		return 4
	case SplitAny:
		return 0
	}
	return 1
}

// stricter returns the rule that allows less of a and b.
func stricter(a, b Splitting) Splitting {
	rank := func(s Splitting) int {
		if s == SplitAny {
			return 1000
		}
		return s.parts()
	}
	if rank(b) < rank(a) {
		return b
	}
	return a
}

// doseFormWords are words of a dose form (FHIR Medication.form text or
// display, HL7 RXE-6 / RXD-6, the catalogue's form) and what they tell.
// Words that forbid splitting come first: "scored extended-release tablet"
// is still never split.
var doseFormWords = []struct {
	words []string
	split Splitting
	crush bool
}{
	{[]string{"extended", "prolonged", "sustained", "controlled", "modified", "delayed", "enteric", "gastro-resistant", "er", "xr", "xl", "sr", "cr", "la", "dr", "ec", "tab.sa", "tbec", "tb24", "tb12", "cper", "csdr"}, SplitNone, false},
	{[]string{"orally disintegrating", "odt", "dispersible", "sublingual", "buccal", "lozenge", "tbdp"}, SplitNone, false},
	{[]string{"capsule", "cap", "caps", "capsules"}, SplitNone, false},
	{[]string{"patch", "transdermal", "ptch", "td"}, SplitNone, false},
	{[]string{"syringe", "prefilled", "pre-filled", "cartridge", "pen", "autoinjector", "ampule", "ampoule", "vial", "injection", "inj", "nebule", "suppository", "supp", "inhaler", "aerosol"}, SplitNone, false},
	{[]string{"solution", "soln", "sol", "suspension", "susp", "syrup", "syr", "elixir", "elix", "liquid", "liq", "oral solution", "mixture", "emulsion", "concentrate", "drops"}, SplitAny, true},
	{[]string{"quarter", "quarters", "quartered", "quadrisected"}, SplitQuarter, true},
	{[]string{"scored", "bisected", "score"}, SplitHalf, true},
}

// InferSplitting reads what a dose form text says about splitting (and
// crushing). known is false when the text says nothing (a plain "tablet"):
// the caller keeps its own rule or the safe default.
func InferSplitting(form string) (split Splitting, crush bool, known bool) {
	words := func(s string) string {
		return " " + strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.')
		}), " ") + " "
	}
	text := words(form)
	for _, class := range doseFormWords {
		for _, w := range class.words {
			if strings.Contains(text, words(w)) {
				return class.split, class.crush, true
			}
		}
	}
	return "", false, false
}

// SplitRule is how the product may be split: as the catalogue says, else
// as its form says, else never (an unknown solid form).
func (p Product) SplitRule() Splitting {
	if p.Splitting != "" {
		return p.Splitting
	}
	if s, _, ok := InferSplitting(p.Form); ok {
		return s
	}
	return SplitNone
}

// MayCrush reports whether the product may be crushed: as the catalogue
// says, else as its form says, else not (an unknown solid form).
func (p Product) MayCrush() bool {
	if p.Crushable != nil {
		return *p.Crushable
	}
	_, c, _ := InferSplitting(p.Form)
	return c
}

// splitRuleFor is the rule for giving product p on order o: the product's,
// tightened by the dose form the prescriber's system stated on the order
// (a capsule or an extended-release tablet is never split whatever the
// catalogue says).
func splitRuleFor(o Order, p Product) Splitting {
	rule := p.SplitRule()
	if s, _, ok := InferSplitting(o.DoseForm); ok {
		rule = stricter(rule, s)
	}
	return rule
}

// splitWords names what the rule allows, for a message.
func splitWords(s Splitting) string {
	switch s {
	case SplitHalf:
		return "may be split only in halves"
	case SplitQuarter:
		return "may be split only in halves or quarters"
	}
	return "cannot be split"
}

// formProblem says why quantity q of product p (counted in m's count
// unit) cannot be given on order o: a fraction the form does not allow. It
// is empty when the quantity can be measured. The message tells a nurse or
// pharmacist what to do.
func formProblem(o Order, p Product, m doseMath, q float64) string {
	if !m.comparable || q <= 0 || m.countUnit == "mL" {
		// Measured by volume: any volume can be drawn up.
		return ""
	}
	rule := splitRuleFor(o, p)
	parts := rule.parts()
	if allowed(q, parts) {
		return ""
	}
	what := p.Name
	if what == "" {
		what = p.Form
	}
	due := o.DoseValue
	if len(o.SlidingScale) > 0 {
		due = m.amountOf(q)
	}
	need := m.quantityFor(due)
	if nearlyEqual(need, q) || !allowed(need, parts) {
		return fmt.Sprintf("%s %s; %s %s is ordered (%s %s) — ask pharmacy for the right strength.",
			what, splitWords(rule), fmtNum(due), o.DoseUnit, fmtNum(need), m.countUnit)
	}
	return fmt.Sprintf("%s %s: %s %s cannot be given. %s %s is ordered: give %s %s.",
		what, splitWords(rule), fmtNum(q), m.countUnit, fmtNum(due), o.DoseUnit, fmtNum(need), m.countUnit)
}

// allowed reports whether q units can be measured when a unit divides
// into parts (0 = any amount).
func allowed(q float64, parts int) bool {
	if parts == 0 {
		return true
	}
	n := q * float64(parts)
	return math.Abs(n-math.Round(n)) <= 1e-6
}

// OrderFormProblem is what a pharmacist must know before verifying an
// order of a product: the ordered dose needs a fraction of a unit the
// product's form does not allow (reason ReasonDoseFormNotDivisible), or
// the order needs the product crushed and it must not be
// (ReasonMustNotCrush). Empty when there is none, or when the order names
// no product (the bedside checks the product scanned).
func OrderFormProblem(o Order, p Product) (reason, message string) {
	if p.ID == "" {
		return "", ""
	}
	if why := crushProblem(o, p); why != "" {
		return ReasonMustNotCrush, why
	}
	if len(o.SlidingScale) > 0 || o.DoseValue <= 0 {
		return "", ""
	}
	m := newDoseMath(o, p)
	if !m.comparable {
		return "", ""
	}
	if why := formProblem(o, p, m, m.quantityFor(o.DoseValue)); why != "" {
		return ReasonDoseFormNotDivisible, why
	}
	return "", ""
}

// tubeRoutes are routes by which a solid is given crushed.
var tubeRoutes = map[string]bool{"gastrostomy": true, "g-tube": true, "peg": true, "nasogastric": true, "ng tube": true,
	"enteral": true, "jejunostomy": true, "j-tube": true, "feeding tube": true, "nasoduodenal": true}

// needsCrushing reports whether the order asks for its solid to be
// crushed: a feeding-tube route, or instructions to crush it.
func needsCrushing(o Order) bool {
	if tubeRoutes[strings.ToLower(strings.TrimSpace(o.Route))] {
		return true
	}
	in := strings.ToLower(o.Instructions)
	if !strings.Contains(in, "crush") {
		return false
	}
	for _, no := range []string{"not crush", "n't crush", "no crush", "never crush", "without crushing", "not be crushed"} {
		if strings.Contains(in, no) {
			return false
		}
	}
	return true
}

// crushProblem says why the order's product must not be given as the
// order asks (crushed), and what to do.
func crushProblem(o Order, p Product) string {
	if !needsCrushing(o) || p.MayCrush() {
		return ""
	}
	if in, ok := p.ingredientOf(o.Ingredient); ok && strings.HasSuffix(strings.ToLower(strings.ReplaceAll(in.StrengthUnit, " ", "")), "/ml") {
		return "" // a liquid: nothing to crush
	}
	how := "its instructions say to crush it"
	if tubeRoutes[strings.ToLower(strings.TrimSpace(o.Route))] {
		how = "it is ordered by " + o.Route + " tube"
		if strings.Contains(o.Route, "tube") {
			how = "it is ordered by " + o.Route
		}
	}
	return fmt.Sprintf("%s must not be crushed, but %s — ask pharmacy for a liquid or another form.", p.Name, how)
}
