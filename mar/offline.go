package mar

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/emar-project/emar/scanning"
)

// DefaultSnapshotLifetime is how long an offline snapshot may be charted
// against: a med pass (a dose's window is an hour either side of its time).
const DefaultSnapshotLifetime = 2 * time.Hour

// Reasons of the offline bedside (see docs/offline.md).
const (
	// ReasonOfflineSnapshotStale: the snapshot is past its limit (or was
	// issued in the device's future): nothing is charted offline.
	ReasonOfflineSnapshotStale = "offline_snapshot_stale"
	// ReasonOfflineUndecidable: the snapshot does not hold what the check
	// needs (a resident of another unit, a product or dose it does not
	// list); the check is refused rather than guessed.
	ReasonOfflineUndecidable = "offline_undecidable"
)

// Snapshot is what a unit's med pass needs to be checked without the
// server: the unit's admitted residents with their orders, doses around the
// pass, recent given doses, open patches and latest vitals, the products of
// those orders and doses, the nurses who may witness, and the rules in
// effect. It carries no secret: no password or PIN verifier of anyone.
type Snapshot struct {
	Version    int
	FacilityID string
	Unit       Unit
	User       User // whom it was issued to; only they chart with it
	IssuedAt   time.Time
	ExpiresAt  time.Time
	Bedside    BedsideConfig
	Pharmacy   PharmacyConfig
	Scan       ScanSettings
	Residents  []SnapshotResident
	Products   []Product
	Users      []User // display names of performers, and the possible witnesses
	// Labels are the patient-specific labels pharmacy printed for the
	// unit's residents (dispenses with a serial), so that a labelled pack
	// scanned on the wrong resident is refused offline as it is online.
	Labels []SnapshotLabel
}

// SnapshotLabel is one patient-specific label: the serial on the pack and
// the resident it was dispensed for.
type SnapshotLabel struct {
	GTIN, Serial, ResidentID, DispenseID string
}

// SnapshotResident is one resident's part of a snapshot.
type SnapshotResident struct {
	Resident    Resident
	Orders      []Order
	Doses       []ScheduledDose
	History     []Administration // given, live, recent
	OpenPatches []Administration
	Vitals      map[string]Vital
	Weight      *Vital
	// PhotoSHA256 names the resident's photo ("" when none): the page
	// keeps a copy of each photo while online and shows it offline, and
	// fetches it again only when the hash changes.
	PhotoSHA256 string
}

// snapshotLabelAge is how far back a snapshot carries the unit's
// patient-specific labels: longer than a pack of a month's supply lasts.
const snapshotLabelAge = 120 * 24 * time.Hour

// snapshotVersion changes when the snapshot's shape changes: a page holding
// an older one fetches again.
const snapshotVersion = 3

