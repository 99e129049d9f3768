package mar

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/emar-project/emar/scanning"
	"github.com/emar-project/emar/schedules"
)

// verifyMode tells whether a verification previews (the medication scan)
// or decides (the document request). A preview warns about what the
// document request will need; the decision refuses when it is missing.
type verifyMode int

const (
	modeVerify verifyMode = iota
	modeDocument
)

// softStops are the reasons an override with a reason in words lets pass.
var softStops = map[string]bool{ReasonTooEarly: true, ReasonTooLate: true, ReasonPartialDose: true, ReasonWitnessRecommended: true}

// facts is everything a verification looks at, loaded inside the
// transaction (after the resident lock when documenting).
type facts struct {
	mode     verifyMode
	now, at  time.Time // server time, and the clinical time judged
	by       Identity
	in       MedicationInput
	cfg      BedsideConfig
	pharmacy PharmacyConfig // the STAT override of verification
	bctx     BedsideContext
	resident Resident
	unit     Unit
	loc      *time.Location

	product *Product
	pkg     *Package
	code    *scanning.Code

	orders   []Order
	doses    []ScheduledDose
	products map[string]Product // ordered products and products of history
	users    map[string]User    // people named in the verdict

	history     []Administration // given, live, recent
	openPatches []Administration
	vitals      map[string]Vital // newest reading of each kind (last 24 h)
	weight      *Vital           // the newest weight (last year), for weight-based orders

	witness         *User
	witnessReason   string
	witnessMsg      string
	witnessFailedID string // a witness whose password was wrong

	// label is the dispense whose patient-specific label was scanned (its
	// GTIN and serial), and labelResident the name of the resident it was
	// dispensed for when that is another resident.
	label         *Dispense
	labelResident string

	// productFail is why the scanned code names no usable product.
	productFail *Check
	// documented is the named dose when it was documented already: the
	// only check that still matters is the duplicate.
	documented *ScheduledDose
}

// verifier builds a verdict check by check.
type verifier struct {
	f      *facts
	v      Verdict
	giving bool // the outcome is "given": product checks apply
	order  *Order
	dose   *ScheduledDose
	math   doseMath

	holdChecks []Check // hold-parameter checks, appended in reading order
	scaleErr   string  // why the sliding scale gives no dose
}

func (vr *verifier) add(c Check) {
	if c.Status == "" {
		c.Status = CheckPass
	}
	vr.v.Checks = append(vr.v.Checks, c)
}

func (vr *verifier) pass(r Right, msg string) {
	vr.add(Check{Right: r, Status: CheckPass, Message: msg})
}

func (vr *verifier) fail(r Right, reason, msg string) {
	vr.add(Check{Right: r, Status: CheckFail, Reason: reason, Message: msg})
}

func (vr *verifier) warn(r Right, reason, msg string) {
	vr.add(Check{Right: r, Status: CheckWarn, Reason: reason, Message: msg})
}

// soft records a soft stop: overridden, it passes with a warning; in a
// preview it warns and asks for an override; when documenting without an
// override it fails.
func (vr *verifier) soft(r Right, reason, msg string) {
	c := Check{Right: r, Reason: reason, Message: msg, Overridable: true}
	switch {
	case vr.overridden(reason):
		c.Status, c.Overridden = CheckWarn, true
	case vr.f.mode == modeVerify:
		c.Status = CheckWarn
		vr.v.Requires.OverrideReason = true
		vr.v.Requires.Overrides = append(vr.v.Requires.Overrides, reason)
	default:
		c.Status = CheckFail
		c.Message = msg + " To continue, give an override with reason " + reason + " and say why."
	}
	vr.add(c)
}

func (vr *verifier) overridden(reason string) bool {
	for _, o := range vr.f.in.Overrides {
		if o.Reason == reason && strings.TrimSpace(o.Text) != "" {
			return true
		}
	}
	return false
}

func (f *facts) local(t time.Time) string {
	lt := t.In(f.loc)
	if lt.YearDay() == f.now.In(f.loc).YearDay() && lt.Year() == f.now.In(f.loc).Year() {
		return lt.Format("15:04 MST")
	}
	return lt.Format("Mon 2 Jan 15:04 MST")
}

func (f *facts) userName(id string) string {
	if u, ok := f.users[id]; ok && u.DisplayName != "" {
		return u.DisplayName
	}
	if id == "" {
		return "someone"
	}
	return "user " + id
}

func (f *facts) productName(id string) string {
	if p, ok := f.products[id]; ok {
		return p.Name
	}
	return ""
}

// orderText describes an order the way the MAR prints it.
func orderText(o Order, products map[string]Product) string {
	name := o.Ingredient
	if p, ok := products[o.ProductID]; ok {
		name = p.Name
	}
	dose := fmtNum(o.DoseValue) + " " + o.DoseUnit
	if len(o.SlidingScale) > 0 {
		dose = "sliding scale (" + o.DoseUnit + ")"
	}
	return fmt.Sprintf("%s %s %s %s", name, dose, o.Route, o.Frequency)
}

// evaluate runs every check on loaded facts. The order of the checks is
// the order a nurse reads them; a refusal names the first failure.
func evaluate(f *facts) Verdict {
	vr := &verifier{f: f}
	vr.v.Resident, vr.v.Unit, vr.v.Context = f.resident, f.unit, f.bctx
	vr.v.witnessFailedID = f.witnessFailedID
	vr.giving = f.mode == modeVerify || f.in.Outcome == OutcomeGiven
	if f.product != nil {
		vr.v.Product, vr.v.Package, vr.v.Code = f.product, f.pkg, f.code
		vr.v.Keyed = f.in.Keyed != nil
		if f.code != nil {
			vr.v.GTIN, vr.v.Lot, vr.v.Serial = f.code.GTIN, f.code.Lot, f.code.Serial
			vr.v.LotUncertain, vr.v.SerialUncertain = f.code.IsUncertain("10"), f.code.IsUncertain("21")
			if f.code.Expiry != nil {
				vr.v.Expiry = f.code.Expiry.String()
			}
		}
		if vr.v.GTIN == "" && f.pkg != nil {
			vr.v.GTIN = f.pkg.GTIN
		}
	}

	if !vr.checkPatient() {
		vr.finish()
		return vr.v
	}
	if f.documented != nil {
		d := *f.documented
		vr.dose = &d
		vr.order = vr.findOrder(d.OrderID)
		vr.v.Dose, vr.v.Order = vr.dose, vr.order
		vr.pass(RightPatient, "Wristband scanned for "+f.resident.DisplayName()+"; the dose is theirs.")
		vr.checkDuplicate()
		vr.finish()
		return vr.v
	}
	if f.productFail != nil {
		vr.pass(RightPatient, "Wristband scanned for "+f.resident.DisplayName()+".")
		vr.add(*f.productFail)
		vr.v.Candidates = vr.candidates(nil)
		vr.finish()
		return vr.v
	}
	vr.selectTarget()
	if vr.order == nil {
		vr.finish()
		return vr.v
	}
	vr.v.Order, vr.v.Dose = vr.order, vr.dose
	// A met hold parameter turns "given" into "held": nothing is given,
	// so the product checks no longer apply.
	hold := vr.checkHoldParameters()
	if hold != nil && f.mode == modeDocument {
		vr.giving = false
	}
	if vr.giving && f.product != nil {
		vr.checkAllergy()
		vr.checkDrug()
	}
	vr.checkOrderStatus()
	weighed := true
	if vr.giving {
		weighed = vr.applyWeight()
	}
	if vr.giving && f.product != nil {
		vr.checkExpiry()
		vr.checkRoute()
		if weighed {
			vr.checkDose()
		}
	}
	if vr.giving {
		vr.checkTime()
	}
	vr.checkDuplicate()
	if vr.giving {
		vr.checkSameWindow()
		vr.checkScheduledAgainstPRN()
		vr.checkPRN()
		vr.checkHighAlert()
	}
	vr.v.Checks = append(vr.v.Checks, vr.holdChecks...)
	if vr.giving {
		vr.checkPatch()
		vr.checkSlidingScale()
	}
	vr.finish()
	return vr.v
}

