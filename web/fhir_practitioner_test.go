package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/emar-project/emar/internal/fhirvalidate"
)

// Every Practitioner reference the service emits (who gave a dose, who
// dispensed, who acted in the audit trail) resolves at
// /fhir/Practitioner/{id}, and Practitioner search finds users by id,
// sign-in name and name. Over HTTP, validated against R4.
func TestFHIRPractitionerReferencesResolve(t *testing.T) {
	b := newBed(t, "sqlite")
	v := fhirvalidate.New(t)
	nurse, ph, admin := b.login("nurse"), b.login("pharmacist"), b.login("admin")
	r := b.resident("Kowalski")
	o := b.order(r, "acetaminophen", true)
	p500 := b.product("Acetaminophen 500")
	if resp := post(nurse, "/api/v1/administrations", body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(p500), "order_id": o.ID, "prn_indication": "pain", "pain_score": 6}); resp.Status != http.StatusCreated {
		t.Fatalf("give: %d %s", resp.Status, resp.Body)
	}
	if st := ph.JSON("POST", "/api/v1/dispenses", map[string]any{"order_id": o.ID, "quantity": 20}, nil); st != http.StatusCreated {
		t.Fatalf("dispense: %d", st)
	}

	refs := map[string]bool{}
	var collect func(any)
	collect = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			if s, ok := x["reference"].(string); ok && strings.HasPrefix(s, "Practitioner/") {
				refs[strings.TrimPrefix(s, "Practitioner/")] = true
			}
			for _, e := range x {
				collect(e)
			}
		case []any:
			for _, e := range x {
				collect(e)
			}
		}
	}
	for _, path := range []string{"/fhir/MedicationAdministration?patient=" + r.ID, "/fhir/MedicationDispense?patient=" + r.ID} {
		bb := search(t, nurse, v, path)
		if len(bb.Entry) == 0 {
			t.Fatalf("%s: nothing", path)
		}
		for _, e := range bb.Entry {
			var tree any
			_ = json.Unmarshal(e.Resource, &tree)
			collect(tree)
		}
	}
	audit := search(t, admin, v, "/fhir/AuditEvent?patient="+r.ID)
	for _, e := range audit.Entry {
		var tree any
		_ = json.Unmarshal(e.Resource, &tree)
		collect(tree)
	}
	if len(refs) < 2 {
		t.Fatalf("Practitioner references: %v (want the nurse and the pharmacist at least)", refs)
	}
	for id := range refs {
		resp := nurse.Do("GET", "/fhir/Practitioner/"+id, nil, fhirHeader)
		if resp.Status != http.StatusOK {
			t.Fatalf("Practitioner/%s: %d %s", id, resp.Status, resp.Body)
		}
		var p struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
		}
		_ = json.Unmarshal(resp.Body, &p)
		if p.ResourceType != "Practitioner" || p.ID != id || resp.Header.Get("ETag") == "" {
			t.Fatalf("Practitioner/%s: %s", id, resp.Body)
		}
		v.Add("practitioner "+id, resp.Body)
		if bb := search(t, ph, v, "/fhir/Practitioner?_id="+id); len(bb.Entry) != 1 {
			t.Fatalf("search _id=%s: %d", id, len(bb.Entry))
		}
	}
	if bb := search(t, ph, v, "/fhir/Practitioner?identifier="+url.QueryEscape("https://emar-project.github.io/fhir/sid/username|nurse")); len(bb.Entry) != 1 {
		t.Fatalf("search by sign-in name: %d", len(bb.Entry))
	}
	if bb := search(t, ph, v, "/fhir/Practitioner?identifier="+url.QueryEscape("http://other.example/users|nurse")); len(bb.Entry) != 0 {
		t.Fatalf("a sign-in name under another system: %d", len(bb.Entry))
	}
	all := search(t, ph, v, "/fhir/Practitioner")
	if len(all.Entry) < 4 {
		t.Fatalf("all users: %d", len(all.Entry))
	}
	if resp := nurse.Do("GET", "/fhir/Practitioner/01a0c5a3-0000-7000-8000-000000000000", nil, fhirHeader); resp.Status != http.StatusNotFound {
		t.Fatalf("unknown Practitioner: %d", resp.Status)
	} else {
		v.Add("404", resp.Body)
	}
	if strings.Contains(string(all.Entry[0].Resource), "password") || strings.Contains(string(all.Entry[0].Resource), "badge") {
		t.Fatalf("a credential goes out: %s", all.Entry[0].Resource)
	}
	v.Validate(t)
}
