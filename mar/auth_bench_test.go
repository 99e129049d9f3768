package mar_test

import (
	"context"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store/storetest"
)

// BenchmarkSessionCheck measures what every authenticated request pays
// before its handler runs: Service.Authenticate of a signed-in nurse's
// token, on each engine (PostgreSQL under scripts/with-postgres.sh).
//
//	scripts/with-postgres.sh go test ./mar -run '^$' -bench SessionCheck
func BenchmarkSessionCheck(b *testing.B) {
	for _, engine := range storetest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			env := testenv.Start(b, engine, testenv.Options{Now: time.Date(2026, 1, 14, 9, 0, 0, 0, time.UTC)})
			ctx := context.Background()
			login, err := env.Svc.Login(ctx, "nurse", demo.Password, mar.SessionDevice, mar.Identity{})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, _, err := env.Svc.Authenticate(ctx, login.Token); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
