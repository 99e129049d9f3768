package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/schedules"
)

// MaxResource bounds a resource or Bundle read from a client.
const MaxResource = 1 << 20

// decode reads one resource of the expected type, checking the envelope
// every reader must: JSON, resourceType, no modifierExtension the service
// does not understand (FHIR requires refusing those).
func decode(raw []byte, typ string, dst any) (map[string]json.RawMessage, error) {
	if len(raw) > MaxResource {
		return nil, &mar.Error{Code: mar.ETooLarge, Message: fmt.Sprintf("the resource is larger than %d bytes", MaxResource)}
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, invalid(typ, "malformed JSON at byte %d", se.Offset)
		}
		return nil, invalid(typ, "a JSON object is required")
	}
	var rt string
	_ = json.Unmarshal(top["resourceType"], &rt)
	if rt != typ {
		return nil, invalid(typ+".resourceType", "resourceType must be %s, not %q", typ, rt)
	}
	if _, ok := top["modifierExtension"]; ok {
		return nil, refused(typ+".modifierExtension", "modifier extensions change the meaning of the resource and none is understood here")
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, invalid(typ+"."+te.Field, "must be %s, not %s", te.Type.String(), te.Value)
		}
		return nil, invalid(typ, "%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return top, nil
}

// isMRN reports whether an identifier is typed MR or is in SystemMRN.
func isMRN(id fm.Identifier) bool {
	if deref(id.System) == SystemMRN {
		return true
	}
	if id.Type != nil {
		for _, c := range id.Type.Coding {
			if deref(c.Code) == "MR" {
				return true
			}
		}
	}
	return false
}

// ParsePatient reads a Patient for create or update.
func ParsePatient(raw []byte) (mar.ExternalPatient, error) {
	var p fm.Patient
	if _, err := decode(raw, "Patient", &p); err != nil {
		return mar.ExternalPatient{}, err
	}
	ep := mar.ExternalPatient{}
	// The MRN is the identifier typed MR (or in SystemMRN), else the first
	// identifier that is not a wristband; its system comes with it, as an
	// identifier is a (system, value) pair. None means the configured
	// default system.
	best := -1
	for i, id := range p.Identifier {
		v := strings.TrimSpace(deref(id.Value))
		sys := strings.TrimSpace(deref(id.System))
		switch {
		case v == "":
		case sys == SystemBand:
			ep.WristbandID = v
		case best < 0:
			best = i
		case !isMRN(p.Identifier[best]) && isMRN(id):
			best = i
		}
	}
	if best < 0 {
		return ep, invalid("Patient.identifier", "an identifier (the MRN, type MR) is required: it is what the wristband carries")
	}
	ep.MRN = strings.TrimSpace(deref(p.Identifier[best].Value))
	ep.MRNSystem = strings.TrimSpace(deref(p.Identifier[best].System))
	name := pickName(p.Name)
	if name == nil || (deref(name.Family) == "" && len(name.Given) == 0 && deref(name.Text) == "") {
		return ep, invalid("Patient.name", "a name is required")
	}
	ep.FamilyName = deref(name.Family)
	if len(name.Given) > 0 {
		// The first given name, then the middle names: kept apart so
		// they go out as HL7 PID-5.2 and PID-5.3 as they came.
		ep.GivenName, ep.MiddleName = name.Given[0], strings.Join(name.Given[1:], " ")
	}
	if ep.FamilyName == "" {
		// A name given only as text: the last word is taken as the family name.
		parts := strings.Fields(deref(name.Text))
		if len(parts) > 0 {
			ep.FamilyName, ep.GivenName = parts[len(parts)-1], strings.Join(parts[:len(parts)-1], " ")
		}
	}
	if ep.FamilyName == "" {
		return ep, invalid("Patient.name.family", "a family name is required")
	}
	if p.Gender != nil {
		ep.Sex = p.Gender.Code()
	}
	if b := deref(p.BirthDate); b != "" {
		if _, err := time.Parse(time.DateOnly, b); err != nil {
			return ep, refused("Patient.birthDate", "a full date (YYYY-MM-DD) is required; %q is partial", b)
		}
		ep.BirthDate = b
	} else {
		return ep, invalid("Patient.birthDate", "the birth date is required: it is one of the two identifiers checked at the bedside")
	}
	for _, ext := range p.Extension {
		if ext.Url != ExtUnit {
			continue // other extensions are not needed here
		}
		switch {
		case ext.ValueIdentifier != nil:
			ep.UnitCode = deref(ext.ValueIdentifier.Value)
		case ext.ValueCode != nil:
			ep.UnitCode = *ext.ValueCode
		case ext.ValueString != nil:
			ep.UnitCode = *ext.ValueString
		}
	}
	return ep, nil
}

