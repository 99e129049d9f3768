package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
)

type signInData struct {
	Notice       string
	Next         string
	Current      *mar.User
	Accounts     []demo.Account
	DemoPassword string
	DemoPIN      string
}

// pageSignIn is the start page: password and badge sign-in and, on a demo
// server, the demo accounts.
func (s *Server) pageSignIn(c *gin.Context) {
	p := s.newPage(c, "Sign in", "", "signin.js")
	d := signInData{Next: localPath(c.Query("next"))}
	switch c.Query("reason") {
	case "idle_timeout", "idle":
		d.Notice = fmt.Sprintf("You were signed out after %d minutes without activity. Sign in again to carry on.", int(s.svc.Config.IdleTimeout.Minutes()))
	case "session_expired":
		d.Notice = "Your session reached its time limit. Sign in again to carry on."
	case "signed_out":
		d.Notice = "You are signed out."
	}
	if token, fromCookie := credential(c); fromCookie {
		if id, _, err := s.svc.Authenticate(c.Request.Context(), token); err == nil {
			d.Current = &id.User
		}
	}
	if s.demo {
		d.Accounts, d.DemoPassword, d.DemoPIN = demo.Accounts, demo.Password, demo.PIN
	}
	p.Data = d
	s.render(c, http.StatusOK, "signin", p)
}

// localPath accepts only a path on this server as a place to go after
// signing in, so the sign-in page cannot be used to send people elsewhere.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return ""
	}
	return p
}

// homeOf is where a role starts.
func homeOf(r mar.Role) string {
	switch r {
	case mar.RoleNurse:
		return "/bedside"
	case mar.RoleChargeNurse:
		return "/board"
	case mar.RolePharmacist:
		return "/pharmacy"
	}
	return ""
}

// pageHome sends the signed-in user to their role's start page.
func (s *Server) pageHome(c *gin.Context) {
	if home := homeOf(mustIdentity(c).User.Role); home != "" {
		c.Redirect(http.StatusSeeOther, home)
		return
	}
	s.render(c, http.StatusOK, "home", s.newPage(c, "Signed in", ""))
}
