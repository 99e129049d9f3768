package hl7

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
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
