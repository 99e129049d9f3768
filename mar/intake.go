package mar

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emar-project/emar/scanning"
)

// ExternalAction is what an outside system asks to be done to an order
// (HL7 ORC-1, or a FHIR MedicationRequest create/update).
type ExternalAction string

const (
	ExternalNew         ExternalAction = "new"         // NW
	ExternalChange      ExternalAction = "change"      // XO, RP; FHIR update
	ExternalDiscontinue ExternalAction = "discontinue" // DC, OD, CA, OC
	ExternalHold        ExternalAction = "hold"        // HD, OH
	ExternalRelease     ExternalAction = "release"     // RL, OR
)

// ProductCode is a code naming a product: an NDC, a GTIN, or a code in
// another system (local, RxNorm …).
type ProductCode struct {
	System string // "NDC", "GTIN", or another system's name or URI
	Code   string
	Text   string
}

// ExternalOrder is an order as an outside system sends it, in the
// record's terms. Transports (HL7, FHIR) fill it; errors name these
// fields (Error.Field) so the transport can point at its own element:
//
//	mrn, give_code, dose_value, dose_unit, route, frequency, start_at,
//	stop_at, order_number, action, resident_id (the patient is discharged).
type ExternalOrder struct {
	Action     ExternalAction
	PlacerID   string // ORC-2 / MedicationRequest.identifier
	FillerID   string // ORC-3
	OrderID    string // our own id, when the sender knows it (FHIR update)
	IfVersion  int64  // when not zero, the order must still be at this version (FHIR If-Match)
	ResidentID string // our resident id, when the sender knows it (FHIR Patient/id); else MRN
	MRNSystem  string // the MRN's identifier system; empty is Config.Identifiers.DefaultSystem()
	MRN        string
	ProductID  string        // our product id, when the sender knows it (FHIR Medication/id)
	Codes      []ProductCode // tried in order; the first known one wins
	DoseValue  float64
	DoseUnit   string
	Route      string // the record's route name (oral, subcutaneous …)
	Frequency  string // in the schedules language
	// DoseForm is the dose form the sender states (HL7 RXE-6, FHIR
	// Medication.form), in words or codes: "capsule", "TBEC", "Prolonged-
	// release oral tablet". It can only tighten the product's split rule.
	DoseForm   string
	PRN        bool
	PRNReason  string
	StartAt    time.Time
	StopAt     *time.Time
	Prescriber string
	// Instructions are free text for the nurse.
	Instructions string
	Reason       string // why it was discontinued or held
	// HoldOnCreate: a new order sent on hold. It is created pending
	// verification and held when verified (or held at once when external
	// orders are verified automatically): never givable until resumed.
	HoldOnCreate bool
	Source       string // hl7 or fhir
	// ReportedAllergies are allergies the sender lists with the order
	// (HL7 AL1): any the record lacks are added, so the verification
	// queue and the bedside check them.
	ReportedAllergies []Allergy
}

// IntakeResult is what an external message did to one order.
type IntakeResult struct {
	Order   Order
	Created bool
}

// IntakeError locates a failure within a multi-order message.
type IntakeError struct {
	Index int // which order of the message, from 0
	Err   error
}

func (e *IntakeError) Error() string { return fmt.Sprintf("order %d: %v", e.Index+1, e.Err) }
func (e *IntakeError) Unwrap() error { return e.Err }

// ApplyExternalOrders applies the orders of one message in one
// transaction: either every order is applied, or none is and the error
// (an *IntakeError wrapping an *Error) says which order and field failed.
// New orders wait for verification unless Config.Pharmacy.AutoVerifyExternal.
// With an Idempotency in ctx (an HL7 message's control id), a resend of
// the same message gets the first answer and changes nothing.
func (s *Service) ApplyExternalOrders(ctx context.Context, by Identity, orders []ExternalOrder) ([]IntakeResult, error) {
	return runWrite(ctx, s, by, func(tx Tx) ([]IntakeResult, error) {
		var out []IntakeResult
		for i, eo := range orders {
			r, err := s.applyExternalOrder(tx, by, eo)
			if err != nil {
				return nil, &IntakeError{Index: i, Err: err}
			}
			out = append(out, r)
		}
		return out, nil
	})
}

