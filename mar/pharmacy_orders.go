package mar

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/emar-project/emar/schedules"
)

// applyPRNLimit puts the 14-day limit of 42 CFR 483.45(e) on a new PRN
// psychotropic order: StopAt is brought forward to it, so the bedside
// refuses doses after it even before the expiry job has run.
func (s *Service) applyPRNLimit(o *Order, p Product) {
	if !RegulatedPRN(*o, p) || s.Config.Pharmacy.PRNPsychotropicDays <= 0 {
		return
	}
	limit := o.StartAt.AddDate(0, 0, s.Config.Pharmacy.PRNPsychotropicDays)
	o.RegulatoryStop = &limit
	if o.StopAt == nil || o.StopAt.After(limit) {
		stop := limit
		o.StopAt = &stop
	}
}

// regulatoryExpiry is when a regulated PRN order stops: its recorded
// limit, or (for orders that predate the limit) start + the limit.
func (s *Service) regulatoryExpiry(o Order) time.Time {
	exp := o.StartAt.AddDate(0, 0, s.Config.Pharmacy.PRNPsychotropicDays)
	if o.RegulatoryStop != nil {
		exp = *o.RegulatoryStop
	}
	if o.StopAt != nil && o.StopAt.Before(exp) {
		exp = *o.StopAt
	}
	return exp
}

func mustBePharmacist(by Identity) error {
	if by.User.Role != RolePharmacist {
		return Forbidden("only a pharmacist may do this")
	}
	return nil
}

// QueueItem is a pending order with what the pharmacist needs to judge it.
type QueueItem struct {
	Order          Order
	Resident       Resident
	Product        *Product
	AllergyHits    []Allergy // resident allergies matching the order's ingredients
	Duplicates     []Order   // other live orders of the resident with the same ingredient
	Clarifications []Clarification
	Stat           bool // STAT/NOW: may already have been given under the override
	// DoseFormProblem says why the ordered dose cannot be given with the
	// product's form (half a capsule); verification refuses it.
	DoseFormProblem string
	// ClockChanges are the doses of the next clockChangeHorizon whose
	// local time a clock change moved, each with its note, so the
	// pharmacist sees them before verifying.
	ClockChanges []PreviewDose
}

// clockChangeHorizon is how far ahead the verification queue looks for doses
// moved by a clock change.
const clockChangeHorizon = 14 * 24 * time.Hour

// clockChanges returns the doses of order o, due from now over the next
// clockChangeHorizon in unit u's zone, that a clock change moved.
func (s *Service) clockChanges(o Order, u Unit, now time.Time) ([]PreviewDose, error) {
	loc, err := u.Location()
	if err != nil {
		return nil, err
	}
	rule, err := s.ParseFrequency(o.Frequency, u)
	if err != nil {
		return nil, nil // the queue shows the order; its text is refused on verification
	}
	from := o.StartAt
	if now.After(from) {
		from = now
	}
	var stop time.Time
	if o.StopAt != nil {
		stop = *o.StopAt
	}
	var out []PreviewDose
	for _, d := range schedules.Expand(rule, o.StartAt, stop, from, from.Add(clockChangeHorizon), loc) {
		if note := schedules.ClockNote(rule, d, loc); note != "" {
			out = append(out, PreviewDose{At: d.At, Local: d.At.In(loc), Step: d.Step, Dose: d.Dose, ClockChange: note})
		}
	}
	return out, nil
}

