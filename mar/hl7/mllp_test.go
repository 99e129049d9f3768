package hl7

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func frame(s string) string { return "\x0b" + s + "\x1c\r" }

func TestReaderReadsFrames(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		want   []string
		end    error
	}{
		{"one frame", frame("MSH|a"), []string{"MSH|a"}, io.EOF},
		{"back to back", frame("A") + frame("B") + frame(""), []string{"A", "B", ""}, io.EOF},
		{"noise between frames is skipped", "\r\n" + frame("A") + "\n\n" + frame("B"), []string{"A", "B"}, io.EOF},
		{"end block without CR", "\x0bA\x1c\x0bB\x1c", []string{"A", "B"}, io.EOF},
		{"abandoned frame is dropped", "\x0bpartial\x0bA\x1c\r", []string{"A"}, io.EOF},
		{"segments keep their CRs", frame("MSH|1\rPID|2\r"), []string{"MSH|1\rPID|2\r"}, io.EOF},
		{"closed inside a frame", frame("A") + "\x0bhalf", []string{"A"}, io.ErrUnexpectedEOF},
		{"closed right after the start block", "\x0b", nil, io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A one-byte reader exercises every buffer boundary.
			r := NewReader(iotestOneByte(strings.NewReader(tt.stream)), 100)
			var got []string
			for {
				f, err := r.ReadFrame()
				if err != nil {
					if !errors.Is(err, tt.end) {
						t.Errorf("final error = %v, want %v", err, tt.end)
					}
					break
				}
				got = append(got, string(f))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("frames = %q, want %q", got, tt.want)
			}
		})
	}
}

type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func iotestOneByte(r io.Reader) io.Reader { return oneByteReader{r} }

func TestReaderSkipsOversizedFrameAndStaysInStep(t *testing.T) {
	big := "MSH|^~\\&|A|B|C|D|20260101||ADT^A08|BIG1|P|2.5\r" + strings.Repeat("NTE|1||xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r", 20000)
	r := NewReader(strings.NewReader(frame(big)+frame("next")), 64<<10)
	_, err := r.ReadFrame()
	var tooLarge *FrameTooLargeError
	if !errors.As(err, &tooLarge) {
		t.Fatalf("err = %v, want FrameTooLargeError", err)
	}
	if tooLarge.Size != len(big) || tooLarge.Limit != 64<<10 || !bytes.HasPrefix([]byte(big), tooLarge.Head) || len(tooLarge.Head) != headSize {
		t.Errorf("FrameTooLargeError = size %d limit %d head %d", tooLarge.Size, tooLarge.Limit, len(tooLarge.Head))
	}
	f, err := r.ReadFrame()
	if err != nil || string(f) != "next" {
		t.Errorf("next frame = %q, %v", f, err)
	}
}

func TestReaderRefusesNonMLLPStreams(t *testing.T) {
	r := NewReader(strings.NewReader(strings.Repeat("GET / HTTP/1.1\r\n", 100)), 256)
	if _, err := r.ReadFrame(); !errors.Is(err, ErrNotMLLP) {
		t.Errorf("err = %v, want ErrNotMLLP", err)
	}
}

func TestWriterFramesMessages(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, 10)
	if err := w.WriteFrame([]byte("MSH|1\r")); err != nil {
		t.Fatal(err)
	}
	if buf.String() != frame("MSH|1\r") {
		t.Errorf("wrote %q", buf.String())
	}
	var tooLarge *FrameTooLargeError
	if err := w.WriteFrame([]byte("01234567890")); !errors.As(err, &tooLarge) {
		t.Errorf("oversized write: %v", err)
	}
	if err := w.WriteFrame([]byte("a\x1cb")); err == nil {
		t.Error("wrote a message containing an end block")
	}
}

// startServer runs s on a loopback port until the test ends.
func startServer(t *testing.T, s *Server) (addr string, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if s.Log == nil {
		s.Log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	var once atomic.Bool
	stop = func() {
		if !once.CompareAndSwap(false, true) {
			return
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve returned %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return after cancel")
		}
	}
	t.Cleanup(stop)
	return ln.Addr().String(), stop
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// pharmacyHandler answers RDE messages with RRE, as the eMAR will.
func pharmacyHandler(ctx context.Context, msg *Message, raw []byte) *Message {
	now := time.Date(2026, 3, 14, 8, 30, 15, 0, time.UTC)
	if _, err := ParseRDE(msg, ParseOptions{}); err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = &Error{Code: CodeInternal, Message: "internal error"}
		}
		return NewRRE(msg, AckError, e, "R-"+msg.ControlID(), now)
	}
	return NewRRE(msg, AckAccept, nil, "R-"+msg.ControlID(), now)
}

