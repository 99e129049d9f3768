package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

type ownPasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changeOwnPassword changes the caller's password; every session of the
// account ends, this one too.
func (s *Server) changeOwnPassword(c *gin.Context) {
	var req ownPasswordRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	if err := s.svc.ChangeOwnPassword(c.Request.Context(), mustIdentity(c), req.CurrentPassword, req.NewPassword); err != nil {
		s.respondError(c, fieldRenamed(err, "password", "new_password"))
		return
	}
	c.Status(http.StatusNoContent)
}

type resetPasswordRequest struct {
	NewPassword string `json:"new_password"`
}

func (s *Server) resetPassword(c *gin.Context) {
	var req resetPasswordRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	if err := s.svc.ResetPassword(c.Request.Context(), mustIdentity(c), c.Param("id"), req.NewPassword); err != nil {
		s.respondError(c, fieldRenamed(err, "password", "new_password"))
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) setUserActive(active bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		u, err := s.svc.SetActive(c.Request.Context(), mustIdentity(c), c.Param("id"), active)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, toUserJSON(u))
	}
}

type changeUserRequest struct {
	DisplayName *string   `json:"display_name"`
	Role        *string   `json:"role"`
	UnitIDs     *[]string `json:"unit_ids"`
}

func (s *Server) changeUser(c *gin.Context) {
	var req changeUserRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	ch := mar.AccountChange{DisplayName: req.DisplayName, UnitIDs: req.UnitIDs}
	if req.Role != nil {
		r := mar.Role(*req.Role)
		ch.Role = &r
	}
	u, err := s.svc.ChangeAccount(c.Request.Context(), mustIdentity(c), c.Param("id"), ch)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toUserJSON(u))
}

// fieldRenamed names a request's field as the request calls it.
func fieldRenamed(err error, from, to string) error {
	if e, ok := mar.AsError(err); ok && e.Field == from {
		c := *e
		c.Field = to
		return &c
	}
	return err
}