func (s *Service) applyExternalOrder(tx Tx, by Identity, eo ExternalOrder) (IntakeResult, error) {
	fac := by.User.FacilityID
	if eo.Action == ExternalNew {
		var res Resident
		var err error
		if eo.ResidentID != "" {
			if res, err = tx.GetResident(eo.ResidentID); err == nil && res.FacilityID != fac {
				err = NotFound("resident", eo.ResidentID)
			}
		} else {
			res, err = residentByMRN(tx, fac, s.mrnSystem(eo.MRNSystem), eo.MRN)
		}
		if err != nil {
			if ErrorCodeOf(err) == ENotFound && eo.ResidentID != "" {
				return IntakeResult{}, &Error{Code: ENotFound, Field: "mrn", Reason: "unknown_patient", Message: fmt.Sprintf("no resident has id %q", eo.ResidentID)}
			}
			return IntakeResult{}, err
		}
		if err := s.addReportedAllergies(tx, by, &res, eo.ReportedAllergies); err != nil {
			return IntakeResult{}, err
		}
		var p Product
		if eo.ProductID != "" {
			if p, err = tx.GetProduct(eo.ProductID); err != nil || p.FacilityID != fac {
				return IntakeResult{}, &Error{Code: ENotFound, Field: "give_code", Reason: "unknown_product", Message: fmt.Sprintf("no catalogue product has id %q", eo.ProductID)}
			}
		} else if p, err = s.productFor(tx, fac, eo.Codes); err != nil {
			return IntakeResult{}, err
		}
		o := Order{ResidentID: res.ID, ProductID: p.ID, DoseValue: eo.DoseValue, DoseUnit: eo.DoseUnit, Route: eo.Route,
			Frequency: eo.Frequency, PRN: eo.PRN, PRNReason: eo.PRNReason, StartAt: eo.StartAt, StopAt: eo.StopAt,
			Prescriber: eo.Prescriber, Instructions: eo.Instructions, DoseForm: strings.TrimSpace(eo.DoseForm), Source: eo.Source, ExternalID: eo.PlacerID, FillerID: eo.FillerID}
		if o.StartAt.IsZero() {
			o.StartAt = s.now()
		}
		hold := ""
		if eo.HoldOnCreate {
			if hold = strings.TrimSpace(eo.Reason); hold == "" {
				hold = "sent on hold by " + eo.Source + " message"
			}
			o.HoldOnVerify = hold
		}
		created, err := s.createOrderTx(tx, by, o, s.Config.Pharmacy.AutoVerifyExternal)
		if err == nil && hold != "" && created.Status == OrderActive {
			// Verified at once: held at once, before any dose is givable.
			created.HoldOnVerify = ""
			created, err = s.changeOrderStatusTx(tx, by, created, ActionHold, hold)
		}
		if err != nil {
			if e, ok := AsError(err); ok && e.Code == EConflict && e.Reason == "duplicate" {
				return IntakeResult{}, &Error{Code: EConflict, Field: "order_number", Reason: "duplicate_order", Message: fmt.Sprintf("an order with number %q already exists", eo.PlacerID), Err: err}
			}
			if e, ok := AsError(err); ok && e.Field == "resident_id" {
				e.Field = "mrn"
			}
			return IntakeResult{}, err
		}
		return IntakeResult{Order: created, Created: true}, nil
	}

	var o Order
	var err error
	if eo.OrderID != "" {
		o, err = s.orderInFacility(tx, by, eo.OrderID)
	} else {
		o, err = tx.FindExternalOrder(fac, eo.PlacerID, eo.FillerID)
	}
	if err != nil {
		if ErrorCodeOf(err) == ENotFound {
			return IntakeResult{}, &Error{Code: ENotFound, Field: "order_number", Reason: "unknown_order",
				Message: fmt.Sprintf("no order has number %q", strings.Trim(eo.PlacerID+"/"+eo.FillerID, "/")), Err: err}
		}
		return IntakeResult{}, err
	}
	if eo.ResidentID != "" && eo.ResidentID != o.ResidentID {
		return IntakeResult{}, &Error{Code: EInvalid, Field: "mrn", Reason: "patient_mismatch", Message: "the order belongs to another patient"}
	}
	if eo.IfVersion != 0 {
		// Checked here, and again atomically by the store's update.
		if o.Version != eo.IfVersion {
			return IntakeResult{}, VersionMismatch("order", o.ID, eo.IfVersion, o.Version)
		}
		o.ExpectVersion = eo.IfVersion
	}
	if eo.MRN != "" {
		res, err := tx.GetResident(o.ResidentID)
		if err != nil {
			return IntakeResult{}, err
		}
		if strings.TrimSpace(eo.MRN) != res.MRN || s.mrnSystem(eo.MRNSystem) != res.MRNSystem {
			return IntakeResult{}, &Error{Code: EInvalid, Field: "mrn", Reason: "patient_mismatch", Message: fmt.Sprintf("order %q belongs to another patient", o.ExternalID)}
		}
	}
	reason := strings.TrimSpace(eo.Reason)
	if reason == "" {
		reason = "by " + eo.Source + " message"
	}
	switch eo.Action {
	case ExternalDiscontinue:
		if o.Status == OrderPending {
			// Never verified: discontinuing it before it started means it
			// will never be given.
			o, err = s.withdrawPending(tx, by, o, reason)
		} else {
			o, err = s.changeOrderStatusTx(tx, by, o, ActionDiscontinue, reason)
		}
	case ExternalHold:
		if o.Status == OrderPending {
			// Not yet verified: it will be held when it is.
			o, err = s.holdOnVerify(tx, by, o, reason)
		} else {
			o, err = s.changeOrderStatusTx(tx, by, o, ActionHold, reason)
		}
	case ExternalRelease:
		o, err = s.changeOrderStatusTx(tx, by, o, ActionResume, reason)
	case ExternalChange:
		if eo.FillerID != "" && o.FillerID == "" {
			o.FillerID = eo.FillerID
		}
		o, err = s.changeFromExternal(tx, by, o, eo, reason)
	default:
		return IntakeResult{}, &Error{Code: EInvalid, Field: "action", Reason: "unsupported_action", Message: fmt.Sprintf("action %q is not supported", eo.Action)}
	}
	if err != nil {
		var me *Error
		if errors.As(err, &me) && me.Code == EConflict && me.Field == "" {
			me.Field = "action"
		}
		return IntakeResult{}, err
	}
	return IntakeResult{Order: o}, nil
}

