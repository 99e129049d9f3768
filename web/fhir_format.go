package web

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar/fhir"
)

// fhirFormat answers 406 with an OperationOutcome when a FHIR client asks
// for a format the service does not write: _format (which the FHIR spec
// lets override Accept) or an Accept header that admits no JSON. Only JSON
// is written; XML is not supported.
func (s *Server) fhirFormat() gin.HandlerFunc {
	return func(c *gin.Context) {
		if f := c.Query("_format"); f != "" {
			if !jsonFormat(f) {
				notAcceptable(c, "_format", f)
				return
			}
		} else if a := c.GetHeader("Accept"); a != "" && !acceptsJSON(a) {
			notAcceptable(c, "Accept", a)
			return
		}
		c.Next()
	}
}

func notAcceptable(c *gin.Context, where, what string) {
	c.Abort()
	c.Data(http.StatusNotAcceptable, fhir.ContentType, fhir.OperationOutcome(fhir.Issue{Code: "not-supported", Expression: []string{where},
		Diagnostics: "only JSON is written here (application/fhir+json); " + where + " asks for " + strconv.Quote(what)}))
}

// jsonFormat reads a _format value: json, or a JSON media type.
func jsonFormat(f string) bool {
	f = strings.TrimSpace(strings.ToLower(f))
	if f == "json" {
		return true
	}
	mt, _, err := mime.ParseMediaType(f)
	return err == nil && (mt == "application/fhir+json" || mt == "application/json" || mt == "application/json+fhir")
}

// acceptsJSON reports whether an Accept header admits a JSON answer (or
// anything at all): a media range with q > 0 that JSON falls in.
func acceptsJSON(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if q, ok := params["q"]; ok {
			if v, err := strconv.ParseFloat(q, 64); err != nil || v <= 0 {
				continue
			}
		}
		switch mt {
		case "*/*", "application/*", "application/fhir+json", "application/json", "application/json+fhir":
			return true
		}
	}
	return false
}
