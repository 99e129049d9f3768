package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

// countsView is what the count page shows.
type countsView struct {
	Units         []mar.Unit
	Sheet         mar.CountSheet
	LastCount     string
	CanCount      bool
	CanResolve    bool
	Discrepancies []discrepancyView
}

type discrepancyView struct {
	ID, Name, At                  string
	Counted, Expected, Difference string
}

func (s *Server) pageCounts(c *gin.Context) {
	by := mustIdentity(c)
	units, unit, loc, err := s.chosenUnit(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	sheet, err := s.svc.ControlledCountSheet(c.Request.Context(), by, unit.ID)
	if err != nil {
		s.respondError(c, err)
		return
	}
	open, err := s.svc.CountDiscrepancies(c.Request.Context(), by, unit.ID, true)
	if err != nil {
		s.respondError(c, err)
		return
	}
	lc := s.locale(c)
	names := map[string]string{}
	for _, l := range sheet.Lines {
		names[l.Product.ID] = l.Product.Name
	}
	v := countsView{Units: units, Sheet: sheet, CanCount: by.User.Role == mar.RoleNurse || by.User.Role == mar.RoleChargeNurse,
		CanResolve: by.User.Role == mar.RoleChargeNurse || by.User.Role == mar.RolePharmacist}
	if sheet.LastCount != nil {
		v.LastCount = lc.Format(sheet.LastCount.CountedAt.In(loc), lc.DayTime+" MST")
	}
	num := lc.Number
	for _, l := range open {
		name := names[l.ProductID]
		if name == "" {
			name = l.ProductID
		}
		name += lotLabel(l.Lot)
		d := l.Difference()
		diff := num(d)
		if d > 0 {
			diff = "+" + diff
		}
		v.Discrepancies = append(v.Discrepancies, discrepancyView{ID: l.ID, Name: name, At: lc.Format(l.CountedAt.In(loc), lc.DayTime+" MST"),
			Counted: num(l.Counted), Expected: num(l.Expected), Difference: diff})
	}
	p := s.newPage(c, "Controlled-substance count", "counts", "counts.js")
	p.Data = v
	s.render(c, http.StatusOK, "counts", p)
}

// lotLabel names a count line's lot after its product.
func lotLabel(lot string) string {
	if lot == "" {
		return " (lot not recorded)"
	}
	return ", lot " + lot
}
