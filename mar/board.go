package mar

import (
	"context"
	"sort"
	"time"

	"github.com/emar-project/emar/schedules"
)

// The read models behind the charge nurse's board and the printable MAR:
// each is one transaction and one audit event, however many residents
// and doses it shows.

// DoseSheet is what the board and the MAR show doses with: the orders and
// products they belong to and the staff who documented them.
type DoseSheet struct {
	Orders   map[string]Order
	Products map[string]Product
	Staff    map[string]User // by id, for names and initials
	Doses    []ScheduledDose // by resident, then due time
}

// UnitBoard is a unit's admitted residents with their doses due in a time
// range: the charge nurse's grid.
type UnitBoard struct {
	Unit      Unit
	Residents []Resident // by room and bed
	DoseSheet
}

// ResidentMAR is one resident's medication administration record for a
// period: every order active in it, every dose due in it, and the
// as-needed administrations, which have no scheduled dose.
type ResidentMAR struct {
	Resident Resident
	Unit     Unit
	From, To time.Time
	DoseSheet
	PRN []Administration // given, held … without a scheduled dose; not entered in error
	// Projected are the doses active orders' rules give in the period
	// beyond the horizon that has been materialised: what a paper MAR shows
	// for the days to come. They have no id and exist only on the record.
	Projected []ScheduledDose
}

// UnitBoard reads the board of a unit the caller works on.
func (s *Service) UnitBoard(ctx context.Context, by Identity, unitID string, from, to time.Time) (UnitBoard, error) {
	if !from.Before(to) {
		return UnitBoard{}, Invalid("from", "must be before to")
	}
	var b UnitBoard
	err := s.Store.InTx(ctx, func(tx Tx) error {
		u, err := tx.GetUnit(unitID)
		if err != nil {
			return err
		}
		if u.FacilityID != by.User.FacilityID {
			return NotFound("unit", unitID)
		}
		if ScopedToUnits(by.User.Role) && !by.User.WorksOnUnit(u.ID) {
			return Forbidden("you are not assigned to this unit")
		}
		rs, err := tx.ListResidents(ResidentFilter{FacilityID: u.FacilityID, UnitIDs: []string{u.ID}, Status: Admitted})
		if err != nil {
			return err
		}
		sort.SliceStable(rs, func(i, j int) bool {
			if rs[i].Room != rs[j].Room {
				return roomLess(rs[i].Room, rs[j].Room)
			}
			return rs[i].Bed < rs[j].Bed
		})
		doses, err := tx.ListDoses(DoseFilter{UnitID: u.ID, DueFrom: from, DueTo: to})
		if err != nil {
			return err
		}
		sheet, err := s.doseSheet(tx, u.FacilityID, rs, doses, from, to)
		if err != nil {
			return err
		}
		b = UnitBoard{Unit: u, Residents: rs, DoseSheet: sheet}
		return s.audit(tx, by, AuditEntry{Action: "unit.board", ObjectType: "unit", ObjectID: u.ID,
			Detail: map[string]any{"from": from, "to": to, "residents": len(rs), "doses": len(doses)}})
	})
	return b, err
}

// MARPeriod chooses a MAR's period in the zone of the resident's unit,
// which the caller does not know before the read.
type MARPeriod func(loc *time.Location) (from, to time.Time, err error)

// ResidentMAR reads one resident's record for a period; the read is
// audited against the resident.
func (s *Service) ResidentMAR(ctx context.Context, by Identity, residentID string, period MARPeriod) (ResidentMAR, error) {
	return s.residentMAR(ctx, by, residentID, period, "resident.mar", 62*24*time.Hour, "a MAR covers at most two months")
}

// PrintableMAR reads one resident's record for a printed export (the PDF
// for surveyors) of at most 93 days, like the CSV export; the read is
// audited against the resident as resident.mar_pdf.
func (s *Service) PrintableMAR(ctx context.Context, by Identity, residentID string, period MARPeriod) (ResidentMAR, error) {
	return s.residentMAR(ctx, by, residentID, period, "resident.mar_pdf", maxReportSpan, "an export spans at most 93 days")
}