func pickName(ns []fm.HumanName) *fm.HumanName {
	for i := range ns {
		if ns[i].Use != nil && ns[i].Use.Code() == "official" {
			return &ns[i]
		}
	}
	for i := range ns {
		if ns[i].Use == nil || ns[i].Use.Code() == "usual" {
			return &ns[i]
		}
	}
	if len(ns) > 0 {
		return &ns[0]
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}

// OrderContext is what reading a MedicationRequest needs from the record:
// the facility's default administration times and zone, for Timing.
type OrderContext struct {
	Defaults schedules.Defaults
	Location *time.Location
	Now      time.Time
}

// RequestFields maps the record's field names onto MedicationRequest
// elements, for errors raised after parsing.
var RequestFields = map[string]string{
	"mrn":          "MedicationRequest.subject",
	"resident_id":  "MedicationRequest.subject",
	"give_code":    "MedicationRequest.medication",
	"product_id":   "MedicationRequest.medication",
	"dose_value":   "MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity",
	"dose_unit":    "MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity",
	"route":        "MedicationRequest.dosageInstruction[0].route",
	"frequency":    "MedicationRequest.dosageInstruction[0].timing",
	"start_at":     "MedicationRequest.dosageInstruction[0].timing.repeat.boundsPeriod",
	"stop_at":      "MedicationRequest.dosageInstruction[0].timing.repeat.boundsPeriod",
	"order_number": "MedicationRequest.identifier",
	"external_id":  "MedicationRequest.identifier",
	"action":       "MedicationRequest.status",
}

// PatientFields maps the record's field names onto Patient elements.
var PatientFields = map[string]string{
	"mrn": "Patient.identifier", "family_name": "Patient.name", "birth_date": "Patient.birthDate", "sex": "Patient.gender",
	"unit": "Patient.extension", "unit_id": "Patient.extension",
}

// ParseMedicationRequest reads a MedicationRequest as an order. Medication
// may be a code (NDC, RxNorm, GTIN, a local system), a reference to a
// contained Medication, or Medication/<id> of this server; the subject
// Patient/<id> of this server, or a logical reference by identifier.
func ParseMedicationRequest(raw []byte, ctx OrderContext) (mar.ExternalOrder, error) {
	var mr fm.MedicationRequest
	top, err := decode(raw, "MedicationRequest", &mr)
	if err != nil {
		return mar.ExternalOrder{}, err
	}
	const R = "MedicationRequest"
	eo := mar.ExternalOrder{Action: mar.ExternalNew, Source: "fhir"}
	switch mr.Intent {
	case "order", "original-order", "instance-order", "filler-order", "reflex-order":
	case "":
		return eo, invalid(R+".intent", "intent is required")
	default:
		return eo, refused(R+".intent", "intent %q is not an order; only orders are taken (order, original-order, filler-order, instance-order, reflex-order)", mr.Intent)
	}
	switch mr.Status {
	case "active", "draft":
	case "on-hold":
		eo.Action = mar.ExternalHold
	case "cancelled", "stopped", "completed", "entered-in-error":
		eo.Action = mar.ExternalDiscontinue
	case "":
		return eo, invalid(R+".status", "status is required")
	default:
		return eo, refused(R+".status", "status %q cannot be applied to an order", mr.Status)
	}
	if mr.DoNotPerform != nil && *mr.DoNotPerform {
		return eo, refused(R+".doNotPerform", "a do-not-perform request is not a medication order")
	}
	for _, id := range mr.Identifier {
		v := deref(id.Value)
		switch {
		case v == "":
		case deref(id.System) == SystemFiller:
			eo.FillerID = v
		case eo.PlacerID == "":
			eo.PlacerID = v
		}
	}
	if len(eo.PlacerID) > 200 {
		return eo, invalid(R+".identifier", "the identifier is too long")
	}
	// Subject.
	subj := mr.Subject
	switch r := deref(subj.Reference); {
	case strings.HasPrefix(r, "Patient/"):
		id := strings.TrimPrefix(r, "Patient/")
		if i := strings.Index(id, "/_history"); i > 0 {
			id = id[:i]
		}
		if mar.ValidID(id) {
			eo.ResidentID = id
		} else {
			return eo, &mar.Error{Code: mar.ENotFound, Field: R + ".subject", Reason: "unknown_patient", Message: fmt.Sprintf("Patient/%s is not a patient of this server", id)}
		}
	case strings.HasPrefix(r, "Patient?identifier="):
		v, err := url.QueryUnescape(strings.TrimPrefix(r, "Patient?identifier="))
		if err != nil {
			return eo, invalid(R+".subject.reference", "the conditional reference is not URL-encoded: %v", err)
		}
		if sys, val, ok := strings.Cut(v, "|"); ok {
			if sys == "" {
				return eo, invalid(R+".subject.reference", "an identifier without a system (|value) names no patient here: every MRN has a system")
			}
			eo.MRNSystem, v = sys, val
		}
		eo.MRN = v
	case subj.Identifier != nil && deref(subj.Identifier.Value) != "":
		eo.MRN = deref(subj.Identifier.Value)
		eo.MRNSystem = deref(subj.Identifier.System)
	case r != "":
		return eo, &mar.Error{Code: mar.ENotFound, Field: R + ".subject", Reason: "unknown_patient", Message: fmt.Sprintf("subject %q is not a patient of this server", r)}
	default:
		return eo, invalid(R+".subject", "the subject (a Patient) is required")
	}
	// Medication.
	contained, err := containedMedications(top["contained"])
	if err != nil {
		return eo, err
	}
	switch mref := deref(mr.MedicationReference.Reference); {
	case strings.HasPrefix(mref, "#"):
		med, ok := contained[mref[1:]]
		if !ok {
			return eo, invalid(R+".medicationReference", "no contained Medication has id %q", mref[1:])
		}
		if med.Code == nil {
			return eo, invalid(R+".contained", "the contained Medication has no code")
		}
		eo.Codes = codesOf(*med.Code)
		if med.Form != nil {
			eo.DoseForm = conceptWords(*med.Form)
		}
	case strings.HasPrefix(mref, "Medication/"):
		id := strings.TrimPrefix(mref, "Medication/")
		if !mar.ValidID(id) {
			return eo, &mar.Error{Code: mar.ENotFound, Field: R + ".medicationReference", Reason: "unknown_product", Message: fmt.Sprintf("Medication/%s is not in this server's catalogue", id)}
		}
		eo.ProductID = id
	case mref != "":
		return eo, refused(R+".medicationReference", "reference %q cannot be resolved: use a contained Medication, Medication/<id> of this server, or medicationCodeableConcept", mref)
	case len(mr.MedicationCodeableConcept.Coding) > 0:
		eo.Codes = codesOf(mr.MedicationCodeableConcept)
	case eo.Action == mar.ExternalNew:
		return eo, invalid(R+".medication[x]", "a coded medication is required (medicationCodeableConcept.coding or medicationReference)")
	}
	if mr.Requester != nil {
		eo.Prescriber = deref(mr.Requester.Display)
	}
	var notes []string
	for _, n := range mr.Note {
		notes = append(notes, n.Text)
	}
	// Dosage.
	switch n := len(mr.DosageInstruction); {
	case n == 0 && eo.Action == mar.ExternalNew:
		return eo, invalid(R+".dosageInstruction", "a dosage instruction is required")
	case n > 1:
		if err := readSteps(mr.DosageInstruction, &eo, ctx, &notes); err != nil {
			return eo, err
		}
	case n == 1:
		if err := readDosage(mr.DosageInstruction[0], 0, &eo, ctx, &notes); err != nil {
			return eo, err
		}
	}
	if eo.StartAt.IsZero() && mr.DispenseRequest != nil && mr.DispenseRequest.ValidityPeriod != nil {
		vp := mr.DispenseRequest.ValidityPeriod
		if t, ok := parseDateTime(deref(vp.Start), ctx.Location); ok {
			eo.StartAt = t
		}
		if t, ok := parseDateTime(deref(vp.End), ctx.Location); ok && eo.StopAt == nil {
			eo.StopAt = &t
		}
	}
	if eo.StartAt.IsZero() {
		eo.StartAt = ctx.Now
	}
	if mr.StatusReason != nil {
		eo.Reason = firstNonEmpty(deref(mr.StatusReason.Text), codingDisplay(*mr.StatusReason))
	}
	eo.Instructions = strings.Join(notes, "\n")
	return eo, nil
}

func codingDisplay(cc fm.CodeableConcept) string {
	for _, c := range cc.Coding {
		if d := firstNonEmpty(deref(c.Display), deref(c.Code)); d != "" {
			return d
		}
	}
	return ""
}

func containedMedications(raw json.RawMessage) (map[string]fm.Medication, error) {
	out := map[string]fm.Medication{}
	if len(raw) == 0 {
		return out, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, invalid("MedicationRequest.contained", "must be an array of resources")
	}
	for i, r := range list {
		var head struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
		}
		_ = json.Unmarshal(r, &head)
		if head.ResourceType != "Medication" {
			continue
		}
		var m fm.Medication
		if err := json.Unmarshal(r, &m); err != nil {
			return nil, invalid(fmt.Sprintf("MedicationRequest.contained[%d]", i), "%s", strings.TrimPrefix(err.Error(), "json: "))
		}
		out[head.ID] = m
	}
	return out, nil
}

