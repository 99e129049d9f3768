package mar

import "context"

// ScopedToUnits reports whether a role sees only the units it is assigned
// to. Pharmacists serve the whole facility; admins see clinical data only
// through break-glass, which is checked elsewhere.
func ScopedToUnits(r Role) bool {
	return r == RoleNurse || r == RoleChargeNurse
}

// WorksOnUnit reports whether the user is assigned to the unit.
func (u User) WorksOnUnit(unitID string) bool {
	for _, id := range u.UnitIDs {
		if id == unitID {
			return true
		}
	}
	return false
}

// CanSeeResident applies the facility and unit scope to a resident.
func CanSeeResident(u User, r Resident) error {
	if u.FacilityID != r.FacilityID {
		return NotFound("resident", r.ID)
	}
	if ScopedToUnits(u.Role) && !u.WorksOnUnit(r.UnitID) {
		return Forbidden("you are not assigned to this resident's unit")
	}
	return nil
}

// HasClinicalAccess reports whether a role reads residents' records in
// the ordinary course of its work; others need break-glass.
func HasClinicalAccess(r Role) bool {
	return r == RoleNurse || r == RoleChargeNurse || r == RolePharmacist
}

// visibleResident loads a resident the caller may see, inside tx.
func visibleResident(tx Tx, by Identity, id string) (Resident, error) {
	r, err := tx.GetResident(id)
	if err != nil {
		return Resident{}, err
	}
	return r, CanSeeResident(by.User, r)
}

// readResident runs read inside one transaction for a resident the caller
// may see and audits the read of their record as action.
func (s *Service) readResident(ctx context.Context, by Identity, id, action string, read func(tx Tx, r Resident) error) error {
	return s.Store.InTx(ctx, func(tx Tx) error {
		r, err := visibleResident(tx, by, id)
		if err != nil {
			return err
		}
		if err := read(tx, r); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: action, ObjectType: "resident", ObjectID: r.ID, ResidentID: r.ID})
	})
}

// checkScope refuses a successful event about a resident or unit outside
// the caller's units when the caller's role is scoped to units. It runs
// for every audit event, and every change writes one in its transaction,
// so the unit scope is a property of every write path rather than a check
// each use case has to remember. Refusals and failures are recorded
// whatever they concern.
func checkScope(tx Tx, by Identity, e AuditEntry) error {
	if !ScopedToUnits(by.User.Role) || (e.Outcome != "" && e.Outcome != "success") {
		return nil
	}
	if e.ResidentID != "" {
		var r Resident
		if e.Resident != nil && e.Resident.ID == e.ResidentID {
			r = *e.Resident
		} else {
			var err error
			if r, err = tx.GetResident(e.ResidentID); err != nil {
				return err
			}
		}
		if err := CanSeeResident(by.User, r); err != nil {
			return err
		}
	}
	unit := e.UnitID
	if unit == "" && e.ObjectType == "unit" {
		unit = e.ObjectID
	}
	if unit != "" && !by.User.WorksOnUnit(unit) {
		return Forbidden("you are not assigned to this unit")
	}
	return nil
}
