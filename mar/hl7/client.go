package hl7

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// Client sends messages to an MLLP receiver over one connection, opened on
// first use and reopened after a failure. A Client is safe for concurrent
// use; sends are serialized, as MLLP has one message in flight per
// connection.
type Client struct {
	Addr    string
	Timeout time.Duration // for one Send: dial, write and acknowledgement (default 30 s)
	// MaxMessage is the largest acknowledgement accepted (default 1 MiB).
	MaxMessage int
	// Dial opens the connection; nil uses net.Dialer. Set it for TLS.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)

	mu   sync.Mutex
	conn net.Conn
	fr   *Reader
}

// Send writes msg (an encoded message) and waits for its acknowledgement,
// which must echo msg's MSH-10. It returns the acknowledgement, with a
// *NAKError when it is AE, AR, CE or CR.
//
// Send does not retry, as only the caller knows whether a message may go
// twice. The one exception is a reused connection found closed (end of
// stream or reset before any reply byte), which is what a receiver's idle
// timeout looks like: the message is then sent once more on a new
// connection. A receiver that closed while holding the message may thus see
// it twice, and should recognise the repeated MSH-10, as HL7 expects.
func (c *Client) Send(ctx context.Context, msg []byte) (*Message, error) {
	sent, err := Parse(msg)
	if err != nil {
		return nil, fmt.Errorf("hl7: refusing to send an unreadable message: %w", err)
	}
	controlID := sent.ControlID()
	ctx, cancel := context.WithTimeout(ctx, orDefault(c.Timeout, 30*time.Second))
	defer cancel()

	c.mu.Lock()
	defer c.mu.Unlock()
	reused := c.conn != nil
	raw, err := c.exchange(ctx, msg)
	if err != nil && reused && ctx.Err() == nil && staleConn(err) {
		raw, err = c.exchange(ctx, msg)
	}
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// Every deadline on the connection comes from ctx; its timer
			// may fire a moment after the connection's.
			<-ctx.Done()
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("hl7: send to %s: %w (%v)", c.Addr, ctx.Err(), err)
		}
		return nil, fmt.Errorf("hl7: send to %s: %w", c.Addr, err)
	}
	ack, err := ParseWith(raw, ParseOptions{Limits: Limits{MaxSize: c.maxMessage()}})
	if err != nil {
		return nil, fmt.Errorf("hl7: unreadable acknowledgement from %s: %w", c.Addr, err)
	}
	if err := CheckACK(ack, controlID); err != nil {
		var nak *NAKError
		if !errors.As(err, &nak) {
			// An acknowledgement of another message means the stream is
			// out of step; start afresh next time.
			c.closeLocked()
		}
		return ack, err
	}
	return ack, nil
}

// staleConn reports a failure that shows the receiver closed the connection
// before reading the message.
func staleConn(err error) bool {
	var ex *exchangeError
	return errors.As(err, &ex) && !ex.gotReply &&
		(errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE))
}

type exchangeError struct {
	gotReply bool
	err      error
}

func (e *exchangeError) Error() string { return e.err.Error() }
func (e *exchangeError) Unwrap() error { return e.err }

func (c *Client) maxMessage() int {
	if c.MaxMessage <= 0 {
		return DefaultMaxSize
	}
	return c.MaxMessage
}

// exchange writes one frame and reads one back, closing the connection on
// any failure.
func (c *Client) exchange(ctx context.Context, msg []byte) ([]byte, error) {
	if c.conn == nil {
		dial := c.Dial
		if dial == nil {
			var d net.Dialer
			dial = d.DialContext
		}
		conn, err := dial(ctx, "tcp", c.Addr)
		if err != nil {
			return nil, err
		}
		c.conn, c.fr = conn, NewReader(conn, c.maxMessage())
	}
	conn := c.conn
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	if err := NewWriter(conn, 0).WriteFrame(msg); err != nil {
		c.closeLocked()
		return nil, &exchangeError{err: err}
	}
	raw, err := c.fr.ReadFrame()
	if err != nil {
		gotReply := !errors.Is(err, io.EOF) // io.EOF only before a frame starts
		c.closeLocked()
		return nil, &exchangeError{gotReply: gotReply, err: err}
	}
	return raw, nil
}

func (c *Client) closeLocked() {
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn, c.fr = nil, nil
	}
}

// Close closes the connection, if one is open.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked()
	return nil
}
