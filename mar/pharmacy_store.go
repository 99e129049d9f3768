package mar

import "time"

// PharmacyTx is the data access the pharmacy capability needs inside a transaction.
type PharmacyTx interface {
	// FindExternalOrder finds an order by the number an outside system
	// gave it: the placer number (ExternalID) or the filler number.
	FindExternalOrder(facilityID, placer, filler string) (Order, error)
	// FindProductByExternalCode finds a product by a code in a system
	// other than GTIN/NDC (local pharmacy code, RxNorm …).
	FindProductByExternalCode(facilityID, system, code string) (Product, error)
	AddProductCode(facilityID, productID, system, code string) error
	// SetProductDoseForm states how a product may be split and whether it
	// may be crushed ("" and nil: infer them from its form again).
	SetProductDoseForm(productID string, split Splitting, crushable *bool) error
	ProductCodes(productID string) (map[string]string, error)
	FindUnitByCode(facilityID, code string) (Unit, error)
	// ResidentsWithMRN lists the residents of a facility whose MRN has
	// this value, in any identifier system.
	ResidentsWithMRN(facilityID, mrn string) ([]Resident, error)

	CreateClarification(c *Clarification) error
	ListClarifications(orderIDs []string) ([]Clarification, error)
	ResolveClarifications(orderID, by, resolution string, at time.Time) error

	CreateRenewal(r *Renewal) error
	ListRenewals(orderID string) ([]Renewal, error)

	CreateDispense(d *Dispense) error
	GetDispense(id string) (Dispense, error)
	// FindDispenseBySerial finds the dispense whose patient-specific label
	// carries this GTIN and serial; ENotFound when none does.
	FindDispenseBySerial(facilityID, gtin, serial string) (Dispense, error)
	ListDispenses(f DispenseFilter) ([]Dispense, error)
	CreateStockAdjustment(a *StockAdjustment) error
	ListStockAdjustments(unitID string, from, to time.Time) ([]StockAdjustment, error)
	CreateStockCount(c *StockCount) error
	ListStockCounts(unitID string, from, to time.Time) ([]StockCount, error)
	// AddStockMovement appends to the unit's ledger.
	AddStockMovement(facilityID, unitID, productID string, quantity float64, kind, refID string, at time.Time, by string) error
	// StockOnHand sums the ledger per product of the unit up to before
	// `before` (zero: everything).
	StockOnHand(unitID string, before time.Time) (map[string]float64, error)
	// StockMoved sums the ledger per product and kind in [from, to).
	StockMoved(unitID string, from, to time.Time) (map[string]map[string]float64, error)

	CreateMissingDoseRequest(r *MissingDoseRequest) error
	GetMissingDoseRequest(id string) (MissingDoseRequest, error)
	ListMissingDoseRequests(facilityID, status string, unitIDs []string) ([]MissingDoseRequest, error)
	// FulfilMissingDoseRequest links the dispense to an open request; 0
	// rows when it was no longer open.
	FulfilMissingDoseRequest(id, dispenseID, by string, at time.Time) (int64, error)

	CreateAdministrationReview(r *AdministrationReview) error
	ListAdministrationReviews(facilityID string, open bool) ([]AdministrationReview, error)

	EnqueueOutbound(m *OutboundMessage) error
	// DueOutbound lists unsent messages due at or before now, oldest first.
	DueOutbound(now time.Time, limit int) ([]OutboundMessage, error)
	MarkOutboundSent(id string, at time.Time) error
	MarkOutboundFailed(id, errText string, next time.Time) error

	// ExportAdministrations reads charted administrations (the bedside's
	// table) for FHIR, HL7 and reports; none while that table is absent.
	ExportAdministrations(facilityID string, q AdministrationQuery) ([]Administration, error)

	// RegulatedPRNOrders lists active or held PRN orders of psychotropic
	// products, for the expiry job and the expiring list.
	RegulatedPRNOrders(facilityID string) ([]Order, error)
	GetAuditEvent(id string) (AuditEvent, error)
}

// DispenseFilter selects dispenses.
type DispenseFilter struct {
	FacilityID string
	UnitID     string
	ResidentID string
	OrderID    string
	From, To   time.Time
	Limit      int
}
