package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store"
	"github.com/emar-project/emar/mar/store/storetest"
)

// The database, not the application, prevents double charting: the
// conditional update moves a dose once, and the unique partial index
// admits one live administration per dose (a correction frees the slot).
func TestOneLiveAdministrationPerDose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := seed(t, s)
		now := time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)
		order := mar.Order{ID: mar.NewID(), FacilityID: f.fac.ID, ResidentID: f.res.ID, ProductID: f.prod.ID, Ingredient: "metoprolol tartrate",
			DoseValue: 25, DoseUnit: "mg", Route: "oral", Frequency: "BID", StartAt: now.Add(-time.Hour), Status: mar.OrderActive, CreatedAt: now, UpdatedAt: now}
		dose := mar.ScheduledDose{ID: mar.NewID(), FacilityID: f.fac.ID, OrderID: order.ID, ResidentID: f.res.ID, UnitID: f.unit.ID,
			DueAt: now, WindowStart: now.Add(-time.Hour), WindowEnd: now.Add(time.Hour), Status: mar.DoseScheduled}
		admin := func() *mar.Administration {
			return &mar.Administration{ID: mar.NewID(), FacilityID: f.fac.ID, ResidentID: f.res.ID, UnitID: f.unit.ID, OrderID: order.ID, DoseID: dose.ID,
				ProductID: f.prod.ID, PerformerID: f.user.ID, PerformedAt: now, RecordedAt: now, Outcome: mar.OutcomeGiven, Quantity: 1, Amount: 25, Unit: "mg",
				Overrides: []mar.Override{{Reason: mar.ReasonTooLate, Text: "x"}}}
		}
		in := func(fn func(tx mar.Tx) error) error { return s.InTx(ctx, fn) }
		if err := in(func(tx mar.Tx) error {
			if err := tx.CreateOrder(&order); err != nil {
				return err
			}
			_, err := tx.InsertDoses([]mar.ScheduledDose{dose})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		first := admin()
		for i, want := range []int64{1, 0} {
			var n int64
			if err := in(func(tx mar.Tx) (err error) {
				n, err = tx.DocumentDose(dose.ID, []mar.DoseStatus{mar.DoseScheduled, mar.DoseMissed}, mar.DoseGiven, f.user.ID, now, first.ID)
				return err
			}); err != nil || n != want {
				t.Fatalf("DocumentDose #%d = %d, %v; want %d", i+1, n, err, want)
			}
		}
		if err := in(func(tx mar.Tx) error { return tx.CreateAdministration(first) }); err != nil {
			t.Fatal(err)
		}
		err := in(func(tx mar.Tx) error { return tx.CreateAdministration(admin()) })
		if e, ok := mar.AsError(err); !ok || e.Code != mar.EConflict || e.Reason != mar.ReasonAlreadyDocumented {
			t.Fatalf("second live administration = %v; want conflict already_documented", err)
		}
		if err := in(func(tx mar.Tx) error {
			n, err := tx.MarkEnteredInError(first.ID, f.user.ID, "wrong chart", now)
			if err != nil || n != 1 {
				t.Errorf("MarkEnteredInError = %d, %v", n, err)
			}
			if n, _ := tx.ReopenDose(dose.ID, first.ID, mar.DoseScheduled); n != 1 {
				t.Errorf("ReopenDose = %d", n)
			}
			return tx.CreateAdministration(admin())
		}); err != nil {
			t.Fatalf("administration after a correction: %v", err)
		}
		_ = in(func(tx mar.Tx) error {
			got, err := tx.GetAdministration(first.ID)
			if err != nil || !got.EnteredInError || got.ErrorReason != "wrong chart" || len(got.Overrides) != 1 || !got.PerformedAt.Equal(now) {
				t.Errorf("round trip: %+v %v", got, err)
			}
			return nil
		})
	})
}

// An idempotency key is claimed once per user; the stored answer is
// returned to the next claim.
func TestIdempotencyKeyClaim(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := seed(t, s)
		rec := mar.IdempotencyRecord{UserID: f.user.ID, Key: "k-1", RequestHash: "h1", CreatedAt: time.Now()}
		if err := s.InTx(ctx, func(tx mar.Tx) error {
			_, claimed, err := tx.ClaimIdempotencyKey(rec)
			if err != nil || !claimed {
				t.Fatalf("first claim = %v, %v", claimed, err)
			}
			return tx.CompleteIdempotencyKey(f.user.ID, "k-1", 201, []byte(`{"ok":true}`))
		}); err != nil {
			t.Fatal(err)
		}
		_ = s.InTx(ctx, func(tx mar.Tx) error {
			prev, claimed, err := tx.ClaimIdempotencyKey(rec)
			if err != nil || claimed || prev.Status != 201 || string(prev.Body) != `{"ok":true}` || prev.RequestHash != "h1" {
				t.Errorf("second claim = %+v %v %v", prev, claimed, err)
			}
			return nil
		})
		// A rolled-back claim leaves no trace.
		rec.Key = "k-2"
		_ = s.InTx(ctx, func(tx mar.Tx) error {
			tx.ClaimIdempotencyKey(rec)
			return mar.Conflict("test", "roll back")
		})
		_ = s.InTx(ctx, func(tx mar.Tx) error {
			if _, claimed, err := tx.ClaimIdempotencyKey(rec); err != nil || !claimed {
				t.Errorf("claim after rollback = %v %v", claimed, err)
			}
			return nil
		})
	})
}
