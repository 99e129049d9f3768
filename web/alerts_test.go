package web_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emar-project/emar/alerts"
	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// t0 is 09:00 in New York (the MAPLE unit), 15:00 in Berlin (LINDEN).
var t0 = time.Date(2026, 1, 14, 14, 0, 0, 0, time.UTC)

type board struct {
	t   *testing.T
	env *testenv.Env
	sw  *alerts.Sweeper
}

func newBoard(t *testing.T, engine string) *board {
	env := testenv.Start(t, engine, testenv.Options{Now: t0})
	sw := alerts.NewSweeper(env.Svc, alerts.Config{LateLookback: 24 * time.Hour}, env.AlertHub, testenv.Logger(t))
	return &board{t: t, env: env, sw: sw}
}

func (b *board) unit(code string) mar.Unit {
	for _, u := range b.env.Demo.Units {
		if u.Code == code {
			return u
		}
	}
	b.t.Fatalf("no unit %s", code)
	return mar.Unit{}
}

func (b *board) user(name string) mar.User {
	var u mar.User
	if err := b.env.Store.InTx(context.Background(), func(tx mar.Tx) error {
		var err error
		u, err = tx.GetUserByUsername(name)
		return err
	}); err != nil {
		b.t.Fatal(err)
	}
	return u
}

// addDoses schedules one dose per active order of residents on the unit,
// up to n, due at due with a ±30 min window.
func (b *board) addDoses(unitID string, due time.Time, n int) []mar.ScheduledDose {
	b.t.Helper()
	var out []mar.ScheduledDose
	prn := false
	err := b.env.Store.InTx(context.Background(), func(tx mar.Tx) error {
		orders, err := tx.ListOrders(mar.OrderFilter{FacilityID: b.env.Demo.Facility.ID, Statuses: []mar.OrderStatus{mar.OrderActive}, PRN: &prn})
		if err != nil {
			return err
		}
		for _, o := range orders {
			r, err := tx.GetResident(o.ResidentID)
			if err != nil {
				return err
			}
			if r.UnitID != unitID || len(out) == n {
				continue
			}
			out = append(out, mar.ScheduledDose{ID: mar.NewID(), FacilityID: o.FacilityID, OrderID: o.ID, ResidentID: r.ID, UnitID: r.UnitID,
				DueAt: due, WindowStart: due.Add(-30 * time.Minute), WindowEnd: due.Add(30 * time.Minute), Status: mar.DoseScheduled})
		}
		_, err = tx.InsertDoses(out)
		return err
	})
	if err != nil || len(out) != n {
		b.t.Fatalf("add %d doses: got %d, %v", n, len(out), err)
	}
	return out
}

// missAt moves the clock to at and sweeps.
func (b *board) missAt(at time.Time) alerts.Result {
	b.t.Helper()
	b.env.Clock.Set(at)
	res, err := b.sw.Sweep(context.Background())
	if err != nil {
		b.t.Fatal(err)
	}
	return res
}

type alertOut struct {
	ID              string `json:"id"`
	Kind            string `json:"kind"`
	Status          string `json:"status"`
	UnitID          string `json:"unit_id"`
	DoseID          string `json:"dose_id"`
	Message         string `json:"message"`
	AcknowledgedBy  string `json:"acknowledged_by"`
	AckNote         string `json:"ack_note"`
	ResolvedHow     string `json:"resolved_how"`
	ResolveNote     string `json:"resolve_note"`
	EscalationLevel int    `json:"escalation_level"`
}

func listAlerts(t *testing.T, c *testenv.Client, query string) []alertOut {
	t.Helper()
	var out struct {
		Items []alertOut `json:"items"`
	}
	if st := c.JSON("GET", "/api/v1/alerts?"+query, nil, &out); st != http.StatusOK {
		t.Fatalf("GET /api/v1/alerts?%s: %d", query, st)
	}
	return out.Items
}