// VerificationQueue lists the facility's orders waiting for verification,
// oldest first, flagging allergy conflicts and duplicate therapy.
func (s *Service) VerificationQueue(ctx context.Context, by Identity) ([]QueueItem, error) {
	if err := mustBePharmacist(by); err != nil {
		return nil, err
	}
	var out []QueueItem
	err := s.Store.InTx(ctx, func(tx Tx) error {
		out = nil
		pending, err := tx.ListOrders(OrderFilter{FacilityID: by.User.FacilityID, Statuses: []OrderStatus{OrderPending}})
		if err != nil {
			return err
		}
		ids := make([]string, len(pending))
		for i, o := range pending {
			ids[i] = o.ID
		}
		cls, err := tx.ListClarifications(ids)
		if err != nil {
			return err
		}
		residents := map[string]Resident{}
		products := map[string]Product{}
		units := map[string]Unit{}
		now := s.now()
		for _, o := range pending {
			r, ok := residents[o.ResidentID]
			if !ok {
				if r, err = tx.GetResident(o.ResidentID); err != nil {
					return err
				}
				residents[o.ResidentID] = r
			}
			item := QueueItem{Order: o, Resident: r, Stat: IsStatOrder(o)}
			u, ok := units[r.UnitID]
			if !ok {
				if u, err = tx.GetUnit(r.UnitID); err != nil {
					return err
				}
				units[r.UnitID] = u
			}
			if item.ClockChanges, err = s.clockChanges(o, u, now); err != nil {
				return err
			}
			ingredients := []string{o.Ingredient}
			if o.ProductID != "" {
				p, ok := products[o.ProductID]
				if !ok {
					if p, err = tx.GetProduct(o.ProductID); err != nil {
						return err
					}
					products[o.ProductID] = p
				}
				item.Product = &p
				_, item.DoseFormProblem = OrderFormProblem(o, p)
				for _, in := range p.Ingredients {
					ingredients = append(ingredients, in.Name)
				}
			}
			item.AllergyHits = allergyHits(r.Allergies, ingredients)
			others, err := tx.ListOrders(OrderFilter{FacilityID: by.User.FacilityID, ResidentID: o.ResidentID,
				Statuses: []OrderStatus{OrderActive, OrderOnHold, OrderPending}})
			if err != nil {
				return err
			}
			for _, other := range others {
				if other.ID != o.ID && sharesIngredient(other.Ingredient, ingredients) {
					item.Duplicates = append(item.Duplicates, other)
				}
			}
			for _, c := range cls {
				if c.OrderID == o.ID {
					item.Clarifications = append(item.Clarifications, c)
				}
			}
			out = append(out, item)
		}
		return s.audit(tx, by, AuditEntry{Action: "pharmacy.queue", ObjectType: "facility", ObjectID: by.User.FacilityID, Detail: map[string]int{"count": len(out)}})
	})
	return out, err
}

// allergyHits lists the allergies an order's ingredients meet, by the
// bedside's rules (the same ingredient, its drug class, or a
// cross-reactive class), and also by name containment either way round,
// so "penicillin v potassium" and "amoxicillin trihydrate" are caught as
// pharmacy would catch them.
func allergyHits(allergies []Allergy, ingredients []string) []Allergy {
	var out []Allergy
	for _, a := range allergies {
		sub := NormalizeIngredient(a.Substance)
		if sub == "" {
			continue
		}
		for _, in := range ingredients {
			in = NormalizeIngredient(in)
			if in == "" {
				continue
			}
			if m, _ := MatchAllergy(in, sub); m != AllergyNone || strings.Contains(in, sub) || strings.Contains(sub, in) {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

func sharesIngredient(ingredient string, list []string) bool {
	ingredient = NormalizeIngredient(ingredient)
	for _, in := range list {
		if ingredient != "" && NormalizeIngredient(in) == ingredient {
			return true
		}
	}
	return false
}

// VerifyOrder is the pharmacist's verification: a pending order becomes
// active and its doses are materialised in the same transaction, so a
// STAT dose can be scanned as soon as it returns. Open clarifications are
// closed by it.
func (s *Service) VerifyOrder(ctx context.Context, by Identity, orderID, note string) (Order, error) {
	if err := mustBePharmacist(by); err != nil {
		return Order{}, err
	}
	var o Order
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		if o, err = s.orderInFacility(tx, by, orderID); err != nil {
			return err
		}
		if o.Status != OrderPending {
			return &Error{Code: EConflict, Reason: "order_not_pending", Message: fmt.Sprintf("only an order pending verification can be verified (it is %s)", o.Status),
				Details: map[string]any{"status": o.Status, "verified_by": o.VerifiedBy, "verified_at": o.VerifiedAt}}
		}
		if err := checkOrderForm(tx, o); err != nil {
			return err
		}
		if err := s.checkOrderWeight(tx, o); err != nil {
			return err
		}
		now := s.now()
		o.Status = OrderActive
		o.VerifiedBy, o.VerifiedAt = by.User.ID, &now
		o.UpdatedAt = now
		o.StatusReason = ""
		if err := tx.UpdateOrder(&o); err != nil {
			return err
		}
		if err := tx.ResolveClarifications(o.ID, by.User.ID, "verified", now); err != nil {
			return err
		}
		var n int
		if o, n, err = s.materializeOrderTx(tx, o); err != nil {
			return err
		}
		hold := o.HoldOnVerify
		if err := s.audit(tx, by, AuditEntry{Action: "order.verify", ObjectType: "order", ObjectID: o.ID, ResidentID: o.ResidentID,
			Detail: map[string]any{"note": note, "doses_scheduled": n, "held": hold != ""}}); err != nil {
			return err
		}
		if hold != "" {
			// Sent on hold: verified, and held in the same transaction, so
			// no dose is givable until someone resumes it.
			o.HoldOnVerify = ""
			o, err = s.changeOrderStatusTx(tx, by, o, ActionHold, hold)
		}
		return err
	})
	return o, err
}

// checkOrderForm refuses an order whose dose needs a fraction of a unit
// its product's form does not allow, or that asks for a product crushed
// that must not be: a pharmacist cannot make it givable.
func checkOrderForm(tx Tx, o Order) error {
	if o.ProductID == "" {
		return nil
	}
	p, err := tx.GetProduct(o.ProductID)
	if err != nil {
		return fmt.Errorf("product of order %s: %w", o.ID, err)
	}
	if reason, why := OrderFormProblem(o, p); why != "" {
		return &Error{Code: ERefused, Field: "dose_value", Reason: reason, Message: why}
	}
	return nil
}

// RejectOrder refuses a pending order with a reason; it can never be given.
func (s *Service) RejectOrder(ctx context.Context, by Identity, orderID, reason string) (Order, error) {
	if err := mustBePharmacist(by); err != nil {
		return Order{}, err
	}
	if strings.TrimSpace(reason) == "" {
		return Order{}, Invalid("reason", "a reason is required")
	}
	var o Order
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		if o, err = s.orderInFacility(tx, by, orderID); err != nil {
			return err
		}
		if o.Status != OrderPending {
			return Conflict("order_not_pending", "only an order pending verification can be rejected (it is %s)", o.Status)
		}
		now := s.now()
		o.Status, o.StatusReason, o.UpdatedAt = OrderRejected, strings.TrimSpace(reason), now
		if _, err := tx.SetDoseStatus(o.ID, time.Time{}, []DoseStatus{DoseScheduled, DoseSuspended}, DoseCancelled); err != nil {
			return err
		}
		if err := tx.UpdateOrder(&o); err != nil {
			return err
		}
		if err := tx.ResolveClarifications(o.ID, by.User.ID, "rejected", now); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "order.reject", ObjectType: "order", ObjectID: o.ID, ResidentID: o.ResidentID,
			Detail: map[string]string{"reason": o.StatusReason}})
	})
	return o, err
}

