package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

// maxJSONBody bounds every JSON request body.
const maxJSONBody = 1 << 20

// readJSON decodes the request body into dst, refusing unknown fields (they
// could hide a mass-assignment attempt such as "status" or "performed_by")
// and trailing data. The raw body is returned for idempotency hashing.
func readJSON(c *gin.Context, dst any) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, maxJSONBody+1))
	if err != nil {
		return nil, &mar.Error{Code: mar.EInvalid, Message: "could not read the request body", Err: err}
	}
	if len(body) > maxJSONBody {
		return nil, &mar.Error{Code: mar.ETooLarge, Message: fmt.Sprintf("the request body is larger than %d bytes", maxJSONBody)}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return body, jsonError(err)
	}
	if dec.More() {
		return body, mar.Invalid("body", "unexpected data after the JSON object")
	}
	return body, nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return mar.Invalid("body", "a JSON object is required")
	case errors.As(err, &syn):
		return mar.Invalid("body", "malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return mar.Invalid(typ.Field, "must be %s, not %s", typ.Type.String(), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return mar.Invalid(field, "is not a field this request accepts")
	}
	return mar.Invalid("body", "%v", err)
}
