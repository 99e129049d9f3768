package mar

import (
	"fmt"
	"strings"
	"time"
)

// OrderStatus is where an order is in its life.
type OrderStatus string

const (
	OrderPending      OrderStatus = "pending_verification"
	OrderActive       OrderStatus = "active"
	OrderOnHold       OrderStatus = "on_hold"
	OrderDiscontinued OrderStatus = "discontinued"
	OrderCompleted    OrderStatus = "completed"
	OrderRejected     OrderStatus = "rejected"
)

// Order is a prescription for one resident as pharmacy verified it.
type Order struct {
	ID         string
	FacilityID string
	ResidentID string
	ProductID  string // empty when ordered by ingredient
	Ingredient string // generic ingredient ordered; always set
	DoseValue  float64
	DoseUnit   string // mg, mL, units, tablet …; per kg of body weight: mg/kg, mcg/kg, units/kg …
	// MaxDose caps a weight-based dose, in the dose unit's numerator (mg
	// of a mg/kg order); 0 = no cap.
	MaxDose      float64
	Route        string
	Frequency    string // text in the schedules language, e.g. "BID" or "q4h PRN max 4/24h"
	PRN          bool
	PRNReason    string // indication, e.g. "pain"
	StartAt      time.Time
	StopAt       *time.Time
	Status       OrderStatus
	Prescriber   string
	Instructions string
	// DoseForm is the dose form the sender stated (HL7 RXE-6, FHIR
	// Medication.form): it can only tighten the product's split rule.
	DoseForm     string
	WindowClass  string // empty = derived from the frequency and the product
	HoldParams   []HoldParam
	SlidingScale []ScaleStep
	Source       string // rest, fhir, hl7
	ExternalID   string // placer order number from the EHR (ORC-2, a FHIR identifier)
	FillerID     string // the pharmacy system's order number (ORC-3)
	StatusReason string // why the order was rejected, held or stopped
	// HoldOnVerify, on an order pending verification, is the reason it
	// was sent on hold (FHIR status on-hold on create): verification
	// holds it instead of making it givable. Empty otherwise.
	HoldOnVerify string
	// RegulatoryStop is the 14-day limit of a PRN psychotropic order in
	// long-term care (42 CFR 483.45(e)); renewals move it. StopAt is kept
	// at or before it so the bedside refuses doses past the limit.
	RegulatoryStop *time.Time
	VerifiedBy     string
	VerifiedAt     *time.Time
	// MaterializedUntil is how far scheduled doses exist; the job carries
	// on from there.
	MaterializedUntil *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
	// Version counts the row's changes from 1 (FHIR meta.versionId); the
	// store raises it on every UpdateOrder.
	Version int64
	// ExpectVersion, when not zero, makes the next UpdateOrder apply only
	// if the row is still at that version (FHIR If-Match), atomically;
	// otherwise it fails with EConflict, reason version_mismatch.
	ExpectVersion int64
}

// VersionMismatch is the error of an update made against a version that
// is no longer the current one (FHIR If-Match).
func VersionMismatch(what, id string, want, have int64) *Error {
	return &Error{Code: EConflict, Field: "version", Reason: "version_mismatch",
		Message: fmt.Sprintf("%s %s is at version %d, not %d: read it again and reapply the change", what, id, have, want)}
}

// Active reports whether doses of the order may be given.
func (o Order) Active() bool { return o.Status == OrderActive }

// HoldParam gates a dose on a vital sign: hold when Vital Op Value,
// e.g. heart_rate < 60.
type HoldParam struct {
	Vital string  // heart_rate, systolic_bp, diastolic_bp, glucose, resp_rate, temperature, spo2
	Op    string  // <, <=, >, >=
	Value float64 // threshold
}

// Met reports whether the reading triggers the hold.
func (h HoldParam) Met(reading float64) bool {
	switch h.Op {
	case "<":
		return reading < h.Value
	case "<=":
		return reading <= h.Value
	case ">":
		return reading > h.Value
	case ">=":
		return reading >= h.Value
	}
	return false
}

// ScaleStep is one row of a sliding scale: a glucose range and its dose.
type ScaleStep struct {
	Min, Max float64 // inclusive glucose range (mg/dL)
	Dose     float64 // in the order's dose unit; 0 = give none
}

// Validate checks an order's fields before it is stored.
func (o Order) Validate() error {
	switch {
	case o.ResidentID == "":
		return Invalid("resident_id", "is required")
	case strings.TrimSpace(o.Ingredient) == "" && o.ProductID == "":
		return Invalid("product_id", "a product or an ingredient is required")
	case o.DoseValue <= 0 && len(o.SlidingScale) == 0:
		return Invalid("dose_value", "must be greater than zero")
	case strings.TrimSpace(o.DoseUnit) == "":
		return Invalid("dose_unit", "is required")
	case strings.TrimSpace(o.Route) == "":
		return Invalid("route", "is required")
	case strings.TrimSpace(o.Frequency) == "":
		return Invalid("frequency", "is required")
	case o.StartAt.IsZero():
		return Invalid("start_at", "is required")
	}
	if _, perKg := o.PerKg(); o.MaxDose < 0 || o.MaxDose > 0 && !perKg {
		return Invalid("max_dose", "caps a weight-based dose (mg/kg …) and must not be negative")
	}
	if o.StopAt != nil && !o.StopAt.After(o.StartAt) {
		return Invalid("stop_at", "must be after start_at")
	}
	for _, h := range o.HoldParams {
		switch h.Op {
		case "<", "<=", ">", ">=":
		default:
			return Invalid("hold_params", "operator %q must be one of < <= > >=", h.Op)
		}
		if h.Vital == "" {
			return Invalid("hold_params", "a vital sign name is required")
		}
	}
	return nil
}
