package store

import (
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/emar-project/emar/mar"
)

func (t *tx) LoginFailed(userID string, threshold int, lockUntil time.Time) (int, error) {
	if err := t.db.Exec("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?", userID).Error; err != nil {
		return 0, err
	}
	var n int
	if err := t.db.Raw("SELECT failed_logins FROM users WHERE id = ?", userID).Scan(&n).Error; err != nil {
		return 0, err
	}
	if n >= threshold {
		if err := t.db.Exec("UPDATE users SET locked_until = ?, failed_logins = 0 WHERE id = ?", lockUntil.UTC(), userID).Error; err != nil {
			return 0, err
		}
	}
	return n, nil
}

func (t *tx) LoginSucceeded(userID string) error {
	return t.db.Exec("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?", userID).Error
}

func (t *tx) LockedUntil(userID string) (time.Time, error) {
	var row struct{ LockedUntil *time.Time }
	if err := t.db.Raw("SELECT locked_until FROM users WHERE id = ?", userID).Scan(&row).Error; err != nil {
		return time.Time{}, err
	}
	if row.LockedUntil == nil {
		return time.Time{}, nil
	}
	return row.LockedUntil.UTC(), nil
}

type breakGlassRow struct {
	ID         string
	FacilityID string
	UserID     string
	ResidentID *string
	Reason     string
	StartedAt  time.Time
	ExpiresAt  time.Time
	EndedAt    *time.Time
}

func (breakGlassRow) TableName() string { return "break_glass" }

func (t *tx) CreateBreakGlass(g *mar.BreakGlass) error {
	return t.db.Create(&breakGlassRow{ID: g.ID, FacilityID: g.FacilityID, UserID: g.UserID, ResidentID: strPtr(g.ResidentID),
		Reason: g.Reason, StartedAt: g.StartedAt.UTC(), ExpiresAt: g.ExpiresAt.UTC()}).Error
}

func (t *tx) ActiveBreakGlass(userID string, at time.Time) (mar.BreakGlass, error) {
	var r breakGlassRow
	err := t.db.Where("user_id = ? AND started_at <= ? AND expires_at > ? AND ended_at IS NULL", userID, at.UTC(), at.UTC()).
		Order("expires_at DESC").Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return mar.BreakGlass{}, mar.NotFound("break-glass grant", userID)
	}
	if err != nil {
		return mar.BreakGlass{}, err
	}
	return mar.BreakGlass{ID: r.ID, FacilityID: r.FacilityID, UserID: r.UserID, ResidentID: deref(r.ResidentID), Reason: r.Reason,
		StartedAt: r.StartedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), EndedAt: utcPtr(r.EndedAt)}, nil
}

func (t *tx) EndBreakGlass(id string, at time.Time) error {
	return t.db.Model(&breakGlassRow{}).Where("id = ? AND ended_at IS NULL", id).Update("ended_at", at.UTC()).Error
}

func (t *tx) ListAudit(f mar.AuditFilter) ([]mar.AuditEvent, error) {
	if err := t.flushAudit(); err != nil { // read this transaction's own events too
		return nil, err
	}
	q := t.db.Model(&auditRow{})
	if f.FacilityID != "" {
		q = q.Where("facility_id IN ?", []string{f.FacilityID, ""})
	}
	if f.ResidentID != "" {
		q = q.Where("resident_id = ?", f.ResidentID)
	}
	if f.UserID != "" {
		q = q.Where("user_id = ?", f.UserID)
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			q = q.Where(`action LIKE ? ESCAPE '\'`, escapeLike(f.Action)+"%")
		} else {
			q = q.Where("action = ?", f.Action)
		}
	}
	if f.ObjectType != "" {
		q = q.Where("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != "" {
		q = q.Where("object_id = ?", f.ObjectID)
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To.UTC())
	}
	if f.Descending {
		if f.AfterSeq > 0 {
			q = q.Where("seq < ?", f.AfterSeq)
		}
		q = q.Order("seq DESC")
	} else {
		q = q.Where("seq > ?", f.AfterSeq).Order("seq")
	}
	limit := f.Limit
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	var rows []auditRow
	if err := q.Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]mar.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// escapeLike keeps a user's % and _ literal in a LIKE prefix.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (t *tx) SetTOTPSecret(userID, secret string) error {
	return t.db.Exec("UPDATE users SET totp_secret = ? WHERE id = ?", secret, userID).Error
}

