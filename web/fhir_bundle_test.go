package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/emar-project/emar/internal/fhirvalidate"
	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar/store/storetest"
)

type responseBundle struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Entry        []struct {
		Resource json.RawMessage `json:"resource"`
		Response struct {
			Status   string          `json:"status"`
			Location string          `json:"location"`
			Etag     string          `json:"etag"`
			Outcome  json.RawMessage `json:"outcome"`
		} `json:"response"`
	} `json:"entry"`
}

// POST /fhir takes a transaction Bundle for order intake: a new Patient
// and MedicationRequests naming it by urn:uuid are applied in one
// database transaction (all or nothing: a bad order leaves no patient
// behind), answered by a transaction-response with each entry's status,
// location and ETag. A batch applies each entry on its own. Over HTTP.
func TestFHIRTransactionBundle(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{})
			v := fhirvalidate.New(t)
			charge, ph := env.Login(t, "charge"), env.Login(t, "pharmacist")
			if st := ph.JSON("POST", "/api/v1/products/"+productID(t, ph, "Acetaminophen 500")+"/codes", map[string]string{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "198440"}, nil); st != http.StatusCreated {
				t.Fatalf("add RxNorm code: %d", st)
			}
			vars := map[string]string{"DATE": env.Clock.Now().Format("2006-01-02")}
			patient := func(mrn string) []byte {
				return bytes.Replace(fixtureFHIR(t, "patient-example.json", nil), []byte(`"value": "12345"`), []byte(`"value": "`+mrn+`"`), 1)
			}
			order := func(subject, number string) []byte {
				b := bytes.Replace(fixtureFHIR(t, "medicationrequest-rxnorm-prn.json", vars), []byte(`"Patient/{{PATIENT}}"`), []byte(`"`+subject+`"`), 1)
				return bytes.Replace(b, []byte(`"value": "994847"`), []byte(`"value": "`+number+`"`), 1)
			}
			entry := func(fullURL, typ string, res []byte) string {
				return `{"fullUrl": "` + fullURL + `", "resource": ` + string(res) + `, "request": {"method": "POST", "url": "` + typ + `"}}`
			}
			makeBundle := func(typ string, entries ...string) []byte {
				return []byte(`{"resourceType": "Bundle", "type": "` + typ + `", "entry": [` + strings.Join(entries, ",") + `]}`)
			}
			const pat = "urn:uuid:8b1f5c2e-3f5d-4c1e-9a63-0c8a1d2b3e4f"
			residents := func(mrn string) int {
				r := ph.Do("GET", "/fhir/Patient?identifier="+url.QueryEscape("urn:oid:1.2.36.146.595.217.0.1|"+mrn), nil, fhirHeader)
				var b bundle
				_ = json.Unmarshal(r.Body, &b)
				return b.Total
			}

			t.Run("a patient and two orders in one transaction", func(t *testing.T) {
				r := charge.Do("POST", "/fhir", makeBundle("transaction", entry(pat, "Patient", patient("T-1")),
					entry("urn:uuid:1d0e0b8c-41f2-4d6a-b3c1-7e0f9a5b2c10", "MedicationRequest", order(pat, "ORD-1")),
					entry("urn:uuid:2d0e0b8c-41f2-4d6a-b3c1-7e0f9a5b2c11", "MedicationRequest", order(pat, "ORD-2"))), fhirHeader)
				if r.Status != http.StatusOK {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
				v.Add("transaction-response", r.Body)
				var rb responseBundle
				_ = json.Unmarshal(r.Body, &rb)
				if rb.Type != "transaction-response" || len(rb.Entry) != 3 {
					t.Fatalf("%s", r.Body)
				}
				for i, e := range rb.Entry {
					want := []string{"Patient/", "MedicationRequest/", "MedicationRequest/"}[i]
					if e.Response.Status != "201 Created" || !strings.HasPrefix(e.Response.Location, want) || e.Response.Etag != `W/"1"` {
						t.Fatalf("entry %d: %+v", i, e.Response)
					}
				}
				patientID := strings.TrimPrefix(rb.Entry[0].Response.Location, "Patient/")
				for _, e := range rb.Entry[1:] {
					var mr struct {
						Subject struct {
							Reference string `json:"reference"`
						} `json:"subject"`
					}
					_ = json.Unmarshal(e.Resource, &mr)
					if mr.Subject.Reference != "Patient/"+patientID {
						t.Fatalf("order for %s, want Patient/%s", mr.Subject.Reference, patientID)
					}
				}
				if b := search(t, ph, v, "/fhir/MedicationRequest?patient="+patientID); b.Total != 2 {
					t.Fatalf("orders of the new patient: %d", b.Total)
				}
			})

			t.Run("one bad entry and nothing is applied", func(t *testing.T) {
				bad := bytes.Replace(order(pat, "ORD-3"), []byte(`"198440"`), []byte(`"1049221"`), 1)
				r := charge.Do("POST", "/fhir", makeBundle("transaction", entry(pat, "Patient", patient("T-2")),
					entry("urn:uuid:3d0e0b8c-41f2-4d6a-b3c1-7e0f9a5b2c12", "MedicationRequest", order(pat, "ORD-4")),
					entry("urn:uuid:4d0e0b8c-41f2-4d6a-b3c1-7e0f9a5b2c13", "MedicationRequest", bad)), fhirHeader)
				if r.Status != http.StatusUnprocessableEntity {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
				o := decodeOutcome(t, r)
				if len(o.Issue[0].Expression) == 0 || !strings.HasPrefix(o.Issue[0].Expression[0], "Bundle.entry[2].resource") {
					t.Fatalf("%+v", o.Issue[0])
				}
				v.Add("transaction refused", r.Body)
				if n := residents("T-2"); n != 0 {
					t.Fatalf("the Bundle's patient was admitted although its order was refused (%d)", n)
				}
				r = charge.Do("POST", "/fhir", makeBundle("transaction", entry("urn:uuid:5d0e0b8c-41f2-4d6a-b3c1-7e0f9a5b2c14", "MedicationRequest", order("urn:uuid:0000dead-0000-4000-8000-000000000000", "ORD-5"))), fhirHeader)
				if r.Status != http.StatusUnprocessableEntity {
					t.Fatalf("reference to no entry: %d %s", r.Status, r.Body)
				}
			})

			t.Run("a batch applies each entry on its own", func(t *testing.T) {
				bad := bytes.Replace(patient("B-2"), []byte(`"birthDate": "1974-12-25",`), []byte(``), 1)
				r := charge.Do("POST", "/fhir", makeBundle("batch", entry("urn:uuid:6d0e0b8c-41f2-4d6a-b3c1-7e0f9a5b2c15", "Patient", patient("B-1")),
					entry("urn:uuid:7d0e0b8c-41f2-4d6a-b3c1-7e0f9a5b2c16", "Patient", bad)), fhirHeader)
				if r.Status != http.StatusOK {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
				v.Add("batch-response", r.Body)
				var rb responseBundle
				_ = json.Unmarshal(r.Body, &rb)
				if rb.Type != "batch-response" || len(rb.Entry) != 2 || rb.Entry[0].Response.Status != "201 Created" || !strings.HasPrefix(rb.Entry[1].Response.Status, "400") || len(rb.Entry[1].Response.Outcome) == 0 {
					t.Fatalf("%s", r.Body)
				}
				if residents("B-1") != 1 || residents("B-2") != 0 {
					t.Fatalf("batch: B-1 %d, B-2 %d", residents("B-1"), residents("B-2"))
				}
			})

			for _, tc := range []struct {
				name   string
				body   []byte
				status int
			}{
				{"not a Bundle", patient("X-1"), http.StatusBadRequest},
				{"a collection", makeBundle("collection", entry(pat, "Patient", patient("X-2"))), http.StatusUnprocessableEntity},
				{"an entry that is not a create", []byte(strings.Replace(string(makeBundle("transaction", entry(pat, "Patient", patient("X-3")))), `"method": "POST"`, `"method": "DELETE"`, 1)), http.StatusUnprocessableEntity},
				{"a resource type not taken", makeBundle("transaction", entry(pat, "Observation", []byte(`{"resourceType": "Observation", "status": "final", "code": {"text": "x"}}`))), http.StatusUnprocessableEntity},
			} {
				t.Run("refuses "+tc.name, func(t *testing.T) {
					r := charge.Do("POST", "/fhir", tc.body, fhirHeader)
					if r.Status != tc.status {
						t.Fatalf("%d %s", r.Status, r.Body)
					}
					decodeOutcome(t, r)
					v.Add(tc.name, r.Body)
				})
			}
			if r := ph.Do("POST", "/fhir", makeBundle("transaction", entry(pat, "Patient", patient("X-4"))), fhirHeader); r.Status != http.StatusForbidden {
				t.Fatalf("a pharmacist admits through a Bundle: %d %s", r.Status, r.Body)
			}
			v.Validate(t)
		})
	}
}
