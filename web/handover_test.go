package web_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// nextOffsetChange finds the first instant after `after` at which the
// zone's UTC offset changes (a DST transition), to the minute.
func nextOffsetChange(t *testing.T, loc *time.Location, after time.Time) time.Time {
	t.Helper()
	_, off := after.In(loc).Zone()
	for h := after.Truncate(time.Hour); h.Before(after.AddDate(1, 1, 0)); h = h.Add(time.Hour) {
		if _, o := h.In(loc).Zone(); o != off {
			lo := h.Add(-time.Hour)
			for m := lo; !m.After(h); m = m.Add(time.Minute) {
				if _, o := m.In(loc).Zone(); o != off {
					return m
				}
			}
		}
	}
	t.Fatalf("%s has no offset change within a year of %s", loc, after)
	return time.Time{}
}

// newBedAt is newBed with the clock starting at now.
func newBedAt(t *testing.T, engine string, now time.Time) *bed {
	t.Helper()
	env := testenv.Start(t, engine, testenv.Options{Now: now})
	b := &bed{t: t, env: env, residents: map[string]mar.Resident{}, products: map[string]mar.Product{}, units: map[string]mar.Unit{}}
	b.tx(func(tx mar.Tx) error {
		rs, err := tx.ListResidents(mar.ResidentFilter{})
		for _, r := range rs {
			b.residents[r.FamilyName] = r
		}
		ps, _ := tx.ListProducts("")
		for _, p := range ps {
			b.products[p.Name] = p
		}
		us, _ := tx.ListUnits("")
		for _, u := range us {
			b.units[u.ID] = u
		}
		return err
	})
	return b
}

type handoverResp struct {
	Shift     string         `json:"shift"`
	ShiftDate string         `json:"shift_date"`
	TimeZone  string         `json:"time_zone"`
	From      string         `json:"from"`
	To        string         `json:"to"`
	Tally     map[string]int `json:"tally"`
	Residents []struct {
		Name  string `json:"name"`
		Doses []struct {
			DoseID     string `json:"dose_id"`
			DueAt      string `json:"due_at"`
			Status     string `json:"status"`
			ReasonCode string `json:"reason_code"`
			By         string `json:"by"`
		} `json:"doses"`
		PRNs []struct {
			Medication      string `json:"medication"`
			GivenAt         string `json:"given_at"`
			FollowupStatus  string `json:"followup_status"`
			FollowupOverdue bool   `json:"followup_overdue"`
		} `json:"prns"`
	} `json:"residents"`
	Alerts  []any `json:"alerts"`
	Pending []struct {
		Medication string `json:"medication"`
	} `json:"pending_verifications"`
	Changes []struct {
		Medication string `json:"medication"`
		Change     string `json:"change"`
		Reason     string `json:"reason"`
		At         string `json:"at"`
	} `json:"order_changes"`
	CountDone        bool `json:"count_done"`
	Acknowledgements []struct {
		Name string `json:"name"`
		Note string `json:"note"`
	} `json:"acknowledgements"`
}

