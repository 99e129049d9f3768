package flaky

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func backend(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, strings.Repeat("x", 4096))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func get(p *Proxy) error {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + p.Addr() + "/")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	return err
}

func TestProxy(t *testing.T) {
	cases := []struct {
		name           string
		cfg            Config
		wantErr        bool
		wantServerHits int64
	}{
		{"passes through with delay", Config{Delay: 5 * time.Millisecond, Jitter: 5 * time.Millisecond}, false, 1},
		{"drops the request before the server sees it", Config{DropRequest: 1}, true, 0},
		{"resets in the middle of the answer after the server acted", Config{ResetResponse: 1}, true, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, hits := backend(t)
			c.cfg.Target = strings.TrimPrefix(srv.URL, "http://")
			p, err := Start(c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			start := time.Now()
			err = get(p)
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v", err)
			}
			if hits.Load() != c.wantServerHits {
				t.Fatalf("server saw %d requests, want %d", hits.Load(), c.wantServerHits)
			}
			if c.cfg.Delay > 0 && time.Since(start) < c.cfg.Delay {
				t.Fatalf("no delay: %s", time.Since(start))
			}
		})
	}
}

func TestRefusesNonLoopbackTarget(t *testing.T) {
	if _, err := Start(Config{Target: "192.0.2.1:80"}); err == nil {
		t.Fatal("accepted a non-loopback target")
	}
}
