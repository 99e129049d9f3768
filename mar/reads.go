package mar

import (
	"context"
	"time"
)

// OrderView is an order with what a reader shows beside it.
type OrderView struct {
	Order    Order
	Resident Resident
	Product  *Product
	Unit     Unit
}

// GetOrder reads one order (an audited read of the resident's record).
func (s *Service) GetOrder(ctx context.Context, by Identity, id string) (OrderView, error) {
	var v OrderView
	err := s.Store.InTx(ctx, func(tx Tx) error {
		o, err := s.orderInFacility(tx, by, id)
		if err != nil {
			return err
		}
		if v, err = s.orderView(tx, by, o); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "order.read", ObjectType: "order", ObjectID: o.ID, ResidentID: o.ResidentID})
	})
	return v, err
}

func (s *Service) orderView(tx Tx, by Identity, o Order) (OrderView, error) {
	r, err := tx.GetResident(o.ResidentID)
	if err != nil {
		return OrderView{}, err
	}
	if err := CanSeeResident(by.User, r); err != nil {
		return OrderView{}, err
	}
	v := OrderView{Order: o, Resident: r}
	if v.Unit, err = tx.GetUnit(r.UnitID); err != nil {
		return OrderView{}, err
	}
	if o.ProductID != "" {
		p, err := tx.GetProduct(o.ProductID)
		if err != nil {
			return OrderView{}, err
		}
		v.Product = &p
	}
	return v, nil
}

// SearchOrders lists the orders the caller may see: one resident's, or
// the facility's (a nurse's units only).
func (s *Service) SearchOrders(ctx context.Context, by Identity, residentID string, statuses []OrderStatus) ([]OrderView, error) {
	var out []OrderView
	if residentID != "" && !ValidID(residentID) {
		return nil, nil
	}
	err := s.Store.InTx(ctx, func(tx Tx) error {
		out = nil
		orders, err := tx.ListOrders(OrderFilter{FacilityID: by.User.FacilityID, ResidentID: residentID, Statuses: statuses})
		if err != nil {
			return err
		}
		for _, o := range orders {
			v, err := s.orderView(tx, by, o)
			if ErrorCodeOf(err) == EForbidden {
				continue
			}
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return s.audit(tx, by, AuditEntry{Action: "order.search", ObjectType: "resident", ObjectID: residentID, ResidentID: residentID,
			Detail: map[string]int{"count": len(out)}})
	})
	return out, err
}

// ProductWithCodes is a catalogue product and its extra codes.
type ProductWithCodes struct {
	Product Product
	Codes   map[string]string
}

// GetProductWithCodes reads one product of the catalogue.
func (s *Service) GetProductWithCodes(ctx context.Context, by Identity, id string) (ProductWithCodes, error) {
	var out ProductWithCodes
	err := s.Store.InTx(ctx, func(tx Tx) error {
		p, err := tx.GetProduct(id)
		if err != nil || p.FacilityID != by.User.FacilityID {
			return NotFound("Medication", id)
		}
		codes, err := tx.ProductCodes(p.ID)
		out = ProductWithCodes{Product: p, Codes: codes}
		return err
	})
	return out, err
}

// ListProductsWithCodes returns the catalogue with extra codes.
func (s *Service) ListProductsWithCodes(ctx context.Context, by Identity) ([]ProductWithCodes, error) {
	var out []ProductWithCodes
	err := s.Store.InTx(ctx, func(tx Tx) error {
		out = nil
		ps, err := tx.ListProducts(by.User.FacilityID)
		if err != nil {
			return err
		}
		for _, p := range ps {
			codes, err := tx.ProductCodes(p.ID)
			if err != nil {
				return err
			}
			out = append(out, ProductWithCodes{Product: p, Codes: codes})
		}
		return nil
	})
	return out, err
}

// DispenseView is a dispense with its product, dispenser and resident.
type DispenseView struct {
	Dispense  Dispense
	Product   ProductWithCodes
	Dispenser User
	Resident  *Resident
}

// DispenseViews reads dispenses by id, or by filter when id is empty.
func (s *Service) DispenseViews(ctx context.Context, by Identity, id string, f DispenseFilter) ([]DispenseView, error) {
	var out []DispenseView
	err := s.Store.InTx(ctx, func(tx Tx) error {
		out = nil
		var list []Dispense
		if id != "" {
			d, err := tx.GetDispense(id)
			if err != nil || d.FacilityID != by.User.FacilityID {
				return NotFound("MedicationDispense", id)
			}
			list = []Dispense{d}
		} else {
			f.FacilityID = by.User.FacilityID
			if f.Limit == 0 {
				f.Limit = 500
			}
			var err error
			if list, err = tx.ListDispenses(f); err != nil {
				return err
			}
		}
		for _, d := range list {
			v := DispenseView{Dispense: d}
			if d.ResidentID != "" {
				r, err := tx.GetResident(d.ResidentID)
				if err != nil {
					return err
				}
				if err := CanSeeResident(by.User, r); err != nil {
					if id != "" {
						return err
					}
					continue
				}
				v.Resident = &r
			} else if ScopedToUnits(by.User.Role) && !by.User.WorksOnUnit(d.UnitID) {
				continue
			}
			p, err := tx.GetProduct(d.ProductID)
			if err != nil {
				return err
			}
			codes, err := tx.ProductCodes(p.ID)
			if err != nil {
				return err
			}
			v.Product = ProductWithCodes{Product: p, Codes: codes}
			if v.Dispenser, err = tx.GetUser(d.DispensedBy); err != nil {
				return err
			}
			out = append(out, v)
		}
		return s.audit(tx, by, AuditEntry{Action: "dispense.read", ObjectType: "dispense", ObjectID: id, ResidentID: f.ResidentID, Detail: map[string]int{"count": len(out)}})
	})
	return out, err
}

// GetAuditEvent reads one event of the trail (administrators).
func (s *Service) GetAuditEvent(ctx context.Context, by Identity, id string) (AuditEvent, error) {
	if by.User.Role != RoleAdmin {
		return AuditEvent{}, Forbidden("only an administrator reads the audit trail")
	}
	var e AuditEvent
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		if e, err = tx.GetAuditEvent(id); err != nil {
			return err
		}
		if e.FacilityID != by.User.FacilityID {
			return NotFound("AuditEvent", id)
		}
		return s.audit(tx, by, AuditEntry{Action: "audit.read", ObjectType: "audit_event", ObjectID: id})
	})
	return e, err
}

