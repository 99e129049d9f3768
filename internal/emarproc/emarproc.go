// Package emarproc runs the real emar binary as a child process on a
// loopback port, so tests and the benchmark can kill it with SIGKILL,
// restart it and talk to it over HTTP exactly as a client would.
package emarproc

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Build compiles the emar command into dir and returns the binary's path.
func Build(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "emar")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/emar-project/emar/cmd/emar")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build emar: %v\n%s", err, out)
	}
	return bin, nil
}

// FreeAddr returns a loopback address with a port nobody listens on.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Proc is one running `emar serve`.
type Proc struct {
	Bin  string
	Addr string   // 127.0.0.1:PORT
	Args []string // extra serve flags
	Env  []string // extra environment
	Log  io.Writer

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// URL is the service's base URL.
func (p *Proc) URL() string { return "http://" + p.Addr }

// Start launches `emar serve --addr ADDR ARGS…` and waits, at most
// timeout, until it says it is ready and /healthz answers.
func (p *Proc) Start(ctx context.Context, timeout time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return fmt.Errorf("emarproc: already running (pid %d)", p.cmd.Process.Pid)
	}
	if p.Log == nil {
		p.Log = io.Discard
	}
	args := append([]string{"serve", "--addr", p.Addr}, p.Args...)
	cmd := exec.Command(p.Bin, args...)
	cmd.Env = append(os.Environ(), p.Env...)
	cmd.Stderr = p.Log
	ready := make(chan struct{})
	cmd.Stdout = &readyWatcher{w: p.Log, ready: ready}
	// Its own process group, so a kill reaches nothing of ours.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("emarproc: start %s: %w", p.Bin, err)
	}
	done := make(chan struct{})
	p.cmd, p.done = cmd, done
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(done)
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ready:
	case <-done:
		p.cmd = nil
		return fmt.Errorf("emarproc: emar serve exited before it was ready: %v", p.err)
	case <-t.C:
		_ = cmd.Process.Kill()
		<-done
		p.cmd = nil
		return fmt.Errorf("emarproc: emar serve not ready after %s", timeout)
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-done
		p.cmd = nil
		return ctx.Err()
	}
	return waitHTTP(ctx, p.URL()+"/healthz", timeout)
}

func waitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	c := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("emarproc: %s did not answer 200 within %s (last error %v)", url, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Pid is the running process's id, or 0.
func (p *Proc) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Kill sends SIGKILL, as a crash or the OOM killer would, and reaps the
// process.
func (p *Proc) Kill() error { return p.signal(syscall.SIGKILL, 10*time.Second) }

// Stop asks for a graceful shutdown (SIGTERM) and waits up to 20 s.
func (p *Proc) Stop() error { return p.signal(syscall.SIGTERM, 20*time.Second) }

func (p *Proc) signal(sig syscall.Signal, wait time.Duration) error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return nil
	}
	if err := cmd.Process.Signal(sig); err != nil {
		return err
	}
	select {
	case <-done:
	case <-time.After(wait):
		_ = cmd.Process.Kill()
		<-done
	}
	p.mu.Lock()
	p.cmd = nil
	p.mu.Unlock()
	return nil
}

// readyWatcher copies the child's stdout to w and closes ready once the
// line "emar is ready" has gone by.
type readyWatcher struct {
	w     io.Writer
	ready chan struct{}
	buf   []byte
	seen  bool
}

func (r *readyWatcher) Write(b []byte) (int, error) {
	if !r.seen {
		r.buf = append(r.buf, b...)
		if strings.Contains(string(r.buf), "emar is ready") {
			r.seen = true
			r.buf = nil
			close(r.ready)
		} else if len(r.buf) > 1<<16 {
			r.buf = r.buf[len(r.buf)-256:]
		}
	}
	return r.w.Write(b)
}
