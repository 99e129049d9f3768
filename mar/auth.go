package mar

import (
	"context"
	"maps"
	"strings"
	"time"
)

// Session kinds.
const (
	SessionWeb    = "web"
	SessionDevice = "device"
)

// LoginResult is a new session and the token that proves it.
type LoginResult struct {
	Token   string
	Session Session
	User    User
}

// Login checks a username and password and opens a session. Failures are
// audited and answered with one message whatever was wrong, so an attacker
// cannot learn which usernames exist; repeated failures lock the account
// for a while.
func (s *Service) Login(ctx context.Context, username, password, kind string, src Identity) (LoginResult, error) {
	return s.LoginCode(ctx, username, password, "", kind, src)
}

// LoginCode is Login with the one-time code of an account that has a
// second factor.
func (s *Service) LoginCode(ctx context.Context, username, password, code, kind string, src Identity) (LoginResult, error) {
	if kind != SessionWeb && kind != SessionDevice {
		return LoginResult{}, Invalid("kind", "must be web or device")
	}
	var res LoginResult
	var refusal error
	err := s.Store.InTx(ctx, func(tx Tx) error {
		refusal = nil
		u, err := tx.GetUserByUsername(username)
		if err != nil && ErrorCodeOf(err) != ENotFound {
			return err
		}
		if err != nil || !u.Active {
			return s.unknownNameFailed(tx, username, password, src, &refusal)
		}
		id := src
		id.User = u
		now := s.now()
		until, err := tx.LockedUntil(u.ID)
		if err != nil {
			return err
		}
		// The password is checked even while the account is locked, so a
		// locked account answers in the same time as an unknown name.
		passwordOK := CheckPassword(u.PasswordHash, password)
		if now.Before(until) {
			refusal = accountLocked(until)
			return s.audit(tx, id, AuditEntry{Action: "auth.login", ObjectType: "user", ObjectID: u.ID, Outcome: "refused", Detail: map[string]any{"reason": "account_locked"}})
		}
		if !passwordOK {
			refusal = badCredentials
			return s.signInFailed(tx, id, now, nil)
		}
		secret, err := tx.TOTPSecret(u.ID)
		if err != nil {
			return err
		}
		if secret != "" && !strings.HasPrefix(secret, totpPending) {
			if code == "" {
				refusal = &Error{Code: EUnauthenticated, Reason: "second_factor_required", Field: "totp", Message: "enter the six-digit code from your authenticator app"}
				return nil
			}
			if !CheckTOTP(secret, code, now) {
				refusal = &Error{Code: EUnauthenticated, Reason: "second_factor_wrong", Field: "totp", Message: "the six-digit code is not correct"}
				return s.signInFailed(tx, id, now, map[string]any{"reason": "second_factor_wrong"})
			}
		}
		if err := tx.LoginSucceeded(u.ID); err != nil {
			return err
		}
		res, err = s.openSession(tx, u, kind, src)
		return err
	})
	if err != nil {
		return LoginResult{}, err
	}
	if refusal != nil {
		return LoginResult{}, refusal
	}
	return res, nil
}

var badCredentials = &Error{Code: EUnauthenticated, Reason: "bad_credentials", Message: "the username or password is not correct"}

func accountLocked(until time.Time) error {
	return &Error{Code: ETooMany, Reason: "account_locked", Message: "too many failed sign-ins: the account is locked for a few minutes",
		Details: map[string]any{"locked_until": until}}
}

// unknownNameFailed answers a sign-in to a name without an active account
// exactly as one to a real account: the same work (a password hash, a
// lock check, a failure count) and, after as many failures, the same lock.
func (s *Service) unknownNameFailed(tx Tx, username, password string, src Identity, refusal *error) error {
	now := s.now()
	until, err := tx.NameLockedUntil(username)
	if err != nil {
		return err
	}
	CheckPassword(dummyHash, password)
	detail := map[string]any{"username": username}
	if now.Before(until) {
		*refusal = accountLocked(until)
		detail["reason"] = "account_locked"
		return s.audit(tx, src, AuditEntry{Action: "auth.login", ObjectType: "user", Outcome: "refused", Detail: detail})
	}
	*refusal = badCredentials
	n, err := tx.NameFailed(username, s.Config.LockAfterFailures, now.Add(s.Config.LockDuration))
	if err != nil {
		return err
	}
	detail["failures"] = n
	return s.audit(tx, src, AuditEntry{Action: "auth.login", ObjectType: "user", Outcome: "failure", Detail: detail})
}

