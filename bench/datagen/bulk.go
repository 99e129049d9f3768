package datagen

import (
	"context"
	"fmt"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store"
	"github.com/emar-project/emar/schedules"
)

// Bulk is a large facility loaded with COPY: its orders exist, no dose
// has been materialised yet.
type Bulk struct {
	FacilityID string
	Residents  int
	Orders     int
}

// BulkFacility loads residents residents, each with the 8 orders of the
// regimen (15 doses a day), starting at start, in wards of 50 in zone.
// Products come from the demo formulary through the store. It is the input
// of the materialisation benchmark: far more residents than one facility
// has, to see the job's rate.
func BulkFacility(ctx context.Context, st *store.Store, residents int, start time.Time, zone string) (*Bulk, error) {
	b := &Bulk{FacilityID: mar.NewID(), Residents: residents}
	units := make([]mar.Unit, (residents+49)/50)
	byName := map[string]mar.Product{}
	err := st.InTx(ctx, func(tx mar.Tx) error {
		if err := tx.CreateFacility(&mar.Facility{ID: b.FacilityID, Name: "Bulk Care Group (synthetic)", TimeZone: zone}); err != nil {
			return err
		}
		for i := range units {
			units[i] = mar.Unit{ID: mar.NewID(), FacilityID: b.FacilityID, Code: fmt.Sprintf("B%03d", i+1), Name: fmt.Sprintf("Bulk ward %d", i+1), TimeZone: zone}
			if err := tx.CreateUnit(&units[i]); err != nil {
				return err
			}
		}
		ps := demo.Products(b.FacilityID)
		for i := range ps {
			if err := tx.CreateProduct(&ps[i]); err != nil {
				return err
			}
			byName[ps[i].Name] = ps[i]
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	freq := make([]string, len(regimen))
	for i, g := range regimen {
		r, err := schedules.Parse(g.freq, schedules.DefaultTimes())
		if err != nil {
			return nil, err
		}
		freq[i] = r.String()
	}
	start = start.UTC()
	var resRows, ordRows [][]any
	for i := 0; i < residents; i++ {
		id := mar.NewID()
		mrn := fmt.Sprintf("%09d", 700000001+i)
		resRows = append(resRows, []any{id, b.FacilityID, units[i/50].ID, mar.DefaultMRNSystem, mrn, "MRN" + mrn, fmt.Sprintf("Bulk%06d", i), "Resident",
			"1940-01-01", "unknown", "admitted", start})
		for k, g := range regimen {
			p := byName[g.product]
			ordRows = append(ordRows, []any{mar.NewID(), b.FacilityID, id, p.ID, p.Ingredients[0].Name, g.dose, g.unit, p.Routes[0],
				freq[k], start, "active", "Dr. Synthetic", "bench", start, start, start})
		}
	}
	if _, err := copyTrusted(ctx, st.DB(), "residents", []string{"id", "facility_id", "unit_id", "mrn_system", "mrn", "wristband_id", "family_name",
		"given_name", "birth_date", "sex", "status", "admitted_at"}, resRows); err != nil {
		return nil, err
	}
	n, err := copyTrusted(ctx, st.DB(), "orders", []string{"id", "facility_id", "resident_id", "product_id", "ingredient", "dose_value",
		"dose_unit", "route", "frequency", "start_at", "status", "prescriber", "source", "verified_at", "created_at", "updated_at"}, ordRows)
	if err != nil {
		return nil, err
	}
	b.Orders = int(n)
	if _, err := st.DB().ExecContext(ctx, "ANALYZE"); err != nil {
		return nil, err
	}
	return b, nil
}
