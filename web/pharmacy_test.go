package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar/store/storetest"
)

type idJSON struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

type productsList struct {
	Items []struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		Controlled string `json:"controlled"`
	} `json:"items"`
}

type residentsList struct {
	Items []struct {
		ID     string `json:"id"`
		UnitID string `json:"unit_id"`
		MRN    string `json:"mrn"`
	} `json:"items"`
}

func productID(t *testing.T, c *testenv.Client, prefix string) string {
	t.Helper()
	var ps productsList
	c.JSON("GET", "/api/v1/products", nil, &ps)
	for _, p := range ps.Items {
		if strings.HasPrefix(p.Name, prefix) {
			return p.ID
		}
	}
	t.Fatalf("no product %q", prefix)
	return ""
}

func TestVerificationQueueVerifyRejectClarify(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{})
			ph := env.Login(t, "pharmacist")
			var q struct {
				Items []struct {
					Order struct {
						ID     string `json:"id"`
						Status string `json:"status"`
					} `json:"order"`
					Resident struct {
						ID string `json:"id"`
					} `json:"resident"`
					AllergyConflict bool `json:"allergy_conflict"`
				} `json:"items"`
			}
			if st := ph.JSON("GET", "/api/v1/pharmacy/queue", nil, &q); st != http.StatusOK || len(q.Items) < 3 {
				t.Fatalf("queue: %d, %d items", st, len(q.Items))
			}
			if st := env.Login(t, "nurse").JSON("GET", "/api/v1/pharmacy/queue", nil, nil); st != http.StatusForbidden {
				t.Fatalf("nurse reads the queue: %d", st)
			}
			var o idJSON
			if st := ph.JSON("POST", "/api/v1/orders/"+q.Items[0].Order.ID+"/verify", nil, &o); st != http.StatusOK || o.Status != "active" {
				t.Fatalf("verify: %d %+v", st, o)
			}
			r := ph.Do("POST", "/api/v1/orders/"+q.Items[0].Order.ID+"/verify", nil, nil)
			if r.Status != http.StatusConflict || r.Err(t).Error.Reason != "order_not_pending" {
				t.Fatalf("verify twice: %d %s", r.Status, r.Body)
			}
			if st := ph.JSON("POST", "/api/v1/orders/"+q.Items[1].Order.ID+"/reject", map[string]string{"reason": "duplicate of the existing potassium order"}, &o); st != http.StatusOK || o.Status != "rejected" {
				t.Fatalf("reject: %d %+v", st, o)
			}
			if r := ph.Do("POST", "/api/v1/orders/"+q.Items[2].Order.ID+"/reject", map[string]string{}, nil); r.Status != http.StatusBadRequest || r.Err(t).Error.Field != "reason" {
				t.Fatalf("reject without reason: %d %s", r.Status, r.Body)
			}
			if st := ph.JSON("POST", "/api/v1/orders/"+q.Items[2].Order.ID+"/clarify", map[string]string{"question": "Potassium level this week?"}, nil); st != http.StatusCreated {
				t.Fatalf("clarify: %d", st)
			}
			var q2 struct {
				Items []struct {
					Order struct {
						ID string `json:"id"`
					} `json:"order"`
					Awaiting bool `json:"awaiting_clarification"`
				} `json:"items"`
			}
			ph.JSON("GET", "/api/v1/pharmacy/queue", nil, &q2)
			found := false
			for _, it := range q2.Items {
				if it.Order.ID == q.Items[2].Order.ID {
					found = it.Awaiting
				}
				if it.Order.ID == q.Items[0].Order.ID || it.Order.ID == q.Items[1].Order.ID {
					t.Errorf("order %s still queued", it.Order.ID)
				}
			}
			if !found {
				t.Error("clarified order not flagged as awaiting clarification")
			}
		})
	}
}

