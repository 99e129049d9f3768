package mar

import (
	"time"

	"github.com/emar-project/emar/scanning"
)

// BedsideConfig holds the bedside rules a facility can tune.
type BedsideConfig struct {
	ContextLifetime    time.Duration // a wristband scan stays valid this long
	UpcomingWindow     time.Duration // the due list shows doses due this far ahead
	OverdueLookback    time.Duration // and overdue doses this far back
	RecentLookback     time.Duration // and administrations this far back
	PRNFollowupAfter   time.Duration // a PRN effectiveness follow-up falls due after this
	GlucoseMaxAge      time.Duration // a sliding-scale dose needs a reading this fresh
	VitalsMaxAge       time.Duration // a hold-parameter check accepts stored vitals this fresh
	WeightMaxAge       time.Duration // a weight-based (mg/kg) dose needs a weight this fresh
	MaxBackDocument    time.Duration // back-documentation reaches at most this far back
	BackDocumentLead   time.Duration // and not earlier than the window opens minus this
	OutcomeReasons     map[Outcome][]ReasonOption
	KeyedReasons       []ReasonOption
	ManualReasons      []ReasonOption // why a resident may be selected by hand
	EffectivenessTexts []ReasonOption
}

// DefaultBedsideConfig returns the defaults described in docs/bedside-api.md.
func DefaultBedsideConfig() BedsideConfig {
	return BedsideConfig{
		ContextLifetime:  30 * time.Minute,
		UpcomingWindow:   4 * time.Hour,
		OverdueLookback:  24 * time.Hour,
		RecentLookback:   24 * time.Hour,
		PRNFollowupAfter: 60 * time.Minute,
		GlucoseMaxAge:    30 * time.Minute,
		VitalsMaxAge:     30 * time.Minute,
		WeightMaxAge:     DefaultWeightMaxAge,
		MaxBackDocument:  24 * time.Hour,
		BackDocumentLead: 2 * time.Hour,
		OutcomeReasons:   DefaultOutcomeReasons(),
		KeyedReasons:     DefaultKeyedReasons(),
		ManualReasons:    DefaultManualReasons(),
		EffectivenessTexts: []ReasonOption{
			{"effective", "Effective"},
			{"partially_effective", "Partially effective"},
			{"not_effective", "Not effective"},
		},
	}
}

// BedsideContext is a wristband scan: it ties a user to a resident for a
// short time, and every medication scan must name it (right patient).
type BedsideContext struct {
	ID          string
	FacilityID  string
	UserID      string
	ResidentID  string
	ScannedCode string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	// ManualReason is set when the nurse selected the resident by hand
	// instead of scanning a wristband (one of BedsideConfig.ManualReasons);
	// ManualIdentifiers names the two identifiers confirmed on screen.
	ManualReason      string
	ManualIdentifiers []string
}

// Right names one check of a verification.
type Right string

const (
	RightPatient        Right = "patient"
	RightAllergy        Right = "allergy"
	RightDrug           Right = "drug"
	RightOrderStatus    Right = "order_status"
	RightExpiry         Right = "expiry"
	RightRoute          Right = "route"
	RightDose           Right = "dose"
	RightTime           Right = "time"
	RightDuplicate      Right = "duplicate"
	RightPRN            Right = "prn"
	RightHighAlert      Right = "high_alert"
	RightHoldParameters Right = "hold_parameters"
	RightPatch          Right = "patch"
	RightSlidingScale   Right = "sliding_scale"
)

// CheckStatus is the result of one check.
type CheckStatus string

const (
	CheckPass CheckStatus = "pass"
	CheckWarn CheckStatus = "warn"
	CheckFail CheckStatus = "fail"
)

// Check is one right, with its result in a machine code and in words.
type Check struct {
	Right   Right
	Status  CheckStatus
	Reason  string // empty when passed without remark
	Message string
	// Overridable marks a soft stop: an override naming Reason, with a
	// reason in words, lets the dose be documented.
	Overridable bool
	// Overridden says the request carried that override.
	Overridden bool
}

// Requirements tell the client what the document request will need.
type Requirements struct {
	Witness            bool
	WitnessRecommended bool
	Vitals             []string
	Glucose            bool
	Site               bool
	PRNIndication      bool
	OverrideReason     bool     // a soft stop needs an override
	Overrides          []string // the reason codes to override
}

