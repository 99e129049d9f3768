package web_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar/demo"
)

// browserClient is an HTTP client that keeps cookies like a browser and
// does not follow redirects, so the tests see them.
type browserClient struct {
	t    *testing.T
	base string
	http *http.Client
}

func newBrowserClient(t *testing.T, env *testenv.Env) *browserClient {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browserClient{t: t, base: env.URL, http: hc}
}

func (b *browserClient) do(method, path, body string, header map[string]string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.base+path, strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

var htmlAccept = map[string]string{"Accept": "text/html,application/xhtml+xml"}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

func TestPagesSendStrangersToSignIn(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	b := newBrowserClient(t, env)
	for _, path := range []string{"/home"} {
		resp, _ := b.do("GET", path, "", htmlAccept)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/?next="+strings.ReplaceAll(path, "/", "%2F") {
			t.Errorf("GET %s: %d to %q, want 303 to the sign-in page", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	// The API still answers JSON.
	resp, body := b.do("GET", "/home", "", nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"unauthenticated"`) {
		t.Fatalf("GET /home as an API call: %d %s", resp.StatusCode, body)
	}
}

func TestCookieWritesNeedTheSessionsCSRFToken(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	b := newBrowserClient(t, env)
	resp, body := b.do("POST", "/api/v1/auth/login", `{"username":"admin","password":"`+demo.Password+`","kind":"web","totp":"`+demo.TOTPCode("admin", env.Clock.Now())+`"}`, nil)
	if resp.StatusCode != http.StatusOK || strings.Contains(body, `"token"`) {
		t.Fatalf("web sign-in: %d %s (a web session's token lives only in the cookie)", resp.StatusCode, body)
	}
	resp, page := b.do("GET", "/home", "", htmlAccept)
	m := csrfMeta.FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("home page: %d, csrf meta %v", resp.StatusCode, m)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP %q", csp)
	}
	for _, tt := range []struct {
		name   string
		header map[string]string
	}{
		{"no token", nil},
		{"a wrong token", map[string]string{"X-CSRF-Token": "not-the-token"}},
	} {
		resp, body := b.do("POST", "/api/v1/auth/logout", "", tt.header)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `"csrf"`) {
			t.Fatalf("logout with %s: %d %s", tt.name, resp.StatusCode, body)
		}
	}
	resp, body = b.do("POST", "/api/v1/auth/logout", "", map[string]string{"X-CSRF-Token": m[1]})
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("logout with the token: %d %s", resp.StatusCode, body)
	}
	resp, _ = b.do("GET", "/home", "", htmlAccept)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/?next=") {
		t.Fatalf("after sign-out: %d to %q", resp.StatusCode, loc)
	}
}

func TestStaticFilesAndTheDemoSheetSwitch(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{NoDemo: true})
	b := newBrowserClient(t, env)
	tests := []struct {
		path       string
		wantStatus int
		wantType   string
	}{
		{"/static/app.css", http.StatusOK, "text/css"},
		{"/static/common.js", http.StatusOK, "text/javascript"},
		{"/static/../routes.go", http.StatusNotFound, ""},
		{"/static/", http.StatusNotFound, ""},
		{"/demo/barcodes", http.StatusNotFound, ""},
		{"/demo/barcodes/wristband-MRN00100001.png", http.StatusNotFound, ""},
		{"/", http.StatusOK, "text/html"},
	}
	for _, tt := range tests {
		resp, body := b.do("GET", tt.path, "", htmlAccept)
		if resp.StatusCode != tt.wantStatus || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.wantType) {
			t.Errorf("GET %s: %d %s, want %d %s", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), tt.wantStatus, tt.wantType)
		}
		if tt.path == "/" && strings.Contains(body, "Trying the demo") {
			t.Errorf("the sign-in page explains demo accounts on a server without them")
		}
	}
}
