package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store/storetest"
)

// Pharmacists and administrators have a second factor whether they like it
// or not: the first sign-in leads to enrolment and nothing else; enrolling
// ends every other session; a reset starts over.
func TestSecondFactorIsRequiredByRole(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{})
			admin := env.Login(t, "admin") // the demo admin is enrolled
			const pw = "mortar violet sunrise"
			var pia struct {
				ID string `json:"id"`
			}
			if st := admin.JSON("POST", "/api/v1/users", map[string]any{"username": "pia", "display_name": "Pia P", "role": "pharmacist", "password": pw}, &pia); st != http.StatusCreated {
				t.Fatalf("create pia: %d", st)
			}
			login := func(body map[string]string) testenv.Response {
				return env.Anonymous(t).Do("POST", "/api/v1/auth/login", body, nil)
			}
			session := func() *testenv.Client {
				t.Helper()
				r := login(map[string]string{"username": "pia", "password": pw})
				if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"second_factor_enrolment_required":true`) {
					t.Fatalf("first sign-in: %d %s", r.Status, r.Body)
				}
				c := env.Anonymous(t)
				c.Token = decode[struct {
					Token string `json:"token"`
				}](t, r).Token
				return c
			}
			p1, p2 := session(), session()

			// Until enrolled, nothing but enrolment.
			for _, tc := range []struct {
				method, path string
				want         int
			}{
				{"GET", "/api/v1/pharmacy/queue", http.StatusForbidden},
				{"GET", "/api/v1/residents", http.StatusForbidden},
				{"POST", "/api/v1/auth/logout-all", http.StatusForbidden},
				{"GET", "/api/v1/me", http.StatusOK},
			} {
				r := p1.Do(tc.method, tc.path, nil, nil)
				if r.Status != tc.want || (tc.want == http.StatusForbidden && r.Err(t).Error.Reason != "second_factor_enrolment_required") {
					t.Errorf("%s %s before enrolment: %d %s", tc.method, tc.path, r.Status, r.Body)
				}
			}
			noFollow, hc := *p1, *p1.HTTP
			hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			noFollow.HTTP = &hc
			if r := noFollow.Do("GET", "/pharmacy", nil, map[string]string{"Accept": "text/html"}); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/enrol" {
				t.Errorf("the pharmacy page before enrolment: %d %s", r.Status, r.Header.Get("Location"))
			}
			var enr struct {
				Secret string `json:"secret"`
				URL    string `json:"otpauth_url"`
				QR     string `json:"qr_png"`
			}
			if st := p1.JSON("POST", "/api/v1/auth/totp/enroll", nil, &enr); st != http.StatusOK || enr.Secret == "" ||
				!strings.HasPrefix(enr.QR, "data:image/png;base64,") || !strings.HasPrefix(enr.URL, "otpauth://totp/") {
				t.Fatalf("enrol: %d %+v", st, enr)
			}
			if r := p1.Do("POST", "/api/v1/auth/totp/confirm", map[string]string{"code": "000000"}, nil); r.Status != http.StatusBadRequest || r.Err(t).Error.Field != "code" {
				t.Fatalf("confirm with a wrong code: %d %s", r.Status, r.Body)
			}
			code, _ := mar.TOTPCode(enr.Secret, env.Clock.Now())
			var conf struct {
				RecoveryCodes []string `json:"recovery_codes"`
			}
			if st := p1.JSON("POST", "/api/v1/auth/totp/confirm", map[string]string{"code": code}, &conf); st != http.StatusOK || len(conf.RecoveryCodes) != 10 {
				t.Fatalf("confirm: %d %+v", st, conf)
			}
			if r := p2.Do("GET", "/api/v1/me", nil, nil); r.Status != http.StatusUnauthorized || r.Err(t).Error.Reason != "signed_out" {
				t.Errorf("the other session after enrolment: %d %s", r.Status, r.Body)
			}
			if st := p1.JSON("GET", "/api/v1/pharmacy/queue", nil, nil); st != http.StatusOK {
				t.Errorf("the enrolling session after enrolment: %d", st)
			}
			if r := p1.Do("POST", "/api/v1/auth/totp/enroll", nil, nil); r.Status != http.StatusConflict || r.Err(t).Error.Reason != "already_enrolled" {
				t.Errorf("a second enrolment over a working factor: %d %s", r.Status, r.Body)
			}

			// From now on the password alone is not enough.
			code, _ = mar.TOTPCode(enr.Secret, env.Clock.Now())
			recovery := strings.ToUpper(strings.ReplaceAll(conf.RecoveryCodes[3], "-", ""))
			for _, tc := range []struct {
				name, code string
				want       int
				reason     string
			}{
				{"password alone", "", http.StatusUnauthorized, "second_factor_required"},
				{"wrong code", "123456", http.StatusUnauthorized, "second_factor_wrong"},
				{"right code", code, http.StatusOK, ""},
				{"a recovery code, typed loosely", recovery, http.StatusOK, ""},
				{"the same recovery code again", conf.RecoveryCodes[3], http.StatusUnauthorized, "second_factor_wrong"},
			} {
				r := login(map[string]string{"username": "pia", "password": pw, "totp": tc.code})
				if r.Status != tc.want || (tc.reason != "" && r.Err(t).Error.Reason != tc.reason) || strings.Contains(string(r.Body), "enrolment_required") {
					t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
				}
			}

			// A reset (lost phone) ends her sessions; she enrols again.
			if st := admin.JSON("POST", "/api/v1/users/"+pia.ID+"/totp/reset", nil, nil); st != http.StatusNoContent {
				t.Fatalf("reset: %d", st)
			}
			if st := p1.JSON("GET", "/api/v1/me", nil, nil); st != http.StatusUnauthorized {
				t.Errorf("her session after the reset: %d", st)
			}
			session()

			// The badge is not a way round it, and nurses have no factor.
			r := env.Anonymous(t).Do("POST", "/api/v1/auth/badge", map[string]string{"scan": "EMP01004", "pin": demo.PIN}, nil)
			if r.Status != http.StatusUnauthorized || r.Err(t).Error.Reason != "second_factor_required" {
				t.Errorf("pharmacist's badge: %d %s", r.Status, r.Body)
			}
			if st := env.Login(t, "nurse").JSON("POST", "/api/v1/auth/totp/enroll", nil, nil); st != http.StatusForbidden {
				t.Errorf("nurse enrolment: %d", st)
			}

			// Made an administrator, a nurse must enrol before anything else.
			nurse, _ := env.SignIn(t, "nurse2", demo.Password)
			var n2 struct {
				ID string `json:"id"`
			}
			nurse.JSON("GET", "/api/v1/me", nil, &n2)
			if st := admin.JSON("PATCH", "/api/v1/users/"+n2.ID, map[string]any{"role": "admin"}, nil); st != http.StatusOK {
				t.Fatalf("promote: %d", st)
			}
			if r := nurse.Do("GET", "/api/v1/users", nil, nil); r.Status != http.StatusForbidden || r.Err(t).Error.Reason != "second_factor_enrolment_required" {
				t.Errorf("a new administrator without a factor: %d %s", r.Status, r.Body)
			}
		})
	}
}
