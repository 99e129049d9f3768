package hl7map

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/hl7"
)

// groupOccurrences gives, for each ORC group of the message, the message-
// wide occurrence number of the first segment of each name in the group,
// so an ERR can point at RXE[2] or RXR[3] rather than at "the order".
func groupOccurrences(msg *hl7.Message) []map[string]int {
	counts := map[string]int{}
	var groups []map[string]int
	for _, s := range msg.AllSegments() {
		counts[s.Name()]++
		if s.Name() == "ORC" {
			groups = append(groups, map[string]int{})
		}
		if len(groups) > 0 {
			g := groups[len(groups)-1]
			if _, seen := g[s.Name()]; !seen {
				g[s.Name()] = counts[s.Name()]
			}
		}
	}
	return groups
}

// applyRDE applies the orders of an RDE. The error is a *mar.Replayed
// when the message is a resend of one already applied.
func (h *Handler) applyRDE(ctx context.Context, id mar.Identity, msg *hl7.Message, opts hl7.ParseOptions) ([]mar.IntakeResult, *hl7.Error, error) {
	rde, err := hl7.ParseRDE(msg, opts)
	if err != nil {
		return nil, asHL7Error(err), nil
	}
	occ := groupOccurrences(msg)
	system, e := h.mrnSystem(rde.Patient)
	if e != nil {
		return nil, e, nil
	}
	orders := make([]mar.ExternalOrder, len(rde.Orders))
	for i, po := range rde.Orders {
		eo, e := externalOrder(rde, po, occ[i])
		if e != nil {
			return nil, e, nil
		}
		eo.MRNSystem = system
		orders[i] = eo
	}
	if len(orders) > 0 {
		for _, a := range rde.Patient.Allergies {
			// Drug allergies matter here; food and environmental ones
			// are recorded by ADT.
			switch strings.ToUpper(a.Type.Code) {
			case "", "DA", "DRUG", "MA":
			default:
				continue
			}
			orders[0].ReportedAllergies = append(orders[0].ReportedAllergies, mar.Allergy{Substance: strings.ToLower(a.Allergen.Display()),
				Reaction: strings.Join(a.Reactions, ", "), Severity: severities[strings.ToUpper(a.Severity.Code)]})
		}
	}
	results, err := h.Svc.ApplyExternalOrders(ctx, id, orders)
	var rep *mar.Replayed
	if errors.As(err, &rep) {
		return nil, nil, err
	}
	if e := idempotencyError(err); e != nil {
		return nil, e, nil
	}
	if err != nil {
		var ie *mar.IntakeError
		i := 0
		if errors.As(err, &ie) {
			i = ie.Index
		}
		return nil, locate(err, rde.Orders[i], occ[i]), nil
	}
	return results, nil, nil
}

// actions maps ORC-1 (table 0119) onto what the record does.
var actions = map[string]mar.ExternalAction{
	"NW": mar.ExternalNew,
	"XO": mar.ExternalChange, "RP": mar.ExternalChange, "XX": mar.ExternalChange,
	"DC": mar.ExternalDiscontinue, "OD": mar.ExternalDiscontinue, "CA": mar.ExternalDiscontinue, "OC": mar.ExternalDiscontinue,
	"HD": mar.ExternalHold, "OH": mar.ExternalHold,
	"RL": mar.ExternalRelease, "OR": mar.ExternalRelease,
}

// statusActions reads ORC-5 (table 0038) of an SC (status changed) notice.
var statusActions = map[string]mar.ExternalAction{
	"HD": mar.ExternalHold, "DC": mar.ExternalDiscontinue, "CA": mar.ExternalDiscontinue, "CM": mar.ExternalDiscontinue,
}