// BedsideSnapshot builds the offline snapshot of a unit for by, valid for
// lifetime (DefaultSnapshotLifetime when zero). Reading it is a read of
// every resident's record in it, audited as such.
func (s *Service) BedsideSnapshot(ctx context.Context, by Identity, unitID string, lifetime time.Duration) (Snapshot, error) {
	if err := mayDocument(by); err != nil {
		return Snapshot{}, err
	}
	if lifetime <= 0 {
		lifetime = DefaultSnapshotLifetime
	}
	if ScopedToUnits(by.User.Role) && !by.User.WorksOnUnit(unitID) {
		return Snapshot{}, Forbidden("you are not assigned to this unit")
	}
	scan, _, err := s.FacilityScanSettings(ctx, by.User.FacilityID)
	if err != nil {
		return Snapshot{}, err
	}
	var snap Snapshot
	err = s.Store.InTx(ctx, func(tx Tx) error {
		unit, err := tx.GetUnit(unitID)
		if err != nil {
			return err
		}
		if unit.FacilityID != by.User.FacilityID {
			return NotFound("unit", unitID)
		}
		now := s.now()
		snap = Snapshot{Version: snapshotVersion, FacilityID: unit.FacilityID, Unit: unit, User: publicUser(by.User),
			IssuedAt: now, ExpiresAt: now.Add(lifetime), Bedside: s.Config.Bedside, Pharmacy: s.Config.Pharmacy, Scan: scan}
		residents, err := tx.ListResidents(ResidentFilter{FacilityID: unit.FacilityID, UnitIDs: []string{unit.ID}, Status: Admitted})
		if err != nil {
			return err
		}
		var admins []Administration
		var orders []Order
		userIDs := []string{}
		for _, r := range residents {
			sr, err := s.snapshotResident(tx, r, now, snap.ExpiresAt)
			if err != nil {
				return err
			}
			snap.Residents = append(snap.Residents, sr)
			admins = append(append(admins, sr.History...), sr.OpenPatches...)
			orders = append(orders, sr.Orders...)
			for _, a := range append(sr.History, sr.OpenPatches...) {
				userIDs = append(userIDs, a.PerformerID)
			}
			for _, d := range sr.Doses {
				if d.DocumentedBy != "" {
					userIDs = append(userIDs, d.DocumentedBy)
				}
			}
		}
		ids := make([]string, len(snap.Residents))
		for i, sr := range snap.Residents {
			ids[i] = sr.Resident.ID
		}
		photos, err := tx.ResidentPhotoHashes(ids)
		if err != nil {
			return err
		}
		for i := range snap.Residents {
			snap.Residents[i].PhotoSHA256 = photos[snap.Residents[i].Resident.ID]
		}
		products, err := s.productsFor(tx, orders, admins)
		if err != nil {
			return err
		}
		for _, p := range products {
			snap.Products = append(snap.Products, p)
		}
		slices.SortFunc(snap.Products, func(a, b Product) int { return strings.Compare(a.ID, b.ID) })
		dispensed, err := tx.ListDispenses(DispenseFilter{FacilityID: unit.FacilityID, UnitID: unit.ID, From: now.Add(-snapshotLabelAge)})
		if err != nil {
			return err
		}
		for _, d := range dispensed {
			if d.Serial != "" && d.ResidentID != "" {
				snap.Labels = append(snap.Labels, SnapshotLabel{GTIN: d.GTIN, Serial: d.Serial, ResidentID: d.ResidentID, DispenseID: d.ID})
			}
		}
		named, err := tx.GetUsers(userIDs)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, u := range named {
			seen[u.ID] = true
			snap.Users = append(snap.Users, publicUser(u))
		}
		// The nurses who may witness a high-alert dose on this device:
		// names and roles only; their credentials are checked by the
		// server when the dose is synchronised.
		staff, err := tx.ListUsers(unit.FacilityID)
		if err != nil {
			return err
		}
		for _, u := range staff {
			if !seen[u.ID] && u.Active && canDocument(u.Role) {
				seen[u.ID] = true
				snap.Users = append(snap.Users, publicUser(u))
			}
		}
		slices.SortFunc(snap.Users, func(a, b User) int { return strings.Compare(a.ID, b.ID) })
		for _, r := range residents {
			if err := s.audit(tx, by, AuditEntry{Action: "bedside.snapshot", ObjectType: "resident", ObjectID: r.ID, ResidentID: r.ID,
				Detail: map[string]any{"unit_id": unit.ID, "expires_at": snap.ExpiresAt}}); err != nil {
				return err
			}
		}
		return nil
	})
	return snap, err
}

// publicUser keeps what a snapshot may show of a user: never a secret.
func publicUser(u User) User {
	return User{ID: u.ID, FacilityID: u.FacilityID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, UnitIDs: u.UnitIDs, Active: u.Active}
}

