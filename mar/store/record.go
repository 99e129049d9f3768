package store

import (
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/emar-project/emar/mar"
)

func (t *tx) CreateProduct(p *mar.Product) error {
	row := productRow{ID: p.ID, FacilityID: p.FacilityID, Name: p.Name, Form: p.Form, Routes: strings.Join(p.Routes, ","),
		HighAlert: string(p.HighAlert), Controlled: p.Controlled, TimeCritical: p.TimeCritical,
		Psychotropic: p.Psychotropic, Antipsychotic: p.Antipsychotic, Splitting: string(p.Splitting), Crushable: p.Crushable}
	if row.HighAlert == "" {
		row.HighAlert = string(mar.HighAlertNone)
	}
	if err := t.db.Create(&row).Error; err != nil {
		return err
	}
	for i, in := range p.Ingredients {
		if err := t.db.Create(&ingredientRow{ProductID: p.ID, Position: i, Name: mar.NormalizeIngredient(in.Name), StrengthValue: in.StrengthValue, StrengthUnit: in.StrengthUnit}).Error; err != nil {
			return err
		}
	}
	for i := range p.Packages {
		pk := &p.Packages[i]
		if pk.ID == "" {
			pk.ID = mar.NewID()
		}
		pk.ProductID = p.ID
		if err := t.db.Create(&packageRow{ID: pk.ID, ProductID: p.ID, GTIN: pk.GTIN, NDC: pk.NDC, Description: pk.Description, Quantity: pk.Quantity}).Error; err != nil {
			if isUnique(err) {
				return &mar.Error{Code: mar.EConflict, Field: "packages", Reason: "duplicate", Message: "GTIN " + pk.GTIN + " already belongs to another product"}
			}
			return err
		}
	}
	return nil
}

// productPartRow is an ingredient (Kind 0) or a package (Kind 1) of a
// product, read together.
type productPartRow struct {
	ProductID   string
	Kind        int
	Position    int
	Name        string
	Value       float64
	Unit        string
	ID          string
	GTIN        string `gorm:"column:gtin"`
	NDC         string `gorm:"column:ndc"`
	Description string
}

func (t *tx) products(rows []productRow) ([]mar.Product, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	// The ingredients and the packages in one statement: one row shape
	// for both, ingredients (kind 0) by position, then packages (kind 1)
	// by GTIN.
	var parts []productPartRow
	if err := t.db.Raw(`SELECT product_id, 0 AS kind, position, name, strength_value AS value, strength_unit AS unit, '' AS id, '' AS gtin, '' AS ndc, '' AS description
FROM product_ingredients WHERE product_id IN ?
UNION ALL
SELECT product_id, 1, 0, '', quantity, '', CAST(id AS TEXT), gtin, ndc, description
FROM product_packages WHERE product_id IN ?
ORDER BY kind, product_id, position, gtin`, ids, ids).Scan(&parts).Error; err != nil {
		return nil, err
	}
	byIn := map[string][]mar.Ingredient{}
	byPk := map[string][]mar.Package{}
	for _, x := range parts {
		if x.Kind == 0 {
			byIn[x.ProductID] = append(byIn[x.ProductID], mar.Ingredient{Name: x.Name, StrengthValue: x.Value, StrengthUnit: x.Unit})
		} else {
			byPk[x.ProductID] = append(byPk[x.ProductID], packageRow{ID: x.ID, ProductID: x.ProductID, GTIN: x.GTIN, NDC: x.NDC, Description: x.Description, Quantity: x.Value}.domain())
		}
	}
	out := make([]mar.Product, len(rows))
	for i, r := range rows {
		out[i] = mar.Product{ID: r.ID, FacilityID: r.FacilityID, Name: r.Name, Form: r.Form, Routes: splitList(r.Routes),
			HighAlert: mar.HighAlert(r.HighAlert), Controlled: r.Controlled, TimeCritical: r.TimeCritical,
			Psychotropic: r.Psychotropic, Antipsychotic: r.Antipsychotic, Splitting: mar.Splitting(r.Splitting), Crushable: r.Crushable,
			Ingredients: byIn[r.ID], Packages: byPk[r.ID], Version: r.Version}
	}
	return out, nil
}

func (t *tx) GetProduct(id string) (mar.Product, error) {
	if !mar.ValidID(id) {
		return mar.Product{}, mar.NotFound("product", id)
	}
	var r productRow
	if err := t.db.Take(&r, "id = ?", id).Error; err != nil {
		return mar.Product{}, notFound(err, "product", id)
	}
	ps, err := t.products([]productRow{r})
	if err != nil {
		return mar.Product{}, err
	}
	return ps[0], nil
}

