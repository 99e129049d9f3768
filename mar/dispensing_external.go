package mar

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// ExternalDispense is what a pharmacy system reports it sent to the unit
// (HL7 RDS^O13), in the record's terms. Errors name these fields
// (Error.Field) so the transport can point at its own element:
//
//	mrn, order_number, give_code, quantity, quantity_unit, lot, expiry,
//	dispensed_at.
type ExternalDispense struct {
	PlacerID  string // ORC-2
	FillerID  string // ORC-3
	MRNSystem string // empty is Config.Identifiers.DefaultSystem()
	MRN       string
	// Codes name the product dispensed (RXD-2), tried in order; empty
	// means the order's product.
	Codes []ProductCode
	// Quantity is in units of use (tablets, capsules, mL, patches), as
	// the unit's stock counts them; QuantityUnit is the sender's unit,
	// checked to be one.
	Quantity     float64
	QuantityUnit string
	Lot          string
	Expiry       string // YYYY-MM-DD
	DispensedAt  time.Time
	Note         string
	Source       string // hl7
}

// strengthUnits are units that measure a drug's amount, not a count of
// what was sent: a dispense counted in them would put a strength into
// the stock ledger as a number of tablets.
var strengthUnits = map[string]bool{"mg": true, "mcg": true, "g": true, "units": true, "mEq": true, "mmol": true, "mcg/h": true, "L": true}

// ApplyExternalDispenses records what pharmacy sent for each order of one
// message, in one transaction: either every dispense is recorded (each one
// a Dispense, a stock movement onto the resident's unit and its audit
// event, as a pharmacist's dispense is, so the reconciliation counts it)
// or none is, and the error (an *IntakeError wrapping an *Error) says
// which dispense and field failed. The patient must be the order's
// patient, by identifier system and value; the product must be the
// order's drug. With an Idempotency in ctx (the message's control id), a
// resend gets the first answer and records nothing twice.
func (s *Service) ApplyExternalDispenses(ctx context.Context, by Identity, in []ExternalDispense) ([]Dispense, error) {
	return runWrite(ctx, s, by, func(tx Tx) ([]Dispense, error) {
		var out []Dispense
		for i, ed := range in {
			d, err := s.applyExternalDispense(tx, by, ed)
			if err != nil {
				return nil, &IntakeError{Index: i, Err: err}
			}
			out = append(out, d)
		}
		return out, nil
	})
}

func (s *Service) applyExternalDispense(tx Tx, by Identity, ed ExternalDispense) (Dispense, error) {
	fac := by.User.FacilityID
	if strings.TrimSpace(ed.MRN) == "" {
		return Dispense{}, Invalid("mrn", "the patient identifier is required")
	}
	res, err := residentByMRN(tx, fac, s.mrnSystem(ed.MRNSystem), ed.MRN)
	if err != nil {
		return Dispense{}, err
	}
	o, err := tx.FindExternalOrder(fac, strings.TrimSpace(ed.PlacerID), strings.TrimSpace(ed.FillerID))
	if err != nil {
		if ErrorCodeOf(err) == ENotFound {
			return Dispense{}, &Error{Code: ENotFound, Field: "order_number", Reason: "unknown_order",
				Message: fmt.Sprintf("no order has number %q", strings.Trim(ed.PlacerID+"/"+ed.FillerID, "/")), Err: err}
		}
		return Dispense{}, err
	}
	if o.ResidentID != res.ID {
		return Dispense{}, &Error{Code: ERefused, Field: "mrn", Reason: "patient_mismatch",
			Message: fmt.Sprintf("order %q belongs to another patient: nothing was recorded", strings.Trim(ed.PlacerID+"/"+ed.FillerID, "/"))}
	}
	if o.Status == OrderDiscontinued {
		return Dispense{}, &Error{Code: ERefused, Field: "order_number", Reason: "order_discontinued",
			Message: fmt.Sprintf("order %q is discontinued: a dispense for it is not recorded; return the medication to pharmacy", strings.Trim(ed.PlacerID+"/"+ed.FillerID, "/"))}
	}
	if u := NormalizeDoseUnit(ed.QuantityUnit); strengthUnits[u] {
		return Dispense{}, &Error{Code: EInvalid, Field: "quantity_unit", Reason: "not_a_count",
			Message: fmt.Sprintf("the amount dispensed is counted in units of use (tablets, capsules, mL, patches), not %s", u)}
	}
	in := DispenseInput{Quantity: ed.Quantity, Lot: ed.Lot, Expiry: ed.Expiry, OrderID: o.ID, ResidentID: res.ID, Note: strings.TrimSpace(ed.Note)}
	if !ed.DispensedAt.IsZero() {
		at := ed.DispensedAt
		in.DispensedAt = &at
	}
	if len(ed.Codes) > 0 {
		p, err := s.productFor(tx, fac, ed.Codes)
		if err != nil {
			return Dispense{}, err
		}
		if o.ProductID != "" && p.ID != o.ProductID && !p.HasIngredient(o.Ingredient) {
			return Dispense{}, &Error{Code: ERefused, Field: "give_code", Reason: "product_mismatch",
				Message: fmt.Sprintf("%s is not the drug order %q is for (%s): nothing was recorded", p.Name, o.ExternalID, o.Ingredient)}
		}
		in.ProductID = p.ID
		for _, c := range ed.Codes {
			if strings.EqualFold(c.System, "GTIN") {
				for _, pk := range p.Packages {
					if pk.GTIN == strings.TrimSpace(c.Code) {
						in.GTIN = pk.GTIN
					}
				}
			}
		}
	}
	d, err := s.dispenseTx(tx, by, in)
	if err != nil {
		if e, ok := AsError(err); ok && (e.Field == "product_id" || e.Field == "gtin") {
			e.Field = "give_code"
		}
		return d, err
	}
	return d, nil
}
