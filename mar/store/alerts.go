package store

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"github.com/emar-project/emar/mar"
)

type alertRow struct {
	ID              string
	FacilityID      string
	Kind            string
	SubjectID       string
	Severity        string
	UnitID          *string
	ResidentID      *string
	DoseID          *string
	OrderID         *string
	FollowupID      *string
	Message         string
	DueAt           time.Time
	RaisedAt        time.Time
	AcknowledgedAt  *time.Time
	AcknowledgedBy  *string
	AckNote         string
	ResolvedAt      *time.Time
	ResolvedBy      *string
	ResolvedHow     string
	ResolveNote     string
	EscalationLevel int
	EscalatedAt     *time.Time
}

func (alertRow) TableName() string { return "alerts" }

func alertToRow(a *mar.Alert) alertRow {
	return alertRow{ID: a.ID, FacilityID: a.FacilityID, Kind: string(a.Kind), SubjectID: a.SubjectID, Severity: string(a.Severity),
		UnitID: strPtr(a.UnitID), ResidentID: strPtr(a.ResidentID), DoseID: strPtr(a.DoseID), OrderID: strPtr(a.OrderID),
		FollowupID: strPtr(a.FollowupID), Message: a.Message, DueAt: a.DueAt.UTC(), RaisedAt: a.RaisedAt.UTC(),
		AcknowledgedAt: utcPtr(a.AcknowledgedAt), AcknowledgedBy: strPtr(a.AcknowledgedBy), AckNote: a.AckNote,
		ResolvedAt: utcPtr(a.ResolvedAt), ResolvedBy: strPtr(a.ResolvedBy), ResolvedHow: a.ResolvedHow, ResolveNote: a.ResolveNote,
		EscalationLevel: a.EscalationLevel, EscalatedAt: utcPtr(a.EscalatedAt)}
}

func (r alertRow) domain() mar.Alert {
	return mar.Alert{ID: r.ID, FacilityID: r.FacilityID, Kind: mar.AlertKind(r.Kind), SubjectID: r.SubjectID, Severity: mar.AlertSeverity(r.Severity),
		UnitID: deref(r.UnitID), ResidentID: deref(r.ResidentID), DoseID: deref(r.DoseID), OrderID: deref(r.OrderID),
		FollowupID: deref(r.FollowupID), Message: r.Message, DueAt: r.DueAt.UTC(), RaisedAt: r.RaisedAt.UTC(),
		AcknowledgedAt: utcPtr(r.AcknowledgedAt), AcknowledgedBy: deref(r.AcknowledgedBy), AckNote: r.AckNote,
		ResolvedAt: utcPtr(r.ResolvedAt), ResolvedBy: deref(r.ResolvedBy), ResolvedHow: r.ResolvedHow, ResolveNote: r.ResolveNote,
		EscalationLevel: r.EscalationLevel, EscalatedAt: utcPtr(r.EscalatedAt)}
}

type alertEventRow struct {
	ID         int64 `gorm:"primaryKey;autoIncrement:false"`
	AlertID    string
	FacilityID string
	UnitID     *string
	Type       string
	At         time.Time
	Actor      string
	Note       string
	Level      int
}

func (alertEventRow) TableName() string { return "alert_events" }

type alertEventHeadRow struct {
	ID  int
	Seq int64
}

func (alertEventHeadRow) TableName() string { return "alert_event_head" }

type outboxRow struct {
	EventID       int64 `gorm:"primaryKey;autoIncrement:false"`
	FacilityID    string
	CreatedAt     time.Time
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	DeliveredAt   *time.Time
}

func (outboxRow) TableName() string { return "alert_outbox" }

// candidateRow is what the candidate queries select; unused columns stay
// zero.
type candidateRow struct {
	DoseID       string
	OrderID      string
	FollowupID   string
	FacilityID   string
	ResidentID   string
	UnitID       string
	DueAt        time.Time
	WindowEnd    time.Time
	DoneAt       *time.Time
	Ingredient   string
	DoseValue    float64
	DoseUnit     string
	TimeZone     string
	TimeCritical bool
	HighAlert    string
	WindowClass  string
	HoldParams   string
}