func externalOrder(rde hl7.RDEOrderMessage, po hl7.PharmacyOrder, occ map[string]int) (mar.ExternalOrder, *hl7.Error) {
	at := func(seg string, field, comp int, code, msg string) *hl7.Error {
		return &hl7.Error{Segment: seg, SeqInSegmentGroup: max(occ[seg], 1), Field: field, Component: comp, Code: code, Message: msg}
	}
	control := strings.ToUpper(strings.TrimSpace(po.Control))
	action, ok := actions[control]
	if control == "SC" {
		action, ok = statusActions[strings.ToUpper(po.Status)]
	}
	if !ok {
		return mar.ExternalOrder{}, at("ORC", 1, 0, hl7.CodeTableValueNotFound, fmt.Sprintf("order control %q is not supported (NW, XO, DC, CA, OD, HD, OH, RL and OR are)", po.Control))
	}
	eo := mar.ExternalOrder{Action: action, PlacerID: po.PlacerOrder.ID, FillerID: po.FillerOrder.ID, MRN: rde.Patient.MRN, Source: "hl7",
		Reason: po.OrderControlReason.Display()}
	if eo.PlacerID == "" && eo.FillerID == "" {
		return eo, at("ORC", 2, 0, hl7.CodeRequiredFieldMissing, "the placer (ORC-2) or filler (ORC-3) order number is required")
	}
	if strings.TrimSpace(eo.MRN) == "" {
		return eo, &hl7.Error{Segment: "PID", SeqInSegmentGroup: 1, Field: 3, Code: hl7.CodeRequiredFieldMissing, Message: "the patient identifier is required"}
	}
	if action != mar.ExternalNew && action != mar.ExternalChange {
		return eo, nil
	}
	for _, c := range []hl7.CWE{po.GiveCode} {
		if c.Code != "" {
			eo.Codes = append(eo.Codes, mar.ProductCode{System: c.System, Code: c.Code, Text: c.Text})
		}
		if c.AltCode != "" {
			eo.Codes = append(eo.Codes, mar.ProductCode{System: c.AltSystem, Code: c.AltCode, Text: c.AltText})
		}
	}
	// An IV mix names its drug in RXC: additives first, then the base.
	for _, want := range []string{"A", "B"} {
		for _, rc := range po.Components {
			if strings.EqualFold(rc.Type, want) && rc.Code.Code != "" {
				eo.Codes = append(eo.Codes, mar.ProductCode{System: rc.Code.System, Code: rc.Code.Code, Text: rc.Code.Text})
			}
		}
	}
	eo.DoseValue = po.GiveAmountMin
	// RXE-6: the dosage form, code and words, tightens the split rule.
	eo.DoseForm = joinNonEmpty(" ", po.DosageForm.Code, po.DosageForm.Text, po.DosageForm.OriginalText)
	eo.DoseUnit = mar.NormalizeDoseUnit(firstNonBlank(po.GiveUnits.Code, po.GiveUnits.Text))
	// Some senders put the strength into the units: RXE-3 1, RXE-5 "75 mg".
	if m := amountInUnit.FindStringSubmatch(eo.DoseUnit); m != nil {
		n, _ := strconv.ParseFloat(m[1], 64)
		eo.DoseValue *= n
		eo.DoseUnit = mar.NormalizeDoseUnit(m[2])
	}
	if len(po.Routes) > 0 {
		r := po.Routes[0].Route
		name, ok := mar.RouteName(r.Code, r.Text, r.AltCode, r.AltText)
		if !ok {
			return eo, at("RXR", 1, 1, hl7.CodeTableValueNotFound, fmt.Sprintf("route %q is not one the record knows (HL7 table 0162)", r.Display()))
		}
		eo.Route = name
	}
	if len(po.Timing) > 1 {
		return eo, at("TQ1", 0, 0, hl7.CodeSegmentSequence, "several timing specifications in one order are not supported: send a taper as separate orders")
	}
	if len(po.Timing) == 1 {
		t := po.Timing[0]
		freq, err := frequencyText(t)
		if err != nil {
			return eo, timingError(t, occ, hl7.CodeTableValueNotFound, err.Error())
		}
		eo.Frequency = freq
		eo.PRN = t.AsNeeded
		eo.PRNReason = t.Condition
		eo.StartAt = t.Start
		if !t.End.IsZero() {
			end := t.End
			eo.StopAt = &end
		}
	}
	if eo.Frequency == "" {
		// No repeat pattern: some senders write the frequency only in the
		// administration instructions ("po bid x 5d").
		var texts []string
		for _, c := range po.AdministrationInstructions {
			texts = append(texts, c.Display())
		}
		for _, t := range po.Timing {
			texts = append(texts, t.TextInstruction)
		}
		eo.Frequency = frequencyFromText(strings.Join(texts, " "))
		if eo.Frequency != "" && strings.Contains(strings.ToUpper(eo.Frequency), "PRN") {
			eo.PRN = true
		}
	}
	if eo.Frequency == "" && action == mar.ExternalNew {
		return eo, at("TQ1", 3, 0, hl7.CodeRequiredFieldMissing, "the order has no timing (TQ1, RXE-1 or ORC-7)")
	}
	if eo.PRN && eo.PRNReason == "" && len(po.GiveIndications) > 0 {
		eo.PRNReason = po.GiveIndications[0].Display()
	}
	eo.Prescriber = providerName(po.OrderingProvider)
	var notes []string
	for _, c := range po.AdministrationInstructions {
		notes = append(notes, c.Display())
	}
	eo.Instructions = joinNonEmpty("\n", append(notes, po.Notes...)...)
	return eo, nil
}

