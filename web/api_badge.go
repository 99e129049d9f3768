package web

import (
	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/scanning"
)

type badgeLoginRequest struct {
	Scan string `json:"scan"` // exactly what the scanner typed
	PIN  string `json:"pin"`
	Kind string `json:"kind"` // web (cookie) or device (bearer token)
}

// loginBadge signs in with a scanned staff badge and a PIN. The scan is
// parsed here, so the page sends it as typed (AIM prefix and all).
func (s *Server) loginBadge(c *gin.Context) {
	if !s.signInAllowed(c) {
		return
	}
	var req badgeLoginRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	if req.Kind == "" {
		req.Kind = mar.SessionDevice
	}
	opts, err := s.svc.BadgeScanOptions(c.Request.Context())
	if err != nil {
		s.respondError(c, err)
		return
	}
	opts.Expect = scanning.KindBadge
	code, err := scanning.Parse(req.Scan, opts)
	badge := code.Identifiers["badge"]
	if err != nil || code.Kind != scanning.KindBadge || badge == "" {
		s.respondError(c, &mar.Error{Code: mar.EInvalid, Field: "scan", Reason: "not_a_badge", Message: "that scan is not a staff badge; scan the barcode on your badge"})
		return
	}
	src := mar.Identity{SourceIP: c.ClientIP(), Device: c.GetHeader("X-Device-Id"), RequestID: requestID(c)}
	res, err := s.svc.LoginBadge(c.Request.Context(), badge, req.PIN, req.Kind, src)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.answerSignIn(c, res, req.Kind)
}
