package hl7

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
	"time"
)

// The seed corpora live in testdata/fuzz/FuzzParse and
// testdata/fuzz/FuzzMLLPReader; the fixtures are added here too.

func FuzzParse(f *testing.F) {
	for _, name := range []string{"rde_o11_v251.hl7", "rde_o11_iv.hl7", "rde_o01_v23.hl7", "adt_a01.hl7", "adt_a02.hl7", "adt_a03.hl7", "adt_a08_v24.hl7", "ras_o17.golden.hl7", "rds_o13.hl7"} {
		f.Add(sendable(fixture(f, name)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxSize: 64 << 10, MaxSegments: 500, MaxFields: 200, MaxValues: 5000}
		m, err := ParseWith(data, ParseOptions{Limits: lim})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		// Escaping can lengthen values, so the size limit is lifted for
		// the second parse; the shape limits must hold as they are.
		enc := m.Encode()
		lim.MaxSize = 8*len(data) + 1024
		again, err := ParseWith(enc, ParseOptions{Limits: lim})
		if err != nil {
			t.Fatalf("Parse(Encode(m)) failed: %v\ninput %q\nencoded %q", err, data, enc)
		}
		if !reflect.DeepEqual(m, again) {
			t.Fatalf("Parse(Encode(m)) != m\ninput %q\nencoded %q", data, enc)
		}
		if !bytes.Equal(again.Encode(), enc) {
			t.Fatalf("Encode is not stable")
		}
		// The views and replies must cope with anything Parse accepts.
		opts := ParseOptions{Location: time.UTC}
		_, _ = ParseRDE(m, opts)
		_, _ = ParseADT(m, opts)
		for _, ack := range []*Message{NewACK(m, AckError, &Error{Segment: "PID", Field: 3, Code: CodeRequiredFieldMissing}, "A", time.Unix(0, 0)), NewRRE(m, AckAccept, nil, "A", time.Unix(0, 0))} {
			if _, err := Parse(ack.Encode()); err != nil {
				t.Fatalf("reply does not parse: %v\n%q", err, ack.Encode())
			}
		}
		_ = m.Get("PID-3[2].1")
	})
}

func FuzzMLLPReader(f *testing.F) {
	f.Add([]byte(frame("MSH|^~\\&|A\rPID|1\r")))
	f.Add([]byte(frame("A") + frame("B")))
	f.Add([]byte("\x0bpartial\x0bA\x1c"))
	f.Add(append([]byte{0x0b}, bytes.Repeat([]byte("x"), 300)...))
	f.Fuzz(func(t *testing.T, stream []byte) {
		const limit = 256
		r := NewReader(bytes.NewReader(stream), limit)
		var frames [][]byte
		for i := 0; ; i++ {
			fr, err := r.ReadFrame()
			var big *FrameTooLargeError
			switch {
			case errors.As(err, &big):
				if big.Size <= limit || len(big.Head) > headSize {
					t.Fatalf("bad FrameTooLargeError %+v", big)
				}
				continue
			case err != nil:
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, ErrNotMLLP) {
					t.Fatalf("unexpected error %v", err)
				}
			default:
				if len(fr) > limit || bytes.IndexByte(fr, startBlock) >= 0 || bytes.IndexByte(fr, endBlock) >= 0 {
					t.Fatalf("frame %q breaks the framing rules", fr)
				}
				frames = append(frames, fr)
				if i > len(stream) {
					t.Fatal("more frames than bytes")
				}
				continue
			}
			break
		}
		// What was read can be written and read back unchanged.
		var buf bytes.Buffer
		w := NewWriter(&buf, limit)
		for _, fr := range frames {
			if err := w.WriteFrame(fr); err != nil {
				t.Fatal(err)
			}
		}
		r2 := NewReader(&buf, limit)
		for _, want := range frames {
			got, err := r2.ReadFrame()
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("re-read %q, %v; want %q", got, err, want)
			}
		}
	})
}
