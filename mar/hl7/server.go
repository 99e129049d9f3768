package hl7

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Handler processes one parsed message and returns its acknowledgement
// (built with NewACK or NewRRE). raw is the message as received, for
// archiving. ctx is not cancelled when the server shuts down, so that a
// message being recorded is finished and acknowledged, but it carries
// Server.HandlerTimeout.
type Handler func(ctx context.Context, msg *Message, raw []byte) *Message

// Server accepts MLLP connections and answers every frame with an
// acknowledgement: the Handler's for a readable message; an AR built from
// whatever MSH could be read for a malformed or oversized one; an AE when
// the handler fails to produce one.
type Server struct {
	Addr    string // host:port for ListenAndServe
	Handler Handler
	// MaxMessage is the largest message accepted, in bytes (default 1 MiB).
	MaxMessage int
	// ReadTimeout bounds the time from a frame's first byte to its last
	// (default 30 s), so that a stalled sender cannot hold a frame open.
	ReadTimeout time.Duration
	// IdleTimeout closes a connection that sends nothing for this long;
	// zero keeps it open, as MLLP links usually stay up between messages.
	IdleTimeout    time.Duration
	WriteTimeout   time.Duration // for writing an acknowledgement (default 30 s)
	HandlerTimeout time.Duration // for one Handler call (default 60 s)
	MaxConns       int           // concurrent connections (default 64); more are closed at once
	Log            *slog.Logger  // nil: discard
	// Application and Facility fill MSH-3 and MSH-4 of the minimal NAK sent
	// when a message's MSH cannot be read.
	Application, Facility string
	Now                   func() time.Time // clock for acknowledgement times (default time.Now)
	NewControlID          func() string    // MSH-10 of NAKs the server builds itself (default time + counter)

	seq atomic.Uint64
}

// ListenAndServe listens on s.Addr and serves until ctx is done.
func (s *Server) ListenAndServe(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("hl7: listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve accepts connections on ln until ctx is done, then closes ln and
// every connection and returns nil once their handlers have finished. A
// connection waiting for its next frame is closed at once; one whose message
// is being handled is closed after its acknowledgement is written.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel() // runs before wg.Wait: connections end if Serve fails
	stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
	defer stop()

	maxConns := s.MaxConns
	if maxConns <= 0 {
		maxConns = 64
	}
	slots := make(chan struct{}, maxConns)
	log := s.logger()
	var backoff time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				log.Warn("hl7: accept failed; retrying", "err", err, "backoff", backoff)
				time.Sleep(backoff)
				continue
			}
			return fmt.Errorf("hl7: accept: %w", err)
		}
		backoff = 0
		select {
		case slots <- struct{}{}:
		default:
			log.Warn("hl7: too many connections; closing", "remote", conn.RemoteAddr().String(), "max", maxConns)
			_ = conn.Close()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			s.serveConn(ctx, conn)
		}()
	}
}

