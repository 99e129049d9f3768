package alerts_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/emar-project/emar/alerts"
	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store"
	"github.com/emar-project/emar/mar/store/storetest"
)

// Three replicas of the service, each with its own connection pool,
// sweep one PostgreSQL at the same moment as 1,000 windows close
// together: every dose is marked missed and alerted exactly once, with
// exactly one audit event.
func TestReplicasMarkEachDoseExactlyOnce(t *testing.T) {
	storetest.RequirePostgres(t)
	ctx := context.Background()
	dsn := storetest.NewDSN(t, "postgres")
	open := func() *store.Store {
		st, err := store.Open(ctx, dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	seed := open()
	if _, err := seed.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	sum, err := demo.Load(ctx, seed, t0)
	if err != nil {
		t.Fatal(err)
	}
	const n = 1000
	closeAt := t0.Add(time.Hour)
	err = seed.InTx(ctx, func(tx mar.Tx) error {
		orders, err := tx.ListOrders(mar.OrderFilter{FacilityID: sum.Facility.ID, Statuses: []mar.OrderStatus{mar.OrderActive}})
		if err != nil {
			return err
		}
		var doses []mar.ScheduledDose
		for i := 0; i < n; i++ {
			o := orders[i%len(orders)]
			r, err := tx.GetResident(o.ResidentID)
			if err != nil {
				return err
			}
			due := t0.Add(time.Duration(i) * time.Second) // unique per order; the windows close together
			doses = append(doses, mar.ScheduledDose{ID: mar.NewID(), FacilityID: o.FacilityID, OrderID: o.ID, ResidentID: r.ID, UnitID: r.UnitID,
				DueAt: due, WindowStart: t0.Add(-time.Hour), WindowEnd: closeAt, Status: mar.DoseScheduled})
		}
		got, err := tx.InsertDoses(doses)
		if err == nil && got != n {
			t.Fatalf("inserted %d doses", got)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	now := closeAt.Add(time.Second)
	var sweepers []*alerts.Sweeper
	for i := 0; i < 3; i++ {
		svc := mar.NewService(open(), testenv.Logger(t))
		svc.Clock = mar.ClockFunc(func() time.Time { return now })
		svc.Config.Alerts.Outbox = true
		sweepers = append(sweepers, alerts.NewSweeper(svc, alerts.Config{BatchSize: 100}, nil, testenv.Logger(t)))
	}
	// Each replica ticks three times, all at once.
	var wg sync.WaitGroup
	var mu sync.Mutex
	missed := make([]int, len(sweepers))
	start := make(chan struct{})
	for i, s := range sweepers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for tick := 0; tick < 3; tick++ {
				res, err := s.Sweep(ctx)
				if err != nil {
					t.Errorf("replica %d: %v", i, err)
				}
				mu.Lock()
				missed[i] += res.Missed
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	t.Logf("doses marked per replica: %v", missed)
	if missed[0]+missed[1]+missed[2] != n {
		t.Errorf("replicas marked %v doses in all, want %d", missed, n)
	}

	db := seed.Gorm()
	count := func(q string, args ...any) int64 {
		var c int64
		if err := db.Raw(q, args...).Scan(&c).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return c
	}
	checks := []struct {
		what string
		got  int64
		want int64
	}{
		{"missed doses", count(`SELECT count(*) FROM scheduled_doses WHERE status = 'missed'`), n},
		{"missed alerts", count(`SELECT count(*) FROM alerts WHERE kind = 'missed'`), n},
		{"distinct doses alerted", count(`SELECT count(DISTINCT dose_id) FROM alerts WHERE kind = 'missed'`), n},
		{"dose.missed audit events", count(`SELECT count(*) FROM audit_events WHERE action = 'dose.missed'`), n},
		{"doses with more than one audit event", count(`SELECT count(*) FROM (SELECT object_id FROM audit_events WHERE action = 'dose.missed' GROUP BY object_id HAVING count(*) > 1) x`), 0},
		{"raised events", count(`SELECT count(*) FROM alert_events WHERE type = 'raised'`), n},
		{"outbox rows", count(`SELECT count(*) FROM alert_outbox`), n},
		{"event ids dense", count(`SELECT max(id) - count(*) FROM alert_events`), 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.what, c.got, c.want)
		}
	}
	if _, brk, err := seed.VerifyAudit(ctx); err != nil || brk != nil {
		t.Fatalf("audit chain: %v %v", brk, err)
	}
}
