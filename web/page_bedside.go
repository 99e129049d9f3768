package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// pageBedside is the scanning page for a phone or a handheld: everything
// after the first paint happens in bedside.js on the bedside API.
func (s *Server) pageBedside(c *gin.Context) {
	p := s.newPage(c, "Bedside", "bedside", "bedside.js")
	p.BodyClass = "bedside"
	s.render(c, http.StatusOK, "bedside", p)
}