func (s *Service) residentMAR(ctx context.Context, by Identity, residentID string, period MARPeriod, action string, longest time.Duration, tooLong string) (ResidentMAR, error) {
	var m ResidentMAR
	err := s.readResident(ctx, by, residentID, action, func(tx Tx, r Resident) error {
		u, err := tx.GetUnit(r.UnitID)
		if err != nil {
			return err
		}
		loc, err := u.Location()
		if err != nil {
			return err
		}
		from, to, err := period(loc)
		switch {
		case err != nil:
			return err
		case !from.Before(to):
			return Invalid("from", "must be before to")
		case to.Sub(from) > longest:
			return Invalid("to", "%s", tooLong)
		}
		doses, err := tx.ListDoses(DoseFilter{ResidentID: r.ID, DueFrom: from, DueTo: to})
		if err != nil {
			return err
		}
		sheet, err := s.doseSheet(tx, r.FacilityID, []Resident{r}, doses, from, to)
		if err != nil {
			return err
		}
		admins, err := tx.ListAdministrations(AdministrationFilter{ResidentID: r.ID, Since: from, Until: to})
		if err != nil {
			return err
		}
		m = ResidentMAR{Resident: r, Unit: u, From: from, To: to, DoseSheet: sheet,
			Projected: s.projectDoses(sheet, u, loc, from, to)}
		for _, a := range admins {
			if a.DoseID == "" && !a.EnteredInError {
				m.PRN = append(m.PRN, a)
				if _, ok := sheet.Orders[a.OrderID]; !ok {
					if o, err := tx.GetOrder(a.OrderID); err == nil {
						sheet.Orders[o.ID] = o
					}
				}
			}
		}
		return nil
	})
	return m, err
}

// projectDoses expands the sheet's active scheduled orders over the part
// of [from, to) after each order's materialised horizon, with the same rule
// and windows the materialiser will use. An order whose frequency does not
// parse projects nothing (the materialiser logs it).
func (s *Service) projectDoses(sh DoseSheet, u Unit, loc *time.Location, from, to time.Time) []ScheduledDose {
	var out []ScheduledDose
	for _, o := range sh.Orders {
		if o.Status != OrderActive || o.PRN || o.MaterializedUntil == nil {
			continue
		}
		rule, err := s.ParseFrequency(o.Frequency, u)
		if err != nil {
			continue
		}
		lo := from
		if o.MaterializedUntil.After(lo) {
			lo = *o.MaterializedUntil
		}
		if !lo.Before(to) {
			continue
		}
		var stop time.Time
		if o.StopAt != nil {
			stop = *o.StopAt
		}
		class := WindowClassFor(o, rule, sh.Products[o.ProductID])
		for _, d := range schedules.Expand(rule, o.StartAt, stop, lo, to, loc) {
			ws, we := s.windowsFor(u).Window(class, d.At)
			out = append(out, ScheduledDose{FacilityID: o.FacilityID, OrderID: o.ID, ResidentID: o.ResidentID, UnitID: u.ID,
				DueAt: d.At, WindowStart: ws, WindowEnd: we, Status: DoseScheduled, Step: d.Step, StepDose: d.Dose})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DueAt.Before(out[j].DueAt) })
	return out
}

// doseSheet gathers the orders that were active between from and to (or
// have a dose in it), their products and the staff who documented doses.
func (s *Service) doseSheet(tx Tx, facilityID string, rs []Resident, doses []ScheduledDose, from, to time.Time) (DoseSheet, error) {
	sh := DoseSheet{Orders: map[string]Order{}, Products: map[string]Product{}, Staff: map[string]User{}}
	withDoses := map[string]bool{}
	for _, d := range doses {
		withDoses[d.OrderID] = true
	}
	for _, r := range rs {
		os, err := tx.ListOrders(OrderFilter{FacilityID: facilityID, ResidentID: r.ID})
		if err != nil {
			return DoseSheet{}, err
		}
		for _, o := range os {
			overlaps := o.StartAt.Before(to) && (o.StopAt == nil || o.StopAt.After(from))
			live := o.Status == OrderActive || o.Status == OrderOnHold || o.Status == OrderPending
			if withDoses[o.ID] || (overlaps && (live || o.PRN)) {
				sh.Orders[o.ID] = o
			}
		}
	}
	ps, err := tx.ListProducts(facilityID)
	if err != nil {
		return DoseSheet{}, err
	}
	for _, p := range ps {
		sh.Products[p.ID] = p
	}
	us, err := tx.ListUsers(facilityID)
	if err != nil {
		return DoseSheet{}, err
	}
	for _, u := range us {
		u.PasswordHash, u.PINHash = "", ""
		sh.Staff[u.ID] = u
	}
	sort.SliceStable(doses, func(i, j int) bool {
		if doses[i].ResidentID != doses[j].ResidentID {
			return doses[i].ResidentID < doses[j].ResidentID
		}
		return doses[i].DueAt.Before(doses[j].DueAt)
	})
	sh.Doses = doses
	return sh, nil
}

// roomLess orders room numbers numerically when both are numbers.
func roomLess(a, b string) bool {
	if len(a) != len(b) && numericRoom(a) && numericRoom(b) {
		return len(a) < len(b)
	}
	return a < b
}

func numericRoom(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// MedicationName is how a page names an order: the product when it has
// one, else the ingredient.
func (sh DoseSheet) MedicationName(o Order) string {
	if p, ok := sh.Products[o.ProductID]; ok {
		return p.Name
	}
	return o.Ingredient
}