// ClarifyOrder records the pharmacist's question to the prescriber; the
// order stays pending with the question shown in the queue.
func (s *Service) ClarifyOrder(ctx context.Context, by Identity, orderID, question string) (Clarification, error) {
	if err := mustBePharmacist(by); err != nil {
		return Clarification{}, err
	}
	question = strings.TrimSpace(question)
	if question == "" {
		return Clarification{}, Invalid("question", "a question is required")
	}
	var c Clarification
	err := s.Store.InTx(ctx, func(tx Tx) error {
		o, err := s.orderInFacility(tx, by, orderID)
		if err != nil {
			return err
		}
		if o.Status != OrderPending {
			return Conflict("order_not_pending", "only an order pending verification needs clarification (it is %s)", o.Status)
		}
		c = Clarification{ID: NewID(), FacilityID: o.FacilityID, OrderID: o.ID, Question: question, AskedBy: by.User.ID, AskedAt: s.now()}
		if err := tx.CreateClarification(&c); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "order.clarify", ObjectType: "order", ObjectID: o.ID, ResidentID: o.ResidentID,
			Detail: map[string]string{"question": question}})
	})
	return c, err
}

// RenewalInput is a prescriber's renewal of a PRN psychotropic order.
type RenewalInput struct {
	Rationale    string
	DurationDays int
	Evaluated    bool
	Prescriber   string
}

