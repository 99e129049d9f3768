package hl7map

import (
	"context"
	"errors"
	"strings"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/hl7"
)

// applyRDS records the dispenses of an RDS^O13. The error is a
// *mar.Replayed when the message is a resend of one already applied.
func (h *Handler) applyRDS(ctx context.Context, id mar.Identity, msg *hl7.Message, opts hl7.ParseOptions) ([]mar.Dispense, *hl7.Error, error) {
	rds, err := hl7.ParseRDS(msg, opts)
	if err != nil {
		return nil, asHL7Error(err), nil
	}
	occ := groupOccurrences(msg)
	system, e := h.mrnSystem(rds.Patient)
	if e != nil {
		return nil, e, nil
	}
	in := make([]mar.ExternalDispense, len(rds.Dispenses))
	for i, d := range rds.Dispenses {
		ed := mar.ExternalDispense{PlacerID: d.PlacerOrder.ID, FillerID: d.FillerOrder.ID, MRN: rds.Patient.MRN, MRNSystem: system,
			Quantity: d.Amount, QuantityUnit: firstNonBlank(d.Units.Code, d.Units.Text), DispensedAt: d.DispensedAt,
			Note: joinNonEmpty("\n", d.Notes...), Source: "hl7"}
		if d.Code.Code == "" && d.Code.AltCode == "" {
			// A product named only in words is never matched to the order:
			// what was sent must be known, not assumed.
			return nil, &hl7.Error{Segment: "RXD", SeqInSegmentGroup: max(occ[i]["RXD"], 1), Field: 2, Component: 1, Code: hl7.CodeRequiredFieldMissing,
				Message: "RXD-2 needs a product code (NDC, GTIN or a code recorded for the product), not only its name"}, nil
		}
		if d.Code.Code != "" {
			ed.Codes = append(ed.Codes, mar.ProductCode{System: d.Code.System, Code: d.Code.Code, Text: d.Code.Text})
		}
		if d.Code.AltCode != "" {
			ed.Codes = append(ed.Codes, mar.ProductCode{System: d.Code.AltSystem, Code: d.Code.AltCode, Text: d.Code.AltText})
		}
		// The stock ledger keeps one lot per dispense: several lots in
		// one RXD are recorded together, the earliest expiry kept.
		ed.Lot = strings.Join(d.Lots, ", ")
		for _, exp := range d.Expiries {
			if len(exp) != len("2006-01-02") {
				return nil, &hl7.Error{Segment: "RXD", SeqInSegmentGroup: max(occ[i]["RXD"], 1), Field: 19, Code: hl7.CodeDataType,
					Message: "the expiry date needs a day (YYYYMMDD)"}, nil
			}
			if ed.Expiry == "" || exp < ed.Expiry {
				ed.Expiry = exp
			}
		}
		in[i] = ed
	}
	out, err := h.Svc.ApplyExternalDispenses(ctx, id, in)
	var rep *mar.Replayed
	if errors.As(err, &rep) {
		return nil, nil, err
	}
	if e := idempotencyError(err); e != nil {
		return nil, e, nil
	}
	if err != nil {
		var ie *mar.IntakeError
		i := 0
		if errors.As(err, &ie) {
			i = ie.Index
		}
		return nil, locateDispense(err, occ[i]), nil
	}
	return out, nil, nil
}

// locateDispense turns a domain error into the HL7 error that names the
// field of the RDS the sender must fix.
func locateDispense(err error, occ map[string]int) *hl7.Error {
	me, ok := mar.AsError(err)
	if !ok {
		return &hl7.Error{Code: hl7.CodeInternal, Message: "internal error"}
	}
	at := func(seg string, field int, code string) *hl7.Error {
		n := occ[seg]
		if seg == "PID" {
			n = 1
		}
		return &hl7.Error{Segment: seg, SeqInSegmentGroup: max(n, 1), Field: field, Code: code, Message: me.Message}
	}
	switch me.Field {
	case "mrn", "resident_id":
		if me.Code == mar.ENotFound || me.Reason == "identifier_system_mismatch" || me.Reason == "patient_mismatch" {
			return at("PID", 3, hl7.CodeUnknownKey)
		}
		return at("PID", 3, hl7.CodeRequiredFieldMissing)
	case "order_number", "order_id":
		if me.Code == mar.ENotFound {
			return at("ORC", 2, hl7.CodeUnknownKey)
		}
		return at("ORC", 2, hl7.CodeInternal)
	case "give_code", "product_id", "gtin":
		if me.Code == mar.ENotFound || me.Reason == "product_mismatch" || strings.Contains(me.Message, "no catalogue product") {
			return at("RXD", 2, hl7.CodeTableValueNotFound)
		}
		return at("RXD", 2, hl7.CodeInternal)
	case "dispensed_at":
		return at("RXD", 3, hl7.CodeDataType)
	case "quantity":
		return at("RXD", 4, hl7.CodeDataType)
	case "quantity_unit":
		return at("RXD", 5, hl7.CodeTableValueNotFound)
	case "lot":
		return at("RXD", 18, hl7.CodeRequiredFieldMissing)
	case "expiry":
		return at("RXD", 19, hl7.CodeInternal)
	}
	return &hl7.Error{Code: hl7.CodeInternal, Message: me.Message}
}
