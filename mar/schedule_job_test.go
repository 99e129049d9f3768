package mar_test

import (
	"context"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

func adminOf(t *testing.T, env *testenv.Env, username string) mar.Identity {
	t.Helper()
	var u mar.User
	err := env.Store.InTx(context.Background(), func(tx mar.Tx) error {
		var err error
		u, err = tx.GetUserByUsername(username)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return mar.Identity{User: u}
}

// newOrder creates an active BID metoprolol order for the first resident of
// the New York unit, starting at start.
func newOrder(t *testing.T, env *testenv.Env, freq string, start time.Time) (mar.Order, mar.Resident) {
	t.Helper()
	ctx := context.Background()
	pharm := adminOf(t, env, "pharmacist")
	var res mar.Resident
	var prod mar.Product
	_ = env.Store.InTx(ctx, func(tx mar.Tx) error {
		rs, _ := tx.ListResidents(mar.ResidentFilter{UnitIDs: []string{env.Demo.Units[0].ID}})
		res = rs[0]
		ps, _ := tx.ListProducts("")
		for _, p := range ps {
			if p.HasIngredient("lisinopril") {
				prod = p
			}
		}
		return nil
	})
	o, err := env.Svc.CreateOrder(ctx, pharm, mar.Order{ResidentID: res.ID, ProductID: prod.ID, DoseValue: 10, DoseUnit: "mg", Route: "oral", Frequency: freq, StartAt: start})
	if err != nil {
		t.Fatalf("CreateOrder: %v", err)
	}
	return o, res
}

func dosesOf(t *testing.T, env *testenv.Env, orderID string) []mar.ScheduledDose {
	t.Helper()
	var out []mar.ScheduledDose
	if err := env.Store.InTx(context.Background(), func(tx mar.Tx) error {
		var err error
		out, err = tx.ListDoses(mar.DoseFilter{OrderID: orderID})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMaterializeKeepsTheHorizonIdempotently(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			// 2026-03-07 12:00 New York: the horizon crosses the spring-forward night.
			now := time.Date(2026, 3, 7, 17, 0, 0, 0, time.UTC)
			env := testenv.Start(t, engine, testenv.Options{Now: now})
			ctx := context.Background()
			o, _ := newOrder(t, env, "08:00, 20:00", now)
			if _, err := env.Svc.Materialize(ctx); err != nil {
				t.Fatal(err)
			}
			doses := dosesOf(t, env, o.ID)
			ny, _ := time.LoadLocation("America/New_York")
			want := []time.Time{
				time.Date(2026, 3, 7, 20, 0, 0, 0, ny),
				time.Date(2026, 3, 8, 8, 0, 0, 0, ny), // first morning in EDT
				time.Date(2026, 3, 8, 20, 0, 0, 0, ny),
				time.Date(2026, 3, 9, 8, 0, 0, 0, ny),
			}
			if len(doses) != len(want) {
				t.Fatalf("got %d doses, want %d: %+v", len(doses), len(want), doses)
			}
			for i, d := range doses {
				if !d.DueAt.Equal(want[i]) {
					t.Errorf("dose %d due %v, want %v", i, d.DueAt.In(ny), want[i])
				}
				if got := d.WindowEnd.Sub(d.DueAt); got != time.Hour {
					t.Errorf("dose %d window half-width %v, want 1h for a twice-daily order", i, got)
				}
			}
			// A second run in the same minute adds nothing; a run a day later
			// adds exactly the day that entered the horizon.
			res, err := env.Svc.Materialize(ctx)
			if err != nil || res.Doses != 0 {
				t.Fatalf("repeat run: %+v %v; want no new doses", res, err)
			}
			env.Clock.Advance(24 * time.Hour)
			if _, err := env.Svc.Materialize(ctx); err != nil {
				t.Fatal(err)
			}
			if n := len(dosesOf(t, env, o.ID)); n != 6 {
				t.Fatalf("after a day: %d doses, want 6", n)
			}
		})
	}
}

func TestOrderChangesNeverTouchDocumentedDoses(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			now := time.Date(2026, 6, 1, 11, 0, 0, 0, time.UTC) // 07:00 New York
			env := testenv.Start(t, engine, testenv.Options{Now: now})
			ctx := context.Background()
			o, _ := newOrder(t, env, "QID", now.Add(-6*time.Hour))
			if _, err := env.Svc.Materialize(ctx); err != nil {
				t.Fatal(err)
			}
			doses := dosesOf(t, env, o.ID)
			if len(doses) < 4 {
				t.Fatalf("only %d doses", len(doses))
			}
			// Chart the first future dose as given, as the bedside would.
			given := doses[0]
			if _, err := env.Store.DB().ExecContext(ctx, "UPDATE scheduled_doses SET status = 'given' WHERE id = $1", given.ID); err != nil {
				t.Fatal(err)
			}
			charge := adminOf(t, env, "pharmacist")
			statusOf := func() map[string]mar.DoseStatus {
				m := map[string]mar.DoseStatus{}
				for _, d := range dosesOf(t, env, o.ID) {
					m[d.ID] = d.Status
				}
				return m
			}
			steps := []struct {
				action mar.OrderAction
				want   mar.DoseStatus
			}{
				{mar.ActionHold, mar.DoseSuspended},
				{mar.ActionResume, mar.DoseScheduled},
				{mar.ActionDiscontinue, mar.DoseCancelled},
			}
			for _, st := range steps {
				if _, err := env.Svc.ChangeOrderStatus(ctx, charge, o.ID, st.action, "test"); err != nil {
					t.Fatalf("%s: %v", st.action, err)
				}
				for id, s := range statusOf() {
					if id == given.ID {
						if s != mar.DoseGiven {
							t.Fatalf("after %s the documented dose is %s", st.action, s)
						}
						continue
					}
					if s != st.want {
						t.Errorf("after %s a future dose is %s, want %s", st.action, s, st.want)
					}
				}
			}
			if _, err := env.Svc.ChangeOrderStatus(ctx, charge, o.ID, mar.ActionResume, "again"); mar.ErrorCodeOf(err) != mar.EConflict {
				t.Fatalf("resume a discontinued order: %v, want conflict", err)
			}
		})
	}
}