func TestChargeNurseAcknowledgesAndResolvesAlertsOfTheirUnits(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBoard(t, engine)
			maple, linden := b.unit("MAPLE"), b.unit("LINDEN")
			b.addDoses(maple.ID, t0, 2)
			b.addDoses(linden.ID, t0, 1)
			if res := b.missAt(t0.Add(31 * time.Minute)); res.Missed != 3 {
				t.Fatalf("sweep: %+v", res)
			}
			charge := b.env.Login(t, "charge")
			nurse := b.env.Login(t, "nurse")
			open := listAlerts(t, charge, "unit_id="+maple.ID+"&status=open")
			if len(open) != 2 || open[0].Kind != "missed" || open[0].Status != "open" || open[0].UnitID != maple.ID {
				t.Fatalf("open alerts on MAPLE: %+v", open)
			}
			if got := listAlerts(t, nurse, "status=all"); len(got) != 3 {
				t.Fatalf("a nurse of both units sees %d alerts, want 3", len(got))
			}
			id := open[0].ID

			// Nurses see but do not acknowledge.
			if st := nurse.JSON("POST", "/api/v1/alerts/"+id+"/acknowledge", map[string]string{"note": "x"}, nil); st != http.StatusForbidden {
				t.Fatalf("nurse acknowledges: %d, want 403", st)
			}
			var acked alertOut
			if st := charge.JSON("POST", "/api/v1/alerts/"+id+"/acknowledge", map[string]string{"note": "calling the nurse"}, &acked); st != http.StatusOK {
				t.Fatalf("acknowledge: %d", st)
			}
			if acked.Status != "acknowledged" || acked.AckNote != "calling the nurse" || acked.AcknowledgedBy != b.user("charge").ID {
				t.Fatalf("acknowledged: %+v", acked)
			}
			again := charge.Do("POST", "/api/v1/alerts/"+id+"/acknowledge", map[string]string{"note": "again"}, nil)
			if again.Status != http.StatusConflict {
				t.Fatalf("second acknowledgement: %d", again.Status)
			}
			if e := again.Err(t); e.Error.Reason != "already_acknowledged" || !strings.Contains(e.Error.Message, "Cora Charge") || e.Error.Details["acknowledged_at"] == nil {
				t.Fatalf("conflict must say by whom and when: %+v", e)
			}
			if r := charge.Do("POST", "/api/v1/alerts/"+id+"/resolve", map[string]string{"note": " "}, nil); r.Status != http.StatusBadRequest || r.Err(t).Error.Field != "note" {
				t.Fatalf("resolve without a note: %d %s", r.Status, r.Body)
			}
			if r := charge.Do("POST", "/api/v1/alerts/"+id+"/resolve", map[string]any{"note": "x", "resolved_by": "someone"}, nil); r.Status != http.StatusBadRequest {
				t.Fatalf("mass assignment of resolved_by: %d", r.Status)
			}
			var resolved alertOut
			if st := charge.JSON("POST", "/api/v1/alerts/"+id+"/resolve", map[string]string{"note": "resident was off the unit; dose omitted per prescriber"}, &resolved); st != http.StatusOK {
				t.Fatalf("resolve: %d", st)
			}
			if resolved.Status != "resolved" || resolved.ResolvedHow != "manual" {
				t.Fatalf("resolved: %+v", resolved)
			}
			if r := charge.Do("POST", "/api/v1/alerts/"+id+"/resolve", map[string]string{"note": "again"}, nil); r.Status != http.StatusConflict || r.Err(t).Error.Reason != "already_resolved" {
				t.Fatalf("second resolve: %d %s", r.Status, r.Body)
			}
			if got := listAlerts(t, charge, "unit_id="+maple.ID); len(got) != 1 {
				t.Fatalf("active alerts after resolving one: %+v", got)
			}
			if got := listAlerts(t, charge, "unit_id="+maple.ID+"&status=resolved"); len(got) != 1 || got[0].ID != id {
				t.Fatalf("resolved alerts: %+v", got)
			}
			for _, path := range []string{"/api/v1/alerts/" + mar.NewID() + "/acknowledge", "/api/v1/alerts/not-an-id/acknowledge"} {
				if st := charge.JSON("POST", path, map[string]string{}, nil); st != http.StatusNotFound {
					t.Fatalf("%s: %d, want 404", path, st)
				}
			}
		})
	}
}