// The night shift of the New York unit runs from 23:00 to 07:00 local time
// also on the night the clocks change: the handover shows every dose due in
// it with its outcome and reason, the PRN given and its effect check,
// orders waiting for pharmacy and the count, with times in the unit's zone
// and the offset each instant had. The night is the next DST change from
// the run, so the test holds on any date.
func TestShiftHandoverAcrossDST(t *testing.T) {
	ny := mustZone("America/New_York")
	change := nextOffsetChange(t, ny, time.Now())
	cd := change.In(ny)
	day := time.Date(cd.Year(), cd.Month(), cd.Day(), 0, 0, 0, 0, ny) // the local day of the change
	start := time.Date(day.Year(), day.Month(), day.Day(), 6, 10, 0, 0, ny)
	shiftFrom := time.Date(day.Year(), day.Month(), day.Day()-1, 23, 0, 0, 0, ny)
	shiftTo := time.Date(day.Year(), day.Month(), day.Day(), 7, 0, 0, 0, ny)
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBedAt(t, engine, start)
			nurse, charge, ph := b.login("nurse"), b.login("charge"), b.login("pharmacist")
			r := b.resident("Kowalski")
			unit := r.UnitID
			meto := b.order(r, "metoprolol tartrate", false)
			before := b.dose(meto, time.Date(day.Year(), day.Month(), day.Day(), 0, 30, 0, 0, ny), 30*time.Minute)
			after := b.dose(meto, time.Date(day.Year(), day.Month(), day.Day(), 6, 0, 0, 0, ny), time.Hour)
			evening := b.dose(meto, time.Date(day.Year(), day.Month(), day.Day()-1, 21, 0, 0, 0, ny), time.Hour) // the evening shift's
			b.tx(func(tx mar.Tx) error {
				_, err := tx.MarkDosesMissed([]string{before.ID, evening.ID})
				return err
			})
			if resp := post(nurse, "/api/v1/administrations", body{"context_id": scanWristband(t, nurse, r), "dose_id": after.ID, "outcome": "refused", "reason_code": "resident_declined"}); resp.Status != http.StatusCreated {
				t.Fatalf("refused: %d %s", resp.Status, resp.Body)
			}
			prn := b.order(r, "acetaminophen", true)
			if resp := post(nurse, "/api/v1/administrations", body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(b.product("Acetaminophen 500")), "order_id": prn.ID,
				"quantity": 2, "outcome": "given", "prn_indication": "pain", "pain_score": 6}); resp.Status != http.StatusCreated {
				t.Fatalf("PRN: %d %s", resp.Status, resp.Body)
			}
			// Counted at the change of shift (no controlled stock on the unit: an empty, signed count).
			b.env.Clock.Advance(45 * time.Minute)
			if resp := nurse.Do("POST", "/api/v1/controlled-counts", map[string]any{"unit_id": unit, "lines": []any{}, "witness": map[string]string{"username": "nurse2", "password": "demo"}}, nil); resp.Status != http.StatusCreated {
				t.Fatalf("count: %d %s", resp.Status, resp.Body)
			}

			// An order entered and one discontinued during the night.
			if resp := charge.Do("POST", "/api/v1/orders", map[string]any{"resident_id": r.ID, "product_id": b.product("Amlodipine").ID,
				"dose_value": 5, "dose_unit": "mg", "route": "oral", "frequency": "daily"}, nil); resp.Status != http.StatusCreated {
				t.Fatalf("new order: %d %s", resp.Status, resp.Body)
			}
			statin := b.order(r, "atorvastatin", false)
			if resp := ph.Do("POST", "/api/v1/orders/"+statin.ID+"/discontinue", map[string]any{"reason": "myalgia"}, nil); resp.Status != http.StatusOK {
				t.Fatalf("discontinue: %d %s", resp.Status, resp.Body)
			}

			resp := charge.Do("GET", "/api/v1/handover?unit_id="+unit+"&shift=night", nil, nil)
			if resp.Status != http.StatusOK {
				t.Fatalf("handover: %d %s", resp.Status, resp.Body)
			}
			h := decode[handoverResp](t, resp)
			if h.Shift != "night" || h.ShiftDate != shiftFrom.Format(time.DateOnly) || h.TimeZone != "America/New_York" {
				t.Errorf("shift: %s %s %s", h.Shift, h.ShiftDate, h.TimeZone)
			}
			if want := shiftFrom.Format(time.RFC3339); h.From != want {
				t.Errorf("from %s, want %s", h.From, want)
			}
			if want := shiftTo.Format(time.RFC3339); h.To != want {
				t.Errorf("to %s, want %s", h.To, want)
			}
			_, offFrom := shiftFrom.Zone()
			_, offTo := shiftTo.Zone()
			if from, to := parseTime(t, h.From), parseTime(t, h.To); to.Sub(from) != 8*time.Hour-time.Duration(offTo-offFrom)*time.Second || offFrom == offTo {
				t.Errorf("the night of the change lasts %s (offsets %d → %d)", to.Sub(from), offFrom, offTo)
			}
			if h.Tally["due"] != 2 || h.Tally["missed"] != 1 || h.Tally["refused"] != 1 || h.Tally["given"] != 0 {
				t.Errorf("tally: %v", h.Tally)
			}
			var found bool
			for _, res := range h.Residents {
				if res.Name != r.DisplayName() {
					continue
				}
				found = true
				if len(res.Doses) != 2 || res.Doses[0].DoseID != before.ID || res.Doses[1].DoseID != after.ID {
					t.Fatalf("doses: %+v", res.Doses)
				}
				if want := before.DueAt.In(ny).Format(time.RFC3339); res.Doses[0].DueAt != want || res.Doses[0].Status != "missed" {
					t.Errorf("dose before the change: %+v, want due %s", res.Doses[0], want)
				}
				if want := after.DueAt.In(ny).Format(time.RFC3339); res.Doses[1].DueAt != want || res.Doses[1].Status != "refused" || res.Doses[1].ReasonCode != "resident_declined" || res.Doses[1].By == "" {
					t.Errorf("dose after the change: %+v, want due %s", res.Doses[1], want)
				}
				if len(res.PRNs) != 1 || res.PRNs[0].FollowupStatus != "due" || !strings.Contains(res.PRNs[0].Medication, "acetaminophen") {
					t.Errorf("PRNs: %+v", res.PRNs)
				}
			}
			if !found {
				t.Fatalf("%s is not in the handover: %s", r.DisplayName(), resp.Body)
			}
			if !h.CountDone {
				t.Error("the count of the shift change is not shown as done")
			}
			pendingKCl := false
			for _, p := range h.Pending {
				pendingKCl = pendingKCl || strings.Contains(p.Medication, "potassium chloride")
			}
			if !pendingKCl {
				t.Errorf("the order waiting for pharmacy is not handed over: %+v", h.Pending)
			}
			changes := map[string]string{}
			for _, c := range h.Changes {
				changes[strings.Fields(c.Medication)[0]] = c.Change + " " + c.Reason
				if !strings.HasSuffix(c.At, shiftTo.Format("-07:00")) {
					t.Errorf("order change time %s is not in the unit's offset after the change", c.At)
				}
			}
			if len(h.Changes) != 2 || changes["amlodipine"] != "new " || changes["atorvastatin"] != "discontinued myalgia" {
				t.Errorf("order changes: %+v", h.Changes)
			}

			// The incoming nurse acknowledges the handover, once.
			nurse2 := b.login("nurse2")
			ack := map[string]any{"unit_id": unit, "shift": "night", "date": shiftFrom.Format(time.DateOnly), "note": "heard about the refusal"}
			if resp := nurse2.Do("POST", "/api/v1/handover/acknowledge", ack, nil); resp.Status != http.StatusCreated {
				t.Fatalf("acknowledge: %d %s", resp.Status, resp.Body)
			}
			if resp := nurse2.Do("POST", "/api/v1/handover/acknowledge", ack, nil); resp.Status != http.StatusConflict {
				t.Errorf("acknowledged twice: %d %s", resp.Status, resp.Body)
			}
			for _, tc := range []struct {
				name   string
				body   map[string]any
				status int
				field  string
			}{
				{"a shift that has not begun", map[string]any{"unit_id": unit, "shift": "day", "date": day.AddDate(0, 0, 2).Format(time.DateOnly)}, 400, "date"},
				{"no shift", map[string]any{"unit_id": unit, "date": day.Format(time.DateOnly)}, 400, "shift"},
				{"no date", map[string]any{"unit_id": unit, "shift": "day"}, 400, "date"},
			} {
				t.Run("acknowledgement refused "+tc.name, func(t *testing.T) {
					resp := nurse2.Do("POST", "/api/v1/handover/acknowledge", tc.body, nil)
					if resp.Status != tc.status || resp.Err(t).Error.Field != tc.field {
						t.Errorf("%d %s, want %d %s", resp.Status, resp.Body, tc.status, tc.field)
					}
				})
			}
			h = decode[handoverResp](t, charge.Do("GET", "/api/v1/handover?unit_id="+unit+"&shift=night&date="+shiftFrom.Format(time.DateOnly), nil, nil))
			if len(h.Acknowledgements) != 1 || h.Acknowledgements[0].Name != "Wes Witness" || h.Acknowledgements[0].Note != "heard about the refusal" {
				t.Errorf("acknowledgements: %+v", h.Acknowledgements)
			}

			// Later, the PRN's effect check is overdue.
			b.env.Clock.Advance(2 * time.Hour)
			h = decode[handoverResp](t, charge.Do("GET", "/api/v1/handover?unit_id="+unit+"&shift=night&date="+shiftFrom.Format(time.DateOnly), nil, nil))
			for _, res := range h.Residents {
				if res.Name == r.DisplayName() && (len(res.PRNs) != 1 || !res.PRNs[0].FollowupOverdue) {
					t.Errorf("PRN follow-up not overdue: %+v", res.PRNs)
				}
			}

			for _, tc := range []struct {
				name, query string
				status      int
				field       string
			}{
				{"an unknown shift", "unit_id=" + unit + "&shift=noon", 400, "shift"},
				{"a date that is not one", "unit_id=" + unit + "&shift=day&date=tomorrow", 400, "date"},
				{"a date without a shift", "unit_id=" + unit + "&date=" + shiftFrom.Format(time.DateOnly), 400, "shift"},
				{"a shift that has not begun", "unit_id=" + unit + "&shift=day&date=" + day.AddDate(0, 0, 3).Format(time.DateOnly), 400, "date"},
				{"no unit", "shift=day", 400, "unit_id"},
				{"an unknown unit", "unit_id=" + mar.NewID(), 404, ""},
			} {
				t.Run("refused "+tc.name, func(t *testing.T) {
					resp := charge.Do("GET", "/api/v1/handover?"+tc.query, nil, nil)
					if resp.Status != tc.status || (tc.field != "" && resp.Err(t).Error.Field != tc.field) {
						t.Errorf("%d %s, want %d %s", resp.Status, resp.Body, tc.status, tc.field)
					}
				})
			}
			if resp := ph.Do("GET", "/api/v1/handover?unit_id="+unit, nil, nil); resp.Status != http.StatusForbidden {
				t.Errorf("pharmacist: %d", resp.Status)
			}

			// The charge nurse's page shows the same shift in local time.
			page := charge.Do("GET", "/handover?unit_id="+unit+"&shift=night&date="+shiftFrom.Format(time.DateOnly), nil, htmlAccept)
			if page.Status != http.StatusOK {
				t.Fatalf("page: %d %s", page.Status, page.Body)
			}
			html := string(page.Body)
			for _, want := range []string{r.DisplayName(), "resident_declined", "missed", "refused", shiftFrom.Format("15:04 MST"), shiftTo.Format("15:04 MST"),
				after.DueAt.In(ny).Format("15:04 MST"), before.DueAt.In(ny).Format("15:04 MST"), "effect check overdue"} {
				if !strings.Contains(html, want) {
					t.Errorf("the page lacks %q", want)
				}
			}
			if strings.Contains(html, evening.ID) || strings.Count(html, `class="dose-row"`) != 2 {
				t.Errorf("the page shows %d dose rows, want the shift's 2", strings.Count(html, `class="dose-row"`))
			}

			// The surveyor's export of the same days.
			q := "from=" + shiftFrom.Format(time.DateOnly) + "&to=" + day.Format(time.DateOnly)
			exp := charge.Do("GET", "/api/v1/residents/"+r.ID+"/mar.csv?"+q, nil, nil)
			if exp.Status != http.StatusOK || !strings.HasPrefix(exp.Header.Get("Content-Type"), "text/csv") {
				t.Fatalf("export: %d %s", exp.Status, exp.Body)
			}
			recs, err := csv.NewReader(bytes.NewReader(exp.Body)).ReadAll()
			if err != nil {
				t.Fatalf("the export is not CSV: %v", err)
			}
			col := map[string]int{}
			for i, h := range recs[0] {
				col[h] = i
			}
			byDose := map[string][]string{}
			var prnRows [][]string
			for _, rec := range recs[1:] {
				if rec[col["mrn"]] != r.MRN {
					t.Errorf("row of another resident: %v", rec)
				}
				if id := rec[col["dose_id"]]; id != "" {
					byDose[id] = rec
				} else {
					prnRows = append(prnRows, rec)
				}
			}
			if len(byDose) != 3 || len(prnRows) != 1 {
				t.Fatalf("export rows: %d doses, %d PRN: %s", len(byDose), len(prnRows), exp.Body)
			}
			if rec := byDose[after.ID]; rec[col["status"]] != "refused" || rec[col["reason_code"]] != "resident_declined" || rec[col["due"]] != after.DueAt.In(ny).Format(time.RFC3339) || rec[col["performed_by"]] == "" {
				t.Errorf("refused dose row: %v", rec)
			}
			if rec := byDose[before.ID]; rec[col["status"]] != "missed" || rec[col["due"]] != before.DueAt.In(ny).Format(time.RFC3339) || rec[col["performed"]] != "" {
				t.Errorf("missed dose row: %v", rec)
			}
			if rec := prnRows[0]; rec[col["status"]] != "given" || rec[col["prn"]] != "true" || rec[col["prn_indication"]] != "pain" || rec[col["quantity"]] != "2" {
				t.Errorf("PRN row: %v", rec)
			}
			for _, tc := range []struct {
				name, query, field string
			}{
				{"a from that is not a date", "from=yesterday", "from"},
				{"a to before from", "from=" + day.Format(time.DateOnly) + "&to=" + shiftFrom.Format(time.DateOnly), "to"},
				{"more than 93 days", "from=" + day.AddDate(0, -4, 0).Format(time.DateOnly) + "&to=" + day.Format(time.DateOnly), "to"},
			} {
				t.Run("export refused "+tc.name, func(t *testing.T) {
					resp := charge.Do("GET", "/api/v1/residents/"+r.ID+"/mar.csv?"+tc.query, nil, nil)
					if resp.Status != http.StatusBadRequest || resp.Err(t).Error.Field != tc.field {
						t.Errorf("%d %s, want 400 %s", resp.Status, resp.Body, tc.field)
					}
				})
			}
		})
	}
}

func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return v
}
