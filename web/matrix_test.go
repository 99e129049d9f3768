package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// Role × route: every role a route does not list is refused with 403
// before anything happens.
func TestEveryRouteRefusesRolesItDoesNotList(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{})
			clients := map[mar.Role]*testenv.Client{}
			for role, name := range accountFor {
				clients[role] = env.Login(t, name)
			}
			cells := 0
			for _, r := range env.Web.Routes() {
				if r.Roles == nil {
					continue
				}
				path := pathParam.ReplaceAllString(r.Path, "01a0c5a3-0000-7000-8000-000000000000")
				for _, role := range mar.Roles {
					if roleListed(role, r.Roles) {
						continue
					}
					cells++
					resp := clients[role].Do(r.Method, path, "{}", nil)
					if resp.Status != http.StatusForbidden {
						t.Errorf("%s %s as %s: %d, want 403 (%s)", r.Method, r.Path, role, resp.Status, clip(resp.Body))
					}
				}
			}
			if cells < 20 {
				t.Fatalf("only %d refused cells checked", cells)
			}
		})
	}
}

func roleListed(r mar.Role, roles []mar.Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

// Own unit × other unit: staff assigned to one unit cannot see or chart
// residents of another, nor act on its alerts.
func TestUnitScopeHoldsOnEveryResidentRoute(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{})
			unitA, unitB := env.Demo.Units[0].ID, env.Demo.Units[1].ID
			admin := env.Login(t, "admin")
			for _, u := range []map[string]any{
				{"username": "nina", "display_name": "Nina A", "role": "nurse", "password": "correct horse battery", "unit_ids": []string{unitA}},
				{"username": "cara", "display_name": "Cara A", "role": "charge_nurse", "password": "correct horse battery", "unit_ids": []string{unitA}},
			} {
				if st := admin.JSON("POST", "/api/v1/users", u, nil); st != http.StatusCreated {
					t.Fatalf("create %s: %d", u["username"], st)
				}
			}
			login := func(name string) *testenv.Client {
				c := env.Anonymous(t)
				var out struct {
					Token string `json:"token"`
				}
				if st := c.JSON("POST", "/api/v1/auth/login", map[string]string{"username": name, "password": "correct horse battery"}, &out); st != http.StatusOK {
					t.Fatalf("login %s: %d", name, st)
				}
				c.Token = out.Token
				return c
			}
			nina, cara := login("nina"), login("cara")

			var residents struct {
				Items []struct {
					ID          string `json:"id"`
					UnitID      string `json:"unit_id"`
					WristbandID string `json:"wristband_id"`
				} `json:"items"`
			}
			env.Login(t, "pharmacist").JSON("GET", "/api/v1/residents", nil, &residents)
			var own, other struct{ ID, Wristband string }
			for _, r := range residents.Items {
				if r.UnitID == unitA && own.ID == "" {
					own.ID, own.Wristband = r.ID, r.WristbandID
				}
				if r.UnitID == unitB && other.ID == "" {
					other.ID, other.Wristband = r.ID, r.WristbandID
				}
			}
			// Both residents have a photo, so the photo's route answers on
			// the nurse's own unit.
			for _, id := range []string{own.ID, other.ID} {
				if r := admin.Do("PUT", "/api/v1/residents/"+id+"/photo", testPNG(t), map[string]string{"Content-Type": "image/png"}); r.Status != http.StatusOK {
					t.Fatalf("photo: %d %s", r.Status, clip(r.Body))
				}
			}
			var list struct {
				Items []struct {
					UnitID string `json:"unit_id"`
				} `json:"items"`
			}
			if st := nina.JSON("GET", "/api/v1/residents", nil, &list); st != http.StatusOK || len(list.Items) == 0 {
				t.Fatalf("nina's residents: %d", st)
			}
			for _, r := range list.Items {
				if r.UnitID != unitA {
					t.Fatalf("nina sees a resident of another unit")
				}
			}
			checked := 0
			for _, r := range env.Web.Routes() {
				if !strings.HasPrefix(r.Path, "/api/v1/residents/:id") || !roleListed(mar.RoleNurse, r.Roles) {
					continue
				}
				body := validBodies[r.Path]
				if body == nil {
					body = map[string]any{}
				}
				mine := nina.Do(r.Method, strings.Replace(r.Path, ":id", own.ID, 1), body, nil)
				theirs := nina.Do(r.Method, strings.Replace(r.Path, ":id", other.ID, 1), body, nil)
				if theirs.Status != http.StatusForbidden && theirs.Status != http.StatusNotFound {
					t.Errorf("%s %s for another unit's resident: %d (own unit: %d)", r.Method, r.Path, theirs.Status, mine.Status)
				}
				if mine.Status >= 400 {
					t.Errorf("%s %s refused for the nurse's own unit", r.Method, r.Path)
				}
				checked++
			}
			if checked < 4 {
				t.Fatalf("only %d resident routes checked", checked)
			}
			if r := nina.Do("POST", "/api/v1/bedside/wristband", map[string]string{"scan": other.Wristband}, nil); r.Status != http.StatusForbidden {
				t.Errorf("scan another unit's wristband: %d %s", r.Status, clip(r.Body))
			}
			if r := nina.Do("POST", "/api/v1/bedside/wristband", map[string]string{"scan": own.Wristband}, nil); r.Status != http.StatusOK {
				t.Errorf("scan own unit's wristband: %d %s", r.Status, clip(r.Body))
			}
			// A facility-wide break-glass grant raises an alert on both units.
			if st := admin.JSON("POST", "/api/v1/break-glass", map[string]string{"reason": "fire drill: evacuating, need med lists"}, nil); st != http.StatusCreated {
				t.Fatal(st)
			}
			var alerts struct {
				Items []struct {
					ID     string `json:"id"`
					UnitID string `json:"unit_id"`
				} `json:"items"`
			}
			env.Login(t, "charge").JSON("GET", "/api/v1/alerts?unit_id="+unitB, nil, &alerts)
			if len(alerts.Items) == 0 {
				t.Fatal("no alert on unit B")
			}
			if r := cara.Do("POST", "/api/v1/alerts/"+alerts.Items[0].ID+"/acknowledge", map[string]string{"note": "seen"}, nil); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
				t.Errorf("charge nurse of unit A acknowledges unit B's alert: %d %s", r.Status, clip(r.Body))
			}
			if r := cara.Do("GET", "/api/v1/alerts?unit_id="+unitB, nil, nil); r.Status != http.StatusForbidden {
				t.Errorf("charge nurse of unit A lists unit B's alerts: %d", r.Status)
			}
		})
	}
}

// validBodies make a write succeed for the right person, so that a refusal
// can only come from the unit scope.
var validBodies = map[string]any{
	"/api/v1/residents/:id/vitals": map[string]any{"kind": "heart_rate", "value": 72},
}