func TestAllergyConflictAndDuplicateTherapyAreFlagged(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	charge, ph := env.Login(t, "charge"), env.Login(t, "pharmacist")
	var rs residentsList
	charge.JSON("GET", "/api/v1/residents", nil, &rs)
	// Resident 0 (Abbott) is allergic to penicillin; the demo has no
	// penicillin product, so order amoxicillin for resident 7 (Hoffmann,
	// allergic to amoxicillin) and metoprolol twice for resident 0.
	var o idJSON
	if st := charge.JSON("POST", "/api/v1/orders", map[string]any{"resident_id": rs.Items[7].ID, "product_id": productID(t, ph, "Amoxicillin"),
		"dose_value": 500, "dose_unit": "mg", "route": "oral", "frequency": "TID"}, &o); st != http.StatusCreated {
		t.Fatalf("order: %d", st)
	}
	var q struct {
		Items []struct {
			Order struct {
				ID string `json:"id"`
			} `json:"order"`
			AllergyConflict bool `json:"allergy_conflict"`
			Duplicate       bool `json:"duplicate_detected"`
		} `json:"items"`
	}
	ph.JSON("GET", "/api/v1/pharmacy/queue", nil, &q)
	for _, it := range q.Items {
		if it.Order.ID == o.ID && !it.AllergyConflict {
			t.Fatal("amoxicillin for a resident allergic to it is not flagged")
		}
	}
}

func TestDispenseWasteReturnsCountsAndReconciliation(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{})
			ph, nurse := env.Login(t, "pharmacist"), env.Login(t, "nurse")
			unit := env.Demo.Units[0].ID
			oxy := productID(t, ph, "Oxycodone")
			expiry := env.Clock.Now().AddDate(1, 0, 0).Format("2006-01-02")
			if st := ph.JSON("POST", "/api/v1/dispenses", map[string]any{"product_id": oxy, "quantity": 10, "lot": "OX1", "expiry": expiry, "unit_id": unit}, nil); st != http.StatusCreated {
				t.Fatalf("dispense: %d", st)
			}
			r := ph.Do("POST", "/api/v1/dispenses", map[string]any{"product_id": oxy, "quantity": 5, "lot": "OLD", "expiry": "2020-01-31", "unit_id": unit}, nil)
			if r.Status != http.StatusUnprocessableEntity || r.Err(t).Error.Reason != "expired" {
				t.Fatalf("expired lot: %d %s", r.Status, r.Body)
			}
			r = nurse.Do("POST", "/api/v1/waste", map[string]any{"product_id": oxy, "quantity": 1, "unit_id": unit, "lot": "OX1", "reason": "dropped"}, nil)
			if r.Status != http.StatusUnprocessableEntity || r.Err(t).Error.Reason != "witness_required" {
				t.Fatalf("waste without witness: %d %s", r.Status, r.Body)
			}
			r = nurse.Do("POST", "/api/v1/waste", map[string]any{"product_id": oxy, "quantity": 1, "unit_id": unit, "lot": "OX1", "reason": "dropped",
				"witness": map[string]string{"username": "nurse2", "password": "wrong"}}, nil)
			if r.Status != http.StatusUnprocessableEntity || r.Err(t).Error.Reason != "witness_invalid" {
				t.Fatalf("waste with a wrong witness password: %d %s", r.Status, r.Body)
			}
			if st := nurse.JSON("POST", "/api/v1/waste", map[string]any{"product_id": oxy, "quantity": 1, "unit_id": unit, "lot": "OX1", "reason": "dropped",
				"witness": map[string]string{"username": "nurse2", "password": "demo"}}, nil); st != http.StatusCreated {
				t.Fatalf("witnessed waste: %d", st)
			}
			if st := nurse.JSON("POST", "/api/v1/returns", map[string]any{"product_id": oxy, "quantity": 2, "unit_id": unit, "lot": "OX1", "reason": "surplus"}, nil); st != http.StatusCreated {
				t.Fatalf("return: %d", st)
			}
			var stock struct {
				Items []struct {
					ProductID string  `json:"product_id"`
					OnHand    float64 `json:"on_hand"`
				} `json:"items"`
			}
			// The balance of a controlled substance is pharmacy's to see:
			// nurses count it blind.
			ph.JSON("GET", "/api/v1/stock?unit_id="+unit, nil, &stock)
			if len(stock.Items) != 1 || stock.Items[0].OnHand != 7 {
				t.Fatalf("stock: %+v", stock)
			}
			var cnt struct {
				Expected       *float64 `json:"expected"`
				ExpectedHidden bool     `json:"expected_hidden"`
			}
			if st := nurse.JSON("POST", "/api/v1/stock/counts", map[string]any{"product_id": oxy, "unit_id": unit, "counted": 6,
				"witness": map[string]string{"username": "nurse2", "password": "demo"}}, &cnt); st != http.StatusCreated || cnt.Expected != nil || !cnt.ExpectedHidden {
				t.Fatalf("count: %d %+v", st, cnt)
			}
			env.Clock.Advance(time.Hour)
			from := env.Clock.Now().Add(-3 * time.Hour).Format(time.RFC3339)
			to := env.Clock.Now().Format(time.RFC3339)
			var rep struct {
				Products []struct {
					Name      string  `json:"name"`
					Dispensed float64 `json:"dispensed"`
					Wasted    float64 `json:"wasted"`
					Returned  float64 `json:"returned"`
					OnHand    float64 `json:"on_hand"`
				} `json:"products"`
				Discrepancies []struct {
					Kind    string `json:"kind"`
					Message string `json:"message"`
				} `json:"discrepancies"`
			}
			q := "/api/v1/reports/reconciliation?unit_id=" + unit + "&from=" + from + "&to=" + to
			if st := ph.JSON("GET", q, nil, &rep); st != http.StatusOK {
				t.Fatalf("report: %d", st)
			}
			if len(rep.Products) != 1 || rep.Products[0].Dispensed != 10 || rep.Products[0].Wasted != 1 || rep.Products[0].Returned != 2 || rep.Products[0].OnHand != 7 {
				t.Fatalf("products: %+v", rep.Products)
			}
			if len(rep.Discrepancies) != 1 || rep.Discrepancies[0].Kind != "controlled_count_mismatch" {
				t.Fatalf("discrepancies: %+v", rep.Discrepancies)
			}
			csvResp := ph.Do("GET", q+"&format=csv", nil, nil)
			if csvResp.Status != http.StatusOK || !strings.HasPrefix(csvResp.Header.Get("Content-Type"), "text/csv") {
				t.Fatalf("csv: %d %s", csvResp.Status, csvResp.Header.Get("Content-Type"))
			}
			rows, err := csv.NewReader(strings.NewReader(string(csvResp.Body))).ReadAll()
			if err != nil || len(rows) < 3 || rows[0][0] != "section" {
				t.Fatalf("csv rows: %v %q", err, csvResp.Body)
			}
			if st := nurse.JSON("GET", q, nil, nil); st != http.StatusForbidden {
				t.Fatalf("nurse reads the report: %d", st)
			}
		})
	}
}

