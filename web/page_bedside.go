package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// pageBedside is the scanning page for a phone or a handheld: everything
// after the first paint happens in bedside.js on the bedside API.
func (s *Server) pageBedside(c *gin.Context) {
	p := s.newPage(c, "Bedside", "bedside", "offline.js", "bedside.js")
	p.BodyClass = "bedside"
	unit := ""
	if p.User != nil && len(p.User.UnitIDs) == 1 {
		unit = p.User.UnitIDs[0]
	}
	p.Data = bedsidePageData{OfflineKey: s.offlinePublicKey(), Unit: unit, Offline: s.offlineBuilt()}
	// The offline checks are WebAssembly: compiling it is allowed on this
	// page (and only it), still from this origin only.
	c.Header("Content-Security-Policy", strings.Replace(contentSecurityPolicy, "script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", 1))
	s.render(c, http.StatusOK, "bedside", p)
}

// bedsidePageData is what the bedside page needs besides the user: the key
// its offline snapshots are signed with, the user's unit when they work on
// one, and whether the offline checks are there at all.
type bedsidePageData struct {
	OfflineKey string
	Unit       string
	Offline    bool // the WebAssembly checks are built and served
}
