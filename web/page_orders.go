package web

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/emar-project/emar/mar"
)

// orderStatusLabel is the one word the pages use for an order's state.
func orderStatusLabel(st mar.OrderStatus) string {
	switch st {
	case mar.OrderPending:
		return "Pending verification"
	case mar.OrderActive:
		return "Active"
	case mar.OrderOnHold:
		return "On hold"
	case mar.OrderDiscontinued:
		return "Discontinued"
	case mar.OrderCompleted:
		return "Completed"
	case mar.OrderRejected:
		return "Rejected"
	}
	return string(st)
}

type orderResidentsView struct {
	Units     []mar.Unit
	UnitID    string
	Residents []mar.Resident
}

// pageOrderResidents lists the residents of one of the caller's units,
// each with a link to their orders.
func (s *Server) pageOrderResidents(c *gin.Context) {
	units, unit, _, err := s.chosenUnit(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	rs, err := s.svc.ListResidents(c.Request.Context(), mustIdentity(c), unit.ID, mar.Admitted)
	if err != nil {
		s.respondError(c, err)
		return
	}
	p := s.newPage(c, "Orders", "orders")
	p.Data = orderResidentsView{Units: units, UnitID: unit.ID, Residents: rs}
	s.render(c, http.StatusOK, "orders", p)
}

type orderView struct {
	ID, Drug, Dose, Route, Frequency, Status, StatusLabel, Start, Stop, PRNReason, Instructions string
	PRN, CanHold, CanResume, CanDiscontinue                                                     bool
	HighAlert                                                                                   string
}

type residentOrdersView struct {
	Resident   mar.Resident
	Unit       mar.Unit
	Orders     []orderView
	Pharmacist bool
}

// residentAndUnit reads the resident (an audited, unit-scoped read), the
// resident's unit and the unit's time zone.
func (s *Server) residentAndUnit(c *gin.Context) (mar.Resident, mar.Unit, *time.Location, error) {
	by := mustIdentity(c)
	r, err := s.svc.GetResident(c.Request.Context(), by, c.Param("id"))
	if err != nil {
		return r, mar.Unit{}, nil, err
	}
	units, err := s.svc.ListUnits(c.Request.Context(), by)
	if err != nil {
		return r, mar.Unit{}, nil, err
	}
	i := slices.IndexFunc(units, func(u mar.Unit) bool { return u.ID == r.UnitID })
	if i < 0 {
		return r, mar.Unit{}, nil, mar.NotFound("unit", r.UnitID)
	}
	loc, err := units[i].Location()
	if err != nil {
		return r, units[i], nil, fmt.Errorf("unit %s: %w", units[i].ID, err)
	}
	return r, units[i], loc, nil
}

func (s *Server) pageResidentOrders(c *gin.Context) {
	by := mustIdentity(c)
	r, unit, loc, err := s.residentAndUnit(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	orders, err := s.svc.ListOrders(c.Request.Context(), by, r.ID, nil)
	if err != nil {
		s.respondError(c, err)
		return
	}
	products, err := s.svc.ListProducts(c.Request.Context(), by)
	if err != nil {
		s.respondError(c, err)
		return
	}
	byID := map[string]mar.Product{}
	for _, p := range products {
		byID[p.ID] = p
	}
	// Orders in force first (pending, active, on hold), newest first.
	closed := func(o mar.Order) bool {
		return o.Status == mar.OrderDiscontinued || o.Status == mar.OrderCompleted || o.Status == mar.OrderRejected
	}
	sort.SliceStable(orders, func(i, j int) bool {
		if ci, cj := closed(orders[i]), closed(orders[j]); ci != cj {
			return cj
		}
		return orders[i].CreatedAt.After(orders[j].CreatedAt)
	})
	pharmacist := by.User.Role == mar.RolePharmacist
	v := residentOrdersView{Resident: r, Unit: unit, Pharmacist: pharmacist}
	const when = "Mon 2 Jan 2006 15:04 MST"
	for _, o := range orders {
		ov := orderView{ID: o.ID, Drug: o.Ingredient, Dose: strconv.FormatFloat(o.DoseValue, 'f', -1, 64) + " " + o.DoseUnit, Route: o.Route,
			Frequency: o.Frequency, Status: string(o.Status), StatusLabel: orderStatusLabel(o.Status), Start: o.StartAt.In(loc).Format(when),
			PRN: o.PRN, PRNReason: o.PRNReason, Instructions: o.Instructions,
			CanHold: o.Status == mar.OrderActive, CanResume: o.Status == mar.OrderOnHold,
			CanDiscontinue: pharmacist && (o.Status == mar.OrderActive || o.Status == mar.OrderOnHold || o.Status == mar.OrderPending)}
		if p, ok := byID[o.ProductID]; ok {
			ov.Drug = p.Name
			ov.HighAlert = highAlertLabel(p.HighAlert)
		}
		if o.StopAt != nil {
			ov.Stop = o.StopAt.In(loc).Format(when)
		}
		v.Orders = append(v.Orders, ov)
	}
	p := s.newPage(c, "Orders — "+r.DisplayName(), "orders", "orders.js")
	p.Data = v
	s.render(c, http.StatusOK, "resident_orders", p)
}

// productChoice is a product as the order entry form offers it; the
// data attributes let the page show high-alert and witness information
// and fill the unit and route.
type productChoice struct {
	ID, Name, Routes, Unit, HighAlert, HighAlertTx, Controlled string
	TimeCritical, Psychotropic                                 bool
}

type newOrderView struct {
	Resident   mar.Resident
	Unit       mar.Unit
	Products   []productChoice
	StartAt    string // the form's default start: now, in the unit's zone (datetime-local)
	Pharmacist bool
}

func (s *Server) pageNewOrder(c *gin.Context) {
	by := mustIdentity(c)
	r, unit, loc, err := s.residentAndUnit(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	products, err := s.svc.ListProducts(c.Request.Context(), by)
	if err != nil {
		s.respondError(c, err)
		return
	}
	v := newOrderView{Resident: r, Unit: unit, StartAt: s.svc.Clock.Now().In(loc).Format("2006-01-02T15:04"), Pharmacist: by.User.Role == mar.RolePharmacist}
	for _, p := range products {
		pc := productChoice{ID: p.ID, Name: p.Name, Routes: strings.Join(p.Routes, ","), HighAlert: string(p.HighAlert), HighAlertTx: highAlertLabel(p.HighAlert),
			Controlled: p.Controlled, TimeCritical: p.TimeCritical, Psychotropic: p.Psychotropic}
		if len(p.Ingredients) == 1 {
			pc.Unit = p.Ingredients[0].StrengthUnit
		}
		v.Products = append(v.Products, pc)
	}
	p := s.newPage(c, "New order — "+r.DisplayName(), "orders", "fields.js", "order_entry.js")
	p.Data = v
	s.render(c, http.StatusOK, "order_new", p)
}

// adminNav are the order and catalogue pages' navigation entries for the
// roles that may use them.
func adminNav(r mar.Role) []navItem {
	var out []navItem
	if r == mar.RoleChargeNurse || r == mar.RolePharmacist {
		out = append(out, navItem{"orders", "Orders", "/orders"})
	}
	if r == mar.RolePharmacist || r == mar.RoleAdmin {
		out = append(out, navItem{"catalogue", "Catalogue", "/catalogue"})
	}
	return out
}