func TestMissingDoseRequestFulfilledByDispense(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	ph, nurse := env.Login(t, "pharmacist"), env.Login(t, "nurse")
	var rs residentsList
	nurse.JSON("GET", "/api/v1/residents", nil, &rs)
	var orders struct {
		Items []struct {
			ID        string `json:"id"`
			Status    string `json:"status"`
			ProductID string `json:"product_id"`
		} `json:"items"`
	}
	nurse.JSON("GET", "/api/v1/residents/"+rs.Items[0].ID+"/orders", nil, &orders)
	var req struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if st := nurse.JSON("POST", "/api/v1/missing-dose-requests", map[string]string{"order_id": orders.Items[0].ID, "note": "blister pack empty"}, &req); st != http.StatusCreated || req.Status != "open" {
		t.Fatalf("request: %d %+v", st, req)
	}
	var open struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if ph.JSON("GET", "/api/v1/missing-dose-requests?status=open", nil, &open); len(open.Items) != 1 {
		t.Fatalf("open requests: %+v", open)
	}
	if st := nurse.JSON("POST", "/api/v1/missing-dose-requests/"+req.ID+"/fulfil", map[string]any{}, nil); st != http.StatusForbidden {
		t.Fatalf("nurse fulfils: %d", st)
	}
	var done struct {
		Request struct {
			Status     string `json:"status"`
			DispenseID string `json:"dispense_id"`
		} `json:"request"`
		Dispense struct {
			ID        string `json:"id"`
			ProductID string `json:"product_id"`
		} `json:"dispense"`
	}
	if st := ph.JSON("POST", "/api/v1/missing-dose-requests/"+req.ID+"/fulfil", map[string]any{"dispense": map[string]any{"quantity": 2, "lot": "L9"}}, &done); st != http.StatusOK ||
		done.Request.Status != "fulfilled" || done.Request.DispenseID != done.Dispense.ID || done.Dispense.ProductID != orders.Items[0].ProductID {
		t.Fatalf("fulfil: %d %+v", st, done)
	}
	if r := ph.Do("POST", "/api/v1/missing-dose-requests/"+req.ID+"/fulfil", map[string]any{"dispense": map[string]any{"quantity": 2}}, nil); r.Status != http.StatusConflict {
		t.Fatalf("fulfil twice: %d", r.Status)
	}
}