func TestAlertAccessFollowsRoleAndUnit(t *testing.T) {
	b := newBoard(t, "sqlite")
	maple, linden := b.unit("MAPLE"), b.unit("LINDEN")
	b.addDoses(linden.ID, t0, 1)
	b.missAt(t0.Add(31 * time.Minute))
	admin := b.env.Login(t, "admin")
	for _, u := range []map[string]any{
		{"username": "mapleonly", "display_name": "Maple Charge", "role": "charge_nurse", "password": "a-long-password-1", "unit_ids": []string{maple.ID}},
	} {
		if st := admin.JSON("POST", "/api/v1/users", u, nil); st != http.StatusCreated {
			t.Fatalf("create user: %d", st)
		}
	}
	mc := b.env.Anonymous(t)
	var login struct {
		Token string `json:"token"`
	}
	mc.JSON("POST", "/api/v1/auth/login", map[string]string{"username": "mapleonly", "password": "a-long-password-1"}, &login)
	mc.Token = login.Token

	lindenAlert := listAlerts(t, b.env.Login(t, "charge"), "unit_id="+linden.ID)[0]
	if got := listAlerts(t, mc, "status=all"); len(got) != 0 {
		t.Fatalf("a MAPLE charge nurse sees LINDEN alerts: %+v", got)
	}
	if st := mc.JSON("GET", "/api/v1/alerts?unit_id="+linden.ID, nil, nil); st != http.StatusForbidden {
		t.Fatalf("asking for another unit: %d, want 403", st)
	}
	if st := mc.JSON("POST", "/api/v1/alerts/"+lindenAlert.ID+"/acknowledge", map[string]string{}, nil); st != http.StatusForbidden {
		t.Fatalf("acknowledging another unit's alert: %d, want 403", st)
	}
	if st := admin.JSON("GET", "/api/v1/alerts", nil, nil); st != http.StatusForbidden {
		t.Fatalf("admin lists clinical alerts: %d, want 403", st)
	}
	// Pharmacists see only their own queue's alerts.
	if got := listAlerts(t, b.env.Login(t, "pharmacist"), "status=all"); len(got) != 0 {
		t.Fatalf("pharmacist sees dose alerts: %+v", got)
	}
	b.env.Store.Gorm().Exec(`UPDATE orders SET created_at = ? WHERE status = 'pending_verification'`, t0.Add(-2*time.Hour))
	sw := alerts.NewSweeper(b.env.Svc, alerts.Config{VerificationAfter: time.Hour}, nil, nil)
	if _, err := sw.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := listAlerts(t, b.env.Login(t, "pharmacist"), "status=all")
	if len(got) == 0 {
		t.Fatal("pharmacist sees no verification_overdue alert")
	}
	for _, a := range got {
		if a.Kind != "verification_overdue" {
			t.Fatalf("pharmacist sees %s", a.Kind)
		}
	}
	if r := b.env.Login(t, "charge").Do("GET", "/api/v1/alerts?status=bogus", nil, nil); r.Status != http.StatusBadRequest || r.Err(t).Error.Field != "status" {
		t.Fatalf("bad status: %d %s", r.Status, r.Body)
	}
}

