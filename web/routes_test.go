package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar/store/storetest"
)

var pathParam = regexp.MustCompile(`[:*][A-Za-z_]+`)

// Every route with roles refuses a request without credentials, and with a
// forged token, before doing anything.
func TestEveryProtectedRouteRefusesAnonymousCallers(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{})
			anon := env.Anonymous(t)
			forged := env.Anonymous(t)
			forged.Token = "forged-token-that-was-never-issued"
			n := 0
			for _, r := range env.Web.Routes() {
				if r.Roles == nil {
					continue
				}
				n++
				path := pathParam.ReplaceAllString(r.Path, "01a0c5a3-0000-7000-8000-000000000000")
				for name, c := range map[string]*testenv.Client{"anonymous": anon, "forged": forged} {
					resp := c.Do(r.Method, path, "{}", nil)
					if resp.Status != http.StatusUnauthorized {
						t.Errorf("%s %s as %s: status %d, want 401", r.Method, r.Path, name, resp.Status)
						continue
					}
					if r.Path == "/fhir" || strings.HasPrefix(r.Path, "/fhir/") {
						// FHIR answers errors as an OperationOutcome.
						if !strings.Contains(string(resp.Body), `"resourceType":"OperationOutcome"`) || !strings.Contains(string(resp.Body), `"code":"login"`) {
							t.Errorf("%s %s: not an OperationOutcome with code login: %s", r.Method, r.Path, resp.Body)
						}
						continue
					}
					if e := resp.Err(t); e.Error.Code != "unauthenticated" {
						t.Errorf("%s %s: error code %q", r.Method, r.Path, e.Error.Code)
					}
				}
			}
			if n < 10 {
				t.Fatalf("only %d protected routes found; the table is not being walked", n)
			}
		})
	}
}

func TestEveryAPIRouteIsProtectedExceptSignIn(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{NoDemo: true})
	for _, r := range env.Web.Routes() {
		if strings.HasPrefix(r.Path, "/api/") && r.Roles == nil && r.Path != "/api/v1/auth/login" && !strings.HasPrefix(r.Path, "/api/v1/auth/") {
			t.Errorf("%s %s is public", r.Method, r.Path)
		}
	}
}

func TestSignInAndRoles(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	nurse := env.Login(t, "nurse")
	if st := nurse.JSON("GET", "/api/v1/residents", nil, nil); st != http.StatusOK {
		t.Fatalf("nurse lists residents: %d", st)
	}
	if st := nurse.JSON("GET", "/api/v1/users", nil, nil); st != http.StatusForbidden {
		t.Fatalf("nurse lists users: %d, want 403", st)
	}
	bad := env.Anonymous(t).Do("POST", "/api/v1/auth/login", map[string]string{"username": "nurse", "password": "wrong"}, nil)
	if bad.Status != http.StatusUnauthorized || bad.Err(t).Error.Reason != "bad_credentials" {
		t.Fatalf("wrong password: %d %s", bad.Status, bad.Body)
	}
	if st := nurse.JSON("POST", "/api/v1/auth/logout", nil, nil); st != http.StatusNoContent {
		t.Fatalf("logout: %d", st)
	}
	r := nurse.Do("GET", "/api/v1/residents", nil, nil)
	if r.Status != http.StatusUnauthorized || r.Err(t).Error.Reason != "signed_out" {
		t.Fatalf("after logout: %d %s", r.Status, r.Body)
	}
}

func TestUnknownFieldsAreRefusedWithTheirName(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	r := env.Anonymous(t).Do("POST", "/api/v1/auth/login", `{"username":"nurse","password":"demo","role":"admin"}`, nil)
	if r.Status != http.StatusBadRequest || r.Err(t).Error.Field != "role" {
		t.Fatalf("unknown field: %d %s", r.Status, r.Body)
	}
	r = env.Anonymous(t).Do("POST", "/api/v1/auth/login", `{"username":`, nil)
	if r.Status != http.StatusBadRequest {
		t.Fatalf("malformed JSON: %d %s", r.Status, r.Body)
	}
}

func TestRepeatedFailedSignInsLockTheAccount(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{})
			anon := env.Anonymous(t)
			for i := 0; i < 5; i++ {
				if r := anon.Do("POST", "/api/v1/auth/login", map[string]string{"username": "charge", "password": "guess"}, nil); r.Status != http.StatusUnauthorized {
					t.Fatalf("attempt %d: %d", i, r.Status)
				}
			}
			r := anon.Do("POST", "/api/v1/auth/login", map[string]string{"username": "charge", "password": "demo"}, nil)
			if r.Status != http.StatusTooManyRequests || r.Err(t).Error.Reason != "account_locked" {
				t.Fatalf("right password while locked: %d %s", r.Status, r.Body)
			}
			// Other accounts are not affected.
			env.Login(t, "nurse")
			env.Clock.Advance(16 * time.Minute)
			env.Login(t, "charge")
		})
	}
}

func TestIdleSessionsExpire(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	c := env.Anonymous(t)
	r := c.Do("POST", "/api/v1/auth/login", map[string]string{"username": "nurse", "password": "demo", "kind": "web"}, nil)
	if r.Status != http.StatusOK {
		t.Fatal(r.Status)
	}
	cookie := ""
	for _, ck := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(ck, "emar_session=") {
			cookie = strings.SplitN(ck, ";", 2)[0]
		}
	}
	if cookie == "" || !strings.Contains(strings.Join(r.Header.Values("Set-Cookie"), ";"), "HttpOnly") {
		t.Fatalf("no HttpOnly session cookie: %v", r.Header.Values("Set-Cookie"))
	}
	get := func() testenv.Response { return c.Do("GET", "/api/v1/me", nil, map[string]string{"Cookie": cookie}) }
	if r := get(); r.Status != http.StatusOK {
		t.Fatalf("fresh session: %d", r.Status)
	}
	env.Clock.Advance(16 * time.Minute)
	if r := get(); r.Status != http.StatusUnauthorized || r.Err(t).Error.Reason != "idle_timeout" {
		t.Fatalf("after 16 idle minutes: %d %s", r.Status, r.Body)
	}
}