// withdrawPending discontinues an order that was never verified.
func (s *Service) withdrawPending(tx Tx, by Identity, o Order, reason string) (Order, error) {
	now := s.now()
	o.Status, o.StatusReason, o.StopAt, o.UpdatedAt = OrderDiscontinued, reason, &now, now
	if err := tx.UpdateOrder(&o); err != nil {
		return o, err
	}
	if err := tx.ResolveClarifications(o.ID, by.User.ID, "discontinued", now); err != nil {
		return o, err
	}
	return o, s.audit(tx, by, AuditEntry{Action: "order.discontinue", ObjectType: "order", ObjectID: o.ID, ResidentID: o.ResidentID,
		Detail: map[string]any{"from": OrderPending, "to": o.Status, "reason": reason}})
}

// changeFromExternal applies a revised order (XO, FHIR update). A change
// of product is not a revision but a new order: it is refused.
func (s *Service) changeFromExternal(tx Tx, by Identity, o Order, eo ExternalOrder, reason string) (Order, error) {
	if len(eo.Codes) > 0 {
		p, err := s.productFor(tx, o.FacilityID, eo.Codes)
		if err != nil {
			return o, err
		}
		if o.ProductID != "" && p.ID != o.ProductID && !p.HasIngredient(o.Ingredient) {
			return o, &Error{Code: ERefused, Field: "give_code", Reason: "product_changed", Message: "a change of drug is a new order: discontinue this one and send a new one"}
		}
	}
	if f := strings.TrimSpace(eo.DoseForm); f != "" {
		o.DoseForm = f
	}
	ch := OrderChange{Reason: "changed " + reason}
	if eo.DoseValue > 0 {
		ch.DoseValue = &eo.DoseValue
	}
	if eo.DoseUnit != "" {
		ch.DoseUnit = &eo.DoseUnit
	}
	if eo.Route != "" {
		ch.Route = &eo.Route
	}
	if eo.Frequency != "" {
		ch.Frequency = &eo.Frequency
	}
	if eo.StopAt != nil {
		ch.StopAt = eo.StopAt
	}
	if eo.Instructions != "" {
		ch.Instructions = &eo.Instructions
	}
	changed, err := s.changeOrderTx(tx, by, o, ch)
	if err != nil {
		return changed, err
	}
	// A changed order from outside goes back to pharmacy unless the site
	// trusts the sender's verification.
	// So does one whose new dose the product's form cannot give.
	formErr := checkOrderForm(tx, changed)
	if e, ok := AsError(formErr); formErr != nil && (!ok || (e.Reason != ReasonDoseFormNotDivisible && e.Reason != ReasonMustNotCrush)) {
		return changed, formErr
	}
	if changed.Status == OrderActive && (!s.Config.Pharmacy.AutoVerifyExternal || formErr != nil) {
		changed.Status, changed.VerifiedBy, changed.VerifiedAt = OrderPending, "", nil
		if err := tx.UpdateOrder(&changed); err != nil {
			return changed, err
		}
		if _, err := tx.SetDoseStatus(changed.ID, time.Time{}, []DoseStatus{DoseScheduled}, DoseCancelled); err != nil {
			return changed, err
		}
		return changed, nil
	}
	changed, _, err = s.materializeOrderTx(tx, changed)
	return changed, err
}

