package alerts_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/emar-project/emar/alerts"
	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store"
	"github.com/emar-project/emar/mar/store/storetest"
)

// A nurse's transaction holds one overdue dose while she charts it. The
// sweep neither waits for her nor marks that dose: it marks every other
// one, with their alerts and audit events, and leaves no alert or audit
// event behind for the dose she charts.
func TestSweepLeavesADoseBeingChartedToTheNurse(t *testing.T) {
	storetest.RequirePostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := store.Open(ctx, storetest.NewDSN(t, "postgres"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	sum, err := demo.Load(ctx, st, t0)
	if err != nil {
		t.Fatal(err)
	}
	var nurseID string
	if err := st.DB().QueryRowContext(ctx, "SELECT id FROM users ORDER BY username LIMIT 1").Scan(&nurseID); err != nil {
		t.Fatal(err)
	}
	const n = 30
	closeAt := t0.Add(time.Hour)
	var ids []string
	var doses []mar.ScheduledDose
	err = st.InTx(ctx, func(tx mar.Tx) error {
		orders, err := tx.ListOrders(mar.OrderFilter{FacilityID: sum.Facility.ID, Statuses: []mar.OrderStatus{mar.OrderActive}})
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			o := orders[i%len(orders)]
			r, err := tx.GetResident(o.ResidentID)
			if err != nil {
				return err
			}
			d := mar.ScheduledDose{ID: mar.NewID(), FacilityID: o.FacilityID, OrderID: o.ID, ResidentID: r.ID, UnitID: r.UnitID,
				DueAt: t0.Add(time.Duration(i) * time.Second), WindowStart: t0.Add(-time.Hour), WindowEnd: closeAt.Add(-time.Duration(n-i) * time.Second), Status: mar.DoseScheduled}
			doses = append(doses, d)
			ids = append(ids, d.ID)
		}
		_, err = tx.InsertDoses(doses)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, held := range []struct {
		name string
		pos  int
	}{{"the oldest dose, first in the batch", 0}, {"a dose in the middle of the batch", n / 2}} {
		t.Run(held.name, func(t *testing.T) {
			// Fresh doses for this case: everything overdue is scheduled again.
			if _, err := st.DB().ExecContext(ctx, "DELETE FROM alert_outbox; DELETE FROM alert_events; DELETE FROM alerts; UPDATE alert_event_head SET seq = 0"); err != nil {
				t.Fatal(err)
			}
			if _, err := st.DB().ExecContext(ctx, "UPDATE scheduled_doses SET status = 'scheduled', documented_at = NULL, documented_by = NULL, admin_id = NULL WHERE id = ANY($1::text[]::uuid[])", ids); err != nil {
				t.Fatal(err)
			}
			charted := ids[held.pos]
			before := countRows(t, st, "SELECT count(*) FROM audit_events WHERE action = 'dose.missed'")
			beforeCharted := countRows(t, st, "SELECT count(*) FROM audit_events WHERE action = 'dose.missed' AND object_id = $1", charted)
			// The nurse charts the dose the way the bedside does: the
			// resident's lock, then the conditional dose update; her
			// transaction stays open while the sweep runs.
			var resident string
			for _, d := range doses {
				if d.ID == charted {
					resident = d.ResidentID
				}
			}
			locked, release, nurseDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
			go func() {
				nurseDone <- st.InTx(ctx, func(tx mar.Tx) error {
					if err := tx.LockResident(resident); err != nil {
						return err
					}
					if n, err := tx.DocumentDose(charted, []mar.DoseStatus{mar.DoseScheduled}, mar.DoseGiven, nurseID, closeAt, mar.NewID()); err != nil || n != 1 {
						return fmt.Errorf("document dose: %d, %v", n, err)
					}
					close(locked)
					<-release
					return nil
				})
			}()
			select {
			case <-locked:
			case err := <-nurseDone:
				t.Fatalf("nurse: %v", err)
			}

			svc := mar.NewService(st, testenv.Logger(t))
			svc.Clock = mar.ClockFunc(func() time.Time { return closeAt.Add(time.Second) })
			sweepCtx, cancelSweep := context.WithTimeout(ctx, 20*time.Second)
			res, err := alerts.NewSweeper(svc, alerts.Config{BatchSize: 100}, nil, testenv.Logger(t)).Sweep(sweepCtx)
			cancelSweep()
			close(release)
			if nerr := <-nurseDone; nerr != nil {
				t.Fatalf("nurse: %v", nerr)
			}
			if err != nil {
				t.Fatalf("sweep while a nurse charts a dose (it must not wait for her): %v", err)
			}
			if res.Missed != n-1 {
				t.Fatalf("sweep marked %d doses missed, want %d (all but the one being charted)", res.Missed, n-1)
			}
			checks := []struct {
				what      string
				got, want int64
			}{
				{"missed doses", countRows(t, st, "SELECT count(*) FROM scheduled_doses WHERE status = 'missed' AND id = ANY($1::text[]::uuid[])", ids), n - 1},
				{"the charted dose given", countRows(t, st, "SELECT count(*) FROM scheduled_doses WHERE status = 'given' AND id = $1", charted), 1},
				{"missed alerts", countRows(t, st, "SELECT count(*) FROM alerts WHERE kind = 'missed'"), n - 1},
				{"alerts for the charted dose", countRows(t, st, "SELECT count(*) FROM alerts WHERE dose_id = $1", charted), 0},
				{"new dose.missed audit events", countRows(t, st, "SELECT count(*) FROM audit_events WHERE action = 'dose.missed'") - before, n - 1},
				{"new audit events for the charted dose", countRows(t, st, "SELECT count(*) FROM audit_events WHERE action = 'dose.missed' AND object_id = $1", charted) - beforeCharted, 0},
				{"raised events", countRows(t, st, "SELECT count(*) FROM alert_events WHERE type = 'raised'"), n - 1},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s: %d, want %d", c.what, c.got, c.want)
				}
			}
		})
	}
	if _, brk, err := st.VerifyAudit(ctx); err != nil || brk != nil {
		t.Fatalf("audit chain: %v %v", brk, err)
	}
}

func countRows(t *testing.T, st *store.Store, q string, args ...any) int64 {
	t.Helper()
	var c int64
	if err := st.DB().QueryRowContext(context.Background(), q, args...).Scan(&c); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return c
}
