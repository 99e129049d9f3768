package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store/storetest"
)

// twoServices runs two instances of the service (each its own store,
// connection pool, mar.Service and HTTP server) on one database, as two
// `emar serve` replicas behind a load balancer do. They share the clock.
func twoServices(t *testing.T, engine string) (a, b *testenv.Env) {
	t.Helper()
	dsn := storetest.NewDSN(t, engine)
	a = testenv.Start(t, engine, testenv.Options{DSN: dsn, Now: t0})
	b = testenv.Start(t, engine, testenv.Options{DSN: dsn, NoDemo: true, Now: t0})
	b.Svc.Clock, b.Clock, b.Demo = a.Clock, a.Clock, a.Demo
	return a, b
}

// on returns the same credentials pointed at another instance.
func on(env *testenv.Env, c *testenv.Client) *testenv.Client {
	moved := *c
	moved.Base, moved.HTTP = env.URL, env.Server.Client()
	return &moved
}

// webSession signs in as a browser does ({"kind":"web"}, idle time-out
// applies) and returns a client carrying the session cookie's token.
func webSession(t *testing.T, env *testenv.Env, username, password string) *testenv.Client {
	t.Helper()
	c := env.Anonymous(t)
	r := c.Do("POST", "/api/v1/auth/login", map[string]string{"username": username, "password": password, "kind": "web"}, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("web sign-in %s: %d %s", username, r.Status, r.Body)
	}
	for _, ck := range r.Header.Values("Set-Cookie") {
		if v, ok := strings.CutPrefix(strings.SplitN(ck, ";", 2)[0], "emar_session="); ok {
			c.Token = v
			return c
		}
	}
	t.Fatalf("web sign-in %s: no session cookie in %v", username, r.Header.Values("Set-Cookie"))
	return nil
}

// answers asserts a GET /api/v1/me: 200, or 401 with the reason.
func answers(t *testing.T, c *testenv.Client, wantReason, what string) {
	t.Helper()
	r := c.Do("GET", "/api/v1/me", nil, nil)
	switch {
	case wantReason == "" && r.Status != http.StatusOK:
		t.Errorf("%s: %d %s; want 200", what, r.Status, r.Body)
	case wantReason != "" && (r.Status != http.StatusUnauthorized || r.Err(t).Error.Reason != wantReason):
		t.Errorf("%s: %d %s; want 401 %s", what, r.Status, r.Body, wantReason)
	}
}

// The session check every authenticated request pays is one short
// statement and no transaction: the session, its account, the account's
// units and second-factor state read together, and the last-seen time
// written at most once per mar.SessionTouchEvery (in the same statement on
// PostgreSQL; SQLite, which cannot update inside a query, adds one UPDATE
// then). GET /api/v1/me reads nothing else, so every statement counted is
// the session check's. It was 4-6 statements in a transaction.
//
// The accounts choose their own language: an account without one reads
// its units' languages, a separate read cached for a few seconds per
// facility (web/languages.go), not part of the session check.
func TestSessionCheckIsOneStatementWithoutATransaction(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{Now: t0})
			if err := env.Store.Gorm().Exec("UPDATE users SET language = 'en'").Error; err != nil {
				t.Fatal(err)
			}
			stmts := storetest.CountStatements(t, env.Store)
			touchMax := 1
			if engine == "sqlite" {
				touchMax = 2
			}
			for _, tc := range []struct {
				name   string
				client func() *testenv.Client
			}{
				{"a nurse's device token", func() *testenv.Client { return env.Login(t, "nurse") }},
				{"a pharmacist's (second factor) device token", func() *testenv.Client { return env.Login(t, "pharmacist") }},
				{"a browser session (idle time-out)", func() *testenv.Client { return webSession(t, env, "charge", demo.Password) }},
			} {
				t.Run(tc.name, func(t *testing.T) {
					c := tc.client()
					check := func(what string, max int) {
						t.Helper()
						stmts.Reset()
						answers(t, c, "", what)
						got := stmts.Since()
						if len(got) == 0 || len(got) > max {
							t.Errorf("%s: %d statements, want 1..%d:\n%s", what, len(got), max, strings.Join(got, "\n"))
						}
						for _, s := range got {
							if s == "BEGIN" || s == "COMMIT" || s == "ROLLBACK" {
								t.Errorf("%s: the session check runs a transaction:\n%s", what, strings.Join(got, "\n"))
								break
							}
						}
					}
					check("first request", 1)
					check("next request", 1)
					env.Clock.Advance(mar.SessionTouchEvery + time.Second)
					check("first request after the touch interval (last seen written)", touchMax)
					check("the request after it", 1)
				})
			}
		})
	}
}

