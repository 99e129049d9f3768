// Package store keeps the medication record in PostgreSQL or in an embedded
// pure-Go SQLite file through GORM. It implements mar.Store; nothing else
// in the module imports gorm.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/emar-project/emar/mar"
)

// Dialect names the database engine.
type Dialect string

const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// Store is the GORM-backed mar.Store.
type Store struct {
	db      *gorm.DB
	sqlDB   *sql.DB
	dialect Dialect
	log     *slog.Logger
}

var _ mar.Store = (*Store)(nil)

// DefaultDSN is the embedded database a newcomer gets with no setup.
const DefaultDSN = "sqlite:emar.db"

// DialectOf tells which engine a DSN names: postgres:// or postgresql://
// URLs and key=value strings are PostgreSQL; sqlite:PATH, file:PATH and
// bare paths are SQLite.
func DialectOf(dsn string) Dialect {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"), strings.Contains(dsn, "host="):
		return Postgres
	default:
		return SQLite
	}
}

// AcceptedDSNs lists the forms a database name may take.
const AcceptedDSNs = "sqlite:PATH (or file:PATH) for the embedded database, postgres://user@host/db (or postgresql://…, or a key=value string with host=) for PostgreSQL"

// ParseDSN tells which engine a DSN names and refuses one without a
// scheme the service knows, so a typo never becomes a new SQLite file
// and another engine's URL never reaches a driver that cannot read it.
func ParseDSN(dsn string) (Dialect, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"), strings.Contains(dsn, "host="):
		return Postgres, nil
	case strings.HasPrefix(dsn, "sqlite:"), strings.HasPrefix(dsn, "file:"):
		if sqlitePath(dsn) == "" {
			return "", fmt.Errorf("database %q names no file; accepted forms: %s", dsn, AcceptedDSNs)
		}
		return SQLite, nil
	}
	if i := strings.Index(dsn, "://"); i > 0 {
		return "", fmt.Errorf("database %q: the %s engine is not supported; accepted forms: %s", dsn, dsn[:i], AcceptedDSNs)
	}
	return "", fmt.Errorf("database %q has no scheme; accepted forms: %s", dsn, AcceptedDSNs)
}

// OpenExisting is Open for commands that read a database that must
// already exist: a mistyped SQLite path is refused rather than created.
func OpenExisting(ctx context.Context, dsn string, log *slog.Logger) (*Store, error) {
	d, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if d == SQLite {
		if _, err := os.Stat(sqlitePath(dsn)); err != nil {
			return nil, fmt.Errorf("no database at %s: %w", sqlitePath(dsn), err)
		}
	}
	return Open(ctx, dsn, log)
}

// Open connects to the database named by dsn and checks it answers.
func Open(ctx context.Context, dsn string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.Default()
	}
	cfg := &gorm.Config{
		Logger:                                   logger.Discard,
		NowFunc:                                  func() time.Time { return time.Now().UTC() },
		DisableForeignKeyConstraintWhenMigrating: true,
		TranslateError:                           false,
	}
	d, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	var dialector gorm.Dialector
	switch d {
	case Postgres:
		dialector = postgres.New(postgres.Config{DSN: dsn})
	case SQLite:
		dialector = sqlite.Open(sqliteDSN(dsn))
	}
	db, err := gorm.Open(dialector, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s database: %w", d, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", d, err)
	}
	switch d {
	case SQLite:
		// One connection serialises writers, so SQLITE_BUSY never reaches
		// a nurse; a care home's load is far below what one writer does.
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetMaxIdleConns(1)
		sqlDB.SetConnMaxLifetime(0)
	case Postgres:
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %w", d, err)
	}
	return &Store{db: db, sqlDB: sqlDB, dialect: d, log: log}, nil
}

// sqliteDSN turns sqlite:PATH into the driver's DSN with the pragmas the
// service relies on: foreign keys, WAL, a busy timeout and immediate
// transactions (so a reader never fails to upgrade to a writer).
func sqliteDSN(dsn string) string {
	return "file:" + sqlitePath(dsn) + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate&_time_format=sqlite"
}

// sqlitePath is the file a sqlite: or file: DSN names.
func sqlitePath(dsn string) string {
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return path
}

// Dialect reports the engine in use.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB exposes the connection pool for migrations and tests.
func (s *Store) DB() *sql.DB { return s.sqlDB }

// Gorm exposes the ORM handle to the store's own tests and tools.
func (s *Store) Gorm() *gorm.DB { return s.db }

// Close releases the connections.
func (s *Store) Close() error { return s.sqlDB.Close() }

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.sqlDB.PingContext(ctx) }

const maxTxAttempts = 6

// InTx runs fn in one transaction and retries serialization failures and
// deadlocks with jittered backoff, as CockroachDB and friends require.
func (s *Store) InTx(ctx context.Context, fn func(mar.Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = s.db.WithContext(ctx).Transaction(func(g *gorm.DB) error {
			t := &tx{db: g, ctx: ctx, dialect: s.dialect}
			if err := fn(t); err != nil {
				return err
			}
			// The audit events go in last, just before COMMIT, so the
			// chain heads are locked for one statement and the commit.
			return t.flushAudit()
		})
		if err == nil || !retryable(err) || attempt == maxTxAttempts {
			break
		}
		backoff := time.Duration(attempt*attempt)*5*time.Millisecond + time.Duration(rand.IntN(5))*time.Millisecond
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
	return translate(err)
}

func retryable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "40001" || pg.Code == "40P01"
	}
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}

// translate maps driver errors onto domain errors; domain errors pass.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := mar.AsError(err); ok {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &mar.Error{Code: mar.EUnavailable, Message: "the database did not answer in time", Err: err}
	}
	if isUnique(err) {
		return &mar.Error{Code: mar.EConflict, Reason: "duplicate", Message: "a record with the same identifier already exists", Err: err}
	}
	if isConnection(err) {
		return &mar.Error{Code: mar.EUnavailable, Message: "the database is not reachable", Err: err}
	}
	return err
}

func isUnique(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// isConnection recognises a database that is down, restarting or gone
// away mid-statement: connection refused or reset, an EOF in the middle of
// a reply (pgx: "unexpected EOF", "conn closed"), the server's own
// shutdown and crash codes (57P01-57P03, class 08), or a standby refusing
// a write (25006) while the cluster fails over.
func isConnection(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// 25006: a write reached a node that is (now) a read-only
		// standby — a failover in progress; the next connection finds the
		// new primary (target_session_attrs=read-write).
		return strings.HasPrefix(pg.Code, "08") || pg.Code == "57P01" || pg.Code == "57P02" || pg.Code == "57P03" || pg.Code == "25006"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.As(err, &ce) || errors.As(err, &ne) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"connection refused", "failed to connect", "broken pipe", "connection reset", "conn closed", "unexpected EOF"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// tx implements mar.Tx over one GORM transaction.
type tx struct {
	db      *gorm.DB
	ctx     context.Context
	dialect Dialect
	pending []*mar.AuditEvent // audit events appended at the end of the transaction
}

func (t *tx) Context() context.Context { return t.ctx }

func notFound(err error, what, id string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return mar.NotFound(what, id)
	}
	return err
}
