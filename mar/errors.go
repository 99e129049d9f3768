package mar

import (
	"errors"
	"fmt"
	"strings"
)

// ErrorCode classifies an error so that a transport (HTTP, HL7, CLI) can
// answer it correctly without knowing where it came from.
type ErrorCode string

const (
	EInvalid         ErrorCode = "invalid"         // bad input: 400
	EUnauthenticated ErrorCode = "unauthenticated" // no valid identity: 401
	EForbidden       ErrorCode = "forbidden"       // identity lacks the right: 403
	ENotFound        ErrorCode = "not_found"       // unknown id: 404
	EConflict        ErrorCode = "conflict"        // state changed under us: 409
	ETooLarge        ErrorCode = "too_large"       // 413
	ERefused         ErrorCode = "refused"         // semantically refused (a five-rights failure): 422
	ETooMany         ErrorCode = "too_many"        // 429
	EUnavailable     ErrorCode = "unavailable"     // 503
	EInternal        ErrorCode = "internal"        // 500
)

// Error is the domain error. Message is written for the person at the
// screen; Field names the input at fault; Reason is a stable machine code.
type Error struct {
	Code    ErrorCode
	Message string
	Field   string
	Reason  string
	// Details carries structured context, e.g. who documented a dose first.
	Details map[string]any
	Err     error
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Err != nil && !strings.Contains(msg, e.Err.Error()) {
		return msg + ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports bad input in a named field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound reports an unknown object.
func NotFound(what, id string) *Error {
	return &Error{Code: ENotFound, Message: fmt.Sprintf("%s %q not found", what, id)}
}

// Forbidden reports a missing right.
func Forbidden(format string, args ...any) *Error {
	return &Error{Code: EForbidden, Message: fmt.Sprintf(format, args...)}
}

// Conflict reports a state change that makes the request impossible.
func Conflict(reason, format string, args ...any) *Error {
	return &Error{Code: EConflict, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// ErrorCodeOf returns the code of the first *Error in err's chain, or
// EInternal for any other error.
func ErrorCodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// AsError returns the first *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
