package alerts_test

import (
	"context"
	"testing"
	"time"

	"github.com/emar-project/emar/alerts"
	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
)

// t0 is a fixed start: 09:00 New York on a weekday, outside DST changes.
var t0 = time.Date(2026, 1, 14, 14, 0, 0, 0, time.UTC)

// world is the demo facility with helpers to add doses and read state.
type world struct {
	t   testing.TB
	env *testenv.Env
	ctx context.Context
}

func newWorld(t testing.TB, engine string) *world {
	env := testenv.Start(t, engine, testenv.Options{Now: t0})
	return &world{t: t, env: env, ctx: context.Background()}
}

func (w *world) sweeper(cfg alerts.Config) *alerts.Sweeper {
	return alerts.NewSweeper(w.env.Svc, cfg, nil, testenv.Logger(w.t))
}

func (w *world) sweep(s *alerts.Sweeper) alerts.Result {
	w.t.Helper()
	res, err := s.Sweep(w.ctx)
	if err != nil {
		w.t.Fatalf("sweep: %v", err)
	}
	return res
}

// activeOrders returns the demo's active scheduled (non-PRN) orders.
func (w *world) activeOrders() []mar.Order {
	w.t.Helper()
	var out []mar.Order
	prn := false
	err := w.env.Store.InTx(w.ctx, func(tx mar.Tx) error {
		var err error
		out, err = tx.ListOrders(mar.OrderFilter{FacilityID: w.env.Demo.Facility.ID, Statuses: []mar.OrderStatus{mar.OrderActive}, PRN: &prn})
		return err
	})
	if err != nil || len(out) == 0 {
		w.t.Fatalf("active orders: %d, %v", len(out), err)
	}
	return out
}

// addDose schedules a dose of the order due at due with a window of ±half.
func (w *world) addDose(o mar.Order, due time.Time, half time.Duration) mar.ScheduledDose {
	w.t.Helper()
	var d mar.ScheduledDose
	err := w.env.Store.InTx(w.ctx, func(tx mar.Tx) error {
		r, err := tx.GetResident(o.ResidentID)
		if err != nil {
			return err
		}
		d = mar.ScheduledDose{ID: mar.NewID(), FacilityID: o.FacilityID, OrderID: o.ID, ResidentID: r.ID, UnitID: r.UnitID,
			DueAt: due.UTC(), WindowStart: due.Add(-half).UTC(), WindowEnd: due.Add(half).UTC(), Status: mar.DoseScheduled}
		_, err = tx.InsertDoses([]mar.ScheduledDose{d})
		return err
	})
	if err != nil {
		w.t.Fatalf("add dose: %v", err)
	}
	return d
}

// document charts a dose the way the bedside capability does: status,
// who and when (raw SQL, as this capability has no charting method).
func (w *world) document(doseID string, status mar.DoseStatus, by string, at time.Time) {
	w.t.Helper()
	err := w.env.Store.Gorm().Exec(`UPDATE scheduled_doses SET status = ?, documented_by = ?, documented_at = ? WHERE id = ?`,
		string(status), by, at.UTC(), doseID).Error
	if err != nil {
		w.t.Fatalf("document dose: %v", err)
	}
}

func (w *world) dose(id string) mar.ScheduledDose {
	w.t.Helper()
	var out []mar.ScheduledDose
	err := w.env.Store.InTx(w.ctx, func(tx mar.Tx) error {
		ds, err := tx.ListDoses(mar.DoseFilter{})
		for _, d := range ds {
			if d.ID == id {
				out = append(out, d)
			}
		}
		return err
	})
	if err != nil || len(out) != 1 {
		w.t.Fatalf("dose %s: %v", id, err)
	}
	return out[0]
}

// alerts lists every alert of the facility.
func (w *world) alerts() []mar.Alert {
	w.t.Helper()
	var out []mar.Alert
	err := w.env.Store.InTx(w.ctx, func(tx mar.Tx) error {
		var err error
		out, err = tx.ListAlerts(mar.AlertFilter{FacilityID: w.env.Demo.Facility.ID, Status: mar.AlertAny})
		return err
	})
	if err != nil {
		w.t.Fatalf("list alerts: %v", err)
	}
	return out
}

func (w *world) alertsOf(kind mar.AlertKind) []mar.Alert {
	var out []mar.Alert
	for _, a := range w.alerts() {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	return out
}

// auditCount counts audit events with the action about the object.
func (w *world) auditCount(action, objectID string) int {
	w.t.Helper()
	var n int64
	q := w.env.Store.Gorm().Table("audit_events").Where("action = ?", action)
	if objectID != "" {
		q = q.Where("object_id = ?", objectID)
	}
	if err := q.Count(&n).Error; err != nil {
		w.t.Fatalf("count audit: %v", err)
	}
	return int(n)
}

func (w *world) verifyAudit() {
	w.t.Helper()
	n, brk, err := w.env.Store.VerifyAudit(w.ctx)
	if err != nil || brk != nil {
		w.t.Fatalf("audit chain after %d events: %v %v", n, brk, err)
	}
}
