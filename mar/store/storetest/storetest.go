// Package storetest gives tests a fresh, migrated database on every engine
// the service supports: an SQLite file always, and PostgreSQL when
// EMAR_TEST_PG_DSN names a server (make test starts one). With
// EMAR_TEST_REQUIRE_PG=1 a missing server fails the test instead of
// quietly running on SQLite alone.
package storetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emar-project/emar/mar/store"
)

// Engine is one database to run a test on.
type Engine struct {
	Name string // "sqlite" or "postgres"
	DSN  string
}

var dbCounter atomic.Int64

// Engines lists the engines available to this test run.
func Engines(t testing.TB) []string {
	t.Helper()
	engines := []string{"sqlite"}
	if os.Getenv("EMAR_TEST_PG_DSN") != "" {
		engines = append(engines, "postgres")
	} else if os.Getenv("EMAR_TEST_REQUIRE_PG") == "1" {
		t.Fatal("EMAR_TEST_REQUIRE_PG=1 but EMAR_TEST_PG_DSN is empty: start PostgreSQL (make test does)")
	}
	return engines
}

// RequirePostgres skips a test that only means something on PostgreSQL
// (concurrency, replicas) when no server is configured, and fails it
// instead under EMAR_TEST_REQUIRE_PG=1, as make test sets.
func RequirePostgres(t testing.TB) {
	t.Helper()
	if os.Getenv("EMAR_TEST_PG_DSN") != "" {
		return
	}
	if os.Getenv("EMAR_TEST_REQUIRE_PG") == "1" {
		t.Fatal("EMAR_TEST_REQUIRE_PG=1 but EMAR_TEST_PG_DSN is empty: start PostgreSQL (make test does)")
	}
	t.Skip("needs PostgreSQL: run under scripts/with-postgres.sh")
}

// NewDSN creates an empty database on the engine and returns its DSN.
func NewDSN(t testing.TB, engine string) string {
	t.Helper()
	switch engine {
	case "sqlite":
		return "sqlite:" + filepath.Join(t.TempDir(), "emar.db")
	case "postgres":
		admin := os.Getenv("EMAR_TEST_PG_DSN")
		name := fmt.Sprintf("emar_test_%d_%d", os.Getpid(), dbCounter.Add(1))
		ctx := context.Background()
		s, err := store.Open(ctx, admin, nil)
		if err != nil {
			t.Fatalf("connect to test PostgreSQL: %v", err)
		}
		defer s.Close()
		if _, err := s.DB().ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			t.Fatalf("create test database: %v", err)
		}
		t.Cleanup(func() {
			s, err := store.Open(context.Background(), admin, nil)
			if err != nil {
				return
			}
			defer s.Close()
			_, _ = s.DB().ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		})
		return replaceDB(admin, name)
	}
	t.Fatalf("unknown engine %q", engine)
	return ""
}

// replaceDB swaps the database name in a postgres:// URL.
func replaceDB(dsn, name string) string {
	q := ""
	if i := strings.IndexByte(dsn, '?'); i >= 0 {
		dsn, q = dsn[:i], dsn[i:]
	}
	slash := strings.LastIndexByte(dsn, '/')
	if slash < len("postgres://") {
		return dsn + "/" + name + q
	}
	return dsn[:slash+1] + name + q
}

// Open returns a migrated store on a fresh database of the engine.
func Open(t testing.TB, engine string) *store.Store {
	t.Helper()
	dsn := NewDSN(t, engine)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := store.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", engine, err)
	}
	return s
}

// Each runs fn as a subtest on every available engine.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	for _, engine := range Engines(t) {
		t.Run(engine, func(t *testing.T) {
			fn(t, Open(t, engine))
		})
	}
}
