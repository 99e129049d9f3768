package hl7map

import (
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/hl7"
)

// A dose that was not given goes out with RXA-20 RE (refused) or NA (held,
// not given) and no amount; a refusal's reason is coded in RXA-18 from
// NIP002 with the service's own reason as the alternate code, a hold's or
// omission's reason is in RXA-9.
func TestRASCodesWhyADoseWasNotGiven(t *testing.T) {
	at := time.Date(2026, 3, 14, 13, 0, 0, 0, time.UTC)
	rec := func(outcome mar.Outcome, code, text string) mar.AdministrationRecord {
		return mar.AdministrationRecord{
			Administration: mar.Administration{ID: "adm-1", PerformedAt: at, RecordedAt: at, Amount: 25, Unit: "mg", Route: "oral",
				Outcome: outcome, ReasonCode: code, ReasonText: text},
			Resident:  mar.Resident{MRN: "00100003", MRNSystem: mar.DefaultMRNSystem, FamilyName: "Castillo", GivenName: "Rosa"},
			Unit:      mar.Unit{Code: "MAPLE", TimeZone: "America/New_York"},
			Order:     mar.Order{ID: "ord-1", ExternalID: "RS-ORD-1", Ingredient: "metoprolol", Route: "oral"},
			Performer: mar.User{Username: "nurse", DisplayName: "Nora Nurse"},
		}
	}
	routing := Routing{SendingApplication: "EMAR", Identifiers: mar.IdentifierConfig{Authorities: map[string]string{"RIVERSIDE": mar.DefaultMRNSystem}}}
	for _, tc := range []struct {
		name       string
		outcome    mar.Outcome
		code, text string
		want       map[string]string
	}{
		{"the resident declining is a patient decision", mar.OutcomeRefused, "resident_declined", "",
			map[string]string{"RXA-20": "RE", "RXA-6": "0", "RXA-18.1": "03", "RXA-18.2": "Patient decision", "RXA-18.3": "NIP002",
				"RXA-18.4": "resident_declined", "RXA-18.5": "Resident declined", "RXA-18.6": "L", "RXA-9": ""}},
		{"spitting a dose out is other, its own code kept", mar.OutcomeRefused, "spat_out", "",
			map[string]string{"RXA-20": "RE", "RXA-18.1": "02", "RXA-18.2": "Other", "RXA-18.4": "spat_out", "RXA-18.5": "Spat out"}},
		{"other carries the nurse's words in RXA-9", mar.OutcomeRefused, "other", "says it tastes wrong",
			map[string]string{"RXA-20": "RE", "RXA-18.1": "02", "RXA-18.4": "other", "RXA-9[1].2": "Refusal: says it tastes wrong"}},
		{"a family's refusal is a parental decision", mar.OutcomeRefused, "family_declined", "daughter declined on her behalf",
			map[string]string{"RXA-20": "RE", "RXA-18.1": "00", "RXA-18.2": "Parental decision", "RXA-18.4": "family_declined"}},
		{"a religious reason is a religious exemption", mar.OutcomeRefused, "religious_exemption", "",
			map[string]string{"RXA-20": "RE", "RXA-18.1": "01", "RXA-18.2": "Religious exemption"}},
		{"a held dose is NA with the reason in RXA-9 and no RXA-18", mar.OutcomeHeld, "hold_parameter_met", "HR 52",
			map[string]string{"RXA-20": "NA", "RXA-6": "0", "RXA-18": "", "RXA-9[1].1": "hold_parameter_met", "RXA-9[1].2": "HR 52", "RXA-9[1].3": "L"}},
		{"a dose not given is NA with the reason in RXA-9", mar.OutcomeNotGiven, "drug_unavailable", "not on the unit",
			map[string]string{"RXA-20": "NA", "RXA-18": "", "RXA-9[1].1": "drug_unavailable"}},
		{"a given dose has no reason", mar.OutcomeGiven, "", "",
			map[string]string{"RXA-20": "CP", "RXA-6": "25", "RXA-18": "", "RXA-9": ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Administration(rec(tc.outcome, tc.code, tc.text), routing, "CTL1", at)
			if err != nil {
				t.Fatal(err)
			}
			// What the receiver reads is the encoded message.
			back, err := hl7.Parse(m.Encode())
			if err != nil {
				t.Fatal(err)
			}
			for path, want := range tc.want {
				if got := back.Get(path); got != want {
					t.Errorf("%s = %q; want %q\n%s", path, got, want, m.Encode())
				}
			}
		})
	}
}

// Every refusal reason the service offers maps onto a NIP002 code.
func TestEveryDefaultRefusalReasonHasAnRXA18Code(t *testing.T) {
	for _, opt := range mar.DefaultOutcomeReasons()[mar.OutcomeRefused] {
		c := RefusalReason(opt.Code)
		if refusalText[c.Code] == "" || c.System != RefusalSystem || c.AltCode != opt.Code || c.AltText != opt.Label {
			t.Errorf("%s: %+v", opt.Code, c)
		}
	}
}
