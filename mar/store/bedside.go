package store

import (
	"encoding/json"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/emar-project/emar/mar"
)

// Rows of the bedside tables (migrations 00002_bedside.sql).

type bedsideContextRow struct {
	ID          string
	FacilityID  string
	UserID      string
	ResidentID  string
	ScannedCode string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	// Set when the resident was selected by hand (no wristband scan).
	ManualReason      string
	ManualIdentifiers string
}

func (bedsideContextRow) TableName() string { return "bedside_contexts" }

type administrationRow struct {
	ID                   string
	FacilityID           string
	ResidentID           string
	UnitID               string
	OrderID              string
	DoseID               *string
	ProductID            *string
	ContextID            *string
	PerformerID          string
	WitnessID            *string
	PerformedAt          time.Time
	RecordedAt           time.Time
	DeviceTime           *time.Time
	ClockSkewed          bool
	BackDocumented       bool
	BackDocumentedReason string
	ScannedWrist         string
	ScannedProduct       string
	Keyed                bool
	KeyedReason          string
	PatientKeyedReason   string
	GTIN                 string `gorm:"column:gtin"`
	Lot                  string
	Expiry               string
	Serial               string
	LotUncertain         bool
	SerialUncertain      bool
	Quantity             float64
	QuantityUnit         string
	Amount               float64
	Unit                 string
	Route                string
	Site                 string
	Patch                bool
	PRN                  bool `gorm:"column:prn"`
	Outcome              string
	ReasonCode           string
	ReasonText           string
	PRNIndication        string `gorm:"column:prn_indication"`
	PainScore            *int
	Late                 bool
	Early                bool
	Overrides            string
	LimitCrossings       string
	IdempotencyKey       string
	EnteredInError       bool
	ErrorReason          string
	ErrorBy              *string
	ErrorAt              *time.Time
}

func (administrationRow) TableName() string { return "administrations" }

type overrideJSON struct {
	Reason string `json:"reason"`
	Text   string `json:"text"`
}

type limitCrossingJSON struct {
	Limit   string   `json:"limit"`
	Reason  string   `json:"reason"`
	With    []string `json:"with"`
	Message string   `json:"message"`
}

func administrationToRow(a *mar.Administration) administrationRow {
	ov := make([]overrideJSON, len(a.Overrides))
	for i, o := range a.Overrides {
		ov[i] = overrideJSON{o.Reason, o.Text}
	}
	ovs, _ := json.Marshal(ov)
	lc := make([]limitCrossingJSON, len(a.LimitCrossings))
	for i, c := range a.LimitCrossings {
		lc[i] = limitCrossingJSON{c.Limit, c.Reason, c.With, c.Message}
	}
	lcs, _ := json.Marshal(lc)
	return administrationRow{ID: a.ID, FacilityID: a.FacilityID, ResidentID: a.ResidentID, UnitID: a.UnitID, OrderID: a.OrderID,
		DoseID: strPtr(a.DoseID), ProductID: strPtr(a.ProductID), ContextID: strPtr(a.ContextID), PerformerID: a.PerformerID,
		WitnessID: strPtr(a.WitnessID), PerformedAt: a.PerformedAt.UTC(), RecordedAt: a.RecordedAt.UTC(), DeviceTime: utcPtr(a.DeviceTime),
		ClockSkewed: a.ClockSkewed, BackDocumented: a.BackDocumented, BackDocumentedReason: a.BackDocumentedReason,
		ScannedWrist: a.ScannedWrist, ScannedProduct: a.ScannedProduct, Keyed: a.Keyed, KeyedReason: a.KeyedReason, PatientKeyedReason: a.PatientKeyedReason,
		GTIN: a.GTIN, Lot: a.Lot, Expiry: a.Expiry, Serial: a.Serial, LotUncertain: a.LotUncertain, SerialUncertain: a.SerialUncertain,
		Quantity: a.Quantity, QuantityUnit: a.QuantityUnit, Amount: a.Amount, Unit: a.Unit,
		Route: a.Route, Site: a.Site, Patch: a.Patch, PRN: a.PRN, Outcome: string(a.Outcome), ReasonCode: a.ReasonCode,
		ReasonText: a.ReasonText, PRNIndication: a.PRNIndication, PainScore: a.PainScore, Late: a.Late, Early: a.Early,
		Overrides: string(ovs), LimitCrossings: string(lcs), IdempotencyKey: a.IdempotencyKey, EnteredInError: a.EnteredInError, ErrorReason: a.ErrorReason,
		ErrorBy: strPtr(a.ErrorBy), ErrorAt: utcPtr(a.ErrorAt)}
}

