package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/mar/store/storetest"
)

type previewAnswer struct {
	Canonical string `json:"canonical"`
	Doses     []struct {
		At          time.Time `json:"at"`
		Local       string    `json:"local"`
		ClockChange string    `json:"clock_change"`
	} `json:"doses"`
}

type orderAnswer struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// An order is entered, previewed, held, resumed and discontinued through
// the routes the order pages use; each refusal names its field, and the
// pages answer only the roles that may enter orders.
func TestOrderEntryAndActionsThroughTheAPI(t *testing.T) {
	ny := mustZone("America/New_York")
	// Three days before New York's next clock change after the run began.
	change := nextOffsetChange(t, ny, runStarted)
	y, m, d := change.In(ny).AddDate(0, 0, -3).Date()
	start := time.Date(y, m, d, 10, 0, 0, 0, ny)
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBedAt(t, engine, start)
			pharm, charge, nurse := b.login("pharmacist"), b.login("charge"), b.login("nurse")
			r := b.resident("Eriksen")
			p := b.product("Acetaminophen 500")

			// The live preview: q8h across the clock change says how it moved.
			q := url.Values{"frequency": {"q8h"}, "tz": {"America/New_York"}, "from": {start.Format(time.RFC3339)}, "days": {"7"}}
			var pv previewAnswer
			if st := charge.JSON("GET", "/api/v1/schedules/preview?"+q.Encode(), nil, &pv); st != http.StatusOK || len(pv.Doses) != 21 {
				t.Fatalf("preview: %d, %d doses", st, len(pv.Doses))
			}
			var notes []string
			for _, d := range pv.Doses {
				if d.ClockChange != "" {
					notes = append(notes, d.Local+": "+d.ClockChange)
					if d.At.Before(change) {
						t.Errorf("a clock-change note before the change (%s): %s", change, d.ClockChange)
					}
				}
			}
			if len(notes) != 1 || !strings.Contains(notes[0], "clocks went") {
				t.Errorf("clock-change notes %q, want one for the dose after %s", notes, change)
			}
			q.Set("frequency", "now and then")
			if resp := charge.Do("GET", "/api/v1/schedules/preview?"+q.Encode(), nil, nil); resp.Status != http.StatusBadRequest || resp.Err(t).Error.Field != "frequency" {
				t.Errorf("preview of nonsense: %d %s", resp.Status, resp.Body)
			}

			order := map[string]any{"resident_id": r.ID, "product_id": p.ID, "dose_value": 500, "dose_unit": "mg", "route": "oral",
				"frequency": "q8h", "start_at": start, "prescriber": "Dr Test"}
			with := func(k string, v any) map[string]any {
				o := map[string]any{}
				for kk, vv := range order {
					o[kk] = vv
				}
				o[k] = v
				return o
			}
			for _, tc := range []struct {
				name  string
				body  map[string]any
				field string
			}{
				{"no dose", with("dose_value", 0), "dose_value"},
				{"no unit", with("dose_unit", ""), "dose_unit"},
				{"a route the product has not", with("route", "intravenous"), "route"},
				{"a frequency no one can read", with("frequency", "now and then"), "frequency"},
				{"stop before start", with("stop_at", start.Add(-time.Hour)), "stop_at"},
				{"status is the server's", with("status", "active"), "status"},
			} {
				if resp := pharm.Do("POST", "/api/v1/orders", tc.body, nil); resp.Status != http.StatusBadRequest || resp.Err(t).Error.Field != tc.field {
					t.Errorf("%s: %d %s, want 400 naming %s", tc.name, resp.Status, resp.Body, tc.field)
				}
			}
			if resp := nurse.Do("POST", "/api/v1/orders", order, nil); resp.Status != http.StatusForbidden {
				t.Errorf("a nurse enters an order: %d, want 403", resp.Status)
			}
			var o orderAnswer
			if st := pharm.JSON("POST", "/api/v1/orders", order, &o); st != http.StatusCreated || o.Status != "active" {
				t.Fatalf("enter: %d %+v", st, o)
			}
			path := "/api/v1/orders/" + o.ID
			steps := []struct {
				who    string
				action string
				reason string
				status int
				want   string
			}{
				{"charge", "hold", "", http.StatusBadRequest, "reason"},
				{"charge", "hold", "nausea: held until seen", http.StatusOK, "on_hold"},
				{"charge", "hold", "again", http.StatusConflict, ""},
				{"charge", "resume", "seen by the doctor", http.StatusOK, "active"},
				{"charge", "discontinue", "no longer needed", http.StatusForbidden, ""},
				{"pharmacist", "discontinue", "no longer needed", http.StatusOK, "discontinued"},
				{"pharmacist", "resume", "by mistake", http.StatusConflict, ""},
			}
			clients := map[string]interface {
				JSON(method, path string, body, out any) int
			}{"charge": charge, "pharmacist": pharm}
			for _, s := range steps {
				var got struct {
					Status string `json:"status"`
					Error  struct {
						Field string `json:"field"`
					} `json:"error"`
				}
				st := clients[s.who].JSON("POST", path+"/"+s.action, map[string]any{"reason": s.reason}, &got)
				if st != s.status {
					t.Fatalf("%s %s: %d, want %d", s.who, s.action, st, s.status)
				}
				if st == http.StatusOK && got.Status != s.want || st == http.StatusBadRequest && got.Error.Field != s.want {
					t.Fatalf("%s %s: %+v, want %s", s.who, s.action, got, s.want)
				}
			}

			// A charge nurse of the other unit sees none of it.
			other := ""
			for id := range b.units {
				if id != r.UnitID {
					other = id
				}
			}
			if st := b.login("admin").JSON("POST", "/api/v1/users", map[string]any{"username": "cora", "display_name": "Cora Other", "role": "charge_nurse",
				"password": "correct horse battery", "unit_ids": []string{other}}, nil); st != http.StatusCreated {
				t.Fatalf("create a charge nurse of the other unit: %d", st)
			}
			cora := b.env.Anonymous(t)
			var tok struct {
				Token string `json:"token"`
			}
			if st := cora.JSON("POST", "/api/v1/auth/login", map[string]string{"username": "cora", "password": "correct horse battery"}, &tok); st != http.StatusOK {
				t.Fatalf("cora signs in: %d", st)
			}
			cora.Token = tok.Token
			for _, path := range []string{"/residents/" + r.ID + "/orders", "/residents/" + r.ID + "/orders/new", "/orders?unit_id=" + r.UnitID} {
				if resp := cora.Do("GET", path, nil, htmlAccept); resp.Status != http.StatusForbidden || strings.Contains(string(resp.Body), "Eriksen") {
					t.Errorf("a charge nurse of the other unit GET %s: %d, want 403 without the resident", path, resp.Status)
				}
			}
			if resp := cora.Do("POST", path+"/hold", map[string]any{"reason": "not mine"}, nil); resp.Status != http.StatusForbidden {
				t.Errorf("a charge nurse of the other unit holds the closed order: %d %s, want 403 before anything about the order", resp.Status, resp.Body)
			}

			// The pages: for those who may enter orders, in their units.
			for _, tc := range []struct {
				who    string
				path   string
				status int
				want   string
			}{
				{"charge", "/orders?unit_id=" + r.UnitID, http.StatusOK, "Eriksen, Ingrid"},
				{"charge", "/residents/" + r.ID + "/orders", http.StatusOK, "Discontinued"},
				{"charge", "/residents/" + r.ID + "/orders/new", http.StatusOK, p.Name},
				{"pharmacist", "/residents/" + r.ID + "/orders", http.StatusOK, p.Name},
				{"pharmacist", "/catalogue", http.StatusOK, p.Name},
				{"pharmacist", "/catalogue/" + p.ID, http.StatusOK, p.Packages[0].GTIN},
				{"nurse", "/residents/" + r.ID + "/orders", http.StatusForbidden, ""},
				{"nurse", "/orders", http.StatusForbidden, ""},
				{"charge", "/catalogue", http.StatusForbidden, ""},
				{"pharmacist", "/residents/01a0c5a3-0000-7000-8000-000000000000/orders", http.StatusNotFound, ""},
			} {
				resp := b.login(tc.who).Do("GET", tc.path, nil, htmlAccept)
				if resp.Status != tc.status || !strings.Contains(string(resp.Body), tc.want) {
					t.Errorf("%s GET %s: %d, want %d with %q", tc.who, tc.path, resp.Status, tc.status, tc.want)
				}
			}
		})
	}
}
