package hl7map

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// A message the peer does not take stays in the outbox and is tried again
// after the backoff; once sent it is not sent again.
func TestOutboxRetriesUntilTheMessageIsDelivered(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			f := newFixture(t, engine, false)
			ctx := context.Background()
			now := testNow
			f.svc.Clock = mar.ClockFunc(func() time.Time { return now })
			err := f.st.InTx(ctx, func(tx mar.Tx) error {
				return tx.EnqueueOutbound(&mar.OutboundMessage{ID: mar.NewID(), FacilityID: f.facility.ID, Kind: "RAS^O17", RefID: "x",
					ControlID: "EMARTEST1", Payload: "MSH|^~\\&|EMAR|X|P|X|20260314||RAS^O17^RAS_O17|EMARTEST1|P|2.5.1\r", CreatedAt: now, NextAttemptAt: now})
			})
			if err != nil {
				t.Fatal(err)
			}
			down := errors.New("connection refused")
			sent, failed, err := f.svc.DeliverOutbound(ctx, 10, func(mar.OutboundMessage) error { return down })
			if err != nil || sent != 0 || failed != 1 {
				t.Fatalf("peer down: sent %d failed %d err %v", sent, failed, err)
			}
			if sent, failed, _ = f.svc.DeliverOutbound(ctx, 10, func(mar.OutboundMessage) error { return nil }); sent+failed != 0 {
				t.Fatal("retried before the backoff")
			}
			now = now.Add(mar.OutboxBackoff(0) + time.Second)
			dir := t.TempDir()
			sent, _, err = f.svc.DeliverOutbound(ctx, 10, func(m mar.OutboundMessage) error { return Sender{Dir: dir}.Send(ctx, m) })
			if err != nil || sent != 1 {
				t.Fatalf("after the backoff: sent %d err %v", sent, err)
			}
			if _, err := os.Stat(filepath.Join(dir, "EMARTEST1.hl7")); err != nil {
				t.Fatalf("file not written: %v", err)
			}
			now = now.Add(time.Hour)
			if sent, failed, _ = f.svc.DeliverOutbound(ctx, 10, func(mar.OutboundMessage) error { return nil }); sent+failed != 0 {
				t.Fatal("a delivered message was sent again")
			}
		})
	}
}
