package mar

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
)

// DispenseInput is what pharmacy sent: a product (by id or GTIN), how
// much, its lot and expiry, and where it went.
type DispenseInput struct {
	ProductID   string
	GTIN        string
	Quantity    float64
	Lot         string
	Expiry      string // YYYY-MM-DD
	UnitID      string // defaults to the resident's unit
	ResidentID  string // empty for ward stock
	OrderID     string // defaults the resident and the product
	DispensedAt *time.Time
	Note        string
}

// Dispense records what pharmacy sent to a unit and adds it to the unit's
// stock, in one transaction with its audit event.
func (s *Service) Dispense(ctx context.Context, by Identity, in DispenseInput) (Dispense, error) {
	if err := mustBePharmacist(by); err != nil {
		return Dispense{}, err
	}
	var d Dispense
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		d, err = s.dispenseTx(tx, by, in)
		return err
	})
	return d, err
}

func (s *Service) dispenseTx(tx Tx, by Identity, in DispenseInput) (Dispense, error) {
	fac := by.User.FacilityID
	now := s.now()
	d := Dispense{ID: NewID(), FacilityID: fac, Quantity: in.Quantity, Lot: strings.TrimSpace(in.Lot), Expiry: strings.TrimSpace(in.Expiry),
		UnitID: in.UnitID, ResidentID: in.ResidentID, OrderID: in.OrderID, DispensedAt: now, RecordedAt: now, DispensedBy: by.User.ID,
		Note: strings.TrimSpace(in.Note), ProductID: in.ProductID, GTIN: in.GTIN}
	if in.DispensedAt != nil {
		d.DispensedAt = in.DispensedAt.UTC().Truncate(time.Microsecond)
		if d.DispensedAt.After(now.Add(s.Config.MaxClockSkew)) {
			return d, Invalid("dispensed_at", "is in the future")
		}
	}
	if !(d.Quantity > 0) || math.IsInf(d.Quantity, 0) {
		return d, Invalid("quantity", "must be greater than zero")
	}
	if d.OrderID != "" {
		o, err := s.orderInFacility(tx, by, d.OrderID)
		if err != nil {
			return d, Invalid("order_id", "unknown order %q", d.OrderID)
		}
		if d.ResidentID != "" && d.ResidentID != o.ResidentID {
			return d, Invalid("resident_id", "the order belongs to another resident")
		}
		d.ResidentID = o.ResidentID
		if d.ProductID == "" && d.GTIN == "" {
			d.ProductID = o.ProductID
		}
	}
	if d.ResidentID != "" {
		r, err := tx.GetResident(d.ResidentID)
		if err != nil || r.FacilityID != fac {
			return d, Invalid("resident_id", "unknown resident %q", d.ResidentID)
		}
		if d.UnitID == "" {
			d.UnitID = r.UnitID
		}
	}
	if d.UnitID == "" {
		return d, Invalid("unit_id", "a unit (or a resident) is required")
	}
	if u, err := tx.GetUnit(d.UnitID); err != nil || u.FacilityID != fac {
		return d, Invalid("unit_id", "unknown unit %q", d.UnitID)
	}
	p, gtin, err := s.resolveStockProduct(tx, fac, d.ProductID, d.GTIN)
	if err != nil {
		return d, err
	}
	d.ProductID, d.GTIN = p.ID, gtin
	if d.Expiry != "" {
		exp, err := time.Parse(time.DateOnly, d.Expiry)
		if err != nil {
			return d, Invalid("expiry", "must be a date YYYY-MM-DD")
		}
		if exp.Before(d.DispensedAt.Truncate(24 * time.Hour)) {
			return d, &Error{Code: ERefused, Field: "expiry", Reason: "expired", Message: fmt.Sprintf("lot %s expired on %s: it cannot be dispensed", d.Lot, d.Expiry)}
		}
	}
	if p.Controlled != "" && d.Lot == "" {
		return d, Invalid("lot", "the lot of a controlled substance is required")
	}
	if d.ResidentID != "" && d.GTIN != "" {
		// A dispense for a resident gets the serial its patient-specific
		// label carries (AI 21); the unique index keeps it one dispense's.
		d.Serial = NewLabelSerial()
	}
	if err := tx.CreateDispense(&d); err != nil {
		return d, err
	}
	if err := tx.AddStockMovement(fac, d.UnitID, d.ProductID, d.Quantity, StockDispensed, d.ID, d.DispensedAt, by.User.ID); err != nil {
		return d, err
	}
	return d, s.audit(tx, by, AuditEntry{Action: "dispense.record", ObjectType: "dispense", ObjectID: d.ID, ResidentID: d.ResidentID,
		Detail: map[string]any{"product_id": d.ProductID, "quantity": d.Quantity, "lot": d.Lot, "expiry": d.Expiry, "unit_id": d.UnitID, "order_id": d.OrderID, "serial": d.Serial}})
}