// snapshotResident reads what the checks of a dose given between from and
// until can look at, as loadFacts reads it for one scan.
func (s *Service) snapshotResident(tx Tx, r Resident, from, until time.Time) (SnapshotResident, error) {
	sr := SnapshotResident{Resident: r}
	all, err := tx.ListOrders(OrderFilter{ResidentID: r.ID})
	if err != nil {
		return sr, err
	}
	back := 48 * time.Hour
	for _, o := range all {
		// Orders that ended long ago decide nothing but the history's
		// ingredients; keep them small: only those a recent dose names.
		if o.StopAt != nil && o.StopAt.Before(from.Add(-48*time.Hour)) {
			continue
		}
		sr.Orders = append(sr.Orders, o)
		if o.PRN {
			if l, err := prnLimits(o); err == nil {
				back = max(back, l.Per, l.MinInterval)
			}
		}
	}
	// bestDose looks 12 hours either side of the time judged.
	if sr.Doses, err = tx.ListDoses(DoseFilter{ResidentID: r.ID, DueFrom: from.Add(-13 * time.Hour), DueTo: until.Add(13 * time.Hour)}); err != nil {
		return sr, err
	}
	if sr.History, err = tx.ListAdministrations(AdministrationFilter{ResidentID: r.ID, Since: from.Add(-back), GivenOnly: true}); err != nil {
		return sr, err
	}
	if sr.OpenPatches, err = tx.ListAdministrations(AdministrationFilter{ResidentID: r.ID, UnremovedPatch: true}); err != nil {
		return sr, err
	}
	// Orders named by the history (an ended order's dose still counts
	// towards an ingredient's limits).
	have := map[string]bool{}
	for _, o := range sr.Orders {
		have[o.ID] = true
	}
	for _, a := range append(sr.History, sr.OpenPatches...) {
		if have[a.OrderID] {
			continue
		}
		for _, o := range all {
			if o.ID == a.OrderID {
				have[o.ID] = true
				sr.Orders = append(sr.Orders, o)
			}
		}
	}
	if sr.Vitals, err = tx.LatestVitals(r.ID, nil, from.Add(-24*time.Hour), until); err != nil {
		return sr, err
	}
	ws, err := tx.LatestVitals(r.ID, []string{VitalWeight}, from.AddDate(-1, 0, 0), until)
	if err != nil {
		return sr, err
	}
	if w, ok := ws[VitalWeight]; ok {
		sr.Weight = &w
	}
	return sr, nil
}

// OfflineInput is a scan checked on the device against a snapshot.
type OfflineInput struct {
	Now       time.Time // the device's clock
	Wristband string    // the wristband scan's text
	Document  bool      // the document request's checks (else the scan's preview)
	// Medication is the medication scan as MedicationInput carries it,
	// with the scan's text in Scan.Text (parsed here) and without
	// ContextID, PerformedAt and Witness (see WitnessUsername).
	Medication MedicationInput
	// WitnessUsername names the second nurse who co-signs. Offline their
	// password cannot be checked: the server checks it when the dose is
	// synchronised.
	WitnessUsername string
}

