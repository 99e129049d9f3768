package hl7map

import (
	"bytes"
	"context"
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
	Resident  *mar.Resident
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
	reply := func(ackCode string, e *hl7.Error) *hl7.Message {
		out.Code, out.Err = ackCode, e
		var ack *hl7.Message
		if code == "RDE" {
			ack = hl7.NewRRE(msg, ackCode, e, h.controlID(), now)
		} else {
			ack = hl7.NewACK(msg, ackCode, e, h.controlID(), now)
		}
		if h.Application != "" {
			_ = ack.Set("MSH-3", h.Application)
		}
		if h.Facility != "" {
			_ = ack.Set("MSH-4", h.Facility)
		}
		lvl := slog.LevelInfo
		if ackCode != hl7.AckAccept {
			lvl = slog.LevelWarn
		}
		attrs := []any{"type", out.Type, "control_id", out.ControlID, "ack", ackCode}
		if e != nil {
			attrs = append(attrs, "error", e.Error())
		}
		h.log().Log(ctx, lvl, "hl7 message", attrs...)
		return ack
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
	switch code {
	case "RDE":
		results, e := h.applyRDE(ctx, id, msg, opts)
		if e != nil {
			return reply(ackFor(e), e), out
		}
		out.Orders = results
		return reply(hl7.AckAccept, nil), out
	case "ADT":
		r, e := h.applyADT(ctx, id, msg, opts)
		if e != nil {
			return reply(ackFor(e), e), out
		}
		out.Resident = &r
		return reply(hl7.AckAccept, nil), out
	}
	return reply(hl7.AckReject, &hl7.Error{Segment: "MSH", SeqInSegmentGroup: 1, Field: 9, Component: 1, Code: hl7.CodeUnsupportedMessageType,
		Message: fmt.Sprintf("message type %s is not accepted here (RDE^O11 and ADT^A01/A02/A03/A08 are)", out.Type)}), out
}

// ackFor is AR for a message the service does not take at all (type,
// event, processing id, version) and AE for one it could not apply.
func ackFor(e *hl7.Error) string {
	switch e.Code {
	case hl7.CodeUnsupportedMessageType, hl7.CodeUnsupportedEventCode, hl7.CodeUnsupportedProcessingID, hl7.CodeUnsupportedVersion:
		return hl7.AckReject
	}
	return hl7.AckError
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
