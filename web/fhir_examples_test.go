package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/emar-project/emar/internal/fhirvalidate"
	"github.com/emar-project/emar/internal/testenv"
)

// publicExample is one official FHIR R4 MedicationRequest example
// (testdata/public/fhir) and the judgement of it: accepted with this
// content, or refused with this status at this element, for the reason
// given.
type publicExample struct {
	status int
	expr   string // the OperationOutcome's expression, for a refusal
	why    string
	// for an accepted order, what the record holds
	dose     float64
	unit     string
	route    string
	freqHas  []string
	prn      bool
	snomedRx map[string]string // SNOMED code → catalogue product (the facility's formulary mapping)
}

var publicExamples = map[string]publicExample{
	"medicationrequest0301.json": {status: 422, expr: "MedicationRequest.status",
		why: "status completed: the prescription is finished, there is nothing to give; the same order as active is accepted (below)"},
	"medicationrequest0302.json": {status: 422, expr: "MedicationRequest.dosageInstruction[0].timing",
		why: "two sequenced steps, the first ('two tablets at once') with a daily timing and no length: when the second starts is unknown"},
	"medicationrequest0306.json": {status: 422, expr: "MedicationRequest.medication",
		why: "NDC 76388-713-25 (Myleran) is not in the facility's catalogue"},
	"medicationrequest0309.json": {status: 422, expr: "MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity.unit",
		why: "1000 mg/m2 is a formula, not a dose to give: the calculated dose must be sent"},
	"medicationrequest0310.json": {status: 422, expr: "MedicationRequest.medication",
		why: "NDC 50580-506-02 (Tylenol PM) is not in the facility's catalogue"},
	// 0301 as an active order: q4-6h PRN (period 4, periodMax 6), a dose
	// range of 1-2 tablets, the SNOMED CT oral route.
	"medicationrequest0301.json#active": {status: 201, dose: 1, unit: "tablet", route: "oral", freqHas: []string{"PRN", "6 hours"}, prn: true,
		snomedRx: map[string]string{"430127000": "Oxycodone 5"}},
}

