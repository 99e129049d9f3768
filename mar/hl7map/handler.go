package hl7map

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/hl7"
)

// Handler applies incoming HL7 messages to the record.
type Handler struct {
	Svc *mar.Service
	// Channel names the feed in the audit trail (e.g. "hl7" for MLLP,
	// "import" for files); the interface account is "interface-<channel>".
	Channel string
	Log     *slog.Logger
	// Application and Facility are this service's MSH-3 and MSH-4.
	Application, Facility string

	seq atomic.Int64
}

// Outcome is what happened to one message.
type Outcome struct {
	ControlID string
	Type      string // e.g. RDE^O11
	Code      string // AA, AE, AR
	Err       *hl7.Error
	Orders    []mar.IntakeResult
	Dispenses []mar.Dispense // what an RDS recorded
	Resident  *mar.Resident
	// Replayed is set when the message was a resend of one already
	// applied: its first acknowledgement was sent again.
	Replayed bool
}

func (h *Handler) log() *slog.Logger {
	if h.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Log
}

func (h *Handler) controlID() string {
	return fmt.Sprintf("EMAR%s%04d", h.Svc.Clock.Now().UTC().Format("20060102150405"), h.seq.Add(1)%10000)
}

// Serve is an hl7.Handler for the MLLP server.
func (h *Handler) Serve(ctx context.Context, msg *hl7.Message, raw []byte) *hl7.Message {
	ack, _ := h.Handle(ctx, msg)
	return ack
}