// resolveStockProduct finds a product by id or by GTIN.
func (s *Service) resolveStockProduct(tx Tx, facilityID, productID, gtin string) (Product, string, error) {
	gtin = strings.TrimSpace(gtin)
	switch {
	case productID != "":
		p, err := tx.GetProduct(productID)
		if err != nil || p.FacilityID != facilityID {
			return Product{}, "", Invalid("product_id", "unknown product %q", productID)
		}
		if gtin == "" && len(p.Packages) == 1 {
			gtin = p.Packages[0].GTIN
		}
		return p, gtin, nil
	case gtin != "":
		p, _, err := tx.FindProductByCode(gtin, "")
		if err != nil || p.FacilityID != facilityID {
			return Product{}, "", Invalid("gtin", "no catalogue product has GTIN %q", gtin)
		}
		return p, gtin, nil
	}
	return Product{}, "", Invalid("product_id", "a product id or a GTIN is required")
}

// AdjustmentInput is waste at the bedside or a return to pharmacy.
type AdjustmentInput struct {
	Kind             string // wasted or returned
	ProductID        string
	GTIN             string
	Quantity         float64
	UnitID           string
	Lot              string
	Reason           string
	ResidentID       string
	OrderID          string
	AdministrationID string
	PerformedAt      *time.Time
	Witness          *WitnessCredentials
}

// AdjustStock records waste or a return and takes it off the unit's
// stock. Waste of a controlled substance needs a witness who signs with
// their own credentials (21 CFR 1304 recordkeeping).
func (s *Service) AdjustStock(ctx context.Context, by Identity, in AdjustmentInput) (StockAdjustment, error) {
	if !HasClinicalAccess(by.User.Role) {
		return StockAdjustment{}, Forbidden("the %s role may not record waste or returns", by.User.Role)
	}
	if in.Kind != StockWasted && in.Kind != StockReturned {
		return StockAdjustment{}, Invalid("kind", "must be wasted or returned")
	}
	if !(in.Quantity > 0) || math.IsInf(in.Quantity, 0) {
		return StockAdjustment{}, Invalid("quantity", "must be greater than zero")
	}
	if strings.TrimSpace(in.Reason) == "" {
		return StockAdjustment{}, Invalid("reason", "a reason is required")
	}
	var a StockAdjustment
	err := s.Store.InTx(ctx, func(tx Tx) error {
		fac := by.User.FacilityID
		now := s.now()
		a = StockAdjustment{ID: NewID(), FacilityID: fac, UnitID: in.UnitID, Kind: in.Kind, Quantity: in.Quantity, Lot: strings.TrimSpace(in.Lot),
			Reason: strings.TrimSpace(in.Reason), ResidentID: in.ResidentID, OrderID: in.OrderID, AdministrationID: in.AdministrationID,
			PerformedBy: by.User.ID, PerformedAt: now, RecordedAt: now}
		if in.PerformedAt != nil {
			a.PerformedAt = in.PerformedAt.UTC().Truncate(time.Microsecond)
			if a.PerformedAt.After(now.Add(s.Config.MaxClockSkew)) {
				return Invalid("performed_at", "is in the future")
			}
		}
		if a.ResidentID != "" {
			r, err := tx.GetResident(a.ResidentID)
			if err != nil || r.FacilityID != fac {
				return Invalid("resident_id", "unknown resident %q", a.ResidentID)
			}
			if a.UnitID == "" {
				a.UnitID = r.UnitID
			}
		}
		if a.UnitID == "" {
			return Invalid("unit_id", "a unit is required")
		}
		if u, err := tx.GetUnit(a.UnitID); err != nil || u.FacilityID != fac {
			return Invalid("unit_id", "unknown unit %q", a.UnitID)
		}
		if ScopedToUnits(by.User.Role) && !by.User.WorksOnUnit(a.UnitID) {
			return Forbidden("you are not assigned to this unit")
		}
		p, _, err := s.resolveStockProduct(tx, fac, in.ProductID, in.GTIN)
		if err != nil {
			return err
		}
		a.ProductID = p.ID
		if in.Witness != nil || (p.Controlled != "" && in.Kind == StockWasted) {
			w, err := s.checkStockWitness(tx, by, in.Witness)
			if err != nil {
				return err
			}
			a.WitnessID = w.ID
		}
		if err := tx.CreateStockAdjustment(&a); err != nil {
			return err
		}
		if err := tx.AddStockMovement(fac, a.UnitID, a.ProductID, -a.Quantity, a.Kind, a.ID, a.PerformedAt, by.User.ID); err != nil {
			return err
		}
		detail := map[string]any{"product_id": a.ProductID, "quantity": a.Quantity, "unit_id": a.UnitID, "reason": a.Reason, "lot": a.Lot}
		if a.WitnessID != "" {
			detail["witness_id"] = a.WitnessID
		}
		return s.audit(tx, by, AuditEntry{Action: "stock." + strings.TrimSuffix(a.Kind, "ed"), ObjectType: "stock_adjustment", ObjectID: a.ID, ResidentID: a.ResidentID, UnitID: a.UnitID, Detail: detail})
	})
	return a, err
}