// A sign-out, a revocation, a disable, a role or unit change made through
// one instance of the service holds on another instance on the same
// database at its very next request: nothing about a session is kept in a
// process between requests.
func TestSessionChangesHoldOnTheOtherInstanceAtTheNextRequest(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			a, b := twoServices(t, engine)
			admin := a.Login(t, "admin")
			unitA, unitB := a.Demo.Units[0].ID, a.Demo.Units[1].ID
			const password = "lantern orchard quiet"
			n := 0
			account := func(role string) (id, username string) {
				n++
				username = fmt.Sprintf("replica-%s-%d", role, n)
				var u struct {
					ID string `json:"id"`
				}
				if st := admin.JSON("POST", "/api/v1/users", map[string]any{"username": username, "display_name": "Replica " + role, "role": role,
					"password": password, "unit_ids": []string{unitA}}, &u); st != http.StatusCreated {
					t.Fatalf("create %s: %d", username, st)
				}
				return u.ID, username
			}

			for _, tc := range []struct {
				name   string
				role   string
				bare   bool // signed in with the password only: a session that must still enrol a second factor
				act    func(t *testing.T, userID, username string, onA *testenv.Client)
				reason string
			}{
				{"signed out", "nurse", false, func(t *testing.T, _, _ string, onA *testenv.Client) {
					if r := onA.Do("POST", "/api/v1/auth/logout", nil, nil); r.Status != http.StatusNoContent {
						t.Fatalf("sign out on A: %d %s", r.Status, r.Body)
					}
				}, "signed_out"},
				{"signed out everywhere from another session", "nurse", false, func(t *testing.T, _, username string, _ *testenv.Client) {
					other := loginAs(t, a, username, password)
					if r := other.Do("POST", "/api/v1/auth/logout-all", nil, nil); r.Status != http.StatusOK {
						t.Fatalf("sign out everywhere on A: %d %s", r.Status, r.Body)
					}
				}, "signed_out"},
				{"password reset by an administrator", "nurse", false, func(t *testing.T, id, _ string, _ *testenv.Client) {
					if r := admin.Do("POST", "/api/v1/users/"+id+"/password", map[string]string{"new_password": "copper kettle morning"}, nil); r.Status != http.StatusNoContent {
						t.Fatalf("reset on A: %d %s", r.Status, r.Body)
					}
				}, "signed_out"},
				{"account disabled", "nurse", false, func(t *testing.T, id, _ string, _ *testenv.Client) {
					if r := admin.Do("POST", "/api/v1/users/"+id+"/disable", nil, nil); r.Status != http.StatusOK {
						t.Fatalf("disable on A: %d %s", r.Status, r.Body)
					}
				}, "signed_out"},
				{"account disabled in the database without ending sessions", "nurse", false, func(t *testing.T, id, _ string, _ *testenv.Client) {
					if err := a.Store.Gorm().Exec("UPDATE users SET active = ? WHERE id = ?", false, id).Error; err != nil {
						t.Fatal(err)
					}
				}, "account_disabled"},
				{"session revoked in the database", "nurse", false, func(t *testing.T, id, _ string, _ *testenv.Client) {
					if err := a.Store.Gorm().Exec("UPDATE sessions SET revoked_at = ? WHERE user_id = ?", a.Clock.Now(), id).Error; err != nil {
						t.Fatal(err)
					}
				}, "signed_out"},
				{"other sessions ended by a second-factor enrolment", "pharmacist", true, func(t *testing.T, _, username string, _ *testenv.Client) {
					a.SignIn(t, username, password) // enrols and confirms: every other session ends
				}, "signed_out"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					id, username := account(tc.role)
					var onA *testenv.Client
					if tc.bare {
						onA = a.Anonymous(t)
						var out struct {
							Token string `json:"token"`
						}
						if st := onA.JSON("POST", "/api/v1/auth/login", map[string]string{"username": username, "password": password}, &out); st != http.StatusOK {
							t.Fatalf("sign in %s: %d", username, st)
						}
						onA.Token = out.Token
					} else {
						onA = loginAs(t, a, username, password)
					}
					onB := on(b, onA)
					answers(t, onB, "", "on B before")
					answers(t, onB, "", "on B again (anything B keeps is warm)")
					tc.act(t, id, username, onA)
					answers(t, onB, tc.reason, "on B at the next request")
					answers(t, onA, tc.reason, "on A")
				})
			}

			t.Run("role and units changed", func(t *testing.T) {
				id, username := account("nurse")
				onB := on(b, loginAs(t, a, username, password))
				type me struct {
					Role    string   `json:"role"`
					UnitIDs []string `json:"unit_ids"`
				}
				var before, after me
				if st := onB.JSON("GET", "/api/v1/me", nil, &before); st != http.StatusOK || before.Role != "nurse" {
					t.Fatalf("on B before: %d %+v", st, before)
				}
				if r := onB.Do("GET", "/api/v1/alerts?unit_id="+unitB, nil, nil); r.Status != http.StatusForbidden {
					t.Fatalf("another unit's alerts before the change: %d %s", r.Status, r.Body)
				}
				if st := admin.JSON("PATCH", "/api/v1/users/"+id, map[string]any{"role": "charge_nurse", "unit_ids": []string{unitB}}, nil); st != http.StatusOK {
					t.Fatalf("change on A: %d", st)
				}
				if st := onB.JSON("GET", "/api/v1/me", nil, &after); st != http.StatusOK || after.Role != "charge_nurse" ||
					len(after.UnitIDs) != 1 || after.UnitIDs[0] != unitB {
					t.Errorf("on B at the next request: %d %+v", st, after)
				}
				if r := onB.Do("GET", "/api/v1/alerts?unit_id="+unitB, nil, nil); r.Status != http.StatusOK {
					t.Errorf("the new unit's alerts on B: %d %s", r.Status, r.Body)
				}
				if r := onB.Do("GET", "/api/v1/alerts?unit_id="+unitA, nil, nil); r.Status != http.StatusForbidden {
					t.Errorf("the old unit's alerts on B: %d %s", r.Status, r.Body)
				}
			})
		})
	}
}

