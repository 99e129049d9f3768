package mar

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// PatientEventKind is what an outside system says happened to a stay
// (HL7 ADT trigger events; FHIR Patient create and update).
type PatientEventKind string

const (
	PatientAdmit           PatientEventKind = "admit"            // A01; FHIR create
	PatientTransfer        PatientEventKind = "transfer"         // A02
	PatientDischarge       PatientEventKind = "discharge"        // A03
	PatientUpdate          PatientEventKind = "update"           // A08; FHIR update
	PatientCancelAdmit     PatientEventKind = "cancel-admit"     // A11
	PatientCancelTransfer  PatientEventKind = "cancel-transfer"  // A12
	PatientCancelDischarge PatientEventKind = "cancel-discharge" // A13
)

// ExternalPatient is a resident as an outside system describes it. Empty
// fields mean "not sent" and leave the record as it is. Errors name these
// fields: mrn, unit, family_name, birth_date, sex.
type ExternalPatient struct {
	Kind        PatientEventKind
	ResidentID  string // our id, when the sender knows it (FHIR update)
	IfVersion   int64  // when not zero, the resident must still be at this version (FHIR If-Match)
	MRNSystem   string // the MRN's identifier system; empty is Config.Identifiers.DefaultSystem()
	MRN         string
	WristbandID string
	FamilyName  string
	GivenName   string
	MiddleName  string
	BirthDate   string // YYYY-MM-DD
	Sex         string // male, female, other, unknown
	UnitCode    string // HL7 PV1-3.1 point of care; FHIR has none
	UnitID      string // when the sender names our unit directly
	Room, Bed   string
	At          time.Time // when it happened; zero = now
	// CreateOnly refuses an admission of someone already admitted (a FHIR
	// create), where an HL7 A01 resent would simply update.
	CreateOnly bool
	// Allergies, when not nil, is the complete list (an ADT with AL1
	// segments); nil leaves the recorded allergies alone.
	Allergies []Allergy
}

// ApplyPatientEvent admits, transfers, discharges or updates a resident
// in one transaction with its audit event, so wristbands and units follow
// the admission system. A discharged resident can be given nothing.
//
// With an Idempotency in ctx (an HL7 message's control id), a resend of
// the same message gets the first answer and changes nothing.
func (s *Service) ApplyPatientEvent(ctx context.Context, by Identity, ep ExternalPatient) (Resident, bool, error) {
	type result struct {
		r       Resident
		created bool
	}
	out, err := runWrite(ctx, s, by, func(tx Tx) (result, error) {
		r, created, err := s.applyPatientEvent(tx, by, ep)
		return result{r, created}, err
	})
	return out.r, out.created, err
}

