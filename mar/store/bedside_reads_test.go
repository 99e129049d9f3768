package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store"
	"github.com/emar-project/emar/mar/store/storetest"
)

// The bedside's combined reads answer what the separate reads answer.
func TestBedsideCombinedReads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := seed(t, s)
		now := time.Date(2026, 3, 10, 14, 0, 0, 123000, time.UTC)
		bc := mar.BedsideContext{ID: mar.NewID(), FacilityID: f.fac.ID, UserID: f.user.ID, ResidentID: f.res.ID, ScannedCode: "MRN001",
			CreatedAt: now, ExpiresAt: now.Add(time.Hour), ManualReason: "band_missing", ManualIdentifiers: []string{"name", "birth_date"}}
		order := mar.Order{ID: mar.NewID(), FacilityID: f.fac.ID, ResidentID: f.res.ID, ProductID: f.prod.ID, Ingredient: "metoprolol tartrate",
			DoseValue: 25, DoseUnit: "mg", Route: "oral", Frequency: "BID", StartAt: now.Add(-time.Hour), Status: mar.OrderActive, CreatedAt: now, UpdatedAt: now}
		dose := mar.ScheduledDose{ID: mar.NewID(), FacilityID: f.fac.ID, OrderID: order.ID, ResidentID: f.res.ID, UnitID: f.unit.ID,
			DueAt: now, WindowStart: now.Add(-time.Hour), WindowEnd: now.Add(time.Hour), Status: mar.DoseMissed}
		// A second product with two ingredients and two packages, whose
		// GTINs sort the other way round from their creation.
		combo := mar.Product{ID: mar.NewID(), FacilityID: f.fac.ID, Name: "Combo tablet", Form: "tablet", Routes: []string{"oral"},
			Ingredients: []mar.Ingredient{{Name: "Losartan", StrengthValue: 50, StrengthUnit: "mg"}, {Name: "Hydrochlorothiazide", StrengthValue: 12.5, StrengthUnit: "mg"}},
			Packages:    []mar.Package{{GTIN: "00399999999993", NDC: "9999999999", Quantity: 30, Description: "bottle"}, {GTIN: "00311111111110", Quantity: 1}}}
		// Residents with no allergy and with two.
		none := mar.Resident{ID: mar.NewID(), FacilityID: f.fac.ID, UnitID: f.unit.ID, MRNSystem: mar.DefaultMRNSystem, MRN: "MRN002", WristbandID: "MRN002",
			FamilyName: "Roe", GivenName: "Rick", BirthDate: "1941-02-03", Status: mar.Admitted, AdmittedAt: now}
		two := none
		two.ID, two.MRN, two.WristbandID = mar.NewID(), "MRN003", "MRN003"
		two.Allergies = []mar.Allergy{{Substance: "sulfa", Reaction: "rash", Severity: "mild"}, {Substance: "codeine", Reaction: "nausea"}}
		ctxNone, ctxTwo := bc, bc
		ctxNone.ID, ctxNone.ResidentID, ctxTwo.ID, ctxTwo.ResidentID = mar.NewID(), none.ID, mar.NewID(), two.ID
		if err := s.InTx(ctx, func(tx mar.Tx) error {
			for _, r := range []*mar.Resident{&none, &two} {
				if err := tx.CreateResident(r); err != nil {
					return err
				}
			}
			for _, c := range []*mar.BedsideContext{&bc, &ctxNone, &ctxTwo} {
				if err := tx.CreateBedsideContext(c); err != nil {
					return err
				}
			}
			if err := tx.CreateProduct(&combo); err != nil {
				return err
			}
			if err := tx.CreateOrder(&order); err != nil {
				return err
			}
			_, err := tx.InsertDoses([]mar.ScheduledDose{dose})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_ = s.InTx(ctx, func(tx mar.Tx) error {
			wantUnit, _ := tx.GetUnit(f.unit.ID)
			for _, c := range []mar.BedsideContext{bc, ctxNone, ctxTwo} {
				wantCtx, _ := tx.GetBedsideContext(c.ID)
				wantRes, _ := tx.GetResident(c.ResidentID)
				for _, allergies := range []bool{true, false} {
					gotCtx, gotRes, gotUnit, err := tx.GetBedsideContextResident(c.ID, allergies)
					want := wantRes
					if !allergies {
						want.Allergies = nil
					}
					if err != nil || !reflect.DeepEqual(gotCtx, wantCtx) || !reflect.DeepEqual(gotRes, want) || !reflect.DeepEqual(gotUnit, wantUnit) {
						t.Errorf("GetBedsideContextResident(allergies %v) =\n%+v\n%+v\n%+v, %v\nwant\n%+v\n%+v\n%+v", allergies, gotCtx, gotRes, gotUnit, err, wantCtx, want, wantUnit)
					}
				}
			}
			wantRes, _ := tx.GetResident(f.res.ID)
			if _, _, _, err := tx.GetBedsideContextResident(mar.NewID(), true); mar.ErrorCodeOf(err) != mar.ENotFound {
				t.Errorf("unknown context: %v, want not found", err)
			}
			if got, err := tx.LockAndGetResident(f.res.ID); err != nil || !reflect.DeepEqual(got, wantRes) {
				t.Errorf("LockAndGetResident = %+v, %v; want %+v", got, err, wantRes)
			}
			for _, gtin := range []string{"00311111111110", "00399999999993"} {
				p, pk, err := tx.FindProductByCode(gtin, "")
				want, _ := tx.GetProduct(combo.ID)
				if err != nil || !reflect.DeepEqual(p, want) || pk.GTIN != gtin || pk.ProductID != combo.ID {
					t.Errorf("FindProductByCode(%s) = %+v %+v %v; want %+v", gtin, p, pk, err, want)
				}
				if len(p.Ingredients) != 2 || p.Ingredients[1].StrengthValue != 12.5 || len(p.Packages) != 2 || p.Packages[0].GTIN != "00311111111110" {
					t.Errorf("combo product read as %+v", p)
				}
			}
			if p, pk, err := tx.FindProductByCode("", "9999999999"); err != nil || p.ID != combo.ID || pk.Quantity != 30 {
				t.Errorf("FindProductByCode by NDC = %+v %+v %v", p, pk, err)
			}
			if _, _, err := tx.FindProductByCode("00300000000000", ""); mar.ErrorCodeOf(err) != mar.ENotFound {
				t.Errorf("unknown GTIN: %v, want not found", err)
			}
			ps, err := tx.GetProducts([]string{f.prod.ID, combo.ID})
			if err != nil || len(ps) != 2 || len(ps[f.prod.ID].Ingredients) != 1 || ps[combo.ID].Ingredients[0].Name != "losartan" || len(ps[combo.ID].Packages) != 2 {
				t.Errorf("GetProducts = %+v, %v", ps, err)
			}
			return nil
		})
		// The conditional update answers the dose as it left it, once.
		adminID := mar.NewID()
		for i, wantOK := range []bool{true, false} {
			_ = s.InTx(ctx, func(tx mar.Tx) error {
				d, ok, err := tx.DocumentDoseReturning(dose.ID, []mar.DoseStatus{mar.DoseScheduled, mar.DoseMissed}, mar.DoseGiven, f.user.ID, now, adminID)
				if err != nil || ok != wantOK {
					t.Fatalf("DocumentDoseReturning #%d = %v, %v; want %v", i+1, ok, err, wantOK)
				}
				if ok {
					stored, _ := tx.GetDose(dose.ID)
					if !reflect.DeepEqual(d, stored) || d.Status != mar.DoseGiven || d.DocumentedBy != f.user.ID || d.DocumentedAt == nil || !d.DocumentedAt.Equal(now) || d.AdminID != adminID {
						t.Errorf("answered %+v, stored %+v", d, stored)
					}
				}
				return nil
			})
		}
	})
}

