package fhir

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/schedules"
)

func ref(typ, id, display string) fm.Reference {
	r := fm.Reference{Display: str(display)}
	if id != "" {
		r.Reference = str(typ + "/" + id)
	}
	return r
}

func refPtr(typ, id, display string) *fm.Reference {
	r := ref(typ, id, display)
	return &r
}

func text(s string) *fm.CodeableConcept {
	if s == "" {
		return nil
	}
	return &fm.CodeableConcept{Text: str(s)}
}

func coded(system, code, display string) *fm.CodeableConcept {
	return &fm.CodeableConcept{Coding: []fm.Coding{{System: str(system), Code: str(code), Display: str(display)}}, Text: str(display)}
}

var genders = map[string]fm.AdministrativeGender{"male": fm.AdministrativeGenderMale, "female": fm.AdministrativeGenderFemale,
	"other": fm.AdministrativeGenderOther, "unknown": fm.AdministrativeGenderUnknown}

// Patient is a resident as FHIR Patient. The unit is an extension: FHIR
// places residents through Encounter.location, which this record has no
// encounter for.
func Patient(r mar.Resident, unit mar.Unit) ([]byte, error) {
	mr := &fm.CodeableConcept{Coding: []fm.Coding{{System: str(SystemV2MR), Code: str("MR"), Display: str("Medical record number")}}}
	active := r.Status == mar.Admitted
	p := fm.Patient{Id: str(r.ID), Active: &active, BirthDate: str(r.BirthDate),
		Identifier: []fm.Identifier{{Use: identifierUse(fm.IdentifierUseUsual), Type: mr, System: str(mrnSystem(r)), Value: str(r.MRN)}},
		Name: []fm.HumanName{{Use: nameUse(fm.NameUseOfficial), Family: str(r.FamilyName), Given: givenNames(r),
			Text: str(strings.Join(strings.Fields(r.GivenName+" "+r.MiddleName+" "+r.FamilyName), " "))}}}
	if r.WristbandID != "" && r.WristbandID != r.MRN {
		p.Identifier = append(p.Identifier, fm.Identifier{Use: identifierUse(fm.IdentifierUseSecondary), System: str(SystemBand), Value: str(r.WristbandID)})
	}
	if g, ok := genders[r.Sex]; ok {
		p.Gender = &g
	}
	if unit.ID != "" {
		p.Extension = append(p.Extension, fm.Extension{Url: ExtUnit, ValueIdentifier: &fm.Identifier{System: str(SystemUnit), Value: str(unit.Code)}})
	}
	last := r.AdmittedAt
	for _, t := range []*time.Time{r.DischargedAt, r.UpdatedAt} {
		if t != nil && t.After(last) {
			last = *t
		}
	}
	p.Meta = meta(r.Version, last)
	return Marshal(p, nil)
}

// mrnSystem is the resident's MRN system (SystemMRN for a record made
// before systems were kept).
func mrnSystem(r mar.Resident) string {
	if r.MRNSystem == "" {
		return SystemMRN
	}
	return r.MRNSystem
}

func identifierUse(u fm.IdentifierUse) *fm.IdentifierUse { return &u }
func nameUse(u fm.NameUse) *fm.NameUse                   { return &u }

