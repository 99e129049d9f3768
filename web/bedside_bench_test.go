package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/emar-project/emar/mar/store/storetest"
)

// The bedside benchmarks run the real service over loopback HTTP on each
// available engine (SQLite always, PostgreSQL with EMAR_TEST_PG_DSN):
//
//	scripts/with-postgres.sh go test -run '^$' -bench 'Bedside' -benchtime 2000x ./web
//
// An operation is one request: authentication, the checks and (for
// document) the transaction with its audit event and idempotency record.

// BenchmarkBedsideVerify times the medication scan: POST /bedside/verify.
func BenchmarkBedsideVerify(b *testing.B) {
	for _, engine := range storetest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			env := newBed(b, engine)
			env.env.Svc.Config.Bedside.ContextLifetime = 24 * time.Hour
			nurse := env.login("nurse")
			r := env.resident("Abbott")
			d := env.dose(env.order(r, "atorvastatin", false), env.env.Clock.Now(), time.Hour)
			payload, _ := json.Marshal(body{"context_id": scanWristband(b, nurse, r), "scan": env.pack(env.product("Atorvastatin")), "dose_id": d.ID})
			hc := loopbackClient()
			url := env.env.URL + "/api/v1/bedside/verify"
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				st, bd, _, err := rawPost(hc, url, nurse.Token, "", payload)
				if err != nil || st != http.StatusOK {
					b.Fatalf("verify: %d %v %s", st, err, bd)
				}
			}
		})
	}
}

// BenchmarkBedsideDocument times charting a dose: POST /administrations
// with an Idempotency-Key, one fresh dose per operation.
func BenchmarkBedsideDocument(b *testing.B) {
	for _, engine := range storetest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			env := newBed(b, engine)
			// One dose every two hours, the clock following: keep the
			// session and the wristband scan valid throughout.
			env.env.Svc.Config.Bedside.ContextLifetime = 100 * 365 * 24 * time.Hour
			env.env.Svc.Config.DeviceLifetime = 100 * 365 * 24 * time.Hour
			nurse := env.login("nurse")
			r := env.resident("Abbott")
			o := env.order(r, "atorvastatin", false)
			start := env.env.Clock.Now()
			dues := make([]time.Time, b.N)
			for i := range dues {
				dues[i] = start.Add(time.Duration(i) * 2 * time.Hour)
			}
			doses := env.doses(o, dues, time.Hour)
			ctx := scanWristband(b, nurse, r)
			scan := env.pack(env.product("Atorvastatin"))
			payloads := make([][]byte, b.N)
			for i, d := range doses {
				payloads[i], _ = json.Marshal(body{"context_id": ctx, "scan": scan, "dose_id": d.ID})
			}
			hc := loopbackClient()
			url := env.env.URL + "/api/v1/administrations"
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				env.env.Clock.Set(dues[i])
				st, bd, _, err := rawPost(hc, url, nurse.Token, fmt.Sprintf("bench-%d", i), payloads[i])
				if err != nil || st != http.StatusCreated {
					b.Fatalf("document %d: %d %v %s", i, st, err, bd)
				}
			}
		})
	}
}