func (t *tx) ListProducts(facilityID string) ([]mar.Product, error) {
	var rows []productRow
	q := t.db.Order("name")
	if facilityID != "" {
		q = q.Where("facility_id = ?", facilityID)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	return t.products(rows)
}

// FindProductByCode finds the package with the GTIN, or failing that the
// NDC digit string (without hyphens).
func (t *tx) FindProductByCode(gtin, ndc string) (mar.Product, mar.Package, error) {
	if gtin != "" {
		// The GTIN is unique: the product is read through its package,
		// and the package is among the product's own.
		var rows []productRow
		if err := t.db.Where("id = (SELECT product_id FROM product_packages WHERE gtin = ?)", gtin).Find(&rows).Error; err != nil {
			return mar.Product{}, mar.Package{}, err
		}
		if len(rows) == 1 {
			ps, err := t.products(rows)
			if err != nil {
				return mar.Product{}, mar.Package{}, err
			}
			for _, pk := range ps[0].Packages {
				if pk.GTIN == gtin {
					return ps[0], pk, nil
				}
			}
		}
	}
	var pk packageRow
	found := false
	if ndc != "" {
		err := t.db.Take(&pk, "ndc = ?", ndc).Error
		if err == nil {
			found = true
		} else if err = notFound(err, "", ""); mar.ErrorCodeOf(err) != mar.ENotFound {
			return mar.Product{}, mar.Package{}, err
		}
	}
	if !found {
		code := gtin
		if code == "" {
			code = ndc
		}
		return mar.Product{}, mar.Package{}, mar.NotFound("product with code", code)
	}
	p, err := t.GetProduct(pk.ProductID)
	return p, pk.domain(), err
}

func (t *tx) CreateOrder(o *mar.Order) error {
	row := orderToRow(o)
	if err := t.db.Create(&row).Error; err != nil {
		if isUnique(err) {
			return &mar.Error{Code: mar.EConflict, Field: "external_id", Reason: "duplicate", Message: "an order with external number " + o.ExternalID + " already exists", Err: err}
		}
		return err
	}
	return nil
}

func (t *tx) GetOrder(id string) (mar.Order, error) {
	if !mar.ValidID(id) {
		return mar.Order{}, mar.NotFound("order", id)
	}
	var r orderRow
	if err := t.db.Take(&r, "id = ?", id).Error; err != nil {
		return mar.Order{}, notFound(err, "order", id)
	}
	return r.domain(), nil
}

func (t *tx) ListOrders(f mar.OrderFilter) ([]mar.Order, error) {
	q := t.db.Order("start_at, id")
	if f.FacilityID != "" {
		q = q.Where("facility_id = ?", f.FacilityID)
	}
	if f.ResidentID != "" {
		q = q.Where("resident_id = ?", f.ResidentID)
	}
	if len(f.Statuses) > 0 {
		q = q.Where("status IN ?", statusStrings(f.Statuses))
	}
	if f.Ingredient != "" {
		q = q.Where("ingredient = ?", mar.NormalizeIngredient(f.Ingredient))
	}
	if f.PRN != nil {
		q = q.Where("prn = ?", *f.PRN)
	}
	return findAll[orderRow, mar.Order](q)
}

// UpdateOrder writes every column (Select("*")), so zero values such as
// prn=false are not silently skipped.
// UpdateOrder writes the order and raises its version; with
// o.ExpectVersion set, only if the row is still at that version (the
// condition is part of the UPDATE, so of two concurrent writers against
// the same version one waits for the other's row lock and then fails).
func (t *tx) UpdateOrder(o *mar.Order) error {
	row := orderToRow(o)
	q := t.db.Model(&orderRow{}).Where("id = ?", o.ID)
	if o.ExpectVersion != 0 {
		q = q.Where("version = ?", o.ExpectVersion)
	}
	res := q.Select("*").Omit("id", "facility_id", "created_at").Updates(&row)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		if o.ExpectVersion != 0 {
			var have orderRow
			if err := t.db.Select("version").Take(&have, "id = ?", o.ID).Error; err == nil {
				return mar.VersionMismatch("order", o.ID, o.ExpectVersion, have.Version)
			}
		}
		return mar.NotFound("order", o.ID)
	}
	if err := t.db.Exec("UPDATE orders SET version = version + 1 WHERE id = ?", o.ID).Error; err != nil {
		return err
	}
	if o.Version != 0 {
		o.Version++
	}
	o.ExpectVersion = 0 // the caller's further updates follow this one
	return nil
}