func (s *Service) applyPatientEvent(tx Tx, by Identity, ep ExternalPatient) (Resident, bool, error) {
	fac := by.User.FacilityID
	at := ep.At
	if at.IsZero() {
		at = s.now()
	}
	at = at.UTC().Truncate(time.Microsecond)
	ep.MRN = strings.TrimSpace(ep.MRN)
	system := strings.TrimSpace(ep.MRNSystem)
	if system == "" {
		system = s.Config.Identifiers.DefaultSystem()
	}

	var r Resident
	var err error
	if ep.ResidentID != "" {
		r, err = tx.GetResident(ep.ResidentID)
		if err == nil && r.FacilityID != fac {
			err = NotFound("resident", ep.ResidentID)
		}
		if err != nil {
			return r, false, err
		}
	} else {
		if ep.MRN == "" {
			return r, false, Invalid("mrn", "the patient identifier (MRN) is required")
		}
		r, err = residentByMRN(tx, fac, system, ep.MRN)
		if e, ok := AsError(err); ok && e.Reason == "identifier_system_mismatch" && ep.Kind == PatientAdmit {
			// The same value under another system is another person: an
			// admission creates them. Anything else is refused, never merged.
			err = NotFound("resident with MRN", ep.MRN)
		}
	}
	exists := err == nil
	if err != nil && ErrorCodeOf(err) != ENotFound {
		return r, false, err
	}
	if !exists && ep.Kind != PatientAdmit {
		return r, false, err
	}
	if exists && ep.CreateOnly && r.Status == Admitted {
		return r, false, &Error{Code: EConflict, Field: "mrn", Reason: "duplicate", Message: fmt.Sprintf("a resident with MRN %q in system %s is already admitted (Patient/%s)", r.MRN, r.MRNSystem, r.ID)}
	}
	unitID := ep.UnitID
	if unitID == "" && ep.UnitCode == "" && !exists {
		// A facility with one unit needs no unit named.
		if us, err := tx.ListUnits(fac); err == nil && len(us) == 1 {
			unitID = us[0].ID
		}
	}
	if unitID == "" && ep.UnitCode != "" {
		u, err := tx.FindUnitByCode(fac, ep.UnitCode)
		if err != nil {
			if ErrorCodeOf(err) == ENotFound {
				return r, false, &Error{Code: ENotFound, Field: "unit", Reason: "unknown_unit", Message: fmt.Sprintf("no unit has code %q", ep.UnitCode)}
			}
			return r, false, err
		}
		unitID = u.ID
	} else if unitID != "" {
		u, err := tx.GetUnit(unitID)
		if err != nil || u.FacilityID != fac {
			return r, false, &Error{Code: ENotFound, Field: "unit", Reason: "unknown_unit", Message: fmt.Sprintf("unknown unit %q", unitID)}
		}
	}
	before := r
	if !exists {
		r = Resident{ID: NewID(), FacilityID: fac, MRNSystem: system, MRN: ep.MRN, Status: Admitted, AdmittedAt: at}
	}
	// Demographics: what was sent replaces what was recorded.
	set := func(dst *string, v string) {
		if v = strings.TrimSpace(v); v != "" {
			*dst = v
		}
	}
	set(&r.FamilyName, ep.FamilyName)
	set(&r.GivenName, ep.GivenName)
	if ep.GivenName != "" || ep.MiddleName != "" {
		// A name sent whole replaces the middle name too, even by none.
		r.MiddleName = strings.TrimSpace(ep.MiddleName)
	}
	set(&r.BirthDate, ep.BirthDate)
	set(&r.Sex, ep.Sex)
	set(&r.WristbandID, ep.WristbandID)
	if r.WristbandID == "" {
		r.WristbandID = r.MRN
	}
	if ep.MRN != "" && exists && ep.ResidentID != "" && (ep.MRN != r.MRN || system != r.MRNSystem) {
		r.MRN, r.MRNSystem = ep.MRN, system
	}
	if ep.Allergies != nil {
		r.Allergies = mergeAllergyIDs(r, ep.Allergies)
	}
	move := func() error {
		if unitID == "" {
			return &Error{Code: EInvalid, Field: "unit", Reason: "unit_required", Message: "the unit (point of care) is required"}
		}
		r.UnitID = unitID
		r.Room, r.Bed = strings.TrimSpace(ep.Room), strings.TrimSpace(ep.Bed)
		return nil
	}
	action := "resident." + string(ep.Kind)
	switch ep.Kind {
	case PatientAdmit:
		if unitID != "" || !exists {
			if err := move(); err != nil {
				return r, false, err
			}
		}
		if exists && r.Status == Discharged {
			r.AdmittedAt = at // a readmission
		}
		r.Status, r.DischargedAt = Admitted, nil
	case PatientTransfer, PatientCancelTransfer:
		if err := move(); err != nil {
			return r, false, err
		}
		if r.Status != Admitted {
			return r, false, &Error{Code: ERefused, Field: "mrn", Reason: "resident_discharged", Message: "the resident is discharged; admit before transferring"}
		}
	case PatientDischarge, PatientCancelAdmit:
		if r.Status == Discharged {
			return r, false, &Error{Code: EConflict, Field: "mrn", Reason: "already_discharged", Message: "the resident is already discharged"}
		}
		r.Status, r.DischargedAt = Discharged, &at
	case PatientCancelDischarge:
		r.Status, r.DischargedAt = Admitted, nil
	case PatientUpdate:
		if unitID != "" {
			if err := move(); err != nil {
				return r, false, err
			}
		}
	default:
		return r, false, &Error{Code: EInvalid, Field: "event", Reason: "unsupported_event", Message: fmt.Sprintf("event %q is not supported", ep.Kind)}
	}
	if r.Sex != "" {
		switch r.Sex {
		case "male", "female", "other", "unknown":
		default:
			return r, false, Invalid("sex", "must be male, female, other or unknown")
		}
	}
	if err := r.Validate(); err != nil {
		return r, false, err
	}
	if exists {
		if ep.IfVersion != 0 {
			// Checked here, and again atomically by the store's update.
			if before.Version != ep.IfVersion {
				return r, false, VersionMismatch("resident", r.ID, ep.IfVersion, before.Version)
			}
			r.ExpectVersion = ep.IfVersion
		}
		changed := s.now()
		r.UpdatedAt = &changed
		if err := tx.UpdateResident(&r); err != nil {
			return r, false, err
		}
	} else if err := tx.CreateResident(&r); err != nil {
		return r, false, err
	}
	detail := map[string]any{"mrn": r.MRN, "mrn_system": r.MRNSystem, "unit_id": r.UnitID, "status": r.Status}
	var from string // a move changes two units: the caller must work on both
	if exists {
		from = before.UnitID
		detail["before"] = map[string]any{"unit_id": before.UnitID, "room": before.Room, "bed": before.Bed, "status": before.Status, "family_name": before.FamilyName}
		if ep.Allergies != nil {
			detail["allergies_before"] = allergySummary(before.Allergies)
		}
	}
	if ep.Allergies != nil {
		detail["allergies"] = allergySummary(r.Allergies)
	}
	return r, !exists, s.audit(tx, by, AuditEntry{Action: action, ObjectType: "resident", ObjectID: r.ID, ResidentID: r.ID, UnitID: from, Detail: detail})
}

// mergeAllergyIDs keeps the ids of allergies already recorded.
func mergeAllergyIDs(r Resident, in []Allergy) []Allergy {
	out := make([]Allergy, 0, len(in))
	for _, a := range in {
		a.Substance = strings.TrimSpace(a.Substance)
		if a.Substance == "" {
			continue
		}
		a.ResidentID = r.ID
		a.ID = ""
		for _, old := range r.Allergies {
			if strings.EqualFold(old.Substance, a.Substance) {
				a.ID = old.ID
			}
		}
		if a.ID == "" {
			a.ID = NewID()
		}
		out = append(out, a)
	}
	return out
}

// allergySummary is an allergy list as the audit trail keeps it.
func allergySummary(as []Allergy) []string {
	out := make([]string, len(as))
	for i, a := range as {
		s := a.Substance
		if a.Severity != "" {
			s += " (" + a.Severity + ")"
		}
		if a.Reaction != "" {
			s += ": " + a.Reaction
		}
		out[i] = s
	}
	return out
}
