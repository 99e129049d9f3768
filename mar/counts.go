package mar

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// CountTx is the data access the controlled-substance count needs inside a
// transaction.
type CountTx interface {
	// CreateControlledCount stores a count with its lines.
	CreateControlledCount(c *ControlledCount) error
	GetControlledCountLine(id string) (ControlledCountLine, error)
	// ListControlledCounts lists a unit's counts counted in [from, to)
	// (zero bounds are open), newest first, each with its lines.
	ListControlledCounts(unitID string, from, to time.Time, limit int) ([]ControlledCount, error)
	// ListCountDiscrepancies lists count lines that did not match, of the
	// facility (and units when given), open ones only when open is set.
	ListCountDiscrepancies(facilityID string, unitIDs []string, open bool) ([]ControlledCountLine, error)
	// ResolveCountDiscrepancy closes an open discrepancy; false when it
	// was no longer open.
	ResolveCountDiscrepancy(id, by string, at time.Time, resolution string) (bool, error)

	// CreateHandoverAck stores an acknowledgement of a shift handover; a
	// second one by the same person for the same shift is EConflict.
	CreateHandoverAck(a *HandoverAck) error
	// ListHandoverAcks lists the acknowledgements of a unit's shift, oldest first.
	ListHandoverAcks(unitID, shift, shiftDate string) ([]HandoverAck, error)
}

// AlertCountDiscrepancy is raised when a controlled-substance count does
// not match the records.
const AlertCountDiscrepancy AlertKind = "count_discrepancy"

// ResolvedCount is how a count_discrepancy alert is resolved: by the
// resolution of its discrepancy.
const ResolvedCount = "count_resolved"

// Count line statuses.
const (
	CountMatched  = "matched"
	CountOpen     = "open" // a discrepancy not yet resolved
	CountResolved = "resolved"
)

// ControlledCount is one shift-change count of a unit's controlled
// substances, by the outgoing nurse and the incoming nurse together.
type ControlledCount struct {
	ID         string
	FacilityID string
	UnitID     string
	Shift      string // the shift that ends: day, evening or night
	ShiftDate  string // local date (YYYY-MM-DD) on which that shift began
	OutgoingBy string // the signed-in nurse handing over
	IncomingBy string // the nurse taking over, who signed with their own credentials
	CountedAt  time.Time
	Note       string
	Lines      []ControlledCountLine
}

// Discrepancies counts the lines that did not match.
func (c ControlledCount) Discrepancies() int {
	n := 0
	for _, l := range c.Lines {
		if l.Status != CountMatched {
			n++
		}
	}
	return n
}

// ControlledCountLine is the count of one product and lot: what the records
// expected (dispensed to the unit, less administered, wasted and returned)
// beside what the two nurses counted.
type ControlledCountLine struct {
	ID         string
	CountID    string
	FacilityID string
	UnitID     string
	ProductID  string
	Lot        string // "" when the records cannot tell the lot
	Expected   float64
	Counted    float64
	Status     string
	AlertID    string
	ResolvedBy string
	ResolvedAt *time.Time
	Resolution string
	// Filled when listing discrepancies: the count the line belongs to.
	CountedAt  time.Time
	OutgoingBy string
	IncomingBy string
}

// Difference is counted less expected: negative when stock is missing.
func (l ControlledCountLine) Difference() float64 { return roundQty(l.Counted - l.Expected) }

// CountSheetLine is a product and lot the nurses must count. The expected
// quantity is deliberately absent: the count is blind until both have
// signed.
type CountSheetLine struct {
	Product Product
	Lot     string // "" when the records cannot tell the lot
}

// CountSheet is what the nurses count at a shift change on a unit.
type CountSheet struct {
	Unit      Unit
	Shift     string // the shift that is ending now
	ShiftDate string
	Lines     []CountSheetLine
	// LastCount is the unit's most recent count, if any.
	LastCount *ControlledCount
	// OpenDiscrepancies are the unit's unresolved discrepancies.
	OpenDiscrepancies int
}

