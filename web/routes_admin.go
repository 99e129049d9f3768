package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

// adminRoutes are the administration pages (staff, units, residents) and
// the JSON routes they need beyond the core ones.
func (s *Server) adminRoutes() []Route {
	return []Route{
		{"POST", "/api/v1/units", admins, "add a unit: code, name, time zone (IANA), its own med-pass times and ISMP window widths (audited)", s.createUnit},
		{"PATCH", "/api/v1/units/:id", admins, "change a unit; new med-pass times and windows apply to doses scheduled afterwards, never to doses already scheduled or documented (audited)", s.changeUnit},
		{"PATCH", "/api/v1/residents/:id", admission, "correct a resident's demographics and identifiers against the version read (version; audited)", s.editResident},
		{"PUT", "/api/v1/residents/:id/photo", admission, "store the resident's photo: a JPEG or PNG body of at most 2 MB, checked by decoding (audited)", s.putResidentPhoto},
		{"GET", "/api/v1/residents/:id/photo", anyone, "the resident's photo (within the caller's units)", s.getResidentPhoto},

		{"GET", "/admin/staff", admins, "the staff page: accounts, roles, units, disable, password and second-factor resets", s.pageStaff},
		{"GET", "/admin/units", admins, "the units page: name, time zone, med-pass times, ISMP windows; the facility's scan formats", s.pageUnits},
		{"GET", "/admin/residents", admission, "the residents page: admit, edit, photo, allergies, weight, discharge, readmit, transfer", s.pageResidents},
	}
}

type unitRequest struct {
	Code      *string            `json:"code"`
	Name      *string            `json:"name"`
	TimeZone  *string            `json:"time_zone"`
	PassTimes *map[string]string `json:"pass_times"`
	Windows   *unitWindowsJSON   `json:"windows"`
}

func (r unitRequest) change() mar.UnitChange {
	ch := mar.UnitChange{Code: r.Code, Name: r.Name, TimeZone: r.TimeZone, PassTimes: r.PassTimes}
	if r.Windows != nil {
		ch.Windows = &mar.UnitWindows{TimeCritical: time.Duration(r.Windows.TimeCritical) * time.Minute,
			Frequent: time.Duration(r.Windows.Frequent) * time.Minute, Daily: time.Duration(r.Windows.Daily) * time.Minute}
	}
	return ch
}

func (s *Server) createUnit(c *gin.Context) {
	var req unitRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	ch := req.change()
	u := mar.Unit{}
	for _, f := range []struct {
		dst *string
		src *string
	}{{&u.Code, ch.Code}, {&u.Name, ch.Name}, {&u.TimeZone, ch.TimeZone}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if ch.PassTimes != nil {
		d, err := mar.ParseUnitPassTimes("pass_times", *ch.PassTimes)
		if err != nil {
			s.respondError(c, err)
			return
		}
		u.PassTimes = d
	}
	if ch.Windows != nil {
		u.Windows = *ch.Windows
	}
	created, err := s.svc.CreateUnit(c.Request.Context(), mustIdentity(c), u)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toUnitJSON(created))
}

func (s *Server) changeUnit(c *gin.Context) {
	var req unitRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	u, err := s.svc.ChangeUnit(c.Request.Context(), mustIdentity(c), c.Param("id"), req.change())
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toUnitJSON(u))
}

type editResidentRequest struct {
	Version     int64   `json:"version"`
	FamilyName  *string `json:"family_name"`
	GivenName   *string `json:"given_name"`
	BirthDate   *string `json:"birth_date"`
	Sex         *string `json:"sex"`
	MRNSystem   *string `json:"mrn_system"`
	MRN         *string `json:"mrn"`
	WristbandID *string `json:"wristband_id"`
	Room        *string `json:"room"`
	Bed         *string `json:"bed"`
}

func (s *Server) editResident(c *gin.Context) {
	var req editResidentRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	r, err := s.svc.EditResident(c.Request.Context(), mustIdentity(c), c.Param("id"), mar.ResidentEdit{Version: req.Version,
		FamilyName: req.FamilyName, GivenName: req.GivenName, BirthDate: req.BirthDate, Sex: req.Sex, MRNSystem: req.MRNSystem, MRN: req.MRN,
		WristbandID: req.WristbandID, Room: req.Room, Bed: req.Bed})
	s.residentStay(c, r, err)
}

type photoJSON struct {
	ResidentID  string    `json:"resident_id"`
	ContentType string    `json:"content_type"`
	SHA256      string    `json:"sha256"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	Bytes       int       `json:"bytes"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// putResidentPhoto takes the image as the body (Content-Type image/jpeg or
// image/png); what it is is decided by decoding it, not by the header.
func (s *Server) putResidentPhoto(c *gin.Context) {
	ct := strings.TrimSpace(strings.SplitN(c.GetHeader("Content-Type"), ";", 2)[0])
	if ct != "image/jpeg" && ct != "image/png" {
		s.respondError(c, mar.Invalid("Content-Type", "send the photo as the body with Content-Type image/jpeg or image/png"))
		return
	}
	body := http.MaxBytesReader(c.Writer, c.Request.Body, mar.MaxPhotoBytes)
	data, err := io.ReadAll(body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.respondError(c, &mar.Error{Code: mar.ETooLarge, Field: "photo", Reason: "too_large", Message: fmt.Sprintf("the photo is larger than %d bytes (2 MB)", mar.MaxPhotoBytes)})
			return
		}
		s.respondError(c, mar.Invalid("photo", "could not read the upload"))
		return
	}
	p, err := s.svc.SetResidentPhoto(c.Request.Context(), mustIdentity(c), c.Param("id"), data)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, photoJSON{ResidentID: p.ResidentID, ContentType: p.ContentType, SHA256: p.SHA256, Width: p.Width, Height: p.Height,
		Bytes: len(p.Data), UpdatedAt: p.UpdatedAt})
}

func (s *Server) getResidentPhoto(c *gin.Context) {
	p, err := s.svc.ResidentPhoto(c.Request.Context(), mustIdentity(c), c.Param("id"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	etag := `"` + p.SHA256 + `"`
	c.Header("ETag", etag)
	c.Header("Cache-Control", "private, no-cache")
	c.Header("X-Content-Type-Options", "nosniff")
	if c.GetHeader("If-None-Match") == etag {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, p.ContentType, p.Data)
}
