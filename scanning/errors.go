package scanning

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors for errors.Is. Decode errors are returned as they are (or
// wrapped with context); parse errors are *ParseError values that wrap one of
// the parse sentinels below.
var (
	// ErrNoBarcode: no supported barcode was found in the image.
	ErrNoBarcode = errors.New("no barcode found")
	// ErrTooLarge: the image exceeds DecodeOptions.MaxBytes or MaxPixels.
	ErrTooLarge = errors.New("image too large")
	// ErrUnsupportedSymbology: the image holds a barcode this decoder cannot
	// read (a PDF417 symbol seen but not readable: damaged beyond its error
	// correction, distorted, or a MicroPDF417).
	ErrUnsupportedSymbology = errors.New("unsupported symbology")

	// ErrEmpty: the scan carried no data.
	ErrEmpty = errors.New("empty scan")
	// ErrMissingSeparator: a variable-length GS1 field is followed by more
	// data without a group separator, so where it ends is ambiguous.
	ErrMissingSeparator = errors.New("missing group separator")
	// ErrCheckDigit: a check digit or check character does not match.
	ErrCheckDigit = errors.New("check digit mismatch")
	// ErrInvalidDate: a date field is not a calendar date.
	ErrInvalidDate = errors.New("invalid date")
	// ErrUnknownAI: the data names an Application Identifier not in the table.
	ErrUnknownAI = errors.New("unknown application identifier")
	// ErrDuplicateAI: the same Application Identifier occurs twice.
	ErrDuplicateAI = errors.New("duplicate application identifier")
	// ErrSyntax: a value has the wrong length or characters.
	ErrSyntax = errors.New("invalid syntax")
	// ErrFormat: a facility ID format is invalid, or a scan announced as a
	// given format does not follow it.
	ErrFormat = errors.New("invalid format")
)

// ParseError says exactly what is wrong with a scan and where.
type ParseError struct {
	// AI is the GS1 Application Identifier concerned, if any.
	AI string
	// Field names the part concerned when it is not an AI: "gtin", "hibc",
	// "upc", "symbology", a wristband field, …
	Field string
	// Pos is the byte offset in the original input where the problem starts,
	// or -1 when it concerns the whole input.
	Pos int
	// Reason is a human-readable explanation.
	Reason string
	// Err is the sentinel the error matches with errors.Is.
	Err error
	// Conflicts names the checked AIs on which the possible readings of
	// data without group separators disagree (ErrMissingSeparator).
	Conflicts []string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("scanning: ")
	switch {
	case e.AI != "":
		b.WriteString("AI (" + e.AI + ")")
		if t := aiTitle(e.AI); t != "" {
			b.WriteString(" " + t)
		}
	case e.Field != "":
		b.WriteString(e.Field)
	default:
		b.WriteString("scan")
	}
	if e.Pos >= 0 {
		fmt.Fprintf(&b, " at position %d", e.Pos)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

func aiTitle(ai string) string {
	if s, ok := lookupAI(ai); ok {
		return s.Title
	}
	return ""
}
