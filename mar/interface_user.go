package mar

import (
	"context"
	"strings"
)

// InterfaceIdentity is the identity under which messages from an outside
// system (an HL7 feed, a file import) change the record, so that every
// audit event names the channel it came through. The account is created
// on first use, inactive and without a usable password: nobody can sign
// in as it. Device carries the channel and peer, RequestID the message's
// control id (set by the caller).
func (s *Service) InterfaceIdentity(ctx context.Context, channel string) (Identity, error) {
	username := "interface-" + strings.ToLower(channel)
	if err := ValidateUsername(username); err != nil {
		return Identity{}, err
	}
	var u User
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		u, err = tx.GetUserByUsername(username)
		if err == nil {
			return nil
		}
		if ErrorCodeOf(err) != ENotFound {
			return err
		}
		fac, err := s.interfaceFacility(tx)
		if err != nil {
			return err
		}
		// The admin role is the least clinical one the schema allows; the
		// account is inactive, so the role grants nothing at sign-in.
		u = User{ID: NewID(), FacilityID: fac.ID, Username: username, DisplayName: "Interface: " + channel, Role: RoleAdmin,
			PasswordHash: "!", Active: false, CreatedAt: s.now()}
		if err := tx.CreateUser(&u); err != nil {
			return err
		}
		return s.audit(tx, Identity{User: u, Device: channel}, AuditEntry{Action: "user.create", ObjectType: "user", ObjectID: u.ID,
			Detail: map[string]string{"username": username, "purpose": "interface account"}})
	})
	return Identity{User: u, Device: channel}, err
}

// interfaceFacility is the facility outside messages belong to: the one
// named by Config.Pharmacy.InterfaceFacility (id or name), or the only one.
func (s *Service) interfaceFacility(tx Tx) (Facility, error) {
	fs, err := tx.ListFacilities()
	if err != nil {
		return Facility{}, err
	}
	want := s.Config.Pharmacy.InterfaceFacility
	for _, f := range fs {
		if want != "" && (f.ID == want || strings.EqualFold(f.Name, want)) {
			return f, nil
		}
	}
	if want == "" && len(fs) == 1 {
		return fs[0], nil
	}
	if len(fs) == 0 {
		return Facility{}, &Error{Code: EUnavailable, Reason: "no_facility", Message: "the database holds no facility yet"}
	}
	return Facility{}, &Error{Code: EInvalid, Field: "facility", Reason: "facility_ambiguous", Message: "several facilities: name the one outside messages belong to"}
}

// FacilityOf returns the facility of an identity (for its time zone).
func (s *Service) FacilityOf(ctx context.Context, by Identity) (Facility, error) {
	var out Facility
	err := s.Store.InTx(ctx, func(tx Tx) error {
		fs, err := tx.ListFacilities()
		if err != nil {
			return err
		}
		for _, f := range fs {
			if f.ID == by.User.FacilityID {
				out = f
				return nil
			}
		}
		return NotFound("facility", by.User.FacilityID)
	})
	return out, err
}
