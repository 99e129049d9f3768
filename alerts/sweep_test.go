package alerts_test

import (
	"testing"
	"time"

	"github.com/emar-project/emar/alerts"
	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// quiet turns off the kinds a test is not about, so counts stay exact.
func quiet() alerts.Config {
	return alerts.Config{LateLookback: 24 * time.Hour}
}

func TestMissedDoseIsMarkedOnceAndAlertedOnce(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			w := newWorld(t, engine)
			o := w.activeOrders()[0]
			d := w.addDose(o, t0.Add(30*time.Minute), time.Hour) // window closes at t0+90m
			s := w.sweeper(quiet())

			w.env.Clock.Set(d.WindowEnd.Add(-time.Second))
			if res := w.sweep(s); res.Missed != 0 {
				t.Fatalf("before the window closed: %+v", res)
			}
			// The default tick is 15 s: the first tick after the window
			// closes sees it.
			w.env.Clock.Set(d.WindowEnd.Add(15 * time.Second))
			if res := w.sweep(s); res.Missed != 1 || res.Raised[mar.AlertMissed] != 1 {
				t.Fatalf("after the window closed: %+v", res)
			}
			for i := 0; i < 3; i++ {
				w.env.Clock.Advance(15 * time.Second)
				if res := w.sweep(s); res.Changed() {
					t.Fatalf("tick %d repeated work: %+v", i, res)
				}
			}
			// A restarted service (a new sweeper) finds nothing to redo.
			if res := w.sweep(w.sweeper(quiet())); res.Changed() {
				t.Fatalf("after restart: %+v", res)
			}
			if got := w.dose(d.ID).Status; got != mar.DoseMissed {
				t.Fatalf("dose status %s, want missed", got)
			}
			as := w.alertsOf(mar.AlertMissed)
			if len(as) != 1 {
				t.Fatalf("%d missed alerts, want 1", len(as))
			}
			a := as[0]
			if a.DoseID != d.ID || a.SubjectID != d.ID || a.UnitID != d.UnitID || a.ResidentID != d.ResidentID || a.Status() != mar.AlertOpen ||
				a.Severity == mar.SeverityInfo || a.Message == "" {
				t.Fatalf("alert %+v", a)
			}
			if n := w.auditCount("dose.missed", d.ID); n != 1 {
				t.Fatalf("%d dose.missed audit events, want 1", n)
			}
			var who string
			w.env.Store.Gorm().Table("audit_events").Where("action = 'dose.missed'").Select("user_id").Scan(&who)
			if who != mar.SystemUserID {
				t.Fatalf("dose.missed by %q, want the system identity", who)
			}
			w.verifyAudit()
		})
	}
}

func TestDoseChartedInTimeRaisesNothing(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			w := newWorld(t, engine)
			o := w.activeOrders()[0]
			d := w.addDose(o, t0, time.Hour)
			w.document(d.ID, mar.DoseGiven, mar.NewID(), t0.Add(10*time.Minute))
			w.env.Clock.Set(t0.Add(3 * time.Hour))
			if res := w.sweep(w.sweeper(quiet())); res.Changed() {
				t.Fatalf("a dose given on time raised %+v", res)
			}
		})
	}
}

// Windows that closed while the service was down are all caught by the
// first sweep after start, in batches, and nothing is raised twice.
func TestRestartCatchesUpOnWindowsClosedWhileDown(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			w := newWorld(t, engine)
			orders := w.activeOrders()
			const n = 23
			for i := 0; i < n; i++ {
				w.addDose(orders[i%len(orders)], t0.Add(time.Duration(i)*7*time.Minute), 30*time.Minute)
			}
			// Down for eight hours; the runner's start-up sweep catches up.
			w.env.Clock.Set(t0.Add(8 * time.Hour))
			cfg := quiet()
			cfg.BatchSize = 5 // several batches
			cfg.SweepInterval = time.Second
			r, err := alerts.NewRunner(w.env.Svc, cfg, nil, testenv.Logger(t))
			if err != nil {
				t.Fatal(err)
			}
			r.Start()
			deadline := time.Now().Add(10 * time.Second)
			for len(w.alertsOf(mar.AlertMissed)) < n && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			if got := len(w.alertsOf(mar.AlertMissed)); got != n {
				t.Fatalf("%d missed alerts after the start-up sweep, want %d", got, n)
			}
			// Then the cron tick (1 s here) catches a window that closes
			// while the service runs.
			late := w.addDose(orders[0], w.env.Clock.Now(), 30*time.Minute)
			w.env.Clock.Set(late.WindowEnd.Add(time.Second))
			deadline = time.Now().Add(10 * time.Second)
			for len(w.alertsOf(mar.AlertMissed)) < n+1 && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(1500 * time.Millisecond) // and one more tick on top
			if err := r.Stop(w.ctx); err != nil {
				t.Fatal(err)
			}
			if got := len(w.alertsOf(mar.AlertMissed)); got != n+1 {
				t.Fatalf("%d missed alerts after a tick, want %d", got, n+1)
			}
			if got := w.auditCount("dose.missed", ""); got != n+1 {
				t.Fatalf("%d dose.missed audit events, want %d", got, n+1)
			}
			w.verifyAudit()
		})
	}
}

