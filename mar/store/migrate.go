package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed migrations
var migrations embed.FS

func (s *Store) provider() (*goose.Provider, error) {
	dir := "migrations/postgres"
	dialect := goose.DialectPostgres
	if s.dialect == SQLite {
		dir, dialect = "migrations/sqlite", goose.DialectSQLite3
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, s.sqlDB, sub)
}

// Migrate applies every pending migration, each in its own transaction, so
// a failure leaves the schema at the last complete version.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	p, err := s.provider()
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	results, err := p.Up(ctx)
	var applied []string
	for _, r := range results {
		if r.Error == nil {
			applied = append(applied, r.Source.Path)
		}
	}
	if err != nil {
		return applied, fmt.Errorf("migrate: %w", err)
	}
	return applied, nil
}

// MigrationStatus reports the current and the latest schema version.
func (s *Store) MigrationStatus(ctx context.Context) (current, latest int64, err error) {
	p, err := s.provider()
	if err != nil {
		return 0, 0, err
	}
	current, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, 0, err
	}
	srcs := p.ListSources()
	if len(srcs) > 0 {
		latest = srcs[len(srcs)-1].Version
	}
	return current, latest, nil
}

// Ready checks the database answers and the schema is current.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.Ping(ctx); err != nil {
		return fmt.Errorf("database not reachable: %w", err)
	}
	cur, latest, err := s.MigrationStatus(ctx)
	if err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	if cur != latest {
		return fmt.Errorf("schema at version %d, %d expected: run emar migrate", cur, latest)
	}
	return nil
}

// MigrateTo applies the pending migrations up to version, for tests that
// need a database as an older release left it.
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	p, err := s.provider()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}
