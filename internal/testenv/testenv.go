// Package testenv starts the real service for end-to-end tests: a fresh
// migrated database on the requested engine, the demo data set, a settable
// clock and the HTTP server on a loopback port.
package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/emar-project/emar/alerts"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store"
	"github.com/emar-project/emar/mar/store/storetest"
	"github.com/emar-project/emar/web"
)

// Clock is a settable clock shared by the service and the test.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t.UTC().Truncate(time.Microsecond)} }

// Now returns the current fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t.UTC().Truncate(time.Microsecond)
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// Env is a running service.
type Env struct {
	Engine string
	Store  *store.Store
	Svc    *mar.Service
	Clock  *Clock
	Demo   demo.Summary
	Web    *web.Server
	Server *httptest.Server
	URL    string
	// AlertHub wakes the server's live alert streams; a test that changes
	// alerts behind the service's back calls Notify (streams also poll).
	AlertHub *alerts.Hub
}

// Options tune Start.
type Options struct {
	Now    time.Time // the clock's start; zero = the real time now
	NoDemo bool      // leave the database empty
	// DSN, when set, is a database the test prepared (e.g. with the emar
	// command) to serve instead of a fresh one; Start migrates it and
	// loads no demo data into it unless NoDemo is false.
	DSN string
	// History, when set, loads the demo with that much charted history
	// (demo.LoadWith); slower, so only the tests that look at it ask.
	History time.Duration
	// Offline configures the offline bedside (its WebAssembly folder).
	Offline web.OfflineConfig
}

// Logger returns a logger that prints only when the test fails.
func Logger(t testing.TB) *slog.Logger {
	if os.Getenv("EMAR_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Start runs the service on a fresh database of the engine.
func Start(t testing.TB, engine string, opts Options) *Env {
	t.Helper()
	var st *store.Store
	if opts.DSN != "" {
		st = openDSN(t, opts.DSN)
	} else {
		st = storetest.Open(t, engine)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	clock := NewClock(now)
	log := Logger(t)
	svc := mar.NewService(st, log)
	svc.Clock = clock
	env := &Env{Engine: engine, Store: st, Svc: svc, Clock: clock}
	if !opts.NoDemo {
		var sum demo.Summary
		var err error
		if opts.History > 0 {
			sum, _, err = demo.LoadWith(context.Background(), svc, demo.Options{History: opts.History})
		} else {
			sum, err = demo.Load(context.Background(), st, clock.Now())
		}
		if err != nil {
			t.Fatalf("load demo: %v", err)
		}
		env.Demo = sum
	}
	env.AlertHub = alerts.NewHub()
	w, err := web.New(web.Deps{Service: svc, Ready: st, Auditor: st, Log: log,
		Alerts: web.AlertStreamConfig{Hub: env.AlertHub, Poll: 100 * time.Millisecond, KeepAlive: time.Second}, Demo: !opts.NoDemo, Offline: opts.Offline})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	env.Web = w
	env.Server = httptest.NewServer(w.Handler())
	env.URL = env.Server.URL
	t.Cleanup(env.Server.Close)
	t.Cleanup(env.AlertHub.Close) // runs first: ends live streams so Close does not wait on them
	return env
}

// Client is a signed-in (or anonymous) API client.
type Client struct {
	t     testing.TB
	Base  string
	Token string
	HTTP  *http.Client
}

// Anonymous returns a client with no credentials.
func (e *Env) Anonymous(t testing.TB) *Client {
	return &Client{t: t, Base: e.URL, HTTP: e.Server.Client()}
}

// Login signs in a demo account as a device, with its one-time code when
// its role has a second factor, and returns its client.
func (e *Env) Login(t testing.TB, username string) *Client {
	t.Helper()
	c := e.Anonymous(t)
	var out struct {
		Token string `json:"token"`
	}
	body := map[string]string{"username": username, "password": demo.Password}
	if code := demo.TOTPCode(username, e.Clock.Now()); code != "" {
		body["totp"] = code // pharmacists and admins sign in with their second factor
	}
	if st := c.JSON("POST", "/api/v1/auth/login", body, &out); st != http.StatusOK {
		t.Fatalf("login %s: status %d", username, st)
	}
	c.Token = out.Token
	return c
}

// SignIn signs in with a password as a device. An account whose role
// needs a second factor and has none is answered with a session that may
// only enrol one: SignIn enrols it (as the enrolment page would) and
// returns the client, whose session is then whole, and the factor's key.
func (e *Env) SignIn(t testing.TB, username, password string) (*Client, string) {
	t.Helper()
	c := e.Anonymous(t)
	var out struct {
		Token     string `json:"token"`
		MustEnrol bool   `json:"second_factor_enrolment_required"`
	}
	if st := c.JSON("POST", "/api/v1/auth/login", map[string]string{"username": username, "password": password}, &out); st != http.StatusOK {
		t.Fatalf("sign in %s: status %d", username, st)
	}
	c.Token = out.Token
	if !out.MustEnrol {
		return c, ""
	}
	var enr struct {
		Secret string `json:"secret"`
	}
	if st := c.JSON("POST", "/api/v1/auth/totp/enroll", nil, &enr); st != http.StatusOK {
		t.Fatalf("enrol %s: status %d", username, st)
	}
	code, err := mar.TOTPCode(enr.Secret, e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if st := c.JSON("POST", "/api/v1/auth/totp/confirm", map[string]string{"code": code}, nil); st != http.StatusOK {
		t.Fatalf("confirm %s: status %d", username, st)
	}
	return c, enr.Secret
}

// Response is an answered request.
type Response struct {
	Status int
	Body   []byte
	Header http.Header
}

// Do sends a request; body is JSON-encoded unless it is []byte or nil.
func (c *Client) Do(method, path string, body any, header map[string]string) Response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			c.t.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, c.Base+path, rd)
	if err != nil {
		c.t.Fatalf("new request: %v", err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read %s %s: %v", method, path, err)
	}
	return Response{Status: resp.StatusCode, Body: data, Header: resp.Header}
}

// JSON sends a request and decodes a JSON answer into out (when not nil).
func (c *Client) JSON(method, path string, body, out any) int {
	c.t.Helper()
	r := c.Do(method, path, body, nil)
	if out != nil && len(r.Body) > 0 {
		if err := json.Unmarshal(r.Body, out); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, r.Body, err)
		}
	}
	return r.Status
}

// ErrorBody is the API's error shape.
type ErrorBody struct {
	Error struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Field   string         `json:"field"`
		Reason  string         `json:"reason"`
		Details map[string]any `json:"details"`
	} `json:"error"`
}

