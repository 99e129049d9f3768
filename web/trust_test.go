package web_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

func TestBreakGlassIsTimeBoxedAndFlagged(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{})
			admin := env.Login(t, "admin")
			var list struct {
				Items []struct{ ID string } `json:"items"`
			}
			nurse := env.Login(t, "nurse")
			nurse.JSON("GET", "/api/v1/residents", nil, &list)
			resident := list.Items[0].ID
			if st := admin.JSON("GET", "/api/v1/residents/"+resident, nil, nil); st != http.StatusForbidden {
				t.Fatalf("admin reads a record without break-glass: %d", st)
			}
			r := admin.Do("POST", "/api/v1/break-glass", map[string]string{"reason": "short"}, nil)
			if r.Status != http.StatusBadRequest || r.Err(t).Error.Field != "reason" {
				t.Fatalf("break-glass without a real reason: %d %s", r.Status, r.Body)
			}
			if st := admin.JSON("POST", "/api/v1/break-glass", map[string]string{"reason": "covering the night shift, no charge nurse on site"}, nil); st != http.StatusCreated {
				t.Fatalf("start break-glass: %d", st)
			}
			if st := admin.JSON("GET", "/api/v1/residents/"+resident, nil, nil); st != http.StatusOK {
				t.Fatalf("read under break-glass: %d", st)
			}
			if st := admin.JSON("POST", "/api/v1/orders", map[string]string{}, nil); st != http.StatusForbidden {
				t.Fatalf("break-glass opened a write: %d", st)
			}
			var flagged int
			_ = env.Store.EachAuditEvent(context.Background(), 0, func(e mar.AuditEvent) error {
				if e.BreakGlass && e.Action == "resident.read" && e.ResidentID == resident {
					flagged++
				}
				return nil
			})
			if flagged != 1 {
				t.Fatalf("%d flagged reads in the audit trail, want 1", flagged)
			}
			env.Clock.Advance(61 * time.Minute)
			if st := admin.JSON("GET", "/api/v1/residents/"+resident, nil, nil); st != http.StatusForbidden {
				t.Fatalf("read after the grant expired: %d", st)
			}
		})
	}
}
