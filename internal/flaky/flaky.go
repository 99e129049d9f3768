// Package flaky is a loopback TCP proxy that behaves like bad ward Wi-Fi:
// it delays every chunk it forwards by a random amount, and on a share of
// connections it resets the client, either before the request reaches the
// server (the request is lost) or in the middle of the response (the
// server acted, the client never learns the answer). It listens on
// 127.0.0.1 only.
package flaky

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Config tunes the damage.
type Config struct {
	Target string        // the server, host:port on loopback
	Delay  time.Duration // fixed delay added to every forwarded chunk
	Jitter time.Duration // plus a uniform random delay up to this
	// DropRequest is the share of connections reset before the first
	// request byte reaches the server.
	DropRequest float64
	// ResetResponse is the share of connections reset after the server
	// started answering, with part of the answer delivered.
	ResetResponse float64
	Seed          uint64
}

// Stats counts what the proxy did.
type Stats struct {
	Conns, Dropped, Reset int64
}

// Proxy is a running proxy.
type Proxy struct {
	cfg  Config
	ln   net.Listener
	mu   sync.Mutex
	rng  *rand.Rand
	wg   sync.WaitGroup
	open map[net.Conn]struct{}

	conns, dropped, reset atomic.Int64
	closed                atomic.Bool
}

// Start listens on a free loopback port.
func Start(cfg Config) (*Proxy, error) {
	host, _, err := net.SplitHostPort(cfg.Target)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, errors.New("flaky: the target must be a loopback address")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{cfg: cfg, ln: ln, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)), open: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Stats reports the counters so far.
func (p *Proxy) Stats() Stats {
	return Stats{Conns: p.conns.Load(), Dropped: p.dropped.Load(), Reset: p.reset.Load()}
}

// Close stops accepting and cuts every open connection.
func (p *Proxy) Close() error {
	p.closed.Store(true)
	err := p.ln.Close()
	p.mu.Lock()
	for c := range p.open {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (p *Proxy) track(c net.Conn, add bool) {
	p.mu.Lock()
	if add {
		p.open[c] = struct{}{}
	} else {
		delete(p.open, c)
	}
	p.mu.Unlock()
}

func (p *Proxy) float() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rng.Float64()
}

func (p *Proxy) delay() time.Duration {
	d := p.cfg.Delay
	if p.cfg.Jitter > 0 {
		p.mu.Lock()
		d += time.Duration(p.rng.Int64N(int64(p.cfg.Jitter)))
		p.mu.Unlock()
	}
	return d
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.conns.Add(1)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.serve(c)
		}()
	}
}

// resetConn closes with SO_LINGER 0, so the peer sees a TCP RST rather
// than an orderly end of stream.
func resetConn(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}

func (p *Proxy) serve(client net.Conn) {
	p.track(client, true)
	defer p.track(client, false)
	roll := p.float()
	if roll < p.cfg.DropRequest {
		// Read a little of the request so the client has sent it, then
		// cut: the server never hears of it.
		buf := make([]byte, 1)
		_ = client.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _ = client.Read(buf)
		p.dropped.Add(1)
		resetConn(client)
		return
	}
	cutResponse := roll < p.cfg.DropRequest+p.cfg.ResetResponse
	server, err := net.DialTimeout("tcp", p.cfg.Target, 5*time.Second)
	if err != nil {
		resetConn(client)
		return
	}
	p.track(server, true)
	defer p.track(server, false)
	done := make(chan struct{}, 2)
	go func() {
		p.pipe(server, client, false)
		done <- struct{}{}
	}()
	go func() {
		p.pipe(client, server, cutResponse)
		done <- struct{}{}
	}()
	<-done
	resetConn(client)
	server.Close()
	<-done
}

// pipe copies src to dst chunk by chunk with the configured delay. With
// cut set it forwards half of the first chunk of the answer and then
// resets the client.
func (p *Proxy) pipe(dst, src net.Conn, cut bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if d := p.delay(); d > 0 {
				time.Sleep(d)
			}
			if cut {
				_, _ = dst.Write(buf[:max(1, n/2)])
				p.reset.Add(1)
				resetConn(dst)
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) || p.closed.Load() {
				return
			}
			// Half-close: pass the end of stream on.
			if tc, ok := dst.(*net.TCPConn); ok {
				_ = tc.CloseWrite()
			}
			return
		}
	}
}
