package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

const jsonContentType = "application/json; charset=utf-8"

// requestHash is the SHA-256 of method, path and the request's content.
func requestHash(c *gin.Context, content []byte) string {
	h := sha256.New()
	h.Write([]byte(c.Request.Method + " " + c.Request.URL.Path + "\n"))
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}

// idempotencyKeyHeader reads and checks the Idempotency-Key header.
func idempotencyKeyHeader(c *gin.Context) (string, error) {
	key := c.GetHeader("Idempotency-Key")
	if key == "" {
		return "", nil
	}
	if len(key) > mar.MaxIdempotencyKeyLen || strings.ContainsFunc(key, func(r rune) bool { return r < ' ' || r > '~' }) {
		return "", &mar.Error{Code: mar.EInvalid, Field: "Idempotency-Key", Message: "must be 1-255 printable ASCII characters (a UUID is a good choice)"}
	}
	return key, nil
}

// serveWrite is the one place bedside writes meet the Idempotency-Key.
// With a key, the rendered answer is stored by mar in the same transaction
// as the change and sent as stored; a retry gets the stored bytes again
// with Idempotent-Replayed: true. content is what identifies the request
// besides method and path (the JSON body, or a digest of an upload).
func serveWrite[T any](s *Server, c *gin.Context, content []byte, render func(T) (int, any), call func(ctx context.Context) (T, error)) {
	ctx := c.Request.Context()
	key, err := idempotencyKeyHeader(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	var idem *mar.Idempotency
	if key != "" {
		idem = &mar.Idempotency{Key: key, Hash: requestHash(c, content), Render: func(r any) (int, []byte, error) {
			status, v := render(r.(T))
			b, err := json.Marshal(v)
			return status, b, err
		}}
		ctx = mar.WithIdempotency(ctx, idem)
	}
	res, err := call(ctx)
	var rep *mar.Replayed
	switch {
	case errors.As(err, &rep):
		c.Header("Idempotent-Replayed", "true")
		c.Data(rep.Status, jsonContentType, rep.Body)
	case err != nil:
		// Whatever was rendered, nothing was stored.
		s.respondBedsideError(c, err)
	case idem != nil && idem.Body != nil:
		// Committed: send exactly what was stored, so a replay is identical.
		c.Data(idem.Status, jsonContentType, idem.Body)
	default:
		status, v := render(res)
		c.JSON(status, v)
	}
}

// refusalBody is the error body of a refused verification: the standard
// error with every check and the candidates in details.
func refusalBody(r *mar.Refusal) errorBody {
	e := r.Err
	loc := locationOf(r.Verdict.Unit)
	details := map[string]any{}
	for k, v := range e.Details {
		details[k] = v
	}
	details["checks"] = toChecksJSON(r.Verdict.Checks)
	details["candidates"] = toDueItems(r.Verdict.Candidates, loc)
	return errorBody{Error: errorDetail{Code: string(e.Code), Message: e.Message, Field: e.Field, Reason: e.Reason, Details: details}}
}

// respondBedsideError answers a refusal with its checks, anything else as
// respondError does.
func (s *Server) respondBedsideError(c *gin.Context, err error) {
	var ref *mar.Refusal
	if errors.As(err, &ref) {
		c.AbortWithStatusJSON(statusOf(ref.Err.Code), s.localizeRefusal(c, ref))
		return
	}
	s.respondError(c, err)
}