func (vr *verifier) finish() {
	vr.v.Allowed = true
	for _, c := range vr.v.Checks {
		if c.Status == CheckFail {
			vr.v.Allowed = false
		}
	}
}

// checkPatient: the wristband scan belongs to this user, is fresh, and names
// an admitted resident.
func (vr *verifier) checkPatient() bool {
	f := vr.f
	switch {
	case f.bctx.ID == "":
		vr.fail(RightPatient, ReasonContextExpired, "No wristband scan is open for this medication. Scan the resident's wristband first.")
	case f.bctx.UserID != f.by.User.ID:
		vr.fail(RightPatient, ReasonWrongPatient, "This wristband scan was made by another user. Scan the resident's wristband yourself.")
	case !f.now.Before(f.bctx.ExpiresAt):
		vr.fail(RightPatient, ReasonContextExpired, fmt.Sprintf("The wristband scan from %s has expired. Scan the resident's wristband again.", f.local(f.bctx.CreatedAt)))
	case f.resident.Status == Discharged:
		vr.fail(RightPatient, ReasonResidentDischarged, f.resident.DisplayName()+" is discharged. Medications cannot be documented.")
	default:
		if f.bctx.ManualReason != "" {
			vr.warn(RightPatient, ReasonPatientKeyed, fmt.Sprintf("%s was selected by hand (%s), not by a wristband scan; %s confirmed. Compare the photo and ask the resident's name before giving.",
				f.resident.DisplayName(), strings.ReplaceAll(f.bctx.ManualReason, "_", " "), strings.ReplaceAll(strings.Join(f.bctx.ManualIdentifiers, " and "), "_", " ")))
		}
		return vr.checkLabel()
	}
	return false
}

// checkLabel refuses a pack whose patient-specific label was dispensed for
// another resident, before any order is matched: that this resident has an
// order for the same drug does not make another resident's pack theirs.
func (vr *verifier) checkLabel() bool {
	f := vr.f
	if f.label == nil || f.label.ResidentID == "" || f.label.ResidentID == f.resident.ID {
		return true
	}
	who := f.labelResident
	if who == "" {
		who = "another resident"
	}
	vr.fail(RightPatient, ReasonLabelOtherResident, fmt.Sprintf("WRONG PATIENT: this pack's label is for %s (dispensed %s), not %s. Do not give it. Set the pack aside, tell pharmacy, and give from %s's own supply.",
		who, f.label.DispensedAt.In(f.loc).Format("2 Jan 2006"), f.resident.DisplayName(), f.resident.DisplayName()))
	return false
}

// drugMatches reports whether product p is what order o asks for: the
// ordered product itself, or a single-ingredient product of the ordered
// ingredient (another strength is fine; the dose check counts the units).
func drugMatches(o Order, p Product) bool {
	if o.ProductID != "" && o.ProductID == p.ID {
		return true
	}
	if len(p.Ingredients) != 1 {
		return false
	}
	return SameIngredient(p.Ingredients[0].Name, o.Ingredient)
}

// selectTarget finds the order and dose the scan is for: the dose or
// order the request names, or the best match among the resident's orders.
func (vr *verifier) selectTarget() {
	f := vr.f
	in := f.in
	var target *Order
	switch {
	case in.DoseID != "":
		for i := range f.doses {
			if f.doses[i].ID == in.DoseID {
				d := f.doses[i]
				vr.dose = &d
			}
		}
		switch {
		case vr.dose == nil:
			// loadFacts adds the named dose; this is a defect, not the nurse's.
			vr.fail(RightPatient, ReasonWrongPatient, "This dose could not be loaded. Choose it again from the MAR.")
			return
		case vr.dose.ResidentID != f.resident.ID:
			vr.fail(RightPatient, ReasonWrongPatient, "WRONG PATIENT: this dose is for another resident, not "+f.resident.DisplayName()+". Check the wristband and the MAR.")
			return
		}
		target = vr.findOrder(vr.dose.OrderID)
	case in.OrderID != "":
		target = vr.findOrder(in.OrderID)
		if target == nil {
			vr.fail(RightPatient, ReasonWrongPatient, "WRONG PATIENT: this order is for another resident, not "+f.resident.DisplayName()+". Check the wristband and the MAR.")
			return
		}
		if !target.PRN {
			vr.dose = vr.bestDose(*target)
		}
	default:
		target, vr.dose = vr.autoMatch()
	}
	if target == nil {
		vr.v.Candidates = vr.candidates(nil)
		if f.product != nil {
			vr.pass(RightPatient, "Wristband scanned for "+f.resident.DisplayName()+".")
			vr.checkAllergy()
			vr.fail(RightDrug, ReasonNoMatchingOrder, fmt.Sprintf("%s is not ordered for %s now. Do not give it; check the MAR.", f.product.Name, f.resident.DisplayName()))
		} else {
			vr.fail(RightDrug, ReasonNoMatchingOrder, "No due dose or order matches. Choose a dose from the list.")
		}
		return
	}
	vr.order = target
	vr.pass(RightPatient, "Wristband scanned for "+f.resident.DisplayName()+"; the order is theirs.")
	if f.product != nil && vr.giving && !drugMatches(*target, *f.product) {
		// Reported by checkDrug; keep other matches as candidates.
		vr.v.Candidates = vr.candidates(f.product)
	} else if in.DoseID == "" && in.OrderID == "" {
		vr.v.Candidates = vr.alternatives(*target)
	}
	if !target.PRN && vr.dose == nil && target.Active() {
		vr.order = nil
		vr.v.Candidates = vr.candidates(nil)
		vr.fail(RightTime, ReasonNoMatchingOrder, fmt.Sprintf("No dose of %s is scheduled around now.", orderText(*target, f.products)))
	}
}

