package mar

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Identifiers a nurse may confirm when selecting a resident by hand. Two
// different ones are required (Joint Commission NPSG.01.01.01: two patient
// identifiers, never the room or bed number).
const (
	IdentifierName      = "name"       // the resident's name as the chart shows it ("Family, Given")
	IdentifierBirthDate = "birth_date" // YYYY-MM-DD
	IdentifierMRN       = "mrn"        // the record's medical record number (of the record's own MRN system)
)

// ManualIdentifierKinds lists the identifiers a selection by hand accepts.
var ManualIdentifierKinds = []string{IdentifierName, IdentifierBirthDate, IdentifierMRN}

// DefaultManualReasons are why a resident may be selected by hand instead
// of by a wristband scan.
func DefaultManualReasons() []ReasonOption {
	return []ReasonOption{
		{"no_wristband", "Resident does not wear a wristband (long-term care)"},
		{"wristband_unreadable", "Wristband damaged or unreadable"},
		{"wristband_removed", "Wristband removed (skin, procedure, refused)"},
		{"scanner_failure", "Scanner failure"},
		{"other", "Other (explain)"},
	}
}

// ManualSelection is a resident chosen on screen without a wristband scan:
// the identifiers the nurse confirmed, with the values the screen showed,
// and why there was no scan.
type ManualSelection struct {
	ResidentID  string
	Identifiers map[string]string // kind (name, birth_date, mrn) → the value confirmed
	Reason      string            // one of BedsideConfig.ManualReasons
	Text        string            // required for "other"
}

// SelectResident opens a bedside context for a resident chosen by hand. It
// refuses unless two different identifiers were confirmed, each equal to
// the record, and a reason from the list is given; the context is marked
// so every administration charted in it is flagged patient_keyed and
// counts against wristband-scan compliance.
func (s *Service) SelectResident(ctx context.Context, by Identity, in ManualSelection) (WristbandResult, error) {
	if err := mayDocument(by); err != nil {
		return WristbandResult{}, err
	}
	if err := s.validateSelection(in); err != nil {
		return WristbandResult{}, err
	}
	kinds := make([]string, 0, len(in.Identifiers))
	for k := range in.Identifiers {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	res, err := runWrite(ctx, s, by, func(tx Tx) (WristbandResult, error) {
		r, err := tx.GetResident(in.ResidentID)
		if err != nil || r.FacilityID != by.User.FacilityID {
			return WristbandResult{}, &Error{Code: ENotFound, Field: "resident_id", Reason: ReasonResidentNotFound, Message: "No resident has this id.", Err: err}
		}
		if err := CanSeeResident(by.User, r); err != nil {
			return WristbandResult{}, err
		}
		if r.Status == Discharged {
			return WristbandResult{}, &Error{Code: ERefused, Reason: ReasonResidentDischarged, Message: r.DisplayName() + " is discharged: medications cannot be documented."}
		}
		for _, k := range kinds {
			if err := identifierMatches(r, k, in.Identifiers[k]); err != nil {
				return WristbandResult{}, err
			}
		}
		now := s.now()
		reason := in.Reason
		bc := BedsideContext{ID: NewID(), FacilityID: r.FacilityID, UserID: by.User.ID, ResidentID: r.ID,
			CreatedAt: now, ExpiresAt: now.Add(s.Config.Bedside.ContextLifetime), ManualReason: reason, ManualIdentifiers: kinds}
		if err := tx.CreateBedsideContext(&bc); err != nil {
			return WristbandResult{}, fmt.Errorf("create bedside context: %w", err)
		}
		due, err := s.buildDueList(tx, r, now)
		if err != nil {
			return WristbandResult{}, err
		}
		detail := map[string]any{"manual": true, "reason": reason, "identifiers": kinds}
		if t := strings.TrimSpace(in.Text); t != "" {
			detail["text"] = t
		}
		if err := s.audit(tx, by, AuditEntry{Action: "bedside.select", ObjectType: "bedside_context", ObjectID: bc.ID, ResidentID: r.ID, Detail: detail}); err != nil {
			return WristbandResult{}, err
		}
		return WristbandResult{Context: bc, Due: due}, nil
	})
	if err != nil {
		s.auditRefusal(ctx, by, "bedside.select", in.ResidentID, err, map[string]string{"manual_reason": in.Reason, "field": fieldOf(err)})
	}
	return res, err
}

func (s *Service) validateSelection(in ManualSelection) error {
	if !ValidID(in.ResidentID) {
		return Invalid("resident_id", "is required: the id of the resident selected")
	}
	cfg := s.Config.Bedside
	if !hasOption(cfg.ManualReasons, in.Reason) {
		return &Error{Code: EInvalid, Field: "reason", Reason: ReasonReasonRequired,
			Message: "a selection without a wristband scan needs a reason: one of " + strings.Join(optionCodes(cfg.ManualReasons), ", ")}
	}
	if in.Reason == "other" && strings.TrimSpace(in.Text) == "" {
		return &Error{Code: EInvalid, Field: "text", Reason: ReasonReasonRequired, Message: "say why the wristband could not be scanned"}
	}
	n := 0
	for k, v := range in.Identifiers {
		known := false
		for _, kk := range ManualIdentifierKinds {
			known = known || k == kk
		}
		if !known {
			return Invalid("identifiers."+k, "is not an identifier: confirm two of %s (a room or bed is not an identifier)", strings.Join(ManualIdentifierKinds, ", "))
		}
		if strings.TrimSpace(v) == "" {
			return Invalid("identifiers."+k, "was not confirmed: tick it after checking it with the resident or the chart")
		}
		n++
	}
	if n < 2 {
		return Invalid("identifiers", "confirm two different identifiers (%s) with the resident before selecting them by hand", strings.Join(ManualIdentifierKinds, ", "))
	}
	return nil
}

// identifierMatches compares one confirmed identifier with the record.
func identifierMatches(r Resident, kind, value string) error {
	value = strings.TrimSpace(value)
	var ok bool
	var what string
	switch kind {
	case IdentifierName:
		what = "name"
		norm := func(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }
		ok = norm(value) == norm(r.DisplayName())
	case IdentifierBirthDate:
		what = "date of birth"
		ok = r.BirthDate != "" && value == r.BirthDate
		if _, err := time.Parse(time.DateOnly, value); err != nil {
			return Invalid("identifiers.birth_date", "must be a date YYYY-MM-DD")
		}
	case IdentifierMRN:
		what = "MRN"
		ok = r.MRN != "" && value == r.MRN
	}
	if !ok {
		return &Error{Code: ERefused, Field: "identifiers." + kind, Reason: ReasonIdentifierMismatch,
			Message: fmt.Sprintf("The %s confirmed (%s) does not match the record of the resident selected. Do not proceed: check who this is and select again.", what, value)}
	}
	return nil
}

func fieldOf(err error) string {
	if e, ok := AsError(err); ok {
		return e.Field
	}
	return ""
}
