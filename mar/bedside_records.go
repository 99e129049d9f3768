package mar

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// administrationFor loads an administration the caller may act on, with
// its resident locked.
func (s *Service) administrationFor(tx Tx, by Identity, id string) (Administration, Resident, error) {
	a, err := tx.GetAdministration(id)
	if err != nil {
		return Administration{}, Resident{}, err
	}
	r, err := visibleResident(tx, by, a.ResidentID)
	if err != nil {
		return Administration{}, Resident{}, err
	}
	if err := tx.LockResident(r.ID); err != nil {
		return Administration{}, Resident{}, fmt.Errorf("lock resident: %w", err)
	}
	// Re-read under the lock.
	a, err = tx.GetAdministration(id)
	return a, r, err
}

func (s *Service) view(tx Tx, a Administration) (AdministrationView, error) {
	var orders []Order
	if o, err := tx.GetOrder(a.OrderID); err == nil {
		orders = append(orders, o)
	} else if ErrorCodeOf(err) != ENotFound {
		return AdministrationView{}, err
	}
	products, err := s.productsFor(tx, orders, []Administration{a})
	if err != nil {
		return AdministrationView{}, err
	}
	vs, err := s.views(tx, []Administration{a}, products, orders)
	if err != nil {
		return AdministrationView{}, err
	}
	return vs[0], nil
}

