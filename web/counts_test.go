package web_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

type countLineResp struct {
	ID         string  `json:"id"`
	ProductID  string  `json:"product_id"`
	Expected   float64 `json:"expected"`
	Counted    float64 `json:"counted"`
	Difference float64 `json:"difference"`
	Status     string  `json:"status"`
	AlertID    string  `json:"alert_id"`
	Resolution string  `json:"resolution"`
	ResolvedBy string  `json:"resolved_by"`
}

type countResp struct {
	ID            string          `json:"id"`
	Shift         string          `json:"shift"`
	ShiftDate     string          `json:"shift_date"`
	OutgoingBy    string          `json:"outgoing_by"`
	IncomingBy    string          `json:"incoming_by"`
	Discrepancies int             `json:"discrepancies"`
	Lines         []countLineResp `json:"lines"`
}

func (c countResp) line(productID string) countLineResp {
	for _, l := range c.Lines {
		if l.ProductID == productID {
			return l
		}
	}
	return countLineResp{}
}

type alertsResp struct {
	Items []struct {
		ID          string `json:"id"`
		Kind        string `json:"kind"`
		SubjectID   string `json:"subject_id"`
		Status      string `json:"status"`
		Severity    string `json:"severity"`
		Message     string `json:"message"`
		ResolvedHow string `json:"resolved_how"`
	} `json:"items"`
}

