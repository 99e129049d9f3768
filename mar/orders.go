package mar

import (
	"context"
	"strings"
	"time"

	"github.com/emar-project/emar/schedules"
)

// CreateOrder stores a new order. Orders entered by a pharmacist are
// verified on entry; orders from anyone else or from outside systems wait
// for pharmacy verification.
func (s *Service) CreateOrder(ctx context.Context, by Identity, o Order) (Order, error) {
	var out Order
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		out, err = s.createOrderTx(tx, by, o, by.User.Role == RolePharmacist)
		return err
	})
	return out, err
}

// createOrderTx stores a new order inside tx: active when verified, else
// pending verification. Orders from outside systems come through here too.
func (s *Service) createOrderTx(tx Tx, by Identity, o Order, verified bool) (Order, error) {
	now := s.now()
	o.ID = NewID()
	o.FacilityID = by.User.FacilityID
	o.Ingredient = NormalizeIngredient(o.Ingredient)
	o.Route = strings.ToLower(strings.TrimSpace(o.Route))
	o.CreatedAt, o.UpdatedAt = now, now
	o.MaterializedUntil = nil
	o.VerifiedBy, o.VerifiedAt = "", nil
	if o.Source == "" {
		o.Source = "rest"
	}
	if verified {
		o.Status = OrderActive
		o.VerifiedBy, o.VerifiedAt = by.User.ID, &now
	} else {
		o.Status = OrderPending
	}
	res, err := tx.GetResident(o.ResidentID)
	if err != nil {
		return o, Invalid("resident_id", "unknown resident %q", o.ResidentID)
	}
	if res.FacilityID != o.FacilityID {
		return o, Invalid("resident_id", "unknown resident %q", o.ResidentID)
	}
	if res.Status != Admitted {
		return o, &Error{Code: ERefused, Field: "resident_id", Reason: "resident_discharged", Message: "the resident is discharged; orders cannot be added"}
	}
	var product Product
	if o.ProductID != "" {
		p, err := tx.GetProduct(o.ProductID)
		if err != nil || p.FacilityID != o.FacilityID {
			return o, Invalid("product_id", "unknown product %q", o.ProductID)
		}
		product = p
		if o.Ingredient == "" && len(p.Ingredients) > 0 {
			o.Ingredient = p.Ingredients[0].Name
		}
		if !p.HasRoute(o.Route) {
			return o, Invalid("route", "%s is not given by the %s route", p.Name, o.Route)
		}
	}
	if err := o.Validate(); err != nil {
		return o, err
	}
	unit, err := tx.GetUnit(res.UnitID)
	if err != nil {
		return o, err
	}
	rule, err := s.ParseFrequency(o.Frequency, unit)
	if err != nil {
		return o, err
	}
	o.PRN = o.PRN || rule.Kind == schedules.KindPRN
	// Store the canonical text: it spells out the clock times, so a
	// later change of the unit's default times never moves the doses
	// of an existing order.
	o.Frequency = rule.String()
	if reason, why := OrderFormProblem(o, product); why != "" && o.Status == OrderActive {
		if o.Source == "rest" {
			return o, &Error{Code: ERefused, Field: "dose_value", Reason: reason, Message: why}
		}
		// Verified by the sender, but not givable as written: it waits
		// for a pharmacist, who sees the problem in the queue.
		o.Status, o.VerifiedBy, o.VerifiedAt = OrderPending, "", nil
	}
	if o.Status == OrderActive {
		if err := s.checkOrderWeight(tx, o); err != nil {
			if o.Source == "rest" {
				return o, err
			}
			// Verified by the sender, but no fresh weight to work the dose
			// out with: it waits for a pharmacist.
			o.Status, o.VerifiedBy, o.VerifiedAt = OrderPending, "", nil
		}
	}
	s.applyPRNLimit(&o, product)
	if err := tx.CreateOrder(&o); err != nil {
		return o, err
	}
	o, n, err := s.materializeOrderTx(tx, o)
	if err != nil {
		return o, err
	}
	return o, s.audit(tx, by, AuditEntry{Action: "order.create", ObjectType: "order", ObjectID: o.ID, ResidentID: o.ResidentID,
		Detail: map[string]any{"ingredient": o.Ingredient, "dose": o.DoseValue, "unit": o.DoseUnit, "route": o.Route, "frequency": o.Frequency,
			"status": o.Status, "source": o.Source, "external_id": o.ExternalID, "doses_scheduled": n}})
}

// OrderAction changes an order's status.
type OrderAction string