// KeyedEntry is a product chosen by hand because its barcode could not be
// scanned.
type KeyedEntry struct {
	ProductID string
	Reason    string // one of Config.Bedside.KeyedReasons
	Text      string
}

// ScanInput is what the scanner produced, parsed by the transport with
// package scanning.
type ScanInput struct {
	Text string
	Code *scanning.Code
	Err  error
}

// Override answers a soft stop.
type Override struct {
	Reason string // the soft stop's reason code, e.g. too_early
	Text   string // why, in words
}

// WitnessCredentials are the second user's own credentials.
type WitnessCredentials struct {
	Username, Password string
	Badge, PIN         string
}

// MedicationInput is a medication scan with what the nurse entered. Verify
// reads the first part; Document reads all of it.
type MedicationInput struct {
	ContextID string
	Scan      *ScanInput
	Keyed     *KeyedEntry
	DoseID    string
	OrderID   string
	Quantity  *float64 // in QuantityUnit
	// QuantityUnit is the unit Quantity is in: empty or the product's unit
	// of use (tablet, mL, patch), or the order's dose unit (units, mg) or
	// any unit the product's strength converts (g for a mg order, mg of a
	// mg/mL liquid).
	QuantityUnit string
	Route        string
	Site         string
	Vitals       map[string]float64
	Glucose      *float64
	Overrides    []Override

	// Document only.
	Outcome              Outcome
	ReasonCode           string
	ReasonText           string
	PRNIndication        string
	PainScore            *int
	PerformedAt          *time.Time
	BackDocumentedReason string
	DeviceTime           *time.Time
	Witness              *WitnessCredentials
	// Offline says the dose was charted on a device without the server and
	// is sent now (docs/offline.md): back-charted, a witness whose
	// credentials the server does not accept no longer refuses it — the
	// dose was given — but flags it and alerts the charge nurse.
	Offline bool
}

// DueItem is a dose, or an order without a dose (PRN, on hold, pending).
type DueItem struct {
	Dose    *ScheduledDose
	Order   Order
	Product *Product // the ordered product, when the order names one
}

// PRNLimits are an as-needed order's limits, from its frequency.
type PRNLimits struct {
	MinInterval   time.Duration
	MaxDoses      int
	MaxAmount     float64
	MaxAmountUnit string
	Per           time.Duration
}

// PRNStatus says whether and when an as-needed order may be given.
type PRNStatus struct {
	Order          Order
	Product        *Product
	Limits         PRNLimits
	LimitsErr      string
	LastGivenAt    *time.Time
	DosesInPeriod  int
	AmountInPeriod float64 // in AmountUnit
	AmountUnit     string
	NextAllowedAt  *time.Time // nil: now
	Available      bool
	Reason         string // why not available
	Message        string
}

// AdministrationView is an administration with the names a screen shows.
type AdministrationView struct {
	Administration
	PerformerName string
	WitnessName   string
	ProductName   string
	OrderText     string
	Followup      *PRNFollowup
	Removal       *PatchRemoval
}

// DueList is what a nurse sees after the wristband scan.
type DueList struct {
	Resident Resident
	Unit     Unit
	Now      time.Time
	DueNow   []DueItem
	Overdue  []DueItem
	Upcoming []DueItem
	PRN      []PRNStatus
	Held     []DueItem
	Pending  []DueItem
	Recent   []AdministrationView
}

// WristbandResult is a successful wristband scan.
type WristbandResult struct {
	Context BedsideContext
	Due     DueList
}

// HoldResult is a hold parameter met by a reading.
type HoldResult struct {
	Param   HoldParam
	Reading float64
}

// Verdict is the answer to a medication scan.
type Verdict struct {
	Allowed      bool
	Checks       []Check
	Resident     Resident
	Unit         Unit
	Context      BedsideContext
	Dose         *ScheduledDose
	Order        *Order
	Product      *Product
	Package      *Package
	Code         *scanning.Code
	GTIN         string
	Lot          string
	Serial       string
	Expiry       string // YYYY-MM-DD
	Keyed        bool
	Quantity     float64 // in QuantityUnit
	QuantityUnit string  // the product's unit of use: tablet, mL, patch …
	Amount       float64 // in AmountUnit (the order's dose unit)
	AmountUnit   string
	// DoseText shows the amount and the quantity: "10 units (0.1 mL)".
	DoseText   string
	Requires   Requirements
	Candidates []DueItem
	Hold       *HoldResult
	Glucose    *Vital
	// Weight is how a weight-based order's dose was worked out.
	Weight    *WeightDose
	ScaleDose *float64
	PRN       *PRNStatus
	Early     bool
	Late      bool
	// Crossings are the limits a back-charted dose crosses with doses on
	// the chart: it is charted, flagged and the charge nurse alerted.
	Crossings []LimitCrossing

	// LotUncertain and SerialUncertain: see Administration.
	LotUncertain    bool
	SerialUncertain bool

	witnessFailedID string // counted as a failed sign-in after a refusal
	documentedBy    string // the name of who documented the dose already
}

