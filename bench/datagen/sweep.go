package datagen

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ClosedHistory appends n closed doses (given 96.5 %, held 1.3 %, refused
// 1.2 %, missed 1 %) to the facility's orders, spread evenly over the
// time before end — 7,300 a day, a 500-bed facility's rate, so ten million
// reach back 3.7 years. The rows are made by PostgreSQL itself
// (generate_series), the way a bulk restore would load them: foreign-key
// triggers are off for the session (the rows reference real orders,
// residents and units), the ids are UUIDv7-shaped and ascend with the due
// time so the primary key and the documented-time index grow at their
// right edge, and the two indexes that would take random inserts — the
// unique (order_id, due_at) and (resident_id, due_at) — are dropped first
// and built again afterwards. No administrations or audit events are
// written for these doses: the sweep reads neither.
func ClosedHistory(ctx context.Context, db *sql.DB, facilityID string, n int, end time.Time) error {
	if n <= 0 {
		return nil
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	perDay := 7300.0
	step := time.Duration(float64(24*time.Hour) / perDay)
	start := end.Add(-time.Duration(n) * step)
	stmts := []string{
		"SET session_replication_role = replica",
		"SET maintenance_work_mem = '1GB'",
		`CREATE TEMP TABLE bench_orders AS
			SELECT (row_number() OVER (ORDER BY o.id) - 1)::int AS k, o.id, o.resident_id, r.unit_id
			FROM orders o JOIN residents r ON r.id = o.resident_id WHERE o.facility_id = $1`,
		"ALTER TABLE scheduled_doses DROP CONSTRAINT IF EXISTS scheduled_doses_order_id_due_at_key",
		"DROP INDEX IF EXISTS scheduled_doses_resident_due",
		fmt.Sprintf(`INSERT INTO scheduled_doses (id, facility_id, order_id, resident_id, unit_id, due_at, window_start, window_end,
				status, documented_by, documented_at)
			SELECT (lpad(to_hex((extract(epoch FROM s.t) * 1000)::bigint), 12, '0') || '7' || lpad(to_hex(s.i %% 4096), 3, '0')
					|| '8' || lpad(to_hex(s.i), 15, '0'))::uuid,
				$1, o.id, o.resident_id, o.unit_id, s.t, s.t - interval '1 hour', s.t + interval '1 hour',
				CASE WHEN s.i %% 1000 < 10 THEN 'missed' WHEN s.i %% 1000 < 22 THEN 'refused' WHEN s.i %% 1000 < 35 THEN 'held' ELSE 'given' END,
				CASE WHEN s.i %% 1000 < 10 THEN NULL ELSE o.resident_id END,
				CASE WHEN s.i %% 1000 < 10 THEN NULL ELSE s.t + interval '10 minutes' END
			FROM (SELECT i, $2::timestamptz + i * interval '%d microseconds' AS t FROM generate_series(0, $3::int - 1) i) s
			JOIN bench_orders o ON o.k = s.i %% (SELECT count(*) FROM bench_orders)`, step.Microseconds()),
		"ALTER TABLE scheduled_doses ADD CONSTRAINT scheduled_doses_order_id_due_at_key UNIQUE (order_id, due_at)",
		"CREATE INDEX scheduled_doses_resident_due ON scheduled_doses (resident_id, due_at)",
		"DROP TABLE bench_orders",
		"ANALYZE scheduled_doses",
	}
	for _, q := range stmts {
		var args []any
		switch {
		case len(q) > 30 && q[:30] == "CREATE TEMP TABLE bench_orders":
			args = []any{facilityID}
		case len(q) > 6 && q[:6] == "INSERT":
			args = []any{facilityID, start, n}
		}
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("closed history: %w (%.60s…)", err, q)
		}
	}
	_, err = conn.ExecContext(ctx, "RESET session_replication_role")
	return err
}

// OpenDoses adds scheduled (open) doses to the facility's orders, due an
// hour before their window_end: batches of perBatch whose windows close
// one after another, batch b in (first+(b-1)·gap, first+b·gap], and then
// future doses further ahead that stay open (the 72-hour horizon a real
// site keeps). They are what the sweep finds in the partial index.
func OpenDoses(ctx context.Context, db *sql.DB, facilityID string, perBatch, batches int, first time.Time, gap time.Duration, future int) error {
	q := `INSERT INTO scheduled_doses (id, facility_id, order_id, resident_id, unit_id, due_at, window_start, window_end, status)
		SELECT gen_random_uuid(), $1, o.id, o.resident_id, r.unit_id, s.we - interval '1 hour', s.we - interval '2 hours', s.we, 'scheduled'
		FROM (SELECT i, CASE WHEN i < $2::int * $3::int
				THEN $4::timestamptz + (i / $2::int) * $5::interval + (1 + i % $2::int) * ($5::interval / ($2::int + 1))
				ELSE $4::timestamptz + $3::int * $5::interval + interval '1 hour' + (i - $2::int * $3::int) * interval '13 seconds' END AS we
			FROM generate_series(0, $2::int * $3::int + $6::int - 1) i) s
		JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, resident_id FROM orders WHERE facility_id = $1) o
			ON o.k = s.i % (SELECT count(*) FROM orders WHERE facility_id = $1)
		JOIN residents r ON r.id = o.resident_id`
	_, err := db.ExecContext(ctx, q, facilityID, perBatch, batches, first, fmt.Sprintf("%d microseconds", gap.Microseconds()), future)
	if err != nil {
		return fmt.Errorf("open doses: %w", err)
	}
	_, err = db.ExecContext(ctx, "ANALYZE scheduled_doses")
	return err
}
