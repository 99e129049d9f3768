package mar

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/emar-project/emar/scanning"
)

// canDocument reports whether the role charts administrations.
func canDocument(r Role) bool { return r == RoleNurse || r == RoleChargeNurse }

func mayDocument(by Identity) error {
	if !canDocument(by.User.Role) {
		return Forbidden("only nurses and charge nurses document administrations")
	}
	return nil
}

// ScanWristband identifies the resident on a wristband scan, opens a
// bedside context for the user and returns the due list.
func (s *Service) ScanWristband(ctx context.Context, by Identity, scan ScanInput) (WristbandResult, error) {
	if err := mayDocument(by); err != nil {
		return WristbandResult{}, err
	}
	res, err := runWrite(ctx, s, by, func(tx Tx) (WristbandResult, error) {
		r, err := s.residentForWristband(tx, by.User.FacilityID, scan)
		if err != nil {
			return WristbandResult{}, err
		}
		if err := CanSeeResident(by.User, r); err != nil {
			return WristbandResult{}, err
		}
		if r.Status == Discharged {
			return WristbandResult{}, &Error{Code: ERefused, Reason: ReasonResidentDischarged, Message: r.DisplayName() + " is discharged: medications cannot be documented."}
		}
		now := s.now()
		code := scan.Text
		if scan.Code != nil && scan.Code.Canonical != "" {
			code = scan.Code.Canonical
		}
		bc := BedsideContext{ID: NewID(), FacilityID: r.FacilityID, UserID: by.User.ID, ResidentID: r.ID, ScannedCode: truncate(code, 200),
			CreatedAt: now, ExpiresAt: now.Add(s.Config.Bedside.ContextLifetime)}
		if err := tx.CreateBedsideContext(&bc); err != nil {
			return WristbandResult{}, fmt.Errorf("create bedside context: %w", err)
		}
		due, err := s.buildDueList(tx, r, now)
		if err != nil {
			return WristbandResult{}, err
		}
		if err := s.audit(tx, by, AuditEntry{Action: "bedside.wristband", ObjectType: "bedside_context", ObjectID: bc.ID, ResidentID: r.ID, Resident: &r}); err != nil {
			return WristbandResult{}, err
		}
		return WristbandResult{Context: bc, Due: due}, nil
	})
	if err != nil {
		s.auditRefusal(ctx, by, "bedside.wristband", "", err, map[string]string{"scan_kind": scanKind(scan)})
	}
	return res, err
}