func TestLateAdministrationResolvesTheMissedAlertAndIsReported(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			w := newWorld(t, engine)
			orders := w.activeOrders()
			missedThenGiven := w.addDose(orders[0], t0, 30*time.Minute)
			givenLateBeforeSweep := w.addDose(orders[1], t0, 30*time.Minute)
			missedThenHeld := w.addDose(orders[2], t0, 30*time.Minute)
			s := w.sweeper(quiet())

			// A nurse charts one dose 5 s after its window closed, before
			// any tick: no missed alert, but a late one.
			w.document(givenLateBeforeSweep.ID, mar.DoseGiven, mar.NewID(), t0.Add(30*time.Minute+5*time.Second))
			w.env.Clock.Set(t0.Add(31 * time.Minute))
			res := w.sweep(s)
			if res.Missed != 2 || res.Raised[mar.AlertLate] != 1 {
				t.Fatalf("first sweep: %+v", res)
			}
			// Later the two missed doses are documented: one given late,
			// one held with a reason.
			w.document(missedThenGiven.ID, mar.DoseGiven, mar.NewID(), t0.Add(50*time.Minute))
			w.document(missedThenHeld.ID, mar.DoseHeld, mar.NewID(), t0.Add(55*time.Minute))
			w.env.Clock.Set(t0.Add(time.Hour))
			res = w.sweep(s)
			if res.Resolved != 2 || res.Raised[mar.AlertLate] != 1 {
				t.Fatalf("second sweep: %+v", res)
			}
			for _, a := range w.alertsOf(mar.AlertMissed) {
				if a.Status() != mar.AlertResolved || a.ResolvedHow != mar.ResolvedDocumented || a.ResolvedBy != mar.SystemUserID {
					t.Errorf("missed alert of dose %s: %+v", a.DoseID, a)
				}
			}
			late := w.alertsOf(mar.AlertLate)
			if len(late) != 2 {
				t.Fatalf("%d late alerts, want 2", len(late))
			}
			for _, a := range late {
				if a.Severity != mar.SeverityInfo || a.Status() != mar.AlertResolved || a.ResolvedHow != mar.ResolvedInfo {
					t.Errorf("late alert %+v", a)
				}
			}
			if res := w.sweep(s); res.Changed() {
				t.Fatalf("third sweep repeated work: %+v", res)
			}
			w.verifyAudit()
		})
	}
}

func TestDueSoonReminderIsOffByDefaultAndSupersededWhenMissed(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			w := newWorld(t, engine)
			d := w.addDose(w.activeOrders()[0], t0.Add(20*time.Minute), 30*time.Minute)
			if res := w.sweep(w.sweeper(quiet())); res.Changed() {
				t.Fatalf("reminders are off by default: %+v", res)
			}
			cfg := quiet()
			cfg.DueSoon = 30 * time.Minute
			s := w.sweeper(cfg)
			if res := w.sweep(s); res.Raised[mar.AlertDueSoon] != 1 {
				t.Fatalf("due soon: %+v", res)
			}
			if res := w.sweep(s); res.Changed() {
				t.Fatalf("reminder repeated: %+v", res)
			}
			w.env.Clock.Set(d.WindowEnd.Add(time.Second))
			res := w.sweep(s)
			if res.Missed != 1 || res.Resolved != 1 {
				t.Fatalf("after the window: %+v", res)
			}
			ds := w.alertsOf(mar.AlertDueSoon)
			if len(ds) != 1 || ds[0].ResolvedHow != mar.ResolvedSuperseded || ds[0].Severity != mar.SeverityInfo {
				t.Fatalf("reminder %+v", ds)
			}
		})
	}
}