// OfflineVerify checks a wristband and medication scan against a
// snapshot with the server's own rules (evaluate). What the snapshot cannot
// decide is refused with ReasonOfflineUndecidable; a stale snapshot
// decides nothing. The error is a *Error (wristband, snapshot) or a
// *Refusal carrying the verdict, as Verify answers.
func OfflineVerify(snap Snapshot, in OfflineInput) (Verdict, error) {
	now := in.Now.UTC()
	if snap.Version != snapshotVersion {
		return Verdict{}, &Error{Code: ERefused, Reason: ReasonOfflineSnapshotStale, Message: "The offline data on this device is of an older version. Nothing can be charted offline; reconnect to refresh it."}
	}
	if !now.Before(snap.ExpiresAt) || now.Before(snap.IssuedAt.Add(-5*time.Minute)) {
		return Verdict{}, &Error{Code: ERefused, Reason: ReasonOfflineSnapshotStale, Message: "The offline data on this device is older than its limit. Nothing can be charted offline: use the paper record until the server is back."}
	}
	unit := snap.Unit
	loc, err := unit.Location()
	if err != nil {
		return Verdict{}, err
	}
	compiled, err := CompileScanSettings(snap.Scan)
	if err != nil {
		return Verdict{}, err
	}
	opts := compiled.ParseOptions(now)
	parse := func(text string, expect scanning.Kind) ScanInput {
		o := opts
		o.Expect = expect
		c, err := scanning.Parse(text, o)
		si := ScanInput{Text: text, Err: err}
		if err == nil {
			si.Code = &c
		}
		return si
	}
	band := parse(in.Wristband, scanning.KindWristband)
	if band.Err == nil && band.Code == nil {
		return Verdict{}, Invalid("scan", "scan the resident's wristband")
	}
	res, err := wristbandResident(band, func(id string) (Resident, error) { return snapshotFindResident(snap, id) })
	if e, ok := AsError(err); ok && e.Reason == ReasonResidentNotFound {
		// Not in the snapshot is not "nobody wears it": the snapshot
		// holds the admitted residents of one unit.
		return Verdict{}, &Error{Code: ERefused, Reason: ReasonOfflineUndecidable, Field: "scan",
			Message: "This wristband is not in the offline data of " + snap.Unit.Name + " on this device, so it cannot be checked offline. Do not give medications to this resident until the server is back; use the paper record."}
	}
	if err != nil {
		return Verdict{}, err
	}
	var sr *SnapshotResident
	for i := range snap.Residents {
		if snap.Residents[i].Resident.ID == res.ID {
			sr = &snap.Residents[i]
		}
	}
	by := Identity{User: snap.User}
	code := band.Text
	if band.Code != nil && band.Code.Canonical != "" {
		code = band.Code.Canonical
	}
	mode := modeVerify
	med := in.Medication
	med.ContextID, med.PerformedAt, med.Witness, med.DeviceTime = "offline", nil, nil, nil
	if in.Document {
		mode = modeDocument
		if med.Outcome == "" {
			med.Outcome = OutcomeGiven
		}
	} else {
		med.Outcome, med.ReasonCode, med.ReasonText = OutcomeGiven, "", ""
	}
	if med.Scan != nil {
		sc := parse(med.Scan.Text, scanning.KindGS1)
		med.Scan = &sc
	}
	f := &facts{mode: mode, now: now, at: now, by: by, in: med, cfg: snap.Bedside, pharmacy: snap.Pharmacy, loc: loc,
		resident: sr.Resident, unit: unit, orders: sr.Orders, doses: sr.Doses, history: sr.History, openPatches: sr.OpenPatches,
		vitals: sr.Vitals, weight: sr.Weight, products: map[string]Product{}, users: map[string]User{},
		bctx: BedsideContext{ID: "offline", FacilityID: snap.FacilityID, UserID: by.User.ID, ResidentID: res.ID, ScannedCode: truncate(code, 200),
			CreatedAt: now, ExpiresAt: now.Add(snap.Bedside.ContextLifetime)}}
	if kg, ok := med.Vitals[VitalWeight]; ok {
		f.weight = &Vital{Kind: VitalWeight, Value: kg, Unit: "kg", TakenAt: now, RecordedBy: by.User.ID}
	}
	for _, p := range snap.Products {
		f.products[p.ID] = p
	}
	for _, u := range snap.Users {
		f.users[u.ID] = u
	}
	undecidable := func(msg string) (Verdict, error) {
		v := Verdict{Resident: f.resident, Unit: unit, Context: f.bctx,
			Checks: []Check{{Right: RightPatient, Status: CheckPass, Message: "Wristband scanned for " + f.resident.DisplayName() + "."},
				{Right: RightDrug, Status: CheckFail, Reason: ReasonOfflineUndecidable, Message: msg}}}
		return v, refusalOf(v, in.Document)
	}
	if med.DoseID != "" && !slices.ContainsFunc(f.doses, func(d ScheduledDose) bool { return d.ID == med.DoseID }) {
		return undecidable("This dose is not in the offline data on this device, so it cannot be checked offline. Do not give it until the server is back, or use the paper record.")
	}
	if med.OrderID != "" && !slices.ContainsFunc(f.orders, func(o Order) bool { return o.ID == med.OrderID }) {
		return undecidable("This order is not in the offline data on this device, so it cannot be checked offline. Do not give it until the server is back.")
	}
	missed := false       // a lookup the snapshot could not answer
	unknownLabel := false // a pharmacy label the snapshot does not hold
	if err := resolveProductWith(f, func(id string) (Product, error) {
		if p, ok := f.products[id]; ok {
			return p, nil
		}
		missed = true
		return Product{}, NotFound("product", id)
	}, func(gtin, ndc string) (Product, Package, error) {
		p, pk, err := snapshotFindProduct(snap, gtin, ndc)
		missed = err != nil
		return p, pk, err
	}, func(gtin, serial string) (Dispense, string, error) {
		d, name, err := snapshotFindLabel(snap, f.resident.ID, gtin, serial)
		unknownLabel = ErrorCodeOf(err) == ENotFound && IsLabelSerial(serial)
		return d, name, err
	}); err != nil {
		return Verdict{}, err
	}
	if unknownLabel {
		// One of pharmacy's labels that this device does not know: it may
		// be another unit's resident's, which only the server can tell.
		return undecidable("This pack carries a pharmacy label that is not in the offline data on this device, so whose it is cannot be checked offline. Do not give it; check it when the server is back.")
	}
	if missed {
		// Not in the snapshot is not "not in the catalogue": the snapshot
		// holds only the products of the unit's orders and recent doses.
		return undecidable("This product is not in the offline data on this device (it is not ordered for anyone on the unit), so it cannot be checked offline. Do not give it; check the MAR when the server is back.")
	}
	if in.Document && in.WitnessUsername != "" && med.Outcome == OutcomeGiven {
		offlineWitness(f, snap, in.WitnessUsername)
	}
	v := evaluate(f)
	if !v.Allowed {
		return v, refusalOf(v, in.Document)
	}
	return v, nil
}

