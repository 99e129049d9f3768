package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

// highAlertLabel says what a high-alert class means at the bedside.
func highAlertLabel(h mar.HighAlert) string {
	switch h {
	case mar.HighAlertPharmacyOnly:
		return tr("High-alert: pharmacy only")
	case mar.HighAlertWitnessRecommended:
		return tr("High-alert: a second nurse's check is recommended")
	case mar.HighAlertWitnessRequired:
		return tr("High-alert: a second nurse must witness each dose")
	}
	return ""
}

// highAlertChoice is one option of the high-alert select.
type highAlertChoice struct{ Value, Label string }

var highAlertChoices = []highAlertChoice{
	{string(mar.HighAlertNone), tr("Not high-alert")},
	{string(mar.HighAlertWitnessRecommended), tr("High-alert: second check recommended")},
	{string(mar.HighAlertWitnessRequired), tr("High-alert: witness required")},
	{string(mar.HighAlertPharmacyOnly), tr("High-alert: pharmacy only")},
}

// productView is one product as the catalogue pages show it.
type productView struct {
	mar.Product
	Strength    string
	HighAlertTx string
	Classes     string
	Split       string
	MayCrush    bool
	Inferred    bool
	Routes      string
}

func toProductView(p mar.Product) productView {
	v := productView{Product: p, HighAlertTx: highAlertLabel(p.HighAlert), Split: string(p.SplitRule()), MayCrush: p.MayCrush(),
		Inferred: p.Splitting == "" || p.Crushable == nil, Routes: joinComma(p.Routes)}
	for i, in := range p.Ingredients {
		if i > 0 {
			v.Strength += " + "
		}
		v.Strength += in.Name + " " + strconv.FormatFloat(in.StrengthValue, 'f', -1, 64) + " " + in.StrengthUnit
	}
	v.Classes = joinComma(p.DrugClasses())
	return v
}

func joinComma(xs []string) string { return strings.Join(xs, ", ") }

// productForm is what the product fields (create and edit) show.
type productForm struct {
	P           productView
	Ingredients []mar.Ingredient
	HighAlerts  []highAlertChoice
	Schedules   []string
	Splits      []highAlertChoice
	Split       string // the stated splitting, "" when inferred
	Crush       string // "true", "false" or "" when inferred
}

func newProductForm(p mar.Product) productForm {
	f := productForm{P: toProductView(p), Ingredients: p.Ingredients, HighAlerts: highAlertChoices, Schedules: []string{"II", "III", "IV", "V"},
		Splits: []highAlertChoice{{"", tr("As the form implies")}, {string(mar.SplitNone), tr("No")}, {string(mar.SplitHalf), tr("In halves")},
			{string(mar.SplitQuarter), tr("In halves or quarters")}, {string(mar.SplitAny), tr("Any fraction")}},
		Split: string(p.Splitting)}
	if p.Crushable != nil {
		f.Crush = strconv.FormatBool(*p.Crushable)
	}
	if len(f.Ingredients) == 0 {
		f.Ingredients = []mar.Ingredient{{}}
	}
	return f
}

type catalogueView struct {
	Products []productView
	Form     productForm
}

func (s *Server) pageCatalogue(c *gin.Context) {
	ps, err := s.svc.ListProducts(c.Request.Context(), mustIdentity(c))
	if err != nil {
		s.respondError(c, err)
		return
	}
	v := catalogueView{Form: newProductForm(mar.Product{HighAlert: mar.HighAlertNone})}
	for _, p := range ps {
		v.Products = append(v.Products, toProductView(p))
	}
	p := s.newPage(c, "Catalogue", "catalogue", "fields.js", "catalogue.js")
	p.Data = v
	s.render(c, http.StatusOK, "catalogue", p)
}

type productPageView struct {
	P    productView
	Form productForm
}

func (s *Server) pageProduct(c *gin.Context) {
	pr, err := s.svc.GetProduct(c.Request.Context(), mustIdentity(c), c.Param("id"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	v := productPageView{P: toProductView(pr), Form: newProductForm(pr)}
	p := s.newPage(c, pr.Name, "catalogue", "fields.js", "catalogue.js")
	p.Data = v
	s.render(c, http.StatusOK, "product", p)
}
