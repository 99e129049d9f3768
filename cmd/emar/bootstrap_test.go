package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store/storetest"
)

// syncBuffer is a bytes.Buffer safe to read while serve writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// served is a running emar serve.
type served struct {
	base, metrics string
}

// serve runs emar serve with args until the test ends and returns its
// addresses, read from what it prints.
func serve(t *testing.T, args ...string) served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"emar", "serve", "--addr", "127.0.0.1:0", "--alerts=false", "--audit-key", filepath.Join(t.TempDir(), "signing.key")}, args...), func(k string) string {
			if k == "EMAR_DEMO_HISTORY" {
				return "0s" // the demo without its history (slow; tested in mar/demo)
			}
			return ""
		}, out, errb)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	})
	ready := regexp.MustCompile(`emar is ready on (http://\S+)`)
	metrics := regexp.MustCompile(`metrics on (http://\S+)/metrics`)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, errb.String())
		default:
		}
		if m := ready.FindStringSubmatch(out.String()); m != nil {
			s := served{base: m[1]}
			if m := metrics.FindStringSubmatch(out.String()); m != nil {
				s.metrics = m[1]
			}
			return s
		}
	}
	t.Fatalf("serve did not start: %s %s", out.String(), errb.String())
	return served{}
}

func httpDo(t *testing.T, method, url, contentType, token string, body io.Reader) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func signIn(t *testing.T, base, username, password string) (int, string) {
	t.Helper()
	req := map[string]string{"username": username, "password": password}
	if code := demo.TOTPCode(username, time.Now()); code != "" && password == demo.Password {
		req["totp"] = code
	}
	b, _ := json.Marshal(req)
	st, body := httpDo(t, "POST", base+"/api/v1/auth/login", "application/json", "", bytes.NewReader(b))
	var out struct {
		Token string `json:"token"`
	}
	_ = json.Unmarshal(body, &out)
	return st, out.Token
}

// withStdin feeds the password prompt.
func withStdin(t *testing.T, text string) {
	t.Helper()
	old := stdin
	stdin = strings.NewReader(text)
	t.Cleanup(func() { stdin = old })
}

const firstPassword = "quiet lantern orchard 42"

// A fresh database gets its first administrator from the command line,
// with the password on stdin, and that account signs in over HTTP.
func TestUsersAddCreatesTheFirstAdministrator(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.NewDSN(t, engine)
			add := func(password string, args ...string) (int, string, string) {
				withStdin(t, password)
				return emar(t, nil, append([]string{"users", "add", "--db", dsn}, args...)...)
			}
			tests := []struct {
				name     string
				password string
				args     []string
				wantCode int
				want     string
			}{
				{"no facility yet", firstPassword + "\n", []string{"--username", "boss", "--role", "admin"}, 1, "facility"},
				{"unknown role", firstPassword + "\n", []string{"--username", "boss", "--role", "king"}, 2, "--role must be one of"},
				{"no password on stdin", "", []string{"--username", "boss", "--role", "admin", "--facility", "Home"}, 1, "no password on stdin"},
				{"short password", "short\n", []string{"--username", "boss", "--role", "admin", "--facility", "Home"}, 1, "password: must be at least 12"},
				{"password as a flag", firstPassword + "\n", []string{"--username", "boss", "--role", "admin", "--password", "x"}, 2, "flag provided but not defined: -password"},
				{"created", firstPassword + "\n", []string{"--username", "boss", "--role", "admin", "--facility", "Maple House", "--tz", "America/New_York"}, 0, "account boss (admin) created"},
				{"taken", firstPassword + "\n", []string{"--username", "boss", "--role", "admin"}, 1, "already taken"},
			}
			for _, tc := range tests {
				code, out, errOut := add(tc.password, tc.args...)
				if code != tc.wantCode || !strings.Contains(out+errOut, tc.want) {
					t.Errorf("%s: exit %d %q %q; want %d with %q", tc.name, code, out, errOut, tc.wantCode, tc.want)
				}
			}
			s := serve(t, "--db", dsn)
			if st, token := signIn(t, s.base, "boss", firstPassword); st != http.StatusOK || token == "" {
				t.Fatalf("the new administrator signs in: %d", st)
			}
			// The first-run page is closed once someone can sign in.
			if st, body := httpDo(t, "GET", s.base+"/setup", "", "", nil); st != http.StatusNotFound {
				t.Errorf("setup page after users add: %d %s", st, body)
			}
		})
	}
}

