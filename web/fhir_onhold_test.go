package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/fhirvalidate"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// A MedicationRequest created with status on-hold (POST and in a
// transaction Bundle) is taken pending verification; verifying it holds
// it, so no dose is givable until someone resumes it; then doses are due.
func TestFHIROnHoldOrderOnCreate(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			env := b.env
			v := fhirvalidate.New(t)
			charge, ph := b.login("charge"), b.login("pharmacist")
			r := b.resident("Castillo")
			p := b.product("Metoprolol tartrate 25")
			vars := map[string]string{"PATIENT": r.ID, "NDC": p.Packages[0].NDC, "DATE": env.Clock.Now().Format("2006-01-02"),
				"START": env.Clock.Now().Format(time.RFC3339)}
			onHold := bytes.Replace(fixtureFHIR(t, "medicationrequest-contained-ndc.json", vars), []byte(`"status": "active"`), []byte(`"status": "on-hold"`), 1)

			// POST.
			resp := charge.Do("POST", "/fhir/MedicationRequest", onHold, fhirHeader)
			if resp.Status != http.StatusCreated {
				t.Fatalf("POST on-hold: %d %s", resp.Status, resp.Body)
			}
			v.Add("on-hold created", resp.Body)
			var mr struct {
				ID           string `json:"id"`
				Status       string `json:"status"`
				StatusReason struct {
					Text string `json:"text"`
				} `json:"statusReason"`
			}
			_ = json.Unmarshal(resp.Body, &mr)
			if mr.Status != "draft" || !strings.Contains(mr.StatusReason.Text, "held when verified") {
				t.Fatalf("created: %s", resp.Body)
			}
			// In a transaction Bundle.
			bundle := `{"resourceType":"Bundle","type":"transaction","entry":[{"resource":` +
				string(bytes.Replace(onHold, []byte(`"12345689"`), []byte(`"12345690"`), 1)) + `,"request":{"method":"POST","url":"MedicationRequest"}}]}`
			resp = charge.Do("POST", "/fhir", bundle, fhirHeader)
			if resp.Status != http.StatusOK {
				t.Fatalf("bundle on-hold: %d %s", resp.Status, resp.Body)
			}
			var tr struct {
				Entry []struct {
					Response struct {
						Status   string `json:"status"`
						Location string `json:"location"`
					} `json:"response"`
				} `json:"entry"`
			}
			_ = json.Unmarshal(resp.Body, &tr)
			if len(tr.Entry) != 1 || !strings.HasPrefix(tr.Entry[0].Response.Status, "201") {
				t.Fatalf("bundle answer: %s", resp.Body)
			}
			bundled := strings.Split(strings.TrimPrefix(tr.Entry[0].Response.Location, env.URL+"/fhir/"), "/")[1]

			// A draft (pending) order put on hold with PUT is marked the same way.
			active := bytes.Replace(fixtureFHIR(t, "medicationrequest-contained-ndc.json", vars), []byte(`"12345689"`), []byte(`"12345691"`), 1)
			resp = charge.Do("POST", "/fhir/MedicationRequest", active, fhirHeader)
			var draft struct {
				ID string `json:"id"`
			}
			if _ = json.Unmarshal(resp.Body, &draft); resp.Status != http.StatusCreated {
				t.Fatalf("POST active: %d %s", resp.Status, resp.Body)
			}
			put := bytes.Replace(bytes.Replace(active, []byte(`"status": "active"`), []byte(`"status": "on-hold"`), 1), []byte(`"id": "medrx0301"`), []byte(`"id": "`+draft.ID+`"`), 1)
			if resp = charge.Do("PUT", "/fhir/MedicationRequest/"+draft.ID, put, fhirHeader); resp.Status != http.StatusOK || !strings.Contains(string(resp.Body), "held when verified") {
				t.Fatalf("PUT on-hold on a pending order: %d %s", resp.Status, resp.Body)
			}

			for _, id := range []string{mr.ID, bundled, draft.ID} {
				var list struct {
					Items []struct {
						ID           string `json:"id"`
						Status       string `json:"status"`
						HoldOnVerify string `json:"hold_on_verify"`
					} `json:"items"`
				}
				ph.JSON("GET", "/api/v1/residents/"+r.ID+"/orders", nil, &list)
				seen := false
				for _, o := range list.Items {
					if o.ID == id {
						seen = o.Status == string(mar.OrderPending) && o.HoldOnVerify != ""
					}
				}
				if !seen {
					t.Fatalf("order %s is not pending and to be held: %+v", id, list.Items)
				}
				var o struct {
					Status string `json:"status"`
				}
				// Verification holds it: no dose is givable.
				if st := ph.JSON("POST", "/api/v1/orders/"+id+"/verify", map[string]string{"note": "ok"}, &o); st != http.StatusOK || o.Status != string(mar.OrderOnHold) {
					t.Fatalf("verify %s: %d %+v", id, st, o)
				}
			}
			for _, at := range []time.Duration{0, 6 * time.Hour, 18 * time.Hour} {
				env.Clock.Set(bedsideStart.Add(at))
				if due := givable(t, b, r, mr.ID); due != 0 {
					t.Fatalf("held order, %v later: %d doses due", at, due)
				}
			}
			if n := scheduledDoses(t, b, r, mr.ID); n != 0 {
				t.Fatalf("held order: %d scheduled doses", n)
			}
			read := b.login("pharmacist").Do("GET", "/fhir/MedicationRequest/"+mr.ID, nil, fhirHeader)
			if !strings.Contains(string(read.Body), `"status":"on-hold"`) {
				t.Fatalf("read held: %s", read.Body)
			}
			v.Add("held", read.Body)

			// Resume: doses are scheduled and come due.
			if st := b.login("charge").JSON("POST", "/api/v1/orders/"+mr.ID+"/resume", map[string]string{"reason": "sender released"}, nil); st != http.StatusOK {
				t.Fatalf("resume: %d", st)
			}
			if n := scheduledDoses(t, b, r, mr.ID); n == 0 {
				t.Fatal("resumed order: no scheduled doses")
			}
			found := false
			for h := 0; h < 24 && !found; h++ {
				env.Clock.Advance(time.Hour)
				found = givable(t, b, r, mr.ID) > 0
			}
			if !found {
				t.Fatal("resumed order: no dose came due within a day")
			}
			// The one from the Bundle is still held.
			if n := scheduledDoses(t, b, r, bundled); n != 0 {
				t.Fatalf("the bundled order, still held: %d scheduled doses", n)
			}
		})
	}
}

// givable counts the order's doses on the resident's due list now.
func givable(t *testing.T, b *bed, r mar.Resident, orderID string) int {
	t.Helper()
	_, due := b.dueFor(r)
	n := 0
	for _, d := range due.DueNow {
		if d.Order.ID == orderID && d.Dose != nil {
			n++
		}
	}
	return n
}

// scheduledDoses counts the order's scheduled doses over the next two days.
func scheduledDoses(t *testing.T, b *bed, r mar.Resident, orderID string) int {
	t.Helper()
	c := b.login("pharmacist") // a fresh session: the tests move the clock
	var list struct {
		Items []struct {
			OrderID string `json:"order_id"`
			Status  string `json:"status"`
		} `json:"items"`
	}
	from := bedsideStart.Add(-time.Hour).Format(time.RFC3339)
	to := bedsideStart.Add(48 * time.Hour).Format(time.RFC3339)
	if st := c.JSON("GET", "/api/v1/residents/"+r.ID+"/doses?from="+from+"&to="+to, nil, &list); st != http.StatusOK {
		t.Fatalf("doses: %d", st)
	}
	n := 0
	for _, d := range list.Items {
		if d.OrderID == orderID && d.Status == string(mar.DoseScheduled) {
			n++
		}
	}
	return n
}