// codesOf lists a CodeableConcept's codings in the order the record tries
// them: NDC and GTIN first (they name a pack), then the rest.
// conceptWords is a CodeableConcept's text and its codings' displays and
// codes, for reading a dose form (Medication.form).
func conceptWords(cc fm.CodeableConcept) string {
	words := []string{deref(cc.Text)}
	for _, c := range cc.Coding {
		words = append(words, deref(c.Display), deref(c.Code))
		if deref(c.System) == SystemSNOMED {
			// A coding without display still names the form we export.
			for _, f := range forms {
				if f[0] == deref(c.Code) {
					words = append(words, f[1])
				}
			}
		}
	}
	return strings.TrimSpace(strings.Join(strings.Fields(strings.Join(words, " ")), " "))
}

func codesOf(cc fm.CodeableConcept) []mar.ProductCode {
	var first, rest []mar.ProductCode
	for _, c := range cc.Coding {
		code := deref(c.Code)
		if code == "" {
			continue
		}
		sys := deref(c.System)
		switch sys {
		case SystemNDC:
			first = append(first, mar.ProductCode{System: "NDC", Code: code, Text: deref(c.Display)})
		case SystemGTIN, "urn:oid:1.3.160":
			first = append(first, mar.ProductCode{System: "GTIN", Code: code, Text: deref(c.Display)})
		default:
			if strings.HasPrefix(sys, base+"/sid/code/") {
				sys = strings.TrimPrefix(sys, base+"/sid/code/")
			}
			rest = append(rest, mar.ProductCode{System: sys, Code: code, Text: deref(c.Display)})
		}
	}
	return append(first, rest...)
}