func (r administrationRow) domain() mar.Administration {
	a := mar.Administration{ID: r.ID, FacilityID: r.FacilityID, ResidentID: r.ResidentID, UnitID: r.UnitID, OrderID: r.OrderID,
		DoseID: deref(r.DoseID), ProductID: deref(r.ProductID), ContextID: deref(r.ContextID), PerformerID: r.PerformerID,
		WitnessID: deref(r.WitnessID), PerformedAt: r.PerformedAt.UTC(), RecordedAt: r.RecordedAt.UTC(), DeviceTime: utcPtr(r.DeviceTime),
		ClockSkewed: r.ClockSkewed, BackDocumented: r.BackDocumented, BackDocumentedReason: r.BackDocumentedReason,
		ScannedWrist: r.ScannedWrist, ScannedProduct: r.ScannedProduct, Keyed: r.Keyed, KeyedReason: r.KeyedReason, PatientKeyedReason: r.PatientKeyedReason,
		GTIN: r.GTIN, Lot: r.Lot, Expiry: r.Expiry, Serial: r.Serial, LotUncertain: r.LotUncertain, SerialUncertain: r.SerialUncertain,
		Quantity: r.Quantity, QuantityUnit: r.QuantityUnit, Amount: r.Amount, Unit: r.Unit,
		Route: r.Route, Site: r.Site, Patch: r.Patch, PRN: r.PRN, Outcome: mar.Outcome(r.Outcome), ReasonCode: r.ReasonCode,
		ReasonText: r.ReasonText, PRNIndication: r.PRNIndication, PainScore: r.PainScore, Late: r.Late, Early: r.Early,
		IdempotencyKey: r.IdempotencyKey, EnteredInError: r.EnteredInError, ErrorReason: r.ErrorReason,
		ErrorBy: deref(r.ErrorBy), ErrorAt: utcPtr(r.ErrorAt)}
	var ov []overrideJSON
	_ = json.Unmarshal([]byte(r.Overrides), &ov)
	for _, o := range ov {
		a.Overrides = append(a.Overrides, mar.Override{Reason: o.Reason, Text: o.Text})
	}
	var lc []limitCrossingJSON
	_ = json.Unmarshal([]byte(r.LimitCrossings), &lc)
	for _, c := range lc {
		a.LimitCrossings = append(a.LimitCrossings, mar.LimitCrossing{Limit: c.Limit, Reason: c.Reason, With: c.With, Message: c.Message})
	}
	return a
}

type stockMovementRow struct {
	ID         string
	FacilityID string
	UnitID     string
	ProductID  string
	Quantity   float64
	Kind       string
	RefID      *string
	At         time.Time
	By         string `gorm:"column:by"`
}

func (stockMovementRow) TableName() string { return "stock_movements" }

type prnFollowupRow struct {
	ID               string
	FacilityID       string
	ResidentID       string
	OrderID          string
	AdministrationID string
	DueAt            time.Time
	Status           string
	DocumentedAt     *time.Time
	DocumentedBy     *string
	Result           string
	PainScore        *int
	Note             string
}

func (prnFollowupRow) TableName() string { return "prn_followups" }

func (r prnFollowupRow) domain() mar.PRNFollowup {
	return mar.PRNFollowup{ID: r.ID, FacilityID: r.FacilityID, ResidentID: r.ResidentID, OrderID: r.OrderID, AdministrationID: r.AdministrationID,
		DueAt: r.DueAt.UTC(), Status: r.Status, DocumentedAt: utcPtr(r.DocumentedAt), DocumentedBy: deref(r.DocumentedBy),
		Result: r.Result, PainScore: r.PainScore, Note: r.Note}
}

