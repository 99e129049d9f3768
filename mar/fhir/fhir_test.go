package fhir

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/fhirvalidate"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/schedules"
)

func ctx() OrderContext {
	loc, _ := time.LoadLocation("America/New_York")
	return OrderContext{Defaults: schedules.DefaultTimes(), Location: loc, Now: time.Date(2026, 3, 14, 13, 0, 0, 0, time.UTC)}
}

const baseRequest = `{"resourceType":"MedicationRequest","status":"active","intent":"order",
 "subject":{"reference":"Patient/01a0c5a3-0000-7000-8000-000000000001"},
 "medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"198440"},{"system":"http://hl7.org/fhir/sid/ndc","code":"50580-449-01"}]},
 "dosageInstruction":[{"timing":{"repeat":{"frequency":1,"period":8,"periodUnit":"h"}},"route":{"coding":[{"system":"http://snomed.info/sct","code":"26643006"}]},
   "doseAndRate":[{"doseQuantity":{"value":500,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}]}]}`

func TestParseMedicationRequestReadsWhatTheStandardAllows(t *testing.T) {
	tests := []struct {
		name, from, to string
		check          func(t *testing.T, eo mar.ExternalOrder)
	}{
		{"codes NDC first, then RxNorm", "", "", func(t *testing.T, eo mar.ExternalOrder) {
			if len(eo.Codes) != 2 || eo.Codes[0].System != "NDC" || eo.Codes[1].Code != "198440" {
				t.Fatalf("codes %+v", eo.Codes)
			}
		}},
		{"interval timing", "", "", func(t *testing.T, eo mar.ExternalOrder) {
			if eo.Frequency != "every 8 hours" || eo.DoseValue != 500 || eo.DoseUnit != "mg" || eo.Route != "oral" {
				t.Fatalf("%+v", eo)
			}
		}},
		{"as needed with a reason", `"route":`, `"asNeededCodeableConcept":{"text":"pain"},"route":`, func(t *testing.T, eo mar.ExternalOrder) {
			if !eo.PRN || eo.PRNReason != "pain" || !strings.Contains(eo.Frequency, "PRN") {
				t.Fatalf("%+v", eo)
			}
		}},
		{"logical subject", `"subject":{"reference":"Patient/01a0c5a3-0000-7000-8000-000000000001"}`, `"subject":{"identifier":{"system":"urn:x","value":"MRN-9"}}`, func(t *testing.T, eo mar.ExternalOrder) {
			if eo.MRN != "MRN-9" || eo.ResidentID != "" {
				t.Fatalf("%+v", eo)
			}
		}},
		{"extensions ignored", `"status":"active"`, `"extension":[{"url":"http://x","valueString":"y"}],"status":"active"`, func(t *testing.T, eo mar.ExternalOrder) {}},
		{"draft is a new order", `"status":"active"`, `"status":"draft"`, func(t *testing.T, eo mar.ExternalOrder) {
			if eo.Action != mar.ExternalNew {
				t.Fatalf("%v", eo.Action)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := baseRequest
			if tt.from != "" {
				raw = strings.Replace(raw, tt.from, tt.to, 1)
			}
			eo, err := ParseMedicationRequest([]byte(raw), ctx())
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, eo)
		})
	}
}

func TestParseMedicationRequestRefusesNamingTheElement(t *testing.T) {
	tests := []struct{ name, from, to, expr string }{
		{"not an order", `"intent":"order"`, `"intent":"plan"`, "MedicationRequest.intent"},
		{"modifier", `"status":"active"`, `"modifierExtension":[{"url":"http://x","valueBoolean":true}],"status":"active"`, "MedicationRequest.modifierExtension"},
		{"do not perform", `"status":"active"`, `"doNotPerform":true,"status":"active"`, "MedicationRequest.doNotPerform"},
		{"no route", `"route":{"coding":[{"system":"http://snomed.info/sct","code":"26643006"}]},`, ``, "MedicationRequest.dosageInstruction[0].route"},
		{"unknown route", `"code":"26643006"`, `"code":"1234567"`, "MedicationRequest.dosageInstruction[0].route"},
		{"timing range backwards", `"period":8,`, `"period":8,"periodMax":4,`, "MedicationRequest.dosageInstruction[0].timing.repeat.periodMax"},
		{"no dose value", `"value":500,`, ``, "MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity.value"},
		{"comparator", `"value":500,`, `"value":500,"comparator":"<",`, "MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity.comparator"},
		{"external subject", `Patient/01a0c5a3-0000-7000-8000-000000000001`, `http://other.example/fhir/Patient/7`, "MedicationRequest.subject"},
		{"unresolvable medication reference", `"medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"198440"},{"system":"http://hl7.org/fhir/sid/ndc","code":"50580-449-01"}]}`, `"medicationReference":{"reference":"#nope"}`, "MedicationRequest.medicationReference"},
		{"wrong type", `"intent":"order"`, `"intent":7`, "MedicationRequest.intent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := strings.Replace(baseRequest, tt.from, tt.to, 1)
			if raw == baseRequest {
				t.Fatalf("test does not change the request")
			}
			_, err := ParseMedicationRequest([]byte(raw), ctx())
			me, ok := mar.AsError(err)
			if !ok || me.Field != tt.expr {
				t.Fatalf("error %v (field %q), want %s", err, fieldOf(me), tt.expr)
			}
		})
	}
}

