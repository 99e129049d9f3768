package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

// statusOf maps a domain error code to its HTTP status.
func statusOf(code mar.ErrorCode) int {
	switch code {
	case mar.EInvalid:
		return http.StatusBadRequest
	case mar.EUnauthenticated:
		return http.StatusUnauthorized
	case mar.EForbidden:
		return http.StatusForbidden
	case mar.ENotFound:
		return http.StatusNotFound
	case mar.EConflict:
		return http.StatusConflict
	case mar.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case mar.ERefused:
		return http.StatusUnprocessableEntity
	case mar.ETooMany:
		return http.StatusTooManyRequests
	case mar.EUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON error shape of CONVENTIONS.md.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// LocalizedMessage is the message in the request's language when
	// that is not English (see languages.go); message stays English.
	LocalizedMessage string         `json:"localized_message,omitempty"`
	Details          map[string]any `json:"details,omitempty"`
}

// respondError answers err as JSON and aborts the chain. Internal errors
// are logged and answered without their text.
func (s *Server) respondError(c *gin.Context, err error) {
	var me *mar.Error
	if !errors.As(err, &me) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			me = &mar.Error{Code: mar.ETooLarge, Message: "the request body is too large"}
		} else if errors.Is(err, context.DeadlineExceeded) {
			// The request's deadline passed in code that did not translate
			// it: the database is slow, not the request wrong.
			me = &mar.Error{Code: mar.EUnavailable, Message: "the service did not finish in time; retry", Err: err}
		} else {
			me = &mar.Error{Code: mar.EInternal, Message: "internal error", Err: err}
		}
	}
	if isFHIR(c) {
		s.respondOutcome(c, me, nil)
		return
	}
	status := statusOf(me.Code)
	if status == http.StatusServiceUnavailable && c.Writer.Header().Get("Retry-After") == "" {
		c.Header("Retry-After", "1")
	}
	if status >= 500 {
		s.log.ErrorContext(c.Request.Context(), "request failed", "err", err, "request_id", requestID(c), "route", c.FullPath())
	}
	msg := me.Message
	if me.Code == mar.EInternal {
		msg = "internal error; the request id is " + requestID(c)
	}
	if wantsPage(c) {
		s.respondPageError(c, status, me, msg)
		return
	}
	c.AbortWithStatusJSON(status, errorBody{Error: errorDetail{Code: string(me.Code), Message: msg, Field: me.Field, Reason: me.Reason, Details: me.Details,
		LocalizedMessage: s.localizedMessage(c, me, msg)}})
}