func (t *tx) TOTPSecret(userID string) (string, error) {
	var row struct{ TOTPSecret string }
	err := t.db.Raw("SELECT totp_secret AS totp_secret FROM users WHERE id = ?", userID).Scan(&row).Error
	return row.TOTPSecret, err
}

func (t *tx) NameFailed(username string, threshold int, lockUntil time.Time) (int, error) {
	if err := t.db.Exec(`INSERT INTO sign_in_throttle (username, failures) VALUES (?, 1)
		ON CONFLICT (username) DO UPDATE SET failures = sign_in_throttle.failures + 1`, username).Error; err != nil {
		return 0, err
	}
	var n int
	if err := t.db.Raw("SELECT failures FROM sign_in_throttle WHERE username = ?", username).Scan(&n).Error; err != nil {
		return 0, err
	}
	if n >= threshold {
		if err := t.db.Exec("UPDATE sign_in_throttle SET locked_until = ?, failures = 0 WHERE username = ?", lockUntil.UTC(), username).Error; err != nil {
			return 0, err
		}
	}
	return n, nil
}

func (t *tx) NameLockedUntil(username string) (time.Time, error) {
	var row struct{ LockedUntil *time.Time }
	if err := t.db.Raw("SELECT locked_until FROM sign_in_throttle WHERE username = ?", username).Scan(&row).Error; err != nil {
		return time.Time{}, err
	}
	if row.LockedUntil == nil {
		return time.Time{}, nil
	}
	return row.LockedUntil.UTC(), nil
}

func (t *tx) LockAccounts() error {
	if t.dialect != Postgres {
		return nil // SQLite transactions are immediate: writers are serialised
	}
	return t.db.Exec("SELECT pg_advisory_xact_lock(17017001)").Error
}

func (t *tx) CountSignInAccounts() (int64, error) {
	var n int64
	err := t.db.Raw("SELECT count(*) FROM users WHERE active AND password_hash <> '!'").Scan(&n).Error
	return n, err
}

func (t *tx) UpdateUser(u *mar.User) error {
	res := t.db.Model(&userRow{}).Where("id = ?", u.ID).Updates(map[string]any{
		"display_name": u.DisplayName, "role": string(u.Role), "password_hash": u.PasswordHash, "active": u.Active, "language": u.Language})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return mar.NotFound("user", u.ID)
	}
	if err := t.db.Where("user_id = ?", u.ID).Delete(&userUnitRow{}).Error; err != nil {
		return err
	}
	for _, unit := range u.UnitIDs {
		if err := t.db.Create(&userUnitRow{UserID: u.ID, UnitID: unit}).Error; err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) SetRecoveryCodes(userID string, hashes []string) error {
	if err := t.db.Exec("DELETE FROM recovery_codes WHERE user_id = ?", userID).Error; err != nil {
		return err
	}
	for _, h := range hashes {
		if err := t.db.Exec("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)", userID, h).Error; err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) UseRecoveryCode(userID, hash string, at time.Time) (bool, error) {
	res := t.db.Exec("UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL", at.UTC(), userID, hash)
	return res.RowsAffected == 1, res.Error
}

func (t *tx) RevokeOtherSessions(userID, keep string, at time.Time) (int64, error) {
	res := t.db.Exec("UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND id <> ? AND revoked_at IS NULL", at.UTC(), userID, keep)
	return res.RowsAffected, res.Error
}

func (t *tx) CountSignInAttempt(address string, window, forgetBefore time.Time) (int, error) {
	var n int
	err := t.db.Raw(`INSERT INTO sign_in_rate (address, window_start, attempts) VALUES (?, ?, 1)
		ON CONFLICT (address, window_start) DO UPDATE SET attempts = sign_in_rate.attempts + 1
		RETURNING attempts`, address, window.UTC()).Scan(&n).Error
	if err != nil {
		return 0, err
	}
	if n == 1 {
		if err := t.db.Exec("DELETE FROM sign_in_rate WHERE window_start < ?", forgetBefore.UTC()).Error; err != nil {
			return 0, err
		}
	}
	return n, nil
}
