package mar

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// ReconciliationOrder counts what happened to one order's doses.
type ReconciliationOrder struct {
	Order     Order
	Resident  Resident
	Product   *Product
	Scheduled int // doses due in the period (cancelled ones excluded)
	Given     int
	Held      int
	Refused   int
	NotGiven  int
	Missed    int // window closed undocumented
	Open      int // still due
	Suspended int // fell while the order was on hold
	PRNGiven  int // as-needed doses given (no scheduled dose)
}

// ReconciliationProduct follows one product through the unit's ledger.
type ReconciliationProduct struct {
	Product      Product
	Opening      float64 // on hand when the period began
	Dispensed    float64
	Administered float64 // positive: taken off by administrations
	Reversed     float64 // put back when an administration was entered in error
	Wasted       float64
	Returned     float64
	OnHand       float64 // at the end of the period
	// Hidden is set when the caller may not see the quantities (a
	// controlled substance, to a charge nurse: the shift count is blind);
	// the numbers are then zero.
	Hidden bool
}

// Discrepancy kinds.
const (
	DiscrepancyUnverifiedGiven      = "given_without_verified_order"
	DiscrepancyDispensedUnaccounted = "dispensed_not_accounted_for"
	DiscrepancyCountMismatch        = "controlled_count_mismatch"
	DiscrepancyExpiredStock         = "expired_stock_on_unit"
	DiscrepancyNegativeStock        = "stock_below_zero"
)

// Discrepancy is something the pharmacist must look into.
type Discrepancy struct {
	Kind             string
	Message          string
	OrderID          string
	ResidentID       string
	ProductID        string
	AdministrationID string
	Lot              string
	Quantity         float64
	At               time.Time
}

// Reconciliation is the report of one unit over a period.
type Reconciliation struct {
	Unit          Unit
	From, To      time.Time
	GeneratedAt   time.Time
	Orders        []ReconciliationOrder
	Products      []ReconciliationProduct
	Discrepancies []Discrepancy
}

