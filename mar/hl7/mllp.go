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
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// MLLP framing bytes: <VT> message <FS><CR>.
const (
	startBlock = 0x0b
	endBlock   = 0x1c
	frameEnd   = 0x0d
)

// headSize is how much of an oversized frame is kept, enough for MSH so that
// the rejection can still be addressed to the sender's control id.
const headSize = 4096

// FrameTooLargeError reports a frame longer than the reader's limit. The
// frame has been read to its end and discarded, so the stream is still in
// step and the next frame can be read.
type FrameTooLargeError struct {
	Limit int
	Size  int    // bytes in the frame; for a write, the message size
	Head  []byte // the first bytes of the frame, for addressing a NAK
}

func (e *FrameTooLargeError) Error() string {
	return fmt.Sprintf("hl7: MLLP frame of %d bytes exceeds the limit of %d", e.Size, e.Limit)
}

// ErrNotMLLP is returned when a peer sends more than a frame's worth of bytes
// without a start block: it is not speaking MLLP.
var ErrNotMLLP = errors.New("hl7: no MLLP start block (0x0B) where one was expected")

// Reader reads MLLP frames.
type Reader struct {
	br  *bufio.Reader
	max int
}

// NewReader reads frames from r, refusing any longer than maxFrame bytes
// (zero: DefaultMaxSize). If r is a *bufio.Reader it is used directly.
func NewReader(r io.Reader, maxFrame int) *Reader {
	if maxFrame <= 0 {
		maxFrame = DefaultMaxSize
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 32<<10)
	}
	return &Reader{br: br, max: maxFrame}
}

// ReadFrame returns the payload of the next frame. Bytes before the start
// block (stray newlines between frames) are skipped. A frame whose end block
// is not followed by <CR> is accepted, as some senders omit it. If a start
// block appears inside a frame, the sender abandoned the frame before it, and
// only the new one is returned. io.EOF means the peer closed between frames;
// io.ErrUnexpectedEOF that it closed inside one.
func (r *Reader) ReadFrame() ([]byte, error) {
	for skipped := 0; ; skipped++ {
		b, err := r.br.ReadByte()
		if err != nil {
			return nil, err
		}
		if b == startBlock {
			break
		}
		if skipped >= r.max {
			return nil, ErrNotMLLP
		}
	}
	var (
		buf  []byte
		size int
		big  *FrameTooLargeError
	)
	for {
		chunk, err := r.br.ReadSlice(endBlock)
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		done := err == nil
		if done {
			chunk = chunk[:len(chunk)-1]
		}
		if i := bytes.LastIndexByte(chunk, startBlock); i >= 0 {
			buf, size, big = buf[:0], 0, nil
			chunk = chunk[i+1:]
		}
		size += len(chunk)
		switch {
		case big != nil:
			big.Size = size
		case size > r.max:
			big = &FrameTooLargeError{Limit: r.max, Size: size}
			buf = append(buf, chunk...)
			if len(buf) > headSize {
				buf = buf[:headSize]
			}
			big.Head = buf
		default:
			buf = append(buf, chunk...)
		}
		if done {
			break
		}
	}
	// Take the <CR> after <FS> only if it has already arrived: a sender
	// that omits it waits for our answer and would never send it. A <CR>
	// arriving later is skipped before the next start block.
	if r.br.Buffered() > 0 {
		if b, _ := r.br.Peek(1); b[0] == frameEnd {
			_, _ = r.br.Discard(1)
		}
	}
	if big != nil {
		return nil, big
	}
	if buf == nil {
		buf = []byte{}
	}
	return buf, nil
}

// Writer writes MLLP frames.
type Writer struct {
	w   io.Writer
	max int
}

// NewWriter writes frames to w, refusing messages longer than maxFrame bytes
// (zero: no limit).
func NewWriter(w io.Writer, maxFrame int) *Writer { return &Writer{w: w, max: maxFrame} }