func (vr *verifier) findOrder(id string) *Order {
	for i := range vr.f.orders {
		if vr.f.orders[i].ID == id && vr.f.orders[i].ResidentID == vr.f.resident.ID {
			o := vr.f.orders[i]
			return &o
		}
	}
	return nil
}

// bestDose picks the dose of a scheduled order a scan is for: an open dose
// whose window holds the time, else the documented dose whose window holds
// it (to say it was given), else the nearest open dose within 12 hours.
func (vr *verifier) bestDose(o Order) *ScheduledDose {
	at := vr.f.at
	var inWindowOpen, inWindowDone, nearest *ScheduledDose
	best := 12 * time.Hour
	for i := range vr.f.doses {
		d := &vr.f.doses[i]
		if d.OrderID != o.ID {
			continue
		}
		in := !at.Before(d.WindowStart) && !at.After(d.WindowEnd)
		open := d.Status == DoseScheduled || d.Status == DoseMissed
		switch {
		case in && open && inWindowOpen == nil:
			inWindowOpen = d
		case in && d.Status.Documented() && inWindowDone == nil:
			inWindowDone = d
		case open || d.Status == DoseSuspended || d.Status == DoseCancelled:
			if dist := absDur(d.DueAt.Sub(at)); dist <= best {
				best, nearest = dist, d
			}
		}
	}
	for _, d := range []*ScheduledDose{inWindowOpen, inWindowDone, nearest} {
		if d != nil {
			c := *d
			return &c
		}
	}
	return nil
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// autoMatch finds the order a scanned product is for when the request
// names none: an active order with a dose due now first, then an active
// PRN order, then an active order with a dose near now, then a dose already
// documented, then an inactive order (so that its status is reported).
func (vr *verifier) autoMatch() (*Order, *ScheduledDose) {
	f := vr.f
	if f.product == nil {
		return nil, nil
	}
	type cand struct {
		rank int
		o    Order
		d    *ScheduledDose
		dist time.Duration
	}
	var cs []cand
	for _, o := range f.orders {
		if !drugMatches(o, *f.product) {
			continue
		}
		c := cand{rank: 9, o: o}
		if o.Active() {
			if o.PRN {
				c.rank = 1
			} else if d := vr.bestDose(o); d != nil {
				c.d = d
				c.dist = absDur(d.DueAt.Sub(f.at))
				inWin := !f.at.Before(d.WindowStart) && !f.at.After(d.WindowEnd)
				switch {
				case inWin && !d.Status.Documented():
					c.rank = 0
				case !d.Status.Documented():
					c.rank = 2
				default:
					c.rank = 3
				}
			} else {
				c.rank = 8 // active, but nothing scheduled near now
			}
		} else {
			c.rank = 4
			c.d = vr.bestDose(o)
		}
		cs = append(cs, c)
	}
	if len(cs) == 0 {
		return nil, nil
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].rank != cs[j].rank {
			return cs[i].rank < cs[j].rank
		}
		return cs[i].dist < cs[j].dist
	})
	c := cs[0]
	if c.rank == 8 {
		o := c.o
		return &o, nil
	}
	o := c.o
	return &o, c.d
}

// candidates lists what the nurse might have meant: the doses due now and
// the resident's active orders (those of the product first when given).
func (vr *verifier) candidates(p *Product) []DueItem {
	f := vr.f
	var out []DueItem
	seen := map[string]bool{}
	add := func(it DueItem) {
		key := it.Order.ID
		if it.Dose != nil {
			key = it.Dose.ID
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, it)
		}
	}
	for i := range f.doses {
		d := f.doses[i]
		if d.Status != DoseScheduled || f.at.Before(d.WindowStart) || f.at.After(d.WindowEnd) {
			continue
		}
		if o := vr.findOrder(d.OrderID); o != nil && o.Active() && (p == nil || drugMatches(*o, *p)) {
			add(DueItem{Dose: &d, Order: *o, Product: f.productPtr(o.ProductID)})
		}
	}
	for _, o := range f.orders {
		if o.Active() && (p == nil || drugMatches(o, *p)) {
			add(DueItem{Order: o, Product: f.productPtr(o.ProductID)})
		}
	}
	if p != nil && len(out) == 0 {
		return vr.candidates(nil)
	}
	return out
}

// alternatives lists the other orders the same product matches, so the
// page can offer a choice (a scheduled and a PRN order of one drug).
func (vr *verifier) alternatives(chosen Order) []DueItem {
	f := vr.f
	var out []DueItem
	for _, o := range f.orders {
		if o.ID == chosen.ID || !o.Active() || f.product == nil || !drugMatches(o, *f.product) {
			continue
		}
		it := DueItem{Order: o, Product: f.productPtr(o.ProductID)}
		if !o.PRN {
			it.Dose = vr.bestDose(o)
		}
		out = append(out, it)
	}
	return out
}

func (f *facts) productPtr(id string) *Product {
	if p, ok := f.products[id]; ok {
		return &p
	}
	return nil
}

// checkAllergy compares every ingredient with the resident's allergies,
// by ingredient and by drug class: an allergy to penicillin stops
// amoxicillin; a cross-reactive class (cephalosporins) is a soft stop.
func (vr *verifier) checkAllergy() {
	f := vr.f
	var cross string
	for _, a := range f.resident.Allergies {
		for _, in := range f.product.Ingredients {
			match, class := MatchAllergy(in.Name, a.Substance)
			switch match {
			case AllergyDirect:
				msg := fmt.Sprintf("ALLERGY: %s is allergic to %s", f.resident.DisplayName(), a.Substance)
				if a.Reaction != "" {
					msg += " (" + a.Reaction + ")"
				}
				what := f.product.Name + " contains " + in.Name
				if class != "" {
					what += ", one of the " + class
				}
				vr.fail(RightAllergy, ReasonAllergy, msg+". "+what+". Do not give it.")
				return
			case AllergyCross:
				if cross == "" {
					cross = fmt.Sprintf("CAUTION: %s is allergic to %s; %s (%s) can cross-react (%s). Give only if the prescriber confirmed it is safe.",
						f.resident.DisplayName(), a.Substance, in.Name, f.product.Name, class)
				}
			}
		}
	}
	switch {
	case cross != "":
		vr.soft(RightAllergy, ReasonAllergyCrossSensitivity, cross)
	case len(f.resident.Allergies) == 0:
		vr.pass(RightAllergy, "No known allergies.")
	default:
		vr.pass(RightAllergy, "No ingredient or drug class matches the resident's allergies.")
	}
}

func (vr *verifier) checkDrug() {
	f := vr.f
	o := *vr.order
	if !drugMatches(o, *f.product) {
		vr.fail(RightDrug, ReasonWrongDrug, fmt.Sprintf("WRONG DRUG: %s was scanned, but the order is for %s.", f.product.Name, orderText(o, f.products)))
		return
	}
	msg := f.product.Name + " matches the order."
	if o.ProductID != "" && o.ProductID != f.product.ID {
		msg = fmt.Sprintf("%s contains the ordered %s.", f.product.Name, o.Ingredient)
	}
	if f.in.Keyed != nil {
		vr.warn(RightDrug, ReasonKeyedEntry, msg+" Keyed in by hand ("+f.in.Keyed.Reason+"): check the label twice.")
		return
	}
	vr.pass(RightDrug, msg)
}

