package pgctl

import (
	"context"
	"database/sql"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

func TestQuotedArgs(t *testing.T) {
	got := quotedArgs(`/usr/lib/postgresql/15/bin/postgres "-D" "/tmp/emar-pg.x/data" "-k" "/tmp/emar-pg.x" "-c" "fsync=off"` + "\n")
	want := []string{"/usr/lib/postgresql/15/bin/postgres", "-D", "/tmp/emar-pg.x/data", "-k", "/tmp/emar-pg.x", "-c", "fsync=off"}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
}

// TestStopStartPauseResume drives the real server: it must come back
// after an immediate stop, and a paused server must answer nothing until
// it is resumed.
func TestStopStartPauseResume(t *testing.T) {
	s, err := FromEnv()
	if err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	db, err := sql.Open("pgx", s.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ping := func(d time.Duration) error {
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		return db.PingContext(ctx)
	}
	if err := ping(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := s.StopImmediate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ping(time.Second); err == nil {
		t.Fatal("ping succeeded while the server was stopped")
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ping(10 * time.Second); err != nil {
		t.Fatalf("after restart: %v", err)
	}

	pids, err := s.Pause()
	if err != nil || len(pids) < 2 {
		t.Fatalf("pause: %v %v", pids, err)
	}
	db.SetMaxIdleConns(0) // force a new connection, which must hang
	start := time.Now()
	err = ping(500 * time.Millisecond)
	if rerr := s.Resume(pids); rerr != nil {
		t.Fatal(rerr)
	}
	if err == nil || time.Since(start) < 400*time.Millisecond {
		t.Fatalf("ping on a paused server: %v after %s", err, time.Since(start))
	}
	if err := ping(10 * time.Second); err != nil {
		t.Fatalf("after resume: %v", err)
	}
}
