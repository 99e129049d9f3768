package mar

import (
	"context"
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
			CheckPassword(dummyHash, password)
			refusal = badCredentials
			return s.audit(tx, src, AuditEntry{Action: "auth.login", ObjectType: "user", Outcome: "failure", Detail: map[string]string{"username": username}})
		}
		id := src
		id.User = u
		now := s.now()
		if until, err := tx.LockedUntil(u.ID); err != nil {
			return err
		} else if now.Before(until) {
			refusal = &Error{Code: ETooMany, Reason: "account_locked", Message: "too many failed sign-ins: the account is locked for a few minutes",
				Details: map[string]any{"locked_until": until}}
			return s.audit(tx, id, AuditEntry{Action: "auth.login", ObjectType: "user", ObjectID: u.ID, Outcome: "refused", Detail: map[string]string{"reason": "account_locked"}})
		}
		if !CheckPassword(u.PasswordHash, password) {
			refusal = badCredentials
			n, err := tx.LoginFailed(u.ID, s.Config.LockAfterFailures, now.Add(s.Config.LockDuration))
			if err != nil {
				return err
			}
			return s.audit(tx, id, AuditEntry{Action: "auth.login", ObjectType: "user", ObjectID: u.ID, Outcome: "failure", Detail: map[string]int{"failures": n}})
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
	if err := ValidateUsername(u.Username); err != nil {
		return User{}, err
	}
	if _, err := ParseRole(string(u.Role)); err != nil {
		return User{}, err
	}
	if err := ValidatePassword(password); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return User{}, err
	}
	u.ID = NewID()
	u.PasswordHash = hash
	u.Active = true
	u.CreatedAt = s.now()
	err = s.Store.InTx(ctx, func(tx Tx) error {
		if err := tx.CreateUser(&u); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "user.create", ObjectType: "user", ObjectID: u.ID, Detail: map[string]string{"username": u.Username, "role": string(u.Role)}})
	})
	return u, err
}

// ValidatePassword applies the password rules for new passwords.
func ValidatePassword(p string) error {
	if len(p) < 12 {
		return Invalid("password", "must be at least 12 characters")
	}
	if len(p) > 256 {
		return Invalid("password", "must be at most 256 characters")
	}
	return nil
}