func (vr *verifier) checkOrderStatus() {
	f := vr.f
	o := *vr.order
	what := orderText(o, f.products)
	switch o.Status {
	case OrderActive:
	case OrderPending:
		if !f.pharmacy.MayGiveUnverified(o) {
			vr.fail(RightOrderStatus, ReasonOrderPendingVerification, "The order "+what+" has not been verified by pharmacy yet. Do not give it.")
			return
		}
		// Local policy lets a STAT/NOW dose go before verification; the
		// administration is flagged for the pharmacist's review.
		vr.warn(RightOrderStatus, ReasonUnverifiedStat, "The STAT order "+what+" is not verified by pharmacy yet. It may be given now; pharmacy will review it.")
	case OrderOnHold:
		vr.fail(RightOrderStatus, ReasonOrderOnHold, "The order "+what+" is on hold. Do not give it.")
		return
	case OrderDiscontinued:
		vr.fail(RightOrderStatus, ReasonOrderDiscontinued, "The order "+what+" was discontinued. Do not give it.")
		return
	default:
		vr.fail(RightOrderStatus, ReasonOrderInactive, fmt.Sprintf("The order %s is %s. Do not give it.", what, strings.ReplaceAll(string(o.Status), "_", " ")))
		return
	}
	switch {
	case f.at.Before(o.StartAt):
		vr.fail(RightOrderStatus, ReasonOrderInactive, "The order "+what+" starts at "+f.local(o.StartAt)+".")
	case o.StopAt != nil && !f.at.Before(*o.StopAt):
		vr.fail(RightOrderStatus, ReasonOrderInactive, "The order "+what+" stopped at "+f.local(*o.StopAt)+".")
	case vr.dose != nil && vr.dose.Status == DoseSuspended:
		vr.fail(RightOrderStatus, ReasonOrderOnHold, "This dose is suspended (the order was on hold).")
	case vr.dose != nil && vr.dose.Status == DoseCancelled:
		vr.fail(RightOrderStatus, ReasonOrderDiscontinued, "This dose was cancelled.")
	default:
		vr.pass(RightOrderStatus, "The order is active and verified.")
	}
}

// checkExpiry compares the pack's expiry date with today in the unit's
// time zone: a pack expiring today may still be given today.
func (vr *verifier) checkExpiry() {
	f := vr.f
	switch {
	case f.code == nil || f.code.Expiry == nil:
		if f.in.Keyed != nil {
			vr.warn(RightExpiry, ReasonExpiryNotScanned, "Keyed in: check the expiry date on the pack.")
		} else {
			vr.warn(RightExpiry, ReasonExpiryNotScanned, "The barcode carries no expiry date: check it on the pack.")
		}
	case f.code.Expiry.Expired(f.at, f.loc):
		vr.fail(RightExpiry, ReasonExpired, fmt.Sprintf("EXPIRED: this pack expired on %s (lot %s). Do not give it; use another pack.", f.code.Expiry.String(), orDash(f.code.Lot)))
	default:
		vr.pass(RightExpiry, fmt.Sprintf("Expires %s; %s", f.code.Expiry.String(), lotRecorded(f.code)))
	}
}

