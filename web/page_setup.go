package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

type setupData struct {
	NeedsFacility                                    bool
	Facility, TimeZone, Username, DisplayName, Error string
	Done                                             bool
}

// pageSetUp is the first-run page: while nobody can sign in it creates the
// first administrator (and the facility); afterwards it is not there.
func (s *Server) pageSetUp(c *gin.Context) {
	ctx := c.Request.Context()
	open, facilities, err := s.svc.NeedsSetUp(ctx)
	if err != nil {
		s.respondError(c, err)
		return
	}
	if !open {
		s.respondError(c, &mar.Error{Code: mar.ENotFound, Reason: "already_set_up", Message: "the service is set up: sign in, and an administrator adds accounts"})
		return
	}
	d := setupData{NeedsFacility: facilities == 0, TimeZone: "UTC"}
	status := http.StatusOK
	if c.Request.Method == http.MethodPost {
		d.Facility, d.TimeZone = c.PostForm("facility"), c.PostForm("time_zone")
		d.Username, d.DisplayName = c.PostForm("username"), c.PostForm("display_name")
		_, err := s.svc.SetUp(ctx, mar.Identity{SourceIP: c.ClientIP(), Device: c.GetHeader("X-Device-Id"), RequestID: requestID(c)}, mar.NewAccount{Username: d.Username, DisplayName: d.DisplayName, Role: mar.RoleAdmin,
			Password: c.PostForm("password"), Facility: d.Facility, TimeZone: d.TimeZone})
		switch e, _ := mar.AsError(err); {
		case err == nil:
			d.Done, status = true, http.StatusCreated
		case e != nil && e.Reason == "already_set_up":
			s.respondError(c, err)
			return
		case e != nil && (e.Code == mar.EInvalid || e.Code == mar.EConflict):
			d.Error, status = e.Message, http.StatusBadRequest
			if e.Field != "" {
				d.Error = e.Field + ": " + e.Message
			}
		default:
			s.respondError(c, err)
			return
		}
	}
	p := s.newPage(c, "Set up", "")
	p.Data = d
	s.render(c, status, "setup", p)
}

// pageEnrol is where an account that must have a second factor sets it up.
func (s *Server) pageEnrol(c *gin.Context) {
	s.render(c, http.StatusOK, "enrol", s.newPage(c, "Second factor", "", "enrol.js"))
}