// ControlledCountInput is a count the outgoing nurse submits with the
// incoming nurse's credentials.
type ControlledCountInput struct {
	UnitID  string
	Shift   string // empty: the shift in progress on the unit's clock
	Lines   []ControlledCountLineInput
	Note    string
	Witness *WitnessCredentials // the incoming nurse
}

// ControlledCountLineInput is the number counted of one product.
type ControlledCountLineInput struct {
	ProductID string
	Lot       string
	Counted   float64
}

// countUnit loads a unit the caller may count on.
func countUnit(tx Tx, by Identity, unitID string) (Unit, *time.Location, error) {
	if unitID == "" {
		return Unit{}, nil, Invalid("unit_id", "is required")
	}
	if !ValidID(unitID) {
		return Unit{}, nil, Invalid("unit_id", "is not a valid id")
	}
	u, err := tx.GetUnit(unitID)
	if err != nil || u.FacilityID != by.User.FacilityID {
		return Unit{}, nil, NotFound("unit", unitID)
	}
	if ScopedToUnits(by.User.Role) && !by.User.WorksOnUnit(unitID) {
		return Unit{}, nil, Forbidden("you are not assigned to this unit")
	}
	loc, err := u.Location()
	if err != nil {
		return Unit{}, nil, err
	}
	return u, loc, nil
}

// lotKey is a product's lot on a unit.
type lotKey struct{ product, lot string }

// controlledOnUnit lists the controlled products the unit's records have
// seen, and the quantity the records expect on hand now of each product
// and lot (see lotBalances), in product and lot order.
func controlledOnUnit(tx Tx, facilityID, unitID string, now time.Time) ([]Product, []lotKey, map[lotKey]float64, error) {
	onHand, err := tx.StockOnHand(unitID, time.Time{})
	if err != nil {
		return nil, nil, nil, err
	}
	products, err := tx.ListProducts(facilityID)
	if err != nil {
		return nil, nil, nil, err
	}
	var out []Product
	controlled := map[string]bool{}
	for _, p := range products {
		if _, seen := onHand[p.ID]; seen && p.Controlled != "" {
			out = append(out, p)
			controlled[p.ID] = true
		}
	}
	bal, err := lotBalances(tx, facilityID, unitID, controlled, onHand, now)
	if err != nil {
		return nil, nil, nil, err
	}
	var keys []lotKey
	for _, p := range out {
		var lots []lotKey
		for k, q := range bal {
			if k.product == p.ID && math.Abs(q) > 1e-9 {
				lots = append(lots, k)
			}
		}
		if len(lots) == 0 {
			// Nothing left of any lot: still counted, as zero.
			lots = append(lots, lotKey{p.ID, ""})
		}
		sort.Slice(lots, func(i, j int) bool { return lots[i].lot < lots[j].lot })
		keys = append(keys, lots...)
	}
	return out, keys, bal, nil
}

