package mar

import "strings"

// HighAlert is the ISMP high-alert class of a product, after VistA's codes.
type HighAlert string

const (
	HighAlertNone               HighAlert = "none"
	HighAlertPharmacyOnly       HighAlert = "pharmacy_only"
	HighAlertWitnessRecommended HighAlert = "witness_recommended"
	HighAlertWitnessRequired    HighAlert = "witness_required"
)

// Product is a medication in the catalogue.
type Product struct {
	ID            string
	FacilityID    string
	Name          string // brand or display name, e.g. "Metoprolol tartrate 25 mg tablet"
	Form          string // tablet, capsule, solution, patch, injection …
	Ingredients   []Ingredient
	Routes        []string // oral, sublingual, transdermal, subcutaneous …
	HighAlert     HighAlert
	Controlled    string // DEA schedule "II".."V", or ""
	TimeCritical  bool
	Psychotropic  bool // subject to the 14-day PRN rule in long-term care
	Antipsychotic bool
	// Splitting is how one unit may be divided; empty = inferred from
	// Form (SplitRule). Crushable nil = inferred from Form (MayCrush).
	Splitting Splitting
	Crushable *bool
	Packages  []Package
	// Version counts the product's changes from 1 (migration 00027).
	Version int64
}

// Ingredient is one active ingredient with its strength per unit of use.
type Ingredient struct {
	Name          string  // generic name, lower case, e.g. "metoprolol tartrate"
	StrengthValue float64 // per dose unit (tablet, mL, patch)
	StrengthUnit  string  // mg, mcg, g, units, mg/mL …
}

// Package is a barcode-carrying pack of a product.
type Package struct {
	ID          string
	ProductID   string
	GTIN        string // 14 digits
	NDC         string // 10–12 digits, no hyphens, when known
	Description string
	Quantity    float64 // dose units in the pack, e.g. 1 for unit dose
}

// HasIngredient reports whether the product contains the named ingredient.
func (p Product) HasIngredient(name string) bool {
	name = NormalizeIngredient(name)
	for _, in := range p.Ingredients {
		if NormalizeIngredient(in.Name) == name {
			return true
		}
	}
	return false
}

// HasRoute reports whether route is one of the product's routes.
func (p Product) HasRoute(route string) bool {
	for _, r := range p.Routes {
		if strings.EqualFold(r, route) {
			return true
		}
	}
	return false
}

// NormalizeIngredient makes ingredient names comparable.
func NormalizeIngredient(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}