func TestAlertsListByShiftInTheUnitsTimeZone(t *testing.T) {
	b := newBoard(t, "sqlite")
	maple := b.unit("MAPLE")                                     // America/New_York
	b.addDoses(maple.ID, t0, 1)                                  // 09:00 local, missed at 09:31: day shift
	b.addDoses(maple.ID, t0.Add(7*time.Hour), 1)                 // 16:00 local, missed at 16:31: evening
	b.addDoses(maple.ID, t0.Add(14*time.Hour+30*time.Minute), 1) // 23:30 local, missed 00:01 next day: night of the 14th
	b.missAt(t0.Add(31 * time.Minute))
	b.missAt(t0.Add(7*time.Hour + 31*time.Minute))
	b.missAt(t0.Add(15*time.Hour + time.Minute))
	charge := b.env.Login(t, "charge")
	tests := []struct {
		query string
		want  int
	}{
		{"shift=day&date=2026-01-14", 1},
		{"shift=evening&date=2026-01-14", 1},
		{"shift=night&date=2026-01-14", 1},
		{"shift=night&date=2026-01-13", 0},
		{"shift=night", 1}, // the latest night shift: the one running now
		{"from=" + url.QueryEscape("2026-01-14T00:00:00-05:00") + "&to=" + url.QueryEscape("2026-01-14T23:00:00-05:00"), 2},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			if got := listAlerts(t, charge, "unit_id="+maple.ID+"&status=all&"+tt.query); len(got) != tt.want {
				t.Fatalf("%d alerts, want %d: %+v", len(got), tt.want, got)
			}
		})
	}
	if r := charge.Do("GET", "/api/v1/alerts?shift=day", nil, nil); r.Status != http.StatusBadRequest || r.Err(t).Error.Field != "unit_id" {
		t.Fatalf("shift without unit: %d %s", r.Status, r.Body)
	}
	if r := charge.Do("GET", "/api/v1/alerts?unit_id="+maple.ID+"&shift=afternoon", nil, nil); r.Status != http.StatusBadRequest {
		t.Fatalf("unknown shift: %d", r.Status)
	}
}

// sseEvent is one parsed Server-Sent Event.
type sseEvent struct {
	ID   string
	Type string
	Data struct {
		EventID int64    `json:"event_id"`
		Type    string   `json:"type"`
		Alert   alertOut `json:"alert"`
	}
}

// openStream connects to the live stream and delivers parsed events on a
// channel until the body is closed.
func openStream(t *testing.T, c *testenv.Client, unitID string, lastID string) (*http.Response, <-chan sseEvent, *atomic.Int64) {
	t.Helper()
	req, _ := http.NewRequest("GET", c.Base+"/api/v1/alerts/stream?unit_id="+unitID, nil)
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" ||
		resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("X-Accel-Buffering") != "no" {
		t.Fatalf("stream answered %d %v", resp.StatusCode, resp.Header)
	}
	ch := make(chan sseEvent, 100)
	keepAlives := new(atomic.Int64)
	go func() {
		defer close(ch)
		rd := bufio.NewReader(resp.Body)
		var ev sseEvent
		var data string
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case line == "":
				if data != "" {
					_ = json.Unmarshal([]byte(data), &ev.Data)
					ch <- ev
				}
				ev, data = sseEvent{}, ""
			case strings.HasPrefix(line, ":"):
				keepAlives.Add(1)
			case strings.HasPrefix(line, "id: "):
				ev.ID = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "event: "):
				ev.Type = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return resp, ch, keepAlives
}

func next(t *testing.T, ch <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("stream ended")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
	}
	return sseEvent{}
}

