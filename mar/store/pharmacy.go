package store

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/emar-project/emar/mar"
)

// Rows of migration 00004 (pharmacy and interoperability).

type productCodeRow struct {
	FacilityID string
	ProductID  string
	System     string
	Code       string
}

func (productCodeRow) TableName() string { return "product_codes" }

type clarificationRow struct {
	ID         string
	FacilityID string
	OrderID    string
	Question   string
	AskedBy    string
	AskedAt    time.Time
	ResolvedBy *string
	ResolvedAt *time.Time
	Resolution string
}

func (clarificationRow) TableName() string { return "order_clarifications" }

type renewalRow struct {
	ID           string
	FacilityID   string
	OrderID      string
	Rationale    string
	DurationDays int
	Evaluated    bool
	Prescriber   string
	RenewedBy    string
	RenewedAt    time.Time
	PreviousStop *time.Time
	NewStop      time.Time
}

func (renewalRow) TableName() string { return "order_renewals" }

// stockMovementRow (bedside.go) is the ledger row.

type dispenseRow struct {
	ID          string
	FacilityID  string
	UnitID      string
	ResidentID  *string
	OrderID     *string
	ProductID   string
	GTIN        string `gorm:"column:gtin"`
	Quantity    float64
	Lot         string
	Expiry      string
	DispensedAt time.Time
	RecordedAt  time.Time
	DispensedBy string
	Note        string
	Serial      string
}

func (dispenseRow) TableName() string { return "dispenses" }

func (r dispenseRow) domain() mar.Dispense {
	return mar.Dispense{ID: r.ID, FacilityID: r.FacilityID, UnitID: r.UnitID, ResidentID: deref(r.ResidentID), OrderID: deref(r.OrderID),
		ProductID: r.ProductID, GTIN: r.GTIN, Quantity: r.Quantity, Lot: r.Lot, Expiry: r.Expiry, DispensedAt: r.DispensedAt.UTC(),
		RecordedAt: r.RecordedAt.UTC(), DispensedBy: r.DispensedBy, Note: r.Note, Serial: r.Serial}
}

type adjustmentRow struct {
	ID               string
	FacilityID       string
	UnitID           string
	ProductID        string
	Kind             string
	Quantity         float64
	Lot              string
	Reason           string
	ResidentID       *string
	OrderID          *string
	AdministrationID *string
	WitnessID        *string
	PerformedBy      string
	PerformedAt      time.Time
	RecordedAt       time.Time
}

func (adjustmentRow) TableName() string { return "stock_adjustments" }

type countRow struct {
	ID         string
	FacilityID string
	UnitID     string
	ProductID  string
	Counted    float64
	Expected   float64
	CountedBy  string
	WitnessID  *string
	CountedAt  time.Time
	Note       string
}

func (countRow) TableName() string { return "stock_counts" }

type missingDoseRow struct {
	ID          string
	FacilityID  string
	UnitID      string
	ResidentID  string
	OrderID     string
	Note        string
	Status      string
	RequestedBy string
	RequestedAt time.Time
	DispenseID  *string
	FulfilledBy *string
	FulfilledAt *time.Time
}

func (missingDoseRow) TableName() string { return "missing_dose_requests" }

func (r missingDoseRow) domain() mar.MissingDoseRequest {
	return mar.MissingDoseRequest{ID: r.ID, FacilityID: r.FacilityID, UnitID: r.UnitID, ResidentID: r.ResidentID, OrderID: r.OrderID,
		Note: r.Note, Status: r.Status, RequestedBy: r.RequestedBy, RequestedAt: r.RequestedAt.UTC(), DispenseID: deref(r.DispenseID),
		FulfilledBy: deref(r.FulfilledBy), FulfilledAt: utcPtr(r.FulfilledAt)}
}

type reviewRow struct {
	AdministrationID string `gorm:"primaryKey"`
	FacilityID       string
	OrderID          string
	Reason           string
	FlaggedAt        time.Time
	ReviewedBy       *string
	ReviewedAt       *time.Time
	Note             string
}