// readSteps reads several dosage instructions as the steps of one order,
// in the order of their sequence: a taper ("40 mg daily for 3 days, then
// 20 mg daily"), which the schedules language holds. Instructions that
// apply together (the same sequence, or none: a split dose) are refused,
// as is a step that is as needed, changes the route or the dose's unit,
// or (but the last) does not say how long it lasts.
func readSteps(ds []fm.Dosage, eo *mar.ExternalOrder, ctx OrderContext, notes *[]string) error {
	const R = "MedicationRequest.dosageInstruction"
	idx := make([]int, len(ds))
	for i := range ds {
		idx[i] = i
		if ds[i].Sequence == nil {
			return refused(fmt.Sprintf("%s[%d].sequence", R, i), "several dosage instructions without a sequence apply together (a split dose), which one order cannot hold: send one MedicationRequest per part")
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return *ds[idx[a]].Sequence < *ds[idx[b]].Sequence })
	taper := schedules.Rule{Kind: schedules.KindTaper}
	for k, i := range idx {
		D := fmt.Sprintf("%s[%d]", R, i)
		if k > 0 && *ds[i].Sequence == *ds[idx[k-1]].Sequence {
			return refused(D+".sequence", "two dosage instructions with sequence %d apply together (a split dose), which one order cannot hold: send one MedicationRequest per part", *ds[i].Sequence)
		}
		var step mar.ExternalOrder
		step.Action = eo.Action
		if err := readDosage(ds[i], i, &step, ctx, notes); err != nil {
			return err
		}
		switch {
		case step.PRN:
			return refused(D+".asNeeded[x]", "a step of a sequenced (taper) order cannot be as needed")
		case step.Frequency == "" || step.DoseValue == 0:
			return invalid(D, "each step of a sequenced order needs a dose and a timing")
		case k > 0 && step.Route != eo.Route:
			return refused(D+".route", "the steps of one order share a route (%s, not %s): send one MedicationRequest per route", eo.Route, step.Route)
		case k > 0 && step.DoseUnit != eo.DoseUnit:
			return refused(D+".doseAndRate[0].doseQuantity.unit", "the steps of one order dose in one unit (%s, not %s)", eo.DoseUnit, step.DoseUnit)
		case k > 0 && step.StopAt != nil && !step.StartAt.IsZero():
			return refused(D+".timing.repeat.boundsPeriod", "a later step starts where the one before ends: give its length (boundsDuration or count), not dates")
		}
		r, err := schedules.Parse(step.Frequency, ctx.Defaults)
		if err != nil {
			return refused(D+".timing", "%v", err)
		}
		st := schedules.Step{Rule: r, Count: r.Count, Dose: trimNum(step.DoseValue) + " " + step.DoseUnit}
		if r.Duration > 0 {
			if r.Duration%(24*time.Hour) != 0 {
				return refused(D+".timing.repeat.boundsDuration", "a step lasts whole days or a number of doses (count), not %v", r.Duration)
			}
			st.Days = int(r.Duration / (24 * time.Hour))
		}
		st.Rule.Count, st.Rule.Duration, st.Rule.Text = 0, 0, ""
		taper.Steps = append(taper.Steps, st)
		if k == 0 {
			eo.Route, eo.DoseValue, eo.DoseUnit, eo.StartAt, eo.StopAt = step.Route, step.DoseValue, step.DoseUnit, step.StartAt, step.StopAt
		} else if step.StopAt != nil {
			eo.StopAt = step.StopAt
		}
	}
	text := taper.String()
	if _, err := schedules.Parse(text, ctx.Defaults); err != nil {
		return refused(fmt.Sprintf("%s[%d].timing", R, idx[0]), "the steps do not make one taper (%s): %v", text, err)
	}
	eo.Frequency = text
	return nil
}