func (s *Server) logger() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) maxMessage() int {
	if s.MaxMessage <= 0 {
		return DefaultMaxSize
	}
	return s.MaxMessage
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func (s *Server) controlID() string {
	if s.NewControlID != nil {
		return s.NewControlID()
	}
	// 14 digits of time and 6 of counter: MSH-10 is at most 20 characters
	// before v2.7.
	return fmt.Sprintf("%s%06d", s.now().UTC().Format("20060102150405"), s.seq.Add(1)%1000000)
}

func (s *Server) serveConn(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	log := s.logger().With("remote", conn.RemoteAddr().String())
	// Shutdown wakes a read waiting for the next frame. The loop re-checks
	// ctx after every deadline it sets, so it cannot push this one back.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Now()) })
	defer stop()

	br := bufio.NewReaderSize(conn, 32<<10)
	fr := NewReader(br, s.maxMessage())
	fw := NewWriter(conn, 0)
	for {
		var idle time.Time
		if s.IdleTimeout > 0 {
			idle = time.Now().Add(s.IdleTimeout)
		}
		_ = conn.SetReadDeadline(idle)
		if ctx.Err() != nil {
			return
		}
		if err := awaitStartBlock(br, s.maxMessage()); err != nil {
			// A deadline here is the idle timeout or shutdown.
			if !quietClose(err) && !errors.Is(err, os.ErrDeadlineExceeded) {
				log.Info("hl7: connection closed while idle", "err", err)
			}
			return
		}
		_ = conn.SetReadDeadline(time.Now().Add(orDefault(s.ReadTimeout, 30*time.Second)))
		if ctx.Err() != nil {
			return
		}
		start := time.Now()
		raw, err := fr.ReadFrame()
		var (
			ack *Message
			big *FrameTooLargeError
		)
		switch {
		case errors.As(err, &big):
			log.Warn("hl7: message too large; rejected", "bytes", big.Size, "limit", big.Limit)
			ack = s.nak(big.Head, &Error{Code: CodeInternal,
				Message: fmt.Sprintf("message of %d bytes exceeds the limit of %d", big.Size, big.Limit)})
		case err != nil:
			if !quietClose(err) && ctx.Err() == nil {
				log.Warn("hl7: reading a frame failed; closing", "err", err)
			}
			return
		default:
			ack = s.handle(ctx, log, raw)
		}
		_ = conn.SetWriteDeadline(time.Now().Add(orDefault(s.WriteTimeout, 30*time.Second)))
		if err := fw.WriteFrame(ack.Encode()); err != nil {
			log.Warn("hl7: writing the acknowledgement failed; closing", "err", err)
			return
		}
		log.Debug("hl7: acknowledged", "ack", ack.Get("MSA-1"), "control_id", ack.Get("MSA-2"),
			"bytes", len(raw), "elapsed", time.Since(start))
	}
}

// awaitStartBlock waits for the next frame's start block, discarding what
// comes before it: typically the <CR> closing the previous frame, which may
// arrive in a packet of its own after that frame was answered. Only then does
// the frame's read timeout start, so an idle link is not mistaken for a
// stalled frame.
func awaitStartBlock(br *bufio.Reader, limit int) error {
	for noise := 0; ; noise++ {
		b, err := br.Peek(1)
		if err != nil {
			return err
		}
		if b[0] == startBlock {
			return nil
		}
		if noise >= limit {
			return ErrNotMLLP
		}
		_, _ = br.Discard(1)
	}
}

// quietClose reports errors that are an ordinary end of a connection.
func quietClose(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET)
}

func (s *Server) handle(ctx context.Context, log *slog.Logger, raw []byte) *Message {
	msg, err := ParseWith(raw, ParseOptions{Limits: Limits{MaxSize: s.maxMessage()}})
	if err != nil {
		var he *Error
		if !errors.As(err, &he) {
			he = &Error{Code: CodeInternal, Message: err.Error()}
		}
		log.Warn("hl7: malformed message; rejected", "err", he.Error(), "bytes", len(raw))
		return s.nak(raw, he)
	}
	code, trigger, _ := msg.Type()
	log = log.With("type", code+"^"+trigger, "control_id", msg.ControlID())
	if s.Handler == nil {
		return NewACK(msg, AckAccept, nil, s.controlID(), s.now())
	}
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), orDefault(s.HandlerTimeout, 60*time.Second))
	defer cancel()
	ack := s.callHandler(hctx, log, msg, raw)
	if ack == nil {
		log.Error("hl7: handler returned no acknowledgement")
		return NewACK(msg, AckError, &Error{Code: CodeInternal, Message: "the receiver produced no acknowledgement"}, s.controlID(), s.now())
	}
	return ack
}

func (s *Server) callHandler(ctx context.Context, log *slog.Logger, msg *Message, raw []byte) (ack *Message) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("hl7: handler panicked", "panic", fmt.Sprint(p))
			ack = NewACK(msg, AckError, &Error{Code: CodeInternal, Message: "internal error"}, s.controlID(), s.now())
		}
	}()
	return s.Handler(ctx, msg, raw)
}

// nak builds an AR for a message that could not be parsed, addressed from its
// MSH if that much can be read.
func (s *Server) nak(raw []byte, e *Error) *Message {
	if hdr := parseMSHOnly(raw); hdr != nil {
		return NewACK(hdr, AckReject, e, s.controlID(), s.now())
	}
	ack := NewACK(nil, AckReject, e, s.controlID(), s.now())
	ack.segs[0].setValue(3, s.Application)
	ack.segs[0].setValue(4, s.Facility)
	return ack
}

// parseMSHOnly parses the first segment alone, or returns nil.
func parseMSHOnly(raw []byte) *Message {
	raw = bytes.TrimLeft(raw, "\ufeff \t\r\n")
	if i := bytes.IndexAny(raw, "\r\n"); i >= 0 {
		raw = raw[:i]
	}
	m, err := Parse(raw)
	if err != nil {
		return nil
	}
	return m
}
