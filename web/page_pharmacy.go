package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

type pharmacyView struct {
	Units    []pharmacyUnit
	Products []mar.Product
	Now      string // the server's clock, RFC 3339
}

// pharmacyUnit is a unit with today's date in its zone, which the forms
// start from.
type pharmacyUnit struct {
	mar.Unit
	Today string
}

// pagePharmacy is the pharmacist's workbench: verification queue,
// missing-dose requests, dispensing and the reconciliation report. The
// lists come from the pharmacy API (pharmacy.js); the page carries the
// units and the catalogue for its forms.
func (s *Server) pagePharmacy(c *gin.Context) {
	by := mustIdentity(c)
	ctx := c.Request.Context()
	units, err := s.svc.ListUnits(ctx, by)
	if err != nil {
		s.respondError(c, err)
		return
	}
	products, err := s.svc.ListProducts(ctx, by)
	if err != nil {
		s.respondError(c, err)
		return
	}
	slices.SortFunc(products, func(a, b mar.Product) int { return strings.Compare(a.Name, b.Name) })
	p := s.newPage(c, "Pharmacy", "pharmacy", "pharmacy.js")
	p.BodyClass = "pharmacy"
	now := s.svc.Clock.Now()
	v := pharmacyView{Products: products, Now: now.Format(time.RFC3339)}
	for _, u := range units {
		loc, err := u.Location()
		if err != nil {
			s.respondError(c, err)
			return
		}
		v.Units = append(v.Units, pharmacyUnit{Unit: u, Today: now.In(loc).Format(time.DateOnly)})
	}
	p.Data = v
	s.render(c, http.StatusOK, "pharmacy", p)
}
