package hl7map

import (
	"context"
	"errors"
	"strings"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/hl7"
)

var patientKinds = map[hl7.EventKind]mar.PatientEventKind{
	hl7.EventAdmit:           mar.PatientAdmit,
	hl7.EventTransfer:        mar.PatientTransfer,
	hl7.EventDischarge:       mar.PatientDischarge,
	hl7.EventUpdate:          mar.PatientUpdate,
	hl7.EventCancelAdmit:     mar.PatientCancelAdmit,
	hl7.EventCancelTransfer:  mar.PatientCancelTransfer,
	hl7.EventCancelDischarge: mar.PatientCancelDischarge,
}

// sexes maps HL7 table 0001 onto FHIR administrative gender.
// (and the words some senders write instead).
var sexes = map[string]string{"F": "female", "M": "male", "O": "other", "A": "other", "N": "other", "U": "unknown",
	"FEMALE": "female", "MALE": "male", "OTHER": "other", "UNKNOWN": "unknown"}

// severities maps HL7 table 0128 onto the record's words.
var severities = map[string]string{"SV": "severe", "MO": "moderate", "MI": "mild", "SEVERE": "severe", "MODERATE": "moderate", "MILD": "mild"}

func (h *Handler) applyADT(ctx context.Context, id mar.Identity, msg *hl7.Message, opts hl7.ParseOptions) (mar.Resident, *hl7.Error, error) {
	ev, err := hl7.ParseADT(msg, opts)
	if err != nil {
		return mar.Resident{}, asHL7Error(err), nil
	}
	kind, ok := patientKinds[ev.Kind]
	if !ok {
		return mar.Resident{}, &hl7.Error{Segment: "MSH", SeqInSegmentGroup: 1, Field: 9, Component: 2, Code: hl7.CodeUnsupportedEventCode,
			Message: "event " + ev.Event + " is not taken here (A01, A02, A03, A08, A11, A12 and A13 are)"}, nil
	}
	p := ev.Patient
	system, herr := h.mrnSystem(p)
	if herr != nil {
		return mar.Resident{}, herr, nil
	}
	ep := mar.ExternalPatient{Kind: kind, MRNSystem: system, MRN: p.MRN, FamilyName: p.Name.Family, GivenName: p.Name.Given, MiddleName: p.Name.Middle,
		BirthDate: p.BirthDate, UnitCode: ev.Visit.Location.PointOfCare, Room: ev.Visit.Location.Room, Bed: ev.Visit.Location.Bed,
		At: ev.OccurredAt}
	if p.Sex != "" {
		sex, ok := sexes[strings.ToUpper(p.Sex)]
		if !ok {
			return mar.Resident{}, &hl7.Error{Segment: "PID", SeqInSegmentGroup: 1, Field: 8, Code: hl7.CodeTableValueNotFound, Message: "sex " + p.Sex + " is not in table 0001"}, nil
		}
		ep.Sex = sex
	}
	if kind == mar.PatientCancelTransfer {
		// The patient goes back to where they were before the transfer.
		l := ev.Visit.PriorLocation
		ep.UnitCode, ep.Room, ep.Bed = l.PointOfCare, l.Room, l.Bed
	}
	if ep.At.IsZero() {
		switch kind {
		case mar.PatientAdmit:
			ep.At = ev.Visit.AdmitTime
		case mar.PatientDischarge:
			ep.At = ev.Visit.DischargeTime
		}
	}
	if ep.At.IsZero() {
		ep.At = ev.RecordedAt
	}
	if len(msg.Segments("AL1")) > 0 {
		ep.Allergies = []mar.Allergy{}
		for _, a := range p.Allergies {
			ep.Allergies = append(ep.Allergies, mar.Allergy{Substance: strings.ToLower(a.Allergen.Display()),
				Reaction: strings.Join(a.Reactions, ", "), Severity: severities[strings.ToUpper(a.Severity.Code)]})
		}
	}
	r, _, err := h.Svc.ApplyPatientEvent(ctx, id, ep)
	var rep *mar.Replayed
	if errors.As(err, &rep) {
		return r, nil, err
	}
	if e := idempotencyError(err); e != nil {
		return r, e, nil
	}
	if err != nil {
		return r, locatePatient(err, kind), nil
	}
	return r, nil, nil
}

func locatePatient(err error, kind mar.PatientEventKind) *hl7.Error {
	me, ok := mar.AsError(err)
	if !ok {
		return &hl7.Error{Code: hl7.CodeInternal, Message: "internal error"}
	}
	at := func(seg string, field int, code string) *hl7.Error {
		return &hl7.Error{Segment: seg, SeqInSegmentGroup: 1, Field: field, Code: code, Message: me.Message}
	}
	switch me.Field {
	case "mrn":
		if me.Code == mar.ENotFound || me.Reason == "identifier_system_mismatch" {
			return at("PID", 3, hl7.CodeUnknownKey)
		}
		if me.Code == mar.EConflict {
			return at("PID", 3, hl7.CodeDuplicateKey)
		}
		return at("PID", 3, hl7.CodeInternal)
	case "unit":
		f := 3
		if kind == mar.PatientCancelTransfer {
			f = 6
		}
		if me.Code == mar.ENotFound {
			return at("PV1", f, hl7.CodeTableValueNotFound)
		}
		return at("PV1", f, hl7.CodeRequiredFieldMissing)
	case "family_name":
		return at("PID", 5, hl7.CodeRequiredFieldMissing)
	case "birth_date":
		return at("PID", 7, hl7.CodeDataType)
	case "sex":
		return at("PID", 8, hl7.CodeTableValueNotFound)
	}
	return &hl7.Error{Code: hl7.CodeInternal, Message: me.Message}
}

// mrnSystem maps the assigning authority of the patient's MRN (PID-3.4)
// onto its identifier system through the service's configuration; an
// authority that is not configured is refused at PID-3.4 (table 0363,
// HL7 error 103), never guessed.
func (h *Handler) mrnSystem(p hl7.Patient) (string, *hl7.Error) {
	id := p.MRNIdentifier
	system, err := h.Svc.Config.Identifiers.SystemOf(mar.Authority{Namespace: id.AssigningAuthority,
		UniversalID: id.AuthorityUniversalID, UniversalIDType: id.AuthorityUniversalIDType})
	if err != nil {
		msg := err.Error()
		if me, ok := mar.AsError(err); ok {
			msg = me.Message
		}
		return "", &hl7.Error{Segment: "PID", SeqInSegmentGroup: 1, Field: 3, Component: 4, Code: hl7.CodeTableValueNotFound, Message: msg}
	}
	return system, nil
}