func providerName(p hl7.Provider) string {
	name := joinNonEmpty(" ", p.Prefix, p.Given, p.Middle, p.Family, p.Suffix)
	if name == "" {
		return p.ID
	}
	if p.ID != "" {
		return name + " (" + p.ID + ")"
	}
	return name
}

func firstNonBlank(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// timingError points at the repeat pattern where the timing came from.
func timingError(t hl7.Timing, occ map[string]int, code, msg string) *hl7.Error {
	switch t.Source {
	case "RXE-1":
		return &hl7.Error{Segment: "RXE", SeqInSegmentGroup: max(occ["RXE"], 1), Field: 1, Component: 2, Code: code, Message: msg}
	case "ORC-7":
		return &hl7.Error{Segment: "ORC", SeqInSegmentGroup: max(occ["ORC"], 1), Field: 7, Component: 2, Code: code, Message: msg}
	}
	return &hl7.Error{Segment: "TQ1", SeqInSegmentGroup: max(occ["TQ1"], 1), Field: 3, Code: code, Message: msg}
}

// locate turns a domain error into the HL7 error that names the field the
// sender must fix.
func locate(err error, po hl7.PharmacyOrder, occ map[string]int) *hl7.Error {
	me, ok := mar.AsError(err)
	if !ok {
		return &hl7.Error{Code: hl7.CodeInternal, Message: "internal error"}
	}
	at := func(seg string, field int, code string) *hl7.Error {
		n := occ[seg]
		if seg == "PID" {
			n = 1
		}
		return &hl7.Error{Segment: seg, SeqInSegmentGroup: max(n, 1), Field: field, Code: code, Message: me.Message}
	}
	switch me.Field {
	case "mrn", "resident_id":
		if me.Code == mar.ENotFound || me.Reason == "identifier_system_mismatch" {
			return at("PID", 3, hl7.CodeUnknownKey)
		}
		return at("PID", 3, hl7.CodeInternal)
	case "give_code", "product_id":
		switch {
		case me.Code == mar.ENotFound:
			return at("RXE", 2, hl7.CodeTableValueNotFound)
		case me.Reason == "ambiguous_ndc":
			return at("RXE", 2, hl7.CodeInternal)
		}
		return at("RXE", 2, hl7.CodeRequiredFieldMissing)
	case "dose_value":
		return at("RXE", 3, hl7.CodeDataType)
	case "dose_unit":
		return at("RXE", 5, hl7.CodeRequiredFieldMissing)
	case "route":
		e := at("RXR", 1, hl7.CodeTableValueNotFound)
		return e
	case "frequency":
		if len(po.Timing) > 0 {
			e := timingError(po.Timing[0], occ, hl7.CodeTableValueNotFound, me.Message)
			return e
		}
		return at("TQ1", 3, hl7.CodeRequiredFieldMissing)
	case "start_at", "stop_at":
		if len(po.Timing) > 0 && po.Timing[0].Source == "TQ1" {
			f := 7
			if me.Field == "stop_at" {
				f = 8
			}
			return at("TQ1", f, hl7.CodeDataType)
		}
		return at("ORC", 7, hl7.CodeDataType)
	case "order_number":
		switch me.Code {
		case mar.ENotFound:
			return at("ORC", 2, hl7.CodeUnknownKey)
		case mar.EConflict:
			return at("ORC", 2, hl7.CodeDuplicateKey)
		}
		return at("ORC", 2, hl7.CodeInternal)
	case "action":
		return at("ORC", 1, hl7.CodeInternal)
	}
	return &hl7.Error{Code: hl7.CodeInternal, Message: me.Message}
}

var amountInUnit = regexp.MustCompile(`^(\d+(?:\.\d+)?)\s*([A-Za-z][A-Za-z/]*)$`)

var _ = time.Time{}
