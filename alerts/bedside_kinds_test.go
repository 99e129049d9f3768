package alerts_test

import (
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// The PRN follow-up and vitals kinds read tables of the bedside
// capability (the contract is in docs/alerts.md); these helpers write
// them through the store as the bedside does.

// addFollowup records a given PRN dose of the order at t0 with its
// effectiveness follow-up due at due, and returns the follow-up's id.
func (w *world) addFollowup(o mar.Order, due time.Time) string {
	w.t.Helper()
	var id string
	err := w.env.Store.InTx(w.ctx, func(tx mar.Tx) error {
		r, err := tx.GetResident(o.ResidentID)
		if err != nil {
			return err
		}
		nurse, err := tx.GetUserByUsername("nurse")
		if err != nil {
			return err
		}
		a := mar.Administration{ID: mar.NewID(), FacilityID: o.FacilityID, ResidentID: r.ID, UnitID: r.UnitID, OrderID: o.ID,
			PerformerID: nurse.ID, PerformedAt: t0, RecordedAt: t0, Outcome: mar.OutcomeGiven, PRN: true}
		if err := tx.CreateAdministration(&a); err != nil {
			return err
		}
		f := mar.PRNFollowup{ID: mar.NewID(), FacilityID: o.FacilityID, ResidentID: r.ID, OrderID: o.ID, AdministrationID: a.ID, DueAt: due, Status: mar.FollowupDue}
		id = f.ID
		return tx.CreatePRNFollowup(&f)
	})
	if err != nil {
		w.t.Fatalf("add follow-up: %v", err)
	}
	return id
}

// addVital records a reading of the resident taken at at.
func (w *world) addVital(residentID, kind string, at time.Time) {
	w.t.Helper()
	err := w.env.Store.InTx(w.ctx, func(tx mar.Tx) error {
		nurse, err := tx.GetUserByUsername("nurse")
		if err != nil {
			return err
		}
		return tx.CreateVital(&mar.Vital{ID: mar.NewID(), FacilityID: nurse.FacilityID, ResidentID: residentID, Kind: kind, Value: 72, TakenAt: at, RecordedAt: at, RecordedBy: nurse.ID})
	})
	if err != nil {
		w.t.Fatalf("add vital: %v", err)
	}
}

func TestPRNFollowupOverdueUntilDocumented(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			w := newWorld(t, engine)
			if res := w.sweep(w.sweeper(quiet())); res.Changed() {
				t.Fatalf("without follow-ups: %+v", res)
			}
			o := w.activeOrders()[0]
			id := w.addFollowup(o, t0.Add(time.Hour))
			db := w.env.Store.Gorm()
			s := w.sweeper(quiet())
			w.env.Clock.Set(t0.Add(59 * time.Minute))
			if res := w.sweep(s); res.Changed() {
				t.Fatalf("before it is due: %+v", res)
			}
			w.env.Clock.Set(t0.Add(61 * time.Minute))
			if res := w.sweep(s); res.Raised[mar.AlertPRNFollowupOverdue] != 1 {
				t.Fatalf("overdue: %+v", res)
			}
			if res := w.sweep(s); res.Changed() {
				t.Fatalf("repeated: %+v", res)
			}
			db.Exec(`UPDATE prn_followups SET documented_at = ? WHERE id = ?`, t0.Add(70*time.Minute), id)
			if res := w.sweep(s); res.Resolved != 1 {
				t.Fatalf("after documentation: %+v", res)
			}
			a := w.alertsOf(mar.AlertPRNFollowupOverdue)
			if len(a) != 1 || a[0].FollowupID != id || a[0].ResolvedHow != mar.ResolvedDocumented || a[0].UnitID == "" {
				t.Fatalf("alert %+v", a)
			}
		})
	}
}

func TestVitalsMissingForDosesWithHoldParameters(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			w := newWorld(t, engine)
			var held, plain mar.Order
			for _, o := range w.activeOrders() {
				if len(o.HoldParams) > 0 && held.ID == "" {
					held = o
				} else if len(o.HoldParams) == 0 && plain.ID == "" {
					plain = o
				}
			}
			if held.ID == "" || plain.ID == "" {
				t.Fatal("the demo needs an order with and one without hold parameters")
			}
			d := w.addDose(held, t0.Add(30*time.Minute), time.Hour) // window opens at t0-30m
			w.addDose(plain, t0.Add(30*time.Minute), time.Hour)
			future := w.addDose(held, t0.Add(5*time.Hour), time.Hour) // not due yet
			cfg := quiet()
			cfg.VitalsWithin = time.Hour
			s := w.sweeper(cfg)
			res := w.sweep(s)
			if res.Raised[mar.AlertVitalsMissing] != 1 {
				t.Fatalf("sweep: %+v", res)
			}
			a := w.alertsOf(mar.AlertVitalsMissing)
			if len(a) != 1 || a[0].DoseID != d.ID || a[0].DoseID == future.ID {
				t.Fatalf("alerts %+v", a)
			}
			// A reading taken two hours ago is too old; one of each needed
			// kind taken now settles it.
			add := func(kind string, at time.Time) { w.addVital(held.ResidentID, kind, at) }
			for _, h := range held.HoldParams {
				add(h.Vital, t0.Add(-2*time.Hour))
			}
			if res := w.sweep(s); res.Resolved != 0 {
				t.Fatalf("old readings settled it: %+v", res)
			}
			for _, h := range held.HoldParams {
				add(h.Vital, t0)
			}
			if res := w.sweep(s); res.Resolved != 1 {
				t.Fatalf("fresh readings: %+v", res)
			}
			if a := w.alertsOf(mar.AlertVitalsMissing); a[0].ResolvedHow != mar.ResolvedVitals {
				t.Fatalf("resolved how %q", a[0].ResolvedHow)
			}
		})
	}
}