// lotRecorded says which lot is recorded, and when the scanner's text
// leaves it uncertain (a dropped group separator), what else it may be.
func lotRecorded(c *scanning.Code) string {
	for _, u := range c.Uncertain {
		if u.AI != "10" {
			continue
		}
		var others []string
		for _, v := range u.Values {
			if v != c.Lot {
				others = append(others, orDash(v))
			}
		}
		return fmt.Sprintf("lot %s recorded as UNCERTAIN: the scanner sent no group separators, so the lot may also be %s. Check the lot on the pack.",
			orDash(c.Lot), strings.Join(others, " or "))
	}
	return fmt.Sprintf("lot %s recorded.", orDash(c.Lot))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (vr *verifier) checkRoute() {
	f := vr.f
	o := *vr.order
	switch {
	case !f.product.HasRoute(o.Route):
		vr.fail(RightRoute, ReasonWrongRoute, fmt.Sprintf("WRONG ROUTE: %s is for %s use, but the order is %s.", f.product.Name, strings.Join(f.product.Routes, "/"), o.Route))
	case f.in.Route != "" && !strings.EqualFold(f.in.Route, o.Route):
		vr.fail(RightRoute, ReasonWrongRoute, fmt.Sprintf("WRONG ROUTE: the order is %s, not %s.", o.Route, f.in.Route))
	case crushProblem(o, *f.product) != "":
		vr.fail(RightRoute, ReasonMustNotCrush, "DO NOT CRUSH: "+crushProblem(o, *f.product))
	default:
		vr.pass(RightRoute, "Route "+o.Route+".")
	}
}

// orderedAmount is the amount due: the order's dose, or the sliding
// scale's dose for the glucose reading.
func (vr *verifier) orderedAmount() (float64, bool) {
	if len(vr.order.SlidingScale) > 0 {
		if vr.v.ScaleDose == nil {
			return 0, false
		}
		return *vr.v.ScaleDose, true
	}
	return vr.order.DoseValue, true
}

func (vr *verifier) checkDose() {
	f := vr.f
	o := *vr.order
	vr.math = newDoseMath(o, *f.product)
	if !vr.math.comparable {
		vr.fail(RightDose, ReasonWrongDose, "The dose cannot be checked: "+vr.math.why+".")
		return
	}
	if len(o.SlidingScale) > 0 {
		// The scale decides the dose: see checkSlidingScale.
		vr.resolveScale()
		ordered, ok := vr.orderedAmount()
		if !ok {
			vr.pass(RightDose, "Sliding scale: the dose follows from the glucose reading.")
			return
		}
		q, ok := vr.setQuantity(ordered)
		if !ok {
			return
		}
		if why := formProblem(o, *f.product, vr.math, q); why != "" {
			vr.fail(RightDose, ReasonDoseFormNotDivisible, why)
			return
		}
		vr.pass(RightDose, fmt.Sprintf("%s by the scale.", vr.v.DoseText))
		return
	}
	ordered := o.DoseValue
	q, ok := vr.setQuantity(ordered)
	if !ok {
		return
	}
	amount := vr.v.Amount
	unitsWord := countWords(q, vr.math.countUnit)
	if why := formProblem(o, *f.product, vr.math, q); why != "" {
		// Whatever amount it would make, the quantity cannot be measured.
		vr.fail(RightDose, ReasonDoseFormNotDivisible, why)
		return
	}
	switch {
	case nearlyEqual(amount, ordered) && vr.v.Weight != nil:
		vr.pass(RightDose, fmt.Sprintf("%s = %s %s as ordered (%s; weight taken %s).", unitsWord, fmtNum(amount), o.DoseUnit, vr.v.Weight.Words(), f.local(vr.v.Weight.WeighedAt)))
	case nearlyEqual(amount, ordered):
		vr.pass(RightDose, fmt.Sprintf("%s = %s %s as ordered.", unitsWord, fmtNum(amount), o.DoseUnit))
	case amount > ordered:
		msg := fmt.Sprintf("WRONG DOSE: %s make %s %s, but %s %s is ordered.", unitsWord, fmtNum(amount), o.DoseUnit, fmtNum(ordered), o.DoseUnit)
		if in := f.in; in.Quantity != nil && in.QuantityUnit == "" && nearlyEqual(*in.Quantity, ordered) && normUnit(o.DoseUnit) != vr.math.countUnit {
			// A bare quantity is in the product's unit of use: the nurse
			// probably meant the order's unit.
			msg += fmt.Sprintf(" If you meant %s %s, send quantity_unit %q with the quantity.", fmtNum(ordered), o.DoseUnit, o.DoseUnit)
		}
		vr.fail(RightDose, ReasonWrongDose, msg)
	default:
		vr.soft(RightDose, ReasonPartialDose, fmt.Sprintf("Partial dose: %s make %s %s of the ordered %s %s.", unitsWord, fmtNum(amount), o.DoseUnit, fmtNum(ordered), o.DoseUnit))
	}
}

// applyWeight works out a weight-based order's dose (mg/kg × the latest
// weight, capped at the order's maximum): from here on the verifier judges
// the order as if that dose were written on it, while the verdict keeps
// the order as written. No weight, or a stale one, fails the dose check
// with what to do (record a weight); false then.
func (vr *verifier) applyWeight() bool {
	f := vr.f
	if _, perKg := vr.order.PerKg(); !perKg {
		return true
	}
	w, err := weightDose(*vr.order, f.weight, f.at, f.cfg.WeightMaxAge, f.resident.DisplayName(), "scan again")
	if err != nil {
		vr.fail(RightDose, err.Reason, err.Message)
		return false
	}
	vr.v.Weight = &w
	o := weighedOrder(*vr.order, w)
	vr.order = &o
	return true
}

// setQuantity fixes the quantity (the request's, in its unit, or the one
// that makes the ordered amount) and the amount it makes. ok is false
// (and the dose check failed) when the request's unit does not convert.
func (vr *verifier) setQuantity(ordered float64) (float64, bool) {
	// With no quantity sent, the ordered amount is given exactly.
	q, amount := vr.math.quantityFor(ordered), ordered
	if in := vr.f.in; in.Quantity != nil {
		var ok bool
		if q, amount, ok = vr.math.packQuantity(*in.Quantity, in.QuantityUnit); !ok {
			vr.fail(RightDose, ReasonQuantityUnitIncompatible, fmt.Sprintf("The quantity %s %s cannot be converted for %s: give it in %s (%s %s is ordered).",
				fmtNum(*in.Quantity), strings.TrimSpace(in.QuantityUnit), vr.f.product.Name, vr.math.units(), fmtNum(ordered), vr.order.DoseUnit))
			return 0, false
		}
		if q > maxDoseUnits {
			vr.fail(RightDose, ReasonWrongDose, fmt.Sprintf("WRONG DOSE: %s %s is %s; at most %d are given at once.",
				fmtNum(*in.Quantity), strings.TrimSpace(in.QuantityUnit), countWords(q, vr.math.countUnit), maxDoseUnits))
			return 0, false
		}
	}
	vr.v.Quantity, vr.v.QuantityUnit = q, vr.math.countUnit
	vr.v.Amount = amount
	vr.v.AmountUnit = vr.order.DoseUnit
	vr.v.DoseText = DoseWords(vr.v.Amount, vr.v.AmountUnit, q, vr.math.countUnit)
	return q, true
}

// maxDoseUnits is the most units of use (tablets, mL, patches) one dose
// may take: more is a slip of the keyboard.
const maxDoseUnits = 100

// checkTime compares the clinical time with the dose's window.
func (vr *verifier) checkTime() {
	f := vr.f
	if vr.order.PRN {
		vr.pass(RightTime, "As needed: no scheduled time.")
		return
	}
	d := vr.dose
	if d == nil {
		return
	}
	switch {
	case f.at.Before(d.WindowStart):
		vr.v.Early = true
		vr.soft(RightTime, ReasonTooEarly, fmt.Sprintf("EARLY: this dose is due at %s; its window opens at %s (%s early).", f.local(d.DueAt), f.local(d.WindowStart), roundDur(d.WindowStart.Sub(f.at))))
	case f.at.After(d.WindowEnd):
		vr.v.Late = true
		what := "LATE"
		if d.Status == DoseMissed {
			what = "MISSED DOSE given late"
		}
		vr.soft(RightTime, ReasonTooLate, fmt.Sprintf("%s: this dose was due at %s; its window closed at %s (%s late).", what, f.local(d.DueAt), f.local(d.WindowEnd), roundDur(f.at.Sub(d.WindowEnd))))
	default:
		vr.pass(RightTime, fmt.Sprintf("Due at %s (window %s to %s).", f.local(d.DueAt), f.local(d.WindowStart), f.local(d.WindowEnd)))
	}
}

func roundDur(d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h == 0:
		return fmt.Sprintf("%d min", m)
	case m == 0:
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d h %d min", h, m)
}

func (vr *verifier) checkDuplicate() {
	f := vr.f
	d := vr.dose
	if d == nil {
		return
	}
	if d.Status.Documented() {
		vr.v.documentedBy = f.userName(d.DocumentedBy)
		when := "an earlier time"
		if d.DocumentedAt != nil {
			when = f.local(*d.DocumentedAt)
		}
		vr.fail(RightDuplicate, ReasonAlreadyDocumented, fmt.Sprintf("ALREADY DOCUMENTED: this dose was charted as %s by %s at %s. Do not give it again.",
			strings.ReplaceAll(string(d.Status), "_", " "), f.userName(d.DocumentedBy), when))
		return
	}
	vr.pass(RightDuplicate, "Not yet documented.")
}

// prnLimits reads an as-needed order's limits from its frequency.
func prnLimits(o Order) (PRNLimits, error) {
	r, err := schedules.Parse(o.Frequency, schedules.DefaultTimes())
	if err != nil {
		return PRNLimits{}, err
	}
	if r.PRN == nil {
		if r, err = r.AsPRN(); err != nil {
			return PRNLimits{}, err
		}
	}
	p := r.PRN
	l := PRNLimits{MinInterval: p.MinInterval, MaxDoses: p.MaxDoses, MaxAmount: p.MaxAmount, MaxAmountUnit: p.MaxAmountUnit, Per: p.Per}
	if l.Per <= 0 {
		l.Per = 24 * time.Hour
	}
	return l, nil
}

// prnStatus counts the resident's doses of the order's ingredient, from
// every order, within the order's period before at, adding amount (in the
// order's dose unit) for a dose about to be given.
func prnStatus(o Order, at time.Time, history []Administration, orders []Order, amount float64) PRNStatus {
	st := PRNStatus{Order: o, AmountUnit: o.DoseUnit}
	l, err := prnLimits(o)
	if err != nil {
		st.LimitsErr = err.Error()
		st.Reason = ReasonPRNLimitsUnknown
		st.Message = "The order's frequency cannot be read, so its as-needed limits are unknown: ask pharmacy to correct the order."
		return st
	}
	st.Limits = l
	ingredientOf := map[string]string{}
	for _, x := range orders {
		ingredientOf[x.ID] = x.Ingredient
	}
	unit := o.DoseUnit
	if l.MaxAmount > 0 {
		unit = l.MaxAmountUnit
	}
	st.AmountUnit = unit
	for _, a := range history {
		if a.Outcome != OutcomeGiven || a.EnteredInError || a.PerformedAt.After(at) || !SameIngredient(ingredientOf[a.OrderID], o.Ingredient) {
			continue
		}
		if st.LastGivenAt == nil || a.PerformedAt.After(*st.LastGivenAt) {
			t := a.PerformedAt
			st.LastGivenAt = &t
		}
		if a.PerformedAt.After(at.Add(-l.Per)) {
			st.DosesInPeriod++
			if v, ok := convert(a.Amount, a.Unit, unit); ok {
				st.AmountInPeriod += v
			}
		}
	}
	st.AmountInPeriod = round6(st.AmountInPeriod)
	st.Available = true
	if st.LastGivenAt != nil && l.MinInterval > 0 && at.Sub(*st.LastGivenAt) < l.MinInterval {
		next := st.LastGivenAt.Add(l.MinInterval)
		st.NextAllowedAt = &next
		st.Available, st.Reason = false, ReasonPRNTooSoon
	}
	if l.MaxDoses > 0 && st.DosesInPeriod+1 > l.MaxDoses {
		st.Available = false
		if st.Reason == "" {
			st.Reason = ReasonPRNMaxDoses
		}
		if next := nextAfterOldest(o, at, l.Per, history, ingredientOf, st.DosesInPeriod-l.MaxDoses+1); next != nil && (st.NextAllowedAt == nil || next.After(*st.NextAllowedAt)) {
			st.NextAllowedAt = next
		}
	}
	if l.MaxAmount > 0 {
		add, ok := convert(amount, o.DoseUnit, unit)
		if !ok {
			add = 0
		}
		if st.AmountInPeriod+add > l.MaxAmount+1e-9 {
			st.Available = false
			if st.Reason == "" {
				st.Reason = ReasonPRNMaxAmount
			}
		}
	}
	st.Message = prnMessage(st)
	return st
}

// prnMessage says in words where an as-needed order stands.
func prnMessage(st PRNStatus) string {
	l := st.Limits
	used := fmt.Sprintf("%d dose(s)", st.DosesInPeriod)
	if l.MaxDoses > 0 {
		used = fmt.Sprintf("%d of at most %d doses", st.DosesInPeriod, l.MaxDoses)
	}
	if l.MaxAmount > 0 {
		used += fmt.Sprintf(", %s of at most %s %s", fmtNum(st.AmountInPeriod), fmtNum(l.MaxAmount), l.MaxAmountUnit)
	}
	used += " of " + st.Order.Ingredient + " in the last " + roundDur(l.Per) + " (all orders)"
	switch st.Reason {
	case ReasonPRNTooSoon:
		return fmt.Sprintf("Too soon: at least %s between doses. %s.", roundDur(l.MinInterval), used)
	case ReasonPRNMaxDoses:
		return "Maximum number of doses reached: " + used + "."
	case ReasonPRNMaxAmount:
		return "Maximum amount reached: " + used + "."
	}
	return "May be given now: " + used + "."
}

// nextAfterOldest returns when the n-th oldest dose in the period leaves it.
func nextAfterOldest(o Order, at time.Time, per time.Duration, history []Administration, ingredientOf map[string]string, n int) *time.Time {
	var times []time.Time
	for _, a := range history {
		if a.Outcome == OutcomeGiven && !a.EnteredInError && !a.PerformedAt.After(at) && a.PerformedAt.After(at.Add(-per)) && SameIngredient(ingredientOf[a.OrderID], o.Ingredient) {
			times = append(times, a.PerformedAt)
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	if n < 1 || n > len(times) {
		return nil
	}
	t := times[n-1].Add(per)
	return &t
}

func (vr *verifier) checkPRN() {
	f := vr.f
	o := *vr.order
	if !o.PRN {
		return
	}
	st := prnStatus(o, f.at, f.history, f.orders, vr.v.Amount)
	st.Product = f.productPtr(o.ProductID)
	vr.v.PRN = &st
	last := "not given in the period"
	if st.LastGivenAt != nil {
		last = "last given at " + f.local(*st.LastGivenAt)
	}
	if st.Reason == ReasonPRNLimitsUnknown {
		vr.fail(RightPRN, st.Reason, st.Message)
		return
	}
	// The limits hold for every pair of doses on the chart, those given
	// after this one included (a back-charted dose, or a colleague's dose
	// charted a moment ago).
	if cs := prnCrossings(o, f.at, vr.v.Amount, f.history, f.orders); len(cs) > 0 {
		crossed := f.crossingsOf(cs, o, f.at, vr.v.Amount)
		st.Available, st.Reason = false, cs[0].reason
		if !f.backCharted() {
			msg := crossed[0].Message
			if st.NextAllowedAt != nil {
				msg += " Next dose allowed at " + f.local(*st.NextAllowedAt) + "."
			}
			vr.fail(RightPRN, crossed[0].Reason, msg)
			return
		}
		// Given already: what was given is charted, flagged, and the
		// charge nurse alerted.
		vr.v.Crossings = crossed
		vr.warn(RightPRN, crossed[0].Reason, "BACK-CHARTED: "+crossed[0].Message+" The dose is charted and flagged, and the charge nurse is alerted.")
	}
	if strings.TrimSpace(f.in.PRNIndication) == "" {
		vr.v.Requires.PRNIndication = true
		if f.mode == modeDocument {
			ind := ""
			if o.PRNReason != "" {
				ind = " (ordered for " + o.PRNReason + ")"
			}
			vr.fail(RightPRN, ReasonPRNIndicationRequired, "Say why this as-needed dose is given"+ind+".")
			return
		}
	}
	if len(vr.v.Crossings) > 0 {
		return
	}
	msg := fmt.Sprintf("May be given: %s; %d dose(s) in the last %s", last, st.DosesInPeriod, roundDur(st.Limits.Per))
	if st.Limits.MaxDoses > 0 {
		msg += fmt.Sprintf(" of at most %d", st.Limits.MaxDoses)
	}
	vr.pass(RightPRN, msg+".")
}

// checkSameWindow: a scheduled dose back-charted into a window in which
// another dose of the ingredient was given is charted, flagged, and the
// charge nurse alerted. (A dose charted now is judged by its window and
// the duplicate check, as before.)
func (vr *verifier) checkSameWindow() {
	f := vr.f
	if vr.order.PRN || vr.dose == nil || !f.backCharted() {
		return
	}
	cs := windowCrossings(*vr.order, *vr.dose, f.at, f.history, f.orders)
	if len(cs) == 0 {
		return
	}
	crossed := f.crossingsOf(cs, *vr.order, f.at, vr.v.Amount)
	vr.v.Crossings = append(vr.v.Crossings, crossed...)
	vr.warn(RightDuplicate, ReasonIngredientInWindow, "BACK-CHARTED: "+crossed[0].Message+" The dose is charted and flagged, and the charge nurse is alerted.")
}

// checkScheduledAgainstPRN: a scheduled dose given within a PRN order's
// minimum interval of a PRN dose of the same ingredient, or taking the
// ingredient over a PRN order's maximum in its period, is charted (it is
// prescribed; the nurse sees the warning at the scan and may hold it),
// flagged, and the charge nurse alerted, whether it is charted now or
// back-charted.
func (vr *verifier) checkScheduledAgainstPRN() {
	f := vr.f
	if vr.order.PRN || vr.dose == nil {
		return
	}
	cs := scheduledPRNCrossings(*vr.order, f.at, vr.v.Amount, f.history, f.orders)
	if len(cs) == 0 {
		return
	}
	crossed := f.crossingsOf(cs, *vr.order, f.at, vr.v.Amount)
	vr.v.Crossings = append(vr.v.Crossings, crossed...)
	what := "CHARTED NOW"
	if f.backCharted() {
		what = "BACK-CHARTED"
	}
	msgs := make([]string, len(crossed))
	for i, c := range crossed {
		msgs[i] = c.Message
	}
	vr.warn(RightPRN, ReasonScheduledCrossesPRNLimit, what+": "+strings.Join(msgs, " ")+" Consider holding this dose and asking the prescriber; if it is given it is charted and flagged, and the charge nurse is alerted.")
}

// offlineWitnessUnverified tells whether a dose charted offline, sent now,
// names a witness whose credentials the server does not accept. The dose
// was given: it is charted, flagged and alerted rather than refused (a
// witness who is the performer, decidable offline, still refuses).
func (f *facts) offlineWitnessUnverified() bool {
	return f.in.Offline && f.mode == modeDocument && f.in.Witness != nil && f.witnessReason == ReasonWitnessInvalid && f.backCharted()
}

func (vr *verifier) witnessUnverified() {
	name := vr.f.in.Witness.Username
	if name == "" {
		name = "badge " + vr.f.in.Witness.Badge
	}
	msg := "CHARTED OFFLINE: the witness named on the device (" + name + ") was not accepted when the dose was sent to the server. The dose was given: it is charted and flagged, and the charge nurse is alerted."
	vr.v.Crossings = append(vr.v.Crossings, LimitCrossing{Limit: LimitWitnessUnverified, Reason: ReasonWitnessInvalid, Message: msg})
	vr.warn(RightHighAlert, ReasonWitnessInvalid, msg)
}

func (vr *verifier) checkHighAlert() {
	f := vr.f
	if f.product == nil {
		return
	}
	switch f.product.HighAlert {
	case HighAlertWitnessRequired:
		vr.v.Requires.Witness = true
		switch {
		case f.offlineWitnessUnverified():
			vr.witnessUnverified()
		case f.witnessReason != "":
			vr.fail(RightHighAlert, f.witnessReason, f.witnessMsg)
		case f.witness != nil:
			vr.pass(RightHighAlert, "High-alert medication: witnessed by "+f.witness.DisplayName+".")
		case f.mode == modeDocument:
			vr.fail(RightHighAlert, ReasonWitnessRequired, "HIGH-ALERT: "+f.product.Name+" needs a second nurse to check and co-sign with their own credentials.")
		default:
			vr.warn(RightHighAlert, ReasonWitnessRequired, "HIGH-ALERT: a second nurse must check and co-sign with their own credentials.")
		}
	case HighAlertWitnessRecommended:
		vr.v.Requires.WitnessRecommended = true
		switch {
		case f.offlineWitnessUnverified():
			vr.witnessUnverified()
		case f.witnessReason != "":
			vr.fail(RightHighAlert, f.witnessReason, f.witnessMsg)
		case f.witness != nil:
			vr.pass(RightHighAlert, "High-alert medication: witnessed by "+f.witness.DisplayName+".")
		default:
			vr.soft(RightHighAlert, ReasonWitnessRecommended, "HIGH-ALERT: an independent double check by a second nurse is recommended.")
		}
	default:
		if f.in.Witness != nil && f.witnessReason != "" {
			vr.fail(RightHighAlert, f.witnessReason, f.witnessMsg)
		}
	}
}

// checkHoldParameters compares the order's hold parameters with the
// vital signs entered (or recorded in the last minutes). A met parameter
// refuses the preview and, when documenting, turns the dose into "held".
// The checks are kept aside and appended in reading order.
func (vr *verifier) checkHoldParameters() *HoldResult {
	f := vr.f
	o := *vr.order
	if len(o.HoldParams) == 0 || !vr.giving {
		return nil
	}
	var missing []string
	var met *HoldResult
	var readings []string
	for _, h := range o.HoldParams {
		v, ok := f.in.Vitals[h.Vital]
		if !ok {
			if r, found := f.vitals[h.Vital]; found && f.at.Sub(r.TakenAt) <= f.cfg.VitalsMaxAge {
				v, ok = r.Value, true
			}
		}
		if !ok {
			if !contains(missing, h.Vital) {
				missing = append(missing, h.Vital)
			}
			continue
		}
		readings = append(readings, fmt.Sprintf("%s %s", strings.ReplaceAll(h.Vital, "_", " "), fmtNum(v)))
		if h.Met(v) && met == nil {
			met = &HoldResult{Param: h, Reading: v}
		}
	}
	for _, h := range o.HoldParams {
		if !contains(vr.v.Requires.Vitals, h.Vital) {
			vr.v.Requires.Vitals = append(vr.v.Requires.Vitals, h.Vital)
		}
	}
	switch {
	case met != nil:
		vr.v.Hold = met
		msg := fmt.Sprintf("HOLD: %s %s is %s %s. Do not give; the dose is documented as held.", strings.ReplaceAll(met.Param.Vital, "_", " "), fmtNum(met.Reading), opWords(met.Param.Op), fmtNum(met.Param.Value))
		if f.mode == modeDocument {
			vr.holdChecks = append(vr.holdChecks, Check{Right: RightHoldParameters, Status: CheckWarn, Reason: ReasonHoldParameterMet, Message: msg})
		} else {
			vr.holdChecks = append(vr.holdChecks, Check{Right: RightHoldParameters, Status: CheckFail, Reason: ReasonHoldParameterMet, Message: msg})
		}
		return met
	case len(missing) > 0:
		msg := "Hold parameters (" + holdText(o.HoldParams) + "): enter " + strings.ReplaceAll(strings.Join(missing, ", "), "_", " ") + " before giving."
		st := CheckWarn
		if f.mode == modeDocument {
			st = CheckFail
		}
		vr.holdChecks = append(vr.holdChecks, Check{Right: RightHoldParameters, Status: st, Reason: ReasonVitalsRequired, Message: msg})
	default:
		vr.holdChecks = append(vr.holdChecks, Check{Right: RightHoldParameters, Status: CheckPass, Message: "Hold parameters not met: " + strings.Join(readings, ", ") + "."})
	}
	return nil
}

func holdText(hs []HoldParam) string {
	parts := make([]string, len(hs))
	for i, h := range hs {
		parts[i] = fmt.Sprintf("hold if %s %s %s", strings.ReplaceAll(h.Vital, "_", " "), h.Op, fmtNum(h.Value))
	}
	return strings.Join(parts, "; ")
}

func opWords(op string) string {
	switch op {
	case "<":
		return "below"
	case "<=":
		return "at or below"
	case ">":
		return "above"
	case ">=":
		return "at or above"
	}
	return op
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// isPatch reports whether the order or product is a transdermal patch.
func isPatch(o Order, p *Product) bool {
	if strings.EqualFold(o.Route, "transdermal") {
		return true
	}
	return p != nil && strings.EqualFold(p.Form, "patch")
}

// checkPatch refuses a new patch while a patch of the same ingredient is
// still on, and asks for the application site.
func (vr *verifier) checkPatch() {
	f := vr.f
	if !isPatch(*vr.order, f.product) {
		return
	}
	vr.v.Requires.Site = true
	for _, a := range f.openPatches {
		p, ok := f.products[a.ProductID]
		same := ok && len(p.Ingredients) > 0 && f.product != nil && len(f.product.Ingredients) > 0 && SameIngredient(p.Ingredients[0].Name, f.product.Ingredients[0].Name)
		if !same {
			for _, o := range f.orders {
				if o.ID == a.OrderID && SameIngredient(o.Ingredient, vr.order.Ingredient) {
					same = true
				}
			}
		}
		if same {
			site := ""
			if a.Site != "" {
				site = " on the " + a.Site
			}
			vr.fail(RightPatch, ReasonPatchNotRemoved, fmt.Sprintf("PATCH STILL ON: the %s patch applied %s%s by %s is not documented as removed. Remove it and document the removal first.",
				f.productName(a.ProductID), f.local(a.PerformedAt), site, f.userName(a.PerformerID)))
			return
		}
	}
	if strings.TrimSpace(f.in.Site) == "" {
		if f.mode == modeDocument {
			vr.fail(RightPatch, ReasonSiteRequired, "Say where the patch is applied (application site).")
			return
		}
		vr.warn(RightPatch, ReasonSiteRequired, "No previous patch is on. Note the application site when documenting.")
		return
	}
	vr.pass(RightPatch, "No previous patch is on; site "+f.in.Site+".")
}

// resolveScale finds the glucose reading and the scale's dose for it.
func (vr *verifier) resolveScale() {
	f := vr.f
	if vr.v.Glucose != nil || vr.scaleErr != "" {
		return
	}
	var g *Vital
	if f.in.Glucose != nil {
		g = &Vital{Kind: "glucose", Value: *f.in.Glucose, TakenAt: f.at, Unit: "mg/dL"}
	} else if r, ok := f.vitals["glucose"]; ok {
		g = &r
	}
	if g == nil {
		vr.scaleErr = ReasonGlucoseRequired
		return
	}
	if f.at.Sub(g.TakenAt) > f.cfg.GlucoseMaxAge {
		vr.v.Glucose = g
		vr.scaleErr = ReasonGlucoseStale
		return
	}
	vr.v.Glucose = g
	for _, s := range vr.order.SlidingScale {
		if g.Value >= s.Min && g.Value <= s.Max {
			d := s.Dose
			vr.v.ScaleDose = &d
			return
		}
	}
	vr.scaleErr = ReasonGlucoseOutOfScale
}

// checkSlidingScale: the dose comes from the scale and a fresh glucose
// reading, never from a typed amount.
func (vr *verifier) checkSlidingScale() {
	f := vr.f
	o := *vr.order
	if len(o.SlidingScale) == 0 {
		return
	}
	vr.resolveScale()
	vr.v.Requires.Glucose = true
	switch vr.scaleErr {
	case ReasonGlucoseRequired:
		msg := fmt.Sprintf("Sliding scale: enter a glucose reading taken in the last %s.", roundDur(f.cfg.GlucoseMaxAge))
		if f.mode == modeDocument {
			vr.fail(RightSlidingScale, ReasonGlucoseRequired, msg)
		} else {
			vr.warn(RightSlidingScale, ReasonGlucoseRequired, msg)
		}
		return
	case ReasonGlucoseStale:
		msg := fmt.Sprintf("Sliding scale: the last glucose reading (%s at %s) is older than %s. Check the glucose again.", fmtNum(vr.v.Glucose.Value), f.local(vr.v.Glucose.TakenAt), roundDur(f.cfg.GlucoseMaxAge))
		if f.mode == modeDocument {
			vr.fail(RightSlidingScale, ReasonGlucoseStale, msg)
		} else {
			vr.warn(RightSlidingScale, ReasonGlucoseStale, msg)
		}
		return
	case ReasonGlucoseOutOfScale:
		vr.fail(RightSlidingScale, ReasonGlucoseOutOfScale, fmt.Sprintf("Glucose %s is outside the sliding scale. Do not give; call the prescriber.", fmtNum(vr.v.Glucose.Value)))
		return
	}
	dose := *vr.v.ScaleDose
	if dose <= 0 {
		vr.fail(RightSlidingScale, ReasonScaleNoDose, fmt.Sprintf("Glucose %s: the scale gives no %s. Document the dose as held.", fmtNum(vr.v.Glucose.Value), o.Ingredient))
		return
	}
	if f.product != nil && vr.math.comparable && !nearlyEqual(vr.v.Amount, dose) {
		vr.fail(RightSlidingScale, ReasonScaleDoseMismatch, fmt.Sprintf("SCALE: glucose %s calls for %s %s, not %s %s. The dose comes from the scale.", fmtNum(vr.v.Glucose.Value), fmtNum(dose), o.DoseUnit, fmtNum(vr.v.Amount), o.DoseUnit))
		return
	}
	vr.pass(RightSlidingScale, fmt.Sprintf("Glucose %s at %s: %s %s by the scale.", fmtNum(vr.v.Glucose.Value), f.local(vr.v.Glucose.TakenAt), fmtNum(dose), o.DoseUnit))
}
