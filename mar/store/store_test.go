package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store"
	"github.com/emar-project/emar/mar/store/storetest"
)

type fixture struct {
	fac  mar.Facility
	unit mar.Unit
	user mar.User
	res  mar.Resident
	prod mar.Product
}

func seed(t *testing.T, s *store.Store) fixture {
	t.Helper()
	f := fixture{}
	f.fac = mar.Facility{ID: mar.NewID(), Name: "Test Home", TimeZone: "America/New_York"}
	f.unit = mar.Unit{ID: mar.NewID(), FacilityID: f.fac.ID, Code: "A", Name: "Unit A", TimeZone: "America/New_York"}
	f.user = mar.User{ID: mar.NewID(), FacilityID: f.fac.ID, Username: "nina", DisplayName: "Nina", Role: mar.RoleNurse, PasswordHash: "x", Active: true, CreatedAt: time.Now().UTC(), UnitIDs: []string{f.unit.ID}}
	f.res = mar.Resident{ID: mar.NewID(), FacilityID: f.fac.ID, UnitID: f.unit.ID, MRNSystem: mar.DefaultMRNSystem, MRN: "MRN001", WristbandID: "MRN001", FamilyName: "Doe", GivenName: "Jane", BirthDate: "1940-02-03", Status: mar.Admitted, AdmittedAt: time.Now().UTC(),
		Allergies: []mar.Allergy{{Substance: "penicillin", Reaction: "rash"}}}
	f.prod = mar.Product{ID: mar.NewID(), FacilityID: f.fac.ID, Name: "Metoprolol 25 mg tablet", Form: "tablet", Routes: []string{"oral"},
		Ingredients: []mar.Ingredient{{Name: "Metoprolol Tartrate", StrengthValue: 25, StrengthUnit: "mg"}},
		Packages:    []mar.Package{{GTIN: "00312345678906", NDC: "1234567890", Quantity: 1}}}
	err := s.InTx(context.Background(), func(tx mar.Tx) error {
		for _, step := range []func() error{
			func() error { return tx.CreateFacility(&f.fac) },
			func() error { return tx.CreateUnit(&f.unit) },
			func() error { return tx.CreateUser(&f.user) },
			func() error { return tx.CreateResident(&f.res) },
			func() error { return tx.CreateProduct(&f.prod) },
		} {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return f
}

func TestRecordRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := seed(t, s)
		start := time.Date(2026, 3, 8, 14, 0, 0, 123000, time.UTC)
		order := mar.Order{ID: mar.NewID(), FacilityID: f.fac.ID, ResidentID: f.res.ID, ProductID: f.prod.ID, Ingredient: "metoprolol tartrate",
			DoseValue: 25, DoseUnit: "mg", Route: "oral", Frequency: "BID", StartAt: start, Status: mar.OrderActive,
			HoldParams: []mar.HoldParam{{Vital: "heart_rate", Op: "<", Value: 60}}, CreatedAt: start, UpdatedAt: start}
		err := s.InTx(ctx, func(tx mar.Tx) error {
			if err := tx.CreateOrder(&order); err != nil {
				return err
			}
			doses := []mar.ScheduledDose{
				{ID: mar.NewID(), FacilityID: f.fac.ID, OrderID: order.ID, ResidentID: f.res.ID, UnitID: f.unit.ID, DueAt: start.Add(time.Hour), WindowStart: start, WindowEnd: start.Add(2 * time.Hour), Status: mar.DoseScheduled},
				{ID: mar.NewID(), FacilityID: f.fac.ID, OrderID: order.ID, ResidentID: f.res.ID, UnitID: f.unit.ID, DueAt: start.Add(13 * time.Hour), WindowStart: start.Add(12 * time.Hour), WindowEnd: start.Add(14 * time.Hour), Status: mar.DoseScheduled},
			}
			n, err := tx.InsertDoses(doses)
			if err != nil || n != 2 {
				t.Errorf("InsertDoses = %d, %v; want 2 new", n, err)
			}
			// The same instants again are skipped, not duplicated.
			doses[0].ID, doses[1].ID = mar.NewID(), mar.NewID()
			n, err = tx.InsertDoses(doses)
			if err != nil || n != 0 {
				t.Errorf("InsertDoses again = %d, %v; want 0 new", n, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.InTx(ctx, func(tx mar.Tx) error {
			got, err := tx.GetOrder(order.ID)
			if err != nil {
				return err
			}
			if !got.StartAt.Equal(start) || len(got.HoldParams) != 1 || got.HoldParams[0].Value != 60 {
				t.Errorf("order round trip: start %v holds %+v", got.StartAt, got.HoldParams)
			}
			doses, err := tx.ListDoses(mar.DoseFilter{ResidentID: f.res.ID, DueFrom: start.Add(90 * time.Minute)})
			if err != nil {
				return err
			}
			if len(doses) != 1 || !doses[0].DueAt.Equal(start.Add(13*time.Hour)) {
				t.Errorf("ListDoses from 15:30 = %+v; want the 03:00 dose only", doses)
			}
			r, err := tx.FindResident(f.fac.ID, "MRN001")
			if err != nil {
				return err
			}
			if r.ID != f.res.ID || len(r.Allergies) != 1 || r.Allergies[0].Substance != "penicillin" {
				t.Errorf("FindResident = %+v", r)
			}
			p, pk, err := tx.FindProductByCode("", "1234567890")
			if err != nil {
				return err
			}
			if p.ID != f.prod.ID || pk.GTIN != "00312345678906" || !p.HasIngredient("metoprolol tartrate") {
				t.Errorf("FindProductByCode by NDC = %+v %+v", p, pk)
			}
			u, err := tx.GetUserByUsername("nina")
			if err != nil {
				return err
			}
			if len(u.UnitIDs) != 1 || u.UnitIDs[0] != f.unit.ID {
				t.Errorf("user units = %v", u.UnitIDs)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestUnknownIDsAreNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		err := s.InTx(context.Background(), func(tx mar.Tx) error {
			_, err := tx.GetResident(mar.NewID())
			return err
		})
		if mar.ErrorCodeOf(err) != mar.ENotFound {
			t.Fatalf("GetResident(unknown) = %v; want not found", err)
		}
		err = s.InTx(context.Background(), func(tx mar.Tx) error {
			_, err := tx.GetResident("'; DROP TABLE residents; --")
			return err
		})
		if mar.ErrorCodeOf(err) != mar.ENotFound {
			t.Fatalf("GetResident(injection) = %v; want not found", err)
		}
	})
}

func TestFailedTransactionLeavesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seed(t, s)
		dup := f.res
		dup.ID = mar.NewID()
		other := mar.Resident{ID: mar.NewID(), FacilityID: f.fac.ID, UnitID: f.unit.ID, MRNSystem: mar.DefaultMRNSystem, MRN: "MRN002", WristbandID: "MRN002", FamilyName: "Roe", BirthDate: "1950-01-01", Status: mar.Admitted, AdmittedAt: time.Now().UTC()}
		err := s.InTx(context.Background(), func(tx mar.Tx) error {
			if err := tx.CreateResident(&other); err != nil {
				return err
			}
			return tx.CreateResident(&dup) // same MRN: refused
		})
		if mar.ErrorCodeOf(err) != mar.EConflict {
			t.Fatalf("duplicate MRN = %v; want conflict", err)
		}
		_ = s.InTx(context.Background(), func(tx mar.Tx) error {
			if _, err := tx.FindResident(f.fac.ID, "MRN002"); mar.ErrorCodeOf(err) != mar.ENotFound {
				t.Errorf("first resident of the failed transaction was stored")
			}
			return nil
		})
	})
}

// Facilities of a group number their residents on their own: the same MRN
// and wristband in two facilities is two residents, and a wristband scanned
// in one facility finds that facility's resident only — neither the other
// facility's nor a refusal for a number "shared by two residents".
func TestFindResidentKeepsToTheFacility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := seed(t, s)
		other := mar.Facility{ID: mar.NewID(), Name: "Other Home", TimeZone: "Europe/Berlin"}
		ounit := mar.Unit{ID: mar.NewID(), FacilityID: other.ID, Code: "B", Name: "Unit B", TimeZone: "Europe/Berlin"}
		twin := mar.Resident{ID: mar.NewID(), FacilityID: other.ID, UnitID: ounit.ID, MRNSystem: mar.DefaultMRNSystem, MRN: f.res.MRN, WristbandID: f.res.WristbandID,
			FamilyName: "Other", BirthDate: "1950-05-05", Status: mar.Admitted, AdmittedAt: time.Now().UTC()}
		only := mar.Resident{ID: mar.NewID(), FacilityID: other.ID, UnitID: ounit.ID, MRNSystem: mar.DefaultMRNSystem, MRN: "ONLY-B", WristbandID: "ONLY-B",
			FamilyName: "Elsewhere", BirthDate: "1951-06-06", Status: mar.Admitted, AdmittedAt: time.Now().UTC()}
		err := s.InTx(context.Background(), func(tx mar.Tx) error {
			for _, step := range []func() error{
				func() error { return tx.CreateFacility(&other) },
				func() error { return tx.CreateUnit(&ounit) },
				func() error { return tx.CreateResident(&twin) },
				func() error { return tx.CreateResident(&only) },
			} {
				if err := step(); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		_ = s.InTx(context.Background(), func(tx mar.Tx) error {
			for _, c := range []struct {
				facility, band, want string
			}{
				{f.fac.ID, f.res.WristbandID, f.res.ID},
				{other.ID, f.res.WristbandID, twin.ID},
				{other.ID, "ONLY-B", only.ID},
				{f.fac.ID, "ONLY-B", ""},
			} {
				r, err := tx.FindResident(c.facility, c.band)
				switch {
				case c.want == "" && mar.ErrorCodeOf(err) != mar.ENotFound:
					t.Errorf("facility %s, band %s: %v %v; want not found", c.facility, c.band, r.ID, err)
				case c.want != "" && (err != nil || r.ID != c.want):
					t.Errorf("facility %s, band %s: %v %v; want %s", c.facility, c.band, r.ID, err, c.want)
				}
			}
			return nil
		})
	})
}
