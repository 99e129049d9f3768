package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/fhirvalidate"
	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/hl7"
	"github.com/emar-project/emar/mar/hl7map"
	"github.com/emar-project/emar/mar/store/storetest"
)

// mllpPeer starts the service's HL7 listener on a loopback port and
// returns a client connected to it.
func mllpPeer(t *testing.T, env *testenv.Env) *hl7.Client {
	t.Helper()
	h := &hl7map.Handler{Svc: env.Svc, Channel: "hl7", Application: "EMAR", Facility: "RIVERSIDE"}
	srv := &hl7.Server{Handler: h.Serve, Now: env.Clock.Now}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go func() { _ = srv.Serve(ctx, ln) }()
	c := &hl7.Client{Addr: ln.Addr().String(), Timeout: 10 * time.Second}
	t.Cleanup(func() { c.Close() })
	return c
}

// Identifiers are (system, value) pairs: the same MRN from two assigning
// authorities is two patients, a search under another system finds
// nobody, and a message that matches on the value but not the system is
// refused, never merged. Over real MLLP and real HTTP.
func TestPatientIdentityIsSystemAndValue(t *testing.T) {
	const (
		hosp  = "urn:oid:2.16.840.1.113883.19.5"
		other = "http://other-hospital.example/mrn"
	)
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{Now: time.Date(2026, 3, 14, 13, 0, 0, 0, time.UTC)})
			env.Svc.Config.Identifiers = mar.IdentifierConfig{Authorities: map[string]string{"HOSP": hosp, "OTHER": other}}
			client := mllpPeer(t, env)
			v := fhirvalidate.New(t)
			charge := env.Login(t, "charge")
			ctx := context.Background()

			send := func(t *testing.T, msg string) *hl7.Message {
				t.Helper()
				ack, err := client.Send(ctx, []byte(strings.ReplaceAll(msg, "\n", "\r")))
				var nak *hl7.NAKError
				if err != nil && !errors.As(err, &nak) {
					t.Fatalf("send: %v", err)
				}
				return ack
			}
			adt := func(ctl, event, pid3, name string) string {
				return "MSH|^~\\&|ADT|HOSP|EMAR|RIVERSIDE|20260314083000-0400||ADT^" + event + "^ADT_A01|" + ctl + "|P|2.5.1\n" +
					"EVN|" + event + "|20260314083000-0400\n" +
					"PID|1||" + pid3 + "||" + name + "||19400101|F\n" +
					"PV1|1|I|MAPLE^110^A\n"
			}
			searchIDs := func(t *testing.T, token string) []string {
				t.Helper()
				b := search(t, charge, v, "/fhir/Patient?identifier="+url.QueryEscape(token))
				var ids []string
				for _, e := range b.Entry {
					var p struct {
						ID string `json:"id"`
					}
					_ = json.Unmarshal(e.Resource, &p)
					ids = append(ids, p.ID)
				}
				return ids
			}

			if ack := send(t, adt("ID-1", "A01", "12345^^^HOSP^MR", "Hosp^Hanna")); ack.Get("MSA-1") != "AA" {
				t.Fatalf("A01 from HOSP: %q", ack.Encode())
			}
			hospIDs := searchIDs(t, hosp+"|12345")
			if len(hospIDs) != 1 {
				t.Fatalf("search under HOSP's system found %d patients", len(hospIDs))
			}
			t.Run("a search under another system does not find the patient", func(t *testing.T) {
				for _, token := range []string{other + "|12345", mar.DefaultMRNSystem + "|12345", "|12345"} {
					if ids := searchIDs(t, token); len(ids) != 0 {
						t.Errorf("identifier=%s found %v", token, ids)
					}
				}
			})
			t.Run("the patient's FHIR identifier carries the system", func(t *testing.T) {
				r := charge.Do("GET", "/fhir/Patient/"+hospIDs[0], nil, fhirHeader)
				v.Add("patient HOSP", r.Body)
				var p struct {
					Identifier []struct{ System, Value string } `json:"identifier"`
				}
				_ = json.Unmarshal(r.Body, &p)
				if len(p.Identifier) == 0 || p.Identifier[0].System != hosp || p.Identifier[0].Value != "12345" {
					t.Fatalf("identifier = %+v", p.Identifier)
				}
			})
			t.Run("the same value from another authority is another patient", func(t *testing.T) {
				if ack := send(t, adt("ID-2", "A01", "12345^^^OTHER^MR", "Other^Olga")); ack.Get("MSA-1") != "AA" {
					t.Fatalf("A01 from OTHER: %q", ack.Encode())
				}
				otherIDs := searchIDs(t, other+"|12345")
				if len(otherIDs) != 1 || otherIDs[0] == hospIDs[0] {
					t.Fatalf("OTHER's patient = %v; HOSP's = %v", otherIDs, hospIDs)
				}
				if ids := searchIDs(t, "12345"); len(ids) != 2 {
					t.Fatalf("a value-only search (any system) found %d, want both", len(ids))
				}
			})
			t.Run("a FHIR create under a third system admits a third patient", func(t *testing.T) {
				body := `{"resourceType":"Patient","identifier":[{"system":"http://third.example/mrn","value":"12345"}],
					"name":[{"family":"Third","given":["Tess","Anne"]}],"gender":"female","birthDate":"1944-04-04",
					"extension":[{"url":"https://emar-project.github.io/fhir/StructureDefinition/unit","valueString":"MAPLE"}]}`
				r := charge.Do("POST", "/fhir/Patient", []byte(body), fhirHeader)
				if r.Status != http.StatusCreated {
					t.Fatalf("create: %d %s", r.Status, r.Body)
				}
				v.Add("patient third", r.Body)
				if r := charge.Do("POST", "/fhir/Patient", []byte(strings.Replace(body, "http://third.example/mrn", hosp, 1)), fhirHeader); r.Status != http.StatusConflict {
					t.Fatalf("create under HOSP's system (already admitted): %d %s", r.Status, r.Body)
				}
			})

			// Messages that match on the value under a system nobody has it in.
			env.Svc.Config.Identifiers.Authorities["FOURTH"] = "http://fourth.example/mrn"
			rde := "MSH|^~\\&|PHARMSYS|HOSP|EMAR|RIVERSIDE|20260314083000-0400||RDE^O11^RDE_O11|ID-3|P|2.5.1\n" +
				"PID|1||12345^^^FOURTH^MR||Hosp^Hanna||19400101|F\n" +
				"ORC|NW|ID-ORD-1^EHR\n" +
				"RXE|^BID^^20260314090000-0400|9910010000^Metoprolol^NDC|25||mg\n" +
				"RXR|PO\n"
			for _, tc := range []struct {
				name, msg, code, where, errCode, says string
			}{
				{"an order for the value under another system is refused, not merged", rde, "AE", "PID", "204", "not http://fourth.example/mrn"},
				{"an update for the value under another system is refused, not merged",
					adt("ID-4", "A08", "12345^^^FOURTH^MR", "Hosp^Hanna"), "AE", "PID", "204", "nothing was merged"},
				{"an authority nobody configured is refused",
					adt("ID-5", "A01", "12345^^^NOWHERE^MR", "Nowhere^Nell"), "AE", "PID", "103", "NOWHERE"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					ack := send(t, tc.msg)
					if ack.Get("MSA-1") != tc.code || ack.Get("ERR-2.1") != tc.where || ack.Get("ERR-2.3") != "3" ||
						ack.Get("ERR-3.1") != tc.errCode || !strings.Contains(ack.Get("MSA-3")+ack.Get("ERR-8"), tc.says) {
						t.Fatalf("ack = %q", ack.Encode())
					}
				})
			}
			t.Run("a FHIR order for the value under another system is refused, not merged", func(t *testing.T) {
				mr := `{"resourceType":"MedicationRequest","status":"active","intent":"order",
					"subject":{"identifier":{"system":"http://fourth.example/mrn","value":"12345"}},
					"medicationCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/sid/ndc","code":"9910010000"}]},
					"dosageInstruction":[{"timing":{"code":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation","code":"BID"}]}},
					"route":{"coding":[{"system":"http://snomed.info/sct","code":"26643006"}]},
					"doseAndRate":[{"doseQuantity":{"value":25,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}]}]}`
				ph := env.Login(t, "pharmacist")
				r := ph.Do("POST", "/fhir/MedicationRequest", []byte(mr), fhirHeader)
				v.Add("422 system mismatch", r.Body)
				o := decodeOutcome(t, r)
				if r.Status != http.StatusUnprocessableEntity || len(o.Issue[0].Expression) == 0 || o.Issue[0].Expression[0] != "MedicationRequest.subject" ||
					!strings.Contains(o.Issue[0].Diagnostics, "nothing was merged") {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
				ok := strings.Replace(mr, "http://fourth.example/mrn", hosp, 1)
				if r := ph.Do("POST", "/fhir/MedicationRequest", []byte(ok), fhirHeader); r.Status != http.StatusCreated {
					t.Fatalf("the same order under HOSP's system: %d %s", r.Status, r.Body)
				}
			})
			t.Run("an authority given as an ISO OID needs no configuration", func(t *testing.T) {
				ack := send(t, adt("ID-6", "A08", "12345^^^&2.16.840.1.113883.19.5&ISO^MR", "Hosp^Hanna^Maria"))
				if ack.Get("MSA-1") != "AA" {
					t.Fatalf("A08 with HOSP's OID: %q", ack.Encode())
				}
			})
			var pats struct {
				Items []struct {
					MRNSystem string `json:"mrn_system"`
					MRN       string `json:"mrn"`
				} `json:"items"`
			}
			charge.JSON("GET", "/api/v1/residents", nil, &pats)
			n := 0
			for _, p := range pats.Items {
				if p.MRN == "12345" {
					n++
				}
			}
			if n != 3 {
				t.Errorf("%d residents with MRN 12345; want 3 (HOSP, OTHER, third): %+v", n, pats.Items)
			}
			v.Validate(t)
		})
	}
}