func TestVerificationOverdueUntilPharmacyVerifies(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			w := newWorld(t, engine)
			// The demo has pending orders; move one to "received 59 min ago".
			var pending []mar.Order
			_ = w.env.Store.InTx(w.ctx, func(tx mar.Tx) error {
				var err error
				pending, err = tx.ListOrders(mar.OrderFilter{FacilityID: w.env.Demo.Facility.ID, Statuses: []mar.OrderStatus{mar.OrderPending}})
				return err
			})
			if len(pending) == 0 {
				t.Fatal("the demo has no pending order")
			}
			db := w.env.Store.Gorm()
			db.Exec(`UPDATE orders SET created_at = ? WHERE status = 'pending_verification'`, t0.Add(time.Hour))
			db.Exec(`UPDATE orders SET created_at = ? WHERE id = ?`, t0.Add(-59*time.Minute), pending[0].ID)
			cfg := quiet()
			cfg.VerificationAfter = time.Hour
			s := w.sweeper(cfg)
			if res := w.sweep(s); res.Changed() {
				t.Fatalf("59 minutes is not overdue: %+v", res)
			}
			w.env.Clock.Advance(2 * time.Minute)
			if res := w.sweep(s); res.Raised[mar.AlertVerificationOverdue] != 1 {
				t.Fatalf("61 minutes: %+v", res)
			}
			if res := w.sweep(s); res.Changed() {
				t.Fatalf("repeated: %+v", res)
			}
			db.Exec(`UPDATE orders SET status = 'active' WHERE id = ?`, pending[0].ID)
			if res := w.sweep(s); res.Resolved != 1 {
				t.Fatalf("after verification: %+v", res)
			}
			a := w.alertsOf(mar.AlertVerificationOverdue)
			if len(a) != 1 || a[0].OrderID != pending[0].ID || a[0].ResolvedHow != mar.ResolvedVerified || a[0].UnitID == "" {
				t.Fatalf("alert %+v", a)
			}
		})
	}
}

func TestUnacknowledgedAlertsEscalateUntilAcknowledged(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			w := newWorld(t, engine)
			orders := w.activeOrders()
			a1 := w.addDose(orders[0], t0, 30*time.Minute)
			a2 := w.addDose(orders[1], t0, 30*time.Minute)
			cfg := quiet()
			cfg.EscalateAfter = []time.Duration{15 * time.Minute, 30 * time.Minute}
			s := w.sweeper(cfg)
			w.env.Clock.Set(a1.WindowEnd.Add(time.Second))
			w.sweep(s)
			level := func(doseID string) int {
				for _, a := range w.alertsOf(mar.AlertMissed) {
					if a.DoseID == doseID {
						return a.EscalationLevel
					}
				}
				t.Fatalf("no alert for %s", doseID)
				return -1
			}
			w.env.Clock.Advance(14 * time.Minute)
			if res := w.sweep(s); res.Escalated != 0 {
				t.Fatalf("escalated early: %+v", res)
			}
			w.env.Clock.Advance(time.Minute)
			if res := w.sweep(s); res.Escalated != 2 {
				t.Fatalf("at 15 min: %+v", res)
			}
			// The charge nurse acknowledges one; only the other goes on.
			var ackID string
			for _, a := range w.alertsOf(mar.AlertMissed) {
				if a.DoseID == a1.ID {
					ackID = a.ID
				}
			}
			if err := w.env.Store.InTx(w.ctx, func(tx mar.Tx) error {
				_, err := tx.AcknowledgeAlert(ackID, mar.NewID(), w.env.Clock.Now(), "on it")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			w.env.Clock.Advance(30 * time.Minute)
			if res := w.sweep(s); res.Escalated != 1 {
				t.Fatalf("at 45 min: %+v", res)
			}
			w.env.Clock.Advance(5 * time.Hour)
			if res := w.sweep(s); res.Escalated != 0 {
				t.Fatalf("past the top level: %+v", res)
			}
			if l1, l2 := level(a1.ID), level(a2.ID); l1 != mar.EscalationChargeNurse || l2 != mar.EscalationUnitManager {
				t.Fatalf("levels %d %d", l1, l2)
			}
			if n := w.auditCount("alert.escalate", ""); n != 3 {
				t.Fatalf("%d escalation audit events, want 3", n)
			}
		})
	}
}