// The official FHIR R4 MedicationRequest examples, posted one by one to a
// fresh service for the resident they name, are each accepted with the
// right drug, dose, route and timing or refused with 422 at the element
// that makes them unprocessable here; none is a 400 (they are valid FHIR).
func TestFHIRPublicMedicationRequestExamples(t *testing.T) {
	dir := filepath.Join("..", "testdata", "public", "fhir")
	files, err := filepath.Glob(filepath.Join(dir, "medicationrequest*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples in %s: %v", dir, err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
		if _, ok := publicExamples[filepath.Base(f)]; !ok {
			t.Errorf("%s has no judgement in publicExamples", filepath.Base(f))
		}
	}
	for name := range publicExamples {
		if strings.Contains(name, "#") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	env := testenv.Start(t, "sqlite", testenv.Options{})
	v := fhirvalidate.New(t)
	charge, ph := env.Login(t, "charge"), env.Login(t, "pharmacist")
	accepted, refused := 0, 0
	for _, name := range names {
		want := publicExamples[name]
		t.Run(name, func(t *testing.T) {
			file, variant, _ := strings.Cut(name, "#")
			raw, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			if variant == "active" {
				raw = bytes.Replace(raw, []byte(`"status": "completed",`), []byte(`"status": "active",`), 1)
			}
			// Each example for a resident of its own, admitted here.
			patient := bytes.Replace(fixtureFHIR(t, "patient-example.json", nil), []byte(`"value": "12345"`), []byte(`"value": "`+strings.NewReplacer(".json", "", "#", "-").Replace(name)+`"`), 1)
			r := charge.Do("POST", "/fhir/Patient", patient, fhirHeader)
			if r.Status != http.StatusCreated {
				t.Fatalf("patient: %d %s", r.Status, r.Body)
			}
			var pat struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(r.Body, &pat)
			for code, product := range want.snomedRx {
				if st := ph.JSON("POST", "/api/v1/products/"+productID(t, ph, product)+"/codes", map[string]string{"system": "http://snomed.info/sct", "code": code}, nil); st != http.StatusCreated {
					t.Fatalf("map SNOMED %s: %d", code, st)
				}
			}
			// The examples' subject (Patient/pat1) is a patient of the
			// server they came from; here it is the resident just admitted.
			body := bytes.Replace(raw, []byte(`"reference": "Patient/pat1"`), []byte(`"reference": "Patient/`+pat.ID+`"`), 1)
			r = charge.Do("POST", "/fhir/MedicationRequest", body, fhirHeader)
			if r.Status != want.status {
				t.Fatalf("%d, want %d (%s): %s", r.Status, want.status, want.why, r.Body)
			}
			v.Add(name, r.Body)
			if want.status != http.StatusCreated {
				o := decodeOutcome(t, r)
				if len(o.Issue[0].Expression) == 0 || o.Issue[0].Expression[0] != want.expr {
					t.Fatalf("refused at %v (%s), want %s (%s)", o.Issue[0].Expression, o.Issue[0].Diagnostics, want.expr, want.why)
				}
				t.Logf("refused: %s", o.Issue[0].Diagnostics)
				refused++
				return
			}
			var list struct {
				Items []struct {
					Frequency string  `json:"frequency"`
					DoseValue float64 `json:"dose_value"`
					DoseUnit  string  `json:"dose_unit"`
					PRN       bool    `json:"prn"`
					Route     string  `json:"route"`
					ProductID string  `json:"product_id"`
				} `json:"items"`
			}
			ph.JSON("GET", "/api/v1/residents/"+pat.ID+"/orders", nil, &list)
			if len(list.Items) != 1 {
				t.Fatalf("%d orders", len(list.Items))
			}
			o := list.Items[0]
			if o.DoseValue != want.dose || o.DoseUnit != want.unit || o.Route != want.route || o.PRN != want.prn {
				t.Fatalf("order %+v, want %g %s %s prn=%v", o, want.dose, want.unit, want.route, want.prn)
			}
			for _, s := range want.freqHas {
				if !strings.Contains(o.Frequency, s) {
					t.Fatalf("frequency %q lacks %q", o.Frequency, s)
				}
			}
			for _, p := range want.snomedRx {
				if o.ProductID != productID(t, ph, p) {
					t.Fatalf("product %s, want %s", o.ProductID, p)
				}
			}
			t.Logf("accepted: %g %s %s %s", o.DoseValue, o.DoseUnit, o.Route, o.Frequency)
			accepted++
		})
	}
	v.Validate(t)
	t.Logf("official MedicationRequest examples: %d files, %d judgements: %d accepted, %d refused", len(files), len(names), accepted, refused)
}

// Sequenced dosage instructions with lengths are one taper order: the
// steps, their doses and lengths in order of sequence (not of position).
func TestFHIRSequencedDosageIsATaper(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	v := fhirvalidate.New(t)
	charge, ph := env.Login(t, "charge"), env.Login(t, "pharmacist")
	r := charge.Do("POST", "/fhir/Patient", fixtureFHIR(t, "patient-example.json", nil), fhirHeader)
	var pat struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(r.Body, &pat)
	step := func(seq, dose int, length string) string {
		return `{"sequence": ` + jsonNum(float64(seq)) + `, "timing": {"repeat": {` + length + `"frequency": 1, "period": 1, "periodUnit": "d", "timeOfDay": ["08:00:00"]}},
			"route": {"coding": [{"system": "http://snomed.info/sct", "code": "26643006"}]},
			"doseAndRate": [{"doseQuantity": {"value": ` + jsonNum(float64(dose)) + `, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}]}`
	}
	order := func(steps ...string) []byte {
		return []byte(`{"resourceType": "MedicationRequest", "status": "active", "intent": "order",
			"medicationReference": {"reference": "Medication/` + productID(t, ph, "Prednisone 10") + `"},
			"subject": {"reference": "Patient/` + pat.ID + `"}, "dosageInstruction": [` + strings.Join(steps, ",") + `]}`)
	}
	days := func(n int) string {
		return `"boundsDuration": {"value": ` + jsonNum(float64(n)) + `, "unit": "d", "system": "http://unitsofmeasure.org", "code": "d"}, `
	}
	r = charge.Do("POST", "/fhir/MedicationRequest", order(step(2, 20, days(3)), step(1, 40, days(3)), step(3, 10, "")), fhirHeader)
	if r.Status != http.StatusCreated {
		t.Fatalf("taper: %d %s", r.Status, r.Body)
	}
	v.Add("taper", r.Body)
	var list struct {
		Items []struct {
			Frequency string  `json:"frequency"`
			DoseValue float64 `json:"dose_value"`
		} `json:"items"`
	}
	ph.JSON("GET", "/api/v1/residents/"+pat.ID+"/orders", nil, &list)
	if len(list.Items) != 1 {
		t.Fatalf("%d orders", len(list.Items))
	}
	f := list.Items[0].Frequency
	i40, i20, i10 := strings.Index(f, "40 mg"), strings.Index(f, "20 mg"), strings.Index(f, "10 mg")
	if list.Items[0].DoseValue != 40 || i40 < 0 || i20 < i40 || i10 < i20 || strings.Count(f, "for 3 days") != 2 {
		t.Fatalf("taper order: %g, %q", list.Items[0].DoseValue, f)
	}
	for _, tc := range []struct {
		name, expr string
		body       []byte
	}{
		{"a step without a length before another", "MedicationRequest.dosageInstruction[0].timing", order(step(1, 40, ""), step(2, 20, ""))},
		{"two instructions at once (a split dose)", "MedicationRequest.dosageInstruction[1].sequence", order(step(1, 40, days(3)), step(1, 20, ""))},
	} {
		r := charge.Do("POST", "/fhir/MedicationRequest", tc.body, fhirHeader)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d %s", tc.name, r.Status, r.Body)
		}
		if o := decodeOutcome(t, r); len(o.Issue[0].Expression) == 0 || o.Issue[0].Expression[0] != tc.expr {
			t.Fatalf("%s: %+v", tc.name, o.Issue[0])
		}
		v.Add(tc.name, r.Body)
	}
	v.Validate(t)
}