// offlineWitness applies what can be checked of a witness without the
// server: a second, active nurse of the facility. Their password is checked
// by the server when the dose is synchronised.
func offlineWitness(f *facts, snap Snapshot, username string) {
	const notAccepted = "The witness must be a nurse or charge nurse of this facility with their own account."
	var u *User
	for i := range snap.Users {
		if strings.EqualFold(snap.Users[i].Username, strings.TrimSpace(username)) {
			u = &snap.Users[i]
		}
	}
	switch {
	case u == nil || !u.Active || u.FacilityID != f.by.User.FacilityID || !canDocument(u.Role):
		f.witnessReason, f.witnessMsg = ReasonWitnessInvalid, notAccepted
	case u.ID == f.by.User.ID:
		f.witnessReason, f.witnessMsg = ReasonWitnessSamePerson, "The witness must be a second person, not the nurse giving the dose."
	default:
		w := *u
		f.witness = &w
	}
}

// snapshotFindResident matches a wristband value as the store does
// (wristband id or MRN, an admitted resident first).
func snapshotFindResident(snap Snapshot, id string) (Resident, error) {
	id = strings.TrimSpace(id)
	var found []Resident
	for _, sr := range snap.Residents {
		if sr.Resident.WristbandID == id || sr.Resident.MRN == id {
			found = append(found, sr.Resident)
		}
	}
	switch {
	case len(found) == 0:
		return Resident{}, NotFound("resident with wristband", id)
	case len(found) > 1:
		return Resident{}, &Error{Code: ERefused, Reason: ReasonWrongPatient, Field: "scan",
			Message: "This wristband value belongs to more than one admitted resident (the same number under two identifier systems). Do not proceed; print a wristband that carries the identifier system, or ask the charge nurse."}
	}
	return found[0], nil
}

// snapshotFindLabel finds the dispense behind a patient-specific label
// among the snapshot's, with the name of its resident when that is not
// residentID.
func snapshotFindLabel(snap Snapshot, residentID, gtin, serial string) (Dispense, string, error) {
	for _, l := range snap.Labels {
		if l.GTIN != gtin || l.Serial != serial {
			continue
		}
		d := Dispense{ID: l.DispenseID, FacilityID: snap.FacilityID, UnitID: snap.Unit.ID, ResidentID: l.ResidentID, GTIN: l.GTIN, Serial: l.Serial}
		name := ""
		if l.ResidentID != residentID {
			name = "another resident"
			if r, err := snapshotFindResident(snap, l.ResidentID); err == nil {
				name = r.DisplayName()
			}
		}
		return d, name, nil
	}
	return Dispense{}, "", NotFound("label", serial)
}

// snapshotFindProduct finds a package by GTIN or NDC among the snapshot's
// products, as the catalogue does.
func snapshotFindProduct(snap Snapshot, gtin, ndc string) (Product, Package, error) {
	for _, match := range []func(Package) bool{
		func(pk Package) bool { return gtin != "" && pk.GTIN == gtin },
		func(pk Package) bool { return ndc != "" && pk.NDC == ndc },
	} {
		for _, p := range snap.Products {
			for _, pk := range p.Packages {
				if match(pk) {
					return p, pk, nil
				}
			}
		}
	}
	code := gtin
	if code == "" {
		code = ndc
	}
	return Product{}, Package{}, NotFound("product with code", code)
}