// lotBalances is the running balance of each lot of the controlled
// products on a unit: dispensed to the unit, less given (administrations
// not entered in error, with the lot scanned from the pack's GS1 code),
// wasted and returned of that lot. What was taken off without a lot (a
// keyed pack, a waste without its lot) comes off the lot that expires
// first, as a nurse picks the pack (first-expiry-first-out). Whatever the
// lots do not explain of the product's ledger stays on a line without a
// lot (""), so the lines of a product always add up to its ledger.
func lotBalances(tx Tx, facilityID, unitID string, controlled map[string]bool, onHand map[string]float64, now time.Time) (map[lotKey]float64, error) {
	bal := map[lotKey]float64{}
	if len(controlled) == 0 {
		return bal, nil
	}
	until := now.Add(24 * time.Hour)
	dispenses, err := tx.ListDispenses(DispenseFilter{FacilityID: facilityID, UnitID: unitID, To: until})
	if err != nil {
		return nil, err
	}
	expiry := map[lotKey]string{}
	for _, d := range dispenses {
		if controlled[d.ProductID] && d.Lot != "" {
			k := lotKey{d.ProductID, d.Lot}
			bal[k] += d.Quantity
			if expiry[k] == "" || (d.Expiry != "" && d.Expiry < expiry[k]) {
				expiry[k] = d.Expiry
			}
		}
	}
	unlotted := map[string]float64{} // taken off without a lot, per product
	admins, err := tx.ExportAdministrations(facilityID, AdministrationQuery{UnitID: unitID, To: until})
	if err != nil {
		return nil, err
	}
	for _, a := range admins {
		if !controlled[a.ProductID] || a.EnteredInError || a.Outcome != OutcomeGiven {
			continue
		}
		if a.Lot != "" {
			bal[lotKey{a.ProductID, a.Lot}] -= a.Quantity
		} else {
			unlotted[a.ProductID] += a.Quantity
		}
	}
	adjustments, err := tx.ListStockAdjustments(unitID, time.Time{}, until)
	if err != nil {
		return nil, err
	}
	for _, a := range adjustments {
		if !controlled[a.ProductID] {
			continue
		}
		if a.Lot != "" {
			bal[lotKey{a.ProductID, a.Lot}] -= a.Quantity
		} else {
			unlotted[a.ProductID] += a.Quantity
		}
	}
	for product, q := range unlotted {
		var lots []lotKey
		for k, left := range bal {
			if k.product == product && left > 1e-9 {
				lots = append(lots, k)
			}
		}
		sort.Slice(lots, func(i, j int) bool {
			ei, ej := expiry[lots[i]], expiry[lots[j]]
			if ei != ej {
				return ei != "" && (ej == "" || ei < ej)
			}
			return lots[i].lot < lots[j].lot
		})
		for _, k := range lots {
			take := math.Min(q, bal[k])
			bal[k] -= take
			q -= take
		}
		if q > 1e-9 {
			bal[lotKey{product, ""}] -= q
		}
	}
	for product := range controlled {
		sum := 0.0
		for k, q := range bal {
			if k.product == product {
				sum += q
			}
		}
		if d := roundQty(onHand[product] - sum); d != 0 {
			bal[lotKey{product, ""}] += d
		}
	}
	for k, q := range bal {
		bal[k] = roundQty(q)
	}
	return bal, nil
}

// ControlledCountSheet lists the controlled products to count on a unit,
// without the quantities the records expect (a blind count).
func (s *Service) ControlledCountSheet(ctx context.Context, by Identity, unitID string) (CountSheet, error) {
	if !HasClinicalAccess(by.User.Role) {
		return CountSheet{}, Forbidden("the %s role may not count controlled substances", by.User.Role)
	}
	var sheet CountSheet
	err := s.Store.InTx(ctx, func(tx Tx) error {
		u, loc, err := countUnit(tx, by, unitID)
		if err != nil {
			return err
		}
		shift, date := s.shifts().At(s.now(), loc)
		sheet = CountSheet{Unit: u, Shift: shift, ShiftDate: date.Format(time.DateOnly)}
		products, keys, _, err := controlledOnUnit(tx, u.FacilityID, u.ID, s.now())
		if err != nil {
			return err
		}
		byID := map[string]Product{}
		for _, p := range products {
			byID[p.ID] = p
		}
		for _, k := range keys {
			sheet.Lines = append(sheet.Lines, CountSheetLine{Product: byID[k.product], Lot: k.lot})
		}
		last, err := tx.ListControlledCounts(u.ID, time.Time{}, time.Time{}, 1)
		if err != nil {
			return err
		}
		if len(last) > 0 {
			sheet.LastCount = &last[0]
		}
		open, err := tx.ListCountDiscrepancies(u.FacilityID, []string{u.ID}, true)
		if err != nil {
			return err
		}
		sheet.OpenDiscrepancies = len(open)
		return nil
	})
	return sheet, err
}

