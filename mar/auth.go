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
	// MustEnrol: the role requires a second factor the account lacks;
	// the session may do nothing but enrol one.
	MustEnrol bool
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
		if enrolled(secret) {
			if code == "" {
				refusal = &Error{Code: EUnauthenticated, Reason: "second_factor_required", Field: "totp", Message: "enter the six-digit code from your authenticator app (or a recovery code)"}
				return nil
			}
			ok := CheckTOTP(secret, code, now)
			if !ok && len(strings.TrimSpace(code)) > totpDigits {
				if ok, err = tx.UseRecoveryCode(u.ID, TokenHash(normalRecoveryCode(code)), now); err != nil {
					return err
				}
			}
			if !ok {
				refusal = &Error{Code: EUnauthenticated, Reason: "second_factor_wrong", Field: "totp", Message: "the six-digit code is not correct"}
				return s.signInFailed(tx, id, now, map[string]any{"reason": "second_factor_wrong"})
			}
		}
		if err := tx.LoginSucceeded(u.ID); err != nil {
			return err
		}
		res, err = s.openSession(tx, u, kind, src)
		res.MustEnrol = RequiresSecondFactor(u.Role) && !enrolled(secret)
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

// SessionTouchEvery limits how often a session's last-seen time is
// written: at most once per interval, so a request does not write on every
// read. A web session therefore ends between IdleTimeout-SessionTouchEvery
// and IdleTimeout after its last request (docs/security.md).
const SessionTouchEvery = 30 * time.Second

// Authenticate resolves a session token to the identity behind it,
// enforcing the idle and absolute lifetimes.
//
// It is the check every authenticated request pays, so it costs one short
// statement and no transaction (Store.CheckSession): the session, its
// account, the account's units and second-factor state are read together
// on every request, and nothing about them is kept in the process. A
// sign-out, a revocation, a disable or a role or unit change made through
// any replica therefore holds from the very next request on every other.
func (s *Service) Authenticate(ctx context.Context, token string) (Identity, Session, error) {
	unauth := func(reason, msg string) error {
		return &Error{Code: EUnauthenticated, Reason: reason, Message: msg}
	}
	if token == "" {
		return Identity{}, Session{}, unauth("no_credentials", "sign in first")
	}
	now := s.now()
	st, err := s.Store.CheckSession(ctx, SessionCheck{TokenHash: TokenHash(token), Now: now,
		TouchBefore: now.Add(-SessionTouchEvery), IdleAfter: now.Add(-s.Config.IdleTimeout)})
	if ErrorCodeOf(err) == ENotFound {
		return Identity{}, Session{}, unauth("invalid_token", "the session is not valid; sign in again")
	} else if err != nil {
		return Identity{}, Session{}, err
	}
	sess, u := st.Session, st.User
	switch {
	case sess.RevokedAt != nil:
		return Identity{}, Session{}, unauth("signed_out", "the session was signed out; sign in again")
	case !now.Before(sess.ExpiresAt):
		return Identity{}, Session{}, unauth("session_expired", "the session has expired; sign in again")
	case sess.Kind == SessionWeb && sess.LastSeenAt.Before(now.Add(-s.Config.IdleTimeout)):
		return Identity{}, Session{}, unauth("idle_timeout", "signed out after inactivity; sign in again")
	case !u.Active:
		return Identity{}, Session{}, unauth("account_disabled", "the account is disabled")
	}
	if st.Touched {
		sess.LastSeenAt = now
	}
	id := Identity{User: u, SessionID: sess.ID}
	id.MustEnrol = RequiresSecondFactor(u.Role) && !enrolled(st.TOTPSecret)
	return id, sess, nil
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
// admins); it takes effect once ConfirmTOTP sees a valid code. A factor
// in use is replaced only after an administrator resets it, so a stolen
// session cannot swap it.
func (s *Service) EnrollTOTP(ctx context.Context, by Identity) (TOTPEnrolment, error) {
	if !RequiresSecondFactor(by.User.Role) {
		return TOTPEnrolment{}, Forbidden("a second factor is offered to pharmacists and administrators")
	}
	secret := NewTOTPSecret()
	err := s.Store.InTx(ctx, func(tx Tx) error {
		cur, err := tx.TOTPSecret(by.User.ID)
		if err != nil {
			return err
		}
		if enrolled(cur) {
			return Conflict("already_enrolled", "the account has a second factor; an administrator resets it before a new one is enrolled")
		}
		if err := tx.SetTOTPSecret(by.User.ID, totpPending+secret); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "auth.totp_enroll", ObjectType: "user", ObjectID: by.User.ID})
	})
	return TOTPEnrolment{Secret: secret, URL: TOTPURL("eMAR", by.User.Username, secret)}, err
}