// FirstFailure returns the first failing check.
func (v Verdict) FirstFailure() (Check, bool) {
	for _, c := range v.Checks {
		if c.Status == CheckFail {
			return c, true
		}
	}
	return Check{}, false
}

// failed reports whether a check failed with reason.
func (v Verdict) failed(reason string) bool {
	for _, c := range v.Checks {
		if c.Status == CheckFail && c.Reason == reason {
			return true
		}
	}
	return false
}

// Refusal is a verification that failed a hard stop. It unwraps to the
// *Error a transport answers with; the verdict carries every check and the
// candidates.
type Refusal struct {
	Err     *Error
	Verdict Verdict
}

func (r *Refusal) Error() string { return r.Err.Error() }
func (r *Refusal) Unwrap() error { return r.Err }

// DocumentResult is a documented administration.
type DocumentResult struct {
	Administration AdministrationView
	Dose           *ScheduledDose
	Verdict        Verdict
	// HeldByParameter says a hold parameter turned "given" into "held".
	HeldByParameter bool
	Message         string
	Flags           []string
}

// StockMovement is one change of stock; administrations are negative.
type StockMovement struct {
	ID         string
	FacilityID string
	UnitID     string
	ProductID  string
	Quantity   float64
	Kind       string // administered, reversal, …
	RefID      string
	At         time.Time
	By         string
}

// Stock movement kinds written by the bedside.
const (
	StockAdministered = "administered"
	StockReversal     = "reversal"
)

// PRNFollowup is the effectiveness check due after an as-needed dose.
type PRNFollowup struct {
	ID               string
	FacilityID       string
	ResidentID       string
	OrderID          string
	AdministrationID string
	DueAt            time.Time
	Status           string // due, documented, cancelled
	DocumentedAt     *time.Time
	DocumentedBy     string
	Result           string
	PainScore        *int
	Note             string
}

// Follow-up states.
const (
	FollowupDue        = "due"
	FollowupDocumented = "documented"
	FollowupCancelled  = "cancelled"
)

// PatchRemoval documents that an applied patch was taken off.
type PatchRemoval struct {
	AdministrationID string
	FacilityID       string
	ResidentID       string
	RemovedAt        time.Time
	RemovedBy        string
	Site             string
	Note             string
	RecordedAt       time.Time
}

// Vital is one vital sign or glucose reading.
type Vital struct {
	ID               string
	FacilityID       string
	ResidentID       string
	Kind             string
	Value            float64
	Unit             string
	TakenAt          time.Time
	RecordedAt       time.Time
	RecordedBy       string
	AdministrationID string
}

// VitalKinds are the readings the service knows, with their unit and a
// plausible range that catches typing slips.
var VitalKinds = map[string]struct {
	Unit     string
	Min, Max float64
}{
	"heart_rate":   {"/min", 10, 300},
	"systolic_bp":  {"mmHg", 30, 300},
	"diastolic_bp": {"mmHg", 10, 200},
	"resp_rate":    {"/min", 2, 80},
	"temperature":  {"Cel", 25, 45},
	"spo2":         {"%", 30, 100},
	"glucose":      {"mg/dL", 10, 1500},
	"pain_score":   {"{score}", 0, 10},
	VitalWeight:    {"kg", 0.5, 400},
}

// IdempotencyRecord is a stored answer to a write.
type IdempotencyRecord struct {
	UserID      string
	Key         string
	RequestHash string
	Status      int
	Body        []byte
	CreatedAt   time.Time
}

// AdministrationFilter selects administrations.
type AdministrationFilter struct {
	ResidentID     string
	Since, Until   time.Time
	GivenOnly      bool // outcome given and not entered in error
	UnremovedPatch bool // given patches with no removal documented
	Limit          int
	Newest         bool // newest first
}
