package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store"
	"github.com/emar-project/emar/mar/store/storetest"
)

func TestServeRefusesAlertSettingsThatCannotWork(t *testing.T) {
	dsn := storetest.NewDSN(t, "sqlite")
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string
	}{
		{"tick too slow to see a missed dose within a minute", nil, []string{"--sweep-interval", "2m"}, "at most 45s"},
		{"not a duration", map[string]string{"EMAR_SWEEP_INTERVAL": "often"}, nil, "--sweep-interval"},
		{"webhook without a secret", nil, []string{"--webhook-url", "http://127.0.0.1:9/hook"}, "secret is required"},
		{"bad shifts", nil, []string{"--shift-starts", "07:00,23:00,15:00"}, "shift-starts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"serve", "--db", dsn, "--addr", "127.0.0.1:0"}, tt.args...)
			code, _, stderr := emar(t, tt.env, args...)
			if code != 2 || !strings.Contains(stderr, tt.wantErr) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.wantErr)
			}
		})
	}
}

// emar serve sweeps once at start: a dose whose window closed while the
// service was down is marked missed without waiting for a tick, and the
// runner stops with the server.
func TestServeCatchesUpOnMissedDosesAtStart(t *testing.T) {
	dsn := storetest.NewDSN(t, "sqlite")
	if code, _, stderr := emar(t, nil, "demo", "--db", dsn); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	past := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
	doseID := mar.NewID()
	err = st.InTx(ctx, func(tx mar.Tx) error {
		orders, err := tx.ListOrders(mar.OrderFilter{Statuses: []mar.OrderStatus{mar.OrderActive}})
		if err != nil {
			return err
		}
		r, err := tx.GetResident(orders[0].ResidentID)
		if err != nil {
			return err
		}
		_, err = tx.InsertDoses([]mar.ScheduledDose{{ID: doseID, FacilityID: r.FacilityID, OrderID: orders[0].ID, ResidentID: r.ID, UnitID: r.UnitID,
			DueAt: past, WindowStart: past.Add(-time.Hour), WindowEnd: past.Add(time.Hour), Status: mar.DoseScheduled}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan int, 1)
	go func() {
		done <- run(runCtx, []string{"emar", "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--sweep-interval", "30s"},
			func(string) string { return "" }, io.Discard, io.Discard)
	}()
	var n int64
	for deadline := time.Now().Add(20 * time.Second); n == 0 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		st.Gorm().Raw(`SELECT count(*) FROM alerts WHERE kind = 'missed' AND dose_id = ?`, doseID).Scan(&n)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	if n != 1 {
		t.Fatalf("%d missed alerts for the dose after start, want 1", n)
	}
	// Serve also materialises the demo orders' doses; whatever it marked,
	// it marked once.
	var dup int64
	st.Gorm().Raw(`SELECT count(*) FROM (SELECT dose_id FROM alerts WHERE kind = 'missed' GROUP BY dose_id HAVING count(*) > 1) x`).Scan(&dup)
	var missed, alerted int64
	st.Gorm().Raw(`SELECT count(*) FROM scheduled_doses WHERE status = 'missed'`).Scan(&missed)
	st.Gorm().Raw(`SELECT count(*) FROM alerts WHERE kind = 'missed'`).Scan(&alerted)
	if dup != 0 || missed != alerted {
		t.Fatalf("%d doses missed, %d missed alerts, %d doses alerted twice", missed, alerted, dup)
	}
}
