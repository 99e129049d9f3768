package mar

import "time"

// Outcome is what happened when a dose was due.
type Outcome string

const (
	OutcomeGiven    Outcome = "given"
	OutcomeHeld     Outcome = "held"
	OutcomeRefused  Outcome = "refused"
	OutcomeNotGiven Outcome = "not_given"
)

// DoseStatus is the dose status an outcome leaves behind.
func (o Outcome) DoseStatus() DoseStatus {
	switch o {
	case OutcomeGiven:
		return DoseGiven
	case OutcomeHeld:
		return DoseHeld
	case OutcomeRefused:
		return DoseRefused
	default:
		return DoseNotGiven
	}
}

// Administration is a charted event: a dose given, held, refused or not
// given. It is never edited; a correction marks it entered-in-error.
type Administration struct {
	ID             string
	FacilityID     string
	ResidentID     string
	OrderID        string
	DoseID         string // empty for PRN
	ProductID      string
	PerformerID    string
	WitnessID      string
	PerformedAt    time.Time // clinical time
	RecordedAt     time.Time // server time of charting
	DeviceTime     *time.Time
	ClockSkewed    bool // the device's clock differed beyond the allowed skew
	ScannedWrist   string
	ScannedProduct string
	Keyed          bool   // product keyed by hand ("unable to scan")
	KeyedReason    string // damaged label, no barcode, scanner failure …
	// PatientKeyedReason is set when the resident was selected by hand
	// (no wristband scanned): why, from BedsideConfig.ManualReasons.
	PatientKeyedReason string
	GTIN               string
	Lot                string
	Expiry             string  // YYYY-MM-DD
	Quantity           float64 // in QuantityUnit
	QuantityUnit       string  // the product's unit of use: tablet, mL, patch … ('' on rows from before it was kept)
	Amount             float64 // in Unit
	Unit               string  // the order's dose unit: mg, units …
	Route              string
	Site               string
	Outcome            Outcome
	ReasonCode         string
	ReasonText         string
	PRNIndication      string
	PainScore          *int
	Late, Early        bool
	Overrides          []Override // soft stops the nurse overrode, each with its reason
	IdempotencyKey     string
	EnteredInError     bool
	ErrorReason        string
	ErrorBy            string
	ErrorAt            *time.Time

	UnitID               string // the resident's unit when it was given
	ContextID            string // the wristband scan it was documented under
	Serial               string // GS1 AI 21, when the pack carries one
	PRN                  bool
	Patch                bool // a transdermal patch: removal is documented later
	BackDocumented       bool
	BackDocumentedReason string

	// LotUncertain and SerialUncertain mark a lot or serial read from
	// scanner text without group separators that can also be read another
	// way (scanning.Code.Uncertain); GTIN and expiry were certain.
	LotUncertain    bool
	SerialUncertain bool

	// LimitCrossings are the limits a back-charted dose crossed with doses
	// already on the chart; each raised a limit_crossed alert.
	LimitCrossings []LimitCrossing
}
