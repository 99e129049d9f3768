package mar

import (
	"context"
	"sort"
	"time"
)

// MARExportRow is one line of a resident's MAR as a surveyor reads it:
// a scheduled dose with what was documented for it, or an as-needed
// administration (no scheduled dose), or an administration later entered
// in error (kept: nothing is deleted).
type MARExportRow struct {
	Order          Order
	Dose           *ScheduledDose  // nil for an as-needed administration
	Administration *Administration // nil for a dose never documented
	PerformerName  string
	WitnessName    string
}

// MARExport is a resident's MAR over a period, row by row.
type MARExport struct {
	Resident Resident
	Unit     Unit
	Location *time.Location
	From, To time.Time
	Rows     []MARExportRow // by due (or performed) time
}

// ExportMAR reads a resident's record over [from, to) chosen in the zone of
// the resident's unit (at most 93 days), for a surveyor's export. The read
// is audited against the resident.
func (s *Service) ExportMAR(ctx context.Context, by Identity, residentID string, period MARPeriod) (MARExport, error) {
	var out MARExport
	err := s.readResident(ctx, by, residentID, "resident.mar_export", func(tx Tx, r Resident) error {
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
		case to.Sub(from) > maxReportSpan:
			return Invalid("to", "an export spans at most 93 days")
		}
		out = MARExport{Resident: r, Unit: u, Location: loc, From: from, To: to}
		doses, err := tx.ListDoses(DoseFilter{ResidentID: r.ID, DueFrom: from, DueTo: to})
		if err != nil {
			return err
		}
		admins, err := tx.ExportAdministrations(r.FacilityID, AdministrationQuery{ResidentID: r.ID, From: from, To: to})
		if err != nil {
			return err
		}
		byID := map[string]Administration{}
		for _, a := range admins {
			byID[a.ID] = a
		}
		lk := newReportLookup(tx)
		order, name := lk.order, lk.name
		used := map[string]bool{}
		for i := range doses {
			d := doses[i]
			if d.Status == DoseCancelled {
				continue
			}
			row := MARExportRow{Order: order(d.OrderID), Dose: &d}
			if d.AdminID != "" {
				a, ok := byID[d.AdminID]
				if !ok {
					// Documented outside the period (back-charted or late).
					if recs, err := tx.ExportAdministrations(r.FacilityID, AdministrationQuery{ID: d.AdminID}); err == nil && len(recs) == 1 {
						a, ok = recs[0], true
					}
				}
				if ok {
					used[a.ID] = true
					row.Administration = &a
					row.PerformerName, row.WitnessName = name(a.PerformerID), name(a.WitnessID)
				}
			}
			out.Rows = append(out.Rows, row)
		}
		for i := range admins {
			a := admins[i]
			if used[a.ID] {
				continue
			}
			out.Rows = append(out.Rows, MARExportRow{Order: order(a.OrderID), Administration: &a, PerformerName: name(a.PerformerID), WitnessName: name(a.WitnessID)})
		}
		at := func(r MARExportRow) time.Time {
			if r.Dose != nil {
				return r.Dose.DueAt
			}
			return r.Administration.PerformedAt
		}
		sort.SliceStable(out.Rows, func(i, j int) bool { return at(out.Rows[i]).Before(at(out.Rows[j])) })
		return nil
	})
	return out, err
}
