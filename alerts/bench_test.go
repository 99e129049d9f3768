package alerts_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/emar-project/emar/alerts"
	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store"
	"github.com/emar-project/emar/mar/store/storetest"
)

// The sweep must cost the same whatever the history: it reads only open
// doses (partial index scheduled_doses_open), recently documented ones
// (scheduled_doses_documented, bounded by the look-back) and unresolved
// alerts (alerts_unresolved).
//
//	go test -run '^$' -bench Sweep ./alerts/                         # 10k history, SQLite (+ PostgreSQL under with-postgres.sh)
//	EMAR_BENCH_HISTORY=1000000 scripts/with-postgres.sh go test -run '^$' -bench Sweep ./alerts/
//	EMAR_BENCH_DSN=postgres://…/big EMAR_BENCH_HISTORY=10000000 go test -run '^$' -bench Sweep -benchtime 20x ./alerts/
//
// EMAR_BENCH_DSN points the benchmark at an existing database (it is
// migrated, given the demo data if empty, and topped up to the history
// size; the rows it adds are ordinary documented doses of one demo order).

// benchFresh doses close their window before each measured sweep; the
// idle variant (0) measures a tick with nothing to do.
const benchFresh = 100

func benchHistory(b *testing.B) int {
	n := 10_000
	if v := os.Getenv("EMAR_BENCH_HISTORY"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 0 {
			b.Fatalf("EMAR_BENCH_HISTORY=%q: want a count", v)
		}
	}
	return n
}

func BenchmarkSweep(b *testing.B) {
	history := benchHistory(b)
	targets := map[string]string{}
	if dsn := os.Getenv("EMAR_BENCH_DSN"); dsn != "" {
		targets[string(store.DialectOf(dsn))+"-given-dsn"] = dsn
	} else {
		for _, e := range storetest.Engines(b) {
			targets[e] = ""
		}
	}
	for name, dsn := range targets {
		if dsn == "" {
			// Made by the parent, so the database outlives the sub-benchmark's
			// repeated runs (b.N = 1, then the real N) and is seeded once.
			dsn = storetest.NewDSN(b, name)
		}
		for _, fresh := range []int{0, benchFresh} {
			b.Run(fmt.Sprintf("%s/history=%d/missed=%d", name, history, fresh), func(b *testing.B) {
				benchSweep(b, dsn, history, fresh)
			})
		}
	}
}