// At a shift change the outgoing and the incoming nurse count every
// controlled product on the unit. The sheet does not show what the records
// expect; the count keeps the records' quantity (dispensed, less
// administered, wasted) beside the number counted, never corrects the
// records, opens a discrepancy with an alert for the charge nurse and
// pharmacy, and only someone who did not count resolves it, with a reason.
func TestControlledCountAtShiftChange(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			nurse, nurse2, charge, ph := b.login("nurse"), b.login("nurse2"), b.login("charge"), b.login("pharmacist")
			r := b.resident("Castillo")
			unit := r.UnitID
			oxy, lz := b.product("Oxycodone"), b.product("Lorazepam")
			expiry := b.env.Clock.Now().AddDate(1, 0, 0).Format("2006-01-02")
			// The lot of the packs b.pack scans: counts are per lot.
			oxyLot := "L" + strings.ToUpper(oxy.ID[len(oxy.ID)-6:])
			for _, d := range []map[string]any{
				{"product_id": oxy.ID, "quantity": 10, "lot": oxyLot, "expiry": expiry, "unit_id": unit},
				{"product_id": lz.ID, "quantity": 4, "lot": "LZ1", "expiry": expiry, "unit_id": unit},
			} {
				if resp := ph.Do("POST", "/api/v1/dispenses", d, nil); resp.Status != http.StatusCreated {
					t.Fatalf("dispense: %d %s", resp.Status, resp.Body)
				}
			}
			// One PRN oxycodone given at the bedside, one wasted with a witness.
			prn := b.order(r, "oxycodone", true)
			if resp := post(nurse, "/api/v1/administrations", body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(oxy), "order_id": prn.ID,
				"outcome": "given", "prn_indication": "breakthrough pain", "pain_score": 7, "witness": map[string]string{"username": "nurse2", "password": "demo"}}); resp.Status != http.StatusCreated {
				t.Fatalf("give oxycodone: %d %s", resp.Status, resp.Body)
			}
			if resp := nurse.Do("POST", "/api/v1/waste", map[string]any{"product_id": oxy.ID, "quantity": 1, "unit_id": unit, "lot": oxyLot, "reason": "dropped on the floor",
				"witness": map[string]string{"username": "nurse2", "password": "demo"}}, nil); resp.Status != http.StatusCreated {
				t.Fatalf("witnessed waste: %d %s", resp.Status, resp.Body)
			}

			// The sheet lists what to count, blind.
			sheet := nurse.Do("GET", "/api/v1/controlled-counts/sheet?unit_id="+unit, nil, nil)
			if sheet.Status != http.StatusOK {
				t.Fatalf("sheet: %d %s", sheet.Status, sheet.Body)
			}
			s := decode[struct {
				Lines []struct {
					ProductID string `json:"product_id"`
				} `json:"lines"`
			}](t, sheet)
			if len(s.Lines) != 2 {
				t.Fatalf("sheet lines: %s", sheet.Body)
			}
			if bytes.Contains(sheet.Body, []byte("expected")) || bytes.Contains(sheet.Body, []byte("on_hand")) {
				t.Errorf("the sheet shows what the records expect: %s", sheet.Body)
			}

			good := []map[string]any{{"product_id": oxy.ID, "lot": oxyLot, "counted": 7}, {"product_id": lz.ID, "lot": "LZ1", "counted": 4}}
			w2 := map[string]string{"username": "nurse2", "password": "demo"}
			for _, tc := range []struct {
				name       string
				who        string
				body       map[string]any
				status     int
				field      string
				reasonCode string
			}{
				{"without the incoming nurse", "nurse", map[string]any{"unit_id": unit, "lines": good}, 422, "witness", "witness_required"},
				{"with a wrong password", "nurse", map[string]any{"unit_id": unit, "lines": good, "witness": map[string]string{"username": "nurse2", "password": "wrong"}}, 422, "witness", "witness_invalid"},
				{"signed by the outgoing nurse alone", "nurse", map[string]any{"unit_id": unit, "lines": good, "witness": map[string]string{"username": "nurse", "password": "demo"}}, 422, "witness", "witness_is_self"},
				{"leaving a product out", "nurse", map[string]any{"unit_id": unit, "lines": good[:1], "witness": w2}, 400, "lines", ""},
				{"with a product that is not controlled", "nurse", map[string]any{"unit_id": unit, "lines": append(good, map[string]any{"product_id": b.product("Acetaminophen 500").ID, "counted": 3}), "witness": w2}, 400, "lines", ""},
				{"with a negative number", "nurse", map[string]any{"unit_id": unit, "lines": []map[string]any{{"product_id": oxy.ID, "lot": oxyLot, "counted": -1}, good[1]}, "witness": w2}, 400, "lines[0].counted", ""},
				{"without a number", "nurse", map[string]any{"unit_id": unit, "lines": []map[string]any{{"product_id": oxy.ID, "lot": oxyLot}, good[1]}, "witness": w2}, 400, "lines[0].counted", ""},
				{"counting a product twice", "nurse", map[string]any{"unit_id": unit, "lines": append(good, good[0]), "witness": w2}, 400, "lines[2].product_id", ""},
				{"with a shift that does not exist", "nurse", map[string]any{"unit_id": unit, "shift": "noon", "lines": good, "witness": w2}, 400, "shift", ""},
				{"without a unit", "nurse", map[string]any{"lines": good, "witness": w2}, 400, "unit_id", ""},
				{"by a pharmacist", "pharmacist", map[string]any{"unit_id": unit, "lines": good, "witness": w2}, 403, "", ""},
			} {
				t.Run("refused "+tc.name, func(t *testing.T) {
					client := nurse
					if tc.who == "pharmacist" {
						client = ph
					}
					resp := client.Do("POST", "/api/v1/controlled-counts", tc.body, nil)
					if resp.Status != tc.status {
						t.Fatalf("%d %s, want %d", resp.Status, resp.Body, tc.status)
					}
					if tc.status != 403 {
						e := resp.Err(t).Error
						if e.Field != tc.field || (tc.reasonCode != "" && e.Reason != tc.reasonCode) {
							t.Errorf("field %q reason %q, want %q %q: %s", e.Field, e.Reason, tc.field, tc.reasonCode, resp.Body)
						}
					}
				})
			}

			// The count: oxycodone 10 dispensed − 1 given − 1 wasted = 8 expected, 7 found.
			resp := nurse.Do("POST", "/api/v1/controlled-counts", map[string]any{"unit_id": unit, "lines": good, "witness": w2, "note": "shift change"}, nil)
			if resp.Status != http.StatusCreated {
				t.Fatalf("count: %d %s", resp.Status, resp.Body)
			}
			cnt := decode[countResp](t, resp)
			ol, ll := cnt.line(oxy.ID), cnt.line(lz.ID)
			if ol.Expected != 8 || ol.Counted != 7 || ol.Difference != -1 || ol.Status != "open" || ol.AlertID == "" {
				t.Errorf("oxycodone line: %+v", ol)
			}
			if ll.Expected != 4 || ll.Counted != 4 || ll.Status != "matched" || ll.AlertID != "" {
				t.Errorf("lorazepam line: %+v", ll)
			}
			if cnt.Discrepancies != 1 || cnt.IncomingBy == "" || cnt.OutgoingBy == cnt.IncomingBy || cnt.Shift == "" {
				t.Errorf("count: %+v", cnt)
			}

			// The records are not corrected by the count.
			var stock struct {
				Items []struct {
					ProductID string  `json:"product_id"`
					OnHand    float64 `json:"on_hand"`
				} `json:"items"`
			}
			ph.JSON("GET", "/api/v1/stock?unit_id="+unit, nil, &stock)
			for _, it := range stock.Items {
				if it.ProductID == oxy.ID && it.OnHand != 8 {
					t.Errorf("oxycodone on hand after the count: %v, want 8", it.OnHand)
				}
			}

			// The count is in the audit trail with both signatures.
			b.tx(func(tx mar.Tx) error {
				evs, err := tx.ListAudit(mar.AuditFilter{Action: "controlled_count.record", ObjectID: cnt.ID})
				if len(evs) != 1 || !bytes.Contains([]byte(evs[0].Detail), []byte(cnt.IncomingBy)) {
					t.Errorf("audit of the count: %+v", evs)
				}
				return err
			})

			// The charge nurse and pharmacy see a critical alert.
			alertOf := func(c interface {
				JSON(string, string, any, any) int
			}, lineID string) (id, status, how string) {
				var al alertsResp
				if st := c.JSON("GET", "/api/v1/alerts?status=all&unit_id="+unit, nil, &al); st != http.StatusOK {
					t.Fatalf("alerts: %d", st)
				}
				for _, a := range al.Items {
					if a.Kind == "count_discrepancy" && a.SubjectID == lineID {
						if a.Severity != "critical" {
							t.Errorf("alert severity %s", a.Severity)
						}
						return a.ID, a.Status, a.ResolvedHow
					}
				}
				return "", "", ""
			}
			alertID, st, _ := alertOf(charge, ol.ID)
			if alertID != ol.AlertID || st != "open" {
				t.Fatalf("charge nurse's alert: %q %q (line's %q)", alertID, st, ol.AlertID)
			}
			if id, _, _ := alertOf(ph, ol.ID); id != alertID {
				t.Errorf("pharmacy does not see the discrepancy's alert")
			}
			// The alert closes only with its discrepancy.
			if resp := charge.Do("POST", "/api/v1/alerts/"+alertID+"/resolve", map[string]any{"note": "looked at it"}, nil); resp.Status != http.StatusConflict {
				t.Errorf("alert resolved without its discrepancy: %d %s", resp.Status, resp.Body)
			}

			// A second count, by the charge nurse handing over to nurse2:
			// the charge nurse cannot resolve a discrepancy of a count they took part in.
			resp = charge.Do("POST", "/api/v1/controlled-counts", map[string]any{"unit_id": unit, "lines": []map[string]any{{"product_id": oxy.ID, "lot": oxyLot, "counted": 8}, {"product_id": lz.ID, "lot": "LZ1", "counted": 3}}, "witness": w2}, nil)
			if resp.Status != http.StatusCreated {
				t.Fatalf("second count: %d %s", resp.Status, resp.Body)
			}
			second := decode[countResp](t, resp)
			if l := second.line(oxy.ID); l.Status != "matched" {
				t.Errorf("second count, oxycodone: %+v", l)
			}
			sl := second.line(lz.ID)
			if sl.Status != "open" || sl.Expected != 4 || sl.Difference != -1 {
				t.Errorf("second count, lorazepam: %+v", sl)
			}
			var open struct {
				Items []countLineResp `json:"items"`
			}
			if st := charge.JSON("GET", "/api/v1/count-discrepancies?unit_id="+unit, nil, &open); st != http.StatusOK || len(open.Items) != 2 {
				t.Fatalf("open discrepancies: %d %+v", st, open)
			}

			for _, tc := range []struct {
				name   string
				by     string
				line   string
				reason string
				status int
				code   string
			}{
				{"by a nurse", "nurse2", ol.ID, "recounted", 403, ""},
				{"without a reason", "charge", ol.ID, "  ", 400, ""},
				{"by one who counted", "charge", sl.ID, "found it in the drawer", 422, "resolver_counted"},
				{"of an unknown discrepancy", "charge", mar.NewID(), "x", 404, ""},
				{"of a line that matched", "charge", ll.ID, "x", 404, ""},
			} {
				t.Run("resolution refused "+tc.name, func(t *testing.T) {
					client := map[string]bool{"nurse2": true}[tc.by]
					c := charge
					if client {
						c = nurse2
					}
					resp := c.Do("POST", "/api/v1/count-discrepancies/"+tc.line+"/resolve", map[string]any{"reason": tc.reason}, nil)
					if resp.Status != tc.status || (tc.code != "" && resp.Err(t).Error.Reason != tc.code) {
						t.Errorf("%d %s, want %d %s", resp.Status, resp.Body, tc.status, tc.code)
					}
				})
			}

			b.env.Clock.Advance(10 * time.Minute)
			resp = charge.Do("POST", "/api/v1/count-discrepancies/"+ol.ID+"/resolve", map[string]any{"reason": "PRN dose at 06:10 given from the count sheet, charted late; pharmacy informed"}, nil)
			if resp.Status != http.StatusOK {
				t.Fatalf("resolve: %d %s", resp.Status, resp.Body)
			}
			if rl := decode[countLineResp](t, resp); rl.Status != "resolved" || rl.Resolution == "" || rl.ResolvedBy == "" {
				t.Errorf("resolved line: %+v", rl)
			}
			if resp := charge.Do("POST", "/api/v1/count-discrepancies/"+ol.ID+"/resolve", map[string]any{"reason": "again"}, nil); resp.Status != http.StatusConflict {
				t.Errorf("resolved twice: %d %s", resp.Status, resp.Body)
			}
			if _, st, how := alertOf(charge, ol.ID); st != "resolved" || how != mar.ResolvedCount {
				t.Errorf("alert after the resolution: %s %s", st, how)
			}
			if resp := ph.Do("POST", "/api/v1/count-discrepancies/"+sl.ID+"/resolve", map[string]any{"reason": "tablet found in the drawer, recounted 4"}, nil); resp.Status != http.StatusOK {
				t.Fatalf("pharmacist resolves: %d %s", resp.Status, resp.Body)
			}
			open.Items = nil
			if st := charge.JSON("GET", "/api/v1/count-discrepancies?unit_id="+unit, nil, &open); st != http.StatusOK || len(open.Items) != 0 {
				t.Errorf("open discrepancies after resolving: %d %+v", st, open)
			}
			if st := charge.JSON("GET", "/api/v1/count-discrepancies?status=all&unit_id="+unit, nil, &open); st != http.StatusOK || len(open.Items) != 2 {
				t.Errorf("all discrepancies: %d %+v", st, open)
			}
			b.tx(func(tx mar.Tx) error {
				evs, err := tx.ListAudit(mar.AuditFilter{Action: "controlled_count.resolve"})
				if len(evs) != 2 {
					t.Errorf("audit of resolutions: %d events", len(evs))
				}
				return err
			})
			var counts struct {
				Items []countResp `json:"items"`
			}
			if st := charge.JSON("GET", "/api/v1/controlled-counts?unit_id="+unit, nil, &counts); st != http.StatusOK || len(counts.Items) != 2 || counts.Items[0].ID != second.ID {
				t.Errorf("counts: %d %+v", st, counts)
			}
			// The count report as CSV: one row per product and lot counted, oldest first.
			rep := ph.Do("GET", "/api/v1/controlled-counts?format=csv&unit_id="+unit, nil, nil)
			recs, err := csv.NewReader(bytes.NewReader(rep.Body)).ReadAll()
			if rep.Status != http.StatusOK || err != nil || len(recs) != 5 {
				t.Fatalf("count report: %d %v %s", rep.Status, err, rep.Body)
			}
			want := [][]string{
				{"Nora Nurse", "Wes Witness", oxy.Name, oxyLot, "8", "7", "-1", "resolved", "Cora Charge"},
				{"Nora Nurse", "Wes Witness", lz.Name, "LZ1", "4", "4", "0", "matched", ""},
				{"Cora Charge", "Wes Witness", oxy.Name, oxyLot, "8", "8", "0", "matched", ""},
				{"Cora Charge", "Wes Witness", lz.Name, "LZ1", "4", "3", "-1", "resolved", "Phil Pharmacist"},
			}
			// Lines of a count are in product-id order; compare as sets per count.
			for i := 1; i < len(recs); i += 2 {
				got := map[string][]string{}
				for _, rec := range recs[i : i+2] {
					got[rec[6]] = []string{rec[3], rec[4], rec[6], rec[7], rec[8], rec[9], rec[10], rec[11], rec[12]}
				}
				for _, w := range want[i-1 : i+1] {
					if g := got[w[2]]; strings.Join(g, "|") != strings.Join(w, "|") {
						t.Errorf("report row for %s: %v, want %v", w[2], g, w)
					}
				}
			}
			if resp := ph.Do("GET", "/api/v1/controlled-counts?format=pdf&unit_id="+unit, nil, nil); resp.Status != http.StatusBadRequest || resp.Err(t).Error.Field != "format" {
				t.Errorf("format=pdf: %d %s", resp.Status, resp.Body)
			}
		})
	}
}