func TestPRNPsychotropicLimitRenewalAndExpiry(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{})
			ph, charge := env.Login(t, "pharmacist"), env.Login(t, "charge")
			var rs residentsList
			charge.JSON("GET", "/api/v1/residents", nil, &rs)
			start := env.Clock.Now()
			var lz, qt struct {
				ID     string     `json:"id"`
				StopAt *time.Time `json:"stop_at"`
			}
			if st := ph.JSON("POST", "/api/v1/orders", map[string]any{"resident_id": rs.Items[1].ID, "product_id": productID(t, ph, "Lorazepam"),
				"dose_value": 0.5, "dose_unit": "mg", "route": "oral", "frequency": "q8h PRN max 2/24h", "prn_reason": "anxiety"}, &lz); st != http.StatusCreated {
				t.Fatalf("lorazepam order: %d", st)
			}
			if lz.StopAt == nil || !lz.StopAt.Equal(start.AddDate(0, 0, 14)) {
				t.Fatalf("PRN psychotropic stop %v, want start + 14 days", lz.StopAt)
			}
			if st := ph.JSON("POST", "/api/v1/orders", map[string]any{"resident_id": rs.Items[1].ID, "product_id": productID(t, ph, "Quetiapine"),
				"dose_value": 25, "dose_unit": "mg", "route": "oral", "frequency": "PRN max 1/24h", "prn_reason": "agitation"}, &qt); st != http.StatusCreated {
				t.Fatalf("quetiapine order: %d", st)
			}
			var exp struct {
				Items []struct {
					Order struct {
						ID string `json:"id"`
					} `json:"order"`
					ExpiresAt     time.Time `json:"expires_at"`
					Antipsychotic bool      `json:"antipsychotic"`
				} `json:"items"`
			}
			if st := charge.JSON("GET", "/api/v1/pharmacy/expiring?days=3", nil, &exp); st != http.StatusOK {
				t.Fatalf("expiring: %d", st)
			}
			for _, e := range exp.Items {
				if e.Order.ID == lz.ID {
					t.Fatal("an order 14 days from its limit listed as expiring within 3 days")
				}
			}
			env.Clock.Advance(12 * 24 * time.Hour)
			ph, charge = env.Login(t, "pharmacist"), env.Login(t, "charge")
			if st := charge.JSON("GET", "/api/v1/pharmacy/expiring?days=3", nil, &exp); st != http.StatusOK {
				t.Fatalf("expiring: %d", st)
			}
			listed := map[string]bool{}
			for _, e := range exp.Items {
				listed[e.Order.ID] = true
			}
			if !listed[lz.ID] || !listed[qt.ID] {
				t.Fatalf("expiring list lacks the orders: %+v", exp.Items)
			}
			r := ph.Do("POST", "/api/v1/orders/"+qt.ID+"/renew", map[string]any{"rationale": "still agitated at night", "duration_days": 14}, nil)
			if r.Status != http.StatusUnprocessableEntity || r.Err(t).Error.Reason != "evaluation_required" {
				t.Fatalf("antipsychotic renewal without evaluation: %d %s", r.Status, r.Body)
			}
			r = ph.Do("POST", "/api/v1/orders/"+lz.ID+"/renew", map[string]any{"duration_days": 30}, nil)
			if r.Status != http.StatusBadRequest || r.Err(t).Error.Field != "rationale" {
				t.Fatalf("renewal without rationale: %d %s", r.Status, r.Body)
			}
			var ren struct {
				Order struct {
					StopAt time.Time `json:"stop_at"`
				} `json:"order"`
			}
			if st := ph.JSON("POST", "/api/v1/orders/"+lz.ID+"/renew", map[string]any{"rationale": "nightly anxiety persists; reassess monthly", "duration_days": 30, "prescriber": "Dr. Demo"}, &ren); st != http.StatusOK ||
				!ren.Order.StopAt.Equal(env.Clock.Now().AddDate(0, 0, 30)) {
				t.Fatalf("renewal: %d %+v", st, ren)
			}
			env.Clock.Advance(3 * 24 * time.Hour)
			ph = env.Login(t, "pharmacist")
			job, err := env.Svc.InterfaceIdentity(context.Background(), "jobs")
			if err != nil {
				t.Fatal(err)
			}
			n, err := env.Svc.ExpireOrders(context.Background(), job)
			if err != nil || n < 1 {
				t.Fatalf("expire: %d %v", n, err)
			}
			var orders struct {
				Items []struct {
					ID     string `json:"id"`
					Status string `json:"status"`
				} `json:"items"`
			}
			ph.JSON("GET", "/api/v1/residents/"+rs.Items[1].ID+"/orders", nil, &orders)
			for _, o := range orders.Items {
				if o.ID == qt.ID && o.Status != "completed" {
					t.Errorf("expired antipsychotic is %s", o.Status)
				}
				if o.ID == lz.ID && o.Status != "active" {
					t.Errorf("renewed lorazepam is %s", o.Status)
				}
			}
		})
	}
}