// The first-run page creates the facility and first administrator while
// nobody can sign in, and is gone afterwards.
func TestFirstRunPageWorksOnlyUntilSomeoneCanSignIn(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.NewDSN(t, engine)
			s := serve(t, "--db", dsn)
			if st, body := httpDo(t, "GET", s.base+"/setup", "", "", nil); st != http.StatusOK || !strings.Contains(string(body), "Facility name") {
				t.Fatalf("setup page on an empty database: %d %s", st, body)
			}
			post := func(v url.Values) (int, string) {
				st, body := httpDo(t, "POST", s.base+"/setup", "application/x-www-form-urlencoded", "", strings.NewReader(v.Encode()))
				return st, string(body)
			}
			form := url.Values{"facility": {"Maple House"}, "time_zone": {"Europe/Berlin"}, "username": {"first"}, "password": {firstPassword}}
			bad := url.Values{"facility": {"Maple House"}, "time_zone": {"Mars/Olympus"}, "username": {"first"}, "password": {firstPassword}}
			if st, body := post(bad); st != http.StatusBadRequest || !strings.Contains(body, "time_zone") {
				t.Fatalf("unknown zone: %d %s", st, body)
			}
			if st, body := post(form); st != http.StatusCreated || !strings.Contains(body, "is ready") {
				t.Fatalf("set up: %d %s", st, body)
			}
			if st, _ := signIn(t, s.base, "first", firstPassword); st != http.StatusOK {
				t.Fatalf("the first administrator signs in: %d", st)
			}
			form.Set("username", "second")
			if st, body := post(form); st != http.StatusNotFound {
				t.Fatalf("a second set-up: %d %s", st, body)
			}
			if st, _ := signIn(t, s.base, "second", firstPassword); st != http.StatusUnauthorized {
				t.Fatalf("the second set-up made an account: %d", st)
			}
		})
	}
}

// /healthz names the version emar --version prints; /metrics answers an
// administrator on the service's address and anyone on its own address.
func TestVersionAndMetricsOverHTTP(t *testing.T) {
	code, out, _ := emar(t, nil, "--version")
	if code != 0 || !strings.HasPrefix(out, "emar ") {
		t.Fatalf("--version: %d %q", code, out)
	}
	version := strings.TrimSpace(strings.TrimPrefix(out, "emar "))
	dsn := storetest.NewDSN(t, "sqlite")
	s := serve(t, "--db", dsn, "--demo", "--metrics-addr", "127.0.0.1:0")
	st, body := httpDo(t, "GET", s.base+"/healthz", "", "", nil)
	var h struct{ Status, Version string }
	if err := json.Unmarshal(body, &h); st != http.StatusOK || err != nil || h.Version != version {
		t.Fatalf("healthz: %d %s, want version %q", st, body, version)
	}
	if s.metrics == "" {
		t.Fatal("serve did not print the metrics address")
	}
	_, nurse := signIn(t, s.base, "nurse", "demo")
	_, admin := signIn(t, s.base, "admin", "demo")
	for _, tc := range []struct {
		name, url, token string
		want             int
	}{
		{"anonymous on the service address", s.base + "/metrics", "", http.StatusUnauthorized},
		{"a nurse on the service address", s.base + "/metrics", nurse, http.StatusForbidden},
		{"an administrator on the service address", s.base + "/metrics", admin, http.StatusOK},
		{"anyone on the metrics address", s.metrics + "/metrics", "", http.StatusOK},
		{"nothing else on the metrics address", s.metrics + "/api/v1/me", "", http.StatusNotFound},
	} {
		st, body := httpDo(t, "GET", tc.url, "", tc.token, nil)
		if st != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, st, tc.want)
		}
		if st == http.StatusOK && !strings.Contains(string(body), "emar_http_requests_total") {
			t.Errorf("%s: not the metrics: %.200s", tc.name, body)
		}
	}
}

// Database names without a known scheme are refused with the accepted
// forms, and commands that read a database never create one.
func TestDatabaseNamesAndStrayFiles(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no scheme", []string{"migrate", "--db", "nonsense"}, `has no scheme; accepted forms: sqlite:PATH`},
		{"mysql", []string{"migrate", "--db", "mysql://root@localhost/emar"}, `the mysql engine is not supported; accepted forms: sqlite:PATH`},
		{"verify a mistyped path", []string{"audit", "verify", "--db", "sqlite:" + filepath.Join(dir, "emr.db")}, "no database at"},
		{"checkpoint a mistyped path", []string{"audit", "checkpoint", "--db", "sqlite:" + filepath.Join(dir, "emr.db"), "--audit-key", "k", "--audit-checkpoints", dir}, "audit key"},
		{"verify without the public key", []string{"audit", "verify", "--db", "sqlite:" + filepath.Join(dir, "emr.db"), "--audit-checkpoints", dir}, "--audit-pubkey must be"},
	}
	for _, tc := range tests {
		code, _, stderr := emar(t, nil, tc.args...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d %q, want non-zero with %q", tc.name, code, stderr, tc.want)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("stray file left behind: %s", e.Name())
	}
}

// keygen keeps an existing key unless told to replace it.
func TestKeygenRefusesToOverwrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.key")
	if code, _, stderr := emar(t, nil, "audit", "keygen", "--out", path); code != 0 {
		t.Fatalf("first keygen: %s", stderr)
	}
	first, _ := os.ReadFile(path)
	code, _, stderr := emar(t, nil, "audit", "keygen", "--out", path)
	if code == 0 || !strings.Contains(stderr, "--force") {
		t.Fatalf("second keygen: %d %q", code, stderr)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(first, again) {
		t.Fatal("the refused keygen changed the key")
	}
	if code, _, stderr := emar(t, nil, "audit", "keygen", "--out", path, "--force"); code != 0 {
		t.Fatalf("keygen --force: %s", stderr)
	}
	if again, _ := os.ReadFile(path); bytes.Equal(first, again) {
		t.Fatal("keygen --force kept the old key")
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", fi.Mode(), err)
	}
}