// Several people resolve the same discrepancy at once: exactly one
// resolution is recorded, the others are told it was resolved, and the
// alert is resolved once.
func TestCountDiscrepancyIsResolvedOnceUnderConcurrency(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			rounds := 5
			if engine == "postgres" {
				rounds = 20
			}
			b := newBed(t, engine)
			nurse, ph := b.login("nurse"), b.login("pharmacist")
			resolvers := []*testenv.Client{b.login("charge"), ph, b.login("charge")}
			unit := b.resident("Castillo").UnitID
			oxy := b.product("Oxycodone")
			if resp := ph.Do("POST", "/api/v1/dispenses", map[string]any{"product_id": oxy.ID, "quantity": 10, "lot": "OX1",
				"expiry": b.env.Clock.Now().AddDate(1, 0, 0).Format("2006-01-02"), "unit_id": unit}, nil); resp.Status != http.StatusCreated {
				t.Fatalf("dispense: %d %s", resp.Status, resp.Body)
			}
			for round := 0; round < rounds; round++ {
				resp := nurse.Do("POST", "/api/v1/controlled-counts", map[string]any{"unit_id": unit, "lines": []map[string]any{{"product_id": oxy.ID, "lot": "OX1", "counted": 9}},
					"witness": map[string]string{"username": "nurse2", "password": "demo"}}, nil)
				if resp.Status != http.StatusCreated {
					t.Fatalf("count: %d %s", resp.Status, resp.Body)
				}
				line := decode[countResp](t, resp).line(oxy.ID)
				statuses := make([]int, len(resolvers))
				var wg sync.WaitGroup
				for i, c := range resolvers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						statuses[i] = c.Do("POST", "/api/v1/count-discrepancies/"+line.ID+"/resolve", map[string]any{"reason": fmt.Sprintf("round %d by %d", round, i)}, nil).Status
					}()
				}
				wg.Wait()
				ok, conflict := 0, 0
				for _, st := range statuses {
					switch st {
					case http.StatusOK:
						ok++
					case http.StatusConflict:
						conflict++
					}
				}
				if ok != 1 || conflict != len(resolvers)-1 {
					t.Fatalf("round %d: statuses %v, want one 200 and 409 for the rest", round, statuses)
				}
				b.tx(func(tx mar.Tx) error {
					evs, err := tx.ListAlertEvents(mar.AlertEventFilter{FacilityID: b.env.Demo.Facility.ID, Limit: 100000})
					n := 0
					for _, e := range evs {
						if e.AlertID == line.AlertID && e.Type == mar.EventResolved {
							n++
						}
					}
					if n != 1 {
						t.Errorf("round %d: the alert was resolved %d times", round, n)
					}
					return err
				})
			}
			b.tx(func(tx mar.Tx) error {
				evs, err := tx.ListAudit(mar.AuditFilter{Action: "controlled_count.resolve"})
				if len(evs) != rounds {
					t.Errorf("%d resolutions audited, want %d", len(evs), rounds)
				}
				return err
			})
		})
	}
}
