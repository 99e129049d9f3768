package web

import "github.com/emar-project/emar/mar"

var orderManagers = []mar.Role{mar.RolePharmacist, mar.RoleChargeNurse}

// scheduleRoutes are orders, their doses and schedule previews.
func (s *Server) scheduleRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/schedules/preview", anyone, "expand frequency text into dose instants and windows (frequency, tz, from, days, time_critical)", s.previewSchedule},
		{"POST", "/api/v1/orders", orderManagers, "enter an order (verified when a pharmacist enters it)", s.createOrder},
		{"PATCH", "/api/v1/orders/:id", pharmacy, "change an order's dose, route, frequency or stop; future doses regenerate", s.changeOrder},
		{"POST", "/api/v1/orders/:id/hold", orderManagers, "hold an order: future doses suspended", s.orderAction(mar.ActionHold)},
		{"POST", "/api/v1/orders/:id/resume", orderManagers, "resume a held order", s.orderAction(mar.ActionResume)},
		{"POST", "/api/v1/orders/:id/discontinue", pharmacy, "discontinue an order: future doses cancelled", s.orderAction(mar.ActionDiscontinue)},
		{"GET", "/api/v1/residents/:id/orders", clinical, "a resident's orders", s.listOrders},
		{"GET", "/api/v1/residents/:id/doses", clinical, "a resident's scheduled doses (from, to)", s.listDoses},
	}
}