func (r candidateRow) candidate(kind mar.AlertKind, subject string) mar.AlertCandidate {
	c := mar.AlertCandidate{Kind: kind, SubjectID: subject, FacilityID: r.FacilityID, UnitID: r.UnitID, ResidentID: r.ResidentID,
		DoseID: r.DoseID, OrderID: r.OrderID, FollowupID: r.FollowupID, DueAt: r.DueAt.UTC(), WindowEnd: r.WindowEnd.UTC(),
		TimeZone: r.TimeZone, Critical: r.TimeCritical || (r.HighAlert != "" && r.HighAlert != string(mar.HighAlertNone)) || r.WindowClass == "time_critical"}
	if r.DoneAt != nil {
		c.DoneAt = r.DoneAt.UTC()
	}
	c.Medication = r.Ingredient
	switch {
	case r.DoseValue > 0:
		c.Medication += " " + strconv.FormatFloat(r.DoseValue, 'f', -1, 64) + " " + r.DoseUnit
	case r.Ingredient != "":
		c.Medication += " (sliding scale)"
	}
	return c
}

// doseColumns are the columns of a dose candidate: the dose, its order's
// medication, the unit's zone and the product's criticality.
const doseColumns = `d.id AS dose_id, d.order_id, d.facility_id, d.resident_id, d.unit_id, d.due_at, d.window_end,
	o.ingredient, o.dose_value, o.dose_unit, o.window_class, o.hold_params, u.time_zone,
	COALESCE(p.time_critical, %[1]s) AS time_critical, COALESCE(p.high_alert, 'none') AS high_alert`

const doseJoins = `FROM scheduled_doses d
	JOIN orders o ON o.id = d.order_id
	JOIN units u ON u.id = d.unit_id
	LEFT JOIN products p ON p.id = o.product_id`

func (t *tx) boolFalse() string {
	if t.dialect == Postgres {
		return "false"
	}
	return "0"
}

// sweepMissedLock is the advisory lock key that keeps the missed-dose
// step of sweepers on several replicas apart.
const sweepMissedLock = 17017002

// OverdueDoses walks the partial index scheduled_doses_open, so its cost
// follows the open doses, not the history. It locks no dose: a nurse
// charting one must not wait for the sweep's transaction. On PostgreSQL
// replicas are kept apart by a transaction-scoped advisory lock (the one
// that does not get it finds nothing this time); MarkDosesMissed then
// skips any dose a nurse holds. SQLite has one writer, so the conditional
// update in MarkDosesMissed is enough.
func (t *tx) OverdueDoses(now time.Time, limit int) ([]mar.AlertCandidate, error) {
	if t.dialect == Postgres {
		var got bool
		if err := t.db.Raw("SELECT pg_try_advisory_xact_lock(?)", sweepMissedLock).Scan(&got).Error; err != nil {
			return nil, err
		}
		if !got {
			return nil, nil // another replica is marking this batch
		}
	}
	q := `SELECT ` + fmt.Sprintf(doseColumns, t.boolFalse()) + ` ` + doseJoins + `
	WHERE d.status = 'scheduled' AND d.window_end < ?
	ORDER BY d.window_end LIMIT ?`
	var rows []candidateRow
	if err := t.db.Raw(q, now.UTC(), limit).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]mar.AlertCandidate, len(rows))
	for i, r := range rows {
		out[i] = r.candidate(mar.AlertMissed, r.DoseID)
	}
	return out, nil
}

func (t *tx) MarkDosesMissed(ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	q := `UPDATE scheduled_doses SET status = 'missed' WHERE status = 'scheduled' AND id IN ? RETURNING id`
	if t.dialect == Postgres {
		q = `UPDATE scheduled_doses SET status = 'missed' WHERE status = 'scheduled' AND id IN
			(SELECT id FROM scheduled_doses WHERE id IN ? FOR UPDATE SKIP LOCKED) RETURNING id`
	}
	var moved []string
	err := t.db.Raw(q, ids).Scan(&moved).Error
	return moved, err
}

// hasTable tells whether a table of another capability is in the schema
// yet, so alert kinds that need it can wait for its migration.
func (t *tx) hasTable(name string) bool {
	return t.db.Migrator().HasTable(name)
}