const (
	ActionHold        OrderAction = "hold"
	ActionResume      OrderAction = "resume"
	ActionDiscontinue OrderAction = "discontinue"
)

// ChangeOrderStatus holds, resumes or discontinues an order. Hold suspends
// future undocumented doses, resume brings them back, discontinue cancels
// them; documented doses are never touched.
func (s *Service) ChangeOrderStatus(ctx context.Context, by Identity, orderID string, action OrderAction, reason string) (Order, error) {
	if strings.TrimSpace(reason) == "" {
		return Order{}, Invalid("reason", "a reason is required")
	}
	var o Order
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		if o, err = s.orderInFacility(tx, by, orderID); err != nil {
			return err
		}
		// The unit scope first: staff of another unit learn nothing of
		// the order, not even that it is already closed.
		if ScopedToUnits(by.User.Role) {
			r, err := tx.GetResident(o.ResidentID)
			if err != nil {
				return err
			}
			if err := CanSeeResident(by.User, r); err != nil {
				return err
			}
		}
		o, err = s.changeOrderStatusTx(tx, by, o, action, reason)
		return err
	})
	return o, err
}

func (s *Service) changeOrderStatusTx(tx Tx, by Identity, o Order, action OrderAction, reason string) (Order, error) {
	var err error
	now := s.now()
	from := o.Status
	switch action {
	case ActionHold:
		if o.Status != OrderActive {
			return o, Conflict("order_not_active", "only an active order can be held (it is %s)", o.Status)
		}
		// The doses up to the horizon exist, so the MAR shows the held ones.
		if o, _, err = s.materializeOrderTx(tx, o); err != nil {
			return o, err
		}
		o.Status = OrderOnHold
		_, err = tx.SetDoseStatus(o.ID, now, []DoseStatus{DoseScheduled}, DoseSuspended)
	case ActionResume:
		if o.Status != OrderOnHold {
			return o, Conflict("order_not_on_hold", "only an order on hold can be resumed (it is %s)", o.Status)
		}
		o.Status = OrderActive
		// Doses whose time passed during the hold stay suspended:
		// they were not due while the order was held.
		if _, err = tx.SetDoseStatus(o.ID, now, []DoseStatus{DoseSuspended}, DoseScheduled); err != nil {
			return o, err
		}
		// The horizon stood still during the hold: doses are added from
		// now on, never for the time the order was held.
		if o.MaterializedUntil == nil || o.MaterializedUntil.Before(now) {
			o.MaterializedUntil = &now
		}
		o, _, err = s.materializeOrderTx(tx, o)
	case ActionDiscontinue:
		switch o.Status {
		case OrderDiscontinued, OrderCompleted, OrderRejected:
			return o, Conflict("order_closed", "the order is already %s", o.Status)
		}
		o.Status = OrderDiscontinued
		o.StopAt = &now
		_, err = tx.SetDoseStatus(o.ID, now, []DoseStatus{DoseScheduled, DoseSuspended}, DoseCancelled)
	default:
		return o, Invalid("action", "must be hold, resume or discontinue")
	}
	if err != nil {
		return o, err
	}
	o.UpdatedAt = now
	if action == ActionResume {
		o.StatusReason = ""
	} else {
		o.StatusReason = reason
	}
	if err := tx.UpdateOrder(&o); err != nil {
		return o, err
	}
	return o, s.audit(tx, by, AuditEntry{Action: "order." + string(action), ObjectType: "order", ObjectID: o.ID, ResidentID: o.ResidentID,
		Detail: map[string]any{"from": from, "to": o.Status, "reason": reason}})
}

// OrderChange is a revision of an order's dose or timing.
type OrderChange struct {
	DoseValue    *float64
	DoseUnit     *string
	Route        *string
	Frequency    *string
	StopAt       *time.Time
	Instructions *string
	Reason       string
}

// ChangeOrder revises an order. Future undocumented doses are cancelled and
// regenerated under the new rule in the same transaction; past and
// documented doses stay as they were.
func (s *Service) ChangeOrder(ctx context.Context, by Identity, orderID string, ch OrderChange) (Order, error) {
	if strings.TrimSpace(ch.Reason) == "" {
		return Order{}, Invalid("reason", "a reason is required")
	}
	var o Order
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		if o, err = s.orderInFacility(tx, by, orderID); err != nil {
			return err
		}
		if o, err = s.changeOrderTx(tx, by, o, ch); err != nil {
			return err
		}
		if o.Status == OrderActive || o.Status == OrderOnHold {
			if err := checkOrderForm(tx, o); err != nil {
				return err
			}
		}
		if o.Status == OrderActive {
			if err := s.checkOrderWeight(tx, o); err != nil {
				return err
			}
		}
		o, _, err = s.materializeOrderTx(tx, o)
		return err
	})
	return o, err
}