// Err decodes an error answer.
func (r Response) Err(t testing.TB) ErrorBody {
	t.Helper()
	var e ErrorBody
	if err := json.Unmarshal(r.Body, &e); err != nil || e.Error.Code == "" {
		t.Fatalf("not an error body: %q", r.Body)
	}
	return e
}

// StartReplicas runs n replicas of the service on one fresh PostgreSQL
// database, as a load-balanced deployment does: each replica has its own
// connection pool, service, live-stream hub and HTTP server; they share
// only the database and the clock. The replicas trust X-Forwarded-For from
// loopback (a load balancer's), so a test can sign in from several client
// addresses. It needs EMAR_TEST_PG_DSN (skips without it, fails without it
// under EMAR_TEST_REQUIRE_PG=1).
func StartReplicas(t testing.TB, n int, opts Options) []*Env {
	t.Helper()
	storetest.RequirePostgres(t)
	dsn := storetest.NewDSN(t, "postgres")
	ctx := context.Background()
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	clock := NewClock(now)
	log := Logger(t)
	var out []*Env
	var sum demo.Summary
	for i := 0; i < n; i++ {
		st, err := store.Open(ctx, dsn, nil)
		if err != nil {
			t.Fatalf("open replica %d: %v", i, err)
		}
		t.Cleanup(func() { st.Close() })
		if i == 0 {
			if _, err := st.Migrate(ctx); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			if !opts.NoDemo {
				if sum, err = demo.Load(ctx, st, clock.Now()); err != nil {
					t.Fatalf("load demo: %v", err)
				}
			}
		}
		svc := mar.NewService(st, log)
		svc.Clock = clock
		env := &Env{Engine: "postgres", Store: st, Svc: svc, Clock: clock, Demo: sum, AlertHub: alerts.NewHub()}
		w, err := web.New(web.Deps{Service: svc, Ready: st, Auditor: st, Log: log, TrustedProxies: []string{"127.0.0.1", "::1"},
			Alerts: web.AlertStreamConfig{Hub: env.AlertHub, Poll: 100 * time.Millisecond, KeepAlive: time.Second}, Demo: !opts.NoDemo})
		if err != nil {
			t.Fatalf("web.New: %v", err)
		}
		env.Web = w
		env.Server = httptest.NewServer(w.Handler())
		env.URL = env.Server.URL
		t.Cleanup(env.Server.Close)
		t.Cleanup(env.AlertHub.Close)
		out = append(out, env)
	}
	return out
}

// openDSN opens and migrates a database the test prepared; the test owns
// the database itself (storetest.NewDSN drops it at the end).
func openDSN(t testing.TB, dsn string) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := store.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return st
}
