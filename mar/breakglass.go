package mar

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// StartBreakGlass grants the caller time-boxed clinical access with a
// stated reason. Only roles that lack clinical access need it.
func (s *Service) StartBreakGlass(ctx context.Context, by Identity, reason, residentID string) (BreakGlass, error) {
	if len(strings.TrimSpace(reason)) < 10 {
		return BreakGlass{}, Invalid("reason", "state why emergency access is needed (at least 10 characters)")
	}
	now := s.now()
	g := BreakGlass{ID: NewID(), FacilityID: by.User.FacilityID, UserID: by.User.ID, ResidentID: residentID, Reason: reason,
		StartedAt: now, ExpiresAt: now.Add(s.Config.BreakGlassFor)}
	err := s.Store.InTx(ctx, func(tx Tx) error {
		if residentID != "" {
			r, err := tx.GetResident(residentID)
			if err != nil || r.FacilityID != by.User.FacilityID {
				return Invalid("resident_id", "unknown resident %q", residentID)
			}
		}
		if err := tx.CreateBreakGlass(&g); err != nil {
			return err
		}
		id := by
		id.BreakGlass = true
		if err := s.audit(tx, id, AuditEntry{Action: "break_glass.start", ObjectType: "break_glass", ObjectID: g.ID, ResidentID: residentID,
			Detail: map[string]any{"reason": reason, "expires_at": g.ExpiresAt}}); err != nil {
			return err
		}
		return s.alertBreakGlass(tx, g, id)
	})
	return g, err
}

// alertBreakGlass tells the charge nurses of the units concerned (the
// resident's, or every unit for a facility-wide grant) at once, in the
// grant's own transaction.
func (s *Service) alertBreakGlass(tx Tx, g BreakGlass, by Identity) error {
	var units []Unit
	if g.ResidentID != "" {
		r, err := tx.GetResident(g.ResidentID)
		if err != nil {
			return err
		}
		u, err := tx.GetUnit(r.UnitID)
		if err != nil {
			return err
		}
		units = []Unit{u}
	} else {
		var err error
		if units, err = tx.ListUnits(g.FacilityID); err != nil {
			return err
		}
	}
	for _, u := range units {
		a := Alert{ID: NewID(), FacilityID: g.FacilityID, Kind: AlertBreakGlass, Severity: SeverityWarning, SubjectID: NewID(),
			UnitID: u.ID, ResidentID: g.ResidentID, DueAt: g.StartedAt, RaisedAt: g.StartedAt,
			Message: fmt.Sprintf("%s (%s) started emergency access until %s: %s", by.User.DisplayName, by.User.Role,
				g.ExpiresAt.In(unitLocation(u)).Format("15:04 MST"), g.Reason)}
		if _, err := tx.InsertAlert(&a); err != nil {
			return err
		}
		if _, err := s.appendAlertEvent(tx, a, EventRaised, by.User.ID, "", g.StartedAt); err != nil {
			return err
		}
	}
	return nil
}

func unitLocation(u Unit) *time.Location {
	if loc, err := u.Location(); err == nil {
		return loc
	}
	return time.UTC
}

// EndBreakGlass ends the caller's grant early.
func (s *Service) EndBreakGlass(ctx context.Context, by Identity) error {
	return s.Store.InTx(ctx, func(tx Tx) error {
		g, err := tx.ActiveBreakGlass(by.User.ID, s.now())
		if err != nil {
			return err
		}
		if err := tx.EndBreakGlass(g.ID, s.now()); err != nil {
			return err
		}
		id := by
		id.BreakGlass = true
		return s.audit(tx, id, AuditEntry{Action: "break_glass.end", ObjectType: "break_glass", ObjectID: g.ID})
	})
}

// BreakGlassActive reports the caller's grant in force now, if any.
func (s *Service) BreakGlassActive(ctx context.Context, userID string) (BreakGlass, bool, error) {
	var g BreakGlass
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		g, err = tx.ActiveBreakGlass(userID, s.now())
		return err
	})
	if ErrorCodeOf(err) == ENotFound {
		return BreakGlass{}, false, nil
	}
	return g, err == nil, err
}