func readDosage(d fm.Dosage, i int, eo *mar.ExternalOrder, ctx OrderContext, notes *[]string) error {
	D := fmt.Sprintf("MedicationRequest.dosageInstruction[%d]", i)
	if len(d.ModifierExtension) > 0 {
		return refused(D+".modifierExtension", "modifier extensions are not understood here")
	}
	if t := deref(d.Text); t != "" {
		*notes = append(*notes, t)
	}
	if t := deref(d.PatientInstruction); t != "" {
		*notes = append(*notes, t)
	}
	for _, ai := range d.AdditionalInstruction {
		if t := firstNonEmpty(deref(ai.Text), codingDisplay(ai)); t != "" {
			*notes = append(*notes, t)
		}
	}
	switch {
	case d.AsNeededBoolean != nil:
		eo.PRN = *d.AsNeededBoolean
	case d.AsNeededCodeableConcept != nil:
		eo.PRN = true
		eo.PRNReason = firstNonEmpty(deref(d.AsNeededCodeableConcept.Text), codingDisplay(*d.AsNeededCodeableConcept))
	}
	if d.Route != nil {
		var codes []string
		for _, c := range d.Route.Coding {
			codes = append(codes, deref(c.Code), deref(c.Display))
		}
		codes = append(codes, deref(d.Route.Text))
		name, ok := mar.RouteName(codes...)
		if !ok {
			return refused(D+".route", "route %q is not one the record knows", firstNonEmpty(deref(d.Route.Text), codingDisplay(*d.Route)))
		}
		eo.Route = name
	} else if eo.Action == mar.ExternalNew {
		return invalid(D+".route", "the route is required")
	}
	switch n := len(d.DoseAndRate); {
	case n > 1:
		return refused(D+".doseAndRate[1]", "one dose per instruction is supported")
	case n == 1:
		dr := d.DoseAndRate[0]
		switch {
		case dr.DoseQuantity != nil:
			v, u, err := quantityValue(*dr.DoseQuantity, D+".doseAndRate[0].doseQuantity")
			if err != nil {
				return err
			}
			eo.DoseValue, eo.DoseUnit = v, u
		case dr.DoseRange != nil && dr.DoseRange.Low != nil:
			// A range (1-2 tablets) is ordered as its low end; the range
			// goes to the nurse in the instructions.
			v, u, err := quantityValue(*dr.DoseRange.Low, D+".doseAndRate[0].doseRange.low")
			if err != nil {
				return err
			}
			eo.DoseValue, eo.DoseUnit = v, u
			if dr.DoseRange.High != nil && dr.DoseRange.High.Value != nil {
				*notes = append(*notes, fmt.Sprintf("Dose range %s-%s %s", trimNum(v), dr.DoseRange.High.Value.String(), u))
			}
		case dr.RateQuantity != nil || dr.RateRatio != nil || dr.RateRange != nil:
			return refused(D+".doseAndRate[0].rate[x]", "infusion rates are not charted by this record; send a dose")
		default:
			return invalid(D+".doseAndRate[0]", "a dose is required")
		}
	default:
		if eo.Action == mar.ExternalNew {
			return invalid(D+".doseAndRate", "a dose (doseAndRate.doseQuantity) is required")
		}
	}
	if d.Timing != nil {
		b, _ := json.Marshal(d.Timing)
		var st schedules.FHIRTiming
		if err := json.Unmarshal(b, &st); err != nil {
			return invalid(D+".timing", "%v", err)
		}
		rule, bounds, err := schedules.FromFHIRTimingIn(st, ctx.Defaults, ctx.Location)
		if err != nil {
			var fe *schedules.FHIRError
			if errors.As(err, &fe) {
				return refused(D+".timing."+fe.Element, "%s", fe.Reason)
			}
			return refused(D+".timing", "%v", err)
		}
		if eo.PRN && rule.Kind != schedules.KindPRN {
			if r2, err := rule.AsPRN(); err == nil {
				rule = r2
			} else {
				return refused(D+".timing", "as needed with this timing: %v", err)
			}
		}
		eo.Frequency = rule.String()
		if !bounds.Start.IsZero() {
			eo.StartAt = bounds.Start
		}
		if !bounds.End.IsZero() {
			end := bounds.End
			eo.StopAt = &end
		}
	} else if eo.PRN {
		eo.Frequency = "PRN"
	} else if eo.Action == mar.ExternalNew {
		return invalid(D+".timing", "the timing is required (or asNeeded for an as-needed order)")
	}
	if d.MaxDosePerPeriod != nil && d.MaxDosePerPeriod.Numerator != nil && d.MaxDosePerPeriod.Numerator.Value != nil {
		*notes = append(*notes, fmt.Sprintf("Max %s %s per %s %s", d.MaxDosePerPeriod.Numerator.Value.String(), deref(d.MaxDosePerPeriod.Numerator.Unit),
			numString(d.MaxDosePerPeriod.Denominator), denomUnit(d.MaxDosePerPeriod.Denominator)))
	}
	return nil
}