// RecordControlledCount stores a shift-change count of every controlled
// product on the unit, signed by the outgoing nurse (the caller) and the
// incoming nurse (the witness's credentials). Each line keeps the records'
// expected quantity beside the number counted; a mismatch is recorded as
// an open discrepancy and raises an alert for the charge nurse and
// pharmacy. The records themselves are never changed by a count. All of it
// is one transaction with its audit event.
func (s *Service) RecordControlledCount(ctx context.Context, by Identity, in ControlledCountInput) (ControlledCount, error) {
	if !canDocument(by.User.Role) {
		return ControlledCount{}, Forbidden("only nurses and charge nurses count controlled substances")
	}
	switch in.Shift {
	case "", ShiftDay, ShiftEvening, ShiftNight:
	default:
		return ControlledCount{}, Invalid("shift", "must be day, evening or night")
	}
	seen := map[lotKey]bool{}
	for i, l := range in.Lines {
		field := fmt.Sprintf("lines[%d]", i)
		if !ValidID(l.ProductID) {
			return ControlledCount{}, Invalid(field+".product_id", "is not a valid id")
		}
		in.Lines[i].Lot = strings.TrimSpace(l.Lot)
		if len(in.Lines[i].Lot) > 64 {
			return ControlledCount{}, Invalid(field+".lot", "is longer than 64 characters")
		}
		k := lotKey{l.ProductID, in.Lines[i].Lot}
		if seen[k] {
			return ControlledCount{}, Invalid(field+".product_id", "the product and lot are counted twice")
		}
		seen[k] = true
		if l.Counted < 0 || math.IsNaN(l.Counted) || math.IsInf(l.Counted, 0) {
			return ControlledCount{}, Invalid(field+".counted", "must be zero or more")
		}
	}
	note := strings.TrimSpace(in.Note)
	if len(note) > 2000 {
		return ControlledCount{}, Invalid("note", "is longer than 2000 characters")
	}
	var c ControlledCount
	err := s.Store.InTx(ctx, func(tx Tx) error {
		u, loc, err := countUnit(tx, by, in.UnitID)
		if err != nil {
			return err
		}
		now := s.now()
		shift, date := s.shifts().At(now, loc)
		if in.Shift != "" && in.Shift != shift {
			// A count at a shift change may fall just after the next shift
			// began: it names the shift that ended, its latest occurrence.
			from, _, err := s.shifts().Latest(now, loc, in.Shift)
			if err != nil {
				return err
			}
			lf := from.In(loc)
			shift, date = in.Shift, time.Date(lf.Year(), lf.Month(), lf.Day(), 0, 0, 0, 0, loc)
		}
		products, keys, bal, err := controlledOnUnit(tx, u.FacilityID, u.ID, now)
		if err != nil {
			return err
		}
		byID := map[string]Product{}
		for _, p := range products {
			byID[p.ID] = p
		}
		// Every controlled product and lot the records expect on the unit
		// must be counted: a lot left out would hide a loss.
		for _, k := range keys {
			if !seen[k] && math.Abs(bal[k]) > 1e-9 {
				if k.lot == "" {
					return Invalid("lines", "%s (lot not recorded) is on the unit according to the records but was not counted", byID[k.product].Name)
				}
				return Invalid("lines", "%s lot %s is on the unit according to the records but was not counted", byID[k.product].Name, k.lot)
			}
		}
		w, err := s.checkStockWitness(tx, by, in.Witness)
		if err != nil {
			return err
		}
		if !w.WorksOnUnit(u.ID) {
			return &Error{Code: ERefused, Field: "witness", Reason: "witness_invalid", Message: "the incoming nurse must be assigned to this unit"}
		}
		c = ControlledCount{ID: NewID(), FacilityID: u.FacilityID, UnitID: u.ID, Shift: shift, ShiftDate: date.Format(time.DateOnly),
			OutgoingBy: by.User.ID, IncomingBy: w.ID, CountedAt: now, Note: note}
		names := map[string]string{}
		for _, l := range in.Lines {
			p, err := tx.GetProduct(l.ProductID)
			if err != nil || p.FacilityID != u.FacilityID {
				return Invalid("lines", "unknown product %q", l.ProductID)
			}
			if p.Controlled == "" {
				return Invalid("lines", "%s is not a controlled substance", p.Name)
			}
			line := ControlledCountLine{ID: NewID(), CountID: c.ID, FacilityID: c.FacilityID, UnitID: c.UnitID, ProductID: p.ID, Lot: l.Lot,
				Expected: roundQty(bal[lotKey{p.ID, l.Lot}]), Counted: roundQty(l.Counted), Status: CountMatched}
			if line.Difference() != 0 {
				line.Status = CountOpen
				line.AlertID = NewID()
			}
			names[p.ID] = p.Name
			c.Lines = append(c.Lines, line)
		}
		sort.SliceStable(c.Lines, func(i, j int) bool {
			if c.Lines[i].ProductID != c.Lines[j].ProductID {
				return c.Lines[i].ProductID < c.Lines[j].ProductID
			}
			return c.Lines[i].Lot < c.Lines[j].Lot
		})
		if err := tx.CreateControlledCount(&c); err != nil {
			return err
		}
		lines := make([]map[string]any, len(c.Lines))
		for i, l := range c.Lines {
			lines[i] = map[string]any{"product_id": l.ProductID, "lot": l.Lot, "expected": l.Expected, "counted": l.Counted, "status": l.Status}
		}
		if err := s.audit(tx, by, AuditEntry{Action: "controlled_count.record", ObjectType: "controlled_count", ObjectID: c.ID, UnitID: u.ID,
			Detail: map[string]any{"unit_id": u.ID, "shift": c.Shift, "shift_date": c.ShiftDate, "incoming_by": w.ID, "lines": lines, "note": c.Note}}); err != nil {
			return err
		}
		for _, l := range c.Lines {
			if l.Status != CountOpen {
				continue
			}
			a := Alert{ID: l.AlertID, FacilityID: c.FacilityID, Kind: AlertCountDiscrepancy, Severity: SeverityCritical, SubjectID: l.ID,
				UnitID: c.UnitID, DueAt: now, RaisedAt: now, EscalationLevel: EscalationChargeNurse,
				Message: fmt.Sprintf("Controlled count on %s at %s: %s%s counted %s, the records expect %s (%+g). Counted by %s and %s; resolve with a reason.",
					u.Name, now.In(loc).Format("Mon 2 Jan 15:04 MST"), names[l.ProductID], lotWords(l.Lot), fmtNum(l.Counted), fmtNum(l.Expected), l.Difference(), by.User.DisplayName, w.DisplayName)}
			if _, err := tx.InsertAlert(&a); err != nil {
				return fmt.Errorf("insert count alert: %w", err)
			}
			if _, err := s.appendAlertEvent(tx, a, EventRaised, by.User.ID, "", now); err != nil {
				return err
			}
		}
		return nil
	})
	return c, err
}

