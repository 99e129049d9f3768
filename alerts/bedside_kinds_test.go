package alerts_test

import (
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// The PRN follow-up and vitals kinds read tables of the bedside
// capability. Until its migration is merged, these tests create tables
// with just the columns the sweeper reads (the contract, documented in
// docs/alerts.md); once the real tables exist they are used as they are.
func (w *world) ensureBedsideTables() {
	w.t.Helper()
	db := w.env.Store.Gorm()
	ts, id := "timestamp", "text"
	if w.env.Engine == "postgres" {
		ts, id = "timestamptz", "uuid"
	}
	if !db.Migrator().HasTable("prn_followups") {
		if err := db.Exec(`CREATE TABLE prn_followups (id ` + id + ` PRIMARY KEY, resident_id ` + id + ` NOT NULL, order_id ` + id + `, due_at ` + ts + ` NOT NULL, documented_at ` + ts + `)`).Error; err != nil {
			w.t.Fatal(err)
		}
	}
	if !db.Migrator().HasTable("vitals") {
		if err := db.Exec(`CREATE TABLE vitals (id ` + id + ` PRIMARY KEY, resident_id ` + id + ` NOT NULL, kind text NOT NULL, value double precision NOT NULL, taken_at ` + ts + ` NOT NULL)`).Error; err != nil {
			w.t.Fatal(err)
		}
	}
}

func TestPRNFollowupOverdueUntilDocumented(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			w := newWorld(t, engine)
			if res := w.sweep(w.sweeper(quiet())); res.Changed() {
				t.Fatalf("without follow-ups: %+v", res)
			}
			w.ensureBedsideTables()
			o := w.activeOrders()[0]
			id := mar.NewID()
			db := w.env.Store.Gorm()
			if err := db.Exec(`INSERT INTO prn_followups (id, resident_id, order_id, due_at) VALUES (?, ?, ?, ?)`, id, o.ResidentID, o.ID, t0.Add(time.Hour)).Error; err != nil {
				t.Fatal(err)
			}
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
			w.ensureBedsideTables()
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
			db := w.env.Store.Gorm()
			add := func(kind string, at time.Time) {
				if err := db.Exec(`INSERT INTO vitals (id, resident_id, kind, value, taken_at) VALUES (?, ?, ?, ?, ?)`, mar.NewID(), held.ResidentID, kind, 72, at).Error; err != nil {
					t.Fatal(err)
				}
			}
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