func benchSweep(b *testing.B, dsn string, history, benchFresh int) {
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	base := time.Date(2026, 1, 14, 14, 0, 0, 0, time.UTC)
	if _, err := demo.Load(ctx, st, base); err != nil && mar.ErrorCodeOf(err) != mar.EConflict {
		b.Fatal(err)
	}
	var orders []mar.Order
	var residents []mar.Resident
	err = st.InTx(ctx, func(tx mar.Tx) error {
		prn := false
		if orders, err = tx.ListOrders(mar.OrderFilter{Statuses: []mar.OrderStatus{mar.OrderActive}, PRN: &prn}); err != nil {
			return err
		}
		for _, o := range orders {
			r, err := tx.GetResident(o.ResidentID)
			if err != nil {
				return err
			}
			residents = append(residents, r)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	added := seedHistory(b, st, orders[0], residents[0], history)
	if added > 0 {
		b.Logf("seeded %d historical doses in %s", added, time.Since(start).Round(time.Millisecond))
	}
	// Statistics after a bulk load, as autovacuum would have them.
	if st.Dialect() == store.Postgres {
		st.Gorm().Exec("ANALYZE")
	}

	// The clock starts after everything ever stored and moves on a minute
	// per iteration, so each iteration's doses are new.
	var latest time.Time
	// (Not max(): SQLite would hand back the aggregate as text.)
	if err := st.Gorm().Raw(`SELECT window_end FROM scheduled_doses ORDER BY window_end DESC LIMIT 1`).Row().Scan(&latest); err != nil {
		b.Fatal(err)
	}
	now := base.Add(365 * 24 * time.Hour)
	if latest.Add(24 * time.Hour).After(now) {
		now = latest.Add(24 * time.Hour)
	}
	svc := mar.NewService(st, testenv.Logger(b))
	svc.Clock = mar.ClockFunc(func() time.Time { return now })
	sw := alerts.NewSweeper(svc, alerts.DefaultConfig(), nil, testenv.Logger(b))
	if _, err := sw.Sweep(ctx); err != nil { // settle whatever a previous run left
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		now = now.Add(time.Minute)
		var fresh []mar.ScheduledDose
		for j := 0; j < benchFresh; j++ {
			o, r := orders[j%len(orders)], residents[j%len(orders)]
			due := now.Add(-40*time.Minute - time.Duration(j)*time.Millisecond)
			fresh = append(fresh, mar.ScheduledDose{ID: mar.NewID(), FacilityID: o.FacilityID, OrderID: o.ID, ResidentID: r.ID, UnitID: r.UnitID,
				DueAt: due, WindowStart: due.Add(-30 * time.Minute), WindowEnd: due.Add(30 * time.Minute), Status: mar.DoseScheduled})
		}
		if err := st.InTx(ctx, func(tx mar.Tx) error { _, err := tx.InsertDoses(fresh); return err }); err != nil && len(fresh) > 0 {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := sw.Sweep(ctx)
		b.StopTimer()
		if err != nil || res.Missed != benchFresh {
			b.Fatalf("sweep: %+v %v", res, err)
		}
		// The charge nurse deals with them, so the board stays its usual size.
		st.Gorm().Exec(`UPDATE alerts SET resolved_at = ?, resolved_by = 'bench', resolved_how = 'manual' WHERE resolved_at IS NULL`, now)
		b.StartTimer()
	}
	b.ReportMetric(float64(benchFresh), "missed/op")
}

// seedHistory tops the database up to n documented doses of one order,
// generated inside the database (a minute apart, long before the bench
// clock, documented on time), and returns how many it added.
func seedHistory(b *testing.B, st *store.Store, o mar.Order, r mar.Resident, n int) int {
	db := st.Gorm()
	var have int64
	if err := db.Raw(`SELECT count(*) FROM scheduled_doses WHERE order_id = ? AND status = 'given'`, o.ID).Scan(&have).Error; err != nil {
		b.Fatal(err)
	}
	if int(have) >= n {
		return 0
	}
	first, last := int(have)+1, n
	origin := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC) // history runs backwards from here
	const chunk = 200_000
	for from := first; from <= last; from += chunk {
		to := min(from+chunk-1, last)
		var err error
		if st.Dialect() == store.Postgres {
			err = db.Exec(`INSERT INTO scheduled_doses (id, facility_id, order_id, resident_id, unit_id, due_at, window_start, window_end, status, documented_at)
				SELECT gen_random_uuid(), ?, ?, ?, ?, d, d - interval '1 hour', d + interval '1 hour', 'given', d + interval '5 minutes'
				FROM (SELECT ?::timestamptz - g * interval '1 minute' AS d FROM generate_series(?::bigint, ?::bigint) g) s`,
				o.FacilityID, o.ID, r.ID, r.UnitID, origin, from, to).Error
		} else {
			// SQLite stores instants as "YYYY-MM-DD HH:MM:SS+00:00" text.
			err = db.Exec(`WITH RECURSIVE g(n) AS (SELECT ? UNION ALL SELECT n + 1 FROM g WHERE n < ?)
				INSERT INTO scheduled_doses (id, facility_id, order_id, resident_id, unit_id, due_at, window_start, window_end, status, documented_at)
				SELECT lower(hex(randomblob(16))), ?, ?, ?, ?,
					datetime(?, (-n) || ' minutes') || '+00:00', datetime(?, (-n - 60) || ' minutes') || '+00:00',
					datetime(?, (60 - n) || ' minutes') || '+00:00', 'given', datetime(?, (5 - n) || ' minutes') || '+00:00'
				FROM g`, from, to, o.FacilityID, o.ID, r.ID, r.UnitID,
				origin.Format(time.DateTime), origin.Format(time.DateTime), origin.Format(time.DateTime), origin.Format(time.DateTime)).Error
		}
		if err != nil {
			b.Fatalf("seed history %d..%d: %v", from, to, err)
		}
	}
	return last - first + 1
}