func (reviewRow) TableName() string { return "administration_reviews" }

type outboundRow struct {
	ID            string
	FacilityID    string
	Kind          string
	RefID         string
	ControlID     string
	Payload       string
	CreatedAt     time.Time
	Attempts      int
	NextAttemptAt time.Time
	SentAt        *time.Time
	LastError     string
}

func (outboundRow) TableName() string { return "outbound_messages" }

func (r outboundRow) domain() mar.OutboundMessage {
	return mar.OutboundMessage{ID: r.ID, FacilityID: r.FacilityID, Kind: r.Kind, RefID: r.RefID, ControlID: r.ControlID, Payload: r.Payload,
		CreatedAt: r.CreatedAt.UTC(), Attempts: r.Attempts, NextAttemptAt: r.NextAttemptAt.UTC(), SentAt: utcPtr(r.SentAt), LastError: r.LastError}
}

func (t *tx) FindExternalOrder(facilityID, placer, filler string) (mar.Order, error) {
	placer, filler = strings.TrimSpace(placer), strings.TrimSpace(filler)
	if placer == "" && filler == "" {
		return mar.Order{}, mar.NotFound("order with external number", "")
	}
	q := t.db.Where("facility_id = ?", facilityID)
	switch {
	case placer != "" && filler != "":
		q = q.Where("(external_id = ? OR filler_id = ?)", placer, filler)
	case placer != "":
		q = q.Where("external_id = ?", placer)
	default:
		q = q.Where("filler_id = ?", filler)
	}
	var rows []orderRow
	// The newest live order wins when a number was reused after a rejection.
	if err := q.Order("created_at DESC").Limit(1).Find(&rows).Error; err != nil {
		return mar.Order{}, err
	}
	if len(rows) == 0 {
		return mar.Order{}, mar.NotFound("order with external number", placer+filler)
	}
	return rows[0].domain(), nil
}

func (t *tx) FindProductByExternalCode(facilityID, system, code string) (mar.Product, error) {
	var r productCodeRow
	err := t.db.Take(&r, "facility_id = ? AND system = ? AND code = ?", facilityID, system, code).Error
	if err != nil {
		return mar.Product{}, notFound(err, "product with code", code)
	}
	return t.GetProduct(r.ProductID)
}

func (t *tx) AddProductCode(facilityID, productID, system, code string) error {
	err := t.db.Create(&productCodeRow{FacilityID: facilityID, ProductID: productID, System: system, Code: code}).Error
	if err != nil && isUnique(err) {
		return &mar.Error{Code: mar.EConflict, Field: "code", Reason: "duplicate", Message: "the code " + system + "|" + code + " already names a product"}
	}
	return err
}

func (t *tx) SetProductDoseForm(productID string, split mar.Splitting, crushable *bool) error {
	res := t.db.Exec("UPDATE products SET splitting = ?, crushable = ?, version = version + 1 WHERE id = ?", string(split), crushable, productID)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return mar.NotFound("product", productID)
	}
	return nil
}

func (t *tx) ProductCodes(productID string) (map[string]string, error) {
	var rows []productCodeRow
	if err := t.db.Where("product_id = ?", productID).Order("system, code").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.System] = r.Code
	}
	return out, nil
}

func (t *tx) FindUnitByCode(facilityID, code string) (mar.Unit, error) {
	var r unitRow
	// Unit codes are matched without regard to case: senders differ.
	if err := t.db.Take(&r, "facility_id = ? AND upper(code) = upper(?)", facilityID, strings.TrimSpace(code)).Error; err != nil {
		return mar.Unit{}, notFound(err, "unit", code)
	}
	return r.domain(), nil
}

func (t *tx) ResidentsWithMRN(facilityID, mrn string) ([]mar.Resident, error) {
	var rows []residentRow
	if err := t.db.Where("facility_id = ? AND mrn = ?", facilityID, strings.TrimSpace(mrn)).Order("mrn_system").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("residents with MRN: %w", err)
	}
	return t.withAllergies(rows)
}

