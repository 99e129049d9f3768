package fhir

import (
	"encoding/json"
	"net/url"
	"strings"
	"time"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"github.com/emar-project/emar/mar"
)

// AdministrationFacts is what a MedicationAdministration says beside the
// administration itself.
type AdministrationFacts struct {
	Resident    mar.Resident
	Product     *mar.Product
	Codes       map[string]string // the product's extra codes
	Performer   mar.User
	Witness     *mar.User
	NeedsReview bool
}

// Reason codes from the R4 example value set "SNOMED CT Reason Medication
// Not Given Codes", where one fits the record's reason.
var notGivenSNOMED = map[string][2]string{
	"refused":                   {"182895007", "Drug declined by patient"},
	"declined":                  {"182895007", "Drug declined by patient"},
	"patient_refused":           {"182895007", "Drug declined by patient"},
	"drug_not_available":        {"242990004", "Drug not available for administration"},
	"not_available":             {"242990004", "Drug not available for administration"},
	"unavailable":               {"242990004", "Drug not available for administration"},
	"missing_dose":              {"242990004", "Drug not available for administration"},
	"patient_unavailable":       {"182904002", "Drug treatment unknown"},
	"declined_side_effects":     {"182897004", "Drug declined by patient - side effects"},
	"declined_beliefs":          {"182900006", "Drug declined by patient - patient beliefs"},
	"declined_cannot_pay":       {"182902003", "Drug declined by patient - cannot pay"},
	"declined_alternative":      {"182901005", "Drug declined by patient - alternative therapy"},
	"patient_asleep":            {"182904002", "Drug treatment unknown"},
	"hold_parameter_met":        {"", ""},
	"medically_contraindicated": {"", ""},
}

func performerFunction(code, display string) *fm.CodeableConcept {
	return coded("http://terminology.hl7.org/CodeSystem/med-admin-perform-function", code, display)
}

// MedicationAdministration is a charted administration. Given doses are
// completed; held, refused and not-given ones not-done with a statusReason
// (SNOMED CT where the example value set has a code, the record's reason
// code and text always); a correction is entered-in-error. Lot and expiry
// ride on a contained Medication's batch, as R4 puts them there. The
// clinical time is effectiveDateTime; the time of charting and the
// device's clock are extensions, kept apart.
func MedicationAdministration(a mar.Administration, f AdministrationFacts) ([]byte, error) {
	// A charted administration changes once at most: marked entered in error.
	ma := fm.MedicationAdministration{Id: str(a.ID), Meta: meta(1, a.RecordedAt), Subject: ref("Patient", a.ResidentID, f.Resident.DisplayName()),
		EffectiveDateTime: dateTime(a.PerformedAt), Request: refPtr("MedicationRequest", a.OrderID, "")}
	switch {
	case a.EnteredInError:
		ma.Status = "entered-in-error"
		if a.ErrorAt != nil {
			ma.Meta = meta(2, *a.ErrorAt)
		}
	case a.Outcome == mar.OutcomeGiven:
		ma.Status = "completed"
	default:
		ma.Status = "not-done"
		cc := fm.CodeableConcept{Text: str(strings.TrimSpace(string(a.Outcome) + ": " + firstNonEmpty(a.ReasonText, a.ReasonCode)))}
		key := a.ReasonCode
		if a.Outcome == mar.OutcomeRefused && key == "" {
			key = "refused"
		}
		if sn, ok := notGivenSNOMED[strings.ToLower(key)]; ok && sn[0] != "" {
			cc.Coding = append(cc.Coding, fm.Coding{System: str(SystemSNOMED), Code: str(sn[0]), Display: str(sn[1])})
		} else if a.Outcome == mar.OutcomeRefused {
			cc.Coding = append(cc.Coding, fm.Coding{System: str(SystemSNOMED), Code: str("182895007"), Display: str("Drug declined by patient")})
		}
		if a.ReasonCode != "" {
			cc.Coding = append(cc.Coding, fm.Coding{System: str(SystemReason), Code: str(a.ReasonCode)})
		}
		ma.StatusReason = []fm.CodeableConcept{cc}
	}
	var contained []any
	switch {
	case f.Product != nil && (a.Lot != "" || a.Expiry != ""):
		// The exact pack given: its lot and expiry belong to Medication.batch.
		med := map[string]any{"resourceType": "Medication", "id": "given", "code": medicationCode(*f.Product, f.Codes),
			"batch": map[string]any{"lotNumber": a.Lot, "expirationDate": expiryDateTime(a.Expiry)}}
		contained = append(contained, med)
		ma.MedicationReference = fm.Reference{Reference: str("#given"), Display: str(f.Product.Name)}
	case f.Product != nil:
		ma.MedicationReference = ref("Medication", f.Product.ID, f.Product.Name)
	default:
		ma.MedicationCodeableConcept = fm.CodeableConcept{Text: str("medication of order " + a.OrderID)}
	}
	ma.Performer = []fm.MedicationAdministrationPerformer{{Function: performerFunction("performer", "Performer"),
		Actor: ref("Practitioner", a.PerformerID, f.Performer.DisplayName)}}
	if a.WitnessID != "" {
		name := ""
		if f.Witness != nil {
			name = f.Witness.DisplayName
		}
		ma.Performer = append(ma.Performer, fm.MedicationAdministrationPerformer{Function: performerFunction("witness", "Witness"),
			Actor: ref("Practitioner", a.WitnessID, name)})
	}
	if a.PRNIndication != "" {
		ma.ReasonCode = []fm.CodeableConcept{{Text: str(a.PRNIndication)}}
	}
	if a.Outcome == mar.OutcomeGiven || a.Route != "" || a.Site != "" {
		d := &fm.MedicationAdministrationDosage{}
		if rc, ok := mar.RouteCodeOf(a.Route); ok {
			d.Route = coded(SystemSNOMED, rc.SNOMED, rc.SNOMEDTxt)
		} else {
			d.Route = text(a.Route)
		}
		d.Site = text(a.Site)
		if a.Outcome == mar.OutcomeGiven && a.Amount > 0 {
			d.Dose = quantity(a.Amount, a.Unit)
		}
		// mad-1: a dosage needs a dose or a rate; without one, route and
		// site alone cannot be sent.
		if d.Dose != nil {
			ma.Dosage = d
		}
	}
	var notes []fm.Annotation
	if a.Keyed && a.KeyedReason != "" {
		notes = append(notes, fm.Annotation{Text: "Product keyed in, not scanned: " + a.KeyedReason})
	}
	if a.EnteredInError && a.ErrorReason != "" {
		notes = append(notes, fm.Annotation{Text: "Entered in error: " + a.ErrorReason})
	}
	ma.Note = notes
	ma.Extension = append(ma.Extension, fm.Extension{Url: ExtRecordedTime, ValueDateTime: str(dateTime(a.RecordedAt))})
	if a.DeviceTime != nil {
		ma.Extension = append(ma.Extension, fm.Extension{Url: ExtDeviceTime, ValueDateTime: str(dateTime(*a.DeviceTime))})
	}
	if f.NeedsReview {
		yes := true
		ma.Extension = append(ma.Extension, fm.Extension{Url: ExtNeedsReview, ValueBoolean: &yes})
	}
	extra := map[string]any{}
	if contained != nil {
		extra["contained"] = contained
	}
	return Marshal(ma, extra)
}

