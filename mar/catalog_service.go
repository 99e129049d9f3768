package mar

import (
	"context"
	"fmt"
	"strings"
)

// Validate checks a product before it enters the catalogue.
func (p Product) Validate() error {
	switch {
	case strings.TrimSpace(p.Name) == "":
		return Invalid("name", "is required")
	case strings.TrimSpace(p.Form) == "":
		return Invalid("form", "is required")
	case len(p.Routes) == 0:
		return Invalid("routes", "at least one route is required")
	case len(p.Ingredients) == 0:
		return Invalid("ingredients", "at least one ingredient is required")
	}
	switch p.HighAlert {
	case "", HighAlertNone, HighAlertPharmacyOnly, HighAlertWitnessRecommended, HighAlertWitnessRequired:
	default:
		return Invalid("high_alert", "must be none, pharmacy_only, witness_recommended or witness_required")
	}
	if !p.Splitting.Valid() {
		return Invalid("splitting", "must be none, half, quarter or any (or left out to infer it from the form)")
	}
	switch p.Controlled {
	case "", "II", "III", "IV", "V":
	default:
		return Invalid("controlled", "must be a DEA schedule II, III, IV or V, or empty")
	}
	for _, in := range p.Ingredients {
		if strings.TrimSpace(in.Name) == "" || in.StrengthValue <= 0 || in.StrengthUnit == "" {
			return Invalid("ingredients", "each ingredient needs a name, a positive strength and a unit")
		}
	}
	for i, pk := range p.Packages {
		if err := pk.Validate(fmt.Sprintf("packages[%d].", i)); err != nil {
			return err
		}
	}
	return nil
}

// ValidGTIN reports whether s is a GTIN-14 with a correct mod-10 check digit.
func ValidGTIN(s string) bool {
	if len(s) != 14 {
		return false
	}
	sum := 0
	for i := 0; i < 13; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return s[13] >= '0' && s[13] <= '9' && int(s[13]-'0') == (10-sum%10)%10
}

// CreateProduct adds a product and its packages to the catalogue.
func (s *Service) CreateProduct(ctx context.Context, by Identity, p Product) (Product, error) {
	p.ID = NewID()
	p.FacilityID = by.User.FacilityID
	p.Version = 1
	if p.HighAlert == "" {
		p.HighAlert = HighAlertNone
	}
	for i := range p.Ingredients {
		p.Ingredients[i].Name = NormalizeIngredient(p.Ingredients[i].Name)
	}
	for i, pk := range p.Packages {
		p.Packages[i].GTIN = CanonicalGTIN(pk.GTIN)
		if strings.TrimSpace(pk.NDC) == "" {
			continue
		}
		ndc, err := CanonicalNDC(pk.NDC)
		if err != nil {
			return Product{}, Invalid(fmt.Sprintf("packages[%d].ndc", i), "NDC %q of GTIN %s is not an NDC (10 digits hyphenated 4-4-2, 5-3-2 or 5-4-1, or 11 digits 5-4-2)", pk.NDC, pk.GTIN)
		}
		p.Packages[i].NDC = ndc
	}
	if err := p.Validate(); err != nil {
		return Product{}, err
	}
	err := s.Store.InTx(ctx, func(tx Tx) error {
		if err := tx.CreateProduct(&p); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "product.create", ObjectType: "product", ObjectID: p.ID, Detail: map[string]string{"name": p.Name}})
	})
	return p, err
}

// SetProductDoseForm states how a catalogue product may be split and
// whether it may be crushed (empty and nil: inferred from its form). It
// decides every later scan, documentation and verification of the
// product, so it is audited with the rule before and after.
func (s *Service) SetProductDoseForm(ctx context.Context, by Identity, productID string, split Splitting, crushable *bool) (Product, error) {
	if !split.Valid() {
		return Product{}, Invalid("splitting", "must be none, half, quarter or any (or empty to infer it from the form)")
	}
	var p Product
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		if p, err = tx.GetProduct(productID); err != nil || p.FacilityID != by.User.FacilityID {
			return NotFound("product", productID)
		}
		before := map[string]any{"splitting": p.SplitRule(), "crushable": p.MayCrush()}
		if err := tx.SetProductDoseForm(p.ID, split, crushable); err != nil {
			return fmt.Errorf("set dose form of product %s: %w", p.ID, err)
		}
		p.Splitting, p.Crushable = split, crushable
		p.Version++
		return s.audit(tx, by, AuditEntry{Action: "product.dose_form", ObjectType: "product", ObjectID: p.ID,
			Detail: map[string]any{"before": before, "after": map[string]any{"splitting": p.SplitRule(), "crushable": p.MayCrush(), "stated": split != "" && crushable != nil}}})
	})
	return p, err
}

// ListProducts returns the facility's catalogue.
func (s *Service) ListProducts(ctx context.Context, by Identity) ([]Product, error) {
	var out []Product
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListProducts(by.User.FacilityID)
		return err
	})
	return out, err
}

// ListUnits returns the facility's units.
func (s *Service) ListUnits(ctx context.Context, by Identity) ([]Unit, error) {
	var out []Unit
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListUnits(by.User.FacilityID)
		return err
	})
	return out, err
}

// ListUsers returns the facility's accounts.
func (s *Service) ListUsers(ctx context.Context, by Identity) ([]User, error) {
	var out []User
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListUsers(by.User.FacilityID)
		return err
	})
	return out, err
}
