package web_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// failingCommit runs every transaction on the real store; one that
// claimed an idempotency key (a bedside write) is then rolled back with
// an "unavailable" error, as when the database dies during COMMIT: the
// work was done, nothing was stored. Sign-in and other reads pass.
type failingCommit struct{ mar.Store }

// claimWatch notes that a transaction claimed an idempotency key.
type claimWatch struct {
	mar.Tx
	claimed *bool
}

func (c claimWatch) ClaimIdempotencyKey(r mar.IdempotencyRecord) (mar.IdempotencyRecord, bool, error) {
	*c.claimed = true
	return c.Tx.ClaimIdempotencyKey(r)
}

func (f failingCommit) InTx(ctx context.Context, fn func(mar.Tx) error) error {
	return f.Store.InTx(ctx, func(tx mar.Tx) error {
		claimed := false
		if err := fn(claimWatch{tx, &claimed}); err != nil || !claimed {
			return err
		}
		return &mar.Error{Code: mar.EUnavailable, Message: "the database went away during COMMIT (injected)"}
	})
}

// A bedside write whose transaction does not commit must not be answered
// as done, even though its idempotent answer was already rendered inside
// the transaction: the device would keep a context or an administration
// that does not exist. (The fault suite found this with pg_ctl stop -m
// immediate: a wristband answered 200 whose context was never stored.)
func TestBedsideWriteThatDoesNotCommitIsNotAcknowledged(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := newBed(t, engine)
			nurse := env.login("nurse")
			r := env.resident("Abbott")
			real := env.env.Svc.Store
			env.env.Svc.Store = failingCommit{real}
			resp := nurse.Do("POST", "/api/v1/bedside/wristband", map[string]string{"scan": wristband(r)}, map[string]string{"Idempotency-Key": newKey()})
			env.env.Svc.Store = real
			if resp.Status != http.StatusServiceUnavailable {
				t.Fatalf("wristband whose transaction rolled back: %d %s; want 503", resp.Status, resp.Body)
			}
		})
	}
}