func (t *tx) CreateClarification(c *mar.Clarification) error {
	return t.db.Create(&clarificationRow{ID: c.ID, FacilityID: c.FacilityID, OrderID: c.OrderID, Question: c.Question,
		AskedBy: c.AskedBy, AskedAt: c.AskedAt.UTC()}).Error
}

func (t *tx) ListClarifications(orderIDs []string) ([]mar.Clarification, error) {
	if len(orderIDs) == 0 {
		return nil, nil
	}
	var rows []clarificationRow
	if err := t.db.Where("order_id IN ?", orderIDs).Order("asked_at, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]mar.Clarification, len(rows))
	for i, r := range rows {
		out[i] = mar.Clarification{ID: r.ID, FacilityID: r.FacilityID, OrderID: r.OrderID, Question: r.Question, AskedBy: r.AskedBy,
			AskedAt: r.AskedAt.UTC(), ResolvedBy: deref(r.ResolvedBy), ResolvedAt: utcPtr(r.ResolvedAt), Resolution: r.Resolution}
	}
	return out, nil
}

func (t *tx) ResolveClarifications(orderID, by, resolution string, at time.Time) error {
	return t.db.Model(&clarificationRow{}).Where("order_id = ? AND resolved_at IS NULL", orderID).
		Updates(map[string]any{"resolved_by": by, "resolved_at": at.UTC(), "resolution": resolution}).Error
}

func (t *tx) CreateRenewal(r *mar.Renewal) error {
	return t.db.Create(&renewalRow{ID: r.ID, FacilityID: r.FacilityID, OrderID: r.OrderID, Rationale: r.Rationale, DurationDays: r.DurationDays,
		Evaluated: r.Evaluated, Prescriber: r.Prescriber, RenewedBy: r.RenewedBy, RenewedAt: r.RenewedAt.UTC(),
		PreviousStop: utcPtr(r.PreviousStop), NewStop: r.NewStop.UTC()}).Error
}

func (t *tx) ListRenewals(orderID string) ([]mar.Renewal, error) {
	var rows []renewalRow
	if err := t.db.Where("order_id = ?", orderID).Order("renewed_at, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]mar.Renewal, len(rows))
	for i, r := range rows {
		out[i] = mar.Renewal{ID: r.ID, FacilityID: r.FacilityID, OrderID: r.OrderID, Rationale: r.Rationale, DurationDays: r.DurationDays,
			Evaluated: r.Evaluated, Prescriber: r.Prescriber, RenewedBy: r.RenewedBy, RenewedAt: r.RenewedAt.UTC(),
			PreviousStop: utcPtr(r.PreviousStop), NewStop: r.NewStop.UTC()}
	}
	return out, nil
}

func (t *tx) CreateDispense(d *mar.Dispense) error {
	return t.db.Create(&dispenseRow{ID: d.ID, FacilityID: d.FacilityID, UnitID: d.UnitID, ResidentID: strPtr(d.ResidentID), OrderID: strPtr(d.OrderID),
		ProductID: d.ProductID, GTIN: d.GTIN, Quantity: d.Quantity, Lot: d.Lot, Expiry: d.Expiry, DispensedAt: d.DispensedAt.UTC(),
		RecordedAt: d.RecordedAt.UTC(), DispensedBy: d.DispensedBy, Note: d.Note, Serial: d.Serial}).Error
}

func (t *tx) GetDispense(id string) (mar.Dispense, error) {
	if !mar.ValidID(id) {
		return mar.Dispense{}, mar.NotFound("dispense", id)
	}
	var r dispenseRow
	if err := t.db.Take(&r, "id = ?", id).Error; err != nil {
		return mar.Dispense{}, notFound(err, "dispense", id)
	}
	return r.domain(), nil
}

// FindDispenseBySerial finds the dispense whose label carries this GTIN
// and serial (AI 01 + AI 21), in one facility.
func (t *tx) FindDispenseBySerial(facilityID, gtin, serial string) (mar.Dispense, error) {
	if !mar.ValidID(facilityID) || serial == "" {
		return mar.Dispense{}, mar.NotFound("dispense", serial)
	}
	var r dispenseRow
	if err := t.db.Take(&r, "facility_id = ? AND gtin = ? AND serial = ?", facilityID, gtin, serial).Error; err != nil {
		return mar.Dispense{}, notFound(err, "dispense", serial)
	}
	return r.domain(), nil
}

func (t *tx) ListDispenses(f mar.DispenseFilter) ([]mar.Dispense, error) {
	for _, id := range []string{f.FacilityID, f.UnitID, f.ResidentID, f.OrderID} {
		if id != "" && !mar.ValidID(id) {
			return nil, nil // no row has a malformed id
		}
	}
	q := t.db.Order("dispensed_at, id")
	if f.FacilityID != "" {
		q = q.Where("facility_id = ?", f.FacilityID)
	}
	if f.UnitID != "" {
		q = q.Where("unit_id = ?", f.UnitID)
	}
	if f.ResidentID != "" {
		q = q.Where("resident_id = ?", f.ResidentID)
	}
	if f.OrderID != "" {
		q = q.Where("order_id = ?", f.OrderID)
	}
	if !f.From.IsZero() {
		q = q.Where("dispensed_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("dispensed_at < ?", f.To.UTC())
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	return findAll[dispenseRow, mar.Dispense](q)
}

func (t *tx) CreateStockAdjustment(a *mar.StockAdjustment) error {
	return t.db.Create(&adjustmentRow{ID: a.ID, FacilityID: a.FacilityID, UnitID: a.UnitID, ProductID: a.ProductID, Kind: a.Kind,
		Quantity: a.Quantity, Lot: a.Lot, Reason: a.Reason, ResidentID: strPtr(a.ResidentID), OrderID: strPtr(a.OrderID),
		AdministrationID: strPtr(a.AdministrationID), WitnessID: strPtr(a.WitnessID), PerformedBy: a.PerformedBy,
		PerformedAt: a.PerformedAt.UTC(), RecordedAt: a.RecordedAt.UTC()}).Error
}

func (t *tx) ListStockAdjustments(unitID string, from, to time.Time) ([]mar.StockAdjustment, error) {
	var rows []adjustmentRow
	q := t.db.Where("unit_id = ?", unitID).Order("performed_at, id")
	if !from.IsZero() {
		q = q.Where("performed_at >= ?", from.UTC())
	}
	if !to.IsZero() {
		q = q.Where("performed_at < ?", to.UTC())
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]mar.StockAdjustment, len(rows))
	for i, r := range rows {
		out[i] = mar.StockAdjustment{ID: r.ID, FacilityID: r.FacilityID, UnitID: r.UnitID, ProductID: r.ProductID, Kind: r.Kind,
			Quantity: r.Quantity, Lot: r.Lot, Reason: r.Reason, ResidentID: deref(r.ResidentID), OrderID: deref(r.OrderID),
			AdministrationID: deref(r.AdministrationID), WitnessID: deref(r.WitnessID), PerformedBy: r.PerformedBy,
			PerformedAt: r.PerformedAt.UTC(), RecordedAt: r.RecordedAt.UTC()}
	}
	return out, nil
}

func (t *tx) CreateStockCount(c *mar.StockCount) error {
	return t.db.Create(&countRow{ID: c.ID, FacilityID: c.FacilityID, UnitID: c.UnitID, ProductID: c.ProductID, Counted: c.Counted,
		Expected: c.Expected, CountedBy: c.CountedBy, WitnessID: strPtr(c.WitnessID), CountedAt: c.CountedAt.UTC(), Note: c.Note}).Error
}

func (t *tx) ListStockCounts(unitID string, from, to time.Time) ([]mar.StockCount, error) {
	var rows []countRow
	q := t.db.Where("unit_id = ?", unitID).Order("counted_at, id")
	if !from.IsZero() {
		q = q.Where("counted_at >= ?", from.UTC())
	}
	if !to.IsZero() {
		q = q.Where("counted_at < ?", to.UTC())
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]mar.StockCount, len(rows))
	for i, r := range rows {
		out[i] = mar.StockCount{ID: r.ID, FacilityID: r.FacilityID, UnitID: r.UnitID, ProductID: r.ProductID, Counted: r.Counted,
			Expected: r.Expected, CountedBy: r.CountedBy, WitnessID: deref(r.WitnessID), CountedAt: r.CountedAt.UTC(), Note: r.Note}
	}
	return out, nil
}

func (t *tx) AddStockMovement(facilityID, unitID, productID string, quantity float64, kind, refID string, at time.Time, by string) error {
	return t.db.Create(&stockMovementRow{ID: mar.NewID(), FacilityID: facilityID, UnitID: unitID, ProductID: productID,
		Quantity: quantity, Kind: kind, RefID: strPtr(refID), At: at.UTC(), By: by}).Error
}

type stockSum struct {
	ProductID string
	Kind      string
	Total     float64
}

func (t *tx) StockOnHand(unitID string, before time.Time) (map[string]float64, error) {
	q := t.db.Model(&stockMovementRow{}).Select("product_id, sum(quantity) AS total").Where("unit_id = ?", unitID).Group("product_id")
	if !before.IsZero() {
		q = q.Where("at < ?", before.UTC())
	}
	var sums []stockSum
	if err := q.Scan(&sums).Error; err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, s := range sums {
		out[s.ProductID] = s.Total
	}
	return out, nil
}

func (t *tx) StockMoved(unitID string, from, to time.Time) (map[string]map[string]float64, error) {
	var sums []stockSum
	err := t.db.Model(&stockMovementRow{}).Select("product_id, kind, sum(quantity) AS total").
		Where("unit_id = ? AND at >= ? AND at < ?", unitID, from.UTC(), to.UTC()).Group("product_id, kind").Scan(&sums).Error
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]float64{}
	for _, s := range sums {
		if out[s.ProductID] == nil {
			out[s.ProductID] = map[string]float64{}
		}
		out[s.ProductID][s.Kind] = s.Total
	}
	return out, nil
}

func (t *tx) CreateMissingDoseRequest(r *mar.MissingDoseRequest) error {
	return t.db.Create(&missingDoseRow{ID: r.ID, FacilityID: r.FacilityID, UnitID: r.UnitID, ResidentID: r.ResidentID, OrderID: r.OrderID,
		Note: r.Note, Status: r.Status, RequestedBy: r.RequestedBy, RequestedAt: r.RequestedAt.UTC()}).Error
}

func (t *tx) GetMissingDoseRequest(id string) (mar.MissingDoseRequest, error) {
	if !mar.ValidID(id) {
		return mar.MissingDoseRequest{}, mar.NotFound("missing-dose request", id)
	}
	var r missingDoseRow
	if err := t.db.Take(&r, "id = ?", id).Error; err != nil {
		return mar.MissingDoseRequest{}, notFound(err, "missing-dose request", id)
	}
	return r.domain(), nil
}

func (t *tx) ListMissingDoseRequests(facilityID, status string, unitIDs []string) ([]mar.MissingDoseRequest, error) {
	q := t.db.Where("facility_id = ?", facilityID).Order("requested_at, id")
	if status != "" {
		q = q.Where("status = ?", status)
	}
	if unitIDs != nil {
		var valid []string
		for _, u := range unitIDs {
			if mar.ValidID(u) {
				valid = append(valid, u)
			}
		}
		if len(valid) == 0 {
			return nil, nil
		}
		q = q.Where("unit_id IN ?", valid)
	}
	return findAll[missingDoseRow, mar.MissingDoseRequest](q)
}

func (t *tx) FulfilMissingDoseRequest(id, dispenseID, by string, at time.Time) (int64, error) {
	res := t.db.Model(&missingDoseRow{}).Where("id = ? AND status = ?", id, mar.RequestOpen).
		Updates(map[string]any{"status": mar.RequestFulfilled, "dispense_id": dispenseID, "fulfilled_by": by, "fulfilled_at": at.UTC()})
	return res.RowsAffected, res.Error
}

func (t *tx) CreateAdministrationReview(r *mar.AdministrationReview) error {
	return t.db.Create(&reviewRow{AdministrationID: r.AdministrationID, FacilityID: r.FacilityID, OrderID: r.OrderID, Reason: r.Reason,
		FlaggedAt: r.FlaggedAt.UTC(), Note: r.Note}).Error
}

func (t *tx) ListAdministrationReviews(facilityID string, open bool) ([]mar.AdministrationReview, error) {
	q := t.db.Where("facility_id = ?", facilityID).Order("flagged_at")
	if open {
		q = q.Where("reviewed_at IS NULL")
	}
	var rows []reviewRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]mar.AdministrationReview, len(rows))
	for i, r := range rows {
		out[i] = mar.AdministrationReview{AdministrationID: r.AdministrationID, FacilityID: r.FacilityID, OrderID: r.OrderID, Reason: r.Reason,
			FlaggedAt: r.FlaggedAt.UTC(), ReviewedBy: deref(r.ReviewedBy), ReviewedAt: utcPtr(r.ReviewedAt), Note: r.Note}
	}
	return out, nil
}