// recoveryCodes is how many single-use codes an enrolment hands out.
const recoveryCodes = 10

// ConfirmTOTP activates a pending second factor with a code from the app
// and returns single-use recovery codes to show once. Every other session
// of the account ends: whoever signed in before the factor must sign in
// with it.
func (s *Service) ConfirmTOTP(ctx context.Context, by Identity, code string) ([]string, error) {
	codes := make([]string, recoveryCodes)
	hashes := make([]string, recoveryCodes)
	for i := range codes {
		codes[i] = newRecoveryCode()
		hashes[i] = TokenHash(codes[i])
	}
	err := s.Store.InTx(ctx, func(tx Tx) error {
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
		if err := tx.SetRecoveryCodes(by.User.ID, hashes); err != nil {
			return err
		}
		n, err := tx.RevokeOtherSessions(by.User.ID, by.SessionID, s.now())
		if err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "auth.totp_confirm", ObjectType: "user", ObjectID: by.User.ID, Detail: map[string]int64{"sessions_ended": n}})
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// ResetTOTP removes an account's second factor and recovery codes (an
// administrator, for a lost phone) and ends every session of the account:
// it enrols a new factor at its next sign-in.
func (s *Service) ResetTOTP(ctx context.Context, by Identity, userID string) error {
	return s.Store.InTx(ctx, func(tx Tx) error {
		u, err := s.accountOf(tx, by, userID)
		if err != nil {
			return err
		}
		if err := tx.SetTOTPSecret(u.ID, ""); err != nil {
			return err
		}
		if err := tx.SetRecoveryCodes(u.ID, nil); err != nil {
			return err
		}
		return s.saveAccount(tx, by, u, "auth.totp_reset", true, nil)
	})
}

// RequiresSecondFactor reports whether a role signs in with a one-time
// code besides the password.
func RequiresSecondFactor(r Role) bool { return r == RolePharmacist || r == RoleAdmin }

// enrolled reports whether a stored secret is a confirmed factor.
func enrolled(secret string) bool { return secret != "" && !strings.HasPrefix(secret, totpPending) }

// newRecoveryCode returns a code like "k7qm-2xwp-9dtr" (60 bits).
func newRecoveryCode() string {
	raw := strings.ToLower(NewTOTPSecret())[:12]
	return raw[:4] + "-" + raw[4:8] + "-" + raw[8:]
}

// normalRecoveryCode accepts a recovery code typed in any case, with or
// without its dashes and spaces.
func normalRecoveryCode(code string) string {
	c := strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(code))
	if len(c) != 12 {
		return c
	}
	return c[:4] + "-" + c[4:8] + "-" + c[8:]
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

// SignInAttempt counts a sign-in attempt from a client address against a
// limit of attempts per fixed window (the windows start at multiples of
// window since the epoch on now's clock). The count lives in the database,
// so replicas behind a load balancer share one limit. It reports whether
// the attempt may go on and, when not, how long until the window ends.
func (s *Service) SignInAttempt(ctx context.Context, address string, limit int, window time.Duration, now time.Time) (bool, time.Duration, error) {
	start := now.UTC().Truncate(window)
	var n int
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		n, err = tx.CountSignInAttempt(address, start, start.Add(-window))
		return err
	})
	if err != nil {
		return false, 0, err
	}
	if n > limit {
		return false, start.Add(window).Sub(now), nil
	}
	return true, 0, nil
}