func TestChangedOrderRegeneratesOnlyTheFuture(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			now := time.Date(2026, 6, 1, 11, 0, 0, 0, time.UTC)
			env := testenv.Start(t, engine, testenv.Options{Now: now})
			ctx := context.Background()
			o, _ := newOrder(t, env, "BID", now.Add(-24*time.Hour))
			if _, err := env.Svc.Materialize(ctx); err != nil {
				t.Fatal(err)
			}
			before := dosesOf(t, env, o.ID)
			freq := "TID"
			if _, err := env.Svc.ChangeOrder(ctx, adminOf(t, env, "pharmacist"), o.ID, mar.OrderChange{Frequency: &freq, Reason: "renal function improved"}); err != nil {
				t.Fatal(err)
			}
			if _, err := env.Svc.Materialize(ctx); err != nil {
				t.Fatal(err)
			}
			var past, scheduled, cancelled int
			for _, d := range dosesOf(t, env, o.ID) {
				switch {
				case d.DueAt.Before(now):
					past++
				case d.Status == mar.DoseScheduled:
					scheduled++
				case d.Status == mar.DoseCancelled:
					cancelled++
				}
			}
			pastBefore := 0
			for _, d := range before {
				if d.DueAt.Before(now) {
					pastBefore++
				}
			}
			if past != pastBefore {
				t.Errorf("past doses changed: %d, were %d", past, pastBefore)
			}
			if scheduled != 6 { // TID over the 48-hour horizon
				t.Errorf("%d future doses scheduled under TID, want 6 (cancelled %d)", scheduled, cancelled)
			}
		})
	}
}

func TestUnparseableFrequencyNamesThePart(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	_, err := env.Svc.CreateOrder(context.Background(), adminOf(t, env, "pharmacist"), mar.Order{})
	if mar.ErrorCodeOf(err) != mar.EInvalid {
		t.Fatalf("empty order: %v", err)
	}
	defer func() {
		if r := recover(); r != nil {
			t.Fatal(r)
		}
	}()
	var res mar.Resident
	_ = env.Store.InTx(context.Background(), func(tx mar.Tx) error {
		rs, _ := tx.ListResidents(mar.ResidentFilter{})
		res = rs[0]
		return nil
	})
	_, err = env.Svc.CreateOrder(context.Background(), adminOf(t, env, "pharmacist"), mar.Order{ResidentID: res.ID, Ingredient: "lisinopril", DoseValue: 10, DoseUnit: "mg", Route: "oral", Frequency: "twice daily when the moon is full", StartAt: time.Now()})
	e, ok := mar.AsError(err)
	if !ok || e.Field != "frequency" || e.Reason != "frequency_unparseable" {
		t.Fatalf("unparseable frequency: %v", err)
	}
}

