package datagen

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// withPgx runs fn on one pgx connection taken from the store's pool, for
// what database/sql cannot do (COPY).
func withPgx(ctx context.Context, db *sql.DB, fn func(*pgx.Conn) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("datagen: COPY needs PostgreSQL through pgx, not %T", dc)
		}
		return fn(c.Conn())
	})
}

// copyTrusted bulk-loads rows with COPY in one transaction, with the
// foreign-key triggers off for the session (session_replication_role =
// replica, as pg_restore
// --disable-triggers does), for rows whose references the generator made
// itself: checking them row by row would cost more than the COPY. The
// data set tests check the references afterwards.
func copyTrusted(ctx context.Context, db *sql.DB, table string, cols []string, rows [][]any) (int64, error) {
	return copyRows(ctx, db, table, cols, rows, true)
}

func copyRows(ctx context.Context, db *sql.DB, table string, cols []string, rows [][]any, trusted bool) (int64, error) {
	var n int64
	err := withPgx(ctx, db, func(c *pgx.Conn) error {
		if trusted {
			if _, err := c.Exec(ctx, "SET session_replication_role = replica"); err != nil {
				return err
			}
			defer c.Exec(context.WithoutCancel(ctx), "RESET session_replication_role")
		}
		var err error
		n, err = c.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		return err
	})
	if err != nil {
		return n, fmt.Errorf("copy into %s: %w", table, err)
	}
	return n, nil
}