func fieldOf(e *mar.Error) string {
	if e == nil {
		return ""
	}
	return e.Field
}

func TestStatusesMapBothWays(t *testing.T) {
	for _, st := range []mar.OrderStatus{mar.OrderPending, mar.OrderActive, mar.OrderOnHold, mar.OrderDiscontinued, mar.OrderCompleted, mar.OrderRejected} {
		got := RequestStatuses(requestStatus(st))
		if len(got) != 1 || got[0] != st {
			t.Errorf("%s → %s → %v", st, requestStatus(st), got)
		}
	}
}

func TestMarshalDropsEmptyChoiceElements(t *testing.T) {
	b, err := MedicationAdministration(mar.Administration{ID: "a", ResidentID: "r", OrderID: "o", Outcome: mar.OutcomeRefused, ReasonCode: "refused",
		PerformedAt: time.Unix(0, 0), RecordedAt: time.Unix(1, 0)}, AdministrationFacts{})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	if _, ok := m["medicationReference"]; ok {
		t.Fatalf("empty medicationReference emitted: %s", b)
	}
	if m["status"] != "not-done" || !strings.Contains(string(b), "182895007") {
		t.Fatalf("refusal: %s", b)
	}
}

// FuzzParseMedicationRequest feeds arbitrary JSON to the reader of outside
// orders: it must never panic, and anything it refuses names an element.
func FuzzParseMedicationRequest(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "..", "web", "testdata", "fhir", "*.json"))
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(baseRequest))
	f.Add([]byte(`{"resourceType":"MedicationRequest"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, err := ParseMedicationRequest(raw, ctx())
		if err != nil {
			if me, ok := mar.AsError(err); !ok || me.Code == mar.EInternal {
				t.Fatalf("not a domain error: %v", err)
			}
		}
		_, _ = ParsePatient(raw)
		_, _ = ParseBundle(raw)
	})
}

// bounds[x] is a choice: an order with a course length ("bid x 5d") emits
// one bounds element, the period of its start and stop, never a duration
// beside it; with no stop the duration alone.
func TestMedicationRequestEmitsOneBounds(t *testing.T) {
	start := time.Date(2026, 3, 14, 13, 0, 0, 0, time.UTC)
	stop := start.Add(5 * 24 * time.Hour)
	rule, err := schedules.Parse("BID x 5d", schedules.DefaultTimes())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		stop *time.Time
		want string
	}{
		{"with its stop", &stop, "boundsPeriod"},
		{"without a stop", nil, "boundsDuration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := mar.Order{ID: "o", ResidentID: "r", Status: mar.OrderActive, DoseValue: 1, DoseUnit: "tablet", Route: "oral",
				Frequency: "BID x 5d", StartAt: start, StopAt: tc.stop, CreatedAt: start}
			b, err := MedicationRequest(o, mar.Resident{ID: "r", FamilyName: "Doe"}, nil, &rule)
			if err != nil {
				t.Fatal(err)
			}
			errs, err := fhirvalidate.ChoiceErrors(b)
			if err != nil || len(errs) != 0 {
				t.Fatalf("choice errors %v %v in %s", errs, err, b)
			}
			if !strings.Contains(string(b), `"`+tc.want+`"`) {
				t.Fatalf("no %s in %s", tc.want, b)
			}
		})
	}
}