func (t *tx) FindAlertCandidates(kind mar.AlertKind, q mar.CandidateQuery) ([]mar.AlertCandidate, error) {
	if q.Limit <= 0 {
		q.Limit = 500
	}
	noAlert := func(subject string) string {
		return ` AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.kind = '` + string(kind) + `' AND a.subject_id = ` + subject + `)`
	}
	cols := fmt.Sprintf(doseColumns, t.boolFalse())
	var sql string
	var args []any
	switch kind {
	case mar.AlertLate:
		// The documented_at index keeps this to the look-back period.
		sql = `SELECT ` + cols + `, d.documented_at AS done_at ` + doseJoins + `
		WHERE d.documented_at IS NOT NULL AND d.documented_at >= ? AND d.status = 'given' AND d.documented_at > d.window_end` +
			noAlert("d.id") + ` ORDER BY d.documented_at LIMIT ?`
		args = []any{q.Since.UTC(), q.Limit}
	case mar.AlertDueSoon:
		// Bounding window_end lets the partial open-dose index do the work;
		// no window is longer than a day.
		sql = `SELECT ` + cols + ` ` + doseJoins + `
		WHERE d.status = 'scheduled' AND d.window_end >= ? AND d.window_end < ? AND d.due_at <= ?` +
			noAlert("d.id") + ` ORDER BY d.window_end LIMIT ?`
		args = []any{q.Now.UTC(), q.Until.Add(24 * time.Hour).UTC(), q.Until.UTC(), q.Limit}
	case mar.AlertVerificationOverdue:
		sql = `SELECT o.id AS order_id, o.facility_id, o.resident_id, r.unit_id, o.created_at AS due_at,
			o.ingredient, o.dose_value, o.dose_unit, u.time_zone
		FROM orders o JOIN residents r ON r.id = o.resident_id JOIN units u ON u.id = r.unit_id
		WHERE o.status = 'pending_verification' AND o.created_at < ?` + noAlert("o.id") + ` ORDER BY o.created_at LIMIT ?`
		args = []any{q.Before.UTC(), q.Limit}
	case mar.AlertPRNFollowupOverdue:
		if !t.hasTable("prn_followups") {
			return nil, nil
		}
		sql = prnFollowupCandidates + noAlert("f.id") + ` ORDER BY f.due_at LIMIT ?`
		args = []any{q.Now.UTC(), q.Limit}
	case mar.AlertVitalsMissing:
		return t.vitalsCandidates(q, cols, noAlert("d.id"))
	default:
		return nil, fmt.Errorf("unknown alert kind %q", kind)
	}
	var rows []candidateRow
	if err := t.db.Raw(sql, args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]mar.AlertCandidate, len(rows))
	for i, r := range rows {
		subject := r.DoseID
		switch kind {
		case mar.AlertVerificationOverdue:
			subject = r.OrderID
		case mar.AlertPRNFollowupOverdue:
			subject = r.FollowupID
		}
		out[i] = r.candidate(kind, subject)
	}
	return out, nil
}

// prnFollowupCandidates selects PRN effectiveness follow-ups past due and
// not documented (table prn_followups of the bedside capability).
const prnFollowupCandidates = `SELECT f.id AS followup_id, f.order_id, r.facility_id, f.resident_id, r.unit_id, f.due_at,
		o.ingredient, o.dose_value, o.dose_unit, u.time_zone
	FROM prn_followups f JOIN residents r ON r.id = f.resident_id JOIN units u ON u.id = r.unit_id
	LEFT JOIN orders o ON o.id = f.order_id
	WHERE f.documented_at IS NULL AND f.due_at < ?`

