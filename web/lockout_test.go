package web_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store/storetest"
)

// A lock tells nobody who exists: a real account and a name nobody has
// answer every attempt alike, before, at and after the lock.
func TestLockoutAnswersRealAndUnknownNamesAlike(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{})
			anon := env.Anonymous(t)
			try := func(name, password string) testenv.Response {
				return anon.Do("POST", "/api/v1/auth/login", map[string]string{"username": name, "password": password}, nil)
			}
			names := []string{"charge", "nobody-by-this-name"}
			for i := 0; i < 5; i++ {
				real, unknown := try(names[0], "guess"), try(names[1], "guess")
				if real.Status != http.StatusUnauthorized || string(real.Body) != string(unknown.Body) || real.Status != unknown.Status {
					t.Fatalf("attempt %d: real %d %s, unknown %d %s", i+1, real.Status, real.Body, unknown.Status, unknown.Body)
				}
			}
			for _, tc := range []struct{ name, password string }{
				{"charge", demo.Password}, // the right password while locked
				{"charge", "guess"},
				{"nobody-by-this-name", demo.Password},
				{"nobody-by-this-name", "guess"},
			} {
				r := try(tc.name, tc.password)
				if r.Status != http.StatusTooManyRequests || r.Err(t).Error.Reason != "account_locked" {
					t.Errorf("%s while locked: %d %s", tc.name, r.Status, r.Body)
				}
			}
			if real, unknown := try(names[0], "guess"), try(names[1], "guess"); string(real.Body) != string(unknown.Body) {
				t.Errorf("locked answers differ: %s vs %s", real.Body, unknown.Body)
			}
			env.Clock.Advance(16 * time.Minute)
			if real, unknown := try(names[0], "guess"), try(names[1], "guess"); real.Status != http.StatusUnauthorized || string(real.Body) != string(unknown.Body) {
				t.Errorf("after the lock: real %d %s, unknown %d %s", real.Status, real.Body, unknown.Status, unknown.Body)
			}
			env.Login(t, "charge")
		})
	}
}
