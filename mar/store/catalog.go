package store

import (
	"strings"

	"github.com/emar-project/emar/mar"
)

// UpdateProduct writes a product's own fields and replaces its
// ingredients, only if the row is still at expectVersion (the condition is
// part of the UPDATE, so of two concurrent editors of the same version one
// waits for the other's row lock and then fails), and raises the version.
// Packages are not touched: they are added one by one (AddPackage).
func (t *tx) UpdateProduct(p *mar.Product, expectVersion int64) error {
	res := t.db.Exec(`UPDATE products SET name = ?, form = ?, routes = ?, high_alert = ?, controlled = ?, time_critical = ?,
		psychotropic = ?, antipsychotic = ?, splitting = ?, crushable = ?, version = version + 1 WHERE id = ? AND version = ?`,
		p.Name, p.Form, strings.Join(p.Routes, ","), string(p.HighAlert), p.Controlled, p.TimeCritical,
		p.Psychotropic, p.Antipsychotic, string(p.Splitting), p.Crushable, p.ID, expectVersion)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		var have productRow
		if err := t.db.Select("version").Take(&have, "id = ?", p.ID).Error; err != nil {
			return notFound(err, "product", p.ID)
		}
		return mar.VersionMismatch("product", p.ID, expectVersion, have.Version)
	}
	if err := t.db.Where("product_id = ?", p.ID).Delete(&ingredientRow{}).Error; err != nil {
		return err
	}
	for i, in := range p.Ingredients {
		if err := t.db.Create(&ingredientRow{ProductID: p.ID, Position: i, Name: mar.NormalizeIngredient(in.Name), StrengthValue: in.StrengthValue, StrengthUnit: in.StrengthUnit}).Error; err != nil {
			return err
		}
	}
	p.Version = expectVersion + 1
	return nil
}

// AddPackage adds a barcode-carrying package to a product and raises the
// product's version. A GTIN already in the catalogue is a conflict.
func (t *tx) AddPackage(pk *mar.Package) error {
	if pk.ID == "" {
		pk.ID = mar.NewID()
	}
	if err := t.db.Create(&packageRow{ID: pk.ID, ProductID: pk.ProductID, GTIN: pk.GTIN, NDC: pk.NDC, Description: pk.Description, Quantity: pk.Quantity}).Error; err != nil {
		if isUnique(err) {
			return &mar.Error{Code: mar.EConflict, Field: "gtin", Reason: "duplicate", Message: "GTIN " + pk.GTIN + " already belongs to a product of the catalogue"}
		}
		return err
	}
	res := t.db.Exec("UPDATE products SET version = version + 1 WHERE id = ?", pk.ProductID)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return mar.NotFound("product", pk.ProductID)
	}
	return nil
}