type patchRemovalRow struct {
	AdministrationID string `gorm:"primaryKey"`
	FacilityID       string
	ResidentID       string
	RemovedAt        time.Time
	RemovedBy        string
	Site             string
	Note             string
	RecordedAt       time.Time
}

func (patchRemovalRow) TableName() string { return "patch_removals" }

func (r patchRemovalRow) domain() mar.PatchRemoval {
	return mar.PatchRemoval{AdministrationID: r.AdministrationID, FacilityID: r.FacilityID, ResidentID: r.ResidentID,
		RemovedAt: r.RemovedAt.UTC(), RemovedBy: r.RemovedBy, Site: r.Site, Note: r.Note, RecordedAt: r.RecordedAt.UTC()}
}

type vitalRow struct {
	ID               string
	FacilityID       string
	ResidentID       string
	Kind             string
	Value            float64
	Unit             string
	TakenAt          time.Time
	RecordedAt       time.Time
	RecordedBy       string
	AdministrationID *string
}

func (vitalRow) TableName() string { return "vitals" }

func (r vitalRow) domain() mar.Vital {
	return mar.Vital{ID: r.ID, FacilityID: r.FacilityID, ResidentID: r.ResidentID, Kind: r.Kind, Value: r.Value, Unit: r.Unit,
		TakenAt: r.TakenAt.UTC(), RecordedAt: r.RecordedAt.UTC(), RecordedBy: r.RecordedBy, AdministrationID: deref(r.AdministrationID)}
}

type idempotencyRow struct {
	UserID       string `gorm:"primaryKey"`
	Key          string `gorm:"primaryKey"`
	RequestHash  string
	Status       int
	ResponseBody string
	CreatedAt    time.Time
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

// ClaimIdempotencyKey inserts the key with ON CONFLICT DO NOTHING. On
// PostgreSQL an uncommitted claim of the same key makes this statement
// wait until that transaction ends; after a commit the row is then read
// (READ COMMITTED takes a fresh snapshot per statement), after a rollback
// this claim goes through. SQLite has one writer, so the first claim has
// committed or rolled back before a second can start.
func (t *tx) ClaimIdempotencyKey(rec mar.IdempotencyRecord) (mar.IdempotencyRecord, bool, error) {
	row := idempotencyRow{UserID: rec.UserID, Key: rec.Key, RequestHash: rec.RequestHash, CreatedAt: rec.CreatedAt.UTC()}
	res := t.db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "user_id"}, {Name: "key"}}, DoNothing: true}).Create(&row)
	if res.Error != nil {
		return mar.IdempotencyRecord{}, false, res.Error
	}
	if res.RowsAffected == 1 {
		return rec, true, nil
	}
	var prev idempotencyRow
	if err := t.db.Take(&prev, "user_id = ? AND key = ?", rec.UserID, rec.Key).Error; err != nil {
		return mar.IdempotencyRecord{}, false, err
	}
	return mar.IdempotencyRecord{UserID: prev.UserID, Key: prev.Key, RequestHash: prev.RequestHash, Status: prev.Status,
		Body: []byte(prev.ResponseBody), CreatedAt: prev.CreatedAt.UTC()}, false, nil
}

func (t *tx) CompleteIdempotencyKey(userID, key string, status int, body []byte) error {
	res := t.db.Model(&idempotencyRow{}).Where("user_id = ? AND key = ?", userID, key).
		Updates(map[string]any{"status": status, "response_body": string(body)})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return mar.Errorf(mar.EInternal, "idempotency key %q vanished", key)
	}
	return nil
}

func (t *tx) CreateBedsideContext(c *mar.BedsideContext) error {
	return t.db.Create(&bedsideContextRow{ID: c.ID, FacilityID: c.FacilityID, UserID: c.UserID, ResidentID: c.ResidentID,
		ScannedCode: c.ScannedCode, CreatedAt: c.CreatedAt.UTC(), ExpiresAt: c.ExpiresAt.UTC(),
		ManualReason: c.ManualReason, ManualIdentifiers: strings.Join(c.ManualIdentifiers, ",")}).Error
}

