package web_test

import (
	"net/http"
	"testing"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// An account's life: its own password change, an administrator's reset,
// disable and re-enable, role and unit changes. Each is audited, and each
// that should ends the account's sessions and tokens at once.
func TestAccountLifecycle(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{})
			admin := env.Login(t, "admin")
			unitA, unitB := env.Demo.Units[0].ID, env.Demo.Units[1].ID
			const first, second, third = "lantern orchard quiet", "copper kettle morning", "harbour pebble evening"
			var wendy struct {
				ID string `json:"id"`
			}
			if st := admin.JSON("POST", "/api/v1/users", map[string]any{"username": "wendy", "display_name": "Wendy W", "role": "nurse",
				"password": first, "unit_ids": []string{unitA}}, &wendy); st != http.StatusCreated {
				t.Fatalf("create wendy: %d", st)
			}
			signedIn := func(password string) *testenv.Client { return loginAs(t, env, "wendy", password) }
			ended := func(what string, cs ...*testenv.Client) {
				t.Helper()
				for i, c := range cs {
					if r := c.Do("GET", "/api/v1/me", nil, nil); r.Status != http.StatusUnauthorized || r.Err(t).Error.Reason != "signed_out" {
						t.Errorf("%s: session %d still answers: %d %s", what, i, r.Status, r.Body)
					}
				}
			}
			refused := func(password string) {
				t.Helper()
				r := env.Anonymous(t).Do("POST", "/api/v1/auth/login", map[string]string{"username": "wendy", "password": password}, nil)
				if r.Status != http.StatusUnauthorized || r.Err(t).Error.Reason != "bad_credentials" {
					t.Errorf("sign-in with %q: %d %s", password, r.Status, r.Body)
				}
			}

			// Password policy: length and the common-password list.
			a, b := signedIn(first), signedIn(first)
			for _, tc := range []struct {
				name, current, next, field, reason string
			}{
				{"too short", first, "short pass", "new_password", ""},
				{"common", first, "qwerty123456", "new_password", "common_password"},
				{"common in capitals", first, "QWERTY123456", "new_password", "common_password"},
				{"wrong current password", "not the password", second, "current_password", "current_password_wrong"},
			} {
				r := a.Do("POST", "/api/v1/me/password", map[string]string{"current_password": tc.current, "new_password": tc.next}, nil)
				if r.Status != http.StatusBadRequest || r.Err(t).Error.Field != tc.field || (tc.reason != "" && r.Err(t).Error.Reason != tc.reason) {
					t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
				}
			}
			if st := a.JSON("GET", "/api/v1/me", nil, nil); st != http.StatusOK {
				t.Fatalf("a refused change ended the session: %d", st)
			}

			// Her own change ends every session, this one too.
			if r := a.Do("POST", "/api/v1/me/password", map[string]string{"current_password": first, "new_password": second}, nil); r.Status != http.StatusNoContent {
				t.Fatalf("change own password: %d %s", r.Status, r.Body)
			}
			ended("own change", a, b)
			refused(first)
			c := signedIn(second)

			// An administrator's reset ends them too.
			if r := admin.Do("POST", "/api/v1/users/"+wendy.ID+"/password", map[string]string{"new_password": "qwerty123456"}, nil); r.Status != http.StatusBadRequest {
				t.Errorf("reset to a common password: %d %s", r.Status, r.Body)
			}
			if r := admin.Do("POST", "/api/v1/users/"+wendy.ID+"/password", map[string]string{"new_password": third}, nil); r.Status != http.StatusNoContent {
				t.Fatalf("reset: %d %s", r.Status, r.Body)
			}
			ended("reset", c)
			refused(second)
			d := signedIn(third)

			// Disabled: sessions end, sign-in answers like a wrong password.
			if r := admin.Do("POST", "/api/v1/users/"+wendy.ID+"/disable", nil, nil); r.Status != http.StatusOK {
				t.Fatalf("disable: %d %s", r.Status, r.Body)
			}
			ended("disable", d)
			refused(third)
			if r := admin.Do("POST", "/api/v1/users/"+wendy.ID+"/enable", nil, nil); r.Status != http.StatusOK {
				t.Fatalf("enable: %d %s", r.Status, r.Body)
			}
			e := signedIn(third)

			// Role and units: in force from her next request.
			var changed struct {
				Role    string   `json:"role"`
				UnitIDs []string `json:"unit_ids"`
			}
			if st := admin.JSON("PATCH", "/api/v1/users/"+wendy.ID, map[string]any{"role": "charge_nurse", "unit_ids": []string{unitB}}, &changed); st != http.StatusOK ||
				changed.Role != "charge_nurse" || len(changed.UnitIDs) != 1 || changed.UnitIDs[0] != unitB {
				t.Fatalf("change role and units: %d %+v", st, changed)
			}
			var me struct {
				Role string `json:"role"`
			}
			if st := e.JSON("GET", "/api/v1/me", nil, &me); st != http.StatusOK || me.Role != "charge_nurse" {
				t.Fatalf("after the change: %d %+v", st, me)
			}
			if r := e.Do("GET", "/api/v1/alerts?unit_id="+unitB, nil, nil); r.Status != http.StatusOK {
				t.Errorf("the new unit's alerts: %d", r.Status)
			}
			for _, tc := range []struct {
				name string
				body map[string]any
				want int
			}{
				{"unknown role", map[string]any{"role": "queen"}, http.StatusBadRequest},
				{"unknown unit", map[string]any{"unit_ids": []string{mar.NewID()}}, http.StatusBadRequest},
				{"mass assignment", map[string]any{"active": false}, http.StatusBadRequest},
			} {
				if r := admin.Do("PATCH", "/api/v1/users/"+wendy.ID, tc.body, nil); r.Status != tc.want {
					t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
				}
			}

			// An administrator neither disables nor demotes themselves.
			var self struct {
				ID string `json:"id"`
			}
			admin.JSON("GET", "/api/v1/me", nil, &self)
			if r := admin.Do("POST", "/api/v1/users/"+self.ID+"/disable", nil, nil); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("disable self: %d %s", r.Status, r.Body)
			}
			if r := admin.Do("PATCH", "/api/v1/users/"+self.ID, map[string]any{"role": "nurse"}, nil); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("demote self: %d %s", r.Status, r.Body)
			}

			// Each change is in the audit trail.
			var trail struct {
				Items []struct {
					Action  string `json:"action"`
					Outcome string `json:"outcome"`
				} `json:"items"`
			}
			admin.JSON("GET", "/api/v1/audit?object_id="+wendy.ID+"&sort=at", nil, &trail)
			seen := map[string]int{}
			for _, ev := range trail.Items {
				if ev.Outcome == "success" {
					seen[ev.Action]++
				}
			}
			for _, action := range []string{"user.create", "user.password_change", "user.password_reset", "user.disable", "user.enable", "user.update"} {
				if seen[action] != 1 {
					t.Errorf("%s: %d audit events, want 1 (%v)", action, seen[action], seen)
				}
			}
		})
	}
}
