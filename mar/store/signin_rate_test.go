package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store"
	"github.com/emar-project/emar/mar/store/storetest"
)

// Sign-in attempts are counted per address and window in the database;
// concurrent attempts (replicas) never lose a count, and the first attempt
// of a window forgets windows older than the one before it.
func TestSignInAttemptsCountPerAddressAndWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		count := func(addr string, window time.Time) int {
			t.Helper()
			var n int
			if err := s.InTx(ctx, func(tx mar.Tx) error {
				var err error
				n, err = tx.CountSignInAttempt(addr, window, window.Add(-time.Minute))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		const racers, each = 8, 5
		var wg sync.WaitGroup
		for i := 0; i < racers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; j < each; j++ {
					count("192.0.2.1", w0)
				}
			}()
		}
		wg.Wait()
		if n := count("192.0.2.1", w0); n != racers*each+1 {
			t.Errorf("after %d concurrent attempts the next is number %d", racers*each, n)
		}
		if n := count("192.0.2.2", w0); n != 1 {
			t.Errorf("another address starts at %d", n)
		}
		if n := count("192.0.2.1", w0.Add(time.Minute)); n != 1 {
			t.Errorf("the next window starts at %d", n)
		}
		// A window two minutes on forgets w0 (older than the one before).
		count("192.0.2.3", w0.Add(2*time.Minute))
		var left int64
		if err := s.Gorm().Raw("SELECT count(*) FROM sign_in_rate WHERE window_start < ?", w0.Add(time.Minute)).Scan(&left).Error; err != nil {
			t.Fatal(err)
		}
		if left != 0 {
			t.Errorf("%d rows of a forgotten window remain", left)
		}
	})
}

// A write that reaches a read-only node (a standby during a failover)
// is "unavailable" — 503, retry — not an internal error.
func TestWriteOnReadOnlyNodeIsUnavailable(t *testing.T) {
	if !hasEngine(t, "postgres") {
		t.Skip("needs PostgreSQL")
	}
	ctx := context.Background()
	s := storetest.Open(t, "postgres")
	var name string
	if err := s.DB().QueryRowContext(ctx, "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, fmt.Sprintf("ALTER DATABASE %s SET default_transaction_read_only = on", name)); err != nil {
		t.Fatal(err)
	}
	s.DB().SetMaxIdleConns(0) // new sessions take the setting
	err := s.InTx(ctx, func(tx mar.Tx) error {
		_, err := tx.NameFailed("someone", 5, time.Now().Add(time.Minute))
		return err
	})
	if mar.ErrorCodeOf(err) != mar.EUnavailable {
		t.Fatalf("write on a read-only node: %v (code %s), want unavailable", err, mar.ErrorCodeOf(err))
	}
}

func hasEngine(t *testing.T, engine string) bool {
	for _, e := range storetest.Engines(t) {
		if e == engine {
			return true
		}
	}
	return false
}