func TestMLLPRoundTripOverTCP(t *testing.T) {
	addr, _ := startServer(t, &Server{Handler: pharmacyHandler, MaxMessage: 64 << 10, Application: "EMAR", Facility: "STMARYS",
		NewControlID: func() string { return "NAK1" }})
	client := &Client{Addr: addr, Timeout: 5 * time.Second}
	defer client.Close()
	ctx := context.Background()

	t.Run("valid order is accepted", func(t *testing.T) {
		ack, err := client.Send(ctx, sendable(fixture(t, "rde_o11_v251.hl7")))
		if err != nil {
			t.Fatal(err)
		}
		if ack.Get("MSA-1") != "AA" || ack.Get("MSH-9") != "RRE" || ack.Get("ORC[2]-1") != "OK" {
			t.Errorf("ack = %q", ack.Encode())
		}
	})
	t.Run("order without PID-3 gets AE naming PID-3", func(t *testing.T) {
		m := mustParse(t, fixture(t, "rde_o11_v251.hl7"))
		_ = m.Segment("PID").SetField(3, nil)
		_ = m.Set("MSH-10", "RX-NOPID")
		ack, err := client.Send(ctx, m.Encode())
		var nak *NAKError
		if !errors.As(err, &nak) {
			t.Fatalf("err = %v, want NAKError", err)
		}
		if nak.Code != "AE" || nak.ControlID != "RX-NOPID" || nak.Errors[0].Segment != "PID" || nak.Errors[0].Field != 3 || nak.Errors[0].Code != "101" {
			t.Errorf("NAK = %+v %+v", nak, nak.Errors[0])
		}
		if ack == nil || ack.Get("ORC-1") != "UA" {
			t.Errorf("ack = %v", ack)
		}
	})
	t.Run("the connection is reused", func(t *testing.T) {
		first := client.conn
		if _, err := client.Send(ctx, sendable(fixture(t, "rde_o11_iv.hl7"))); err != nil {
			t.Fatal(err)
		}
		if client.conn != first {
			t.Error("client redialled")
		}
	})
	t.Run("a client refuses to send what it cannot parse", func(t *testing.T) {
		if _, err := client.Send(ctx, []byte("hello")); err == nil {
			t.Error("sent garbage")
		}
	})

	// Raw connection for what a well-behaved client would never send.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rd := NewReader(bufio.NewReader(conn), 0)
	exchange := func(t *testing.T, payload string) *Message {
		t.Helper()
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := conn.Write([]byte(frame(payload))); err != nil {
			t.Fatal(err)
		}
		raw, err := rd.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		return mustParse(t, raw)
	}
	t.Run("malformed message gets AR addressed from its MSH", func(t *testing.T) {
		ack := exchange(t, "MSH|^~\\&|PHARMSYS|STMARYS|EMAR|W|20260314||RDE^O11|BAD-1|P|2.5.1\rpid|1\r")
		if ack.Get("MSA-1") != "AR" || ack.Get("MSA-2") != "BAD-1" || ack.Get("MSH-5") != "PHARMSYS" || ack.Get("ERR-3") != "100" {
			t.Errorf("ack = %q", ack.Encode())
		}
	})
	t.Run("unreadable MSH gets a minimal NAK", func(t *testing.T) {
		ack := exchange(t, "this is not HL7")
		if ack.Get("MSA-1") != "AR" || ack.Get("MSA-2") != "" || ack.Get("MSH-3") != "EMAR" || ack.Get("MSH-10") != "NAK1" || ack.Get("ERR-3") != "100" {
			t.Errorf("ack = %q", ack.Encode())
		}
	})
	t.Run("oversized frame gets AR and the connection stays usable", func(t *testing.T) {
		big := "MSH|^~\\&|PHARMSYS|STMARYS|EMAR|W|20260314||RDE^O11|BIG-1|P|2.5.1\r" + strings.Repeat("NTE|1||"+strings.Repeat("x", 100)+"\r", 1000)
		ack := exchange(t, big)
		if ack.Get("MSA-1") != "AR" || ack.Get("MSA-2") != "BIG-1" || !strings.Contains(ack.Get("ERR-8"), "exceeds") {
			t.Errorf("ack = %q", ack.Encode())
		}
		ack = exchange(t, string(sendable(fixture(t, "rde_o11_iv.hl7"))))
		if ack.Get("MSA-1") != "AA" {
			t.Errorf("after the oversized frame: %q", ack.Encode())
		}
	})
}

