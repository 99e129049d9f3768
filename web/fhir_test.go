package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/fhirvalidate"
	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar/store/storetest"
)

var fhirHeader = map[string]string{"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}

func fixtureFHIR(t *testing.T, name string, vars map[string]string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fhir", name))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range vars {
		b = bytes.ReplaceAll(b, []byte("{{"+k+"}}"), []byte(v))
	}
	return b
}

type outcome struct {
	ResourceType string `json:"resourceType"`
	Issue        []struct {
		Severity    string   `json:"severity"`
		Code        string   `json:"code"`
		Diagnostics string   `json:"diagnostics"`
		Expression  []string `json:"expression"`
	} `json:"issue"`
}

func decodeOutcome(t *testing.T, r testenv.Response) outcome {
	t.Helper()
	var o outcome
	if err := json.Unmarshal(r.Body, &o); err != nil || o.ResourceType != "OperationOutcome" || len(o.Issue) == 0 {
		t.Fatalf("not an OperationOutcome: %s", r.Body)
	}
	return o
}

type bundle struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Total        int    `json:"total"`
	Link         []struct {
		Relation string `json:"relation"`
		URL      string `json:"url"`
	} `json:"link"`
	Entry []struct {
		FullURL  string          `json:"fullUrl"`
		Resource json.RawMessage `json:"resource"`
	} `json:"entry"`
}

// search runs a FHIR search and follows its next links to the end: the
// returned Bundle holds every page's entries, and each page is checked
// (searchset, self link first, total present and the same on every page).
func search(t *testing.T, c *testenv.Client, v *fhirvalidate.Collector, path string) bundle {
	t.Helper()
	var all bundle
	first := path
	for page := 0; path != ""; page++ {
		r := c.Do("GET", path, nil, fhirHeader)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
			t.Fatalf("GET %s: content type %q", path, ct)
		}
		v.Add("search "+path, r.Body)
		var b bundle
		if err := json.Unmarshal(r.Body, &b); err != nil {
			t.Fatal(err)
		}
		if b.ResourceType != "Bundle" || b.Type != "searchset" || len(b.Link) == 0 || b.Link[0].Relation != "self" || !strings.Contains(string(r.Body), `"total":`) {
			t.Fatalf("GET %s: not a searchset with total and self link: %s", path, r.Body)
		}
		if page == 0 {
			all = b
			all.Entry = nil
		} else if b.Total != all.Total {
			t.Fatalf("GET %s: total %d on page %d, %d on the first", path, b.Total, page, all.Total)
		}
		all.Entry = append(all.Entry, b.Entry...)
		path = ""
		for _, l := range b.Link {
			if l.Relation == "next" {
				u, err := url.Parse(l.URL)
				if err != nil {
					t.Fatal(err)
				}
				path = u.RequestURI()
			}
		}
		if page > 1000 {
			t.Fatalf("GET %s: no end to the next links", path)
		}
	}
	if all.Total != len(all.Entry) {
		t.Fatalf("GET %s: total %d, %d entries over all pages", first, all.Total, len(all.Entry))
	}
	return all
}