// ControlledCounts lists a unit's counts in [from, to), newest first, with
// the names of the staff who counted and resolved (by user id).
func (s *Service) ControlledCounts(ctx context.Context, by Identity, unitID string, from, to time.Time) ([]ControlledCount, map[string]string, error) {
	if !HasClinicalAccess(by.User.Role) {
		return nil, nil, Forbidden("the %s role may not see controlled counts", by.User.Role)
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return nil, nil, Invalid("to", "must be after from")
	}
	var out []ControlledCount
	names := map[string]string{}
	err := s.Store.InTx(ctx, func(tx Tx) error {
		u, _, err := countUnit(tx, by, unitID)
		if err != nil {
			return err
		}
		if out, err = tx.ListControlledCounts(u.ID, from, to, 2000); err != nil {
			return err
		}
		for _, c := range out {
			for _, id := range []string{c.OutgoingBy, c.IncomingBy} {
				if _, ok := names[id]; !ok {
					names[id] = actorName(tx, id)
				}
			}
			for _, l := range c.Lines {
				if _, ok := names[l.ResolvedBy]; !ok && l.ResolvedBy != "" {
					names[l.ResolvedBy] = actorName(tx, l.ResolvedBy)
				}
			}
		}
		return s.audit(tx, by, AuditEntry{Action: "controlled_count.list", ObjectType: "unit", ObjectID: u.ID, UnitID: u.ID,
			Detail: map[string]any{"count": len(out)}})
	})
	return out, names, err
}