// ResidentWithUnit is a resident and their unit.
type ResidentWithUnit struct {
	Resident Resident
	Unit     Unit
}

// ResidentsWithUnits reads residents (one by id, or the caller's) with
// their units, for FHIR Patient.
func (s *Service) ResidentsWithUnits(ctx context.Context, by Identity, id string) ([]ResidentWithUnit, error) {
	var rs []Resident
	var err error
	if id != "" {
		var r Resident
		r, err = s.GetResident(ctx, by, id)
		rs = []Resident{r}
	} else {
		rs, err = s.ListResidents(ctx, by, "", "")
	}
	if err != nil {
		return nil, err
	}
	units, err := s.ListUnits(ctx, by)
	if err != nil {
		return nil, err
	}
	byID := map[string]Unit{}
	for _, u := range units {
		byID[u.ID] = u
	}
	out := make([]ResidentWithUnit, len(rs))
	for i, r := range rs {
		out[i] = ResidentWithUnit{Resident: r, Unit: byID[r.UnitID]}
	}
	return out, nil
}

// UserNames maps user ids of the facility to display names.
func (s *Service) UserNames(ctx context.Context, by Identity) (map[string]User, error) {
	out := map[string]User{}
	err := s.Store.InTx(ctx, func(tx Tx) error {
		us, err := tx.ListUsers(by.User.FacilityID)
		for _, u := range us {
			out[u.ID] = u
		}
		return err
	})
	return out, err
}

var _ = time.Time{}

// AdministrationRecord is an administration with what FHIR and HL7 say
// beside it.
type AdministrationRecord struct {
	Administration Administration
	Resident       Resident
	Unit           Unit
	Order          Order
	Product        *ProductWithCodes
	Performer      User
	Witness        *User
	NeedsReview    bool
}

// AdministrationQuery selects administrations for FHIR search.
type AdministrationQuery struct {
	ID          string
	ResidentID  string
	UnitID      string
	OrderID     string
	PerformerID string
	From, To    time.Time // effective time bounds, [From, To)
	Limit       int
}

// AdministrationRecords reads administrations the caller may see.
func (s *Service) AdministrationRecords(ctx context.Context, by Identity, q AdministrationQuery) ([]AdministrationRecord, error) {
	var out []AdministrationRecord
	err := s.Store.InTx(ctx, func(tx Tx) error {
		out = nil
		list, err := s.listAdministrations(tx, by.User.FacilityID, q)
		if err != nil {
			return err
		}
		for _, a := range list {
			rec, err := s.administrationRecord(tx, a)
			if err != nil {
				return err
			}
			if err := CanSeeResident(by.User, rec.Resident); err != nil {
				if q.ID != "" {
					return err
				}
				continue
			}
			out = append(out, rec)
		}
		if q.ID != "" && len(out) == 0 {
			return NotFound("MedicationAdministration", q.ID)
		}
		return s.audit(tx, by, AuditEntry{Action: "administration.read", ObjectType: "administration", ObjectID: q.ID, ResidentID: q.ResidentID,
			Detail: map[string]int{"count": len(out)}})
	})
	return out, err
}

func (s *Service) administrationRecord(tx Tx, a Administration) (AdministrationRecord, error) {
	rec := AdministrationRecord{Administration: a}
	var err error
	if rec.Resident, err = tx.GetResident(a.ResidentID); err != nil {
		return rec, err
	}
	if rec.Unit, err = tx.GetUnit(rec.Resident.UnitID); err != nil {
		return rec, err
	}
	if rec.Order, err = tx.GetOrder(a.OrderID); err != nil {
		return rec, err
	}
	pid := a.ProductID
	if pid == "" {
		pid = rec.Order.ProductID
	}
	if pid != "" {
		p, err := tx.GetProduct(pid)
		if err != nil {
			return rec, err
		}
		codes, err := tx.ProductCodes(p.ID)
		if err != nil {
			return rec, err
		}
		rec.Product = &ProductWithCodes{Product: p, Codes: codes}
	}
	if rec.Performer, err = tx.GetUser(a.PerformerID); err != nil {
		return rec, err
	}
	if a.WitnessID != "" {
		w, err := tx.GetUser(a.WitnessID)
		if err != nil {
			return rec, err
		}
		rec.Witness = &w
	}
	reviews, err := tx.ListAdministrationReviews(a.FacilityID, true)
	if err != nil {
		return rec, err
	}
	for _, r := range reviews {
		if r.AdministrationID == a.ID {
			rec.NeedsReview = true
		}
	}
	return rec, nil
}

// listAdministrations reads the bedside's stored administrations.
func (s *Service) listAdministrations(tx Tx, facilityID string, q AdministrationQuery) ([]Administration, error) {
	return tx.ExportAdministrations(facilityID, q)
}