// givenNames is the given name then the middle name, each one element as
// HL7 PID-5.2 and PID-5.3 carry them.
func givenNames(r mar.Resident) []string {
	var out []string
	for _, n := range []string{r.GivenName, r.MiddleName} {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// medicationCode is a product's codes: an NDC and GTIN for each package,
// then the extra codes (local, RxNorm).
func medicationCode(p mar.Product, codes map[string]string) *fm.CodeableConcept {
	cc := &fm.CodeableConcept{Text: str(p.Name)}
	for _, pk := range p.Packages {
		if ndc := mar.NDCOut(pk.NDC); ndc != "" {
			cc.Coding = append(cc.Coding, fm.Coding{System: str(SystemNDC), Code: str(ndc), Display: str(p.Name)})
		}
	}
	for _, pk := range p.Packages {
		if pk.GTIN != "" {
			cc.Coding = append(cc.Coding, fm.Coding{System: str(SystemGTIN), Code: str(pk.GTIN)})
		}
	}
	for _, sys := range sortedKeys(codes) {
		system := sys
		if !strings.Contains(sys, ":") {
			system = base + "/sid/code/" + sys
		}
		cc.Coding = append(cc.Coding, fm.Coding{System: str(system), Code: str(codes[sys])})
	}
	return cc
}

var forms = map[string][2]string{
	"tablet": {"385055001", "Tablet"}, "capsule": {"732937005", "Capsule"}, "solution": {"385024007", "Solution"},
	"injection": {"385219001", "Solution for injection"}, "patch": {"385114002", "Transdermal patch"},
	"suppository": {"385194003", "Suppository"},
}

// Medication is a catalogue product as FHIR Medication.
func Medication(p mar.Product, codes map[string]string) ([]byte, error) {
	m := fm.Medication{Id: str(p.ID), Code: medicationCode(p, codes)}
	m.Status = str("active")
	if f, ok := forms[p.Form]; ok {
		m.Form = coded(SystemSNOMED, f[0], f[1])
	} else {
		m.Form = text(p.Form)
	}
	for _, in := range p.Ingredients {
		active := true
		m.Ingredient = append(m.Ingredient, fm.MedicationIngredient{ItemCodeableConcept: fm.CodeableConcept{Text: str(in.Name)}, IsActive: &active,
			Strength: strength(in, p.Form)})
	}
	m.Meta = contentMeta(m)
	return Marshal(m, nil)
}

func strength(in mar.Ingredient, form string) *fm.Ratio {
	unit := in.StrengthUnit
	den := form
	if i := strings.Index(unit, "/"); i > 0 {
		unit, den = unit[:i], unit[i+1:]
	}
	return &fm.Ratio{Numerator: quantity(in.StrengthValue, unit), Denominator: quantity(1, den)}
}

func quantity(v float64, unit string) *fm.Quantity {
	q := &fm.Quantity{Value: num(v), Unit: str(unit)}
	if u, ok := mar.UCUMUnit(unit); ok {
		q.System, q.Code = str(SystemUCUM), str(u)
	}
	return q
}

// requestStatus maps an order's status to MedicationRequest.status. An
// order waiting for pharmacy verification is "draft": FHIR's word for a
// prescription that is not yet actionable because it needs verification.
func requestStatus(s mar.OrderStatus) string {
	switch s {
	case mar.OrderPending:
		return "draft"
	case mar.OrderActive:
		return "active"
	case mar.OrderOnHold:
		return "on-hold"
	case mar.OrderDiscontinued:
		return "stopped"
	case mar.OrderCompleted:
		return "completed"
	case mar.OrderRejected:
		return "cancelled"
	}
	return "unknown"
}

// RequestStatuses maps a MedicationRequest status search value onto
// order statuses.
func RequestStatuses(s string) []mar.OrderStatus {
	var out []mar.OrderStatus
	for _, st := range []mar.OrderStatus{mar.OrderPending, mar.OrderActive, mar.OrderOnHold, mar.OrderDiscontinued, mar.OrderCompleted, mar.OrderRejected} {
		if requestStatus(st) == s {
			out = append(out, st)
		}
	}
	return out
}

// MedicationRequest is an order as FHIR MedicationRequest.
func MedicationRequest(o mar.Order, r mar.Resident, p *mar.Product, rule *schedules.Rule) ([]byte, error) {
	mr := fm.MedicationRequest{Id: str(o.ID), Meta: meta(o.Version, o.UpdatedAt), Status: requestStatus(o.Status), Intent: "order",
		Subject: ref("Patient", r.ID, r.DisplayName()), AuthoredOn: str(dateTime(o.CreatedAt))}
	if o.ExternalID != "" {
		mr.Identifier = append(mr.Identifier, fm.Identifier{Use: identifierUse(fm.IdentifierUseOfficial), System: str(SystemPlacer), Value: str(o.ExternalID)})
	}
	if o.FillerID != "" {
		mr.Identifier = append(mr.Identifier, fm.Identifier{Use: identifierUse(fm.IdentifierUseSecondary), System: str(SystemFiller), Value: str(o.FillerID)})
	}
	if o.StatusReason != "" && (o.Status == mar.OrderRejected || o.Status == mar.OrderDiscontinued || o.Status == mar.OrderOnHold || o.Status == mar.OrderCompleted) {
		mr.StatusReason = text(o.StatusReason)
	} else if o.Status == mar.OrderPending && o.HoldOnVerify != "" {
		mr.StatusReason = text("sent on hold: held when verified (" + o.HoldOnVerify + ")")
	}
	if mar.IsStatOrder(o) {
		pr := fm.RequestPriorityStat
		mr.Priority = &pr
	}
	if p != nil {
		mr.MedicationReference = ref("Medication", p.ID, p.Name)
	} else {
		mr.MedicationCodeableConcept = fm.CodeableConcept{Text: str(o.Ingredient)}
	}
	if o.Prescriber != "" {
		mr.Requester = &fm.Reference{Display: str(o.Prescriber)}
	}
	d := fm.Dosage{Text: str(fmt.Sprintf("%s %s %s %s", trimNum(o.DoseValue), o.DoseUnit, o.Route, o.Frequency)), PatientInstruction: nil}
	if o.Instructions != "" {
		mr.Note = []fm.Annotation{{Text: o.Instructions}}
	}
	if rule != nil {
		t := rule.ToFHIRTiming()
		var ft fm.Timing
		if b, err := json.Marshal(t); err == nil && json.Unmarshal(b, &ft) == nil {
			// bounds[x] is one element: the order's own start and stop as a
			// period, unless only a duration or range is known (no stop).
			if r := ft.Repeat; r != nil && r.BoundsPeriod == nil && (o.StopAt != nil || r.BoundsDuration == nil && r.BoundsRange == nil) {
				r.BoundsDuration, r.BoundsRange = nil, nil
				r.BoundsPeriod = &fm.Period{Start: str(dateTime(o.StartAt))}
				if o.StopAt != nil {
					r.BoundsPeriod.End = str(dateTime(*o.StopAt))
				}
			}
			d.Timing = &ft
		}
	}
	if o.PRN {
		if o.PRNReason != "" {
			d.AsNeededCodeableConcept = text(o.PRNReason)
		} else {
			yes := true
			d.AsNeededBoolean = &yes
		}
	}
	if rc, ok := mar.RouteCodeOf(o.Route); ok {
		d.Route = coded(SystemSNOMED, rc.SNOMED, rc.SNOMEDTxt)
	} else {
		d.Route = text(o.Route)
	}
	if o.DoseValue > 0 {
		d.DoseAndRate = []fm.DosageDoseAndRate{{DoseQuantity: quantity(o.DoseValue, o.DoseUnit)}}
	}
	mr.DosageInstruction = []fm.Dosage{d}
	vp := &fm.Period{Start: str(dateTime(o.StartAt))}
	if o.StopAt != nil {
		vp.End = str(dateTime(*o.StopAt))
	}
	mr.DispenseRequest = &fm.MedicationRequestDispenseRequest{ValidityPeriod: vp}
	return Marshal(mr, nil)
}

func trimNum(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.4f", f), "0"), ".")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}