// productFor resolves the first known code to a catalogue product.
func (s *Service) productFor(tx Tx, facilityID string, codes []ProductCode) (Product, error) {
	if len(codes) == 0 {
		return Product{}, &Error{Code: EInvalid, Field: "give_code", Reason: "no_product_code", Message: "the order names no product code"}
	}
	var tried []string
	for _, c := range codes {
		code := strings.TrimSpace(c.Code)
		if code == "" {
			continue
		}
		tried = append(tried, strings.TrimSpace(c.System+" "+code))
		var candidatesGTIN, candidatesNDC []string
		switch sys := strings.ToUpper(c.System); {
		case sys == "NDC" || strings.Contains(sys, "HL7.ORG/FHIR/SID/NDC") || sys == "N":
			candidatesNDC, candidatesGTIN = NDCForms(code)
		case sys == "GTIN" || strings.Contains(sys, "GS1") || sys == "UPC":
			candidatesGTIN = []string{digits(code)}
		case looksLikeNDC(code):
			// Many senders leave the coding system out of an NDC.
			candidatesNDC, candidatesGTIN = NDCForms(code)
		}
		for _, g := range candidatesGTIN {
			if p, _, err := tx.FindProductByCode(g, ""); err == nil && p.FacilityID == facilityID {
				return p, nil
			}
		}
		var found []Product
		for _, n := range candidatesNDC {
			if p, _, err := tx.FindProductByCode("", n); err == nil && p.FacilityID == facilityID && !slices.ContainsFunc(found, func(q Product) bool { return q.ID == p.ID }) {
				found = append(found, p)
			}
		}
		switch len(found) {
		case 1:
			return found[0], nil
		case 0:
		default:
			return Product{}, &Error{Code: ERefused, Field: "give_code", Reason: "ambiguous_ndc",
				Message: fmt.Sprintf("NDC %s without hyphens names %d catalogue products (%s, %s); send it hyphenated or as 11 digits", code, len(found), found[0].Name, found[1].Name)}
		}
		if p, err := tx.FindProductByExternalCode(facilityID, c.System, code); err == nil {
			return p, nil
		} else if ErrorCodeOf(err) != ENotFound {
			return Product{}, err
		}
		// A bare 14-digit code with no system may still be a GTIN.
		if d := digits(code); len(d) == 14 && d == code && c.System == "" {
			if p, _, err := tx.FindProductByCode(d, ""); err == nil && p.FacilityID == facilityID {
				return p, nil
			}
		}
	}
	return Product{}, &Error{Code: ENotFound, Field: "give_code", Reason: "unknown_product",
		Message: fmt.Sprintf("no catalogue product has code %s", strings.Join(tried, ", "))}
}

