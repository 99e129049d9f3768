package mar

import (
	"context"
	"strings"
)

// BreakGlassHook is told when a grant starts, so the unit's charge nurse
// hears of it (the alerts package raises an alert).
type BreakGlassHook func(tx Tx, g BreakGlass, by Identity) error

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
		if s.OnBreakGlass != nil {
			return s.OnBreakGlass(tx, g, id)
		}
		return nil
	})
	return g, err
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
