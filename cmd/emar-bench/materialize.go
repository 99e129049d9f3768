package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/emar-project/emar/bench/datagen"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store"
)

type materializeResult struct {
	Residents         int     `json:"residents"`
	OrdersPerResident int     `json:"orders_per_resident"`
	Orders            int     `json:"orders"`
	Horizon           string  `json:"horizon"`
	Doses             int     `json:"doses"`
	Seconds           float64 `json:"seconds"`
	PerSecond         float64 `json:"doses_per_second"`
	RawRows           int     `json:"raw_rows"`
	RawSeconds        float64 `json:"raw_seconds"`
	RawPerSecond      float64 `json:"raw_rows_per_second"`
	RawMethod         string  `json:"raw_method"`
	Ratio             float64 `json:"ratio"`
}

// openMigrated opens a fresh database through the store and migrates it.
func (b *bench) openMigrated(ctx context.Context, name string) (*store.Store, error) {
	dsn, err := b.createDB(ctx, name)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, dsn, quietLog())
	if err != nil {
		return nil, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// materialize times Service.Materialize over a large facility whose orders
// all start now, then deletes the doses it wrote and inserts the very same
// rows again with plain multi-row INSERT statements: the job's overhead
// (reading orders, expanding rules, the ORM) is the ratio between the two.
func (b *bench) materialize(ctx context.Context) error {
	const name = "bench_materialize"
	st, err := b.openMigrated(ctx, name)
	if err != nil {
		return err
	}
	defer func() { st.Close(); b.dropDB(ctx, name) }()
	now := time.Now().UTC().Truncate(time.Microsecond)
	bulk, err := datagen.BulkFacility(ctx, st, b.cfg.matRes, now, "America/New_York")
	if err != nil {
		return err
	}
	svc := mar.NewService(st, quietLog())
	svc.Clock = mar.ClockFunc(func() time.Time { return now })
	svc.Config.ScheduleHorizon = 48 * time.Hour
	t0 := time.Now()
	res, err := svc.Materialize(ctx)
	if err != nil {
		return err
	}
	matTime := time.Since(t0)
	r := &materializeResult{Residents: bulk.Residents, OrdersPerResident: bulk.Orders / bulk.Residents, Orders: res.Orders,
		Horizon: "48h", Doses: res.Doses, Seconds: matTime.Seconds(), PerSecond: float64(res.Doses) / matTime.Seconds()}
	b.rep.Materialize = r
	b.log.Info("materialize", "orders", res.Orders, "doses", res.Doses, "seconds", matTime.Seconds())

	rows, err := readDoses(ctx, st.DB())
	if err != nil {
		return err
	}
	if _, err := st.DB().ExecContext(ctx, "TRUNCATE scheduled_doses CASCADE"); err != nil {
		return err
	}
	if _, err := st.DB().ExecContext(ctx, "CHECKPOINT"); err != nil {
		return err
	}
	const perStmt, perTx = 500, 10
	r.RawMethod = fmt.Sprintf("INSERT … VALUES with %d rows per statement, %d statements per transaction, database/sql on pgx", perStmt, perTx)
	t1 := time.Now()
	n, err := rawInsert(ctx, st.DB(), rows, perStmt, perTx)
	if err != nil {
		return err
	}
	rawTime := time.Since(t1)
	r.RawRows, r.RawSeconds, r.RawPerSecond = n, rawTime.Seconds(), float64(n)/rawTime.Seconds()
	if r.RawPerSecond > 0 {
		r.Ratio = r.PerSecond / r.RawPerSecond
	}
	b.log.Info("raw insert", "rows", n, "seconds", rawTime.Seconds(), "ratio", r.Ratio)
	return nil
}

var doseCols = []string{"id", "facility_id", "order_id", "resident_id", "unit_id", "due_at", "window_start", "window_end", "status", "step", "step_dose"}

func readDoses(ctx context.Context, db *sql.DB) ([][]any, error) {
	q, err := db.QueryContext(ctx, "SELECT "+strings.Join(doseCols, ", ")+" FROM scheduled_doses")
	if err != nil {
		return nil, err
	}
	defer q.Close()
	var out [][]any
	for q.Next() {
		var id, fac, ord, res, unit, status, stepDose string
		var due, ws, we time.Time
		var step int
		if err := q.Scan(&id, &fac, &ord, &res, &unit, &due, &ws, &we, &status, &step, &stepDose); err != nil {
			return nil, err
		}
		out = append(out, []any{id, fac, ord, res, unit, due, ws, we, status, step, stepDose})
	}
	return out, q.Err()
}

// rawInsert writes rows with multi-row INSERT statements, the fastest
// thing an application does without COPY.
func rawInsert(ctx context.Context, db *sql.DB, rows [][]any, perStmt, perTx int) (int, error) {
	total := 0
	for len(rows) > 0 {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return total, err
		}
		for s := 0; s < perTx && len(rows) > 0; s++ {
			n := min(perStmt, len(rows))
			var sb strings.Builder
			sb.WriteString("INSERT INTO scheduled_doses (" + strings.Join(doseCols, ", ") + ") VALUES ")
			args := make([]any, 0, n*len(doseCols))
			for i, row := range rows[:n] {
				if i > 0 {
					sb.WriteByte(',')
				}
				sb.WriteByte('(')
				for j := range row {
					if j > 0 {
						sb.WriteByte(',')
					}
					fmt.Fprintf(&sb, "$%d", len(args)+1)
					args = append(args, row[j])
				}
				sb.WriteByte(')')
			}
			if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
				tx.Rollback()
				return total, err
			}
			rows = rows[n:]
			total += n
		}
		if err := tx.Commit(); err != nil {
			return total, err
		}
	}
	return total, nil
}