// vitalsCandidates finds doses due now whose order has hold parameters
// and whose resident has no reading of a needed vital sign recently.
func (t *tx) vitalsCandidates(q mar.CandidateQuery, cols, noAlert string) ([]mar.AlertCandidate, error) {
	if !t.hasTable("vitals") {
		return nil, nil
	}
	sql := `SELECT ` + cols + ` ` + doseJoins + `
	WHERE d.status = 'scheduled' AND d.window_end >= ? AND d.window_end < ? AND d.window_start <= ? AND o.hold_params <> '[]'` +
		noAlert + ` ORDER BY d.window_end LIMIT ?`
	var rows []candidateRow
	if err := t.db.Raw(sql, q.Now.UTC(), q.Now.Add(24*time.Hour).UTC(), q.Now.UTC(), q.Limit).Scan(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	recent, err := t.recentVitals(rows, q.Since)
	if err != nil {
		return nil, err
	}
	var out []mar.AlertCandidate
	for _, r := range rows {
		if missing := missingVitals(r, recent); len(missing) > 0 {
			c := r.candidate(mar.AlertVitalsMissing, r.DoseID)
			c.Vital = strings.Join(missing, ", ")
			out = append(out, c)
		}
	}
	return out, nil
}

// recentVitals returns resident id → vital kinds read since.
func (t *tx) recentVitals(rows []candidateRow, since time.Time) (map[string]map[string]bool, error) {
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.ResidentID)
	}
	var got []struct {
		ResidentID string
		Kind       string
	}
	if err := t.db.Raw(recentVitalsSQL, ids, since.UTC()).Scan(&got).Error; err != nil {
		return nil, err
	}
	out := map[string]map[string]bool{}
	for _, g := range got {
		if out[g.ResidentID] == nil {
			out[g.ResidentID] = map[string]bool{}
		}
		out[g.ResidentID][g.Kind] = true
	}
	return out, nil
}

// recentVitalsSQL reads the bedside capability's vitals table.
const recentVitalsSQL = `SELECT DISTINCT resident_id, kind FROM vitals WHERE resident_id IN ? AND taken_at >= ?`

func missingVitals(r candidateRow, recent map[string]map[string]bool) []string {
	var holds []mar.HoldParam
	_ = json.Unmarshal([]byte(r.HoldParams), &holds)
	var missing []string
	seen := map[string]bool{}
	for _, h := range holds {
		if seen[h.Vital] {
			continue
		}
		seen[h.Vital] = true
		if !recent[r.ResidentID][h.Vital] {
			missing = append(missing, h.Vital)
		}
	}
	return missing
}

// SettledAlerts looks only at unresolved alerts (partial index
// alerts_unresolved) and asks each kind's subject whether it still needs
// the alert.
func (t *tx) SettledAlerts(now, vitalsSince time.Time, limit int) ([]mar.AlertSettlement, error) {
	var out []mar.AlertSettlement
	var doseAlerts []struct {
		ID     string
		Kind   string
		Status string
	}
	err := t.db.Raw(`SELECT a.id, a.kind, d.status FROM alerts a JOIN scheduled_doses d ON d.id = a.dose_id
		WHERE a.resolved_at IS NULL AND a.kind IN ('missed','due_soon','vitals_missing')
		AND d.status <> 'scheduled' AND NOT (a.kind = 'missed' AND d.status = 'missed')
		ORDER BY a.raised_at LIMIT ?`, limit).Scan(&doseAlerts).Error
	if err != nil {
		return nil, err
	}
	for _, a := range doseAlerts {
		if how, ok := mar.SettlementFor(mar.AlertKind(a.Kind), mar.DoseStatus(a.Status)); ok {
			out = append(out, mar.AlertSettlement{AlertID: a.ID, How: how})
		}
	}
	var ids []string
	if err := t.db.Raw(`SELECT a.id FROM alerts a JOIN orders o ON o.id = a.order_id
		WHERE a.resolved_at IS NULL AND a.kind = 'verification_overdue' AND o.status <> 'pending_verification'
		ORDER BY a.raised_at LIMIT ?`, limit).Scan(&ids).Error; err != nil {
		return nil, err
	}
	for _, id := range ids {
		out = append(out, mar.AlertSettlement{AlertID: id, How: mar.ResolvedVerified})
	}
	if t.hasTable("prn_followups") {
		ids = nil
		if err := t.db.Raw(`SELECT a.id FROM alerts a JOIN prn_followups f ON f.id = a.followup_id
			WHERE a.resolved_at IS NULL AND a.kind = 'prn_followup_overdue' AND f.documented_at IS NOT NULL
			ORDER BY a.raised_at LIMIT ?`, limit).Scan(&ids).Error; err != nil {
			return nil, err
		}
		for _, id := range ids {
			out = append(out, mar.AlertSettlement{AlertID: id, How: mar.ResolvedDocumented})
		}
	}
	if t.hasTable("vitals") {
		var rows []candidateRow
		var alertIDs []string
		if err := t.db.Raw(`SELECT a.id AS followup_id, d.resident_id, o.hold_params FROM alerts a
			JOIN scheduled_doses d ON d.id = a.dose_id JOIN orders o ON o.id = d.order_id
			WHERE a.resolved_at IS NULL AND a.kind = 'vitals_missing' AND d.status = 'scheduled'
			ORDER BY a.raised_at LIMIT ?`, limit).Scan(&rows).Error; err != nil {
			return nil, err
		}
		if len(rows) > 0 {
			recent, err := t.recentVitals(rows, vitalsSince)
			if err != nil {
				return nil, err
			}
			for _, r := range rows {
				if len(missingVitals(r, recent)) == 0 {
					alertIDs = append(alertIDs, r.FollowupID) // the alert id, carried in a spare column
				}
			}
		}
		for _, id := range alertIDs {
			out = append(out, mar.AlertSettlement{AlertID: id, How: mar.ResolvedVitals})
		}
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (t *tx) EscalationCandidates(before []time.Time, limit int) ([]mar.Alert, error) {
	if len(before) == 0 {
		return nil, nil
	}
	var conds []string
	var args []any
	for level, b := range before {
		if level == 0 {
			conds = append(conds, "(escalation_level = 0 AND raised_at <= ?)")
		} else {
			conds = append(conds, fmt.Sprintf("(escalation_level = %d AND escalated_at <= ?)", level))
		}
		args = append(args, b.UTC())
	}
	var rows []alertRow
	err := t.db.Where("resolved_at IS NULL AND acknowledged_at IS NULL AND severity <> 'info'").
		Where(strings.Join(conds, " OR "), args...).Order("raised_at, id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]mar.Alert, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

func (t *tx) InsertAlert(a *mar.Alert) (bool, error) {
	row := alertToRow(a)
	res := t.db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "kind"}, {Name: "subject_id"}}, DoNothing: true}).Create(&row)
	if res.Error != nil {
		return false, res.Error
	}
	return res.RowsAffected == 1, nil
}

