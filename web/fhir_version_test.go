package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/fhirvalidate"
	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar/store/storetest"
)

type versioned struct {
	ID   string `json:"id"`
	Meta struct {
		VersionID   string `json:"versionId"`
		LastUpdated string `json:"lastUpdated"`
	} `json:"meta"`
	Name []struct {
		Family string `json:"family"`
	} `json:"name"`
	Status string `json:"status"`
}

func readVersioned(t *testing.T, r testenv.Response) versioned {
	t.Helper()
	var v versioned
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatal(err)
	}
	if v.Meta.VersionID == "" || v.Meta.LastUpdated == "" {
		t.Fatalf("no meta.versionId and meta.lastUpdated: %s", r.Body)
	}
	if _, err := time.Parse(time.RFC3339Nano, v.Meta.LastUpdated); err != nil {
		t.Fatalf("lastUpdated %q: %v", v.Meta.LastUpdated, err)
	}
	if et := r.Header.Get("ETag"); et != `W/"`+v.Meta.VersionID+`"` {
		t.Fatalf("ETag %q for version %s", et, v.Meta.VersionID)
	}
	return v
}

func withHeader(extra map[string]string) map[string]string {
	h := map[string]string{}
	for k, v := range fhirHeader {
		h[k] = v
	}
	for k, v := range extra {
		h[k] = v
	}
	return h
}

func renamed(b []byte, family string) []byte {
	return bytes.Replace(b, []byte(`{"use": "official", "family": "Chalmers"`), []byte(`{"use": "official", "family": "`+family+`"`), 1)
}