func (t *tx) EnqueueOutbound(m *mar.OutboundMessage) error {
	return t.db.Create(&outboundRow{ID: m.ID, FacilityID: m.FacilityID, Kind: m.Kind, RefID: m.RefID, ControlID: m.ControlID,
		Payload: m.Payload, CreatedAt: m.CreatedAt.UTC(), NextAttemptAt: m.NextAttemptAt.UTC()}).Error
}

func (t *tx) DueOutbound(now time.Time, limit int) ([]mar.OutboundMessage, error) {
	var rows []outboundRow
	if err := t.db.Where("sent_at IS NULL AND next_attempt_at <= ?", now.UTC()).Order("created_at, id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]mar.OutboundMessage, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

func (t *tx) MarkOutboundSent(id string, at time.Time) error {
	return t.db.Model(&outboundRow{}).Where("id = ? AND sent_at IS NULL", id).
		Updates(map[string]any{"sent_at": at.UTC(), "attempts": gorm.Expr("attempts + 1"), "last_error": ""}).Error
}

func (t *tx) MarkOutboundFailed(id, errText string, next time.Time) error {
	if len(errText) > 1000 {
		errText = errText[:1000]
	}
	return t.db.Model(&outboundRow{}).Where("id = ? AND sent_at IS NULL", id).
		Updates(map[string]any{"next_attempt_at": next.UTC(), "attempts": gorm.Expr("attempts + 1"), "last_error": errText}).Error
}

func (t *tx) RegulatedPRNOrders(facilityID string) ([]mar.Order, error) {
	var rows []orderRow
	err := t.db.Where("facility_id = ? AND prn = ? AND status IN ? AND product_id IN (?)", facilityID, true,
		[]string{string(mar.OrderActive), string(mar.OrderOnHold), string(mar.OrderPending)},
		t.db.Model(&productRow{}).Select("id").Where("psychotropic = ? OR antipsychotic = ?", true, true)).
		Order("start_at, id").Find(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]mar.Order, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

func (t *tx) GetAuditEvent(id string) (mar.AuditEvent, error) {
	if err := t.flushAudit(); err != nil { // read this transaction's own events too
		return mar.AuditEvent{}, err
	}
	if !mar.ValidID(id) {
		return mar.AuditEvent{}, mar.NotFound("audit event", id)
	}
	var r auditRow
	if err := t.db.Take(&r, "id = ?", id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return mar.AuditEvent{}, mar.NotFound("audit event", id)
		}
		return mar.AuditEvent{}, err
	}
	return r.domain(), nil
}

// adminExportRow reads the columns of the bedside's administrations table
// that reports and interfaces need. It is its own row type so that the
// bedside's evolving one is not constrained by these readers.
type adminExportRow struct {
	ID             string
	FacilityID     string
	ResidentID     string
	UnitID         string
	OrderID        string
	DoseID         *string
	ProductID      *string
	PerformerID    string
	WitnessID      *string
	PerformedAt    time.Time
	RecordedAt     time.Time
	DeviceTime     *time.Time
	ClockSkewed    bool
	ScannedWrist   string
	ScannedProduct string
	Keyed          bool
	KeyedReason    string
	GTIN           string `gorm:"column:gtin"`
	Lot            string
	Expiry         string
	Quantity       float64
	Amount         float64
	Unit           string
	Route          string
	Site           string
	Outcome        string
	ReasonCode     string
	ReasonText     string
	PRNIndication  string `gorm:"column:prn_indication"`
	PainScore      *int
	Late, Early    bool
	EnteredInError bool
	ErrorReason    string
	ErrorBy        *string
	ErrorAt        *time.Time
}

func (adminExportRow) TableName() string { return "administrations" }

func (t *tx) ExportAdministrations(facilityID string, q mar.AdministrationQuery) ([]mar.Administration, error) {
	if !t.db.Migrator().HasTable("administrations") {
		return nil, nil
	}
	db := t.db.Where("facility_id = ?", facilityID).Order("performed_at, id")
	if q.ID != "" {
		if !mar.ValidID(q.ID) {
			return nil, nil
		}
		db = db.Where("id = ?", q.ID)
	}
	for col, v := range map[string]string{"resident_id": q.ResidentID, "unit_id": q.UnitID, "order_id": q.OrderID, "performer_id": q.PerformerID} {
		if v != "" {
			if !mar.ValidID(v) {
				return nil, nil
			}
			db = db.Where(col+" = ?", v)
		}
	}
	if !q.From.IsZero() {
		db = db.Where("performed_at >= ?", q.From.UTC())
	}
	if !q.To.IsZero() {
		db = db.Where("performed_at < ?", q.To.UTC())
	}
	if q.Limit > 0 {
		db = db.Limit(q.Limit)
	}
	var rows []adminExportRow
	if err := db.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]mar.Administration, len(rows))
	for i, r := range rows {
		out[i] = mar.Administration{ID: r.ID, FacilityID: r.FacilityID, ResidentID: r.ResidentID, OrderID: r.OrderID, DoseID: deref(r.DoseID),
			ProductID: deref(r.ProductID), PerformerID: r.PerformerID, WitnessID: deref(r.WitnessID), PerformedAt: r.PerformedAt.UTC(),
			RecordedAt: r.RecordedAt.UTC(), DeviceTime: utcPtr(r.DeviceTime), ClockSkewed: r.ClockSkewed, ScannedWrist: r.ScannedWrist,
			ScannedProduct: r.ScannedProduct, Keyed: r.Keyed, KeyedReason: r.KeyedReason, GTIN: r.GTIN, Lot: r.Lot, Expiry: r.Expiry,
			Quantity: r.Quantity, Amount: r.Amount, Unit: r.Unit, Route: r.Route, Site: r.Site, Outcome: mar.Outcome(r.Outcome),
			ReasonCode: r.ReasonCode, ReasonText: r.ReasonText, PRNIndication: r.PRNIndication, PainScore: r.PainScore, Late: r.Late,
			Early: r.Early, EnteredInError: r.EnteredInError, ErrorReason: r.ErrorReason, ErrorBy: deref(r.ErrorBy), ErrorAt: utcPtr(r.ErrorAt)}
	}
	return out, nil
}