func (t *tx) GetBedsideContext(id string) (mar.BedsideContext, error) {
	if !mar.ValidID(id) {
		return mar.BedsideContext{}, mar.NotFound("bedside context", id)
	}
	var r bedsideContextRow
	if err := t.db.Take(&r, "id = ?", id).Error; err != nil {
		return mar.BedsideContext{}, notFound(err, "bedside context", id)
	}
	return r.domain(), nil
}

// LockResident takes the resident row's lock for the transaction. SQLite
// transactions start IMMEDIATE on the one connection, so they are already
// serialised; the statement then only checks the row exists.
//
// On PostgreSQL the lock is FOR NO KEY UPDATE: it excludes every other
// charting transaction on the resident as FOR UPDATE would, but not the
// key-share locks that inserting a row referencing the resident takes (a
// sweep's missed-dose alerts), so charting never queues behind a sweep's
// transaction and a sweep never waits for a nurse.
func (t *tx) LockResident(id string) error {
	var r residentRow
	q := t.db.Select("id")
	if t.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "NO KEY UPDATE"})
	}
	if err := q.Take(&r, "id = ?", id).Error; err != nil {
		return notFound(err, "resident", id)
	}
	return nil
}

func (t *tx) GetDose(id string) (mar.ScheduledDose, error) {
	if !mar.ValidID(id) {
		return mar.ScheduledDose{}, mar.NotFound("dose", id)
	}
	var r doseRow
	if err := t.db.Take(&r, "id = ?", id).Error; err != nil {
		return mar.ScheduledDose{}, notFound(err, "dose", id)
	}
	return r.domain(), nil
}

// DocumentDose is the conditional update that lets exactly one writer
// document a dose: the WHERE clause re-checks the status, and on
// PostgreSQL a concurrent writer waits for the row lock and then finds the
// status changed (0 rows).
func (t *tx) DocumentDose(doseID string, from []mar.DoseStatus, to mar.DoseStatus, by string, at time.Time, adminID string) (int64, error) {
	res := t.db.Model(&doseRow{}).Where("id = ? AND status IN ?", doseID, doseStatusStrings(from)).
		Updates(map[string]any{"status": string(to), "documented_by": by, "documented_at": at.UTC(), "admin_id": adminID})
	return res.RowsAffected, res.Error
}

func (t *tx) ReopenDose(doseID, adminID string, to mar.DoseStatus) (int64, error) {
	res := t.db.Model(&doseRow{}).Where("id = ? AND admin_id = ?", doseID, adminID).
		Updates(map[string]any{"status": string(to), "documented_by": nil, "documented_at": nil, "admin_id": nil})
	return res.RowsAffected, res.Error
}

func (t *tx) CreateAdministration(a *mar.Administration) error {
	row := administrationToRow(a)
	if err := t.db.Create(&row).Error; err != nil {
		if isUnique(err) {
			return &mar.Error{Code: mar.EConflict, Reason: mar.ReasonAlreadyDocumented, Message: "this dose is already documented", Err: err}
		}
		return err
	}
	return nil
}

func (t *tx) GetAdministration(id string) (mar.Administration, error) {
	if !mar.ValidID(id) {
		return mar.Administration{}, mar.NotFound("administration", id)
	}
	var r administrationRow
	if err := t.db.Take(&r, "id = ?", id).Error; err != nil {
		return mar.Administration{}, notFound(err, "administration", id)
	}
	return r.domain(), nil
}

