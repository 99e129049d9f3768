package store

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/emar-project/emar/mar"
)

// sessionCheckRow is a session with its account, read in one statement.
type sessionCheckRow struct {
	SessionID        string
	TokenHash        string
	UserID           string
	Kind             string
	SessionCreatedAt time.Time
	LastSeenAt       time.Time
	ExpiresAt        time.Time
	RevokedAt        *time.Time
	CSRFToken        string `gorm:"column:csrf_token"`
	Touched          int
	FacilityID       string
	Username         string
	DisplayName      string
	Role             string
	PasswordHash     string
	BadgeID          *string
	PINHash          string `gorm:"column:pin_hash"`
	Active           bool
	Language         string
	UserCreatedAt    time.Time
	TOTPSecret       string `gorm:"column:totp_secret"`
	UnitIDs          string
}

// sessionColumns are the session's and its account's columns; the units
// come as one comma-separated list (unit ids are UUIDs, no commas).
const sessionColumns = `s.id AS session_id, s.token_hash, s.user_id, s.kind, s.created_at AS session_created_at,
	s.last_seen_at, s.expires_at, s.revoked_at, s.csrf_token,
	u.facility_id, u.username, u.display_name, u.role, u.password_hash, u.badge_id, u.pin_hash, u.active,
	u.language, u.created_at AS user_created_at, u.totp_secret`

// checkSessionPG reads and, when due, touches in one statement: the
// UPDATE in the WITH clause sees the same snapshot as the SELECT, which
// therefore answers the session as it was before the touch. A concurrent
// touch by another replica makes PostgreSQL re-check the WHERE on the
// newer row (READ COMMITTED), so last-seen never moves backwards.
const checkSessionPG = `WITH s AS (
	SELECT * FROM sessions WHERE token_hash = @hash
), touched AS (
	UPDATE sessions SET last_seen_at = @now
	WHERE id = (SELECT id FROM s) AND revoked_at IS NULL AND expires_at > @now
		AND last_seen_at < @touch_before AND (kind <> 'web' OR last_seen_at >= @idle_after)
	RETURNING 1
)
SELECT ` + sessionColumns + `, (SELECT count(*) FROM touched) AS touched,
	COALESCE((SELECT string_agg(uu.unit_id::text, ',') FROM user_units uu WHERE uu.user_id = s.user_id), '') AS unit_ids
FROM s JOIN users u ON u.id = s.user_id`

// checkSessionSQLite is the read; SQLite has no UPDATE inside a query, so
// a due touch is a second statement (in-process, no round trip).
const checkSessionSQLite = `SELECT ` + sessionColumns + `, 0 AS touched,
	COALESCE((SELECT group_concat(uu.unit_id, ',') FROM user_units uu WHERE uu.user_id = s.user_id), '') AS unit_ids
FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = @hash`

// CheckSession implements mar.Store: one statement, no transaction.
func (s *Store) CheckSession(ctx context.Context, c mar.SessionCheck) (mar.SessionState, error) {
	args := map[string]any{"hash": c.TokenHash, "now": c.Now.UTC(), "touch_before": c.TouchBefore.UTC(), "idle_after": c.IdleAfter.UTC()}
	query := checkSessionPG
	if s.dialect == SQLite {
		query = checkSessionSQLite
	}
	var rows []sessionCheckRow
	if err := s.db.WithContext(ctx).Raw(query, args).Scan(&rows).Error; err != nil {
		return mar.SessionState{}, translate(err)
	}
	if len(rows) == 0 {
		return mar.SessionState{}, mar.NotFound("session", "")
	}
	r := rows[0]
	st := mar.SessionState{
		Session: sessionRow{ID: r.SessionID, TokenHash: r.TokenHash, UserID: r.UserID, Kind: r.Kind, CreatedAt: r.SessionCreatedAt,
			LastSeenAt: r.LastSeenAt, ExpiresAt: r.ExpiresAt, RevokedAt: r.RevokedAt, CSRFToken: r.CSRFToken}.domain(),
		TOTPSecret: r.TOTPSecret,
		Touched:    r.Touched > 0,
	}
	var units []string
	if r.UnitIDs != "" {
		units = strings.Split(r.UnitIDs, ",")
		sort.Strings(units)
	}
	st.User = userRow{ID: r.UserID, FacilityID: r.FacilityID, Username: r.Username, DisplayName: r.DisplayName, Role: r.Role,
		PasswordHash: r.PasswordHash, BadgeID: r.BadgeID, PINHash: r.PINHash, Active: r.Active, Language: r.Language,
		CreatedAt: r.UserCreatedAt}.domain(units)
	if s.dialect == SQLite && touchDue(st.Session, c) {
		res := s.db.WithContext(ctx).Exec(`UPDATE sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?`,
			c.Now.UTC(), st.Session.ID, c.TouchBefore.UTC())
		if res.Error != nil {
			return mar.SessionState{}, translate(res.Error)
		}
		st.Touched = res.RowsAffected > 0
	}
	return st, nil
}

// touchDue is the PostgreSQL statement's touch condition.
func touchDue(s mar.Session, c mar.SessionCheck) bool {
	return s.RevokedAt == nil && s.ExpiresAt.After(c.Now) && s.LastSeenAt.Before(c.TouchBefore) &&
		(s.Kind != mar.SessionWeb || !s.LastSeenAt.Before(c.IdleAfter))
}
