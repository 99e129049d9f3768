package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

// The administration pages: a new facility sets itself up here instead of
// with hand-written API calls. Each page is rendered with what it lists;
// its script sends every change to the JSON routes (with the session's
// CSRF token) and reloads the page to show the result.

type staffView struct {
	Users []staffUserView
	Units []mar.Unit
	Roles []roleOption
}

type roleOption struct{ Value, Label string }

type staffUserView struct {
	mar.User
	RoleLabel string
	UnitNames string
}

// Has reports whether the account works on the unit.
func (u staffUserView) Has(unitID string) bool { return slices.Contains(u.UnitIDs, unitID) }

func roleOptions() []roleOption {
	out := make([]roleOption, 0, len(mar.Roles))
	for _, r := range mar.Roles {
		out = append(out, roleOption{string(r), roleName(r)})
	}
	return out
}

func unitNames(units []mar.Unit, ids []string) string {
	var names []string
	for _, u := range units {
		if slices.Contains(ids, u.ID) {
			names = append(names, u.Name)
		}
	}
	return strings.Join(names, ", ")
}

func (s *Server) pageStaff(c *gin.Context) {
	by := mustIdentity(c)
	users, err := s.svc.ListUsers(c.Request.Context(), by)
	if err != nil {
		s.respondError(c, err)
		return
	}
	units, err := s.svc.ListUnits(c.Request.Context(), by)
	if err != nil {
		s.respondError(c, err)
		return
	}
	v := staffView{Units: units, Roles: roleOptions()}
	for _, u := range users {
		v.Users = append(v.Users, staffUserView{User: u, RoleLabel: roleName(u.Role), UnitNames: unitNames(units, u.UnitIDs)})
	}
	p := s.newPage(c, "Staff", "staff", "admin.js")
	p.Data = v
	s.render(c, http.StatusOK, "staff", p)
}

// passAbbreviations are the med-pass abbreviations the units page offers
// (others can be set through the API).
var passAbbreviations = []string{"QD", "BID", "TID", "QID", "QAM", "QPM", "QHS"}

type unitsView struct {
	Units     []unitView
	New       unitView
	TimeZones []string
}

type unitView struct {
	mar.Unit
	P       string // the prefix of the form's element ids
	Times   []passTimeView
	Windows unitWindowsJSON
	F       unitWindowsJSON // the facility's windows, shown as placeholders
}

type passTimeView struct {
	Key, Value, Facility string
}

func (s *Server) unitView(u mar.Unit) unitView {
	w := s.svc.FacilityWindows()
	v := unitView{Unit: u, P: u.ID, Windows: toUnitJSON(u).Windows,
		F: unitWindowsJSON{int(w.TimeCritical / time.Minute), int(w.Frequent / time.Minute), int(w.Daily / time.Minute)}}
	if v.P == "" {
		v.P = "new"
	}
	own := mar.UnitPassTimesText(u.PassTimes)
	fac := s.svc.FacilityPassTimes(u)
	for _, k := range passAbbreviations {
		var facText string
		if ts, ok := fac.Lookup(k); ok {
			parts := make([]string, len(ts))
			for i, t := range ts {
				parts[i] = t.String()
			}
			facText = strings.Join(parts, ", ")
		}
		v.Times = append(v.Times, passTimeView{Key: k, Value: own[k], Facility: facText})
	}
	return v
}

// commonZones are offered as suggestions; any IANA name is accepted.
var commonZones = []string{"America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
	"America/Anchorage", "Pacific/Honolulu", "America/Toronto", "America/Vancouver", "Europe/London", "Europe/Berlin", "Europe/Paris",
	"Europe/Zurich", "Australia/Sydney", "Pacific/Auckland", "UTC"}

func (s *Server) pageUnits(c *gin.Context) {
	by := mustIdentity(c)
	units, err := s.svc.ListUnits(c.Request.Context(), by)
	if err != nil {
		s.respondError(c, err)
		return
	}
	v := unitsView{TimeZones: commonZones, New: s.unitView(mar.Unit{})}
	for _, u := range units {
		v.Units = append(v.Units, s.unitView(u))
	}
	p := s.newPage(c, "Units", "units", "admin.js")
	p.Data = v
	s.render(c, http.StatusOK, "units", p)
}

type residentsView struct {
	Units      []mar.Unit // the units the caller may admit to
	AllUnits   []mar.Unit // for showing a resident's unit
	UnitID     string
	Status     string
	Residents  []residentView
	MRNSystem  string
	CanWeigh   bool // nurses record weights (vitals); administrators do not
	Severities []string
	Sexes      []roleOption
	NoAllergy  mar.Allergy // the blank row the page adds
}

type residentView struct {
	mar.Resident
	UnitName string
}

func (s *Server) pageResidents(c *gin.Context) {
	by := mustIdentity(c)
	all, err := s.svc.ListUnits(c.Request.Context(), by)
	if err != nil {
		s.respondError(c, err)
		return
	}
	var mine []mar.Unit
	for _, u := range all {
		if !mar.ScopedToUnits(by.User.Role) || by.User.WorksOnUnit(u.ID) {
			mine = append(mine, u)
		}
	}
	status := mar.ResidentStatus(c.DefaultQuery("status", string(mar.Admitted)))
	if status != mar.Admitted && status != mar.Discharged {
		s.respondError(c, mar.Invalid("status", "must be admitted or discharged"))
		return
	}
	unitID := c.Query("unit_id")
	if unitID != "" && !slices.ContainsFunc(mine, func(u mar.Unit) bool { return u.ID == unitID }) {
		s.respondError(c, mar.Forbidden("you are not assigned to this unit"))
		return
	}
	v := residentsView{Units: mine, AllUnits: all, UnitID: unitID, Status: string(status), MRNSystem: s.svc.Config.Identifiers.DefaultSystem(),
		CanWeigh: by.User.Role == mar.RoleChargeNurse, Severities: mar.AllergySeverities,
		Sexes: []roleOption{{"unknown", tr("Not known")}, {"female", tr("Female")}, {"male", tr("Male")}, {"other", tr("Other")}}}
	if len(mine) > 0 {
		rs, err := s.svc.ListResidents(c.Request.Context(), by, unitID, status)
		if err != nil {
			s.respondError(c, err)
			return
		}
		for _, r := range rs {
			v.Residents = append(v.Residents, residentView{Resident: r, UnitName: unitNames(all, []string{r.UnitID})})
		}
	}
	p := s.newPage(c, "Residents", "residents", "admin.js")
	p.Data = v
	s.render(c, http.StatusOK, "residents", p)
}