func (t *tx) GetAlert(id string) (mar.Alert, error) {
	if !mar.ValidID(id) {
		return mar.Alert{}, mar.NotFound("alert", id)
	}
	var r alertRow
	if err := t.db.Take(&r, "id = ?", id).Error; err != nil {
		return mar.Alert{}, notFound(err, "alert", id)
	}
	return r.domain(), nil
}

func alertKindStrings(k []mar.AlertKind) []string {
	out := make([]string, len(k))
	for i, v := range k {
		out[i] = string(v)
	}
	return out
}

func (t *tx) ListAlerts(f mar.AlertFilter) ([]mar.Alert, error) {
	q := t.db.Order("raised_at DESC, id DESC").Where("facility_id = ?", f.FacilityID)
	if len(f.UnitIDs) > 0 {
		q = q.Where("unit_id IN ?", f.UnitIDs)
	}
	if len(f.Kinds) > 0 {
		q = q.Where("kind IN ?", alertKindStrings(f.Kinds))
	}
	switch f.Status {
	case mar.AlertOpen:
		q = q.Where("resolved_at IS NULL AND acknowledged_at IS NULL")
	case mar.AlertAcknowledged:
		q = q.Where("resolved_at IS NULL AND acknowledged_at IS NOT NULL")
	case mar.AlertResolved:
		q = q.Where("resolved_at IS NOT NULL")
	case mar.AlertActive:
		q = q.Where("resolved_at IS NULL")
	}
	if !f.From.IsZero() {
		q = q.Where("raised_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("raised_at < ?", f.To.UTC())
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	return findAll[alertRow, mar.Alert](q)
}

func (t *tx) AcknowledgeAlert(id, by string, at time.Time, note string) (bool, error) {
	res := t.db.Model(&alertRow{}).Where("id = ? AND acknowledged_at IS NULL AND resolved_at IS NULL", id).
		Updates(map[string]any{"acknowledged_at": at.UTC(), "acknowledged_by": by, "ack_note": note})
	return res.RowsAffected == 1, res.Error
}

func (t *tx) ResolveAlert(id, by string, at time.Time, how, note string) (bool, error) {
	res := t.db.Model(&alertRow{}).Where("id = ? AND resolved_at IS NULL", id).
		Updates(map[string]any{"resolved_at": at.UTC(), "resolved_by": by, "resolved_how": how, "resolve_note": note})
	return res.RowsAffected == 1, res.Error
}

func (t *tx) EscalateAlert(id string, from, to int, at time.Time) (bool, error) {
	res := t.db.Model(&alertRow{}).Where("id = ? AND escalation_level = ? AND acknowledged_at IS NULL AND resolved_at IS NULL", id, from).
		Updates(map[string]any{"escalation_level": to, "escalated_at": at.UTC()})
	return res.RowsAffected == 1, res.Error
}

// AppendAlertEvent takes the next id from the locked head row (as the
// audit chain does), so ids are dense and become visible in order.
func (t *tx) AppendAlertEvent(e *mar.AlertEvent, outbox bool) error {
	var head alertEventHeadRow
	if err := t.db.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&head, "id = 1").Error; err != nil {
		return err
	}
	e.ID = head.Seq + 1
	e.At = e.At.UTC().Truncate(time.Microsecond)
	row := alertEventRow{ID: e.ID, AlertID: e.AlertID, FacilityID: e.FacilityID, UnitID: strPtr(e.UnitID), Type: string(e.Type),
		At: e.At, Actor: e.Actor, Note: e.Note, Level: e.Level}
	if err := t.db.Create(&row).Error; err != nil {
		return err
	}
	if err := t.db.Model(&alertEventHeadRow{}).Where("id = 1").Update("seq", e.ID).Error; err != nil {
		return err
	}
	if !outbox {
		return nil
	}
	return t.db.Create(&outboxRow{EventID: e.ID, FacilityID: e.FacilityID, CreatedAt: e.At, NextAttemptAt: e.At}).Error
}

func (t *tx) ListAlertEvents(f mar.AlertEventFilter) ([]mar.AlertEvent, error) {
	q := t.db.Table("alert_events e").Select("e.*").Where("e.id > ?", f.AfterID).Order("e.id")
	if f.FacilityID != "" {
		q = q.Where("e.facility_id = ?", f.FacilityID)
	}
	if f.UnitID != "" {
		q = q.Where("e.unit_id = ?", f.UnitID)
	}
	if len(f.Kinds) > 0 {
		q = q.Where("EXISTS (SELECT 1 FROM alerts a WHERE a.id = e.alert_id AND a.kind IN ?)", alertKindStrings(f.Kinds))
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	var rows []alertEventRow
	if err := q.Scan(&rows).Error; err != nil {
		return nil, err
	}
	return t.withAlerts(rows)
}

func (t *tx) withAlerts(rows []alertEventRow) ([]mar.AlertEvent, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.AlertID)
	}
	var alerts []alertRow
	if err := t.db.Where("id IN ?", ids).Find(&alerts).Error; err != nil {
		return nil, err
	}
	byID := make(map[string]mar.Alert, len(alerts))
	for _, a := range alerts {
		byID[a.ID] = a.domain()
	}
	out := make([]mar.AlertEvent, len(rows))
	for i, r := range rows {
		out[i] = mar.AlertEvent{ID: r.ID, AlertID: r.AlertID, FacilityID: r.FacilityID, UnitID: deref(r.UnitID), Type: mar.AlertEventType(r.Type),
			At: r.At.UTC(), Actor: r.Actor, Note: r.Note, Level: r.Level, Alert: byID[r.AlertID]}
	}
	return out, nil
}