// Handle applies one parsed message and returns its acknowledgement.
func (h *Handler) Handle(ctx context.Context, msg *hl7.Message) (*hl7.Message, Outcome) {
	code, trigger, _ := msg.Type()
	out := Outcome{ControlID: msg.ControlID(), Type: code + "^" + trigger}
	now := h.Svc.Clock.Now()
	build := func(ackCode string, e *hl7.Error) *hl7.Message {
		var ack *hl7.Message
		switch code {
		case "RDE":
			ack = hl7.NewRRE(msg, ackCode, e, h.controlID(), now)
		case "RDS":
			ack = hl7.NewRRD(msg, ackCode, e, h.controlID(), now)
		default:
			ack = hl7.NewACK(msg, ackCode, e, h.controlID(), now)
		}
		// This service's own names replace the whole of MSH-3 and MSH-4:
		// the sender's MSH-5/6 universal ids (HD.2, HD.3) name its idea
		// of the receiver and must not be sent back as ours.
		if h.Application != "" {
			_ = ack.Segment("MSH").SetField(3, hl7.NewField(h.Application))
		}
		if h.Facility != "" {
			_ = ack.Segment("MSH").SetField(4, hl7.NewField(h.Facility))
		}
		return ack
	}
	// stored is the acknowledgement stored with the change (or with the
	// first copy of a resent message): it is sent exactly as stored.
	var stored []byte
	reply := func(ackCode string, e *hl7.Error) *hl7.Message {
		out.Code, out.Err = ackCode, e
		ack := build(ackCode, e)
		if stored != nil {
			if m, err := hl7.Parse(stored); err == nil {
				ack = m
			}
		}
		lvl := slog.LevelInfo
		if ackCode != hl7.AckAccept {
			lvl = slog.LevelWarn
		}
		attrs := []any{"type", out.Type, "control_id", out.ControlID, "ack", ackCode}
		if e != nil {
			attrs = append(attrs, "error", e.Error())
		}
		if out.Replayed {
			attrs = append(attrs, "replayed", true)
		}
		h.log().Log(ctx, lvl, "hl7 message", attrs...)
		return ack
	}
	if strings.TrimSpace(out.ControlID) == "" {
		// Without MSH-10 the message cannot be acknowledged by id nor
		// told apart from a resend: it is not taken at all.
		return reply(hl7.AckReject, &hl7.Error{Segment: "MSH", SeqInSegmentGroup: 1, Field: 10, Code: hl7.CodeRequiredFieldMissing, Message: "MSH-10 (message control id) is required"}), out
	}
	if pid := msg.Get("MSH-11"); pid != "" && pid != "P" && pid != "T" && pid != "D" {
		return reply(hl7.AckReject, &hl7.Error{Segment: "MSH", SeqInSegmentGroup: 1, Field: 11, Code: hl7.CodeUnsupportedProcessingID, Message: "processing id must be P, T or D"}), out
	}
	id, err := h.Svc.InterfaceIdentity(ctx, h.channel())
	if err != nil {
		return reply(hl7.AckError, &hl7.Error{Code: hl7.CodeInternal, Message: "the receiver is not ready: " + err.Error()}), out
	}
	id.RequestID = truncate(msg.ControlID(), 64)
	fac, err := h.Svc.FacilityOf(ctx, id)
	if err != nil {
		return reply(hl7.AckError, &hl7.Error{Code: hl7.CodeInternal, Message: "the receiver is not ready"}), out
	}
	loc, err := time.LoadLocation(fac.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	opts := hl7.ParseOptions{Location: loc}
	// A resend of the same message (the same sender and MSH-10) after a
	// lost acknowledgement gets the first acknowledgement and changes
	// nothing; the same MSH-10 with other content is refused. The ACK is
	// stored in the transaction of the change it acknowledges.
	idem := &mar.Idempotency{Key: messageKey(msg), Hash: messageHash(msg), Render: func(any) (int, []byte, error) {
		return 200, build(hl7.AckAccept, nil).Encode(), nil
	}}
	ctx = mar.WithIdempotency(ctx, idem)
	applied := func(e *hl7.Error, err error) (*hl7.Message, bool) {
		var rep *mar.Replayed
		switch {
		case errors.As(err, &rep):
			stored, out.Replayed = rep.Body, true
			return reply(hl7.AckAccept, nil), true
		case e != nil:
			return reply(ackFor(e), e), true
		}
		stored = idem.Body
		return nil, false
	}
	switch code {
	case "RDE":
		results, e, err := h.applyRDE(ctx, id, msg, opts)
		if ack, done := applied(e, err); done {
			return ack, out
		}
		out.Orders = results
		return reply(hl7.AckAccept, nil), out
	case "RDS":
		dispenses, e, err := h.applyRDS(ctx, id, msg, opts)
		if ack, done := applied(e, err); done {
			return ack, out
		}
		out.Dispenses = dispenses
		return reply(hl7.AckAccept, nil), out
	case "ADT":
		r, e, err := h.applyADT(ctx, id, msg, opts)
		if ack, done := applied(e, err); done {
			return ack, out
		}
		out.Resident = &r
		return reply(hl7.AckAccept, nil), out
	}
	return reply(hl7.AckReject, &hl7.Error{Segment: "MSH", SeqInSegmentGroup: 1, Field: 9, Component: 1, Code: hl7.CodeUnsupportedMessageType,
		Message: fmt.Sprintf("message type %s is not accepted here (RDE^O11, RDS^O13 and ADT^A01/A02/A03/A08/A11/A12/A13 are)", out.Type)}), out
}

// ackFor is AR for a message the service does not take at all (type,
// event, processing id, version, a control id reused for other content)
// and AE for one it could not apply.
func ackFor(e *hl7.Error) string {
	switch e.Code {
	case hl7.CodeUnsupportedMessageType, hl7.CodeUnsupportedEventCode, hl7.CodeUnsupportedProcessingID, hl7.CodeUnsupportedVersion:
		return hl7.AckReject
	}
	if e.Segment == "MSH" && e.Field == 10 {
		return hl7.AckReject
	}
	return hl7.AckError
}

// messageKey names a message for resend detection: its sender (MSH-3,
// MSH-4) and control id (MSH-10), within the interface account.
func messageKey(msg *hl7.Message) string {
	return truncate("hl7 "+msg.Get("MSH-3")+"^"+msg.Get("MSH-4")+" "+msg.ControlID(), mar.MaxIdempotencyKeyLen)
}

// messageHash is the SHA-256 of the message as parsed and re-encoded, so
// a resend that differs only in segment terminators is the same message.
func messageHash(msg *hl7.Message) string {
	sum := sha256.Sum256(msg.Encode())
	return hex.EncodeToString(sum[:])
}

// idempotencyError turns a refusal of the idempotency check into its HL7
// error: a control id reused for another message (AR, 205 at MSH-10), or
// the first copy still being applied (AE, 206).
func idempotencyError(err error) *hl7.Error {
	me, ok := mar.AsError(err)
	switch {
	case !ok:
		return nil
	case me.Reason == mar.ReasonIdempotencyKeyReused:
		return &hl7.Error{Segment: "MSH", SeqInSegmentGroup: 1, Field: 10, Code: hl7.CodeDuplicateKey,
			Message: "MSH-10 was already used by this sender for a different message; a new message needs a new control id"}
	case me.Reason == "idempotency_in_progress":
		return &hl7.Error{Segment: "MSH", SeqInSegmentGroup: 1, Field: 10, Code: hl7.CodeRecordLocked,
			Message: "the first copy of this message is still being applied; resend shortly"}
	}
	return nil
}

func (h *Handler) channel() string {
	if h.Channel == "" {
		return "hl7"
	}
	return h.Channel
}

// asHL7Error turns a parse error into an *hl7.Error.
func asHL7Error(err error) *hl7.Error {
	var he *hl7.Error
	if errors.As(err, &he) {
		return he
	}
	return &hl7.Error{Code: hl7.CodeInternal, Message: err.Error()}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// FileResult is what importing one message of a file did.
type FileResult struct {
	Index   int // message number in the file, from 1
	Outcome Outcome
	ACK     []byte
}

// ImportFile applies every message in data (one message, several
// separated by their MSH segments, or an FHS/BHS batch) in order, each in
// its own transaction, and returns an acknowledgement per message.
func (h *Handler) ImportFile(ctx context.Context, data []byte) []FileResult {
	var out []FileResult
	for i, raw := range SplitMessages(data) {
		res := FileResult{Index: i + 1}
		msg, err := hl7.Parse(raw)
		if err != nil {
			e := asHL7Error(err)
			res.Outcome = Outcome{Code: hl7.AckReject, Err: e}
			var ack *hl7.Message
			if hdr, herr := hl7.Parse(firstLine(raw)); herr == nil {
				ack = hl7.NewACK(hdr, hl7.AckReject, e, h.controlID(), h.Svc.Clock.Now())
				res.Outcome.ControlID = hdr.ControlID()
			} else {
				ack = hl7.NewACK(nil, hl7.AckReject, e, h.controlID(), h.Svc.Clock.Now())
			}
			res.ACK = ack.Encode()
			out = append(out, res)
			continue
		}
		ack, o := h.Handle(ctx, msg)
		res.Outcome, res.ACK = o, ack.Encode()
		out = append(out, res)
	}
	return out
}

func firstLine(raw []byte) []byte {
	if i := bytes.IndexAny(raw, "\r\n"); i >= 0 {
		return raw[:i]
	}
	return raw
}

// SplitMessages cuts a file into messages at each MSH segment, dropping
// batch envelopes (FHS, BHS, BTS, FTS) and MLLP framing bytes.
func SplitMessages(data []byte) [][]byte {
	data = bytes.Map(func(r rune) rune {
		if r == 0x0b || r == 0x1c {
			return -1
		}
		return r
	}, data)
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var msgs [][]byte
	var cur []byte
	for _, line := range bytes.FieldsFunc(data, func(r rune) bool { return r == '\r' || r == '\n' }) {
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) == 0 {
			continue
		}
		seg := string(trimmed[:min(3, len(trimmed))])
		switch seg {
		case "FHS", "BHS", "BTS", "FTS":
			continue
		case "MSH":
			if len(cur) > 0 {
				msgs = append(msgs, cur)
			}
			cur = nil
		}
		cur = append(cur, line...)
		cur = append(cur, '\r')
	}
	if len(cur) > 0 {
		msgs = append(msgs, cur)
	}
	return msgs
}

// joinNonEmpty joins the non-empty strings.
func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