// checkStockWitness authenticates the witness and checks they may witness.
func (s *Service) checkStockWitness(tx Tx, by Identity, c *WitnessCredentials) (User, error) {
	if c == nil || (c.Username == "" && c.Badge == "") {
		return User{}, &Error{Code: ERefused, Field: "witness", Reason: "witness_required", Message: "a controlled substance needs a witness who signs with their own credentials"}
	}
	bad := &Error{Code: ERefused, Field: "witness", Reason: "witness_invalid", Message: "the witness's credentials are not correct"}
	var u User
	var err error
	if c.Username != "" {
		u, err = tx.GetUserByUsername(c.Username)
		if err != nil || !CheckPassword(u.PasswordHash, c.Password) {
			CheckPassword(dummyHash, c.Password)
			return User{}, bad
		}
	} else {
		u, err = tx.GetUserByBadge(c.Badge)
		if err != nil || u.PINHash == "" || !CheckPassword(u.PINHash, c.PIN) {
			return User{}, bad
		}
	}
	// The bedside's rules for witnesses hold here too: a locked account
	// cannot witness, and witnesses are nurses (roles with a second
	// factor cannot co-sign with a password alone).
	until, err := tx.LockedUntil(u.ID)
	if err != nil {
		return User{}, err
	}
	switch {
	case !u.Active || u.FacilityID != by.User.FacilityID || s.now().Before(until):
		return User{}, bad
	case u.ID == by.User.ID:
		return User{}, &Error{Code: ERefused, Field: "witness", Reason: "witness_is_self", Message: "the witness must be someone else"}
	case !canDocument(u.Role):
		return User{}, &Error{Code: ERefused, Field: "witness", Reason: "witness_invalid", Message: "the witness must be a nurse or charge nurse"}
	}
	return u, nil
}

// CountInput is a physical count of a product on a unit.
type CountInput struct {
	UnitID    string
	ProductID string
	GTIN      string
	Counted   float64
	Note      string
	Witness   *WitnessCredentials
}

// RecordCount stores a physical count beside what the ledger expects; a
// controlled substance's count needs a witness.
func (s *Service) RecordCount(ctx context.Context, by Identity, in CountInput) (StockCount, error) {
	if !HasClinicalAccess(by.User.Role) {
		return StockCount{}, Forbidden("the %s role may not count stock", by.User.Role)
	}
	if in.Counted < 0 || math.IsNaN(in.Counted) || math.IsInf(in.Counted, 0) {
		return StockCount{}, Invalid("counted", "must be zero or more")
	}
	var c StockCount
	err := s.Store.InTx(ctx, func(tx Tx) error {
		fac := by.User.FacilityID
		if u, err := tx.GetUnit(in.UnitID); err != nil || u.FacilityID != fac {
			return Invalid("unit_id", "unknown unit %q", in.UnitID)
		}
		if ScopedToUnits(by.User.Role) && !by.User.WorksOnUnit(in.UnitID) {
			return Forbidden("you are not assigned to this unit")
		}
		p, _, err := s.resolveStockProduct(tx, fac, in.ProductID, in.GTIN)
		if err != nil {
			return err
		}
		now := s.now()
		onHand, err := tx.StockOnHand(in.UnitID, time.Time{})
		if err != nil {
			return err
		}
		c = StockCount{ID: NewID(), FacilityID: fac, UnitID: in.UnitID, ProductID: p.ID, Counted: in.Counted, Expected: onHand[p.ID],
			CountedBy: by.User.ID, CountedAt: now, Note: strings.TrimSpace(in.Note), ExpectedHidden: p.Controlled != "" && !SeesControlledBalance(by.User.Role)}
		if in.Witness != nil || p.Controlled != "" {
			w, err := s.checkStockWitness(tx, by, in.Witness)
			if err != nil {
				return err
			}
			c.WitnessID = w.ID
		}
		if err := tx.CreateStockCount(&c); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "stock.count", ObjectType: "stock_count", ObjectID: c.ID, UnitID: c.UnitID,
			Detail: map[string]any{"product_id": p.ID, "unit_id": c.UnitID, "counted": c.Counted, "expected": c.Expected}})
	})
	return c, err
}

