package hl7

import (
	"fmt"
	"strconv"
	"strings"
)

// HL7 table 0357 (message error condition codes) as used in ERR-3 and, before
// v2.5, in ERR-1.4.
const (
	CodeAccepted                = "0"
	CodeSegmentSequence         = "100"
	CodeRequiredFieldMissing    = "101"
	CodeDataType                = "102"
	CodeTableValueNotFound      = "103"
	CodeUnsupportedMessageType  = "200"
	CodeUnsupportedEventCode    = "201"
	CodeUnsupportedProcessingID = "202"
	CodeUnsupportedVersion      = "203"
	CodeUnknownKey              = "204"
	CodeDuplicateKey            = "205"
	CodeRecordLocked            = "206"
	CodeInternal                = "207"
)

var codeText = map[string]string{
	CodeAccepted:                "Message accepted",
	CodeSegmentSequence:         "Segment sequence error",
	CodeRequiredFieldMissing:    "Required field missing",
	CodeDataType:                "Data type error",
	CodeTableValueNotFound:      "Table value not found",
	CodeUnsupportedMessageType:  "Unsupported message type",
	CodeUnsupportedEventCode:    "Unsupported event code",
	CodeUnsupportedProcessingID: "Unsupported processing id",
	CodeUnsupportedVersion:      "Unsupported version id",
	CodeUnknownKey:              "Unknown key identifier",
	CodeDuplicateKey:            "Duplicate key identifier",
	CodeRecordLocked:            "Application record locked",
	CodeInternal:                "Application internal error",
}

// CodeText is the table 0357 description of an error code, or "" for a code
// the table does not define.
func CodeText(code string) string { return codeText[code] }

// Error is a problem found in a message, located precisely enough to fill an
// ERR segment (ERR-2 error location, ERR-3 HL7 error code). Zero position
// fields mean "not applicable": an error about a missing segment has only
// Segment, an error about a whole message has no position at all.
type Error struct {
	Segment string // segment ID, e.g. "PID"
	// SeqInSegmentGroup is ERL-2: which occurrence of Segment in the message,
	// counting from 1.
	SeqInSegmentGroup int
	Field             int // ERL-3, counting from 1
	Repetition        int // ERL-4, counting from 1; 0 when the field does not repeat
	Component         int // ERL-5, counting from 1
	Code              string
	Message           string
	Err               error // underlying cause, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("hl7: ")
	if loc := e.Location(); loc != "" {
		b.WriteString(loc)
		b.WriteString(": ")
	}
	msg := e.Message
	if msg == "" {
		msg = strings.ToLower(CodeText(e.Code))
	}
	b.WriteString(msg)
	if e.Code != "" {
		b.WriteString(" (")
		b.WriteString(e.Code)
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Location renders the position as a path such as "PID[1]-3[2].1", or "" when
// the error has no segment.
func (e *Error) Location() string {
	if e.Segment == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString(e.Segment)
	if e.SeqInSegmentGroup > 1 {
		fmt.Fprintf(&b, "[%d]", e.SeqInSegmentGroup)
	}
	if e.Field > 0 {
		b.WriteString("-")
		b.WriteString(strconv.Itoa(e.Field))
		if e.Repetition > 1 {
			fmt.Fprintf(&b, "[%d]", e.Repetition)
		}
		if e.Component > 0 {
			b.WriteString(".")
			b.WriteString(strconv.Itoa(e.Component))
		}
	}
	return b.String()
}

// code returns the error's code, or 207 when none was set, so that an
// acknowledgement always carries a table 0357 value.
func (e *Error) code() string {
	if e.Code == "" {
		return CodeInternal
	}
	return e.Code
}

func fieldError(seg string, seq, field int, code, format string, args ...any) *Error {
	return &Error{Segment: seg, SeqInSegmentGroup: seq, Field: field, Code: code, Message: fmt.Sprintf(format, args...)}
}