// ClaimOutbox leases due items with one statement. On PostgreSQL the inner
// select skips rows another replica is claiming at the same moment.
func (t *tx) ClaimOutbox(now, leaseUntil time.Time, limit int) ([]mar.OutboxItem, error) {
	inner := `SELECT event_id FROM alert_outbox WHERE delivered_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at, event_id LIMIT ?`
	if t.dialect == Postgres {
		inner += ` FOR UPDATE SKIP LOCKED`
	}
	var claimed []struct {
		EventID  int64
		Attempts int
	}
	err := t.db.Raw(`UPDATE alert_outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE event_id IN (`+inner+`) RETURNING event_id, attempts`,
		leaseUntil.UTC(), now.UTC(), limit).Scan(&claimed).Error
	if err != nil || len(claimed) == 0 {
		return nil, err
	}
	ids := make([]int64, len(claimed))
	attempts := map[int64]int{}
	for i, c := range claimed {
		ids[i] = c.EventID
		attempts[c.EventID] = c.Attempts
	}
	var rows []alertEventRow
	if err := t.db.Where("id IN ?", ids).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	events, err := t.withAlerts(rows)
	if err != nil {
		return nil, err
	}
	out := make([]mar.OutboxItem, len(events))
	for i, e := range events {
		out[i] = mar.OutboxItem{EventID: e.ID, Attempts: attempts[e.ID], Event: e}
	}
	return out, nil
}