// refuseIfLocked answers a sign-in to a locked account, audited, with the
// refusal to return; detail adds to the audit event.
func (s *Service) refuseIfLocked(tx Tx, id Identity, now time.Time, detail map[string]any) (refusal, err error) {
	until, err := tx.LockedUntil(id.User.ID)
	if err != nil || !now.Before(until) {
		return nil, err
	}
	d := map[string]any{"reason": "account_locked"}
	maps.Copy(d, detail)
	return accountLocked(until),
		s.audit(tx, id, AuditEntry{Action: "auth.login", ObjectType: "user", ObjectID: id.User.ID, Outcome: "refused", Detail: d})
}

// signInFailed counts a wrong secret towards the account's lock and
// audits it; detail adds to the audit event.
func (s *Service) signInFailed(tx Tx, id Identity, now time.Time, detail map[string]any) error {
	n, err := tx.LoginFailed(id.User.ID, s.Config.LockAfterFailures, now.Add(s.Config.LockDuration))
	if err != nil {
		return err
	}
	d := map[string]any{"failures": n}
	maps.Copy(d, detail)
	return s.audit(tx, id, AuditEntry{Action: "auth.login", ObjectType: "user", ObjectID: id.User.ID, Outcome: "failure", Detail: d})
}

func (s *Service) openSession(tx Tx, u User, kind string, src Identity) (LoginResult, error) {
	token, hash := newToken()
	csrf, _ := newToken()
	now := s.now()
	life := s.Config.SessionLifetime
	if kind == SessionDevice {
		life = s.Config.DeviceLifetime
	}
	sess := Session{ID: NewID(), TokenHash: hash, UserID: u.ID, Kind: kind, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(life), CSRFToken: csrf}
	if err := tx.CreateSession(&sess); err != nil {
		return LoginResult{}, err
	}
	id := src
	id.User = u
	id.SessionID = sess.ID
	if err := s.audit(tx, id, AuditEntry{Action: "auth.login", ObjectType: "user", ObjectID: u.ID, Detail: map[string]string{"kind": kind}}); err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Token: token, Session: sess, User: u}, nil
}

// touchEvery limits how often a session's last-seen time is written.
const touchEvery = 30 * time.Second

// Authenticate resolves a session token to the identity behind it,
// enforcing the idle and absolute lifetimes.
func (s *Service) Authenticate(ctx context.Context, token string) (Identity, Session, error) {
	unauth := func(reason, msg string) error {
		return &Error{Code: EUnauthenticated, Reason: reason, Message: msg}
	}
	if token == "" {
		return Identity{}, Session{}, unauth("no_credentials", "sign in first")
	}
	var id Identity
	var sess Session
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		sess, err = tx.GetSessionByTokenHash(TokenHash(token))
		if ErrorCodeOf(err) == ENotFound {
			return unauth("invalid_token", "the session is not valid; sign in again")
		} else if err != nil {
			return err
		}
		now := s.now()
		switch {
		case sess.RevokedAt != nil:
			return unauth("signed_out", "the session was signed out; sign in again")
		case !now.Before(sess.ExpiresAt):
			return unauth("session_expired", "the session has expired; sign in again")
		case sess.Kind == SessionWeb && now.Sub(sess.LastSeenAt) > s.Config.IdleTimeout:
			return unauth("idle_timeout", "signed out after inactivity; sign in again")
		}
		u, err := tx.GetUser(sess.UserID)
		if err != nil {
			return err
		}
		if !u.Active {
			return unauth("account_disabled", "the account is disabled")
		}
		if now.Sub(sess.LastSeenAt) > touchEvery {
			if err := tx.TouchSession(sess.ID, now); err != nil {
				return err
			}
		}
		id = Identity{User: u, SessionID: sess.ID}
		return nil
	})
	return id, sess, err
}