// A board that loses its connection mid-stream and reconnects with
// Last-Event-ID receives every event exactly once and in order, including
// those raised while it was away.
func TestAlertStreamResumesWithoutGapsOrRepeats(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBoard(t, engine)
			maple, linden := b.unit("MAPLE"), b.unit("LINDEN")
			charge := b.env.Login(t, "charge")
			resp, ch, _ := openStream(t, charge, maple.ID, "")

			b.addDoses(maple.ID, t0, 3)
			b.addDoses(linden.ID, t0, 2) // another unit: never on this stream
			b.missAt(t0.Add(31 * time.Minute))
			var seen []sseEvent
			for len(seen) < 2 {
				seen = append(seen, next(t, ch))
			}
			resp.Body.Close() // the board's Wi-Fi drops after two events
			for range ch {
			}

			// While it is away: three more missed, one acknowledged.
			b.addDoses(maple.ID, t0.Add(time.Hour), 3)
			b.missAt(t0.Add(91 * time.Minute))
			first := listAlerts(t, charge, "unit_id="+maple.ID+"&status=open")[0]
			if st := charge.JSON("POST", "/api/v1/alerts/"+first.ID+"/acknowledge", map[string]string{"note": "seen"}, nil); st != http.StatusOK {
				t.Fatalf("acknowledge: %d", st)
			}

			resp, ch, keepAlives := openStream(t, charge, maple.ID, seen[len(seen)-1].ID)
			defer resp.Body.Close()
			for len(seen) < 3+3+1 {
				seen = append(seen, next(t, ch))
			}
			// And live again after the reconnect.
			b.addDoses(maple.ID, t0.Add(2*time.Hour), 1)
			b.missAt(t0.Add(151 * time.Minute))
			seen = append(seen, next(t, ch))

			var want []int64
			b.env.Store.Gorm().Raw(`SELECT id FROM alert_events WHERE unit_id = ? ORDER BY id`, maple.ID).Scan(&want)
			if len(seen) != len(want) {
				t.Fatalf("received %d events, the unit has %d", len(seen), len(want))
			}
			raised := map[string]bool{}
			for i, ev := range seen {
				if ev.ID != fmt.Sprint(want[i]) || ev.Data.EventID != want[i] {
					t.Fatalf("event %d: id %s, want %d (received %v)", i, ev.ID, want[i], ids(seen))
				}
				if ev.Data.Alert.UnitID != maple.ID || ev.Type != ev.Data.Type {
					t.Fatalf("event %d: %+v", i, ev)
				}
				if ev.Type == "raised" {
					if raised[ev.Data.Alert.ID] {
						t.Fatalf("alert %s raised twice on the stream", ev.Data.Alert.ID)
					}
					raised[ev.Data.Alert.ID] = true
				}
			}
			if len(raised) != 7 {
				t.Fatalf("%d alerts raised on the stream, want 7", len(raised))
			}
			// Idle now: the stream sends keep-alive comments.
			deadline := time.Now().Add(5 * time.Second)
			for keepAlives.Load() == 0 && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			if keepAlives.Load() == 0 {
				t.Fatal("no keep-alive comment on an idle stream")
			}
		})
	}
}

func ids(evs []sseEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID + ":" + e.Type
	}
	return out
}

func TestAlertStreamRefusesBadRequests(t *testing.T) {
	b := newBoard(t, "sqlite")
	charge := b.env.Login(t, "charge")
	tests := []struct {
		name, query string
		header      map[string]string
		want        int
	}{
		{"no unit", "", nil, http.StatusBadRequest},
		{"unknown unit", "unit_id=" + mar.NewID(), nil, http.StatusForbidden},
		{"bad last event id", "unit_id=" + b.unit("MAPLE").ID, map[string]string{"Last-Event-ID": "abc"}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := charge.Do("GET", "/api/v1/alerts/stream?"+tt.query, nil, tt.header); r.Status != tt.want {
				t.Fatalf("%d %s, want %d", r.Status, r.Body, tt.want)
			}
		})
	}
}

type reportOut struct {
	Group string `json:"group"`
	Lines []struct {
		Key       string  `json:"key"`
		Due       int     `json:"due"`
		Open      int     `json:"open"`
		Given     int     `json:"given"`
		OnTime    int     `json:"on_time"`
		Late      int     `json:"late"`
		Missed    int     `json:"missed"`
		Held      int     `json:"held"`
		OnTimePct float64 `json:"on_time_pct"`
	} `json:"lines"`
	Total struct {
		Due       int     `json:"due"`
		Given     int     `json:"given"`
		OnTime    int     `json:"on_time"`
		Late      int     `json:"late"`
		Missed    int     `json:"missed"`
		Held      int     `json:"held"`
		OnTimePct float64 `json:"on_time_pct"`
	} `json:"total"`
}