func (t *tx) InsertDoses(doses []mar.ScheduledDose) (int, error) {
	if len(doses) == 0 {
		return 0, nil
	}
	if t.dialect == Postgres && undocumented(doses) {
		return t.insertDosesArrays(doses)
	}
	rows := make([]doseRow, len(doses))
	for i := range doses {
		rows[i] = doseToRow(&doses[i])
	}
	// A dose cancelled by an order change comes back when the changed
	// order falls due at the same instant again; any other existing dose
	// is left alone.
	res := t.db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "order_id"}, {Name: "due_at"}},
		DoUpdates: clause.Assignments(map[string]any{"status": gorm.Expr("excluded.status"), "window_start": gorm.Expr("excluded.window_start"), "window_end": gorm.Expr("excluded.window_end"), "step": gorm.Expr("excluded.step"), "step_dose": gorm.Expr("excluded.step_dose")}),
		Where:     clause.Where{Exprs: []clause.Expression{clause.Eq{Column: clause.Column{Table: "scheduled_doses", Name: "status"}, Value: string(mar.DoseCancelled)}}},
	}).CreateInBatches(rows, 500)
	return int(res.RowsAffected), res.Error
}

// undocumented reports whether none of the doses carries documentation,
// as every dose the schedule job and order changes write.
func undocumented(doses []mar.ScheduledDose) bool {
	for i := range doses {
		if d := &doses[i]; d.DocumentedBy != "" || d.DocumentedAt != nil || d.AdminID != "" {
			return false
		}
	}
	return true
}

// insertDosesSQL inserts a whole batch in one statement and one round
// trip: each column is one array parameter, unnest turns them back into
// rows. The conflict rule is InsertDoses's.
const insertDosesSQL = `INSERT INTO scheduled_doses (id, facility_id, order_id, resident_id, unit_id, due_at, window_start, window_end, status, step, step_dose)
SELECT id::uuid, facility_id::uuid, order_id::uuid, resident_id::uuid, unit_id::uuid, due_at, window_start, window_end, status, step, step_dose
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::timestamptz[], $9::text[], $10::int4[], $11::text[])
	AS d(id, facility_id, order_id, resident_id, unit_id, due_at, window_start, window_end, status, step, step_dose)
ON CONFLICT (order_id, due_at) DO UPDATE SET status = excluded.status, window_start = excluded.window_start,
	window_end = excluded.window_end, step = excluded.step, step_dose = excluded.step_dose
WHERE scheduled_doses.status = 'cancelled'`

// insertDosesArrays is InsertDoses on PostgreSQL: one statement for any
// number of doses, bypassing GORM's per-row reflection.
func (t *tx) insertDosesArrays(doses []mar.ScheduledDose) (int, error) {
	n := len(doses)
	id, fac, ord, res, unit, status, stepDose := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	due, ws, we := make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
	step := make([]int32, n)
	for i := range doses {
		d := &doses[i]
		id[i], fac[i], ord[i], res[i], unit[i] = d.ID, d.FacilityID, d.OrderID, d.ResidentID, d.UnitID
		due[i], ws[i], we[i] = d.DueAt.UTC(), d.WindowStart.UTC(), d.WindowEnd.UTC()
		status[i], step[i], stepDose[i] = string(d.Status), int32(d.Step), d.StepDose
	}
	r, err := t.db.Statement.ConnPool.ExecContext(t.ctx, insertDosesSQL, id, fac, ord, res, unit, due, ws, we, status, step, stepDose)
	if err != nil {
		return 0, err
	}
	k, err := r.RowsAffected()
	return int(k), err
}

func (t *tx) ListDoses(f mar.DoseFilter) ([]mar.ScheduledDose, error) {
	q := t.db.Order("due_at, id")
	if f.OrderID != "" {
		q = q.Where("order_id = ?", f.OrderID)
	}
	if f.ResidentID != "" {
		q = q.Where("resident_id = ?", f.ResidentID)
	}
	if f.UnitID != "" {
		q = q.Where("unit_id = ?", f.UnitID)
	}
	if len(f.Statuses) > 0 {
		q = q.Where("status IN ?", doseStatusStrings(f.Statuses))
	}
	if !f.DueFrom.IsZero() {
		q = q.Where("due_at >= ?", f.DueFrom.UTC())
	}
	if !f.DueTo.IsZero() {
		q = q.Where("due_at < ?", f.DueTo.UTC())
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	return findAll[doseRow, mar.ScheduledDose](q)
}

func (t *tx) SetDoseStatus(orderID string, dueFrom time.Time, from []mar.DoseStatus, to mar.DoseStatus) (int64, error) {
	for _, s := range from {
		if s.Documented() {
			return 0, mar.Errorf(mar.EInternal, "refusing to move documented doses (%s)", s)
		}
	}
	res := t.db.Model(&doseRow{}).Where("order_id = ? AND due_at >= ? AND status IN ?", orderID, dueFrom.UTC(), doseStatusStrings(from)).
		Update("status", string(to))
	return res.RowsAffected, res.Error
}

func statusStrings(s []mar.OrderStatus) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = string(v)
	}
	return out
}

func doseStatusStrings(s []mar.DoseStatus) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = string(v)
	}
	return out
}
