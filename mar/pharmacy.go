package mar

import (
	"strings"
	"time"
)

// PharmacyConfig holds a facility's pharmacy rules.
type PharmacyConfig struct {
	// AutoVerifyExternal makes orders from HL7 or FHIR active on arrival,
	// for sites whose pharmacy verifies in its own system before sending.
	// Otherwise they wait in the verification queue.
	AutoVerifyExternal bool
	// AllowUnverifiedStat lets a STAT/NOW order be given before a
	// pharmacist verified it; every such administration is flagged for
	// retrospective review.
	AllowUnverifiedStat bool
	// PRNPsychotropicDays is how long a PRN psychotropic order runs before
	// the prescriber must renew it (14 in long-term care, 42 CFR 483.45(e)).
	PRNPsychotropicDays int
	// MaxRenewalDays bounds a renewal's duration for PRN psychotropics
	// other than antipsychotics; antipsychotics renew for at most
	// PRNPsychotropicDays, each time after an evaluation.
	MaxRenewalDays int
	// InterfaceFacility names (by id or name) the facility that messages
	// from outside systems belong to; empty means the only one.
	InterfaceFacility string
}

// DefaultPharmacyConfig follows the CMS long-term-care rules.
func DefaultPharmacyConfig() PharmacyConfig {
	return PharmacyConfig{PRNPsychotropicDays: 14, MaxRenewalDays: 90}
}

// Stock movement kinds. The bedside writes "administered" (negative) and
// "reversal" (positive, when an administration is entered in error).
const (
	StockDispensed = "dispensed"
	StockWasted    = "wasted"
	StockReturned  = "returned"
)

// Dispense is what pharmacy sent to a unit, for a resident or as ward
// stock.
type Dispense struct {
	ID          string
	FacilityID  string
	UnitID      string
	ResidentID  string // empty for ward stock
	OrderID     string // empty unless dispensed for an order
	ProductID   string
	GTIN        string
	Quantity    float64 // in the product's dose units (tablets, mL, patches)
	Lot         string
	Expiry      string // YYYY-MM-DD
	DispensedAt time.Time
	RecordedAt  time.Time
	DispensedBy string
	Note        string
	// Serial is the GS1 serial (AI 21) printed on the dispense's
	// patient-specific label; set for dispenses to a resident.
	Serial string
}

// StockAdjustment is waste at the bedside or a return to pharmacy.
type StockAdjustment struct {
	ID               string
	FacilityID       string
	UnitID           string
	ProductID        string
	Kind             string // wasted or returned
	Quantity         float64
	Lot              string
	Reason           string
	ResidentID       string
	OrderID          string
	AdministrationID string
	WitnessID        string
	PerformedBy      string
	PerformedAt      time.Time
	RecordedAt       time.Time
}

// StockCount is a physical count compared with the ledger.
type StockCount struct {
	ID         string
	FacilityID string
	UnitID     string
	ProductID  string
	Counted    float64
	Expected   float64 // the ledger's on-hand quantity at the count
	CountedBy  string
	WitnessID  string
	CountedAt  time.Time
	Note       string
	// ExpectedHidden is set on the answer to a nurse counting a controlled
	// substance: Expected is stored but not shown (blind count).
	ExpectedHidden bool
}

// Missing-dose request statuses.
const (
	RequestOpen      = "open"
	RequestFulfilled = "fulfilled"
	RequestCancelled = "cancelled"
)

// MissingDoseRequest is a nurse asking pharmacy for a dose not on the unit.
type MissingDoseRequest struct {
	ID          string
	FacilityID  string
	UnitID      string
	ResidentID  string
	OrderID     string
	Note        string
	Status      string
	RequestedBy string
	RequestedAt time.Time
	DispenseID  string
	FulfilledBy string
	FulfilledAt *time.Time
}

// Clarification is a pharmacist's question about a pending order.
type Clarification struct {
	ID         string
	FacilityID string
	OrderID    string
	Question   string
	AskedBy    string
	AskedAt    time.Time
	ResolvedBy string
	ResolvedAt *time.Time
	Resolution string
}

// Renewal is a prescriber's renewal of a PRN psychotropic order.
type Renewal struct {
	ID           string
	FacilityID   string
	OrderID      string
	Rationale    string
	DurationDays int
	Evaluated    bool // the prescriber evaluated the resident (required for antipsychotics)
	Prescriber   string
	RenewedBy    string
	RenewedAt    time.Time
	PreviousStop *time.Time
	NewStop      time.Time
}

// AdministrationReview flags an administration given under an override
// (an unverified STAT order) for the pharmacist's retrospective review.
type AdministrationReview struct {
	AdministrationID string
	FacilityID       string
	OrderID          string
	Reason           string
	FlaggedAt        time.Time
	ReviewedBy       string
	ReviewedAt       *time.Time
	Note             string
}

// OutboundMessage is an HL7 message waiting in the outbox.
type OutboundMessage struct {
	ID            string
	FacilityID    string
	Kind          string // e.g. RAS^O17
	RefID         string // what it reports, e.g. the administration id
	ControlID     string // MSH-10
	Payload       string // the ER7 message
	CreatedAt     time.Time
	Attempts      int
	NextAttemptAt time.Time
	SentAt        *time.Time
	LastError     string
}

// ReasonUnverifiedStat is the bedside warning for a STAT dose given
// before pharmacy verification under the override.
const ReasonUnverifiedStat = "unverified_stat_override"

// IsStatOrder reports whether an order's frequency is a one-time urgent
// dose (STAT or NOW), which local policy may let nurses give before
// pharmacy verification.
func IsStatOrder(o Order) bool {
	for _, w := range strings.FieldsFunc(strings.ToUpper(o.Frequency), func(r rune) bool {
		return !(r >= 'A' && r <= 'Z')
	}) {
		if w == "STAT" || w == "NOW" {
			return true
		}
	}
	return false
}

// MayGiveUnverified reports whether a pending order may be given under
// the facility's STAT override; such administrations need review.
func (c PharmacyConfig) MayGiveUnverified(o Order) bool {
	return c.AllowUnverifiedStat && o.Status == OrderPending && IsStatOrder(o)
}

// RegulatedPRN reports whether an order falls under the 14-day PRN
// psychotropic rule.
func RegulatedPRN(o Order, p Product) bool {
	return o.PRN && (p.Psychotropic || p.Antipsychotic)
}