// A browser session ends after mar.Config.IdleTimeout without a request,
// judged on the service's clock, whichever instance saw the last request.
// The last-seen time is written at most once per mar.SessionTouchEvery, so
// a session ends between IdleTimeout-SessionTouchEvery and IdleTimeout
// after its last request, never later; a refused request never revives it.
func TestIdleTimeoutHoldsWithinTheTouchInterval(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			a, b := twoServices(t, engine)
			idle, every := a.Svc.Config.IdleTimeout, mar.SessionTouchEvery
			const µs = time.Microsecond
			type probe struct {
				at     time.Duration // after sign-in
				reason string        // "" = answered
			}
			for _, tc := range []struct {
				name     string
				activity []time.Duration // requests on A, after sign-in
				probes   []probe         // then on B
			}{
				{"no request: answered at exactly the time-out", nil, []probe{{idle, ""}}},
				{"no request: ends just after the time-out", nil, []probe{{idle + µs, "idle_timeout"}}},
				{"a request within the touch interval is not written: ends at most that interval early",
					[]time.Duration{every}, []probe{{idle + µs, "idle_timeout"}}},
				{"a request after the touch interval is written: the time-out starts again",
					[]time.Duration{every + µs}, []probe{{idle + µs, ""}}},
				{"… and ends just after the time-out from that request",
					[]time.Duration{every + µs}, []probe{{every + µs + idle + µs, "idle_timeout"}}},
				{"a request every ten minutes keeps it for an hour and more",
					[]time.Duration{10 * time.Minute, 20 * time.Minute, 30 * time.Minute, 40 * time.Minute, 50 * time.Minute, 60 * time.Minute},
					[]probe{{60*time.Minute + idle, ""}}},
				{"a refused request does not revive it",
					nil, []probe{{idle + µs, "idle_timeout"}, {idle + every + time.Second, "idle_timeout"}, {idle + 2*every + time.Second, "idle_timeout"}}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					start := a.Clock.Now()
					onA := webSession(t, a, "nurse", demo.Password)
					onB := on(b, onA)
					for _, at := range tc.activity {
						a.Clock.Set(start.Add(at))
						answers(t, onA, "", fmt.Sprintf("request on A at +%v", at))
					}
					for _, p := range tc.probes {
						a.Clock.Set(start.Add(p.at))
						answers(t, onB, p.reason, fmt.Sprintf("on B at +%v", p.at))
					}
					a.Clock.Set(start.Add(3 * time.Hour)) // the next case starts later
				})
			}

			t.Run("a device session has no idle time-out", func(t *testing.T) {
				start := a.Clock.Now()
				onB := on(b, a.Login(t, "nurse"))
				a.Clock.Set(start.Add(2 * time.Hour))
				answers(t, onB, "", "device on B two idle hours later")
				a.Clock.Set(start.Add(a.Svc.Config.DeviceLifetime))
				answers(t, onB, "session_expired", "device on B at its absolute lifetime")
			})
		})
	}
}