// A dose whose local time a clock change moves is named, with a short note,
// in the verification queue and in the schedule preview (issue 16). The
// order starts on a fixed future spring-forward night, so the test does not
// depend on today's date.
func TestClockChangeWarningsInTheQueueAndThePreview(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	charge, ph := env.Login(t, "charge"), env.Login(t, "pharmacist")
	var units struct {
		Items []struct {
			ID       string `json:"id"`
			TimeZone string `json:"time_zone"`
		} `json:"items"`
	}
	charge.JSON("GET", "/api/v1/units", nil, &units)
	var rs residentsList
	charge.JSON("GET", "/api/v1/residents", nil, &rs)
	resident := ""
	for _, r := range rs.Items {
		for _, u := range units.Items {
			if u.ID == r.UnitID && u.TimeZone == "America/New_York" && resident == "" {
				resident = r.ID
			}
		}
	}
	if resident == "" {
		t.Fatal("no resident on a New York unit")
	}
	// New York springs forward on 14 March 2027: 02:30 does not exist.
	start := time.Date(2027, 3, 12, 12, 0, 0, 0, time.UTC)
	var o idJSON
	if st := charge.JSON("POST", "/api/v1/orders", map[string]any{"resident_id": resident, "product_id": productID(t, ph, "Metoprolol"),
		"dose_value": 25, "dose_unit": "mg", "route": "oral", "frequency": "daily at 02:30", "start_at": start}, &o); st != http.StatusCreated {
		t.Fatalf("order: %d", st)
	}
	var q struct {
		Items []struct {
			Order struct {
				ID string `json:"id"`
			} `json:"order"`
			ClockChanges []struct {
				At    time.Time `json:"at"`
				Local string    `json:"local"`
				Note  string    `json:"note"`
			} `json:"clock_changes"`
		} `json:"items"`
	}
	ph.JSON("GET", "/api/v1/pharmacy/queue", nil, &q)
	found := false
	for _, it := range q.Items {
		if it.Order.ID != o.ID {
			continue
		}
		found = true
		if len(it.ClockChanges) != 1 || !it.ClockChanges[0].At.Equal(time.Date(2027, 3, 14, 7, 0, 0, 0, time.UTC)) ||
			it.ClockChanges[0].Local != "2027-03-14 03:00 EDT" || !strings.Contains(it.ClockChanges[0].Note, "02:30 does not exist on 14 Mar") {
			t.Errorf("clock changes = %+v, want the 14 March dose moved to 03:00 EDT", it.ClockChanges)
		}
	}
	if !found {
		t.Fatal("order not in the queue")
	}
	var p struct {
		Doses []struct {
			Local       string `json:"local"`
			ClockChange string `json:"clock_change"`
		} `json:"doses"`
	}
	if st := ph.JSON("GET", "/api/v1/schedules/preview?frequency=daily+at+02:30&tz=America/New_York&days=3&from="+start.Format(time.RFC3339), nil, &p); st != http.StatusOK {
		t.Fatalf("preview: %d", st)
	}
	var notes []string
	for _, d := range p.Doses {
		if d.ClockChange != "" {
			notes = append(notes, d.Local+": "+d.ClockChange)
		}
	}
	if len(p.Doses) != 3 || len(notes) != 1 || !strings.HasPrefix(notes[0], "2027-03-14 03:00 EDT") {
		t.Errorf("preview notes %q over %d doses, want one on the 14 March dose", notes, len(p.Doses))
	}
}