// Reconcile compares, for one unit and period, the doses scheduled with
// what was documented, and what pharmacy dispensed with what was given,
// wasted, returned and is left, flagging what does not add up.
func (s *Service) Reconcile(ctx context.Context, by Identity, unitID string, from, to time.Time) (Reconciliation, error) {
	if !to.After(from) {
		return Reconciliation{}, Invalid("to", "must be after from")
	}
	if to.Sub(from) > 92*24*time.Hour {
		return Reconciliation{}, Invalid("to", "the period may be at most 92 days")
	}
	var rep Reconciliation
	err := s.Store.InTx(ctx, func(tx Tx) error {
		unit, err := tx.GetUnit(unitID)
		if err != nil || unit.FacilityID != by.User.FacilityID {
			return Invalid("unit_id", "unknown unit %q", unitID)
		}
		if ScopedToUnits(by.User.Role) && !by.User.WorksOnUnit(unitID) {
			return Forbidden("you are not assigned to this unit")
		}
		now := s.now()
		rep = Reconciliation{Unit: unit, From: from, To: to, GeneratedAt: now}
		products := map[string]Product{}
		product := func(id string) (Product, error) {
			if p, ok := products[id]; ok {
				return p, nil
			}
			p, err := tx.GetProduct(id)
			if err == nil {
				products[id] = p
			}
			return p, err
		}

		// Orders and doses.
		doses, err := tx.ListDoses(DoseFilter{UnitID: unitID, DueFrom: from, DueTo: to})
		if err != nil {
			return err
		}
		admins, err := s.unitAdministrations(tx, unitID, from, to)
		if err != nil {
			return err
		}
		byOrder := map[string]*ReconciliationOrder{}
		var orderIDs []string
		row := func(orderID string) (*ReconciliationOrder, error) {
			if r, ok := byOrder[orderID]; ok {
				return r, nil
			}
			o, err := tx.GetOrder(orderID)
			if err != nil {
				return nil, err
			}
			res, err := tx.GetResident(o.ResidentID)
			if err != nil {
				return nil, err
			}
			r := &ReconciliationOrder{Order: o, Resident: res}
			if o.ProductID != "" {
				p, err := product(o.ProductID)
				if err != nil {
					return nil, err
				}
				r.Product = &p
			}
			byOrder[orderID] = r
			orderIDs = append(orderIDs, orderID)
			return r, nil
		}
		for _, d := range doses {
			r, err := row(d.OrderID)
			if err != nil {
				return err
			}
			switch d.Status {
			case DoseCancelled:
				continue
			case DoseSuspended:
				r.Suspended++
				continue
			}
			r.Scheduled++
			switch d.Status {
			case DoseGiven:
				r.Given++
			case DoseHeld:
				r.Held++
			case DoseRefused:
				r.Refused++
			case DoseNotGiven:
				r.NotGiven++
			case DoseMissed:
				r.Missed++
			case DoseScheduled:
				if d.WindowEnd.Before(now) {
					r.Missed++
				} else {
					r.Open++
				}
			}
		}
		givenByOrder := map[string]float64{}
		for _, a := range admins {
			if a.EnteredInError {
				continue
			}
			r, err := row(a.OrderID)
			if err != nil {
				return err
			}
			if a.Outcome == OutcomeGiven {
				givenByOrder[a.OrderID] += a.Quantity
				if a.DoseID == "" {
					r.PRNGiven++
				}
				o := r.Order
				if o.VerifiedAt == nil || o.VerifiedAt.After(a.PerformedAt) {
					rep.Discrepancies = append(rep.Discrepancies, Discrepancy{Kind: DiscrepancyUnverifiedGiven, OrderID: o.ID, ResidentID: a.ResidentID,
						ProductID: a.ProductID, AdministrationID: a.ID, At: a.PerformedAt, Quantity: a.Quantity,
						Message: fmt.Sprintf("given at %s before pharmacy verified the order", a.PerformedAt.Format(time.RFC3339))})
				}
			}
		}

		// Stock through the ledger.
		opening, err := tx.StockOnHand(unitID, from)
		if err != nil {
			return err
		}
		closing, err := tx.StockOnHand(unitID, to)
		if err != nil {
			return err
		}
		moved, err := tx.StockMoved(unitID, from, to)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for id := range opening {
			seen[id] = true
		}
		for id := range moved {
			seen[id] = true
		}
		for id := range seen {
			p, err := product(id)
			if err != nil {
				return err
			}
			m := moved[id]
			pr := ReconciliationProduct{Product: p, Opening: roundQty(opening[id]), Dispensed: roundQty(m[StockDispensed]),
				Administered: roundQty(-m["administered"]), Reversed: roundQty(m["reversal"]), Wasted: roundQty(-m[StockWasted]),
				Returned: roundQty(-m[StockReturned]), OnHand: roundQty(closing[id])}
			rep.Products = append(rep.Products, pr)
			if pr.OnHand < 0 {
				rep.Discrepancies = append(rep.Discrepancies, Discrepancy{Kind: DiscrepancyNegativeStock, ProductID: id, Quantity: pr.OnHand, At: to,
					Message: fmt.Sprintf("%s: the ledger shows %g on hand: more was given, wasted or returned than dispensed", p.Name, pr.OnHand)})
			}
		}

		// Dispensed for an order that has ended, beyond what was given,
		// wasted or returned for it.
		dispenses, err := tx.ListDispenses(DispenseFilter{FacilityID: unit.FacilityID, UnitID: unitID, To: to})
		if err != nil {
			return err
		}
		adjustments, err := tx.ListStockAdjustments(unitID, time.Time{}, to)
		if err != nil {
			return err
		}
		dispensedByOrder := map[string]float64{}
		for _, d := range dispenses {
			if d.OrderID != "" {
				dispensedByOrder[d.OrderID] += d.Quantity
			}
		}
		settledByOrder := map[string]float64{}
		for _, a := range adjustments {
			if a.OrderID != "" {
				settledByOrder[a.OrderID] += a.Quantity
			}
		}
		if len(dispensedByOrder) > 0 {
			allGiven, err := s.unitAdministrations(tx, unitID, time.Time{}, to)
			if err != nil {
				return err
			}
			for k := range givenByOrder {
				delete(givenByOrder, k)
			}
			for _, a := range allGiven {
				if !a.EnteredInError && a.Outcome == OutcomeGiven {
					givenByOrder[a.OrderID] += a.Quantity
				}
			}
		}
		for orderID, disp := range dispensedByOrder {
			o, err := tx.GetOrder(orderID)
			if err != nil {
				return err
			}
			switch o.Status {
			case OrderDiscontinued, OrderCompleted, OrderRejected:
			default:
				continue
			}
			left := roundQty(disp - givenByOrder[orderID] - settledByOrder[orderID])
			if left > 0 {
				rep.Discrepancies = append(rep.Discrepancies, Discrepancy{Kind: DiscrepancyDispensedUnaccounted, OrderID: orderID, ResidentID: o.ResidentID,
					ProductID: o.ProductID, Quantity: left, At: o.UpdatedAt,
					Message: fmt.Sprintf("%g dispensed for this %s order were neither given, wasted nor returned", left, o.Status)})
			}
		}

		// Controlled-substance counts that did not match the ledger.
		counts, err := tx.ListStockCounts(unitID, from, to)
		if err != nil {
			return err
		}
		for _, c := range counts {
			if roundQty(c.Counted) != roundQty(c.Expected) {
				p, err := product(c.ProductID)
				if err != nil {
					return err
				}
				rep.Discrepancies = append(rep.Discrepancies, Discrepancy{Kind: DiscrepancyCountMismatch, ProductID: c.ProductID, Quantity: roundQty(c.Counted - c.Expected),
					At: c.CountedAt, Message: fmt.Sprintf("%s: counted %g, the ledger expected %g", p.Name, c.Counted, c.Expected)})
			}
		}

		// Expired lots still on the unit: dispensed, less what was given,
		// wasted or returned from the same lot.
		type lotKey struct{ product, lot string }
		lotLeft := map[lotKey]float64{}
		lotExpiry := map[lotKey]string{}
		for _, d := range dispenses {
			if d.Lot == "" || d.Expiry == "" {
				continue
			}
			k := lotKey{d.ProductID, d.Lot}
			lotLeft[k] += d.Quantity
			lotExpiry[k] = d.Expiry
		}
		if len(lotLeft) > 0 {
			allGiven, err := s.unitAdministrations(tx, unitID, time.Time{}, to)
			if err != nil {
				return err
			}
			for _, a := range allGiven {
				if !a.EnteredInError && a.Outcome == OutcomeGiven && a.Lot != "" {
					lotLeft[lotKey{a.ProductID, a.Lot}] -= a.Quantity
				}
			}
			for _, a := range adjustments {
				if a.Lot != "" {
					lotLeft[lotKey{a.ProductID, a.Lot}] -= a.Quantity
				}
			}
			ref := to
			if now.Before(ref) {
				ref = now
			}
			for k, left := range lotLeft {
				exp, err := time.Parse(time.DateOnly, lotExpiry[k])
				if err != nil || !exp.Before(ref.Truncate(24*time.Hour)) || roundQty(left) <= 0 {
					continue
				}
				p, err := product(k.product)
				if err != nil {
					return err
				}
				rep.Discrepancies = append(rep.Discrepancies, Discrepancy{Kind: DiscrepancyExpiredStock, ProductID: k.product, Lot: k.lot, Quantity: roundQty(left), At: exp,
					Message: fmt.Sprintf("%s lot %s expired on %s and %g may still be on the unit", p.Name, k.lot, lotExpiry[k], roundQty(left))})
			}
		}

		if !SeesControlledBalance(by.User.Role) {
			blindControlled(&rep, product)
		}
		for _, id := range orderIDs {
			rep.Orders = append(rep.Orders, *byOrder[id])
		}
		sort.SliceStable(rep.Orders, func(i, j int) bool {
			a, b := rep.Orders[i], rep.Orders[j]
			if a.Resident.FamilyName != b.Resident.FamilyName {
				return a.Resident.FamilyName < b.Resident.FamilyName
			}
			return a.Order.StartAt.Before(b.Order.StartAt)
		})
		sort.SliceStable(rep.Products, func(i, j int) bool { return rep.Products[i].Product.Name < rep.Products[j].Product.Name })
		sort.SliceStable(rep.Discrepancies, func(i, j int) bool {
			if rep.Discrepancies[i].Kind != rep.Discrepancies[j].Kind {
				return rep.Discrepancies[i].Kind < rep.Discrepancies[j].Kind
			}
			return rep.Discrepancies[i].At.Before(rep.Discrepancies[j].At)
		})
		return s.audit(tx, by, AuditEntry{Action: "report.reconciliation", ObjectType: "unit", ObjectID: unitID,
			Detail: map[string]any{"from": from, "to": to, "discrepancies": len(rep.Discrepancies)}})
	})
	return rep, err
}