// A writer that waited for the resident's lock sees what the transaction
// it waited for committed: the discharge and the new allergy (PostgreSQL;
// SQLite has one writer).
func TestLockAndGetResidentSeesWhatItWaitedFor(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		if engine != "postgres" {
			continue
		}
		t.Run(engine, func(t *testing.T) {
			s := storetest.Open(t, engine)
			ctx := context.Background()
			f := seed(t, s)
			locked, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
			go func() {
				done <- s.InTx(ctx, func(tx mar.Tx) error {
					r, err := tx.LockAndGetResident(f.res.ID)
					if err != nil {
						return err
					}
					close(locked)
					<-release
					r.Allergies = append(r.Allergies, mar.Allergy{Substance: "latex", Reaction: "hives"})
					r.Status = mar.Discharged
					return tx.UpdateResident(&r)
				})
			}()
			<-locked
			got := make(chan mar.Resident, 1)
			go func() {
				_ = s.InTx(ctx, func(tx mar.Tx) error {
					r, err := tx.LockAndGetResident(f.res.ID)
					if err != nil {
						t.Error(err)
					}
					got <- r
					return nil
				})
			}()
			time.Sleep(200 * time.Millisecond) // the second transaction is waiting for the lock
			select {
			case r := <-got:
				t.Fatalf("read %+v without waiting for the lock", r)
			default:
			}
			close(release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			r := <-got
			if r.Status != mar.Discharged || len(r.Allergies) != 2 {
				t.Fatalf("after the wait: status %s, allergies %+v; want discharged with latex", r.Status, r.Allergies)
			}
		})
	}
}