// looksLikeNDC reports whether a code is shaped like an NDC: 10 or 11
// digits, or three hyphenated groups of digits.
func looksLikeNDC(code string) bool {
	d := digits(code)
	if d == code {
		return len(d) == 10 || len(d) == 11
	}
	parts := strings.Split(code, "-")
	if len(parts) != 3 || (len(d) != 10 && len(d) != 11) {
		return false
	}
	for _, p := range parts {
		if p == "" || digits(p) != p {
			return false
		}
	}
	return true
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// NDCForms returns the digit strings an NDC may be stored as (the 10-digit
// labeler-product-package form and the 11-digit 5-4-2 billing form) and
// the GTIN-14s that carry it. A hyphenated NDC tells which segment the
// 11-digit form pads; an 11-digit one is tried against each 10-digit
// layout whose padding zero is there.
func NDCForms(code string) (ndcs, gtins []string) {
	d := digits(code)
	add := func(ten string) {
		ndcs = append(ndcs, ten)
		gtins = append(gtins, gtinFromNDC10(ten))
	}
	parts := strings.Split(strings.TrimSpace(code), "-")
	switch {
	case len(parts) == 3 && len(d) == 10:
		add(d)
		a, b, c := parts[0], parts[1], parts[2]
		ndcs = append(ndcs, fmt.Sprintf("%05s%04s%02s", a, b, c))
	case len(d) == 10:
		add(d)
		// Unhyphenated: each layout's 11-digit form may be the one the
		// catalogue keeps (productFor refuses a code that finds two).
		ndcs = append(ndcs, "0"+d, d[:5]+"0"+d[5:], d[:9]+"0"+d[9:])
	case len(d) == 11:
		ndcs = append(ndcs, d)
		if d[0] == '0' {
			add(d[1:]) // 4-4-2
		}
		if d[5] == '0' {
			add(d[:5] + d[6:]) // 5-3-2
		}
		if d[9] == '0' {
			add(d[:9] + d[10:]) // 5-4-1
		}
	case len(d) == 12:
		ndcs = append(ndcs, d)
	}
	return ndcs, gtins
}

// gtinFromNDC10 is the GTIN-14 a US pack carries for an NDC-10:
// indicator 0, number system 03, the NDC and the check digit.
func gtinFromNDC10(ndc10 string) string {
	body := "003" + ndc10
	sum := 0
	for i := 0; i < 13; i++ {
		d := int(body[i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return body + fmt.Sprint((10-sum%10)%10)
}

// addReportedAllergies adds the allergies a sender reports that the record
// does not have yet; it never removes one (only ADT carries the full list).
func (s *Service) addReportedAllergies(tx Tx, by Identity, r *Resident, reported []Allergy) error {
	var added []string
	for _, a := range reported {
		sub := NormalizeIngredient(a.Substance)
		if sub == "" {
			continue
		}
		known := false
		for _, have := range r.Allergies {
			if NormalizeIngredient(have.Substance) == sub {
				known = true
			}
		}
		if !known {
			r.Allergies = append(r.Allergies, Allergy{ID: NewID(), ResidentID: r.ID, Substance: sub, Reaction: a.Reaction, Severity: a.Severity})
			added = append(added, sub)
		}
	}
	if len(added) == 0 {
		return nil
	}
	now := s.now()
	r.UpdatedAt = &now
	if err := tx.UpdateResident(r); err != nil {
		return err
	}
	return s.audit(tx, by, AuditEntry{Action: "resident.allergies_reported", ObjectType: "resident", ObjectID: r.ID, ResidentID: r.ID,
		Detail: map[string]any{"added": added}})
}

// mrnSystem is the identifier system of an MRN sent with system (empty:
// the configured default).
func (s *Service) mrnSystem(system string) string {
	if system = strings.TrimSpace(system); system != "" {
		return system
	}
	return s.Config.Identifiers.DefaultSystem()
}

// CanonicalNDC is how the catalogue keeps an NDC: digits only, in the
// 11-digit 5-4-2 form whenever the configuration is known (a hyphenated
// NDC, or 11 digits), the 12-digit form as it is, and a bare 10-digit NDC
// as 10 digits, since its hyphens (4-4-2, 5-3-2 or 5-4-1) are not known.
func CanonicalNDC(s string) (string, error) {
	d, err := scanning.NormalizeNDC(s)
	if err != nil {
		return "", Invalid("ndc", "%q is not an NDC: %v", s, err)
	}
	if len(d) == 10 && strings.Contains(s, "-") {
		c, err := scanning.NDC12Candidates(s)
		if err != nil || len(c) != 1 {
			return "", Invalid("ndc", "%q is not a 4-4-2, 5-3-2 or 5-4-1 NDC", s)
		}
		return c[0][1:], nil // the 6-4-2 form's first digit is the padding zero
	}
	return d, nil
}

// NDCOut is the NDC to send for a catalogue NDC: the 11- (or 12-) digit form
// as it is; a bare 10-digit NDC is never sent, since without its hyphens a
// receiver cannot tell which package it names ("" then: send the GTIN).
func NDCOut(ndc string) string {
	if len(ndc) == 10 {
		return ""
	}
	return ndc
}

// holdOnVerify marks an order pending verification to be held when it is
// verified (an on-hold message for an order not yet verified).
func (s *Service) holdOnVerify(tx Tx, by Identity, o Order, reason string) (Order, error) {
	o.HoldOnVerify, o.UpdatedAt = reason, s.now()
	if err := tx.UpdateOrder(&o); err != nil {
		return o, err
	}
	return o, s.audit(tx, by, AuditEntry{Action: "order.hold", ObjectType: "order", ObjectID: o.ID, ResidentID: o.ResidentID,
		Detail: map[string]any{"from": o.Status, "to": o.Status, "reason": reason, "held_when_verified": true}})
}