func TestServerAnswersWhenTheHandlerFails(t *testing.T) {
	var calls atomic.Int32
	addr, _ := startServer(t, &Server{Handler: func(ctx context.Context, msg *Message, raw []byte) *Message {
		switch calls.Add(1) {
		case 1:
			panic("boom")
		default:
			return nil
		}
	}})
	client := &Client{Addr: addr}
	defer client.Close()
	for _, want := range []string{"internal error", "no acknowledgement"} {
		_, err := client.Send(context.Background(), sendable(fixture(t, "adt_a01.hl7")))
		var nak *NAKError
		if !errors.As(err, &nak) || nak.Code != "AE" || !strings.Contains(nak.Text, want) {
			t.Errorf("err = %v, want AE mentioning %q", err, want)
		}
	}
}

func TestServerShutsDownCleanly(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	addr, stop := startServer(t, &Server{Handler: func(ctx context.Context, msg *Message, raw []byte) *Message {
		if msg.ControlID() == "SLOW" {
			close(started)
			<-release
		}
		return NewACK(msg, AckAccept, nil, "A", time.Now())
	}})
	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()

	// A message in flight when shutdown starts is still acknowledged.
	m := mustParse(t, fixture(t, "adt_a01.hl7"))
	_ = m.Set("MSH-10", "SLOW")
	result := make(chan error, 1)
	go func() {
		_, err := (&Client{Addr: addr, Timeout: 5 * time.Second}).Send(context.Background(), m.Encode())
		result <- err
	}()
	<-started
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	time.Sleep(50 * time.Millisecond)
	select {
	case <-stopped:
		t.Fatal("Serve returned while a handler was running")
	default:
	}
	close(release)
	if err := <-result; err != nil {
		t.Errorf("in-flight message: %v", err)
	}
	<-stopped
	// The idle connection was closed, and nothing listens any more.
	_ = idle.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := idle.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("idle connection read: %v, want EOF", err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("still accepting connections")
	}
}

func TestClientRedialsAfterIdleClose(t *testing.T) {
	addr, _ := startServer(t, &Server{IdleTimeout: 50 * time.Millisecond})
	client := &Client{Addr: addr, Timeout: 5 * time.Second}
	defer client.Close()
	if _, err := client.Send(context.Background(), sendable(fixture(t, "adt_a02.hl7"))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the server drops the idle link
	if _, err := client.Send(context.Background(), sendable(fixture(t, "adt_a03.hl7"))); err != nil {
		t.Errorf("send after idle close: %v", err)
	}
}

func TestClientRejectsAnAckForAnotherMessage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		if _, err := NewReader(c, 0).ReadFrame(); err != nil {
			return
		}
		other := mustParse(t, fixture(t, "adt_a03.hl7"))
		_ = NewWriter(c, 0).WriteFrame(NewACK(other, AckAccept, nil, "X", time.Now()).Encode())
	}()
	client := &Client{Addr: ln.Addr().String(), Timeout: 5 * time.Second}
	defer client.Close()
	_, err = client.Send(context.Background(), sendable(fixture(t, "adt_a01.hl7")))
	var nak *NAKError
	if err == nil || errors.As(err, &nak) || !strings.Contains(err.Error(), "ADT0001022") {
		t.Errorf("err = %v, want a mismatch error", err)
	}
	if client.conn != nil {
		t.Error("kept an out-of-step connection")
	}
}

func TestClientHonoursContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			_, _ = io.Copy(io.Discard, c) // never answers
		}
	}()
	client := &Client{Addr: ln.Addr().String(), Timeout: time.Minute}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := client.Send(ctx, sendable(fixture(t, "adt_a01.hl7"))); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want DeadlineExceeded", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("Send ignored the context")
	}
}

func TestListenAndServeStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&Server{Addr: "127.0.0.1:0"}).ListenAndServe(ctx) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ListenAndServe = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ListenAndServe did not return")
	}
	if err := (&Server{Addr: "256.0.0.1:1"}).ListenAndServe(context.Background()); err == nil {
		t.Error("listened on an impossible address")
	}
}

func TestServerWaitsPatientlyAfterALateFrameEnd(t *testing.T) {
	// The <CR> after <FS> arrives on its own, after the answer; the link then
	// stays idle longer than ReadTimeout and must not be closed.
	addr, _ := startServer(t, &Server{ReadTimeout: 100 * time.Millisecond})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	rd := NewReader(conn, 0)
	msg := string(sendable(fixture(t, "adt_a01.hl7")))
	if _, err := conn.Write([]byte("\x0b" + msg + "\x1c")); err != nil {
		t.Fatal(err)
	}
	if _, err := rd.ReadFrame(); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte("\r")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := conn.Write([]byte(frame(msg))); err != nil {
		t.Fatal(err)
	}
	raw, err := rd.ReadFrame()
	if err != nil {
		t.Fatalf("second exchange: %v", err)
	}
	if ack := mustParse(t, raw); ack.Get("MSA-1") != "AA" {
		t.Errorf("ack = %q", raw)
	}
}