// EnterInError marks an administration entered-in-error (it is never
// deleted) and reopens its dose: scheduled while its window is open,
// missed after. Only the performer or a charge nurse may do it.
func (s *Service) EnterInError(ctx context.Context, by Identity, id, reason string) (AdministrationView, error) {
	if err := mayDocument(by); err != nil {
		return AdministrationView{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 2000 {
		return AdministrationView{}, &Error{Code: EInvalid, Field: "reason", Reason: ReasonReasonRequired, Message: "say why the entry is in error"}
	}
	if !ValidID(id) {
		return AdministrationView{}, NotFound("administration", id)
	}
	out, err := runWrite(ctx, s, by, func(tx Tx) (AdministrationView, error) {
		a, _, err := s.administrationFor(tx, by, id)
		if err != nil {
			return AdministrationView{}, err
		}
		if a.PerformerID != by.User.ID && by.User.Role != RoleChargeNurse {
			return AdministrationView{}, &Error{Code: EForbidden, Reason: ReasonNotPerformer, Message: "only the nurse who documented it or a charge nurse may mark it entered-in-error"}
		}
		now := s.now()
		n, err := tx.MarkEnteredInError(a.ID, by.User.ID, reason, now)
		if err != nil {
			return AdministrationView{}, err
		}
		if n == 0 {
			return AdministrationView{}, Conflict(ReasonAlreadyEnteredInError, "this administration is already marked entered-in-error")
		}
		reopened := ""
		if a.DoseID != "" {
			d, err := tx.GetDose(a.DoseID)
			if err != nil {
				return AdministrationView{}, err
			}
			to := DoseScheduled
			if now.After(d.WindowEnd) {
				to = DoseMissed
			}
			if _, err := tx.ReopenDose(d.ID, a.ID, to); err != nil {
				return AdministrationView{}, fmt.Errorf("reopen dose: %w", err)
			}
			reopened = string(to)
		}
		if a.Outcome == OutcomeGiven && a.ProductID != "" {
			if err := tx.CreateStockMovement(&StockMovement{ID: NewID(), FacilityID: a.FacilityID, UnitID: a.UnitID, ProductID: a.ProductID,
				Quantity: a.Quantity, Kind: StockReversal, RefID: a.ID, At: now, By: by.User.ID}); err != nil {
				return AdministrationView{}, fmt.Errorf("stock reversal: %w", err)
			}
		}
		if a.PRN {
			if err := tx.CancelPRNFollowup(a.ID, by.User.ID, now); err != nil {
				return AdministrationView{}, err
			}
		}
		if err := s.audit(tx, by, AuditEntry{Action: "administration.entered_in_error", ObjectType: "administration", ObjectID: a.ID, ResidentID: a.ResidentID,
			Detail: map[string]string{"reason": reason, "dose_id": a.DoseID, "dose_status": reopened}}); err != nil {
			return AdministrationView{}, err
		}
		a, err = tx.GetAdministration(a.ID)
		if err == nil {
			// The correction goes to the pharmacy system too (RXA-21 D).
			err = s.AdministrationRecorded(tx, a)
		}
		if err != nil {
			return AdministrationView{}, err
		}
		return s.view(tx, a)
	})
	if err != nil {
		s.auditRefusal(ctx, by, "administration.entered_in_error", "", err, map[string]string{"administration_id": id})
	}
	return out, err
}

// RecordPatchRemoval documents that an applied patch was taken off, which
// allows the next patch of the drug.
func (s *Service) RecordPatchRemoval(ctx context.Context, by Identity, id string, performedAt *time.Time, site, note string) (PatchRemoval, error) {
	if err := mayDocument(by); err != nil {
		return PatchRemoval{}, err
	}
	if !ValidID(id) {
		return PatchRemoval{}, NotFound("administration", id)
	}
	if len(site) > 100 || len(note) > 2000 {
		return PatchRemoval{}, Invalid("note", "too long")
	}
	out, err := runWrite(ctx, s, by, func(tx Tx) (PatchRemoval, error) {
		a, _, err := s.administrationFor(tx, by, id)
		if err != nil {
			return PatchRemoval{}, err
		}
		if !a.Patch || a.Outcome != OutcomeGiven || a.EnteredInError {
			return PatchRemoval{}, &Error{Code: ERefused, Reason: ReasonNotAPatch, Message: "this administration is not a patch that is on the resident"}
		}
		now := s.now()
		at := now
		if performedAt != nil {
			at = performedAt.UTC().Truncate(time.Microsecond)
			if at.After(now.Add(time.Minute)) || at.Before(a.PerformedAt) {
				return PatchRemoval{}, &Error{Code: EInvalid, Field: "performed_at", Reason: ReasonBackDocumentationOutOfRange, Message: "the removal time must be after the patch was applied and not in the future"}
			}
		}
		if site = strings.TrimSpace(site); site == "" {
			site = a.Site
		}
		r := PatchRemoval{AdministrationID: a.ID, FacilityID: a.FacilityID, ResidentID: a.ResidentID, RemovedAt: at, RemovedBy: by.User.ID,
			Site: site, Note: strings.TrimSpace(note), RecordedAt: now}
		if err := tx.CreatePatchRemoval(&r); err != nil {
			if ErrorCodeOf(err) == EConflict {
				return PatchRemoval{}, Conflict(ReasonAlreadyRemoved, "this patch is already documented as removed")
			}
			return PatchRemoval{}, err
		}
		if err := s.audit(tx, by, AuditEntry{Action: "administration.patch_removal", ObjectType: "administration", ObjectID: a.ID, ResidentID: a.ResidentID,
			Detail: map[string]string{"site": site}}); err != nil {
			return PatchRemoval{}, err
		}
		return r, nil
	})
	if err != nil {
		s.auditRefusal(ctx, by, "administration.patch_removal", "", err, map[string]string{"administration_id": id})
	}
	return out, err
}

// Effectiveness results of a PRN follow-up.
var effectivenessResults = map[string]bool{"effective": true, "partially_effective": true, "not_effective": true}

// RecordEffectiveness documents the follow-up of an as-needed dose.
func (s *Service) RecordEffectiveness(ctx context.Context, by Identity, id, result string, pain *int, note string) (PRNFollowup, error) {
	if err := mayDocument(by); err != nil {
		return PRNFollowup{}, err
	}
	if !effectivenessResults[result] {
		return PRNFollowup{}, Invalid("result", "must be effective, partially_effective or not_effective")
	}
	if pain != nil && !(*pain >= 0 && *pain <= 10 || *pain == 99) {
		return PRNFollowup{}, Invalid("pain_score", "must be 0-10, or 99 when the resident cannot respond")
	}
	if len(note) > 2000 {
		return PRNFollowup{}, Invalid("note", "too long")
	}
	if !ValidID(id) {
		return PRNFollowup{}, NotFound("administration", id)
	}
	out, err := runWrite(ctx, s, by, func(tx Tx) (PRNFollowup, error) {
		a, _, err := s.administrationFor(tx, by, id)
		if err != nil {
			return PRNFollowup{}, err
		}
		fu, err := tx.GetPRNFollowup(a.ID)
		if ErrorCodeOf(err) == ENotFound {
			return PRNFollowup{}, &Error{Code: ERefused, Reason: ReasonNotPRN, Message: "this administration has no effectiveness follow-up (it was not an as-needed dose that was given)"}
		} else if err != nil {
			return PRNFollowup{}, err
		}
		now := s.now()
		fu.Result, fu.PainScore, fu.Note, fu.DocumentedBy, fu.DocumentedAt, fu.Status = result, pain, strings.TrimSpace(note), by.User.ID, &now, FollowupDocumented
		n, err := tx.CompletePRNFollowup(&fu)
		if err != nil {
			return PRNFollowup{}, err
		}
		if n == 0 {
			return PRNFollowup{}, Conflict(ReasonAlreadyDocumented, "the effectiveness of this dose is already documented, or the dose was entered in error")
		}
		if err := s.audit(tx, by, AuditEntry{Action: "administration.effectiveness", ObjectType: "administration", ObjectID: a.ID, ResidentID: a.ResidentID,
			Detail: map[string]string{"result": result}}); err != nil {
			return PRNFollowup{}, err
		}
		return fu, nil
	})
	if err != nil {
		s.auditRefusal(ctx, by, "administration.effectiveness", "", err, map[string]string{"administration_id": id})
	}
	return out, err
}

// RecordVital stores a vital sign or glucose reading.
func (s *Service) RecordVital(ctx context.Context, by Identity, residentID, kind string, value float64, unit string, takenAt *time.Time) (Vital, error) {
	if err := mayDocument(by); err != nil {
		return Vital{}, err
	}
	switch {
	case kind == VitalWeight:
		// A weight is kept in kg; one in lb is converted.
		kg, err := WeightToKg(value, unit)
		if err != nil {
			return Vital{}, err
		}
		value = kg
	case unit != "" && VitalKinds[kind].Unit != "" && unit != VitalKinds[kind].Unit:
		return Vital{}, Invalid("unit", "%s is recorded in %s", kind, VitalKinds[kind].Unit)
	}
	if err := validateVital(kind, value); err != nil {
		return Vital{}, err
	}
	return runWrite(ctx, s, by, func(tx Tx) (Vital, error) {
		r, err := visibleResident(tx, by, residentID)
		if err != nil {
			return Vital{}, err
		}
		now := s.now()
		at := now
		if takenAt != nil {
			at = takenAt.UTC().Truncate(time.Microsecond)
			if at.After(now.Add(time.Minute)) || at.Before(now.Add(-s.Config.Bedside.MaxBackDocument)) {
				return Vital{}, &Error{Code: EInvalid, Field: "taken_at", Reason: ReasonBackDocumentationOutOfRange, Message: "the reading's time must not be in the future or more than a day ago"}
			}
		}
		v := Vital{ID: NewID(), FacilityID: r.FacilityID, ResidentID: r.ID, Kind: kind, Value: value, Unit: VitalKinds[kind].Unit, TakenAt: at, RecordedAt: now, RecordedBy: by.User.ID}
		if err := tx.CreateVital(&v); err != nil {
			return Vital{}, err
		}
		if err := s.audit(tx, by, AuditEntry{Action: "vital.record", ObjectType: "vital", ObjectID: v.ID, ResidentID: r.ID, Detail: map[string]any{"kind": kind, "value": value, "unit": v.Unit}}); err != nil {
			return Vital{}, err
		}
		return v, nil
	})
}

// ListVitals returns a resident's recent readings; the read is audited.
func (s *Service) ListVitals(ctx context.Context, by Identity, residentID string, since time.Time) ([]Vital, error) {
	var out []Vital
	err := s.readResident(ctx, by, residentID, "vital.list", func(tx Tx, r Resident) error {
		var err error
		out, err = tx.ListVitals(r.ID, since, 500)
		return err
	})
	return out, err
}

// ListAdministrations returns a resident's administrations, newest first;
// the read is audited.
func (s *Service) ListAdministrations(ctx context.Context, by Identity, residentID string, since, until time.Time) ([]AdministrationView, error) {
	var out []AdministrationView
	err := s.readResident(ctx, by, residentID, "administration.list", func(tx Tx, r Resident) error {
		admins, err := tx.ListAdministrations(AdministrationFilter{ResidentID: r.ID, Since: since, Until: until, Newest: true, Limit: 1000})
		if err != nil {
			return err
		}
		orders, err := tx.ListOrders(OrderFilter{ResidentID: r.ID})
		if err != nil {
			return err
		}
		products, err := s.productsFor(tx, orders, admins)
		if err != nil {
			return err
		}
		out, err = s.views(tx, admins, products, orders)
		return err
	})
	return out, err
}

// GetAdministration returns one administration; the read is audited.
func (s *Service) GetAdministration(ctx context.Context, by Identity, id string) (AdministrationView, error) {
	var out AdministrationView
	if !ValidID(id) {
		return out, NotFound("administration", id)
	}
	err := s.Store.InTx(ctx, func(tx Tx) error {
		a, err := tx.GetAdministration(id)
		if err != nil {
			return err
		}
		if _, err := visibleResident(tx, by, a.ResidentID); err != nil {
			return err
		}
		if out, err = s.view(tx, a); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "administration.read", ObjectType: "administration", ObjectID: a.ID, ResidentID: a.ResidentID})
	})
	return out, err
}