// The FHIR face end to end on realistic resources from other systems;
// everything the service emits is checked against the R4 JSON schema.
func TestFHIRPatientsOrdersAndTheirErrors(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{})
			v := fhirvalidate.New(t)
			anon, charge, ph, nurse, admin := env.Anonymous(t), env.Login(t, "charge"), env.Login(t, "pharmacist"), env.Login(t, "nurse"), env.Login(t, "admin")

			md := anon.Do("GET", "/fhir/metadata", nil, nil)
			if md.Status != http.StatusOK || !strings.Contains(string(md.Body), `"fhirVersion":"4.0.1"`) {
				t.Fatalf("metadata: %d %s", md.Status, md.Body)
			}
			v.Add("metadata", md.Body)
			if r := anon.Do("GET", "/fhir/Patient", nil, nil); r.Status != http.StatusUnauthorized {
				t.Fatalf("anonymous search: %d", r.Status)
			} else {
				v.Add("401", r.Body)
			}

			// Patient: create from HL7's example, read, search.
			r := charge.Do("POST", "/fhir/Patient", fixtureFHIR(t, "patient-example.json", nil), fhirHeader)
			if r.Status != http.StatusCreated || r.Header.Get("Location") == "" {
				t.Fatalf("create patient: %d %s", r.Status, r.Body)
			}
			v.Add("patient created", r.Body)
			var pat struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(r.Body, &pat)
			if r := charge.Do("POST", "/fhir/Patient", fixtureFHIR(t, "patient-example.json", nil), fhirHeader); r.Status != http.StatusConflict {
				t.Fatalf("second create of an admitted MRN: %d %s", r.Status, r.Body)
			} else {
				v.Add("409", r.Body)
			}
			noUnit := bytes.Replace(fixtureFHIR(t, "patient-example.json", nil), []byte(`"value": "12345"`), []byte(`"value": "99999"`), 1)
			noUnit = bytes.Replace(noUnit, []byte(`"https://emar-project.github.io/fhir/StructureDefinition/unit"`), []byte(`"http://example.org/other"`), 1)
			r = charge.Do("POST", "/fhir/Patient", noUnit, fhirHeader)
			if r.Status != http.StatusBadRequest || decodeOutcome(t, r).Issue[0].Expression[0] != "Patient.extension" {
				t.Fatalf("patient without a unit: %d %s", r.Status, r.Body)
			}
			if r := ph.Do("GET", "/fhir/Patient/"+pat.ID, nil, fhirHeader); r.Status != http.StatusOK {
				t.Fatalf("read patient: %d", r.Status)
			} else {
				v.Add("patient", r.Body)
			}
			if b := search(t, ph, v, "/fhir/Patient?identifier=12345"); b.Total != 1 {
				t.Fatalf("search by MRN: %d", b.Total)
			}
			if b := search(t, ph, v, "/fhir/Patient?family=chal&birthdate=1974-12-25"); b.Total != 1 {
				t.Fatalf("search by family and birthdate: %d", b.Total)
			}
			if b := search(t, ph, v, "/fhir/Patient?birthdate=lt1930"); b.Total != 0 {
				t.Fatalf("search by birthdate lt1930: %d", b.Total)
			}

			// Medication: the catalogue; an RxNorm code for acetaminophen.
			meds := search(t, ph, v, "/fhir/Medication")
			if meds.Total < 40 {
				t.Fatalf("medications: %d", meds.Total)
			}
			var ps productsList
			ph.JSON("GET", "/api/v1/products", nil, &ps)
			metoprolol := ""
			var metoprololNDC string
			for _, p := range ps.Items {
				if strings.HasPrefix(p.Name, "Metoprolol tartrate 25") {
					metoprolol = p.ID
				}
			}
			var full struct {
				Items []struct {
					ID       string `json:"id"`
					Packages []struct {
						NDC string `json:"ndc"`
					} `json:"packages"`
				} `json:"items"`
			}
			ph.JSON("GET", "/api/v1/products", nil, &full)
			for _, p := range full.Items {
				if p.ID == metoprolol {
					metoprololNDC = p.Packages[0].NDC
				}
			}
			if st := ph.JSON("POST", "/api/v1/products/"+productID(t, ph, "Acetaminophen 500")+"/codes", map[string]string{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "198440"}, nil); st != http.StatusCreated {
				t.Fatalf("add RxNorm code: %d", st)
			}
			if b := search(t, ph, v, "/fhir/Medication?code=198440"); b.Total != 1 {
				t.Fatalf("medication by RxNorm: %d", b.Total)
			}

			// MedicationRequest: three senders' styles.
			vars := map[string]string{"PATIENT": pat.ID, "NDC": metoprololNDC, "DATE": env.Clock.Now().Format("2006-01-02"),
				"START": env.Clock.Now().Format(time.RFC3339)}
			created := map[string]string{}
			for _, f := range []string{"medicationrequest-contained-ndc.json", "medicationrequest-rxnorm-prn.json", "medicationrequest-cerner-style.json"} {
				r := charge.Do("POST", "/fhir/MedicationRequest", fixtureFHIR(t, f, vars), fhirHeader)
				if r.Status != http.StatusCreated {
					t.Fatalf("%s: %d %s", f, r.Status, r.Body)
				}
				v.Add(f, r.Body)
				var mr struct {
					ID     string `json:"id"`
					Status string `json:"status"`
				}
				_ = json.Unmarshal(r.Body, &mr)
				if mr.Status != "draft" {
					t.Errorf("%s: an order from outside is %q, want draft (pending verification)", f, mr.Status)
				}
				created[f] = mr.ID
			}
			var ord struct {
				Frequency string  `json:"frequency"`
				DoseValue float64 `json:"dose_value"`
				DoseUnit  string  `json:"dose_unit"`
				PRN       bool    `json:"prn"`
				PRNReason string  `json:"prn_reason"`
				Route     string  `json:"route"`
			}
			var list struct {
				Items []struct {
					ID        string  `json:"id"`
					Frequency string  `json:"frequency"`
					DoseValue float64 `json:"dose_value"`
					DoseUnit  string  `json:"dose_unit"`
					PRN       bool    `json:"prn"`
					PRNReason string  `json:"prn_reason"`
					Route     string  `json:"route"`
				} `json:"items"`
			}
			ph.JSON("GET", "/api/v1/residents/"+pat.ID+"/orders", nil, &list)
			want := map[string]string{
				created["medicationrequest-contained-ndc.json"]: "BID|25|mg|false|oral",
				created["medicationrequest-rxnorm-prn.json"]:    "every 6 hours|500|mg|true|oral",
				created["medicationrequest-cerner-style.json"]:  "08:00|1|tablet|false|oral",
			}
			for _, o := range list.Items {
				ord.Frequency, ord.DoseValue, ord.DoseUnit, ord.PRN, ord.Route = o.Frequency, o.DoseValue, o.DoseUnit, o.PRN, o.Route
				w := strings.Split(want[o.ID], "|")
				if len(w) < 5 || !strings.Contains(o.Frequency, w[0]) || jsonNum(o.DoseValue) != w[1] || o.DoseUnit != w[2] || jsonBool(o.PRN) != w[3] || o.Route != w[4] {
					t.Errorf("order %s: %+v, want %v", o.ID, ord, w)
				}
			}
			if b := search(t, ph, v, "/fhir/MedicationRequest?patient=Patient/"+pat.ID+"&status=draft&intent=order"); b.Total != 3 {
				t.Fatalf("search drafts: %d", b.Total)
			}
			if b := search(t, nurse, v, "/fhir/MedicationRequest?patient="+pat.ID+"&status=active"); b.Total != 0 {
				t.Fatalf("search active: %d", b.Total)
			}

			// Verify, then hold through FHIR: status on-hold holds the order.
			id := created["medicationrequest-contained-ndc.json"]
			if st := ph.JSON("POST", "/api/v1/orders/"+id+"/verify", nil, nil); st != http.StatusOK {
				t.Fatalf("verify: %d", st)
			}
			held := bytes.Replace(fixtureFHIR(t, "medicationrequest-contained-ndc.json", vars), []byte(`"status": "active"`), []byte(`"status": "on-hold"`), 1)
			held = bytes.Replace(held, []byte(`"id": "medrx0301"`), []byte(`"id": "`+id+`"`), 1)
			r = ph.Do("PUT", "/fhir/MedicationRequest/"+id, held, fhirHeader)
			if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"status":"on-hold"`) {
				t.Fatalf("hold through FHIR: %d %s", r.Status, r.Body)
			}
			v.Add("held", r.Body)

			// Refusals name the element.
			tests := []struct {
				name   string
				body   []byte
				status int
				expr   string
			}{
				{"modifier extension", bytes.Replace(fixtureFHIR(t, "medicationrequest-rxnorm-prn.json", vars), []byte(`"status": "active"`), []byte(`"modifierExtension": [{"url": "http://example.org/x", "valueBoolean": true}], "status": "active"`), 1), 422, "MedicationRequest.modifierExtension"},
				{"proposal", bytes.Replace(fixtureFHIR(t, "medicationrequest-rxnorm-prn.json", vars), []byte(`"intent": "order"`), []byte(`"intent": "proposal"`), 1), 422, "MedicationRequest.intent"},
				{"unknown patient", fixtureFHIR(t, "medicationrequest-rxnorm-prn.json", map[string]string{"PATIENT": "pat1", "DATE": vars["DATE"]}), 422, "MedicationRequest.subject"},
				{"unknown drug", bytes.Replace(fixtureFHIR(t, "medicationrequest-rxnorm-prn.json", vars), []byte(`"198440"`), []byte(`"1049221"`), 1), 422, "MedicationRequest.medication"},
				{"two dosage instructions without a sequence (a split dose)", bytes.Replace(fixtureFHIR(t, "medicationrequest-cerner-style.json", vars), []byte(`"dosageInstruction": [`), []byte(`"dosageInstruction": [{"text": "first"},`), 1), 422, "MedicationRequest.dosageInstruction[0].sequence"},
				{"unreadable timing", bytes.Replace(fixtureFHIR(t, "medicationrequest-cerner-style.json", vars), []byte(`"frequency": 2,`), []byte(`"frequency": 2, "countMax": 3,`), 1), 422, "MedicationRequest.dosageInstruction[0].timing.repeat.countMax"},
				{"infusion rate", bytes.Replace(fixtureFHIR(t, "medicationrequest-cerner-style.json", vars), []byte(`"doseQuantity": {"value": 1, "unit": "tab", "system": "http://unitsofmeasure.org", "code": "{tbl}"}`), []byte(`"rateQuantity": {"value": 125, "unit": "mL/h"}`), 1), 422, "MedicationRequest.dosageInstruction[0].doseAndRate[0].rate[x]"},
				{"wrong resource type", fixtureFHIR(t, "patient-example.json", nil), 400, "MedicationRequest.resourceType"},
				{"malformed JSON", []byte(`{"resourceType": "MedicationRequest",`), 400, "MedicationRequest"},
			}
			for _, tt := range tests {
				r := charge.Do("POST", "/fhir/MedicationRequest", tt.body, fhirHeader)
				if r.Status != tt.status {
					t.Errorf("%s: %d, want %d: %s", tt.name, r.Status, tt.status, r.Body)
					continue
				}
				o := decodeOutcome(t, r)
				if len(o.Issue[0].Expression) == 0 || o.Issue[0].Expression[0] != tt.expr {
					t.Errorf("%s: expression %v, want %s (%s)", tt.name, o.Issue[0].Expression, tt.expr, o.Issue[0].Diagnostics)
				}
				v.Add("refusal "+tt.name, r.Body)
			}
			big := append([]byte(`{"resourceType":"MedicationRequest","note":[{"text":"`), bytes.Repeat([]byte("x"), 2<<20)...)
			if r := charge.Do("POST", "/fhir/MedicationRequest", append(big, []byte(`"}]}`)...), fhirHeader); r.Status != http.StatusRequestEntityTooLarge {
				t.Errorf("oversized: %d", r.Status)
			} else {
				v.Add("413", r.Body)
			}
			if r := ph.Do("GET", "/fhir/MedicationRequest/01a0c5a3-0000-7000-8000-000000000000", nil, fhirHeader); r.Status != http.StatusNotFound {
				t.Errorf("unknown id: %d", r.Status)
			} else {
				v.Add("404", r.Body)
			}
			if r := nurse.Do("POST", "/fhir/MedicationRequest", fixtureFHIR(t, "medicationrequest-rxnorm-prn.json", vars), fhirHeader); r.Status != http.StatusForbidden {
				t.Errorf("nurse writes an order: %d", r.Status)
			} else {
				v.Add("403", r.Body)
			}

			// Dispense and audit trail.
			if st := ph.JSON("POST", "/api/v1/dispenses", map[string]any{"order_id": id, "quantity": 14, "lot": "MT-2291", "expiry": env.Clock.Now().AddDate(1, 0, 0).Format("2006-01-02")}, nil); st != http.StatusCreated {
				t.Fatalf("dispense: %d", st)
			}
			if b := search(t, ph, v, "/fhir/MedicationDispense?patient="+pat.ID); b.Total != 1 {
				t.Fatalf("dispenses: %d", b.Total)
			}
			from := env.Clock.Now().Add(-time.Hour).Format(time.RFC3339)
			if b := search(t, admin, v, "/fhir/AuditEvent?patient="+pat.ID+"&date=ge"+from); b.Total < 5 {
				t.Fatalf("audit events: %d", b.Total)
			}
			if r := ph.Do("GET", "/fhir/AuditEvent", nil, fhirHeader); r.Status != http.StatusForbidden {
				t.Errorf("pharmacist reads the audit trail: %d", r.Status)
			}
			search(t, ph, v, "/fhir/MedicationAdministration?patient="+pat.ID+"&effective-time=ge2020-01-01&status=completed")
			v.Validate(t)
		})
	}
}

func jsonNum(f float64) string { b, _ := json.Marshal(f); return string(b) }
func jsonBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