// expiryDateTime writes a pack's expiry date as a FHIR dateTime (a date
// alone is one).
func expiryDateTime(d string) string {
	if _, err := time.Parse(time.DateOnly, d); err != nil {
		return ""
	}
	return d
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// MedicationDispense is what pharmacy sent.
func MedicationDispense(d mar.Dispense, p mar.Product, codes map[string]string, dispenser mar.User, resident *mar.Resident) ([]byte, error) {
	md := fm.MedicationDispense{Id: str(d.ID), Meta: meta(1, d.RecordedAt), Status: "completed", Quantity: quantity(d.Quantity, p.Form),
		WhenHandedOver: str(dateTime(d.DispensedAt)), Destination: nil}
	if resident != nil {
		md.Subject = refPtr("Patient", resident.ID, resident.DisplayName())
	}
	md.Performer = []fm.MedicationDispensePerformer{{Actor: ref("Practitioner", d.DispensedBy, dispenser.DisplayName)}}
	if d.OrderID != "" {
		md.AuthorizingPrescription = []fm.Reference{ref("MedicationRequest", d.OrderID, "")}
	}
	md.Location = &fm.Reference{Identifier: &fm.Identifier{System: str(SystemUnit), Value: str(d.UnitID)}}
	extra := map[string]any{}
	if d.Lot != "" || d.Expiry != "" {
		extra["contained"] = []any{map[string]any{"resourceType": "Medication", "id": "dispensed", "code": medicationCode(p, codes),
			"batch": map[string]any{"lotNumber": d.Lot, "expirationDate": expiryDateTime(d.Expiry)}}}
		md.MedicationReference = fm.Reference{Reference: str("#dispensed"), Display: str(p.Name)}
	} else {
		md.MedicationReference = ref("Medication", p.ID, p.Name)
	}
	if d.Note != "" {
		md.Note = []fm.Annotation{{Text: d.Note}}
	}
	return Marshal(md, extra)
}

// AuditEvent is one event of the hash-chained trail, with its chain hash
// so a reader can check it against the service's checkpoints.
func AuditEvent(e mar.AuditEvent) ([]byte, error) {
	typ := fm.Coding{System: str("http://dicom.nema.org/resources/ontology/DCM"), Code: str("110110"), Display: str("Patient Record")}
	switch {
	case strings.HasPrefix(e.Action, "auth."):
		typ = fm.Coding{System: str("http://dicom.nema.org/resources/ontology/DCM"), Code: str("110114"), Display: str("User Authentication")}
	case strings.HasPrefix(e.Action, "break_glass."):
		typ = fm.Coding{System: str("http://dicom.nema.org/resources/ontology/DCM"), Code: str("110113"), Display: str("Security Alert")}
	}
	ae := fm.AuditEvent{Id: str(e.ID), Meta: meta(1, e.At), Type: typ, Recorded: instant(e.At),
		Subtype: []fm.Coding{{System: str(SystemAction), Code: str(e.Action)}}}
	act := auditAction(e.Action)
	ae.Action = &act
	out := fm.AuditEventOutcome0
	switch e.Outcome {
	case "refused", "failure":
		out = fm.AuditEventOutcome4
		ae.OutcomeDesc = str(e.Outcome)
	}
	ae.Outcome = &out
	agent := fm.AuditEventAgent{Requestor: true, Who: refPtr("Practitioner", e.UserID, ""), AltId: str(e.Device)}
	if e.Role != "" {
		agent.Role = []fm.CodeableConcept{{Text: str(e.Role)}}
	}
	if e.SourceIP != "" {
		nt := fm.AuditEventAgentNetworkType2
		agent.Network = &fm.AuditEventAgentNetwork{Address: str(e.SourceIP), Type: &nt}
	}
	if e.BreakGlass {
		agent.PurposeOfUse = []fm.CodeableConcept{*coded("http://terminology.hl7.org/CodeSystem/v3-ActReason", "ETREAT", "Emergency Treatment")}
	}
	ae.Agent = []fm.AuditEventAgent{agent}
	ae.Source = fm.AuditEventSource{Observer: fm.Reference{Display: str("eMAR")}, Site: str(e.FacilityID)}
	if e.ResidentID != "" {
		ae.Entity = append(ae.Entity, fm.AuditEventEntity{What: refPtr("Patient", e.ResidentID, ""),
			Type: &fm.Coding{System: str("http://terminology.hl7.org/CodeSystem/audit-entity-type"), Code: str("1"), Display: str("Person")}})
	}
	obj := fm.AuditEventEntity{What: &fm.Reference{Identifier: &fm.Identifier{System: str(base + "/sid/" + sanitize(e.ObjectType)), Value: str(e.ObjectID)}},
		Name: str(e.ObjectType)}
	if e.ObjectID == "" {
		obj.What = nil
	}
	for _, d := range []struct{ k, v string }{{"detail", e.Detail}, {"request-id", e.RequestID}, {"seq", jsonNumber(e.Seq)}, {"hash", e.Hash}, {"prev-hash", e.PrevHash}} {
		if d.v != "" {
			obj.Detail = append(obj.Detail, fm.AuditEventEntityDetail{Type: d.k, ValueString: d.v})
		}
	}
	ae.Entity = append(ae.Entity, obj)
	return Marshal(ae, nil)
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }

func sanitize(s string) string {
	if s == "" {
		return "object"
	}
	return url.PathEscape(s)
}

// auditAction classifies an audit action as FHIR create, read, update,
// delete or execute.
func auditAction(action string) fm.AuditEventAction {
	verb := action[strings.LastIndexByte(action, '.')+1:]
	switch verb {
	case "read", "list", "queue", "expiring", "search", "report", "reconciliation":
		return fm.AuditEventActionR
	case "create", "record", "request", "admit":
		return fm.AuditEventActionC
	case "login", "logout", "verify", "start", "end":
		return fm.AuditEventActionE
	}
	if strings.HasPrefix(action, "report.") {
		return fm.AuditEventActionR
	}
	return fm.AuditEventActionU
}

// SystemUsername is the identifier system of a user's sign-in name.
const SystemUsername = base + "/sid/username"

// Practitioner is a user of the record as FHIR Practitioner: what every
// performer, dispenser and audit agent reference of this service points
// at. Only the name and the sign-in name go out (no badge, no role: the
// role is PractitionerRole's, and the badge is a credential).
func Practitioner(u mar.User) ([]byte, error) {
	active := u.Active
	p := fm.Practitioner{Id: str(u.ID), Active: &active,
		Identifier: []fm.Identifier{{Use: identifierUse(fm.IdentifierUseUsual), System: str(SystemUsername), Value: str(u.Username)}},
		Name:       []fm.HumanName{{Text: str(firstNonEmpty(u.DisplayName, u.Username))}}}
	p.Meta = contentMeta(p)
	return Marshal(p, nil)
}