// Patient and MedicationRequest carry meta.versionId and lastUpdated and
// a weak ETag; an update with If-Match on an older version is refused
// with 412 and changes nothing (of two concurrent updates against the
// same version exactly one wins, on PostgreSQL too); If-None-Exist makes
// a create conditional (one match: 200 with it; several: 412). Every
// other resource the service emits carries meta as well. Over HTTP.
func TestFHIRVersionsAndConditionalWrites(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{})
			v := fhirvalidate.New(t)
			charge, ph := env.Login(t, "charge"), env.Login(t, "pharmacist")
			patient := fixtureFHIR(t, "patient-example.json", nil)

			r := charge.Do("POST", "/fhir/Patient", patient, fhirHeader)
			if r.Status != http.StatusCreated {
				t.Fatalf("create: %d %s", r.Status, r.Body)
			}
			p1 := readVersioned(t, r)
			v.Add("created", r.Body)
			if p1.Meta.VersionID != "1" {
				t.Fatalf("a new Patient is version %q, want 1", p1.Meta.VersionID)
			}
			r = ph.Do("GET", "/fhir/Patient/"+p1.ID, nil, fhirHeader)
			if got := readVersioned(t, r); got.Meta.VersionID != "1" {
				t.Fatalf("read: version %s", got.Meta.VersionID)
			}
			body := func(family string) []byte {
				return bytes.Replace(renamed(patient, family), []byte(`"id": "example"`), []byte(`"id": "`+p1.ID+`"`), 1)
			}

			t.Run("an update against the current version raises it", func(t *testing.T) {
				r := charge.Do("PUT", "/fhir/Patient/"+p1.ID, body("Chalmers-Smith"), withHeader(map[string]string{"If-Match": `W/"1"`}))
				if r.Status != http.StatusOK {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
				got := readVersioned(t, r)
				if got.Meta.VersionID != "2" || got.Name[0].Family != "Chalmers-Smith" {
					t.Fatalf("version %s, family %s", got.Meta.VersionID, got.Name[0].Family)
				}
				v.Add("updated", r.Body)
			})
			t.Run("a stale If-Match is refused with 412 and changes nothing", func(t *testing.T) {
				for _, etag := range []string{`W/"1"`, `"1"`, `W/"99"`, `W/"abc"`} {
					r := charge.Do("PUT", "/fhir/Patient/"+p1.ID, body("Lost"), withHeader(map[string]string{"If-Match": etag}))
					if r.Status != http.StatusPreconditionFailed {
						t.Fatalf("If-Match %s: %d %s", etag, r.Status, r.Body)
					}
					if o := decodeOutcome(t, r); o.Issue[0].Code != "conflict" {
						t.Fatalf("If-Match %s: %+v", etag, o.Issue[0])
					}
					v.Add("412 "+etag, r.Body)
				}
				got := readVersioned(t, ph.Do("GET", "/fhir/Patient/"+p1.ID, nil, fhirHeader))
				if got.Meta.VersionID != "2" || got.Name[0].Family != "Chalmers-Smith" {
					t.Fatalf("after refused updates: version %s, family %s", got.Meta.VersionID, got.Name[0].Family)
				}
			})
			t.Run("of two concurrent updates against one version exactly one wins", func(t *testing.T) {
				for round := 0; round < 3; round++ {
					cur := readVersioned(t, ph.Do("GET", "/fhir/Patient/"+p1.ID, nil, fhirHeader))
					names := []string{"Alpha", "Beta"}
					status := make([]int, 2)
					var wg sync.WaitGroup
					start := make(chan struct{})
					for i := range names {
						wg.Add(1)
						go func(i int) {
							defer wg.Done()
							<-start
							status[i] = charge.Do("PUT", "/fhir/Patient/"+p1.ID, body(names[i]), withHeader(map[string]string{"If-Match": `W/"` + cur.Meta.VersionID + `"`})).Status
						}(i)
					}
					close(start)
					wg.Wait()
					won := -1
					for i, st := range status {
						switch st {
						case http.StatusOK:
							if won >= 0 {
								t.Fatalf("round %d: both updates applied against version %s", round, cur.Meta.VersionID)
							}
							won = i
						case http.StatusPreconditionFailed:
						default:
							t.Fatalf("round %d: status %v", round, status)
						}
					}
					if won < 0 {
						t.Fatalf("round %d: neither update applied: %v", round, status)
					}
					got := readVersioned(t, ph.Do("GET", "/fhir/Patient/"+p1.ID, nil, fhirHeader))
					if got.Name[0].Family != names[won] || got.Meta.VersionID == cur.Meta.VersionID {
						t.Fatalf("round %d: %s won, the record says %s at version %s", round, names[won], got.Name[0].Family, got.Meta.VersionID)
					}
				}
			})
			t.Run("If-None-Exist creates once", func(t *testing.T) {
				cond := "identifier=" + url.QueryEscape("urn:oid:1.2.36.146.595.217.0.1|12345")
				r := charge.Do("POST", "/fhir/Patient", patient, withHeader(map[string]string{"If-None-Exist": cond}))
				if r.Status != http.StatusOK || readVersioned(t, r).ID != p1.ID {
					t.Fatalf("existing match: %d %s", r.Status, r.Body)
				}
				other := bytes.Replace(patient, []byte(`"system": "urn:oid:1.2.36.146.595.217.0.1"`), []byte(`"system": "urn:oid:1.2.36.146.595.217.0.2"`), 1)
				r = charge.Do("POST", "/fhir/Patient", other, withHeader(map[string]string{"If-None-Exist": "identifier=" + url.QueryEscape("urn:oid:1.2.36.146.595.217.0.2|12345")}))
				if r.Status != http.StatusCreated || readVersioned(t, r).ID == p1.ID {
					t.Fatalf("no match: %d %s", r.Status, r.Body)
				}
				r = charge.Do("POST", "/fhir/Patient", patient, withHeader(map[string]string{"If-None-Exist": "identifier=12345"}))
				if r.Status != http.StatusPreconditionFailed {
					t.Fatalf("two matches (one value under two systems): %d %s", r.Status, r.Body)
				}
				v.Add("412 several", r.Body)
				r = charge.Do("POST", "/fhir/Patient", patient, withHeader(map[string]string{"If-None-Exist": "name=Chalmers"}))
				if r.Status != http.StatusUnprocessableEntity {
					t.Fatalf("unsupported parameter: %d %s", r.Status, r.Body)
				}
			})

			t.Run("orders are versioned the same way", func(t *testing.T) {
				vars := map[string]string{"PATIENT": p1.ID, "DATE": env.Clock.Now().Format("2006-01-02")}
				order := fixtureFHIR(t, "medicationrequest-rxnorm-prn.json", vars)
				if st := ph.JSON("POST", "/api/v1/products/"+productID(t, ph, "Acetaminophen 500")+"/codes", map[string]string{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "198440"}, nil); st != http.StatusCreated {
					t.Fatalf("add RxNorm code: %d", st)
				}
				cond := map[string]string{"If-None-Exist": "identifier=" + url.QueryEscape("urn:oid:1.2.840.114350.1.13.0.1.7.2.798268|994847")}
				r := charge.Do("POST", "/fhir/MedicationRequest", order, withHeader(cond))
				if r.Status != http.StatusCreated {
					t.Fatalf("create: %d %s", r.Status, r.Body)
				}
				o1 := readVersioned(t, r)
				if o1.Meta.VersionID != "1" {
					t.Fatalf("a new order is version %s", o1.Meta.VersionID)
				}
				v.Add("order", r.Body)
				r = charge.Do("POST", "/fhir/MedicationRequest", order, withHeader(cond))
				if r.Status != http.StatusOK || readVersioned(t, r).ID != o1.ID {
					t.Fatalf("conditional create again: %d %s", r.Status, r.Body)
				}
				if st := ph.JSON("POST", "/api/v1/orders/"+o1.ID+"/verify", nil, nil); st != http.StatusOK {
					t.Fatalf("verify: %d", st)
				}
				cur := readVersioned(t, ph.Do("GET", "/fhir/MedicationRequest/"+o1.ID, nil, fhirHeader))
				if cur.Meta.VersionID == "1" || cur.Status != "active" {
					t.Fatalf("verification did not raise the version: %s %s", cur.Meta.VersionID, cur.Status)
				}
				held := bytes.Replace(order, []byte(`"status": "active"`), []byte(`"status": "on-hold"`), 1)
				r = ph.Do("PUT", "/fhir/MedicationRequest/"+o1.ID, held, withHeader(map[string]string{"If-Match": `W/"1"`}))
				if r.Status != http.StatusPreconditionFailed {
					t.Fatalf("hold against version 1: %d %s", r.Status, r.Body)
				}
				v.Add("412 order", r.Body)
				r = ph.Do("PUT", "/fhir/MedicationRequest/"+o1.ID, held, withHeader(map[string]string{"If-Match": `W/"` + cur.Meta.VersionID + `"`}))
				if r.Status != http.StatusOK {
					t.Fatalf("hold against the current version: %d %s", r.Status, r.Body)
				}
				if got := readVersioned(t, r); got.Status != "on-hold" || got.Meta.VersionID == cur.Meta.VersionID {
					t.Fatalf("held: %s at version %s", got.Status, got.Meta.VersionID)
				}
			})

			t.Run("every resource emitted carries meta", func(t *testing.T) {
				admin := env.Login(t, "admin")
				// Searching the audit trail adds to it: the search is bounded
				// to what was recorded before it.
				env.Clock.Advance(time.Second)
				before := url.QueryEscape(env.Clock.Now().Format(time.RFC3339))
				for _, typ := range []string{"Patient?", "MedicationRequest?", "Medication?", "AuditEvent?date=lt" + before} {
					client := ph
					if strings.HasPrefix(typ, "AuditEvent") {
						client = admin
					}
					b := search(t, client, v, "/fhir/"+typ+"&_count=20")
					if len(b.Entry) == 0 {
						t.Fatalf("no %s", typ)
					}
					for _, e := range b.Entry {
						var m versioned
						_ = json.Unmarshal(e.Resource, &m)
						if m.Meta.VersionID == "" || (typ != "Medication?" && m.Meta.LastUpdated == "") {
							t.Fatalf("%s without meta: %s", typ, e.Resource)
						}
					}
					first := b.Entry[0]
					path := first.FullURL[strings.Index(first.FullURL, "/fhir/"):]
					r := client.Do("GET", path, nil, fhirHeader)
					var m versioned
					_ = json.Unmarshal(r.Body, &m)
					if r.Status != http.StatusOK || r.Header.Get("ETag") != `W/"`+m.Meta.VersionID+`"` {
						t.Fatalf("read %s: %d, ETag %q", path, r.Status, r.Header.Get("ETag"))
					}
				}
			})
			v.Validate(t)
		})
	}
}
