package mar

import (
	"context"
	"strings"
	"time"
)

// NewAccount is an account made outside a signed-in session: by the
// operator at the command line, or on the first-run page.
type NewAccount struct {
	Username    string
	DisplayName string
	Role        Role
	Password    string
	UnitCodes   []string // units by code (or id) for nurses and charge nurses
	// Facility and TimeZone name the facility to create when the
	// database holds none; with one facility they are not needed.
	Facility string
	TimeZone string
}

// OperatorIdentity is who the audit trail names for what the operator
// does at the command line.
func OperatorIdentity(command string) Identity {
	return Identity{User: User{ID: SystemUserID, Username: SystemUserID, DisplayName: "operator", Role: RoleSystem, Active: true}, Device: command}
}

// AddAccount creates an account for the operator (emar users add). It
// creates the facility too when the database holds none.
func (s *Service) AddAccount(ctx context.Context, by Identity, in NewAccount) (User, error) {
	return s.addAccount(ctx, by, in, false)
}

// SetUp creates the first administrator (and the facility) on the
// first-run page; it is refused once anyone can sign in.
func (s *Service) SetUp(ctx context.Context, by Identity, in NewAccount) (User, error) {
	if in.Role != RoleAdmin {
		return User{}, Invalid("role", "the first account is an administrator")
	}
	return s.addAccount(ctx, by, in, true)
}

// NeedsSetUp reports whether nobody can sign in yet, and how many
// facilities the database holds.
func (s *Service) NeedsSetUp(ctx context.Context) (bool, int, error) {
	var n int64
	var fs []Facility
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		if n, err = tx.CountSignInAccounts(); err != nil {
			return err
		}
		fs, err = tx.ListFacilities()
		return err
	})
	return n == 0, len(fs), err
}

func (s *Service) addAccount(ctx context.Context, by Identity, in NewAccount, first bool) (User, error) {
	u := User{Username: strings.TrimSpace(in.Username), DisplayName: strings.TrimSpace(in.DisplayName), Role: in.Role}
	if u.DisplayName == "" {
		u.DisplayName = u.Username
	}
	u, err := s.newUser(u, in.Password)
	if err != nil {
		return User{}, err
	}
	err = s.Store.InTx(ctx, func(tx Tx) error {
		u.UnitIDs = nil
		if err := tx.LockAccounts(); err != nil {
			return err
		}
		if first {
			n, err := tx.CountSignInAccounts()
			if err != nil {
				return err
			}
			if n > 0 {
				return &Error{Code: EConflict, Reason: "already_set_up", Message: "the service is set up: an administrator adds accounts"}
			}
		}
		fac, err := s.facilityFor(tx, in)
		if err != nil {
			return err
		}
		u.FacilityID = fac.ID
		for _, code := range in.UnitCodes {
			unit, err := tx.FindUnitByCode(fac.ID, code)
			if err != nil {
				if unit, err = tx.GetUnit(code); err != nil || unit.FacilityID != fac.ID {
					return Invalid("units", "no unit has code or id %q", code)
				}
			}
			u.UnitIDs = append(u.UnitIDs, unit.ID)
		}
		if err := tx.CreateUser(&u); err != nil {
			return err
		}
		if by.User.ID == "" {
			by.User = u // the first administrator made their own account
		}
		by.User.FacilityID = fac.ID
		return s.audit(tx, by, AuditEntry{Action: "user.create", ObjectType: "user", ObjectID: u.ID,
			Detail: map[string]any{"username": u.Username, "role": u.Role, "units": u.UnitIDs, "first": first}})
	})
	return u, err
}

// facilityFor returns the facility accounts belong to, creating it when
// the database holds none.
func (s *Service) facilityFor(tx Tx, in NewAccount) (Facility, error) {
	fs, err := tx.ListFacilities()
	if err != nil {
		return Facility{}, err
	}
	for _, f := range fs {
		if in.Facility == "" && len(fs) == 1 || f.ID == in.Facility || strings.EqualFold(f.Name, in.Facility) {
			return f, nil
		}
	}
	if len(fs) > 0 {
		return Facility{}, Invalid("facility", "name one of the %d facilities", len(fs))
	}
	if strings.TrimSpace(in.Facility) == "" {
		return Facility{}, Invalid("facility", "the database holds no facility yet: name the one to create")
	}
	tz := in.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return Facility{}, Invalid("time_zone", "unknown time zone %q", tz)
	}
	f := Facility{ID: NewID(), Name: strings.TrimSpace(in.Facility), TimeZone: tz}
	return f, tx.CreateFacility(&f)
}

// newUser checks an account's name, role and password and hashes the
// password.
func (s *Service) newUser(u User, password string) (User, error) {
	if err := ValidateUsername(u.Username); err != nil {
		return User{}, err
	}
	if _, err := ParseRole(string(u.Role)); err != nil {
		return User{}, err
	}
	if err := validateNewPassword(u, password); err != nil {
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
	return u, nil
}

func validateNewPassword(u User, password string) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	if strings.EqualFold(password, u.Username) {
		return Invalid("password", "must not be the username")
	}
	return nil
}