// Logout revokes the caller's session.
func (s *Service) Logout(ctx context.Context, id Identity) error {
	return s.Store.InTx(ctx, func(tx Tx) error {
		if err := tx.RevokeSession(id.SessionID, s.now()); err != nil {
			return err
		}
		return s.audit(tx, id, AuditEntry{Action: "auth.logout", ObjectType: "user", ObjectID: id.User.ID})
	})
}

// CreateUser adds an account with a hashed password.
func (s *Service) CreateUser(ctx context.Context, by Identity, u User, password string) (User, error) {
	u, err := s.newUser(u, password)
	if err != nil {
		return User{}, err
	}
	err = s.Store.InTx(ctx, func(tx Tx) error {
		if err := tx.CreateUser(&u); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "user.create", ObjectType: "user", ObjectID: u.ID, Detail: map[string]string{"username": u.Username, "role": string(u.Role)}})
	})
	return u, err
}

// ValidatePassword applies the password rules for new passwords: a
// length, and not one of the 10,000 most common passwords (the length
// and a list beat rules about character classes, after NIST SP 800-63B).
func ValidatePassword(p string) error {
	if len(p) < 12 {
		return Invalid("password", "must be at least 12 characters")
	}
	if len(p) > 256 {
		return Invalid("password", "must be at most 256 characters")
	}
	if isCommonPassword(p) {
		return &Error{Code: EInvalid, Field: "password", Reason: "common_password", Message: "is one of the most common passwords: choose another"}
	}
	return nil
}

// totpPending marks a secret that was issued but not yet confirmed with a
// code, so a half-finished enrolment never locks anyone out.
const totpPending = "pending:"

// TOTPEnrolment is a new second factor to show the user once.
type TOTPEnrolment struct {
	Secret string
	URL    string
}

// EnrollTOTP issues a second-factor secret to the caller (pharmacists and
// admins); it takes effect once ConfirmTOTP sees a valid code.
func (s *Service) EnrollTOTP(ctx context.Context, by Identity) (TOTPEnrolment, error) {
	if by.User.Role != RolePharmacist && by.User.Role != RoleAdmin {
		return TOTPEnrolment{}, Forbidden("a second factor is offered to pharmacists and administrators")
	}
	secret := NewTOTPSecret()
	err := s.Store.InTx(ctx, func(tx Tx) error {
		if err := tx.SetTOTPSecret(by.User.ID, totpPending+secret); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "auth.totp_enroll", ObjectType: "user", ObjectID: by.User.ID})
	})
	return TOTPEnrolment{Secret: secret, URL: TOTPURL("eMAR", by.User.Username, secret)}, err
}

// ConfirmTOTP activates a pending second factor with a code from the app.
func (s *Service) ConfirmTOTP(ctx context.Context, by Identity, code string) error {
	return s.Store.InTx(ctx, func(tx Tx) error {
		secret, err := tx.TOTPSecret(by.User.ID)
		if err != nil {
			return err
		}
		pending, ok := strings.CutPrefix(secret, totpPending)
		if !ok {
			return Conflict("no_pending_enrolment", "start the enrolment first")
		}
		if !CheckTOTP(pending, code, s.now()) {
			return Invalid("code", "the six-digit code is not correct")
		}
		if err := tx.SetTOTPSecret(by.User.ID, pending); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "auth.totp_confirm", ObjectType: "user", ObjectID: by.User.ID})
	})
}

// LogoutEverywhere revokes every session of the caller.
func (s *Service) LogoutEverywhere(ctx context.Context, by Identity) (int64, error) {
	var n int64
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		if n, err = tx.RevokeUserSessions(by.User.ID, s.now()); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "auth.logout_all", ObjectType: "user", ObjectID: by.User.ID, Detail: map[string]int64{"sessions": n}})
	})
	return n, err
}

// AuditReport lists audit events for the report; the listing is itself
// audited.
func (s *Service) AuditReport(ctx context.Context, by Identity, f AuditFilter) ([]AuditEvent, error) {
	f.FacilityID = by.User.FacilityID
	var out []AuditEvent
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		if out, err = tx.ListAudit(f); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "audit.report", ObjectType: "audit", ResidentID: f.ResidentID,
			Detail: map[string]any{"resident_id": f.ResidentID, "user_id": f.UserID, "action": f.Action, "count": len(out)}})
	})
	return out, err
}