func TestDoseReportJSONAndCSV(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBoard(t, engine)
			maple, linden := b.unit("MAPLE"), b.unit("LINDEN")
			md := b.addDoses(maple.ID, t0, 4)                 // day shift in New York
			ld := b.addDoses(linden.ID, t0.Add(time.Hour), 2) // 16:00 Berlin: evening
			nurse := b.user("nurse")
			db := b.env.Store.Gorm()
			doc := func(d mar.ScheduledDose, status string, at time.Time) {
				if err := db.Exec(`UPDATE scheduled_doses SET status = ?, documented_by = ?, documented_at = ? WHERE id = ?`, status, nurse.ID, at, d.ID).Error; err != nil {
					t.Fatal(err)
				}
			}
			doc(md[0], "given", t0.Add(5*time.Minute))  // on time
			doc(md[1], "given", t0.Add(45*time.Minute)) // late
			doc(md[2], "held", t0.Add(10*time.Minute))
			doc(ld[0], "given", t0.Add(time.Hour))
			b.missAt(t0.Add(2 * time.Hour)) // md[3] and ld[1] missed
			// A medication whose name would be a formula in a spreadsheet,
			// and which needs quoting.
			db.Exec(`UPDATE orders SET ingredient = ? WHERE id = ?`, `=cmd|"calc", evil`, md[3].OrderID)

			admin := b.env.Login(t, "admin")
			from, to := url.QueryEscape(t0.Add(-time.Hour).Format(time.RFC3339)), url.QueryEscape(t0.Add(3*time.Hour).Format(time.RFC3339))
			get := func(group string) reportOut {
				var r reportOut
				if st := admin.JSON("GET", "/api/v1/reports/doses?group="+group+"&from="+from+"&to="+to, nil, &r); st != http.StatusOK {
					t.Fatalf("report by %s: %d", group, st)
				}
				return r
			}
			byUnit := get("unit")
			if tot := byUnit.Total; tot.Due != 6 || tot.Given != 3 || tot.OnTime != 2 || tot.Late != 1 || tot.Missed != 2 || tot.Held != 1 || tot.OnTimePct != 33.3 {
				t.Fatalf("total: %+v", tot)
			}
			if len(byUnit.Lines) != 2 || byUnit.Lines[0].Key != "LINDEN" || byUnit.Lines[1].Key != "MAPLE" || byUnit.Lines[1].Due != 4 || byUnit.Lines[1].OnTimePct != 25 {
				t.Fatalf("by unit: %+v", byUnit.Lines)
			}
			byShift := get("shift")
			if len(byShift.Lines) != 2 || byShift.Lines[0].Key != "day" || byShift.Lines[0].Due != 4 || byShift.Lines[1].Key != "evening" || byShift.Lines[1].Due != 2 {
				t.Fatalf("by shift: %+v", byShift.Lines)
			}
			byNurse := get("nurse")
			if len(byNurse.Lines) != 2 || byNurse.Lines[0].Key != "(not documented)" || byNurse.Lines[0].Missed != 2 || byNurse.Lines[1].Key != nurse.DisplayName || byNurse.Lines[1].Due != 4 {
				t.Fatalf("by nurse: %+v", byNurse.Lines)
			}

			r := admin.Do("GET", "/api/v1/reports/doses?group=medication&format=csv&from="+from+"&to="+to, nil, nil)
			if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
				!strings.HasPrefix(r.Header.Get("Content-Disposition"), `attachment; filename="dose-report-medication-`) {
				t.Fatalf("csv: %d %v", r.Status, r.Header)
			}
			recs, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
			if err != nil {
				t.Fatalf("CSV does not parse: %v\n%s", err, r.Body)
			}
			if strings.Join(recs[0], ",") != "medication,due,open,given,on_time,late,missed,held,refused,not_given,on_time_pct,scanned,unscanned,scan_pct" {
				t.Fatalf("header %v", recs[0])
			}
			if last := recs[len(recs)-1]; last[0] != "total" || last[1] != "6" {
				t.Fatalf("total row %v", last)
			}
			found := false
			for _, rec := range recs[1:] {
				if rec[0] == `'=cmd|"calc", evil` {
					found = true
				}
				if len(rec) != len(recs[0]) {
					t.Fatalf("ragged row %v", rec)
				}
			}
			if !found {
				t.Fatalf("formula not defused or not quoted:\n%s", r.Body)
			}

			// A charge nurse reports on their units only; nurses not at all.
			if st := b.env.Login(t, "charge").JSON("GET", "/api/v1/reports/doses?unit_id="+maple.ID+"&from="+from+"&to="+to, nil, nil); st != http.StatusOK {
				t.Fatalf("charge nurse report: %d", st)
			}
			if st := b.env.Login(t, "nurse").JSON("GET", "/api/v1/reports/doses", nil, nil); st != http.StatusForbidden {
				t.Fatalf("nurse report: %d, want 403", st)
			}
			for _, q := range []string{"group=ward", "format=xml", "from=yesterday", "from=" + to + "&to=" + from} {
				if st := admin.JSON("GET", "/api/v1/reports/doses?"+q, nil, nil); st != http.StatusBadRequest {
					t.Fatalf("%s: %d, want 400", q, st)
				}
			}
		})
	}
}

