package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

type scanSettingsResponse struct {
	mar.ScanSettings
	// Own is false while the facility uses the service's default.
	Own bool `json:"own"`
}

func (s *Server) getScanSettings(c *gin.Context) {
	set, own, err := s.svc.ScanSettingsOf(c.Request.Context(), mustIdentity(c))
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, scanSettingsResponse{ScanSettings: set, Own: own})
}

func (s *Server) putScanSettings(c *gin.Context) {
	// What GET answered may be sent back edited: "own" is read-only.
	var req struct {
		mar.ScanSettings
		Own *bool `json:"own"`
	}
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	by := mustIdentity(c)
	if err := s.svc.SetScanSettings(c.Request.Context(), by, req.ScanSettings); err != nil {
		s.respondError(c, err)
		return
	}
	s.getScanSettings(c)
}
