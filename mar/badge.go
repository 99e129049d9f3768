package mar

import "context"

// LoginBadge checks a staff badge and its PIN and opens a session: the
// quick sign-in at the bedside, where the badge is scanned and the PIN
// typed. A badge without a PIN cannot sign in this way. Failures are
// audited and answered with one message whatever was wrong.
func (s *Service) LoginBadge(ctx context.Context, badge, pin, kind string, src Identity) (LoginResult, error) {
	if kind != SessionWeb && kind != SessionDevice {
		return LoginResult{}, Invalid("kind", "must be web or device")
	}
	if badge == "" {
		return LoginResult{}, Invalid("badge", "scan a staff badge")
	}
	var res LoginResult
	var failed bool
	err := s.Store.InTx(ctx, func(tx Tx) error {
		failed = false
		u, err := tx.GetUserByBadge(badge)
		if err != nil && ErrorCodeOf(err) != ENotFound {
			return err
		}
		if err != nil || !u.Active || u.PINHash == "" {
			CheckPassword(dummyHash, pin)
			failed = true
			return s.audit(tx, src, AuditEntry{Action: "auth.login", ObjectType: "user", ObjectID: u.ID, Outcome: "failure",
				Detail: map[string]string{"method": "badge", "badge": badge}})
		}
		id := src
		id.User = u
		if !CheckPassword(u.PINHash, pin) {
			failed = true
			return s.audit(tx, id, AuditEntry{Action: "auth.login", ObjectType: "user", ObjectID: u.ID, Outcome: "failure",
				Detail: map[string]string{"method": "badge"}})
		}
		res, err = s.openSession(tx, u, kind, src)
		return err
	})
	if err != nil {
		return LoginResult{}, err
	}
	if failed {
		return LoginResult{}, &Error{Code: EUnauthenticated, Reason: "bad_credentials", Message: "the badge or PIN is not correct"}
	}
	return res, nil
}
