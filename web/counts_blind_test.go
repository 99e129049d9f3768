package web_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/emar-project/emar/mar/store/storetest"
)

// A controlled-substance count is blind: until both nurses have signed,
// no route tells a nurse or a charge nurse what the records expect on hand
// (the stock levels, a stock count's answer, the reconciliation report in
// JSON and CSV, the count sheet and the count page). Pharmacy still sees
// the balance, and a product that is not controlled keeps its quantity.
func TestNursesCannotLearnTheExpectedControlledCount(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			nurse, charge, ph := b.login("nurse"), b.login("charge"), b.login("pharmacist")
			r := b.resident("Castillo")
			unit := r.UnitID
			oxy := b.product("Oxycodone")
			plain := b.product("Acetaminophen")
			if plain.Controlled != "" || oxy.Controlled == "" {
				t.Fatalf("demo products changed: %+v %+v", plain, oxy)
			}
			expiry := b.env.Clock.Now().AddDate(1, 0, 0).Format("2006-01-02")
			// An unusual quantity, so that it cannot appear by chance.
			const secret = "137.25"
			for _, d := range []map[string]any{
				{"product_id": oxy.ID, "quantity": 137.25, "lot": "OX1", "expiry": expiry, "unit_id": unit},
				{"product_id": plain.ID, "quantity": 40, "lot": "AC1", "expiry": expiry, "unit_id": unit},
			} {
				if resp := ph.Do("POST", "/api/v1/dispenses", d, nil); resp.Status != http.StatusCreated {
					t.Fatalf("dispense: %d %s", resp.Status, resp.Body)
				}
			}
			type level struct {
				ProductID string   `json:"product_id"`
				OnHand    *float64 `json:"on_hand"`
				Hidden    bool     `json:"on_hand_hidden"`
			}
			levels := func(who string) map[string]level {
				c := b.login(who)
				resp := c.Do("GET", "/api/v1/stock?unit_id="+unit, nil, nil)
				if resp.Status != http.StatusOK {
					t.Fatalf("%s stock: %d %s", who, resp.Status, resp.Body)
				}
				out := map[string]level{}
				for _, l := range decode[struct{ Items []level }](t, resp).Items {
					out[l.ProductID] = l
				}
				return out
			}
			t.Run("stock levels hide the controlled balance from nurses", func(t *testing.T) {
				for _, who := range []string{"nurse", "charge"} {
					l := levels(who)
					if o, ok := l[oxy.ID]; !ok || o.OnHand != nil || !o.Hidden {
						t.Errorf("%s sees oxycodone as %+v, want listed with the quantity hidden", who, o)
					}
					if p := l[plain.ID]; p.OnHand == nil || *p.OnHand != 40 {
						t.Errorf("%s sees acetaminophen as %+v, want 40 on hand", who, p)
					}
				}
				if o := levels("pharmacist")[oxy.ID]; o.OnHand == nil || *o.OnHand != 137.25 || o.Hidden {
					t.Errorf("pharmacist sees oxycodone as %+v, want 137.25", o)
				}
			})
			t.Run("the reconciliation report hides controlled lines from a charge nurse", func(t *testing.T) {
				for _, format := range []string{"json", "csv"} {
					path := "/api/v1/reports/reconciliation?unit_id=" + unit + "&format=" + format +
						"&from=" + b.env.Clock.Now().AddDate(0, -1, 0).UTC().Format("2006-01-02T15:04:05Z") + "&to=" + b.env.Clock.Now().Add(3600e9).UTC().Format("2006-01-02T15:04:05Z")
					c := charge.Do("GET", path, nil, nil)
					if c.Status != http.StatusOK {
						t.Fatalf("charge %s: %d %s", format, c.Status, c.Body)
					}
					if bytes.Contains(c.Body, []byte(secret)) {
						t.Errorf("the charge nurse's %s report shows the controlled balance: %s", format, c.Body)
					}
					if !bytes.Contains(c.Body, []byte("40")) {
						t.Errorf("the charge nurse's %s report lost the plain product's quantity: %s", format, c.Body)
					}
					p := ph.Do("GET", path, nil, nil)
					if p.Status != http.StatusOK || !bytes.Contains(p.Body, []byte(secret)) {
						t.Errorf("the pharmacist's %s report does not show the controlled balance: %d %s", format, p.Status, p.Body)
					}
				}
			})
			t.Run("a nurse's stock count of a controlled product does not answer the expected quantity", func(t *testing.T) {
				resp := nurse.Do("POST", "/api/v1/stock/counts", map[string]any{"unit_id": unit, "product_id": oxy.ID, "counted": 0,
					"witness": map[string]string{"username": "nurse2", "password": "demo"}}, nil)
				if resp.Status != http.StatusCreated {
					t.Fatalf("count: %d %s", resp.Status, resp.Body)
				}
				if bytes.Contains(resp.Body, []byte(secret)) || bytes.Contains(resp.Body, []byte(`"matches"`)) || !bytes.Contains(resp.Body, []byte(`"expected_hidden":true`)) {
					t.Errorf("the count answers what the records expect: %s", resp.Body)
				}
				resp = ph.Do("POST", "/api/v1/stock/counts", map[string]any{"unit_id": unit, "product_id": oxy.ID, "counted": 137.25}, nil)
				if resp.Status == http.StatusCreated && !bytes.Contains(resp.Body, []byte(`"matches":true`)) {
					t.Errorf("pharmacist's count: %s", resp.Body)
				}
			})
			t.Run("the count sheet and the count page do not show it", func(t *testing.T) {
				for _, c := range []struct {
					who  string
					path string
				}{
					{"nurse", "/api/v1/controlled-counts/sheet?unit_id=" + unit},
					{"charge", "/api/v1/controlled-counts/sheet?unit_id=" + unit},
					{"nurse", "/counts?unit_id=" + unit},
					{"charge", "/counts?unit_id=" + unit},
					{"charge", "/api/v1/controlled-counts?unit_id=" + unit},
					{"charge", "/api/v1/controlled-counts?unit_id=" + unit + "&format=csv"},
				} {
					resp := b.login(c.who).Do("GET", c.path, nil, nil)
					if resp.Status != http.StatusOK {
						t.Fatalf("%s %s: %d %s", c.who, c.path, resp.Status, resp.Body)
					}
					if bytes.Contains(resp.Body, []byte(secret)) {
						t.Errorf("%s %s shows the expected quantity", c.who, c.path)
					}
				}
			})
		})
	}
}
