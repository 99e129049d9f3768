package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store"
	"github.com/emar-project/emar/mar/store/storetest"
)

// A count and its lines round-trip; a discrepancy is resolved once, and
// listing open discrepancies leaves it out afterwards.
func TestControlledCountRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := seed(t, s)
		witness := mar.User{ID: mar.NewID(), FacilityID: f.fac.ID, Username: "wes", DisplayName: "Wes", Role: mar.RoleNurse, PasswordHash: "x", Active: true, CreatedAt: time.Now().UTC(), UnitIDs: []string{f.unit.ID}}
		at := time.Date(2026, 3, 8, 19, 0, 0, 0, time.UTC)
		c := mar.ControlledCount{ID: mar.NewID(), FacilityID: f.fac.ID, UnitID: f.unit.ID, Shift: mar.ShiftDay, ShiftDate: "2026-03-08",
			OutgoingBy: f.user.ID, IncomingBy: witness.ID, CountedAt: at, Note: "handover"}
		c.Lines = []mar.ControlledCountLine{{ID: mar.NewID(), ProductID: f.prod.ID, Expected: 8, Counted: 7, Status: mar.CountOpen, AlertID: mar.NewID()}}
		if err := s.InTx(ctx, func(tx mar.Tx) error {
			if err := tx.CreateUser(&witness); err != nil {
				return err
			}
			return tx.CreateControlledCount(&c)
		}); err != nil {
			t.Fatal(err)
		}
		lineID := c.Lines[0].ID
		err := s.InTx(ctx, func(tx mar.Tx) error {
			l, err := tx.GetControlledCountLine(lineID)
			if err != nil {
				return err
			}
			if l.CountID != c.ID || l.Expected != 8 || l.Counted != 7 || l.Status != mar.CountOpen || l.OutgoingBy != f.user.ID || l.IncomingBy != witness.ID || !l.CountedAt.Equal(at) || l.UnitID != f.unit.ID {
				t.Errorf("line: %+v", l)
			}
			list, err := tx.ListControlledCounts(f.unit.ID, at.Add(-time.Hour), at.Add(time.Hour), 10)
			if err != nil {
				return err
			}
			if len(list) != 1 || len(list[0].Lines) != 1 || list[0].Shift != mar.ShiftDay || list[0].ShiftDate != "2026-03-08" || list[0].Note != "handover" {
				t.Errorf("counts: %+v", list)
			}
			if list, _ := tx.ListControlledCounts(f.unit.ID, at.Add(time.Minute), time.Time{}, 10); len(list) != 0 {
				t.Errorf("counts after the count: %+v", list)
			}
			open, err := tx.ListCountDiscrepancies(f.fac.ID, []string{f.unit.ID}, true)
			if err != nil || len(open) != 1 {
				t.Errorf("open: %+v %v", open, err)
			}
			ok, err := tx.ResolveCountDiscrepancy(lineID, witness.ID, at.Add(time.Hour), "found")
			if err != nil || !ok {
				t.Errorf("resolve: %v %v", ok, err)
			}
			if ok, err := tx.ResolveCountDiscrepancy(lineID, witness.ID, at.Add(time.Hour), "again"); err != nil || ok {
				t.Errorf("resolved twice: %v %v", ok, err)
			}
			if open, _ := tx.ListCountDiscrepancies(f.fac.ID, nil, true); len(open) != 0 {
				t.Errorf("open after resolving: %+v", open)
			}
			all, err := tx.ListCountDiscrepancies(f.fac.ID, nil, false)
			if err != nil || len(all) != 1 || all[0].Resolution != "found" || all[0].ResolvedAt == nil || all[0].ResolvedBy != witness.ID {
				t.Errorf("all: %+v %v", all, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// A handover is acknowledged once per person and shift: the second is a
// conflict, listing returns the first.
func TestHandoverAcknowledgedOncePerPerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := seed(t, s)
		at := time.Date(2026, 3, 8, 23, 10, 0, 0, time.UTC)
		ack := func(shift, date string) error {
			return s.InTx(ctx, func(tx mar.Tx) error {
				return tx.CreateHandoverAck(&mar.HandoverAck{ID: mar.NewID(), FacilityID: f.fac.ID, UnitID: f.unit.ID, Shift: shift, ShiftDate: date, UserID: f.user.ID, AcknowledgedAt: at})
			})
		}
		if err := ack(mar.ShiftNight, "2026-03-08"); err != nil {
			t.Fatal(err)
		}
		if e, ok := mar.AsError(ack(mar.ShiftNight, "2026-03-08")); !ok || e.Code != mar.EConflict {
			t.Errorf("second acknowledgement: %v", e)
		}
		if err := ack(mar.ShiftDay, "2026-03-08"); err != nil {
			t.Errorf("another shift: %v", err)
		}
		_ = s.InTx(ctx, func(tx mar.Tx) error {
			list, err := tx.ListHandoverAcks(f.unit.ID, mar.ShiftNight, "2026-03-08")
			if err != nil || len(list) != 1 || list[0].UserID != f.user.ID || !list[0].AcknowledgedAt.Equal(at) {
				t.Errorf("acknowledgements: %+v %v", list, err)
			}
			return nil
		})
	})
}