func (t *tx) MarkOutboxDelivered(eventID int64, at time.Time) error {
	return t.db.Model(&outboxRow{}).Where("event_id = ?", eventID).Updates(map[string]any{"delivered_at": at.UTC(), "last_error": ""}).Error
}

func (t *tx) MarkOutboxFailed(eventID int64, next time.Time, errText string) error {
	if len(errText) > 1000 {
		errText = errText[:1000]
	}
	return t.db.Model(&outboxRow{}).Where("event_id = ? AND delivered_at IS NULL", eventID).
		Updates(map[string]any{"next_attempt_at": next.UTC(), "last_error": errText}).Error
}

// ReportDoses reads the doses of the report with who documented them and,
// once the bedside capability's administrations table exists, how they
// were scanned.
func (t *tx) ReportDoses(f mar.DoseReportFilter) ([]mar.DoseReportRow, error) {
	scan := t.hasTable("administrations")
	cols := `d.id AS dose_id, d.unit_id, u.code AS unit_code, u.time_zone, d.due_at, d.window_end, d.status,
		d.documented_at, d.documented_by, COALESCE(us.display_name, '') AS nurse_name, o.ingredient AS medication`
	joins := ` FROM scheduled_doses d JOIN units u ON u.id = d.unit_id JOIN orders o ON o.id = d.order_id
		LEFT JOIN users us ON us.id = d.documented_by`
	if scan {
		cols += reportScanColumns
		joins += ` LEFT JOIN administrations ad ON ad.id = d.admin_id`
	}
	q := t.db.Raw(`SELECT `+cols+joins+` WHERE d.facility_id = ? AND d.due_at >= ? AND d.due_at < ?`+unitClause(f.UnitIDs)+` ORDER BY d.due_at, d.id`,
		reportArgs(f)...)
	var rows []struct {
		DoseID         string
		UnitID         string
		UnitCode       string
		TimeZone       string
		DueAt          time.Time
		WindowEnd      time.Time
		Status         string
		DocumentedAt   *time.Time
		DocumentedBy   *string
		NurseName      string
		Medication     string
		AdminID        *string
		Keyed          *bool
		ScannedWrist   *string
		ScannedProduct *string
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]mar.DoseReportRow, len(rows))
	for i, r := range rows {
		out[i] = mar.DoseReportRow{DoseID: r.DoseID, UnitID: r.UnitID, UnitCode: r.UnitCode, TimeZone: r.TimeZone, DueAt: r.DueAt.UTC(),
			WindowEnd: r.WindowEnd.UTC(), Status: mar.DoseStatus(r.Status), DocumentedAt: utcPtr(r.DocumentedAt),
			DocumentedBy: deref(r.DocumentedBy), NurseName: r.NurseName, Medication: r.Medication}
		if r.AdminID != nil {
			out[i].HasScanInfo = true
			out[i].Keyed = r.Keyed != nil && *r.Keyed
			out[i].ScannedWrist = deref(r.ScannedWrist) != ""
			out[i].ScannedProduct = deref(r.ScannedProduct) != ""
		}
	}
	return out, nil
}

// reportScanColumns reads the bedside capability's administrations table.
const reportScanColumns = `, ad.id AS admin_id, ad.keyed, ad.scanned_wrist, ad.scanned_product`

func unitClause(units []string) string {
	if len(units) == 0 {
		return ""
	}
	return ` AND d.unit_id IN ?`
}

func reportArgs(f mar.DoseReportFilter) []any {
	args := []any{f.FacilityID, f.From.UTC(), f.To.UTC()}
	if len(f.UnitIDs) > 0 {
		args = append(args, f.UnitIDs)
	}
	return args
}
