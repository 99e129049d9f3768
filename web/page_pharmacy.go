package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

type pharmacyView struct {
	Units    []mar.Unit
	Products []mar.Product
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
	p.Data = pharmacyView{Units: units, Products: products}
	s.render(c, http.StatusOK, "pharmacy", p)
}