// StockLevel is the on-hand quantity of a product on a unit.
type StockLevel struct {
	Product Product
	OnHand  float64
	// Hidden is set when the caller may not see the quantity (a controlled
	// substance, to a nurse: the shift count is blind); OnHand is then zero.
	Hidden bool
}

// SeesControlledBalance reports whether a role may see what the records
// expect on hand of a controlled substance. Nurses and charge nurses count
// controlled substances blind at every shift change, so no route shows them
// the expected quantity before their count is signed: only pharmacy and
// administrators see the running balance.
func SeesControlledBalance(r Role) bool { return r == RolePharmacist || r == RoleAdmin }

// StockLevels returns the unit's on-hand quantities per product.
func (s *Service) StockLevels(ctx context.Context, by Identity, unitID string) ([]StockLevel, error) {
	var out []StockLevel
	err := s.Store.InTx(ctx, func(tx Tx) error {
		out = nil
		if u, err := tx.GetUnit(unitID); err != nil || u.FacilityID != by.User.FacilityID {
			return Invalid("unit_id", "unknown unit %q", unitID)
		}
		if ScopedToUnits(by.User.Role) && !by.User.WorksOnUnit(unitID) {
			return Forbidden("you are not assigned to this unit")
		}
		onHand, err := tx.StockOnHand(unitID, time.Time{})
		if err != nil {
			return err
		}
		products, err := tx.ListProducts(by.User.FacilityID)
		if err != nil {
			return err
		}
		for _, p := range products {
			if q, ok := onHand[p.ID]; ok {
				if p.Controlled != "" && !SeesControlledBalance(by.User.Role) {
					out = append(out, StockLevel{Product: p, Hidden: true})
					continue
				}
				out = append(out, StockLevel{Product: p, OnHand: roundQty(q)})
			}
		}
		return nil
	})
	return out, err
}

func roundQty(q float64) float64 { return math.Round(q*1e6) / 1e6 }

// RequestMissingDose asks pharmacy for a dose that is not on the unit.
func (s *Service) RequestMissingDose(ctx context.Context, by Identity, orderID, note string) (MissingDoseRequest, error) {
	if !HasClinicalAccess(by.User.Role) {
		return MissingDoseRequest{}, Forbidden("the %s role may not request doses", by.User.Role)
	}
	var r MissingDoseRequest
	err := s.Store.InTx(ctx, func(tx Tx) error {
		o, err := s.orderInFacility(tx, by, orderID)
		if err != nil {
			return Invalid("order_id", "unknown order %q", orderID)
		}
		switch o.Status {
		case OrderActive, OrderPending, OrderOnHold:
		default:
			return Conflict("order_closed", "the order is %s: no dose is needed", o.Status)
		}
		res, err := tx.GetResident(o.ResidentID)
		if err != nil {
			return err
		}
		if err := CanSeeResident(by.User, res); err != nil {
			return err
		}
		r = MissingDoseRequest{ID: NewID(), FacilityID: o.FacilityID, UnitID: res.UnitID, ResidentID: res.ID, OrderID: o.ID,
			Note: strings.TrimSpace(note), Status: RequestOpen, RequestedBy: by.User.ID, RequestedAt: s.now()}
		if err := tx.CreateMissingDoseRequest(&r); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "missing_dose.request", ObjectType: "missing_dose_request", ObjectID: r.ID, ResidentID: r.ResidentID,
			Detail: map[string]string{"order_id": o.ID, "note": r.Note}})
	})
	return r, err
}

// ListMissingDoseRequests lists requests: pharmacists see the facility's,
// nurses those of their units. status empty lists every status.
func (s *Service) ListMissingDoseRequests(ctx context.Context, by Identity, status string) ([]MissingDoseRequest, error) {
	switch status {
	case "", RequestOpen, RequestFulfilled, RequestCancelled:
	default:
		return nil, Invalid("status", "must be open, fulfilled or cancelled")
	}
	var units []string
	if ScopedToUnits(by.User.Role) {
		units = append([]string{}, by.User.UnitIDs...)
	}
	var out []MissingDoseRequest
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListMissingDoseRequests(by.User.FacilityID, status, units)
		return err
	})
	return out, err
}