// CountDiscrepancies lists the discrepancies the caller may see: a unit's
// (unitID) or, for pharmacy, the facility's; open only when open is set.
func (s *Service) CountDiscrepancies(ctx context.Context, by Identity, unitID string, open bool) ([]ControlledCountLine, error) {
	if !HasClinicalAccess(by.User.Role) {
		return nil, Forbidden("the %s role may not see controlled counts", by.User.Role)
	}
	var out []ControlledCountLine
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var units []string
		switch {
		case unitID != "":
			u, _, err := countUnit(tx, by, unitID)
			if err != nil {
				return err
			}
			units = []string{u.ID}
		case ScopedToUnits(by.User.Role):
			if len(by.User.UnitIDs) == 0 {
				return Forbidden("you are not assigned to any unit")
			}
			units = by.User.UnitIDs
		}
		var err error
		out, err = tx.ListCountDiscrepancies(by.User.FacilityID, units, open)
		return err
	})
	return out, err
}

// ResolveCountDiscrepancy closes an open discrepancy with a reason. Only
// a charge nurse of the unit or a pharmacist resolves, and never one of
// the two who counted: a second person looks at every discrepancy. The
// records are not changed; a real loss is recorded as waste or reported
// on its own. The discrepancy's alert is resolved with it, in one
// transaction with the audit event.
func (s *Service) ResolveCountDiscrepancy(ctx context.Context, by Identity, lineID, reason string) (ControlledCountLine, error) {
	if by.User.Role != RoleChargeNurse && by.User.Role != RolePharmacist {
		return ControlledCountLine{}, Forbidden("only a charge nurse or a pharmacist resolves a count discrepancy")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return ControlledCountLine{}, Invalid("reason", "a reason is required")
	}
	if len(reason) > 2000 {
		return ControlledCountLine{}, Invalid("reason", "is longer than 2000 characters")
	}
	if !ValidID(lineID) {
		return ControlledCountLine{}, NotFound("count discrepancy", lineID)
	}
	var l ControlledCountLine
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		l, err = tx.GetControlledCountLine(lineID)
		if err != nil || l.FacilityID != by.User.FacilityID || l.Status == CountMatched {
			return NotFound("count discrepancy", lineID)
		}
		if ScopedToUnits(by.User.Role) && !by.User.WorksOnUnit(l.UnitID) {
			return Forbidden("you are not assigned to this unit")
		}
		if by.User.ID == l.OutgoingBy || by.User.ID == l.IncomingBy {
			return &Error{Code: ERefused, Field: "reason", Reason: "resolver_counted", Message: "you took part in this count: someone who did not count resolves its discrepancy"}
		}
		if l.Status == CountResolved {
			return Conflict("resolved", "the discrepancy was resolved by %s at %s", actorName(tx, l.ResolvedBy), l.ResolvedAt.UTC().Format(time.RFC3339))
		}
		now := s.now()
		ok, err := tx.ResolveCountDiscrepancy(l.ID, by.User.ID, now, reason)
		if err != nil {
			return err
		}
		if !ok {
			return Conflict("changed", "the discrepancy was resolved meanwhile; reload it")
		}
		l.Status, l.ResolvedBy, l.ResolvedAt, l.Resolution = CountResolved, by.User.ID, &now, reason
		if l.AlertID != "" {
			a, err := tx.GetAlert(l.AlertID)
			if err != nil {
				return err
			}
			if a.ResolvedAt == nil {
				if ok, err := tx.ResolveAlert(a.ID, by.User.ID, now, ResolvedCount, reason); err != nil {
					return err
				} else if !ok {
					return Conflict("changed", "the discrepancy's alert changed meanwhile; reload it")
				}
				a.ResolvedAt, a.ResolvedBy, a.ResolvedHow, a.ResolveNote = &now, by.User.ID, ResolvedCount, reason
				if _, err := s.appendAlertEvent(tx, a, EventResolved, by.User.ID, reason, now); err != nil {
					return err
				}
			}
		}
		return s.audit(tx, by, AuditEntry{Action: "controlled_count.resolve", ObjectType: "controlled_count_line", ObjectID: l.ID, UnitID: l.UnitID,
			Detail: map[string]any{"count_id": l.CountID, "product_id": l.ProductID, "lot": l.Lot, "expected": l.Expected, "counted": l.Counted, "reason": reason}})
	})
	return l, err
}

// lotWords names a lot in a message: " lot X", or " (lot not recorded)".
func lotWords(lot string) string {
	if lot == "" {
		return " (lot not recorded)"
	}
	return " lot " + lot
}