// More active orders than one batch of the job: every order is expanded
// once, its horizon is recorded, and the next run has nothing to do. (The
// horizon used to be dropped by the store, so the job re-read the first
// batch forever.)
func TestMaterializeWorksThroughMoreOrdersThanOneBatch(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			now := time.Date(2026, 6, 1, 11, 0, 0, 0, time.UTC)
			env := testenv.Start(t, engine, testenv.Options{Now: now})
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			first, _ := newOrder(t, env, "BID", now)
			if err := env.Store.InTx(ctx, func(tx mar.Tx) error {
				for i := 0; i < 450; i++ {
					o := first
					o.ID = mar.NewID()
					o.StartAt = now.Add(time.Duration(i) * time.Minute)
					if err := tx.CreateOrder(&o); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			res, err := env.Svc.Materialize(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res.Orders < 451 {
				t.Fatalf("first run expanded %d orders, want every one of at least 451", res.Orders)
			}
			again, err := env.Svc.Materialize(ctx)
			if err != nil || again.Orders != 0 || again.Doses != 0 {
				t.Fatalf("second run: %+v %v; want nothing to do", again, err)
			}
		})
	}
}

// Every request that makes an order givable expands its doses in its own
// transaction: no schedule job runs in this test.
func TestOrderRequestsExpandDosesWithoutTheJob(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			now := time.Date(2026, 6, 1, 11, 0, 0, 0, time.UTC) // 07:00 New York
			env := testenv.Start(t, engine, testenv.Options{Now: now})
			ctx := context.Background()
			ph := adminOf(t, env, "pharmacist")
			count := func(orderID string, st mar.DoseStatus, after time.Time) int {
				n := 0
				for _, d := range dosesOf(t, env, orderID) {
					if d.Status == st && !d.DueAt.Before(after) {
						n++
					}
				}
				return n
			}

			// Entered by a pharmacist: verified on entry, doses at once.
			o, res := newOrder(t, env, "BID", now)
			if n := count(o.ID, mar.DoseScheduled, now); n != 4 {
				t.Fatalf("a verified BID order has %d doses over the 48-hour horizon, want 4", n)
			}

			// Entered by a charge nurse: no doses until pharmacy verifies.
			charge := adminOf(t, env, "charge")
			pending, err := env.Svc.CreateOrder(ctx, charge, mar.Order{ResidentID: res.ID, ProductID: o.ProductID, DoseValue: 10, DoseUnit: "mg",
				Route: "oral", Frequency: "QID", StartAt: now})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(dosesOf(t, env, pending.ID)); n != 0 {
				t.Fatalf("an unverified order has %d doses", n)
			}
			env.Clock.Advance(time.Hour)
			if _, err := env.Svc.VerifyOrder(ctx, ph, pending.ID, ""); err != nil {
				t.Fatal(err)
			}
			if n := count(pending.ID, mar.DoseScheduled, env.Clock.Now()); n != 8 {
				t.Fatalf("verified QID order: %d future doses, want 8", n)
			}

			// Changed: the new rule's doses exist when the change returns.
			tid := "TID"
			if _, err := env.Svc.ChangeOrder(ctx, ph, o.ID, mar.OrderChange{Frequency: &tid, Reason: "more often"}); err != nil {
				t.Fatal(err)
			}
			if n := count(o.ID, mar.DoseScheduled, env.Clock.Now()); n != 6 {
				t.Fatalf("changed to TID: %d future doses, want 6", n)
			}

			// Held for a day, then resumed: the doses of the held day stay
			// suspended, and the resumed order has its full horizon.
			if _, err := env.Svc.ChangeOrderStatus(ctx, ph, o.ID, mar.ActionHold, "NPO"); err != nil {
				t.Fatal(err)
			}
			if n := count(o.ID, mar.DoseScheduled, env.Clock.Now()); n != 0 {
				t.Fatalf("held order: %d doses still scheduled", n)
			}
			env.Clock.Advance(24 * time.Hour)
			resumedAt := env.Clock.Now()
			if _, err := env.Svc.ChangeOrderStatus(ctx, ph, o.ID, mar.ActionResume, "eating again"); err != nil {
				t.Fatal(err)
			}
			for _, d := range dosesOf(t, env, o.ID) {
				if d.DueAt.Before(resumedAt) && d.Status == mar.DoseScheduled {
					t.Errorf("a dose due during the hold (%v) became due again", d.DueAt)
				}
			}
			if n := count(o.ID, mar.DoseScheduled, resumedAt); n != 6 {
				t.Fatalf("resumed TID order: %d future doses, want 6", n)
			}
		})
	}
}