func numString(q *fm.Quantity) string {
	if q == nil || q.Value == nil {
		return "1"
	}
	return q.Value.String()
}

func denomUnit(q *fm.Quantity) string {
	if q == nil {
		return ""
	}
	return firstNonEmpty(deref(q.Unit), deref(q.Code))
}

func quantityValue(q fm.Quantity, expr string) (float64, string, error) {
	if q.Value == nil {
		return 0, "", invalid(expr+".value", "a value is required")
	}
	v, err := strconv.ParseFloat(q.Value.String(), 64)
	if err != nil || v <= 0 {
		return 0, "", invalid(expr+".value", "must be a positive number")
	}
	if q.Comparator != nil {
		return 0, "", refused(expr+".comparator", "a dose with a comparator is not a dose the record can give")
	}
	u := firstNonEmpty(deref(q.Code), deref(q.Unit))
	if u == "" {
		return 0, "", invalid(expr+".unit", "a unit is required")
	}
	if strings.Contains(u, "/") {
		// mg/m2, mg/kg: the dose to give depends on a measurement the
		// order does not carry; the record gives doses, not formulas.
		return 0, "", refused(expr+".unit", "a dose per body surface or weight (%s) is not a dose to give: send the calculated dose", u)
	}
	// A UCUM annotation such as {tbl} means the unit's own word.
	return v, mar.NormalizeDoseUnit(firstNonEmpty(unitWord(u), deref(q.Unit))), nil
}

