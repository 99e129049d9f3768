package web

// pageRoutes lists the pages, their static files and the sign-in by badge
// that the bedside page offers. Pages that need a role answer a browser
// that is not signed in with a redirect to the sign-in page.
func (s *Server) pageRoutes() []Route {
	return []Route{
		{"GET", "/", public, "sign-in page (demo accounts explained on a demo server)", s.pageSignIn},
		{"GET", "/home", anyone, "the signed-in user's start page", s.pageHome},
		{"GET", "/bedside", nursing, "bedside scanning page (phone or handheld)", s.pageBedside},
		{"GET", "/board", chargeNurse, "the charge nurse's unit board: residents by today's doses, live alerts", s.pageBoard},
		{"GET", "/residents/:id/mar", clinical, "a resident's printable MAR for a week or a month (period, date)", s.pageMAR},
		{"GET", "/pharmacy", pharmacy, "the pharmacist's workbench: verification queue, missing-dose requests, dispensing, reconciliation", s.pagePharmacy},
		{"GET", "/audit", admins, "the audit trail: filter by resident, user, action, object and dates; sort; CSV", s.pageAudit},
		{"GET", "/reports", reporters, "on-time and scanning compliance per day and per nurse, as server-drawn SVG charts", s.pageReports},
		{"GET", "/board/grid", chargeNurse, "the board's grid alone (HTML), refreshed by the live alert stream", s.pageBoardGrid},
		{"POST", "/api/v1/auth/badge", public, "sign in with a scanned staff badge and a PIN", s.loginBadge},
		{"GET", "/enrol", catalogue, "second-factor enrolment: QR code, confirmation, recovery codes (pharmacists, admins)", s.pageEnrol},
		{"GET", "/setup", public, "first-run page: create the first administrator (only while nobody can sign in)", s.pageSetUp},
		{"POST", "/setup", public, "create the first administrator (only while nobody can sign in)", s.pageSetUp},
		{"GET", "/static/*file", public, "stylesheets and scripts of the pages", s.static},
		{"GET", "/demo/barcodes", public, "the demo barcode sheet (demo server only)", s.pageBarcodes},
		{"GET", "/demo/barcodes/:file", public, "one barcode image of the demo sheet", s.barcodeImage},
	}
}
