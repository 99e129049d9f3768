package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// trustRoutes are emergency access and the audit trail.
func (s *Server) trustRoutes() []Route {
	return []Route{
		{"POST", "/api/v1/break-glass", admins, "start time-boxed emergency read access to clinical data, with a reason", s.startBreakGlass},
		{"DELETE", "/api/v1/break-glass", admins, "end emergency access early", s.endBreakGlass},
	}
}

type breakGlassRequest struct {
	Reason     string `json:"reason"`
	ResidentID string `json:"resident_id"`
}

type breakGlassJSON struct {
	ID         string    `json:"id"`
	ResidentID string    `json:"resident_id,omitempty"`
	Reason     string    `json:"reason"`
	StartedAt  time.Time `json:"started_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

func (s *Server) startBreakGlass(c *gin.Context) {
	var req breakGlassRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	g, err := s.svc.StartBreakGlass(c.Request.Context(), mustIdentity(c), req.Reason, req.ResidentID)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, breakGlassJSON{ID: g.ID, ResidentID: g.ResidentID, Reason: g.Reason, StartedAt: g.StartedAt, ExpiresAt: g.ExpiresAt})
}

func (s *Server) endBreakGlass(c *gin.Context) {
	if err := s.svc.EndBreakGlass(c.Request.Context(), mustIdentity(c)); err != nil {
		s.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