func (t *tx) ListAdministrations(f mar.AdministrationFilter) ([]mar.Administration, error) {
	q := t.db.Model(&administrationRow{})
	if f.ResidentID != "" {
		q = q.Where("resident_id = ?", f.ResidentID)
	}
	if !f.Since.IsZero() {
		q = q.Where("performed_at >= ?", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		q = q.Where("performed_at <= ?", f.Until.UTC())
	}
	// Literal predicates, written as the partial indexes are, so that the
	// planner can use them (a bound parameter would not match).
	if f.GivenOnly || f.UnremovedPatch {
		q = q.Where("outcome = 'given' AND entered_in_error = " + t.boolFalse())
	}
	if f.UnremovedPatch {
		q = q.Where("patch = " + t.boolTrue() + " AND NOT EXISTS (SELECT 1 FROM patch_removals pr WHERE pr.administration_id = administrations.id)")
	}
	if f.Newest {
		q = q.Order("performed_at DESC, id DESC")
	} else {
		q = q.Order("performed_at, id")
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	return findAll[administrationRow, mar.Administration](q)
}

func (t *tx) MarkEnteredInError(id, by, reason string, at time.Time) (int64, error) {
	res := t.db.Model(&administrationRow{}).Where("id = ? AND entered_in_error = ?", id, false).
		Updates(map[string]any{"entered_in_error": true, "error_reason": reason, "error_by": by, "error_at": at.UTC()})
	return res.RowsAffected, res.Error
}

func (t *tx) CreateStockMovement(m *mar.StockMovement) error {
	return t.db.Create(&stockMovementRow{ID: m.ID, FacilityID: m.FacilityID, UnitID: m.UnitID, ProductID: m.ProductID,
		Quantity: m.Quantity, Kind: m.Kind, RefID: strPtr(m.RefID), At: m.At.UTC(), By: m.By}).Error
}

func (t *tx) CreatePRNFollowup(f *mar.PRNFollowup) error {
	return t.db.Create(&prnFollowupRow{ID: f.ID, FacilityID: f.FacilityID, ResidentID: f.ResidentID, OrderID: f.OrderID, AdministrationID: f.AdministrationID,
		DueAt: f.DueAt.UTC(), Status: f.Status, DocumentedAt: utcPtr(f.DocumentedAt), DocumentedBy: strPtr(f.DocumentedBy),
		Result: f.Result, PainScore: f.PainScore, Note: f.Note}).Error
}

func (t *tx) GetPRNFollowup(administrationID string) (mar.PRNFollowup, error) {
	var r prnFollowupRow
	if err := t.db.Take(&r, "administration_id = ?", administrationID).Error; err != nil {
		return mar.PRNFollowup{}, notFound(err, "PRN follow-up", administrationID)
	}
	return r.domain(), nil
}

func (t *tx) ListPRNFollowups(ids []string) ([]mar.PRNFollowup, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []prnFollowupRow
	if err := t.db.Where("administration_id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]mar.PRNFollowup, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

func (t *tx) CompletePRNFollowup(f *mar.PRNFollowup) (int64, error) {
	res := t.db.Model(&prnFollowupRow{}).Where("administration_id = ? AND status = ?", f.AdministrationID, mar.FollowupDue).
		Updates(map[string]any{"status": f.Status, "documented_at": utcPtr(f.DocumentedAt), "documented_by": strPtr(f.DocumentedBy),
			"result": f.Result, "pain_score": f.PainScore, "note": f.Note})
	return res.RowsAffected, res.Error
}

func (t *tx) CancelPRNFollowup(administrationID, by string, at time.Time) error {
	return t.db.Model(&prnFollowupRow{}).Where("administration_id = ? AND status = ?", administrationID, mar.FollowupDue).
		Updates(map[string]any{"status": mar.FollowupCancelled, "documented_at": at.UTC(), "documented_by": by}).Error
}

func (t *tx) CreatePatchRemoval(r *mar.PatchRemoval) error {
	err := t.db.Create(&patchRemovalRow{AdministrationID: r.AdministrationID, FacilityID: r.FacilityID, ResidentID: r.ResidentID,
		RemovedAt: r.RemovedAt.UTC(), RemovedBy: r.RemovedBy, Site: r.Site, Note: r.Note, RecordedAt: r.RecordedAt.UTC()}).Error
	if err != nil && isUnique(err) {
		return &mar.Error{Code: mar.EConflict, Reason: mar.ReasonAlreadyRemoved, Message: "the patch is already documented as removed", Err: err}
	}
	return err
}

func (t *tx) ListPatchRemovals(ids []string) ([]mar.PatchRemoval, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []patchRemovalRow
	if err := t.db.Where("administration_id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]mar.PatchRemoval, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

func (t *tx) CreateVital(v *mar.Vital) error {
	return t.db.Create(&vitalRow{ID: v.ID, FacilityID: v.FacilityID, ResidentID: v.ResidentID, Kind: v.Kind, Value: v.Value, Unit: v.Unit,
		TakenAt: v.TakenAt.UTC(), RecordedAt: v.RecordedAt.UTC(), RecordedBy: v.RecordedBy, AdministrationID: strPtr(v.AdministrationID)}).Error
}

func (t *tx) LatestVitals(residentID string, kinds []string, since, until time.Time) (map[string]mar.Vital, error) {
	q := t.db.Where("resident_id = ? AND taken_at >= ? AND taken_at <= ?", residentID, since.UTC(), until.UTC())
	if len(kinds) > 0 {
		q = q.Where("kind IN ?", kinds)
	}
	var rows []vitalRow
	if err := q.Order("taken_at, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := map[string]mar.Vital{}
	for _, r := range rows {
		out[r.Kind] = r.domain()
	}
	return out, nil
}

func (t *tx) ListVitals(residentID string, since time.Time, limit int) ([]mar.Vital, error) {
	q := t.db.Where("resident_id = ?", residentID)
	if !since.IsZero() {
		q = q.Where("taken_at >= ?", since.UTC())
	}
	if limit > 0 {
		q = q.Limit(limit)
	}
	var rows []vitalRow
	if err := q.Order("taken_at DESC, id DESC").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]mar.Vital, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

func (t *tx) GetUsers(ids []string) (map[string]mar.User, error) {
	out := map[string]mar.User{}
	var valid []string
	seen := map[string]bool{}
	for _, id := range ids {
		if mar.ValidID(id) && !seen[id] {
			seen[id] = true
			valid = append(valid, id)
		}
	}
	if len(valid) == 0 {
		return out, nil
	}
	var rows []userRow
	if err := t.db.Where("id IN ?", valid).Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		// Unit assignments are not needed to show a name.
		out[r.ID] = r.domain(nil)
	}
	return out, nil
}

func (t *tx) GetProducts(ids []string) (map[string]mar.Product, error) {
	out := map[string]mar.Product{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []productRow
	if err := t.db.Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	ps, err := t.products(rows)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		out[p.ID] = p
	}
	return out, nil
}

func (t *tx) boolTrue() string {
	if t.dialect == Postgres {
		return "true"
	}
	return "1"
}

// selectAs lists model's columns of the table aliased as alias, each named
// prefix+column, for a join scanned into embedded rows.
func (t *tx) selectAs(model any, alias, prefix string) (string, error) {
	st := &gorm.Statement{DB: t.db}
	if err := st.Parse(model); err != nil {
		return "", err
	}
	cols := make([]string, len(st.Schema.DBNames))
	for i, c := range st.Schema.DBNames {
		cols[i] = alias + "." + c + " AS " + prefix + c
	}
	return strings.Join(cols, ", "), nil
}

// contextResidentRow is a bedside context joined with its resident and the
// resident's unit.
type contextResidentRow struct {
	C bedsideContextRow `gorm:"embedded;embeddedPrefix:c__"`
	R residentRow       `gorm:"embedded;embeddedPrefix:r__"`
	U unitRow           `gorm:"embedded;embeddedPrefix:u__"`
	A allergyRow        `gorm:"embedded;embeddedPrefix:a__"`
}

// GetBedsideContextResident reads a bedside context with its resident, the
// resident's unit and, when allergies is set, the resident's allergies, in
// one statement.
func (t *tx) GetBedsideContextResident(id string, allergies bool) (mar.BedsideContext, mar.Resident, mar.Unit, error) {
	if !mar.ValidID(id) {
		return mar.BedsideContext{}, mar.Resident{}, mar.Unit{}, mar.NotFound("bedside context", id)
	}
	var sel []string
	for _, m := range []struct {
		model         any
		alias, prefix string
	}{{&bedsideContextRow{}, "c", "c__"}, {&residentRow{}, "r", "r__"}, {&unitRow{}, "u", "u__"}} {
		s, err := t.selectAs(m.model, m.alias, m.prefix)
		if err != nil {
			return mar.BedsideContext{}, mar.Resident{}, mar.Unit{}, err
		}
		sel = append(sel, s)
	}
	q := "SELECT " + strings.Join(sel, ", ")
	from := " FROM bedside_contexts c JOIN residents r ON r.id = c.resident_id JOIN units u ON u.id = r.unit_id"
	if allergies {
		// One row per allergy (one with empty allergy columns for none).
		q += ", COALESCE(CAST(a.id AS TEXT), '') AS a__id, COALESCE(a.substance, '') AS a__substance, COALESCE(a.reaction, '') AS a__reaction, COALESCE(a.severity, '') AS a__severity"
		from += " LEFT JOIN allergies a ON a.resident_id = r.id"
	}
	q += from + " WHERE c.id = ?"
	if allergies {
		q += " ORDER BY a.substance"
	}
	var rows []contextResidentRow
	if err := t.db.Raw(q, id).Scan(&rows).Error; err != nil {
		return mar.BedsideContext{}, mar.Resident{}, mar.Unit{}, err
	}
	if len(rows) == 0 {
		return mar.BedsideContext{}, mar.Resident{}, mar.Unit{}, mar.NotFound("bedside context", id)
	}
	row := rows[0]
	var all []mar.Allergy
	for _, x := range rows {
		if a := x.A; a.ID != "" {
			all = append(all, mar.Allergy{ID: a.ID, ResidentID: row.R.ID, Substance: a.Substance, Reaction: a.Reaction, Severity: a.Severity})
		}
	}
	return row.C.domain(), row.R.domain(all), row.U.domain(), nil
}

func (r bedsideContextRow) domain() mar.BedsideContext {
	return mar.BedsideContext{ID: r.ID, FacilityID: r.FacilityID, UserID: r.UserID, ResidentID: r.ResidentID,
		ScannedCode: r.ScannedCode, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
		ManualReason: r.ManualReason, ManualIdentifiers: splitList(r.ManualIdentifiers)}
}

// LockAndGetResident takes the resident row's lock (FOR UPDATE on
// PostgreSQL) and answers the row as the lock found it, then reads the
// allergies in a statement of their own: after the lock wait, so that it
// sees what the transaction it waited for committed (a statement's
// snapshot is taken when it starts, before any wait).
func (t *tx) LockAndGetResident(id string) (mar.Resident, error) {
	if !mar.ValidID(id) {
		return mar.Resident{}, mar.NotFound("resident", id)
	}
	var r residentRow
	q := t.db
	if t.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Take(&r, "id = ?", id).Error; err != nil {
		return mar.Resident{}, notFound(err, "resident", id)
	}
	rs, err := t.withAllergies([]residentRow{r})
	if err != nil {
		return mar.Resident{}, err
	}
	return rs[0], nil
}

// DocumentDoseReturning is DocumentDose answering the dose as the update
// left it (UPDATE … RETURNING, one statement); ok is false when the dose
// was not in a from status (documented by another transaction first).
func (t *tx) DocumentDoseReturning(doseID string, from []mar.DoseStatus, to mar.DoseStatus, by string, at time.Time, adminID string) (mar.ScheduledDose, bool, error) {
	var rows []doseRow
	err := t.db.Raw("UPDATE scheduled_doses SET status = ?, documented_by = ?, documented_at = ?, admin_id = ? WHERE id = ? AND status IN ? RETURNING *",
		string(to), by, at.UTC(), adminID, doseID, doseStatusStrings(from)).Scan(&rows).Error
	if err != nil || len(rows) == 0 {
		return mar.ScheduledDose{}, false, err
	}
	return rows[0].domain(), true, nil
}