func scanKind(scan ScanInput) string {
	if scan.Code != nil {
		return string(scan.Code.Kind)
	}
	return ""
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// residentForWristband finds the facility's resident a wristband names.
func (s *Service) residentForWristband(tx Tx, facilityID string, scan ScanInput) (Resident, error) {
	return wristbandResident(scan, func(identifier string) (Resident, error) { return tx.FindResident(facilityID, identifier) })
}

// wristbandResident finds the resident a wristband names with find (the
// store's, or an offline snapshot's: one rule for both).
func wristbandResident(scan ScanInput, find func(identifier string) (Resident, error)) (Resident, error) {
	if scan.Err != nil {
		return Resident{}, &Error{Code: ERefused, Reason: ReasonBarcodeUnreadable, Message: "The wristband could not be read: " + scan.Err.Error() + ". Scan it again.", Err: scan.Err}
	}
	c := scan.Code
	if c == nil {
		return Resident{}, Invalid("scan", "scan the resident's wristband")
	}
	if c.Kind == scanning.KindText && strings.ContainsFunc(scan.Text, unicode.IsControl) {
		// No band carries control characters (PostgreSQL refuses NUL in text).
		return Resident{}, &Error{Code: ERefused, Reason: ReasonBarcodeUnreadable, Message: "The wristband could not be read: the scan holds control characters. Scan it again, or check the wristband."}
	}
	switch c.Kind {
	case scanning.KindGS1, scanning.KindUPC, scanning.KindHIBC:
		if c.GSRN == "" {
			return Resident{}, &Error{Code: ERefused, Reason: ReasonNotAWristband, Message: "This is a medication or supply barcode, not a wristband. Scan the resident's wristband first."}
		}
	case scanning.KindBadge:
		return Resident{}, &Error{Code: ERefused, Reason: ReasonNotAWristband, Message: "This is a staff badge, not a wristband. Scan the resident's wristband."}
	}
	var ids []string
	for _, k := range []string{"mrn", "gsrn", "wristband"} {
		if v := c.Identifiers[k]; v != "" {
			ids = append(ids, v)
		}
	}
	if c.GSRN != "" {
		ids = append(ids, c.GSRN)
	}
	ids = append(ids, c.Canonical, scan.Text)
	seen := map[string]bool{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		r, err := find(id)
		if err == nil {
			if dob := c.Identifiers["dob"]; dob != "" && r.BirthDate != "" && dob != r.BirthDate {
				return Resident{}, &Error{Code: ERefused, Reason: ReasonWrongPatient, Message: "The wristband's date of birth does not match the record for this MRN. Do not proceed; check the wristband."}
			}
			return r, nil
		}
		if ErrorCodeOf(err) != ENotFound {
			return Resident{}, err
		}
	}
	if c.Kind == scanning.KindText {
		// Text in no wristband format that names nobody: the scan was
		// misread (or is not a barcode at all), not a stranger's band.
		return Resident{}, &Error{Code: ERefused, Reason: ReasonBarcodeUnreadable, Message: "The wristband could not be read: the scan is in no wristband format this facility uses. Scan it again, or check the wristband."}
	}
	return Resident{}, &Error{Code: ENotFound, Reason: ReasonResidentNotFound, Message: "No resident has this wristband. Check the wristband, or ask the charge nurse."}
}

// DueList returns a resident's due list (for boards); the read is audited.
func (s *Service) DueList(ctx context.Context, by Identity, residentID string) (DueList, error) {
	var out DueList
	err := s.readResident(ctx, by, residentID, "resident.due_list", func(tx Tx, r Resident) error {
		var err error
		out, err = s.buildDueList(tx, r, s.now())
		return err
	})
	return out, err
}

func (s *Service) buildDueList(tx Tx, r Resident, now time.Time) (DueList, error) {
	cfg := s.Config.Bedside
	out := DueList{Resident: r, Now: now}
	unit, err := tx.GetUnit(r.UnitID)
	if err != nil {
		return out, err
	}
	out.Unit = unit
	orders, err := tx.ListOrders(OrderFilter{ResidentID: r.ID})
	if err != nil {
		return out, err
	}
	doses, err := tx.ListDoses(DoseFilter{ResidentID: r.ID, DueFrom: now.Add(-cfg.OverdueLookback), DueTo: now.Add(cfg.UpcomingWindow + 12*time.Hour)})
	if err != nil {
		return out, err
	}
	history, err := tx.ListAdministrations(AdministrationFilter{ResidentID: r.ID, Since: now.Add(-7 * 24 * time.Hour), Until: now})
	if err != nil {
		return out, err
	}
	products, err := s.productsFor(tx, orders, history)
	if err != nil {
		return out, err
	}
	byID := map[string]Order{}
	for _, o := range orders {
		byID[o.ID] = o
	}
	item := func(d *ScheduledDose, o Order) DueItem {
		it := DueItem{Dose: d, Order: o}
		if p, ok := products[o.ProductID]; ok {
			it.Product = &p
		}
		return it
	}
	for i := range doses {
		d := doses[i]
		o, ok := byID[d.OrderID]
		if !ok {
			continue
		}
		switch {
		case d.Status == DoseSuspended || (d.Status == DoseScheduled && o.Status == OrderOnHold):
			if !d.DueAt.After(now.Add(cfg.UpcomingWindow)) && !d.WindowEnd.Before(now) {
				out.Held = append(out.Held, item(&d, o))
			}
		case !o.Active():
		case d.Status == DoseScheduled && !now.Before(d.WindowStart) && !now.After(d.WindowEnd):
			out.DueNow = append(out.DueNow, item(&d, o))
		case (d.Status == DoseScheduled || d.Status == DoseMissed) && now.After(d.WindowEnd):
			out.Overdue = append(out.Overdue, item(&d, o))
		case d.Status == DoseScheduled && now.Before(d.WindowStart) && !d.DueAt.After(now.Add(cfg.UpcomingWindow)):
			out.Upcoming = append(out.Upcoming, item(&d, o))
		}
	}
	for _, o := range orders {
		switch {
		case o.Status == OrderOnHold:
			out.Held = append(out.Held, item(nil, o))
		case o.Status == OrderPending:
			out.Pending = append(out.Pending, item(nil, o))
		case o.Active() && o.PRN && (o.StopAt == nil || now.Before(*o.StopAt)):
			st := prnStatus(o, now, history, orders, o.DoseValue)
			if p, ok := products[o.ProductID]; ok {
				st.Product = &p
			}
			out.PRN = append(out.PRN, st)
		}
	}
	var recent []Administration
	for i := len(history) - 1; i >= 0; i-- {
		if a := history[i]; a.PerformedAt.After(now.Add(-cfg.RecentLookback)) {
			recent = append(recent, a)
		}
	}
	if len(recent) > 50 {
		recent = recent[:50]
	}
	if out.Recent, err = s.views(tx, recent, products, orders); err != nil {
		return out, err
	}
	return out, nil
}

// productsFor loads the products named by orders and administrations.
func (s *Service) productsFor(tx Tx, orders []Order, admins []Administration) (map[string]Product, error) {
	return s.productsForKnown(tx, orders, admins, nil)
}

// productsForKnown is productsFor where the products in known (read
// already in this transaction) are not read again.
func (s *Service) productsForKnown(tx Tx, orders []Order, admins []Administration, known map[string]Product) (map[string]Product, error) {
	ids := map[string]bool{}
	for _, o := range orders {
		if o.ProductID != "" {
			ids[o.ProductID] = true
		}
	}
	for _, a := range admins {
		if a.ProductID != "" {
			ids[a.ProductID] = true
		}
	}
	have := map[string]Product{}
	for id := range ids {
		if p, ok := known[id]; ok {
			have[id] = p
			delete(ids, id)
		}
	}
	list := make([]string, 0, len(ids))
	for id := range ids {
		list = append(list, id)
	}
	sort.Strings(list)
	out, err := tx.GetProducts(list)
	if err != nil {
		return nil, err
	}
	for id, p := range have {
		out[id] = p
	}
	return out, nil
}

// hasOrder reports whether id is one of orders, in the facility.
func hasOrder(orders []Order, id, facilityID string) bool {
	for _, o := range orders {
		if o.ID == id && o.FacilityID == facilityID {
			return true
		}
	}
	return false
}

// views adds names, follow-ups and removals to administrations.
func (s *Service) views(tx Tx, admins []Administration, products map[string]Product, orders []Order) ([]AdministrationView, error) {
	if len(admins) == 0 {
		return []AdministrationView{}, nil
	}
	var userIDs, adminIDs []string
	for _, a := range admins {
		userIDs = append(userIDs, a.PerformerID)
		if a.WitnessID != "" {
			userIDs = append(userIDs, a.WitnessID)
		}
		adminIDs = append(adminIDs, a.ID)
	}
	users, err := tx.GetUsers(userIDs)
	if err != nil {
		return nil, err
	}
	fus, err := tx.ListPRNFollowups(adminIDs)
	if err != nil {
		return nil, err
	}
	rms, err := tx.ListPatchRemovals(adminIDs)
	if err != nil {
		return nil, err
	}
	fuBy := map[string]PRNFollowup{}
	for _, f := range fus {
		fuBy[f.AdministrationID] = f
	}
	rmBy := map[string]PatchRemoval{}
	for _, r := range rms {
		rmBy[r.AdministrationID] = r
	}
	orderBy := map[string]Order{}
	for _, o := range orders {
		orderBy[o.ID] = o
	}
	out := make([]AdministrationView, len(admins))
	for i, a := range admins {
		v := AdministrationView{Administration: a, PerformerName: users[a.PerformerID].DisplayName, WitnessName: users[a.WitnessID].DisplayName}
		if p, ok := products[a.ProductID]; ok {
			v.ProductName = p.Name
		}
		if o, ok := orderBy[a.OrderID]; ok {
			v.OrderText = orderText(o, products)
		}
		if f, ok := fuBy[a.ID]; ok {
			v.Followup = &f
		}
		if r, ok := rmBy[a.ID]; ok {
			v.Removal = &r
		}
		out[i] = v
	}
	return out, nil
}

// Verify checks a medication scan against the resident's orders. The
// verdict lists every check; a hard stop returns it inside a *Refusal.
// The verification is audited; nothing else changes.
func (s *Service) Verify(ctx context.Context, by Identity, in MedicationInput) (Verdict, error) {
	if err := mayDocument(by); err != nil {
		return Verdict{}, err
	}
	// Verify previews giving the scanned medication: the document
	// request's other outcomes, reasons, witness and device time are
	// accepted (one request shape for both) and left to document.
	in.Outcome, in.ReasonCode, in.ReasonText, in.Witness, in.DeviceTime = OutcomeGiven, "", "", nil, nil
	if err := s.validateInput(&in, modeVerify); err != nil {
		return Verdict{}, err
	}
	if err := s.checkPerformedAt(in); err != nil {
		return Verdict{}, err
	}
	v, err := runWrite(ctx, s, by, func(tx Tx) (Verdict, error) {
		f, err := s.loadFacts(tx, by, in, modeVerify, false)
		if err != nil {
			return Verdict{}, err
		}
		v := evaluate(f)
		outcome, detail := "success", verdictDetail(v)
		if !v.Allowed {
			outcome = "refused"
		}
		if err := s.audit(tx, by, AuditEntry{Action: "administration.verify", ObjectType: "order", ObjectID: orderID(v), ResidentID: v.Resident.ID, Outcome: outcome, Detail: detail,
			Resident: &v.Resident}); err != nil {
			return Verdict{}, err
		}
		return v, nil
	})
	if err != nil {
		return Verdict{}, err
	}
	if !v.Allowed {
		return v, refusalOf(v, false)
	}
	return v, nil
}

func orderID(v Verdict) string {
	if v.Order != nil {
		return v.Order.ID
	}
	return ""
}

func verdictDetail(v Verdict) map[string]any {
	d := map[string]any{}
	var failed, warned []string
	for _, c := range v.Checks {
		switch c.Status {
		case CheckFail:
			failed = append(failed, c.Reason)
		case CheckWarn:
			warned = append(warned, c.Reason)
		}
	}
	if failed != nil {
		d["failed"] = failed
	}
	if warned != nil {
		d["warned"] = warned
	}
	if v.Dose != nil {
		d["dose_id"] = v.Dose.ID
	}
	if v.Product != nil {
		d["product_id"] = v.Product.ID
	}
	if v.GTIN != "" {
		d["gtin"] = v.GTIN
	}
	if v.Keyed {
		d["keyed"] = true
	}
	return d
}

// refusalOf builds the refusal of a verdict that failed: the first failing
// check, or when documenting a dose already documented, the 409 saying by
// whom and when.
func refusalOf(v Verdict, documenting bool) error {
	c, _ := v.FirstFailure()
	e := &Error{Code: ERefused, Reason: c.Reason, Message: c.Message, Details: map[string]any{}}
	if v.failed(ReasonAlreadyDocumented) && v.Dose != nil {
		if documenting {
			e.Code = EConflict
			for _, x := range v.Checks {
				if x.Reason == ReasonAlreadyDocumented {
					e.Reason, e.Message = x.Reason, x.Message
				}
			}
		}
		addDocumentedDetails(e, *v.Dose, v.documentedBy)
	}
	return &Refusal{Err: e, Verdict: v}
}

func addDocumentedDetails(e *Error, d ScheduledDose, name string) {
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	if name == "" {
		name = d.DocumentedBy
	}
	e.Details["documented_by"] = name
	e.Details["documented_by_id"] = d.DocumentedBy
	if d.DocumentedAt != nil {
		e.Details["documented_at"] = d.DocumentedAt.UTC().Format(time.RFC3339Nano)
	}
	e.Details["status"] = string(d.Status)
	e.Details["dose_id"] = d.ID
}

// validateInput checks the request's own fields before anything is loaded.
func (s *Service) validateInput(in *MedicationInput, mode verifyMode) error {
	cfg := s.Config.Bedside
	if in.ContextID == "" {
		return &Error{Code: EInvalid, Field: "context_id", Reason: ReasonContextExpired, Message: "scan the resident's wristband first; its context_id is required"}
	}
	if in.DoseID != "" && !ValidID(in.DoseID) {
		return NotFound("dose", in.DoseID)
	}
	if in.OrderID != "" && !ValidID(in.OrderID) {
		return NotFound("order", in.OrderID)
	}
	if in.Scan != nil && in.Keyed != nil {
		return Invalid("keyed", "send either a scan or a keyed product, not both")
	}
	if in.Keyed != nil {
		if !hasOption(cfg.KeyedReasons, in.Keyed.Reason) {
			return &Error{Code: EInvalid, Field: "keyed.reason", Reason: ReasonReasonRequired, Message: "a keyed product needs a reason: one of " + strings.Join(optionCodes(cfg.KeyedReasons), ", ")}
		}
		if in.Keyed.Reason == "other" && strings.TrimSpace(in.Keyed.Text) == "" {
			return &Error{Code: EInvalid, Field: "keyed.text", Reason: ReasonReasonRequired, Message: "say why the product could not be scanned"}
		}
	}
	if in.Quantity != nil && (!(*in.Quantity > 0) || math.IsInf(*in.Quantity, 0) || in.QuantityUnit == "" && *in.Quantity > maxDoseUnits) {
		return Invalid("quantity", "must be more than 0 and at most %d units of use (tablets, mL …)", maxDoseUnits)
	}
	if len(in.QuantityUnit) > 30 {
		return Invalid("quantity_unit", "is too long")
	}
	if in.QuantityUnit != "" && in.Quantity == nil {
		return Invalid("quantity_unit", "is the unit of quantity: send quantity too")
	}
	for k, v := range in.Vitals {
		if err := validateVital(k, v); err != nil {
			return err
		}
	}
	if in.Glucose != nil {
		if err := validateVital("glucose", *in.Glucose); err != nil {
			return err
		}
	}
	for i, o := range in.Overrides {
		if !softStops[o.Reason] {
			return Invalid(fmt.Sprintf("overrides[%d].reason", i), "%q is not a soft stop; only too_early, too_late, partial_dose and witness_recommended can be overridden", o.Reason)
		}
		if strings.TrimSpace(o.Text) == "" {
			return &Error{Code: EInvalid, Field: fmt.Sprintf("overrides[%d].text", i), Reason: ReasonOverrideReasonRequired, Message: "an override needs a reason in words"}
		}
	}
	if len(in.Site) > 100 || len(in.Route) > 50 || len(in.PRNIndication) > 500 || len(in.ReasonText) > 2000 || len(in.BackDocumentedReason) > 2000 {
		return Invalid("body", "a text field is too long")
	}
	if in.PerformedAt != nil && strings.TrimSpace(in.BackDocumentedReason) == "" {
		return &Error{Code: EInvalid, Field: "back_documented_reason", Reason: ReasonBackDocumentationReasonRequired, Message: "a performed time other than now needs a reason (back-documentation)"}
	}
	if mode == modeVerify {
		return nil
	}
	switch in.Outcome {
	case OutcomeGiven:
	case OutcomeHeld, OutcomeRefused, OutcomeNotGiven:
		opts := cfg.OutcomeReasons[in.Outcome]
		if !hasOption(opts, in.ReasonCode) {
			return &Error{Code: EInvalid, Field: "reason_code", Reason: ReasonReasonRequired, Message: fmt.Sprintf("a %s dose needs a reason_code: one of %s", strings.ReplaceAll(string(in.Outcome), "_", " "), strings.Join(optionCodes(opts), ", "))}
		}
		if (in.ReasonCode == "other" || in.Outcome == OutcomeNotGiven) && strings.TrimSpace(in.ReasonText) == "" {
			return &Error{Code: EInvalid, Field: "reason_text", Reason: ReasonReasonRequired, Message: "say in words why the dose was not given"}
		}
		if in.DoseID == "" && in.OrderID == "" && in.Scan == nil && in.Keyed == nil {
			return Invalid("dose_id", "name the dose that was %s", strings.ReplaceAll(string(in.Outcome), "_", " "))
		}
	default:
		return Invalid("outcome", "must be given, held, refused or not_given")
	}
	if in.Outcome == OutcomeGiven && in.Scan == nil && in.Keyed == nil {
		return Invalid("scan", "scan the medication, or key it in with a reason")
	}
	if in.PainScore != nil && !(*in.PainScore >= 0 && *in.PainScore <= 10 || *in.PainScore == 99) {
		return Invalid("pain_score", "must be 0-10, or 99 when the resident cannot respond")
	}
	if w := in.Witness; w != nil {
		if (w.Username == "") == (w.Badge == "") {
			return Invalid("witness", "give the witness's username and password, or badge and PIN")
		}
	}
	return nil
}

func validateVital(kind string, v float64) error {
	k, ok := VitalKinds[kind]
	if !ok {
		names := make([]string, 0, len(VitalKinds))
		for n := range VitalKinds {
			names = append(names, n)
		}
		sort.Strings(names)
		return Invalid("vitals", "unknown vital sign %q; known: %s", kind, strings.Join(names, ", "))
	}
	if math.IsNaN(v) || v < k.Min || v > k.Max {
		return Invalid("vitals", "%s %v is outside the plausible range %v-%v %s", kind, v, k.Min, k.Max, k.Unit)
	}
	return nil
}

// loadFacts reads what a verification needs. When lock is set the
// resident row is locked first, so concurrent documentation for one
// resident (two devices, PRN races) runs one after the other and each sees
// what the previous one wrote.
func (s *Service) loadFacts(tx Tx, by Identity, in MedicationInput, mode verifyMode, lock bool) (*facts, error) {
	f := &facts{mode: mode, now: s.now(), by: by, in: in, cfg: s.Config.Bedside, pharmacy: s.Config.Pharmacy, loc: time.UTC,
		products: map[string]Product{}, users: map[string]User{}}
	f.at = f.now
	if in.PerformedAt != nil {
		f.at = in.PerformedAt.UTC().Truncate(time.Microsecond)
	}
	// The context, its resident and the unit in one read. Documenting
	// reads the allergies under the resident's lock below, so only a
	// verification reads them here.
	bc, resident, unit, err := tx.GetBedsideContextResident(in.ContextID, !lock)
	if err != nil {
		if ErrorCodeOf(err) == ENotFound {
			return f, nil // checkPatient: context_expired
		}
		return nil, err
	}
	f.bctx = bc
	if bc.UserID != by.User.ID {
		return f, nil // checkPatient: wrong_patient
	}
	f.resident = resident
	if err := CanSeeResident(by.User, f.resident); err != nil {
		return nil, err
	}
	f.unit = unit
	if f.loc, err = f.unit.Location(); err != nil {
		return nil, err
	}
	if !f.now.Before(bc.ExpiresAt) || f.resident.Status == Discharged {
		if lock {
			// Judged without the lock: the allergies still count.
			if f.resident, err = tx.GetResident(bc.ResidentID); err != nil {
				return nil, err
			}
		}
		return f, nil
	}
	// The catalogue and the orders are read before the lock: writers of
	// the resident's record do not change them. The products of the
	// resident's orders are read at once; the scanned pack is usually one
	// of them, and is then not read again.
	if f.orders, err = tx.ListOrders(OrderFilter{ResidentID: f.resident.ID}); err != nil {
		return nil, err
	}
	ordered, err := s.productsFor(tx, f.orders, nil)
	if err != nil {
		return nil, err
	}
	if err := s.resolveProduct(tx, f, ordered); err != nil {
		return nil, err
	}
	if in.OrderID != "" && !hasOrder(f.orders, in.OrderID, f.resident.FacilityID) {
		// Not one of the resident's: is it anyone's in the facility?
		o, err := tx.GetOrder(in.OrderID)
		if err != nil {
			return nil, err
		}
		if o.FacilityID != f.resident.FacilityID {
			return nil, NotFound("order", in.OrderID)
		}
	}
	// The witness's password check is slow on purpose: do it before the
	// lock, which it does not need.
	if mode == modeDocument && in.Witness != nil && in.Outcome == OutcomeGiven {
		if err := s.checkWitness(tx, f); err != nil {
			return nil, err
		}
	}
	if lock {
		// From here on, what other writers of this resident's record change
		// (doses, administrations, patches, vitals) is read under the lock.
		// The row is read as the lock finds it: a discharge or an allergy
		// may have committed meanwhile.
		if f.resident, err = tx.LockAndGetResident(bc.ResidentID); err != nil {
			return nil, fmt.Errorf("lock resident: %w", err)
		}
		if f.resident.Status == Discharged {
			return f, nil
		}
		// The time judged is read under the lock too: a dose charted by the
		// writer we waited for is never later than "now".
		f.now = s.now()
		if in.PerformedAt == nil {
			f.at = f.now
		}
	}
	if f.doses, err = tx.ListDoses(DoseFilter{ResidentID: f.resident.ID, DueFrom: f.at.Add(-36 * time.Hour), DueTo: f.at.Add(36 * time.Hour)}); err != nil {
		return nil, err
	}
	var named *ScheduledDose
	if in.DoseID != "" {
		if !ValidID(in.DoseID) {
			return nil, NotFound("dose", in.DoseID)
		}
		// The named dose is one of the resident's doses just read, unless
		// it lies outside their window (or is not the resident's).
		var d ScheduledDose
		found := false
		for _, x := range f.doses {
			if x.ID == in.DoseID {
				d, found = x, true
			}
		}
		if !found {
			if d, err = tx.GetDose(in.DoseID); err != nil {
				return nil, err
			}
		}
		if d.FacilityID != f.resident.FacilityID {
			return nil, NotFound("dose", in.DoseID)
		}
		if in.OrderID != "" && d.OrderID != in.OrderID {
			return nil, Invalid("order_id", "the dose belongs to another order; send the dose or the order, or both of the same")
		}
		named = &d
		if lock && d.ResidentID == f.resident.ID && d.Status.Documented() {
			// Documented already (a second device, a late retry): nothing
			// else can change the answer, so answer at once (on the dose
			// alone, as if the others had not been read).
			f.documented, f.doses = named, nil
			if f.users, err = tx.GetUsers([]string{d.DocumentedBy}); err != nil {
				return nil, err
			}
			return f, nil
		}
	}
	if named != nil {
		found := false
		for _, x := range f.doses {
			found = found || x.ID == named.ID
		}
		if !found {
			f.doses = append(f.doses, *named)
		}
	}
	// The PRN checks judge the dose against every dose of the ingredient
	// on the chart, earlier and later (back-charting): read the history far
	// enough back for the longest period when the scan may be for a PRN
	// order, or when a back-charted scheduled dose is judged against its
	// window.
	back, needHistory := 24*time.Hour, in.PerformedAt != nil
	if needHistory {
		back = 48 * time.Hour
	}
	for _, o := range f.orders {
		if o.PRN && (o.ID == in.OrderID || f.product != nil && drugMatches(o, *f.product)) {
			needHistory = true
			if l, err := prnLimits(o); err == nil {
				back = max(back, l.Per, l.MinInterval)
			}
		}
	}
	if needHistory {
		if f.history, err = tx.ListAdministrations(AdministrationFilter{ResidentID: f.resident.ID, Since: f.at.Add(-back), GivenOnly: true}); err != nil {
			return nil, err
		}
	}
	if f.openPatches, err = tx.ListAdministrations(AdministrationFilter{ResidentID: f.resident.ID, UnremovedPatch: true}); err != nil {
		return nil, err
	}
	if f.product != nil {
		ordered[f.product.ID] = *f.product
	}
	if f.products, err = s.productsForKnown(tx, f.orders, append(f.history, f.openPatches...), ordered); err != nil {
		return nil, err
	}
	needVitals, needWeight := false, false
	for _, o := range f.orders {
		needVitals = needVitals || len(o.HoldParams) > 0 || len(o.SlidingScale) > 0
		_, perKg := o.PerKg()
		needWeight = needWeight || perKg
	}
	if kg, ok := in.Vitals[VitalWeight]; ok {
		// Weighed at the bedside: this request's weight is the latest.
		f.weight = &Vital{Kind: VitalWeight, Value: kg, Unit: "kg", TakenAt: f.at, RecordedBy: by.User.ID}
	} else if needWeight {
		ws, err := tx.LatestVitals(f.resident.ID, []string{VitalWeight}, f.at.AddDate(-1, 0, 0), f.at.Add(time.Minute))
		if err != nil {
			return nil, err
		}
		if w, ok := ws[VitalWeight]; ok {
			f.weight = &w
		}
	}
	if needVitals {
		if f.vitals, err = tx.LatestVitals(f.resident.ID, nil, f.at.Add(-24*time.Hour), f.at.Add(time.Minute)); err != nil {
			return nil, err
		}
	}
	userIDs := []string{}
	for _, d := range f.doses {
		if d.DocumentedBy != "" {
			userIDs = append(userIDs, d.DocumentedBy)
		}
	}
	for _, a := range f.openPatches {
		userIDs = append(userIDs, a.PerformerID)
	}
	for _, a := range f.history {
		userIDs = append(userIDs, a.PerformerID)
	}
	if len(userIDs) > 0 {
		if f.users, err = tx.GetUsers(userIDs); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// resolveProduct turns the scan (or keyed entry) into a catalogue product.
// Products in known (read in this transaction) are not read again.
func (s *Service) resolveProduct(tx Tx, f *facts, known map[string]Product) error {
	getProduct := func(id string) (Product, error) {
		if p, ok := known[id]; ok {
			return p, nil
		}
		return tx.GetProduct(id)
	}
	findByCode := func(gtin, ndc string) (Product, Package, error) {
		if gtin != "" {
			// A GTIN names one package of the whole catalogue.
			for _, p := range known {
				for _, pk := range p.Packages {
					if pk.GTIN == gtin {
						return p, pk, nil
					}
				}
			}
		}
		return tx.FindProductByCode(gtin, ndc)
	}
	return resolveProductWith(f, getProduct, findByCode, func(gtin, serial string) (Dispense, string, error) {
		d, err := tx.FindDispenseBySerial(f.resident.FacilityID, gtin, serial)
		if err != nil || d.ResidentID == "" || d.ResidentID == f.resident.ID {
			return d, "", err
		}
		name := ""
		if other, err := tx.GetResident(d.ResidentID); err == nil {
			name = other.DisplayName()
		}
		return d, name, nil
	})
}

// resolveProductWith resolves the product with the catalogue's lookups (the
// store's, or an offline snapshot's: one rule for both). findLabel finds the
// dispense whose patient-specific label carries a serial, with the name of
// the resident it is for when that is not f's resident.
func resolveProductWith(f *facts, getProduct func(id string) (Product, error), findByCode func(gtin, ndc string) (Product, Package, error),
	findLabel func(gtin, serial string) (Dispense, string, error)) error {
	in := f.in
	failWith := func(reason, msg string) error {
		f.productFail = &Check{Right: RightDrug, Status: CheckFail, Reason: reason, Message: msg}
		return nil
	}
	switch {
	case in.Keyed != nil:
		p, err := getProduct(in.Keyed.ProductID)
		if ErrorCodeOf(err) == ENotFound || err == nil && p.FacilityID != f.resident.FacilityID {
			return failWith(ReasonProductUnknown, "The keyed product is not in the catalogue.")
		} else if err != nil {
			return err
		}
		f.product = &p
		if len(p.Packages) > 0 {
			f.pkg = &p.Packages[0]
		}
	case in.Scan != nil:
		if in.Scan.Err != nil || in.Scan.Code == nil {
			msg := "The barcode could not be read"
			if in.Scan.Err != nil {
				msg += ": " + in.Scan.Err.Error()
			}
			return failWith(ReasonBarcodeUnreadable, msg+". Scan it again, or key the product in with a reason.")
		}
		c := in.Scan.Code
		f.code = c
		gtin, ndc := c.GTIN, c.NDC
		switch c.Kind {
		case scanning.KindWristband, scanning.KindBadge:
			return failWith(ReasonNotAMedication, "This is a wristband or badge, not a medication. Scan the medication pack.")
		case scanning.KindText:
			digits := strings.ReplaceAll(c.Canonical, "-", "")
			if len(digits) >= 10 && len(digits) <= 11 && isDigits(digits) {
				ndc = digits
			}
		case scanning.KindHIBC:
		}
		if gtin == "" && ndc == "" {
			return failWith(ReasonProductUnknown, "This barcode carries no GTIN or NDC. Scan the medication's barcode, or key it in with a reason.")
		}
		p, pk, err := findByCode(gtin, ndc)
		if ErrorCodeOf(err) == ENotFound || err == nil && p.FacilityID != f.resident.FacilityID {
			code := gtin
			if code == "" {
				code = ndc
			}
			return failWith(ReasonProductUnknown, "No product in the catalogue has the code "+code+". Do not give it; ask pharmacy.")
		} else if err != nil {
			return err
		}
		f.product, f.pkg = &p, &pk
		if c.Serial != "" && pk.GTIN != "" {
			// A patient-specific label: its serial names a dispense.
			d, name, err := findLabel(pk.GTIN, c.Serial)
			switch {
			case err == nil:
				f.label = &d
				f.labelResident = name
			case ErrorCodeOf(err) != ENotFound:
				return err
			}
			// An unknown serial is a manufacturer's serial (DSCSA, EU FMD):
			// the pack is an ordinary pack.
		}
	}
	return nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// checkWitness verifies the witness's own credentials.
func (s *Service) checkWitness(tx Tx, f *facts) error {
	w := f.in.Witness
	const notAccepted = "The witness's credentials were not accepted. The witness must sign in with their own username and password (or badge and PIN)."
	bad := func(reason, msg string) error {
		f.witnessReason, f.witnessMsg = reason, msg
		return nil
	}
	var u User
	var err error
	if w.Username != "" {
		u, err = tx.GetUserByUsername(w.Username)
	} else {
		u, err = tx.GetUserByBadge(w.Badge)
	}
	if err != nil && ErrorCodeOf(err) != ENotFound {
		return err
	}
	secret, hash := w.Password, u.PasswordHash
	if w.Username == "" {
		secret, hash = w.PIN, u.PINHash
	}
	if err != nil || hash == "" {
		CheckPassword(dummyHash, secret)
		return bad(ReasonWitnessInvalid, notAccepted)
	}
	// The witness's password is a sign-in: a locked account cannot
	// witness, and a wrong password counts towards the lock (after the
	// refused transaction, see Document), so the witness field is no way
	// round the sign-in limits.
	if until, err := tx.LockedUntil(u.ID); err != nil {
		return err
	} else if f.now.Before(until) {
		CheckPassword(dummyHash, secret)
		return bad(ReasonWitnessInvalid, "The witness's account is locked after failed sign-ins; ask another nurse to witness.")
	}
	if !CheckPassword(hash, secret) {
		f.witnessFailedID = u.ID
		return bad(ReasonWitnessInvalid, notAccepted)
	}
	if !u.Active || u.FacilityID != f.by.User.FacilityID {
		return bad(ReasonWitnessInvalid, notAccepted)
	}
	if u.ID == f.by.User.ID {
		return bad(ReasonWitnessSamePerson, "The witness must be a second person, not the nurse giving the dose.")
	}
	// Witnesses are nurses: roles with a second factor (pharmacists,
	// admins) cannot co-sign with a password alone.
	if !canDocument(u.Role) {
		return bad(ReasonWitnessInvalid, "The witness must be a nurse or charge nurse.")
	}
	f.witness = &u
	return nil
}

// Document charts an administration. Every check runs again on the
// server with the resident locked; then the administration, the dose's new
// status, the stock movement, the PRN follow-up, vitals, the idempotency
// record and the audit event commit together.
func (s *Service) Document(ctx context.Context, by Identity, in MedicationInput) (DocumentResult, error) {
	if err := mayDocument(by); err != nil {
		return DocumentResult{}, err
	}
	if in.Outcome == "" {
		in.Outcome = OutcomeGiven
	}
	if err := s.validateInput(&in, modeDocument); err != nil {
		return DocumentResult{}, err
	}
	key := ""
	if idem := idempotencyFrom(ctx); idem != nil {
		key = idem.Key
	}
	res, err := runWrite(ctx, s, by, func(tx Tx) (DocumentResult, error) { return s.document(tx, by, in, key) })
	if err == nil && res.Verdict.witnessFailedID != "" {
		// Charted offline with a wrong witness password: charted and
		// flagged, and the wrong password still counts towards the lock.
		s.witnessFailed(ctx, res.Verdict.witnessFailedID)
	}
	if err != nil {
		var rep *Replayed
		if errors.As(err, &rep) {
			return res, err
		}
		if e, ok := AsError(err); ok && e.Reason == ReasonAlreadyDocumented && e.Details["documented_at"] == nil {
			s.fillDocumentedDetails(ctx, e, in.DoseID)
		}
		s.auditRefusal(ctx, by, "administration.record", "", err, map[string]string{"dose_id": in.DoseID, "order_id": in.OrderID, "outcome": string(in.Outcome)})
		var ref *Refusal
		if errors.As(err, &ref) && ref.Verdict.witnessFailedID != "" {
			s.witnessFailed(ctx, ref.Verdict.witnessFailedID)
		}
	}
	return res, err
}

// witnessFailed counts a wrong witness password as a failed sign-in, in
// its own transaction (the refused one rolled back).
func (s *Service) witnessFailed(ctx context.Context, userID string) {
	if err := s.Store.InTx(context.WithoutCancel(ctx), func(tx Tx) error {
		_, err := tx.LoginFailed(userID, s.Config.LockAfterFailures, s.now().Add(s.Config.LockDuration))
		return err
	}); err != nil {
		s.Log.ErrorContext(ctx, "count failed witness sign-in", "err", err)
	}
}

// checkPerformedAt refuses a back-documented time in the future or too
// far back.
func (s *Service) checkPerformedAt(in MedicationInput) error {
	if in.PerformedAt == nil {
		return nil
	}
	now, at := s.now(), in.PerformedAt.UTC()
	switch {
	case at.After(now.Add(time.Minute)):
		return &Error{Code: EInvalid, Field: "performed_at", Reason: ReasonBackDocumentationOutOfRange, Message: "the performed time is in the future"}
	case at.Before(now.Add(-s.Config.Bedside.MaxBackDocument)):
		return &Error{Code: EInvalid, Field: "performed_at", Reason: ReasonBackDocumentationOutOfRange, Message: fmt.Sprintf("back-documentation reaches at most %s back", roundDur(s.Config.Bedside.MaxBackDocument))}
	}
	return nil
}

func (s *Service) document(tx Tx, by Identity, in MedicationInput, key string) (DocumentResult, error) {
	cfg := s.Config.Bedside
	if err := s.checkPerformedAt(in); err != nil {
		return DocumentResult{}, err
	}
	f, err := s.loadFacts(tx, by, in, modeDocument, true)
	if err != nil {
		return DocumentResult{}, err
	}
	v := evaluate(f)
	if !v.Allowed {
		return DocumentResult{}, refusalOf(v, true)
	}
	order, dose := *v.Order, v.Dose
	now := f.now
	if in.PerformedAt != nil && dose != nil && f.at.Before(dose.WindowStart.Add(-cfg.BackDocumentLead)) {
		return DocumentResult{}, &Error{Code: EInvalid, Field: "performed_at", Reason: ReasonBackDocumentationOutOfRange,
			Message: fmt.Sprintf("the performed time is more than %s before this dose's window opened", roundDur(cfg.BackDocumentLead))}
	}
	if order.PRN && in.Outcome != OutcomeGiven {
		return DocumentResult{}, &Error{Code: ERefused, Field: "outcome", Reason: ReasonPRNOnlyGiven, Message: "an as-needed dose is documented only when it is given"}
	}

	outcome := in.Outcome
	reasonCode, reasonText := in.ReasonCode, in.ReasonText
	result := DocumentResult{Verdict: v}
	if v.Hold != nil && outcome == OutcomeGiven {
		outcome = OutcomeHeld
		reasonCode = ReasonHoldParameterMet
		reasonText = fmt.Sprintf("%s %s (hold if %s %s %s)", v.Hold.Param.Vital, fmtNum(v.Hold.Reading), v.Hold.Param.Vital, v.Hold.Param.Op, fmtNum(v.Hold.Param.Value))
		result.HeldByParameter = true
		result.Message = fmt.Sprintf("HELD, NOT GIVEN: %s %s is %s %s. The dose was documented as held.", strings.ReplaceAll(v.Hold.Param.Vital, "_", " "), fmtNum(v.Hold.Reading), opWords(v.Hold.Param.Op), fmtNum(v.Hold.Param.Value))
	}
	a := Administration{ID: NewID(), FacilityID: f.resident.FacilityID, ResidentID: f.resident.ID, UnitID: f.resident.UnitID, OrderID: order.ID,
		PerformerID: by.User.ID, PerformedAt: f.at, RecordedAt: now, ScannedWrist: f.bctx.ScannedCode, ContextID: f.bctx.ID, PatientKeyedReason: f.bctx.ManualReason,
		Outcome: outcome, ReasonCode: reasonCode, ReasonText: strings.TrimSpace(reasonText), PRN: order.PRN,
		Route: order.Route, IdempotencyKey: key, Early: v.Early, Late: v.Late, Overrides: in.Overrides}
	if dose != nil {
		a.DoseID = dose.ID
	}
	if in.PerformedAt != nil {
		a.BackDocumented, a.BackDocumentedReason = true, strings.TrimSpace(in.BackDocumentedReason)
	}
	if in.DeviceTime != nil {
		dt := in.DeviceTime.UTC().Truncate(time.Microsecond)
		a.DeviceTime = &dt
		if absDur(dt.Sub(now)) > s.Config.MaxClockSkew {
			a.ClockSkewed = true
			result.Flags = append(result.Flags, ReasonClockSkewed)
		}
	}
	if outcome == OutcomeGiven {
		p := v.Product
		a.ProductID, a.GTIN, a.Lot, a.Expiry, a.Serial = p.ID, v.GTIN, v.Lot, v.Expiry, v.Serial
		a.LotUncertain, a.SerialUncertain = v.LotUncertain, v.SerialUncertain
		a.Keyed = v.Keyed
		if in.Keyed != nil {
			a.KeyedReason = in.Keyed.Reason
			if t := strings.TrimSpace(in.Keyed.Text); t != "" {
				a.KeyedReason += ": " + t
			}
		} else if in.Scan != nil {
			a.ScannedProduct = truncate(in.Scan.Text, 200)
			if v.Code != nil && v.Code.Canonical != "" {
				a.ScannedProduct = truncate(v.Code.Canonical, 200)
			}
			if p.Controlled != "" {
				// Never keep a controlled substance's serial in the plain scan text.
				a.ScannedProduct = v.GTIN
			}
		}
		a.Quantity, a.QuantityUnit, a.Amount, a.Unit = v.Quantity, v.QuantityUnit, v.Amount, v.AmountUnit
		a.Site = strings.TrimSpace(in.Site)
		a.Patch = isPatch(order, p)
		a.PRNIndication = strings.TrimSpace(in.PRNIndication)
		a.PainScore = in.PainScore
		if f.witness != nil {
			a.WitnessID = f.witness.ID
		}
	} else {
		a.Site = strings.TrimSpace(in.Site)
	}
	if outcome == OutcomeGiven {
		a.LimitCrossings = v.Crossings
	}
	for _, flag := range []struct {
		on   bool
		name string
	}{{a.Late, ReasonTooLate}, {a.Early, ReasonTooEarly}, {a.Keyed, ReasonKeyedEntry}, {a.PatientKeyedReason != "", ReasonPatientKeyed}, {a.BackDocumented, "back_documented"}, {len(a.Overrides) > 0, "overridden"},
		{len(a.LimitCrossings) > 0, ReasonLimitCrossed}} {
		if flag.on {
			result.Flags = append(result.Flags, flag.name)
		}
	}

	if dose != nil {
		// The conditional update answers the dose as it left it.
		d, ok, err := tx.DocumentDoseReturning(dose.ID, []DoseStatus{DoseScheduled, DoseMissed}, outcome.DoseStatus(), by.User.ID, now, a.ID)
		if err != nil {
			return DocumentResult{}, fmt.Errorf("document dose: %w", err)
		}
		if !ok {
			d, err := tx.GetDose(dose.ID)
			if err != nil {
				return DocumentResult{}, err
			}
			return DocumentResult{}, s.alreadyDocumented(tx, d)
		}
		result.Dose = &d
	}
	if err := tx.CreateAdministration(&a); err != nil {
		return DocumentResult{}, err
	}
	if outcome == OutcomeGiven {
		if err := tx.CreateStockMovement(&StockMovement{ID: NewID(), FacilityID: a.FacilityID, UnitID: a.UnitID, ProductID: a.ProductID,
			Quantity: -a.Quantity, Kind: StockAdministered, RefID: a.ID, At: a.PerformedAt, By: by.User.ID}); err != nil {
			return DocumentResult{}, fmt.Errorf("stock movement: %w", err)
		}
	}
	// Pharmacy's part, in this transaction: the review flag of an
	// unverified STAT dose and the HL7 RAS^O17 in the outbox.
	if err := s.administrationRecorded(tx, a, &order); err != nil {
		return DocumentResult{}, fmt.Errorf("pharmacy: %w", err)
	}
	var followup *PRNFollowup
	if outcome == OutcomeGiven && order.PRN {
		followup = &PRNFollowup{ID: NewID(), FacilityID: a.FacilityID, ResidentID: a.ResidentID, OrderID: a.OrderID, AdministrationID: a.ID,
			DueAt: a.PerformedAt.Add(s.Config.Bedside.PRNFollowupAfter), Status: FollowupDue}
		if err := tx.CreatePRNFollowup(followup); err != nil {
			return DocumentResult{}, fmt.Errorf("PRN follow-up: %w", err)
		}
	}
	readings := map[string]float64{}
	for k, val := range in.Vitals {
		readings[k] = val
	}
	if in.Glucose != nil {
		readings["glucose"] = *in.Glucose
	}
	kinds := make([]string, 0, len(readings))
	for k := range readings {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		vt := Vital{ID: NewID(), FacilityID: a.FacilityID, ResidentID: a.ResidentID, Kind: k, Value: readings[k], Unit: VitalKinds[k].Unit,
			TakenAt: a.PerformedAt, RecordedAt: now, RecordedBy: by.User.ID, AdministrationID: a.ID}
		if err := tx.CreateVital(&vt); err != nil {
			return DocumentResult{}, fmt.Errorf("vital: %w", err)
		}
	}
	// A back-charted dose that crosses a limit: the charge nurse is told,
	// in this transaction (rows, then the alert event, then the audit).
	var alertID string
	if len(a.LimitCrossings) > 0 {
		if alertID, err = s.raiseLimitAlert(tx, by, a, order, f); err != nil {
			return DocumentResult{}, err
		}
	}
	detail := map[string]any{"outcome": outcome, "order_id": order.ID}
	if alertID != "" {
		detail["alert_id"] = alertID
		crossed := make([]map[string]any, len(a.LimitCrossings))
		for i, c := range a.LimitCrossings {
			crossed[i] = map[string]any{"limit": c.Limit, "with": c.With}
		}
		detail["limit_crossed"] = crossed
	}
	if a.DoseID != "" {
		detail["dose_id"] = a.DoseID
	}
	if a.ProductID != "" {
		detail["product_id"], detail["quantity"], detail["quantity_unit"], detail["amount"], detail["unit"] = a.ProductID, a.Quantity, a.QuantityUnit, a.Amount, a.Unit
	}
	if a.Lot != "" {
		detail["lot"] = a.Lot
	}
	if a.LotUncertain {
		detail["lot_uncertain"] = true
	}
	if a.SerialUncertain {
		detail["serial_uncertain"] = true
	}
	if a.WitnessID != "" {
		detail["witness_id"] = a.WitnessID
	}
	if a.ReasonCode != "" {
		detail["reason_code"] = a.ReasonCode
	}
	if len(result.Flags) > 0 {
		detail["flags"] = result.Flags
	}
	if len(a.Overrides) > 0 {
		ov := make([]string, len(a.Overrides))
		for i, o := range a.Overrides {
			ov[i] = o.Reason
		}
		detail["overrides"] = ov
	}
	if err := s.audit(tx, by, AuditEntry{Action: "administration.record", ObjectType: "administration", ObjectID: a.ID, ResidentID: a.ResidentID, Detail: detail,
		Resident: &f.resident}); err != nil {
		return DocumentResult{}, err
	}
	products := map[string]Product{}
	if v.Product != nil {
		products[v.Product.ID] = *v.Product
	}
	if p, ok := f.products[order.ProductID]; ok {
		products[p.ID] = p
	}
	// The answer is built from what this transaction holds: the nurse is
	// the caller, the witness was checked above, the follow-up was just
	// written and a new administration has no removal yet.
	result.Administration = AdministrationView{Administration: a, PerformerName: by.User.DisplayName, OrderText: orderText(order, products), Followup: followup}
	if p, ok := products[a.ProductID]; ok {
		result.Administration.ProductName = p.Name
	}
	if f.witness != nil && a.WitnessID == f.witness.ID {
		result.Administration.WitnessName = f.witness.DisplayName
	}
	if result.Message == "" {
		switch outcome {
		case OutcomeGiven:
			result.Message = fmt.Sprintf("Documented: %s %s given to %s at %s.", DoseWords(a.Amount, a.Unit, a.Quantity, a.QuantityUnit), order.Ingredient, f.resident.DisplayName(), f.local(a.PerformedAt))
			if a.LotUncertain {
				result.Message += fmt.Sprintf(" Lot %s is recorded as uncertain: check it against the pack.", a.Lot)
			}
		default:
			result.Message = fmt.Sprintf("Documented as %s.", strings.ReplaceAll(string(outcome), "_", " "))
		}
	}
	return result, nil
}

// raiseLimitAlert raises the limit_crossed alert of a back-charted
// administration for the charge nurse: it names the dose, the doses on the
// chart it crosses a limit with, and each limit.
func (s *Service) raiseLimitAlert(tx Tx, by Identity, a Administration, o Order, f *facts) (string, error) {
	msgs := make([]string, len(a.LimitCrossings))
	for i, c := range a.LimitCrossings {
		msgs[i] = c.Message
	}
	al := Alert{ID: NewID(), FacilityID: a.FacilityID, Kind: AlertLimitCrossed, Severity: SeverityWarning, SubjectID: a.ID,
		UnitID: a.UnitID, ResidentID: a.ResidentID, OrderID: o.ID, DueAt: a.PerformedAt, RaisedAt: a.RecordedAt,
		EscalationLevel: EscalationChargeNurse,
		Message: fmt.Sprintf("%s: a dose given at %s was back-charted by %s at %s (%s). %s",
			f.resident.DisplayName(), f.local(a.PerformedAt), by.User.DisplayName, f.local(a.RecordedAt), a.BackDocumentedReason, strings.Join(msgs, " "))}
	if !a.BackDocumented {
		al.Message = fmt.Sprintf("%s: a scheduled dose was given at %s by %s across an as-needed limit. %s",
			f.resident.DisplayName(), f.local(a.PerformedAt), by.User.DisplayName, strings.Join(msgs, " "))
	}
	if _, err := tx.InsertAlert(&al); err != nil {
		return "", fmt.Errorf("insert limit alert: %w", err)
	}
	if _, err := s.appendAlertEvent(tx, al, EventRaised, by.User.ID, "", a.RecordedAt); err != nil {
		return "", err
	}
	return al.ID, nil
}

// alreadyDocumented is the 409 a dose documented by someone else gets.
func (s *Service) alreadyDocumented(tx Tx, d ScheduledDose) error {
	name := d.DocumentedBy
	if u, err := tx.GetUser(d.DocumentedBy); err == nil {
		name = u.DisplayName
	}
	when := ""
	if d.DocumentedAt != nil {
		when = " at " + d.DocumentedAt.UTC().Format(time.RFC3339)
	}
	e := Conflict(ReasonAlreadyDocumented, "ALREADY DOCUMENTED: this dose was charted as %s by %s%s. Do not give it again.", strings.ReplaceAll(string(d.Status), "_", " "), name, when)
	addDocumentedDetails(e, d, name)
	return e
}

// fillDocumentedDetails adds who and when to a conflict the database
// raised (the unique index), reading the dose after the failed transaction.
func (s *Service) fillDocumentedDetails(ctx context.Context, e *Error, doseID string) {
	if doseID == "" {
		return
	}
	_ = s.Store.InTx(ctx, func(tx Tx) error {
		d, err := tx.GetDose(doseID)
		if err != nil {
			return err
		}
		if c, ok := s.alreadyDocumented(tx, d).(*Error); ok {
			e.Message, e.Details = c.Message, c.Details
		}
		return nil
	})
}

// auditRefusal records a refused or failed bedside action in its own
// transaction (the refused one rolled back).
func (s *Service) auditRefusal(ctx context.Context, by Identity, action, residentID string, err error, detail map[string]string) {
	e, ok := AsError(err)
	if !ok || e.Code == EInternal || e.Code == EUnavailable {
		return
	}
	d := map[string]string{"code": string(e.Code), "reason": e.Reason}
	for k, v := range detail {
		if v != "" {
			d[k] = v
		}
	}
	var ref *Refusal
	if errors.As(err, &ref) {
		residentID = ref.Verdict.Resident.ID
	}
	outcome := "refused"
	if e.Code == EForbidden {
		outcome = "failure"
	}
	if aerr := s.Store.InTx(context.WithoutCancel(ctx), func(tx Tx) error {
		return s.audit(tx, by, AuditEntry{Action: action, ObjectType: "resident", ObjectID: residentID, ResidentID: residentID, Outcome: outcome, Detail: d})
	}); aerr != nil {
		s.Log.ErrorContext(ctx, "audit refusal", "err", aerr, "action", action)
	}
}

// RefusalOf returns the refusal a verification that failed a hard stop
// answers with: the first failing check's reason and message.
func RefusalOf(v Verdict) *Refusal { return refusalOf(v, false).(*Refusal) }
