package storetest

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/emar-project/emar/mar/store"
)

// Statements counts every round trip the store makes to its database:
// each query and exec, and each BEGIN, COMMIT and ROLLBACK of a
// transaction (GORM runs those outside its callbacks, so a callback
// counter would miss them).
type Statements struct {
	mu   sync.Mutex
	log  []string
	from int
}

// CountStatements starts counting the statements st sends. Install it
// before the store is used from other goroutines (it replaces the
// store's connection pool with a counting one, for the rest of the test).
func CountStatements(t testing.TB, st *store.Store) *Statements {
	t.Helper()
	g := st.Gorm()
	pool, ok := g.ConnPool.(*sql.DB)
	if !ok {
		t.Fatalf("the store's connection pool is a %T, not a *sql.DB", g.ConnPool)
	}
	c := &Statements{}
	w := countingPool{db: pool, c: c}
	g.ConnPool = w
	g.Statement.ConnPool = w
	return c
}

// Reset forgets the statements counted so far.
func (c *Statements) Reset() {
	c.mu.Lock()
	c.from = len(c.log)
	c.mu.Unlock()
}

// Since returns the statements sent since the last Reset, BEGIN and
// COMMIT included, each as its SQL text.
func (c *Statements) Since() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.log[c.from:]...)
}

func (c *Statements) add(sql string) {
	c.mu.Lock()
	c.log = append(c.log, strings.Join(strings.Fields(sql), " "))
	c.mu.Unlock()
}

type countingPool struct {
	db *sql.DB
	c  *Statements
}

func (p countingPool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.db.PrepareContext(ctx, query)
}

func (p countingPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	p.c.add(query)
	return p.db.ExecContext(ctx, query, args...)
}

func (p countingPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	p.c.add(query)
	return p.db.QueryContext(ctx, query, args...)
}

func (p countingPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	p.c.add(query)
	return p.db.QueryRowContext(ctx, query, args...)
}

func (p countingPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	p.c.add("BEGIN")
	tx, err := p.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &countingTx{tx: tx, c: p.c}, nil
}

// GetDBConn lets gorm's DB() find the pool behind the counter.
func (p countingPool) GetDBConn() (*sql.DB, error) { return p.db, nil }

type countingTx struct {
	tx *sql.Tx
	c  *Statements
}

func (t *countingTx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return t.tx.PrepareContext(ctx, query)
}

func (t *countingTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	t.c.add(query)
	return t.tx.ExecContext(ctx, query, args...)
}

func (t *countingTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	t.c.add(query)
	return t.tx.QueryContext(ctx, query, args...)
}

func (t *countingTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	t.c.add(query)
	return t.tx.QueryRowContext(ctx, query, args...)
}

func (t *countingTx) Commit() error {
	t.c.add("COMMIT")
	return t.tx.Commit()
}

func (t *countingTx) Rollback() error {
	t.c.add("ROLLBACK")
	return t.tx.Rollback()
}
