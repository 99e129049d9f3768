package mar

import (
	"context"
	"strings"
)

// LoginBadge checks a staff badge and its PIN and opens a session: the
// quick sign-in at the bedside, where the badge is scanned and the PIN
// typed. A badge without a PIN cannot sign in this way. As with Login,
// failures are audited and answered alike whatever was wrong, and they
// count towards the account's lock, which matters more for a short PIN.
func (s *Service) LoginBadge(ctx context.Context, badge, pin, kind string, src Identity) (LoginResult, error) {
	if kind != SessionWeb && kind != SessionDevice {
		return LoginResult{}, Invalid("kind", "must be web or device")
	}
	if badge == "" {
		return LoginResult{}, Invalid("badge", "scan a staff badge")
	}
	var res LoginResult
	var refusal error
	err := s.Store.InTx(ctx, func(tx Tx) error {
		refusal = nil
		u, err := tx.GetUserByBadge(badge)
		if err != nil && ErrorCodeOf(err) != ENotFound {
			return err
		}
		if err != nil || !u.Active || u.PINHash == "" {
			CheckPassword(dummyHash, pin)
			refusal = badBadge
			return s.audit(tx, src, AuditEntry{Action: "auth.login", ObjectType: "user", ObjectID: u.ID, Outcome: "failure",
				Detail: map[string]string{"method": "badge", "badge": badge}})
		}
		id := src
		id.User = u
		now := s.now()
		badge := map[string]any{"method": "badge"}
		if refusal, err = s.refuseIfLocked(tx, id, now, badge); refusal != nil || err != nil {
			return err
		}
		if !CheckPassword(u.PINHash, pin) {
			refusal = badBadge
			return s.signInFailed(tx, id, now, badge)
		}
		// An account with a second factor signs in with it: the badge is
		// not a way round the one-time code.
		if secret, err := tx.TOTPSecret(u.ID); err != nil {
			return err
		} else if RequiresSecondFactor(u.Role) || secret != "" && !strings.HasPrefix(secret, totpPending) {
			refusal = &Error{Code: EUnauthenticated, Reason: "second_factor_required", Field: "totp",
				Message: "this account signs in with its password and the six-digit code, not with the badge"}
			return s.audit(tx, id, AuditEntry{Action: "auth.login", ObjectType: "user", ObjectID: u.ID, Outcome: "refused",
				Detail: map[string]string{"method": "badge", "reason": "second_factor_required"}})
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

var badBadge = &Error{Code: EUnauthenticated, Reason: "bad_credentials", Message: "the badge or PIN is not correct"}
