package fhirvalidate

import (
	"strings"
	"testing"
)

// A choice element ([x]) appears once; two types of it are an error, in
// any depth; a base that merely ends in a type-like word is not a choice.
func TestChoiceErrors(t *testing.T) {
	for _, tc := range []struct {
		name, doc, want string // want: substring of the one error, "" for none
	}{
		{"one bounds", `{"resourceType":"MedicationRequest","dosageInstruction":[{"timing":{"repeat":{"boundsPeriod":{"start":"2026-03-14"}}}}]}`, ""},
		{"bounds twice", `{"resourceType":"MedicationRequest","dosageInstruction":[{"timing":{"repeat":{"boundsDuration":{"value":5},"boundsPeriod":{"start":"2026-03-14"}}}}]}`,
			"$.dosageInstruction[0].timing.repeat: choice element bounds[x] appears 2 times (boundsDuration, boundsPeriod)"},
		{"medication twice", `{"resourceType":"MedicationRequest","medicationCodeableConcept":{"text":"x"},"medicationReference":{"reference":"Medication/1"}}`, "medication[x]"},
		{"primitive extension is not a second value", `{"resourceType":"Patient","birthDate":"1940-01-01","_birthDate":{"id":"a"},"deceasedBoolean":false}`, ""},
		{"effective once with its extension", `{"effectiveDateTime":"2026-03-14T09:00:00Z","_effectiveDateTime":{"id":"b"}}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs, err := ChoiceErrors([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.want == "" && len(errs) != 0:
				t.Fatalf("errors %v; want none", errs)
			case tc.want != "" && (len(errs) != 1 || !strings.Contains(errs[0], tc.want)):
				t.Fatalf("errors %v; want one with %q", errs, tc.want)
			}
		})
	}
}
