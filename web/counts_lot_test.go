package web_test

import (
	"net/http"
	"testing"

	"github.com/emar-project/emar/mar/store/storetest"
)

// Controlled substances are counted per product and lot. The records'
// balance of each lot is what was dispensed of it, less what was given
// from a pack of that lot (the lot scanned from its GS1 code), wasted and
// returned; waste recorded without a lot comes off the lot that expires
// first. Leaving a lot out is refused, and a count whose product total is
// right but whose lots are swapped opens a discrepancy on each lot.
func TestControlledCountPerLot(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			nurse, ph := b.login("nurse"), b.login("pharmacist")
			r := b.resident("Castillo")
			unit := r.UnitID
			oxy := b.product("Oxycodone")
			now := b.env.Clock.Now()
			soon, later := now.AddDate(0, 6, 0), now.AddDate(1, 0, 0)
			for _, d := range []map[string]any{
				{"product_id": oxy.ID, "quantity": 5, "lot": "A1", "expiry": soon.Format("2006-01-02"), "unit_id": unit},
				{"product_id": oxy.ID, "quantity": 3, "lot": "B2", "expiry": later.Format("2006-01-02"), "unit_id": unit},
			} {
				if resp := ph.Do("POST", "/api/v1/dispenses", d, nil); resp.Status != http.StatusCreated {
					t.Fatalf("dispense: %d %s", resp.Status, resp.Body)
				}
			}
			w2 := map[string]string{"username": "nurse2", "password": "demo"}
			prn := b.order(r, "oxycodone", true)
			if resp := post(nurse, "/api/v1/administrations", body{"context_id": scanWristband(t, nurse, r), "scan": gs1(oxy, later, "B2"), "order_id": prn.ID,
				"outcome": "given", "prn_indication": "pain", "pain_score": 6, "witness": w2}); resp.Status != http.StatusCreated {
				t.Fatalf("give a pack of lot B2: %d %s", resp.Status, resp.Body)
			}
			for _, wst := range []map[string]any{
				{"product_id": oxy.ID, "quantity": 1, "unit_id": unit, "lot": "A1", "reason": "dropped", "witness": w2},
				{"product_id": oxy.ID, "quantity": 1, "unit_id": unit, "reason": "spilled, lot not noted", "witness": w2},
			} {
				if resp := nurse.Do("POST", "/api/v1/waste", wst, nil); resp.Status != http.StatusCreated {
					t.Fatalf("waste: %d %s", resp.Status, resp.Body)
				}
			}
			sheet := decode[struct {
				Lines []struct {
					ProductID string `json:"product_id"`
					Lot       string `json:"lot"`
				} `json:"lines"`
			}](t, nurse.Do("GET", "/api/v1/controlled-counts/sheet?unit_id="+unit, nil, nil))
			var lots []string
			for _, l := range sheet.Lines {
				if l.ProductID == oxy.ID {
					lots = append(lots, l.Lot)
				}
			}
			if len(lots) != 2 || lots[0] != "A1" || lots[1] != "B2" {
				t.Fatalf("the sheet lists oxycodone lots %q, want A1 and B2", lots)
			}

			resp := nurse.Do("POST", "/api/v1/controlled-counts", map[string]any{"unit_id": unit, "witness": w2,
				"lines": []map[string]any{{"product_id": oxy.ID, "lot": "A1", "counted": 3}}}, nil)
			if resp.Status != http.StatusBadRequest || resp.Err(t).Error.Field != "lines" {
				t.Errorf("a lot left out: %d %s, want 400 lines", resp.Status, resp.Body)
			}

			// A1: 5 − 1 wasted − 1 wasted without a lot (A1 expires first) = 3;
			// B2: 3 − 1 given = 2. The nurses swap them: the total (5) is right.
			resp = nurse.Do("POST", "/api/v1/controlled-counts", map[string]any{"unit_id": unit, "witness": w2,
				"lines": []map[string]any{{"product_id": oxy.ID, "lot": "A1", "counted": 2}, {"product_id": oxy.ID, "lot": "B2", "counted": 3}}}, nil)
			if resp.Status != http.StatusCreated {
				t.Fatalf("count: %d %s", resp.Status, resp.Body)
			}
			cnt := decode[countResp](t, resp)
			expected := map[string]float64{}
			for _, l := range decode[struct {
				Lines []struct {
					Lot      string  `json:"lot"`
					Expected float64 `json:"expected"`
					Status   string  `json:"status"`
				} `json:"lines"`
			}](t, resp).Lines {
				expected[l.Lot] = l.Expected
				if l.Status != "open" {
					t.Errorf("lot %s: %s, want an open discrepancy", l.Lot, l.Status)
				}
			}
			if cnt.Discrepancies != 2 || expected["A1"] != 3 || expected["B2"] != 2 {
				t.Errorf("%d discrepancies, expected %v; want 2 with A1 3 and B2 2", cnt.Discrepancies, expected)
			}
		})
	}
}