// ChangeOwnPassword replaces the caller's password after checking the
// current one, and ends every session and token of the account (this
// one too): whoever knew the old password is signed out at once.
func (s *Service) ChangeOwnPassword(ctx context.Context, by Identity, current, next string) error {
	if err := validateNewPassword(by.User, next); err != nil {
		return err
	}
	hash, err := HashPassword(next)
	if err != nil {
		return err
	}
	var wrong bool
	err = s.Store.InTx(ctx, func(tx Tx) error {
		u, err := tx.GetUser(by.User.ID)
		if err != nil {
			return err
		}
		if wrong = !CheckPassword(u.PasswordHash, current); wrong {
			return s.audit(tx, by, AuditEntry{Action: "user.password_change", ObjectType: "user", ObjectID: u.ID, Outcome: "failure",
				Detail: map[string]string{"reason": "current_password_wrong"}})
		}
		u.PasswordHash = hash
		return s.saveAccount(tx, by, u, "user.password_change", true, nil)
	})
	if err == nil && wrong {
		return &Error{Code: EInvalid, Field: "current_password", Reason: "current_password_wrong", Message: "the current password is not correct"}
	}
	return err
}

// ResetPassword sets a new password for someone else's account (an
// administrator, for a colleague who forgot theirs), clears its lock and
// ends its sessions and tokens.
func (s *Service) ResetPassword(ctx context.Context, by Identity, userID, next string) error {
	return s.Store.InTx(ctx, func(tx Tx) error {
		u, err := s.accountOf(tx, by, userID)
		if err != nil {
			return err
		}
		if err := validateNewPassword(u, next); err != nil {
			return err
		}
		if u.PasswordHash, err = HashPassword(next); err != nil {
			return err
		}
		if err := tx.LoginSucceeded(u.ID); err != nil { // lifts a lock
			return err
		}
		return s.saveAccount(tx, by, u, "user.password_reset", true, nil)
	})
}

// SetActive disables or re-enables an account. Disabling ends its
// sessions and tokens at once; nobody disables their own account.
func (s *Service) SetActive(ctx context.Context, by Identity, userID string, active bool) (User, error) {
	var out User
	err := s.Store.InTx(ctx, func(tx Tx) error {
		u, err := s.accountOf(tx, by, userID)
		if err != nil {
			return err
		}
		if u.ID == by.User.ID && !active {
			return &Error{Code: ERefused, Reason: "own_account", Message: "you cannot disable your own account"}
		}
		action := "user.enable"
		if !active {
			action = "user.disable"
		}
		u.Active = active
		out = u
		return s.saveAccount(tx, by, u, action, !active, nil)
	})
	return out, err
}

// AccountChange is an administrator's change of an account; nil fields
// stay as they are.
type AccountChange struct {
	DisplayName *string
	Role        *Role
	UnitIDs     *[]string
}

// ChangeAccount changes an account's name, role or units. The change
// holds from the account's next request (sessions read the account each
// time); administrators cannot change their own role.
func (s *Service) ChangeAccount(ctx context.Context, by Identity, userID string, ch AccountChange) (User, error) {
	var out User
	err := s.Store.InTx(ctx, func(tx Tx) error {
		u, err := s.accountOf(tx, by, userID)
		if err != nil {
			return err
		}
		before := map[string]any{"display_name": u.DisplayName, "role": u.Role, "units": u.UnitIDs}
		if ch.DisplayName != nil {
			if u.DisplayName = strings.TrimSpace(*ch.DisplayName); u.DisplayName == "" {
				return Invalid("display_name", "must not be empty")
			}
		}
		if ch.Role != nil {
			if _, err := ParseRole(string(*ch.Role)); err != nil {
				return err
			}
			if u.ID == by.User.ID && *ch.Role != u.Role {
				return &Error{Code: ERefused, Field: "role", Reason: "own_account", Message: "you cannot change your own role"}
			}
			u.Role = *ch.Role
		}
		if ch.UnitIDs != nil {
			u.UnitIDs = nil
			for _, id := range *ch.UnitIDs {
				unit, err := tx.GetUnit(id)
				if err != nil || unit.FacilityID != u.FacilityID {
					return Invalid("unit_ids", "unknown unit %q", id)
				}
				u.UnitIDs = append(u.UnitIDs, unit.ID)
			}
		}
		out = u
		return s.saveAccount(tx, by, u, "user.update", false, map[string]any{"before": before,
			"after": map[string]any{"display_name": u.DisplayName, "role": u.Role, "units": u.UnitIDs}})
	})
	return out, err
}

// accountOf loads an account of the caller's facility.
func (s *Service) accountOf(tx Tx, by Identity, userID string) (User, error) {
	u, err := tx.GetUser(userID)
	if err != nil {
		return User{}, err
	}
	if u.FacilityID != by.User.FacilityID || u.PasswordHash == "!" {
		return User{}, NotFound("user", userID) // interface accounts are not people's
	}
	return u, nil
}

// saveAccount stores u, ends its sessions and tokens when endSessions is
// set, and audits the change.
func (s *Service) saveAccount(tx Tx, by Identity, u User, action string, endSessions bool, detail map[string]any) error {
	if err := tx.UpdateUser(&u); err != nil {
		return err
	}
	if detail == nil {
		detail = map[string]any{}
	}
	detail["username"] = u.Username
	if endSessions {
		n, err := tx.RevokeUserSessions(u.ID, s.now())
		if err != nil {
			return err
		}
		detail["sessions_ended"] = n
	}
	return s.audit(tx, by, AuditEntry{Action: action, ObjectType: "user", ObjectID: u.ID, Detail: detail})
}