// WriteFrame writes msg as one frame, in one Write call. A message holding a
// framing byte is refused, as it would end the frame early; Encode never
// produces one.
func (w *Writer) WriteFrame(msg []byte) error {
	if w.max > 0 && len(msg) > w.max {
		return &FrameTooLargeError{Limit: w.max, Size: len(msg)}
	}
	if bytes.IndexByte(msg, startBlock) >= 0 || bytes.IndexByte(msg, endBlock) >= 0 {
		return errors.New("hl7: message contains an MLLP framing byte (0x0B or 0x1C)")
	}
	frame := make([]byte, 0, len(msg)+3)
	frame = append(frame, startBlock)
	frame = append(frame, msg...)
	frame = append(frame, endBlock, frameEnd)
	_, err := w.w.Write(frame)
	return err
}

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
		if _, err := br.Peek(1); err != nil {
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

// NAKError is a negative acknowledgement: MSA-1 was AE, AR, CE or CR.
type NAKError struct {
	Code      string   // MSA-1
	ControlID string   // MSA-2
	Text      string   // ERR-8 or MSA-3
	Errors    []*Error // the ERR segments
	Ack       *Message
}

func (e *NAKError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hl7: message %s refused with %s", e.ControlID, e.Code)
	if e.Text != "" {
		b.WriteString(": ")
		b.WriteString(e.Text)
	}
	if len(e.Errors) > 0 && e.Errors[0].Location() != "" {
		fmt.Fprintf(&b, " at %s", e.Errors[0].Location())
	}
	return b.String()
}

// CheckACK reads an acknowledgement of the message with the given control
// id: nil for AA or CA, a *NAKError for AE, AR, CE or CR, and another error
// when ack is not an acknowledgement of that message.
func CheckACK(ack *Message, controlID string) error {
	msa := ack.Segment("MSA")
	if msa == nil {
		return errors.New("hl7: acknowledgement has no MSA segment")
	}
	if got := msa.Field(2).Value(); got != controlID {
		return fmt.Errorf("hl7: acknowledgement is for message %q, not %q", got, controlID)
	}
	code := msa.Field(1).Value()
	switch code {
	case AckAccept, CommitAccept:
		return nil
	case AckError, AckReject, CommitError, CommitReject:
	default:
		return fmt.Errorf("hl7: acknowledgement code %q is not one of AA, AE, AR, CA, CE, CR", code)
	}
	nak := &NAKError{Code: code, ControlID: controlID, Text: msa.Field(3).Value(), Ack: ack}
	for _, err := range ack.Segments("ERR") {
		e := readERR(err)
		nak.Errors = append(nak.Errors, e)
		if e.Message != "" && (nak.Text == "" || versionAtLeast(ack.Version(), 5)) {
			nak.Text = e.Message
		}
	}
	return nak
}

// readERR reads an ERR segment in the v2.5+ layout, or ERR-1 before it.
func readERR(s *Segment) *Error {
	if erl := s.Field(2).Rep(1); !erl.Empty() || !s.Field(3).Empty() {
		return &Error{
			Segment: erl.Value(1), SeqInSegmentGroup: atoi(erl.Value(2)), Field: atoi(erl.Value(3)),
			Repetition: atoi(erl.Value(4)), Component: atoi(erl.Value(5)),
			Code: s.Field(3).Value(), Message: s.Field(8).Value(),
		}
	}
	eld := s.Field(1).Rep(1)
	return &Error{
		Segment: eld.Value(1), SeqInSegmentGroup: atoi(eld.Value(2)), Field: atoi(eld.Value(3)),
		Code: eld.Value(4), Message: eld.Comp(4).Sub(2),
	}
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s) && i < 9; i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// Send writes msg (an encoded message) and waits for its acknowledgement,
// which must echo msg's MSH-10. It returns the acknowledgement, with a
// *NAKError when it is AE, AR, CE or CR. Send does not resend a message the
// receiver may have seen; the one exception is a connection found closed by
// the receiver while idle, detected before any reply byte, on which the
// message is sent once more over a new connection.
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