func unitWord(u string) string {
	switch u {
	case "ug":
		return "mcg"
	case "[iU]", "[IU]":
		return "units"
	}
	return u
}

func parseDateTime(s string, loc *time.Location) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// BundleEntryResource is a resource inside a Bundle.
type BundleEntryResource struct {
	FullURL string
	Type    string
	Raw     json.RawMessage
	Index   int
}

// ParseBundle lists the resources of a Bundle (any type), or the single
// resource when raw is not a Bundle.
func ParseBundle(raw []byte) ([]BundleEntryResource, error) {
	raw = bytes.TrimPrefix(raw, []byte("\ufeff"))
	var head struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			FullURL  string          `json:"fullUrl"`
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, invalid("Bundle", "not a FHIR JSON resource: %v", err)
	}
	if head.ResourceType != "Bundle" {
		return []BundleEntryResource{{Type: head.ResourceType, Raw: raw}}, nil
	}
	var out []BundleEntryResource
	for i, e := range head.Entry {
		var rt struct {
			ResourceType string `json:"resourceType"`
		}
		_ = json.Unmarshal(e.Resource, &rt)
		out = append(out, BundleEntryResource{FullURL: e.FullURL, Type: rt.ResourceType, Raw: e.Resource, Index: i})
	}
	return out, nil
}