// Scanning compliance comes from the administration that documented each
// given dose (the bedside capability's table).
func TestDoseReportCountsScannedAndKeyedAdministrations(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBoard(t, engine)
			maple := b.unit("MAPLE")
			ds := b.addDoses(maple.ID, t0, 4)
			nurse := b.user("nurse")
			give := func(d mar.ScheduledDose, keyed bool, wrist, product string) {
				a := mar.Administration{ID: mar.NewID(), FacilityID: d.FacilityID, ResidentID: d.ResidentID, UnitID: d.UnitID, OrderID: d.OrderID,
					DoseID: d.ID, PerformerID: nurse.ID, PerformedAt: t0, RecordedAt: t0, Outcome: mar.OutcomeGiven, Keyed: keyed,
					ScannedWrist: wrist, ScannedProduct: product}
				if err := b.env.Store.InTx(context.Background(), func(tx mar.Tx) error {
					if _, err := tx.DocumentDose(d.ID, []mar.DoseStatus{mar.DoseScheduled}, mar.DoseGiven, nurse.ID, t0, a.ID); err != nil {
						return err
					}
					return tx.CreateAdministration(&a)
				}); err != nil {
					t.Fatalf("administration: %v", err)
				}
			}
			give(ds[0], false, "MRN1001", "0100312345678906")
			give(ds[1], false, "MRN1002", "0100312345678913")
			give(ds[2], true, "MRN1003", "")     // product keyed: unable to scan
			give(ds[3], false, "", "0100312345") // wristband not scanned
			var r struct {
				Total struct {
					Scanned   int     `json:"scanned"`
					Unscanned int     `json:"unscanned"`
					ScanPct   float64 `json:"scan_pct"`
				} `json:"total"`
			}
			q := "/api/v1/reports/doses?unit_id=" + maple.ID + "&from=" + url.QueryEscape(t0.Add(-time.Hour).Format(time.RFC3339)) + "&to=" + url.QueryEscape(t0.Add(time.Hour).Format(time.RFC3339))
			if st := b.env.Login(t, "charge").JSON("GET", q, nil, &r); st != http.StatusOK {
				t.Fatalf("report: %d", st)
			}
			if r.Total.Scanned != 2 || r.Total.Unscanned != 2 || r.Total.ScanPct != 50 {
				t.Fatalf("scanning: %+v", r.Total)
			}
		})
	}
}
