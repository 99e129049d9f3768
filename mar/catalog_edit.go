package mar

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Validate checks one package; field prefixes the names of the fields it
// blames ("packages[0]." when the package is part of a product).
func (pk Package) Validate(field string) error {
	if !ValidGTIN(pk.GTIN) {
		msg := "must be a GTIN of 14 digits with a valid check digit"
		if want, ok := gtinCheckDigit(pk.GTIN); ok {
			msg = fmt.Sprintf("the check digit of GTIN %s is wrong: with these first 13 digits it is %d (retype it from the pack)", pk.GTIN, want)
		}
		return Invalid(field+"gtin", "%s", msg)
	}
	if pk.Quantity <= 0 {
		return Invalid(field+"quantity", "the dose units in the pack of GTIN %s must be positive", pk.GTIN)
	}
	return nil
}

// gtinCheckDigit is the check digit a 14-digit string should end with.
func gtinCheckDigit(s string) (int, bool) {
	if len(s) != 14 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 13; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int(c - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return (10 - sum%10) % 10, true
}

// CanonicalGTIN accepts a GTIN-8, -12 (UPC-A), -13 (EAN) or -14, with
// spaces or hyphens between groups, and answers it as the 14 digits the
// catalogue keeps (left-padded with zeros, as GS1 specifies); the check
// digit is checked by Package.Validate.
func CanonicalGTIN(s string) string {
	d := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	switch len(d) {
	case 8, 12, 13:
		return strings.Repeat("0", 14-len(d)) + d
	}
	return d
}

// DrugClasses are the classes the product's ingredients belong to (the
// allergy checks' table), sorted: what an allergy to a class stops.
func (p Product) DrugClasses() []string {
	seen := map[string]bool{}
	var out []string
	for _, in := range p.Ingredients {
		for _, c := range classOf[canonicalIngredient(in.Name)] {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	sort.Strings(out)
	return out
}

// ProductChange is an edit of a catalogue product: nil fields stay as
// they are. Version is the version the editor read; an edit against an
// older one is refused (409), never merged.
type ProductChange struct {
	Version       int64
	Name, Form    *string
	Routes        *[]string
	Ingredients   *[]Ingredient
	HighAlert     *HighAlert
	Controlled    *string
	TimeCritical  *bool
	Psychotropic  *bool
	Antipsychotic *bool
	Splitting     *Splitting
	Crushable     *bool
	// CrushableInferred goes back to what the form implies.
	CrushableInferred bool
}

// GetProduct returns one product of the caller's facility.
func (s *Service) GetProduct(ctx context.Context, by Identity, id string) (Product, error) {
	var p Product
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		if p, err = tx.GetProduct(id); err != nil || p.FacilityID != by.User.FacilityID {
			return NotFound("product", id)
		}
		return nil
	})
	return p, err
}

// productFacts are the fields an edit is audited with, before and after.
func productFacts(p Product) map[string]any {
	ins := make([]string, len(p.Ingredients))
	for i, in := range p.Ingredients {
		ins[i] = fmt.Sprintf("%s %g %s", in.Name, in.StrengthValue, in.StrengthUnit)
	}
	return map[string]any{"name": p.Name, "form": p.Form, "routes": strings.Join(p.Routes, ","), "ingredients": strings.Join(ins, "; "),
		"high_alert": string(p.HighAlert), "controlled": p.Controlled, "time_critical": p.TimeCritical, "psychotropic": p.Psychotropic,
		"antipsychotic": p.Antipsychotic, "splitting": string(p.SplitRule()), "crushable": p.MayCrush(),
		"splitting_stated": p.Splitting != "", "crushable_stated": p.Crushable != nil}
}

// UpdateProduct edits a catalogue product in one transaction, audited
// with the fields that changed, before and after. The bedside reads the
// product at every scan, so a new high-alert class or controlled schedule
// applies from the next scan on.
func (s *Service) UpdateProduct(ctx context.Context, by Identity, id string, ch ProductChange) (Product, error) {
	if ch.Version <= 0 {
		return Product{}, Invalid("version", "is required: the version of the product you edited (a whole number from 1)")
	}
	var p Product
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		if p, err = tx.GetProduct(id); err != nil || p.FacilityID != by.User.FacilityID {
			return NotFound("product", id)
		}
		if p.Version != ch.Version {
			return VersionMismatch("product", p.ID, ch.Version, p.Version)
		}
		before := productFacts(p)
		if ch.Name != nil {
			p.Name = strings.TrimSpace(*ch.Name)
		}
		if ch.Form != nil {
			p.Form = strings.TrimSpace(*ch.Form)
		}
		if ch.Routes != nil {
			p.Routes = nil
			for _, r := range *ch.Routes {
				if r = strings.TrimSpace(r); r != "" {
					p.Routes = append(p.Routes, r)
				}
			}
		}
		if ch.Ingredients != nil {
			p.Ingredients = append([]Ingredient(nil), (*ch.Ingredients)...)
			for i := range p.Ingredients {
				p.Ingredients[i].Name = NormalizeIngredient(p.Ingredients[i].Name)
			}
		}
		if ch.HighAlert != nil {
			p.HighAlert = *ch.HighAlert
		}
		if ch.Controlled != nil {
			p.Controlled = strings.TrimSpace(*ch.Controlled)
		}
		if ch.TimeCritical != nil {
			p.TimeCritical = *ch.TimeCritical
		}
		if ch.Psychotropic != nil {
			p.Psychotropic = *ch.Psychotropic
		}
		if ch.Antipsychotic != nil {
			p.Antipsychotic = *ch.Antipsychotic
		}
		if ch.Splitting != nil {
			p.Splitting = *ch.Splitting
		}
		if ch.Crushable != nil {
			v := *ch.Crushable
			p.Crushable = &v
		} else if ch.CrushableInferred {
			p.Crushable = nil
		}
		if p.Antipsychotic && !p.Psychotropic {
			return Invalid("psychotropic", "an antipsychotic is a psychotropic: tick both")
		}
		if err := p.Validate(); err != nil {
			return err
		}
		after := productFacts(p)
		changed := map[string]any{}
		was := map[string]any{}
		for k, v := range after {
			if fmt.Sprint(before[k]) != fmt.Sprint(v) {
				changed[k], was[k] = v, before[k]
			}
		}
		if len(changed) == 0 {
			return nil // nothing to change: no new version, nothing to audit
		}
		if err := tx.UpdateProduct(&p, ch.Version); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "product.update", ObjectType: "product", ObjectID: p.ID,
			Detail: map[string]any{"version": p.Version, "before": was, "after": changed}})
	})
	return p, err
}