// FulfilMissingDose answers a request with a dispense: a new one (in) or
// one already recorded (dispenseID).
func (s *Service) FulfilMissingDose(ctx context.Context, by Identity, requestID, dispenseID string, in *DispenseInput) (MissingDoseRequest, Dispense, error) {
	if err := mustBePharmacist(by); err != nil {
		return MissingDoseRequest{}, Dispense{}, err
	}
	var r MissingDoseRequest
	var d Dispense
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		if r, err = tx.GetMissingDoseRequest(requestID); err != nil || r.FacilityID != by.User.FacilityID {
			return NotFound("missing-dose request", requestID)
		}
		if r.Status != RequestOpen {
			return Conflict("request_closed", "the request is already %s", r.Status)
		}
		switch {
		case dispenseID != "":
			if d, err = tx.GetDispense(dispenseID); err != nil || d.FacilityID != r.FacilityID {
				return Invalid("dispense_id", "unknown dispense %q", dispenseID)
			}
			if d.ResidentID != "" && d.ResidentID != r.ResidentID {
				return Invalid("dispense_id", "the dispense was for another resident")
			}
		case in != nil:
			din := *in
			din.OrderID, din.ResidentID = r.OrderID, r.ResidentID
			if din.UnitID == "" {
				din.UnitID = r.UnitID
			}
			if d, err = s.dispenseTx(tx, by, din); err != nil {
				return err
			}
		default:
			return Invalid("dispense", "a dispense or a dispense_id is required")
		}
		now := s.now()
		n, err := tx.FulfilMissingDoseRequest(r.ID, d.ID, by.User.ID, now)
		if err != nil {
			return err
		}
		if n == 0 {
			return Conflict("request_closed", "the request was fulfilled meanwhile")
		}
		r.Status, r.DispenseID, r.FulfilledBy, r.FulfilledAt = RequestFulfilled, d.ID, by.User.ID, &now
		return s.audit(tx, by, AuditEntry{Action: "missing_dose.fulfil", ObjectType: "missing_dose_request", ObjectID: r.ID, ResidentID: r.ResidentID,
			Detail: map[string]string{"dispense_id": d.ID}})
	})
	return r, d, err
}

// ListDispenses lists dispenses of the facility, filtered.
func (s *Service) ListDispenses(ctx context.Context, by Identity, f DispenseFilter) ([]Dispense, error) {
	f.FacilityID = by.User.FacilityID
	if f.Limit == 0 {
		f.Limit = 1000
	}
	var out []Dispense
	err := s.Store.InTx(ctx, func(tx Tx) error {
		if ScopedToUnits(by.User.Role) {
			if f.UnitID == "" || !by.User.WorksOnUnit(f.UnitID) {
				return Forbidden("name a unit you are assigned to (unit_id)")
			}
		}
		var err error
		out, err = tx.ListDispenses(f)
		return err
	})
	return out, err
}

// AdministrationReviews lists administrations flagged for review.
func (s *Service) AdministrationReviews(ctx context.Context, by Identity, open bool) ([]AdministrationReview, error) {
	var out []AdministrationReview
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListAdministrationReviews(by.User.FacilityID, open)
		return err
	})
	return out, err
}

// OutboxBackoff is how long a message waits after its n-th failed send:
// 30 s doubling to an hour, so a peer that is down for a night gets a
// message an hour, and one back up soon gets the backlog quickly.
func OutboxBackoff(attempts int) time.Duration {
	d := 30 * time.Second
	for i := 0; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	if d > time.Hour {
		d = time.Hour
	}
	return d
}

// DeliverOutbound sends the messages that are due, oldest first, with
// send; each outcome is recorded in its own transaction so one bad message
// does not hold back the rest. It returns how many were sent and failed.
func (s *Service) DeliverOutbound(ctx context.Context, limit int, send func(OutboundMessage) error) (sent, failed int, err error) {
	var due []OutboundMessage
	if err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		due, err = tx.DueOutbound(s.now(), limit)
		return err
	}); err != nil {
		return 0, 0, err
	}
	for _, m := range due {
		serr := send(m)
		err := s.Store.InTx(ctx, func(tx Tx) error {
			if serr == nil {
				return tx.MarkOutboundSent(m.ID, s.now())
			}
			return tx.MarkOutboundFailed(m.ID, serr.Error(), s.now().Add(OutboxBackoff(m.Attempts)))
		})
		if err != nil {
			return sent, failed, err
		}
		if serr == nil {
			sent++
		} else {
			failed++
			s.Log.Warn("hl7 outbound message not delivered; will retry", "id", m.ID, "kind", m.Kind, "control_id", m.ControlID, "attempts", m.Attempts+1, "err", serr)
		}
	}
	return sent, failed, nil
}
