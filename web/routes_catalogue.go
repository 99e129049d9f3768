package web

// catalogueRoutes are the catalogue's edits and the administration pages
// for the catalogue and for orders (entry with a live schedule preview;
// hold, resume, discontinue).
func (s *Server) catalogueRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/products/:id", anyone, "one product of the catalogue, with its version and the drug classes of its ingredients", s.getProduct},
		{"PATCH", "/api/v1/products/:id", catalogue, "edit a product (version: the one you read; name, form, routes, ingredients and strengths, high_alert, controlled, time_critical, psychotropic, antipsychotic, splitting, crushable; audited before and after)", s.changeProduct},
		{"POST", "/api/v1/products/:id/packages", catalogue, "add a package (gtin with a valid check digit, ndc, description, quantity; audited)", s.addPackage},

		{"GET", "/catalogue", catalogue, "the medication catalogue: products, and a form to add one with its first package", s.pageCatalogue},
		{"GET", "/catalogue/:id", catalogue, "edit one product of the catalogue; add packages", s.pageProduct},
		{"GET", "/orders", orderManagers, "residents of the caller's units, each with a link to their orders", s.pageOrderResidents},
		{"GET", "/residents/:id/orders", orderManagers, "a resident's orders: hold, resume, discontinue with a reason", s.pageResidentOrders},
		{"GET", "/residents/:id/orders/new", orderManagers, "enter an order for a resident, with a live preview of the doses in the unit's time zone", s.pageNewOrder},
	}
}
