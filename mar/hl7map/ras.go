package hl7map

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/hl7"
)

// Routing names this service and its peer in the messages it sends.
type Routing struct {
	SendingApplication   string // MSH-3, e.g. EMAR
	SendingFacility      string // MSH-4
	ReceivingApplication string // MSH-5, e.g. the pharmacy system
	ReceivingFacility    string // MSH-6
	// Identifiers maps the resident's MRN system back onto the assigning
	// authority sent in PID-3.4.
	Identifiers mar.IdentifierConfig
}

var sexCodes = map[string]string{"female": "F", "male": "M", "other": "O", "unknown": "U"}

var outcomes = map[mar.Outcome]hl7.AdminOutcome{
	mar.OutcomeGiven: hl7.OutcomeGiven, mar.OutcomeHeld: hl7.OutcomeHeld, mar.OutcomeRefused: hl7.OutcomeRefused, mar.OutcomeNotGiven: hl7.OutcomeNotGiven,
}

// Administration maps a charted administration onto a RAS^O17.
func Administration(rec mar.AdministrationRecord, r Routing, controlID string, now time.Time) (*hl7.Message, error) {
	a, res, o := rec.Administration, rec.Resident, rec.Order
	loc, err := rec.Unit.Location()
	if err != nil {
		loc = time.UTC
	}
	local := func(t time.Time) time.Time { return t.In(loc) }
	out := hl7.Administration{
		ControlID: controlID, SendingApplication: r.SendingApplication, SendingFacility: r.SendingFacility,
		ReceivingApplication: r.ReceivingApplication, ReceivingFacility: r.ReceivingFacility, MessageTime: local(now),
		PatientMRN: res.MRN, PatientName: hl7.Name{Family: res.FamilyName, Given: res.GivenName, Middle: res.MiddleName}, BirthDate: res.BirthDate,
		Sex: sexCodes[res.Sex], PatientClass: "I",
		Location:    hl7.PatientLocation{PointOfCare: rec.Unit.Code, Room: res.Room, Bed: res.Bed},
		PlacerOrder: hl7.EntityID{ID: o.ExternalID},
		FillerOrder: hl7.EntityID{ID: o.FillerID},
		StartedAt:   local(a.PerformedAt), RecordedAt: local(a.RecordedAt),
		Amount: a.Amount, Units: hl7.CWE{Code: a.Unit, Text: a.Unit, System: unitSystem(a.Unit)},
		Performer: provider(rec.Performer), Lot: a.Lot, Expiry: a.Expiry,
		Indication: hl7.CWE{Text: a.PRNIndication},
	}
	auth := r.Identifiers.AuthorityOf(res.MRNSystem)
	out.PatientMRNAuthority, out.PatientMRNAuthorityID, out.PatientMRNAuthorityIDType = auth.Namespace, auth.UniversalID, auth.UniversalIDType
	if o.ExternalID == "" {
		// The order began here: this service is its placer.
		out.PlacerOrder = hl7.EntityID{ID: o.ID, Namespace: r.SendingApplication}
	}
	if rec.Witness != nil {
		out.Witness = provider(*rec.Witness)
	}
	if rec.Product != nil {
		out.Product = productCWE(rec.Product.Product, a.GTIN)
	} else {
		out.Product = hl7.CWE{Text: o.Ingredient}
	}
	if rc, ok := mar.RouteCodeOf(firstNonBlank(a.Route, o.Route)); ok {
		out.Route = hl7.CWE{Code: rc.HL7, Text: strings.ToUpper(rc.Name[:1]) + rc.Name[1:], System: "HL70162"}
	} else {
		out.Route = hl7.CWE{Text: firstNonBlank(a.Route, o.Route)}
	}
	if a.Site != "" {
		out.Site = hl7.CWE{Text: a.Site}
	}
	oc, ok := outcomes[a.Outcome]
	if !ok {
		return nil, fmt.Errorf("administration %s: outcome %q has no RAS mapping", a.ID, a.Outcome)
	}
	out.Outcome = oc
	if a.Outcome != mar.OutcomeGiven {
		out.Amount = 0
		out.Reason = hl7.CWE{Code: a.ReasonCode, Text: firstNonBlank(a.ReasonText, a.ReasonCode), System: "L"}
		if a.ReasonCode == "" {
			out.Reason.System = ""
		}
	}
	if a.Outcome == mar.OutcomeRefused {
		// RXA-18 is coded (NIP002), the service's own reason as the
		// alternate code, and the nurse's words as a note.
		out.Reason = RefusalReason(a.ReasonCode)
		if t := strings.TrimSpace(a.ReasonText); t != "" {
			out.Notes = append(out.Notes, "Refusal: "+t)
		}
	}
	if a.EnteredInError {
		out.ErroneousOutcome, out.Outcome = oc, hl7.OutcomeEnteredInError
		out.Reason = hl7.CWE{Text: firstNonBlank(a.ErrorReason, "entered in error")}
	}
	if a.Keyed && a.KeyedReason != "" {
		out.Notes = append(out.Notes, "Product keyed in, not scanned: "+a.KeyedReason)
	}
	if rec.NeedsReview {
		out.Notes = append(out.Notes, "Given before pharmacy verification (STAT override): flagged for review")
	}
	return hl7.EncodeRAS(out)
}