// RenewOrder extends a PRN psychotropic order past its 14-day limit, as
// 42 CFR 483.45(e) allows: with the prescriber's documented rationale and
// duration; an antipsychotic only after the prescriber evaluated the
// resident, and for at most 14 days at a time.
func (s *Service) RenewOrder(ctx context.Context, by Identity, orderID string, in RenewalInput) (Order, Renewal, error) {
	if err := mustBePharmacist(by); err != nil {
		return Order{}, Renewal{}, err
	}
	in.Rationale = strings.TrimSpace(in.Rationale)
	if in.Rationale == "" {
		return Order{}, Renewal{}, Invalid("rationale", "the prescriber's documented rationale is required")
	}
	cfg := s.Config.Pharmacy
	if in.DurationDays < 1 || in.DurationDays > cfg.MaxRenewalDays {
		return Order{}, Renewal{}, Invalid("duration_days", "must be between 1 and %d days", cfg.MaxRenewalDays)
	}
	var o Order
	var r Renewal
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		if o, err = s.orderInFacility(tx, by, orderID); err != nil {
			return err
		}
		var p Product
		if o.ProductID != "" {
			if p, err = tx.GetProduct(o.ProductID); err != nil {
				return err
			}
		}
		if !RegulatedPRN(o, p) {
			return &Error{Code: ERefused, Reason: "not_regulated_prn", Message: "only PRN psychotropic orders need renewal"}
		}
		switch o.Status {
		case OrderActive, OrderOnHold, OrderPending:
		default:
			return Conflict("order_closed", "a %s order cannot be renewed; enter a new order", o.Status)
		}
		if p.Antipsychotic {
			if !in.Evaluated {
				return &Error{Code: ERefused, Field: "evaluated", Reason: "evaluation_required", Message: "a PRN antipsychotic is renewed only after the prescriber evaluates the resident"}
			}
			if in.DurationDays > cfg.PRNPsychotropicDays {
				return Invalid("duration_days", "a PRN antipsychotic renews for at most %d days", cfg.PRNPsychotropicDays)
			}
		}
		now := s.now()
		prev := o.StopAt
		stop := now.AddDate(0, 0, in.DurationDays)
		r = Renewal{ID: NewID(), FacilityID: o.FacilityID, OrderID: o.ID, Rationale: in.Rationale, DurationDays: in.DurationDays,
			Evaluated: in.Evaluated, Prescriber: strings.TrimSpace(in.Prescriber), RenewedBy: by.User.ID, RenewedAt: now, PreviousStop: prev, NewStop: stop}
		if err := tx.CreateRenewal(&r); err != nil {
			return err
		}
		o.RegulatoryStop = &stop
		stop2 := stop
		o.StopAt = &stop2
		o.UpdatedAt = now
		if err := tx.UpdateOrder(&o); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "order.renew", ObjectType: "order", ObjectID: o.ID, ResidentID: o.ResidentID,
			Detail: map[string]any{"rationale": in.Rationale, "duration_days": in.DurationDays, "evaluated": in.Evaluated, "prescriber": r.Prescriber, "new_stop": stop}})
	})
	return o, r, err
}

// ExpiringOrder is a PRN psychotropic order and when it stops.
type ExpiringOrder struct {
	Order         Order
	Resident      Resident
	Product       Product
	ExpiresAt     time.Time
	Antipsychotic bool
	Renewals      []Renewal
}

// ExpiringOrders lists PRN psychotropic orders that stop within days,
// soonest first.
func (s *Service) ExpiringOrders(ctx context.Context, by Identity, days int) ([]ExpiringOrder, error) {
	if days < 0 || days > 365 {
		return nil, Invalid("days", "must be between 0 and 365")
	}
	var out []ExpiringOrder
	err := s.Store.InTx(ctx, func(tx Tx) error {
		out = nil
		orders, err := tx.RegulatedPRNOrders(by.User.FacilityID)
		if err != nil {
			return err
		}
		horizon := s.now().AddDate(0, 0, days)
		for _, o := range orders {
			exp := s.regulatoryExpiry(o)
			if exp.After(horizon) {
				continue
			}
			r, err := tx.GetResident(o.ResidentID)
			if err != nil {
				return err
			}
			if ScopedToUnits(by.User.Role) && !by.User.WorksOnUnit(r.UnitID) {
				continue
			}
			p, err := tx.GetProduct(o.ProductID)
			if err != nil {
				return err
			}
			rn, err := tx.ListRenewals(o.ID)
			if err != nil {
				return err
			}
			out = append(out, ExpiringOrder{Order: o, Resident: r, Product: p, ExpiresAt: exp, Antipsychotic: p.Antipsychotic, Renewals: rn})
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].ExpiresAt.Before(out[j].ExpiresAt) })
		return s.audit(tx, by, AuditEntry{Action: "pharmacy.expiring", ObjectType: "facility", ObjectID: by.User.FacilityID, Detail: map[string]int{"days": days, "count": len(out)}})
	})
	return out, err
}

