package web

import "github.com/emar-project/emar/mar"

var (
	pharmacyAndCharge = []mar.Role{mar.RolePharmacist, mar.RoleChargeNurse}
)

// pharmacyRoutes lists the pharmacy routes: verification, dispensing,
// stock, missing-dose requests, the PRN psychotropic limit and the
// reconciliation report.
func (s *Server) pharmacyRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/pharmacy/queue", pharmacy, "orders pending verification, with allergy conflicts and duplicate therapy flagged", s.pharmacyQueue},
		{"POST", "/api/v1/orders/:id/verify", pharmacy, "verify a pending order: it becomes active", s.verifyOrder},
		{"POST", "/api/v1/orders/:id/reject", pharmacy, "reject a pending order with a reason", s.rejectOrder},
		{"POST", "/api/v1/orders/:id/clarify", pharmacy, "ask the prescriber a question about a pending order", s.clarifyOrder},
		{"POST", "/api/v1/orders/:id/renew", pharmacy, "renew a PRN psychotropic order (rationale, duration_days, evaluated)", s.renewOrder},
		{"GET", "/api/v1/pharmacy/expiring", pharmacyAndCharge, "PRN psychotropic orders that stop within days (default 3)", s.expiringOrders},
		{"GET", "/api/v1/pharmacy/reviews", pharmacy, "administrations given before verification (STAT override), awaiting review", s.listReviews},

		{"POST", "/api/v1/dispenses", pharmacy, "record what pharmacy sent to a unit or resident", s.createDispense},
		{"GET", "/api/v1/dispenses/:id/label", pharmacyAndCharge, "what a dispense's patient-specific label prints, with its image and PDF links and the label stocks (audited read)", s.dispenseLabel},
		{"GET", "/api/v1/dispenses/:id/label.pdf", pharmacyAndCharge, "the patient-specific label of a dispense for a resident (GS1 DataMatrix: GTIN, expiry, lot, serial), sized for the label stock (stock=4x2in|89x36mm; audited read)", s.dispenseLabelPDF},
		{"GET", "/api/v1/dispenses/:id/label.png", pharmacyAndCharge, "the label's GS1 DataMatrix as an image, for the preview (audited read)", s.dispenseLabelPNG},
		{"GET", "/api/v1/dispenses", pharmacyAndCharge, "dispenses of a unit or resident (unit_id, resident_id, from, to)", s.listDispenses},
		{"POST", "/api/v1/waste", clinical, "record waste (controlled substances need a witness's credentials)", s.adjustStock(mar.StockWasted)},
		{"POST", "/api/v1/returns", clinical, "return stock from a unit to pharmacy", s.adjustStock(mar.StockReturned)},
		{"POST", "/api/v1/stock/counts", clinical, "record a physical count (controlled substances need a witness)", s.recordCount},
		{"GET", "/api/v1/stock", clinical, "on-hand quantity per product of a unit (unit_id)", s.stockLevels},

		{"POST", "/api/v1/missing-dose-requests", clinical, "ask pharmacy for a dose that is not on the unit", s.requestMissingDose},
		{"GET", "/api/v1/missing-dose-requests", clinical, "missing-dose requests (status)", s.listMissingDoseRequests},
		{"POST", "/api/v1/missing-dose-requests/:id/fulfil", pharmacy, "fulfil a request with a dispense", s.fulfilMissingDose},

		{"GET", "/api/v1/reports/reconciliation", pharmacyAndCharge, "reconciliation of a unit over a period (unit_id, from, to, format=json|csv)", s.reconciliation},
		{"POST", "/api/v1/products/:id/codes", catalogue, "add a local, RxNorm or other code under which outside systems name a product", s.addProductCode},
		{"PUT", "/api/v1/products/:id/dose-form", catalogue, "state how a product may be split (none, half, quarter, any) and whether it may be crushed; empty: inferred from its form", s.setProductDoseForm},
	}
}
