package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

func (s *Server) getProduct(c *gin.Context) {
	p, err := s.svc.GetProduct(c.Request.Context(), mustIdentity(c), c.Param("id"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toProductJSON(p))
}

// changeProductRequest is an edit of a product: absent fields stay;
// version is the version the editor read. Packages are added one by one
// (POST …/packages); ids, drug classes and versions are the server's.
type changeProductRequest struct {
	Version       int64             `json:"version"`
	Name          *string           `json:"name"`
	Form          *string           `json:"form"`
	Routes        *[]string         `json:"routes"`
	Ingredients   *[]ingredientJSON `json:"ingredients"`
	HighAlert     *string           `json:"high_alert"`
	Controlled    *string           `json:"controlled"`
	TimeCritical  *bool             `json:"time_critical"`
	Psychotropic  *bool             `json:"psychotropic"`
	Antipsychotic *bool             `json:"antipsychotic"`
	Splitting     *string           `json:"splitting"`
	// Crushable: true or false states it; null goes back to what the
	// form implies; absent leaves it.
	Crushable json.RawMessage `json:"crushable"`
}

func (r changeProductRequest) domain() (mar.ProductChange, error) {
	ch := mar.ProductChange{Version: r.Version, Name: r.Name, Form: r.Form, Routes: r.Routes, Controlled: r.Controlled,
		TimeCritical: r.TimeCritical, Psychotropic: r.Psychotropic, Antipsychotic: r.Antipsychotic}
	switch strings.TrimSpace(string(r.Crushable)) {
	case "":
	case "null":
		ch.CrushableInferred = true
	case "true", "false":
		v := strings.TrimSpace(string(r.Crushable)) == "true"
		ch.Crushable = &v
	default:
		return ch, mar.Invalid("crushable", "must be true, false or null (as the form implies)")
	}
	if r.Ingredients != nil {
		ins := make([]mar.Ingredient, len(*r.Ingredients))
		for i, in := range *r.Ingredients {
			ins[i] = mar.Ingredient{Name: in.Name, StrengthValue: in.StrengthValue, StrengthUnit: in.StrengthUnit}
		}
		ch.Ingredients = &ins
	}
	if r.HighAlert != nil {
		h := mar.HighAlert(*r.HighAlert)
		ch.HighAlert = &h
	}
	if r.Splitting != nil {
		sp := mar.Splitting(*r.Splitting)
		ch.Splitting = &sp
	}
	return ch, nil
}

func (s *Server) changeProduct(c *gin.Context) {
	var req changeProductRequest
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	ch, err := req.domain()
	if err != nil {
		s.respondError(c, err)
		return
	}
	p, err := s.svc.UpdateProduct(c.Request.Context(), mustIdentity(c), c.Param("id"), ch)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, toProductJSON(p))
}

func (s *Server) addPackage(c *gin.Context) {
	var req packageJSON
	if _, err := readJSON(c, &req); err != nil {
		s.respondError(c, err)
		return
	}
	p, err := s.svc.AddPackage(c.Request.Context(), mustIdentity(c), c.Param("id"),
		mar.Package{GTIN: req.GTIN, NDC: req.NDC, Description: req.Description, Quantity: req.Quantity})
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toProductJSON(p))
}
