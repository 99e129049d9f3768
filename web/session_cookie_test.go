package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar/demo"
)

// The session cookie carries the session's lifetime as Max-Age, never an
// absolute Expires from the server's clock: a browser (or an HTTP client
// with a cookie jar) whose clock differs from the server's keeps the
// session exactly as long as the server does, and sends it on the next
// request whichever way the clocks differ.
func TestSessionCookieLivesOnTheBrowsersClock(t *testing.T) {
	real := time.Now()
	for _, tc := range []struct {
		name string
		at   time.Time
	}{
		{"the service a year behind the client", real.AddDate(-1, 0, 0)},
		{"the service on the client's time", real},
		{"the service a year ahead of the client", real.AddDate(1, 0, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := testenv.Start(t, "sqlite", testenv.Options{Now: tc.at})
			b := newBrowserClient(t, env)
			resp, body := b.do("POST", "/api/v1/auth/login", `{"username":"nurse","password":"`+demo.Password+`","kind":"web"}`, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("sign-in: %d %s", resp.StatusCode, body)
			}
			var session *http.Cookie
			for _, c := range resp.Cookies() {
				if c.Name == "emar_session" {
					session = c
				}
			}
			if session == nil {
				t.Fatalf("no session cookie in %q", resp.Header.Values("Set-Cookie"))
			}
			if want := int(env.Svc.Config.SessionLifetime / time.Second); session.MaxAge != want || !session.Expires.IsZero() {
				t.Fatalf("cookie %q: want Max-Age=%d and no Expires", resp.Header.Get("Set-Cookie"), want)
			}
			if strings.Contains(strings.ToLower(resp.Header.Get("Set-Cookie")), "expires=") {
				t.Fatalf("cookie %q names an absolute expiry", resp.Header.Get("Set-Cookie"))
			}
			// The jar (real clock) sends it back: the page opens signed in.
			if resp, _ := b.do("GET", "/bedside", "", htmlAccept); resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /bedside after sign-in: %d (Location %q)", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}
