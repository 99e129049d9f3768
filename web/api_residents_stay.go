package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

type dischargeRequest struct {
	At *time.Time `json:"at"` // when the resident left; now when absent
}

type transferRequest struct {
	UnitID string `json:"unit_id"`
	Room   string `json:"room"`
	Bed    string `json:"bed"`
}

type allergiesRequest struct {
	// Allergies is the complete list; [] records that none are known.
	Allergies *[]allergyJSON `json:"allergies"`
}

// residentStay answers the resident after a change of their stay.
func (s *Server) residentStay(c *gin.Context, r mar.Resident, err error) {
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toResidentJSON(r))
}

func (s *Server) dischargeResident(c *gin.Context) {
	var req dischargeRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	var at time.Time
	if req.At != nil {
		at = *req.At
	}
	r, err := s.svc.DischargeResident(c.Request.Context(), mustIdentity(c), c.Param("id"), at)
	s.residentStay(c, r, err)
}

func (s *Server) readmitResident(c *gin.Context) {
	var req struct{}
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	r, err := s.svc.ReadmitResident(c.Request.Context(), mustIdentity(c), c.Param("id"))
	s.residentStay(c, r, err)
}

func (s *Server) transferResident(c *gin.Context) {
	var req transferRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	r, err := s.svc.TransferResident(c.Request.Context(), mustIdentity(c), c.Param("id"), req.UnitID, req.Room, req.Bed)
	s.residentStay(c, r, err)
}

func (s *Server) setAllergies(c *gin.Context) {
	var req allergiesRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	if req.Allergies == nil {
		s.respondError(c, mar.Invalid("allergies", "send the complete list ([] when none are known)"))
		return
	}
	list := make([]mar.Allergy, len(*req.Allergies))
	for i, a := range *req.Allergies {
		list[i] = mar.Allergy{Substance: a.Substance, Reaction: a.Reaction, Severity: a.Severity}
	}
	r, err := s.svc.SetAllergies(c.Request.Context(), mustIdentity(c), c.Param("id"), list)
	s.residentStay(c, r, err)
}