// ExpireOrders is the job that completes PRN psychotropic orders past
// their limit, cancelling what remains of them; each order changes in its
// own transaction with its audit event. by is the job's identity.
func (s *Service) ExpireOrders(ctx context.Context, by Identity) (int, error) {
	var due []Order
	err := s.Store.InTx(ctx, func(tx Tx) error {
		due = nil
		orders, err := tx.RegulatedPRNOrders(by.User.FacilityID)
		if err != nil {
			return err
		}
		now := s.now()
		for _, o := range orders {
			if !s.regulatoryExpiry(o).After(now) {
				due = append(due, o)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range due {
		err := s.Store.InTx(ctx, func(tx Tx) error {
			o, err := tx.GetOrder(d.ID)
			if err != nil {
				return err
			}
			switch o.Status {
			case OrderActive, OrderOnHold, OrderPending:
			default:
				return nil
			}
			now := s.now()
			exp := s.regulatoryExpiry(o)
			if exp.After(now) {
				return nil // renewed meanwhile
			}
			from := o.Status
			o.Status = OrderCompleted
			o.StatusReason = "PRN psychotropic order expired after its limit (42 CFR 483.45(e)); renew with a documented rationale"
			if o.StopAt == nil || o.StopAt.After(exp) {
				o.StopAt = &exp
			}
			o.UpdatedAt = now
			if _, err := tx.SetDoseStatus(o.ID, exp, []DoseStatus{DoseScheduled, DoseSuspended}, DoseCancelled); err != nil {
				return err
			}
			if err := tx.UpdateOrder(&o); err != nil {
				return err
			}
			n++
			return s.audit(tx, by, AuditEntry{Action: "order.expire", ObjectType: "order", ObjectID: o.ID, ResidentID: o.ResidentID,
				Detail: map[string]any{"from": from, "expired_at": exp}})
		})
		if err != nil {
			return n, fmt.Errorf("expire order %s: %w", d.ID, err)
		}
	}
	return n, nil
}

// AdministrationRecorded is called by the bedside inside the transaction
// that charts an administration, or marks one entered in error. A dose
// given on an order that pharmacy had not verified (the STAT override) is
// flagged for retrospective review; then OnAdministration (the HL7
// outbox) runs with everything a report of it needs.
func (s *Service) AdministrationRecorded(tx Tx, a Administration) error {
	return s.administrationRecorded(tx, a, nil)
}

// administrationRecorded is AdministrationRecorded with the order as the
// caller's transaction read it (nil: read it here).
func (s *Service) administrationRecorded(tx Tx, a Administration, order *Order) error {
	if a.Outcome == OutcomeGiven && a.OrderID != "" && !a.EnteredInError {
		var o Order
		if order != nil && order.ID == a.OrderID {
			o = *order
		} else {
			var err error
			if o, err = tx.GetOrder(a.OrderID); err != nil {
				return err
			}
		}
		if o.Status == OrderPending || o.VerifiedAt == nil {
			if err := tx.CreateAdministrationReview(&AdministrationReview{AdministrationID: a.ID, FacilityID: a.FacilityID, OrderID: o.ID,
				Reason: "given before pharmacy verification (STAT override)", FlaggedAt: s.now()}); err != nil {
				return fmt.Errorf("flag for review: %w", err)
			}
		}
	}
	if s.OnAdministration == nil {
		return nil
	}
	rec, err := s.administrationRecord(tx, a)
	if err != nil {
		return err
	}
	return s.OnAdministration(tx, rec)
}

// AddProductCode records another code (local pharmacy code, RxNorm …)
// under which outside systems name a product.
func (s *Service) AddProductCode(ctx context.Context, by Identity, productID, system, code string) error {
	system, code = strings.TrimSpace(system), strings.TrimSpace(code)
	if system == "" {
		return Invalid("system", "is required (e.g. local, http://www.nlm.nih.gov/research/umls/rxnorm)")
	}
	if code == "" {
		return Invalid("code", "is required")
	}
	return s.Store.InTx(ctx, func(tx Tx) error {
		p, err := tx.GetProduct(productID)
		if err != nil || p.FacilityID != by.User.FacilityID {
			return NotFound("product", productID)
		}
		if err := tx.AddProductCode(p.FacilityID, p.ID, system, code); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "product.code", ObjectType: "product", ObjectID: p.ID, Detail: map[string]string{"system": system, "code": code}})
	})
}