// AddPackage adds a barcode-carrying package (GTIN, NDC when known) to a
// product, audited; the product's version goes up.
func (s *Service) AddPackage(ctx context.Context, by Identity, productID string, pk Package) (Product, error) {
	pk.GTIN = CanonicalGTIN(pk.GTIN)
	pk.Description = strings.TrimSpace(pk.Description)
	if strings.TrimSpace(pk.NDC) != "" {
		ndc, err := CanonicalNDC(pk.NDC)
		if err != nil {
			return Product{}, Invalid("ndc", "%q is not an NDC (10 digits hyphenated 4-4-2, 5-3-2 or 5-4-1, or 11 digits 5-4-2)", pk.NDC)
		}
		pk.NDC = ndc
	} else {
		pk.NDC = ""
	}
	if err := pk.Validate(""); err != nil {
		return Product{}, err
	}
	var p Product
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		if p, err = tx.GetProduct(productID); err != nil || p.FacilityID != by.User.FacilityID {
			return NotFound("product", productID)
		}
		pk.ProductID = p.ID
		if err := tx.AddPackage(&pk); err != nil {
			return err
		}
		if p, err = tx.GetProduct(p.ID); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "product.package.add", ObjectType: "product", ObjectID: p.ID,
			Detail: map[string]any{"gtin": pk.GTIN, "ndc": pk.NDC, "quantity": pk.Quantity, "version": p.Version}})
	})
	return p, err
}