func unitSystem(u string) string {
	if _, ok := mar.UCUMUnit(u); ok {
		return "UCUM"
	}
	return ""
}

// productCWE names the product by the NDC of the scanned pack (else its
// first package), with the GTIN as the alternate code.
func productCWE(p mar.Product, gtin string) hl7.CWE {
	c := hl7.CWE{Text: p.Name}
	var pk *mar.Package
	for i := range p.Packages {
		if p.Packages[i].GTIN == gtin || pk == nil {
			pk = &p.Packages[i]
		}
	}
	if pk != nil {
		if ndc := mar.NDCOut(pk.NDC); ndc != "" {
			c.Code, c.System = ndc, "NDC"
			c.AltCode, c.AltText, c.AltSystem = pk.GTIN, p.Name, "GTIN"
		} else {
			c.Code, c.System = pk.GTIN, "GTIN"
		}
	}
	return c
}

func provider(u mar.User) hl7.Provider {
	p := hl7.Provider{ID: u.Username}
	parts := strings.Fields(u.DisplayName)
	switch len(parts) {
	case 0:
	case 1:
		p.Family = parts[0]
	default:
		p.Given, p.Family = strings.Join(parts[:len(parts)-1], " "), parts[len(parts)-1]
	}
	if u.BadgeID != "" {
		p.ID = u.BadgeID
	}
	return p
}

// Enqueuer returns the Service.OnAdministration hook that puts a RAS^O17
// for every administration into the outbox, in the administration's own
// transaction.
func Enqueuer(r Routing) func(tx mar.Tx, rec mar.AdministrationRecord) error {
	return func(tx mar.Tx, rec mar.AdministrationRecord) error {
		id := mar.NewID()
		control := "EMAR" + strings.ReplaceAll(id, "-", "")[:20]
		now := time.Now()
		if !rec.Administration.RecordedAt.IsZero() {
			now = rec.Administration.RecordedAt
		}
		msg, err := Administration(rec, r, control, now)
		if err != nil {
			return fmt.Errorf("RAS for administration %s: %w", rec.Administration.ID, err)
		}
		return tx.EnqueueOutbound(&mar.OutboundMessage{ID: id, FacilityID: rec.Administration.FacilityID, Kind: "RAS^O17",
			RefID: rec.Administration.ID, ControlID: control, Payload: string(msg.Encode()), CreatedAt: now, NextAttemptAt: now})
	}
}

// Sender delivers outbox messages to an MLLP peer, or as files into a
// directory (one file per message, written atomically), or both.
type Sender struct {
	Client *hl7.Client // nil: no peer
	Dir    string      // empty: no files
}

// Send delivers one message; a NAK from the peer is an error, so the
// message is retried.
func (s Sender) Send(ctx context.Context, m mar.OutboundMessage) error {
	var errs []error
	if s.Dir != "" {
		name := filepath.Join(s.Dir, m.ControlID+".hl7")
		tmp := name + ".tmp"
		if err := os.WriteFile(tmp, []byte(m.Payload), 0o640); err != nil {
			errs = append(errs, err)
		} else if err := os.Rename(tmp, name); err != nil {
			errs = append(errs, err)
		}
	}
	if s.Client != nil {
		if _, err := s.Client.Send(ctx, []byte(m.Payload)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
