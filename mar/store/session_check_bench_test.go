package store_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// BenchmarkSessionCheck measures what every authenticated request pays
// before its handler runs: mar.Service.Authenticate of a nurse's device
// token, on each engine (PostgreSQL under scripts/with-postgres.sh).
// Interleaved with it, request by request, the transaction it replaced
// (BEGIN, the session by token hash, the user, the user's units, COMMIT:
// what the old check sent for a nurse), so that both see the same load
// on a shared machine: ns/op is the pair, and each half is reported as
// its own metric.
//
//	scripts/with-postgres.sh go test ./mar/store -run '^$' -bench SessionCheck
func BenchmarkSessionCheck(b *testing.B) {
	for _, engine := range storetest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			st := storetest.Open(b, engine)
			ctx := context.Background()
			now := time.Date(2026, 1, 14, 9, 0, 0, 0, time.UTC)
			svc := mar.NewService(st, nil)
			svc.Clock = fixedClock(now)
			fac := mar.Facility{ID: mar.NewID(), Name: "Bench Home", TimeZone: "UTC"}
			unit := mar.Unit{ID: mar.NewID(), FacilityID: fac.ID, Code: "A", Name: "Unit A", TimeZone: "UTC"}
			u := mar.User{ID: mar.NewID(), FacilityID: fac.ID, Username: "nina", DisplayName: "Nina", Role: mar.RoleNurse,
				PasswordHash: "x", Active: true, CreatedAt: now, UnitIDs: []string{unit.ID}}
			token := "bench-session-token"
			sess := mar.Session{ID: mar.NewID(), TokenHash: mar.TokenHash(token), UserID: u.ID, Kind: mar.SessionDevice,
				CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(12 * time.Hour), CSRFToken: "csrf"}
			if err := st.InTx(ctx, func(tx mar.Tx) error {
				for _, step := range []func() error{
					func() error { return tx.CreateFacility(&fac) },
					func() error { return tx.CreateUnit(&unit) },
					func() error { return tx.CreateUser(&u) },
					func() error { return tx.CreateSession(&sess) },
				} {
					if err := step(); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			replaced := func() error {
				return st.Gorm().WithContext(ctx).Transaction(func(g *gorm.DB) error {
					var s struct{ ID, UserID string }
					if err := g.Table("sessions").Where("token_hash = ?", sess.TokenHash).Take(&s).Error; err != nil {
						return err
					}
					var us struct{ ID, Username string }
					if err := g.Table("users").Where("id = ?", s.UserID).Take(&us).Error; err != nil {
						return err
					}
					var units []string
					return g.Table("user_units").Where("user_id = ?", us.ID).Order("unit_id").Pluck("unit_id", &units).Error
				})
			}
			var now1, old time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if _, _, err := svc.Authenticate(ctx, token); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if err := replaced(); err != nil {
					b.Fatal(err)
				}
				now1 += t1.Sub(t0)
				old += time.Since(t1)
			}
			b.ReportMetric(float64(now1.Nanoseconds())/float64(b.N), "check-ns/op")
			b.ReportMetric(float64(old.Nanoseconds())/float64(b.N), "replaced-tx-ns/op")
			b.ReportMetric(float64(old)/float64(now1), "replaced/check")
		})
	}
}