// blindControlled takes out of a report every quantity from which a nurse
// could learn what the records expect on hand of a controlled substance:
// the ledger lines (opening, movements, on hand: their sum is the balance)
// and the discrepancies that state a quantity left.
func blindControlled(rep *Reconciliation, product func(string) (Product, error)) {
	controlled := func(id string) bool {
		p, err := product(id)
		return err == nil && p.Controlled != ""
	}
	for i, p := range rep.Products {
		if p.Product.Controlled != "" {
			rep.Products[i] = ReconciliationProduct{Product: p.Product, Hidden: true}
		}
	}
	kept := rep.Discrepancies[:0]
	for _, d := range rep.Discrepancies {
		if d.ProductID != "" && controlled(d.ProductID) {
			switch d.Kind {
			case DiscrepancyNegativeStock, DiscrepancyDispensedUnaccounted, DiscrepancyExpiredStock, DiscrepancyCountMismatch:
				continue
			}
		}
		kept = append(kept, d)
	}
	rep.Discrepancies = kept
}

// unitAdministrations lists the administrations charted on a unit in
// [from, to) (zero from: since the beginning).
func (s *Service) unitAdministrations(tx Tx, unitID string, from, to time.Time) ([]Administration, error) {
	u, err := tx.GetUnit(unitID)
	if err != nil {
		return nil, err
	}
	return tx.ExportAdministrations(u.FacilityID, AdministrationQuery{UnitID: unitID, From: from, To: to})
}
