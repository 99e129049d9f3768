package store

import (
	"errors"
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