func (s *Service) changeOrderTx(tx Tx, by Identity, o Order, ch OrderChange) (Order, error) {
	switch o.Status {
	case OrderDiscontinued, OrderCompleted, OrderRejected:
		return o, Conflict("order_closed", "a %s order cannot be changed", o.Status)
	}
	before := o
	if ch.DoseValue != nil {
		o.DoseValue = *ch.DoseValue
	}
	if ch.DoseUnit != nil {
		o.DoseUnit = *ch.DoseUnit
	}
	if ch.Route != nil {
		o.Route = strings.ToLower(strings.TrimSpace(*ch.Route))
	}
	if ch.Frequency != nil {
		o.Frequency = *ch.Frequency
	}
	if ch.StopAt != nil {
		o.StopAt = ch.StopAt
	}
	if ch.Instructions != nil {
		o.Instructions = *ch.Instructions
	}
	if err := o.Validate(); err != nil {
		return o, err
	}
	res, err := tx.GetResident(o.ResidentID)
	if err != nil {
		return o, err
	}
	unit, err := tx.GetUnit(res.UnitID)
	if err != nil {
		return o, err
	}
	rule, err := s.ParseFrequency(o.Frequency, unit)
	if err != nil {
		return o, err
	}
	o.Frequency = rule.String()
	if o.ProductID != "" && ch.Route != nil {
		p, err := tx.GetProduct(o.ProductID)
		if err != nil {
			return o, err
		}
		if !p.HasRoute(o.Route) {
			return o, Invalid("route", "%s is not given by the %s route", p.Name, o.Route)
		}
	}
	// A change never lifts the PRN psychotropic limit: only a renewal does.
	if o.RegulatoryStop != nil && (o.StopAt == nil || o.StopAt.After(*o.RegulatoryStop)) {
		stop := *o.RegulatoryStop
		o.StopAt = &stop
	}
	now := s.now()
	if _, err := tx.SetDoseStatus(o.ID, now, []DoseStatus{DoseScheduled, DoseSuspended}, DoseCancelled); err != nil {
		return o, err
	}
	// Expand again from now: the caller revives or adds the future doses.
	o.MaterializedUntil = &now
	if err := tx.SetMaterializedUntil(o.ID, &now); err != nil {
		return o, err
	}
	o.UpdatedAt = now
	if err := tx.UpdateOrder(&o); err != nil {
		return o, err
	}
	return o, s.audit(tx, by, AuditEntry{Action: "order.change", ObjectType: "order", ObjectID: o.ID, ResidentID: o.ResidentID,
		Detail: map[string]any{"reason": ch.Reason, "before": orderSummary(before), "after": orderSummary(o)}})
}

func orderSummary(o Order) map[string]any {
	return map[string]any{"dose": o.DoseValue, "unit": o.DoseUnit, "route": o.Route, "frequency": o.Frequency, "stop_at": o.StopAt}
}

func (s *Service) orderInFacility(tx Tx, by Identity, id string) (Order, error) {
	o, err := tx.GetOrder(id)
	if err != nil {
		return Order{}, err
	}
	if o.FacilityID != by.User.FacilityID {
		return Order{}, NotFound("order", id)
	}
	return o, nil
}

// ListOrders lists a resident's orders (audited as a read of the record).
func (s *Service) ListOrders(ctx context.Context, by Identity, residentID string, statuses []OrderStatus) ([]Order, error) {
	var out []Order
	err := s.readResident(ctx, by, residentID, "order.list", func(tx Tx, r Resident) error {
		var err error
		out, err = tx.ListOrders(OrderFilter{FacilityID: by.User.FacilityID, ResidentID: r.ID, Statuses: statuses})
		return err
	})
	return out, err
}

// ListDoses lists a resident's scheduled doses in [from, to).
func (s *Service) ListDoses(ctx context.Context, by Identity, residentID string, from, to time.Time) ([]ScheduledDose, error) {
	var out []ScheduledDose
	err := s.readResident(ctx, by, residentID, "dose.list", func(tx Tx, r Resident) error {
		var err error
		out, err = tx.ListDoses(DoseFilter{ResidentID: r.ID, DueFrom: from, DueTo: to})
		return err
	})
	return out, err
}
