package mar

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// The stay of a resident entered on the facility's own pages and API (an
// admission system sends the same events as HL7 ADT or FHIR Patient): each
// goes through the rules of ApplyPatientEvent, in one transaction with its
// audit event, within the caller's units (a transfer: both units).

// DischargeResident ends a resident's stay at at (zero: now); nothing can
// be given to a discharged resident.
func (s *Service) DischargeResident(ctx context.Context, by Identity, residentID string, at time.Time) (Resident, error) {
	if at.After(s.now().Add(s.Config.MaxClockSkew)) {
		return Resident{}, Invalid("at", "a discharge cannot be in the future")
	}
	r, _, err := s.ApplyPatientEvent(ctx, by, ExternalPatient{Kind: PatientDischarge, ResidentID: residentID, At: at})
	return r, err
}

// ReadmitResident undoes a discharge (a discharge entered in error, or a
// return).
func (s *Service) ReadmitResident(ctx context.Context, by Identity, residentID string) (Resident, error) {
	r, _, err := s.ApplyPatientEvent(ctx, by, ExternalPatient{Kind: PatientCancelDischarge, ResidentID: residentID})
	return r, err
}

// TransferResident moves an admitted resident to another unit (and room
// and bed). The caller must work on the unit the resident leaves and the
// one they join.
func (s *Service) TransferResident(ctx context.Context, by Identity, residentID, unitID, room, bed string) (Resident, error) {
	if strings.TrimSpace(unitID) == "" {
		return Resident{}, Invalid("unit_id", "name the unit the resident moves to")
	}
	r, _, err := s.ApplyPatientEvent(ctx, by, ExternalPatient{Kind: PatientTransfer, ResidentID: residentID, UnitID: unitID, Room: room, Bed: bed})
	return r, err
}

// AllergySeverities are the severities an allergy may be recorded with.
var AllergySeverities = []string{"mild", "moderate", "severe"}

// SetAllergies replaces a resident's allergies and intolerances with the
// complete list given (an empty list records "no known allergies" by
// removing every entry). Each needs a substance; a substance appears once.
func (s *Service) SetAllergies(ctx context.Context, by Identity, residentID string, allergies []Allergy) (Resident, error) {
	seen := map[string]bool{}
	list := make([]Allergy, 0, len(allergies))
	for i, a := range allergies {
		field := fmt.Sprintf("allergies[%d]", i)
		a.Substance = strings.TrimSpace(a.Substance)
		a.Reaction = strings.TrimSpace(a.Reaction)
		a.Severity = strings.ToLower(strings.TrimSpace(a.Severity))
		if a.Substance == "" {
			return Resident{}, Invalid(field+".substance", "name the substance (an ingredient, e.g. penicillin, or a drug class)")
		}
		if a.Severity != "" && !containsString(AllergySeverities, a.Severity) {
			return Resident{}, Invalid(field+".severity", "must be mild, moderate or severe")
		}
		key := strings.ToLower(a.Substance)
		if seen[key] {
			return Resident{}, Invalid(field+".substance", "%s is listed twice", a.Substance)
		}
		seen[key] = true
		list = append(list, Allergy{Substance: a.Substance, Reaction: a.Reaction, Severity: a.Severity})
	}
	r, _, err := s.ApplyPatientEvent(ctx, by, ExternalPatient{Kind: PatientUpdate, ResidentID: residentID, Allergies: list})
	return r, err
}
