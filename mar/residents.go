package mar

import (
	"context"
	"strings"
)

// GetResident returns a resident's record; the read itself is audited.
func (s *Service) GetResident(ctx context.Context, by Identity, id string) (Resident, error) {
	var r Resident
	err := s.readResident(ctx, by, id, "resident.read", func(_ Tx, got Resident) error {
		r = got
		return nil
	})
	return r, err
}

// ListResidents lists the residents of the units the user may see.
func (s *Service) ListResidents(ctx context.Context, by Identity, unitID string, status ResidentStatus) ([]Resident, error) {
	f := ResidentFilter{FacilityID: by.User.FacilityID, Status: status}
	if unitID != "" {
		f.UnitIDs = []string{unitID}
	}
	if ScopedToUnits(by.User.Role) {
		f.UnitIDs = intersectUnits(f.UnitIDs, by.User.UnitIDs)
		if len(f.UnitIDs) == 0 {
			return nil, nil
		}
	}
	var out []Resident
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		if out, err = tx.ListResidents(f); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "resident.list", ObjectType: "unit", ObjectID: unitID, Detail: map[string]int{"count": len(out)}})
	})
	return out, err
}

// CreateResident admits a resident.
func (s *Service) CreateResident(ctx context.Context, by Identity, r Resident) (Resident, error) {
	r.ID = NewID()
	r.FacilityID = by.User.FacilityID
	if r.Status == "" {
		r.Status = Admitted
	}
	if r.WristbandID == "" {
		r.WristbandID = r.MRN
	}
	r.MRNSystem = s.mrnSystem(r.MRNSystem)
	if r.AdmittedAt.IsZero() {
		r.AdmittedAt = s.now()
	}
	for i := range r.Allergies {
		r.Allergies[i].ID = NewID()
		r.Allergies[i].ResidentID = r.ID
		if strings.TrimSpace(r.Allergies[i].Substance) == "" {
			return Resident{}, Invalid("allergies", "each allergy needs a substance")
		}
	}
	if err := r.Validate(); err != nil {
		return Resident{}, err
	}
	err := s.Store.InTx(ctx, func(tx Tx) error {
		u, err := tx.GetUnit(r.UnitID)
		if err != nil {
			return Invalid("unit_id", "unknown unit %q", r.UnitID)
		}
		if u.FacilityID != r.FacilityID {
			return Invalid("unit_id", "unit belongs to another facility")
		}
		if err := tx.CreateResident(&r); err != nil {
			return err
		}
		r.Version = 1 // a new row's (migration 00016)
		return s.audit(tx, by, AuditEntry{Action: "resident.create", ObjectType: "resident", ObjectID: r.ID, ResidentID: r.ID})
	})
	return r, err
}

func intersectUnits(want, allowed []string) []string {
	if len(want) == 0 {
		return allowed
	}
	var out []string
	for _, w := range want {
		for _, a := range allowed {
			if w == a {
				out = append(out, w)
			}
		}
	}
	return out
}
