package mar

import "time"

// TrustTx is the data access sign-in protection and break-glass need.
type TrustTx interface {
	// LoginFailed counts a failed sign-in and, at the threshold, locks the
	// account until lockUntil; it returns the failures so far.
	LoginFailed(userID string, threshold int, lockUntil time.Time) (int, error)
	// LoginSucceeded clears the failure count.
	LoginSucceeded(userID string) error
	// LockedUntil returns when the account's lock ends (zero if unlocked).
	LockedUntil(userID string) (time.Time, error)
	// NameFailed and NameLockedUntil are the same for a username without
	// an active account, so that unknown names lock like real ones.
	NameFailed(username string, threshold int, lockUntil time.Time) (int, error)
	NameLockedUntil(username string) (time.Time, error)
	// CountSignInAttempt counts one sign-in attempt from address in the
	// window that starts at window and returns the window's attempts so
	// far, this one included; the first attempt of a window also forgets
	// windows that started before forgetBefore. Every replica counts in
	// the same rows, so the limit holds for the service as a whole.
	CountSignInAttempt(address string, window, forgetBefore time.Time) (int, error)

	CreateBreakGlass(g *BreakGlass) error
	// ActiveBreakGlass returns the user's grant in force at t.
	ActiveBreakGlass(userID string, at time.Time) (BreakGlass, error)
	EndBreakGlass(id string, at time.Time) error

	// LockAccounts serialises transactions that create the first
	// account until commit; CountSignInAccounts counts active accounts
	// someone can sign in to (interface accounts cannot).
	LockAccounts() error
	// UpdateUser stores an account's name, role, password hash, active
	// flag and units.
	UpdateUser(u *User) error
	CountSignInAccounts() (int64, error)

	ListAudit(f AuditFilter) ([]AuditEvent, error)
	SetTOTPSecret(userID, secret string) error
	// SetRecoveryCodes replaces the account's recovery codes (by hash);
	// UseRecoveryCode spends one, reporting whether it was unspent.
	SetRecoveryCodes(userID string, hashes []string) error
	UseRecoveryCode(userID, hash string, at time.Time) (bool, error)
	// RevokeOtherSessions ends every session of the user but keep.
	RevokeOtherSessions(userID, keep string, at time.Time) (int64, error)
	TOTPSecret(userID string) (string, error)
}

// BreakGlass is an emergency grant of clinical access to someone whose
// role does not have it: time-boxed, with a reason, every action flagged.
type BreakGlass struct {
	ID         string
	FacilityID string
	UserID     string
	ResidentID string // empty: any resident of the facility
	Reason     string
	StartedAt  time.Time
	ExpiresAt  time.Time
	EndedAt    *time.Time
}

// AuditFilter selects audit events for the report.
type AuditFilter struct {
	FacilityID string
	ResidentID string
	UserID     string
	Action     string // exact, or a prefix ending in "." such as "auth."
	ObjectType string
	ObjectID   string
	From, To   time.Time
	Descending bool
	Limit      int
	AfterSeq   int64 // keyset paging: events with seq beyond this (below it when descending)
}
