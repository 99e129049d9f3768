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

// copyFrom bulk-loads rows with COPY in one transaction.
func copyFrom(ctx context.Context, db *sql.DB, table string, cols []string, rows [][]any) (int64, error) {
	var n int64
	err := withPgx(ctx, db, func(c *pgx.Conn) error {
		var err error
		n, err = c.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		return err
	})
	if err != nil {
		return n, fmt.Errorf("copy into %s: %w", table, err)
	}
	return n, nil
}
