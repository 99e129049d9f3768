package hl7map

import (
	"strings"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/hl7"
)

// Substance/treatment refusal reasons for RXA-18. HL7 v2.5.1 names no table
// for RXA-18 (it is user-defined); the code set receivers expect there is
// CDC's NIP002, the one the CDC immunization guide binds RXA-18 to. (HL7
// table 0336 is "Referral reason", RF1-10: it does not apply to RXA-18.)
const (
	RefusalSystem             = "NIP002"
	RefusalParentalDecision   = "00"
	RefusalReligiousExemption = "01"
	RefusalOther              = "02"
	RefusalPatientDecision    = "03"
)

var refusalText = map[string]string{
	RefusalParentalDecision:   "Parental decision",
	RefusalReligiousExemption: "Religious exemption",
	RefusalOther:              "Other",
	RefusalPatientDecision:    "Patient decision",
}

// refusalCodes maps the service's refusal reason codes (mar.DefaultOutcomeReasons
// and the usual configured additions) onto NIP002. A reason that is not
// the resident's or their family's decision (spat out, vomited, other) is
// 02 Other; its own code goes along as the alternate code.
var refusalCodes = map[string]string{
	"resident_declined":   RefusalPatientDecision,
	"patient_declined":    RefusalPatientDecision,
	"patient_decision":    RefusalPatientDecision,
	"family_declined":     RefusalParentalDecision,
	"guardian_declined":   RefusalParentalDecision,
	"parental_decision":   RefusalParentalDecision,
	"religious":           RefusalReligiousExemption,
	"religious_exemption": RefusalReligiousExemption,
}

// RefusalReason is the RXA-18 value for a refusal recorded with the given
// reason code: the NIP002 code and text, then the service's own code
// (coding system L, local) and its label as the alternate.
func RefusalReason(reasonCode string) hl7.CWE {
	code := strings.ToLower(strings.TrimSpace(reasonCode))
	nip, ok := refusalCodes[code]
	if !ok {
		nip = RefusalOther
	}
	c := hl7.CWE{Code: nip, Text: refusalText[nip], System: RefusalSystem}
	if code != "" {
		c.AltCode, c.AltText, c.AltSystem = code, reasonLabel(mar.OutcomeRefused, code), "L"
	}
	return c
}

// reasonLabel is the label of a default reason, else the code itself.
func reasonLabel(o mar.Outcome, code string) string {
	for _, opt := range mar.DefaultOutcomeReasons()[o] {
		if opt.Code == code {
			return opt.Label
		}
	}
	return code
}
