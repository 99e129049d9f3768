package web_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store/storetest"
)

func post(c *testenv.Client, path string, b any) testenv.Response {
	return c.Do("POST", path, b, map[string]string{"Idempotency-Key": newKey()})
}

// multipartImage builds a multipart body with the picture as "image".
func multipartImage(t testing.TB, data []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, err := w.CreateFormFile("image", "scan.png")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("../scanning/testdata/images/" + name)
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return data
}

type dueList struct {
	ResidentID string `json:"resident_id"`
	TimeZone   string `json:"time_zone"`
	Allergies  []struct {
		Substance string `json:"substance"`
	} `json:"allergies"`
	DueNow   []dueItem `json:"due_now"`
	Overdue  []dueItem `json:"overdue"`
	Upcoming []dueItem `json:"upcoming"`
	Held     []dueItem `json:"held"`
	Pending  []dueItem `json:"pending_verification"`
	PRN      []struct {
		Order         struct{ ID string } `json:"order"`
		Available     bool                `json:"available"`
		Reason        string              `json:"reason"`
		NextAllowedAt *time.Time          `json:"next_allowed_at"`
		DosesInPeriod int                 `json:"doses_in_period"`
		Amount        float64             `json:"amount_in_period"`
	} `json:"prn"`
	Recent []struct {
		ID      string `json:"id"`
		Outcome string `json:"outcome"`
	} `json:"recent"`
}

type dueItem struct {
	Dose *struct {
		ID string `json:"id"`
	} `json:"dose"`
	Order struct {
		ID         string `json:"id"`
		Ingredient string `json:"ingredient"`
	} `json:"order"`
}

func doseIDs(items []dueItem) []string {
	var out []string
	for _, it := range items {
		if it.Dose != nil {
			out = append(out, it.Dose.ID)
		}
	}
	return out
}

// The wristband scan identifies the resident, opens a context and returns
// the due list; every way it can go wrong has its reason.
func TestBedsideWristband(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			nurse := b.login("nurse")
			now := b.env.Clock.Now()
			r := b.resident("Abbott")
			due := b.dose(b.order(r, "atorvastatin", false), now.Add(10*time.Minute), time.Hour)
			upcoming := b.dose(b.order(r, "metoprolol tartrate", false), now.Add(3*time.Hour), time.Hour)
			overdue := b.dose(b.order(r, "metoprolol tartrate", false), now.Add(-4*time.Hour), time.Hour)

			resp := post(nurse, "/api/v1/bedside/wristband", body{"scan": wristband(r)})
			if resp.Status != http.StatusOK {
				t.Fatalf("wristband: %d %s", resp.Status, resp.Body)
			}
			w := decode[struct {
				ContextID string `json:"context_id"`
				Resident  struct {
					ID        string `json:"id"`
					Allergies []struct {
						Substance string `json:"substance"`
					} `json:"allergies"`
				} `json:"resident"`
				Due dueList `json:"due"`
			}](t, resp)
			if w.ContextID == "" || w.Resident.ID != r.ID || len(w.Resident.Allergies) != 1 || len(w.Due.Allergies) != 1 || w.Due.TimeZone != "America/New_York" {
				t.Fatalf("banner: %s", resp.Body)
			}
			if !slices.Equal(doseIDs(w.Due.DueNow), []string{due.ID}) || !slices.Equal(doseIDs(w.Due.Upcoming), []string{upcoming.ID}) || !slices.Equal(doseIDs(w.Due.Overdue), []string{overdue.ID}) {
				t.Fatalf("due list: now %v upcoming %v overdue %v", doseIDs(w.Due.DueNow), doseIDs(w.Due.Upcoming), doseIDs(w.Due.Overdue))
			}
			if len(w.Due.PRN) != 1 || !w.Due.PRN[0].Available {
				t.Fatalf("PRN list: %+v", w.Due.PRN)
			}
			// The board's view without a scan is the same list.
			var board dueList
			if st := nurse.JSON("GET", "/api/v1/residents/"+r.ID+"/due", nil, &board); st != 200 || !slices.Equal(doseIDs(board.DueNow), []string{due.ID}) {
				t.Fatalf("due list for boards: %d %+v", st, board)
			}
			// Pending orders are shown as such.
			var pending dueList
			nurse.JSON("GET", "/api/v1/residents/"+b.resident("Eriksen").ID+"/due", nil, &pending)
			if len(pending.Pending) != 1 || pending.Pending[0].Order.Ingredient != "potassium chloride" {
				t.Errorf("pending: %+v", pending.Pending)
			}

			check := func(name string, resp testenv.Response, status int, reason string) {
				t.Helper()
				if resp.Status != status {
					t.Errorf("%s: %d, want %d: %s", name, resp.Status, status, resp.Body)
					return
				}
				if e := resp.Err(t); e.Error.Reason != reason || e.Error.Message == "" {
					t.Errorf("%s: reason %q, want %q", name, e.Error.Reason, reason)
				}
			}
			check("unknown wristband", post(nurse, "/api/v1/bedside/wristband", body{"scan": "MRN99999999"}), 404, mar.ReasonResidentNotFound)
			for _, text := range []string{"###garbage###", "\x00\x01\x02", "hello world", "]d2zzz"} {
				check("unreadable wristband "+strconv.Quote(text), post(nurse, "/api/v1/bedside/wristband", body{"scan": text}), 422, mar.ReasonBarcodeUnreadable)
			}
			check("medication pack as wristband", post(nurse, "/api/v1/bedside/wristband", body{"scan": b.pack(b.product("Atorvastatin"))}), 422, mar.ReasonNotAWristband)
			check("staff badge as wristband", post(nurse, "/api/v1/bedside/wristband", body{"scan": "EMP01002"}), 422, mar.ReasonNotAWristband)

			disc := b.resident("Garcia")
			at := now.Add(-time.Hour)
			disc.Status, disc.DischargedAt = mar.Discharged, &at
			b.tx(func(tx mar.Tx) error { return tx.UpdateResident(&disc) })
			check("discharged resident", post(nurse, "/api/v1/bedside/wristband", body{"scan": wristband(disc)}), 422, mar.ReasonResidentDischarged)

			// A nurse of the Maple wing may not open a Linden resident.
			var maple mar.Unit
			for _, u := range b.env.Demo.Units {
				if u.Code == "MAPLE" {
					maple = u
				}
			}
			hash, _ := mar.HashPassword(demo.Password)
			nina := mar.User{ID: mar.NewID(), FacilityID: maple.FacilityID, Username: "nina", DisplayName: "Nina Maple", Role: mar.RoleNurse, PasswordHash: hash, Active: true, CreatedAt: now, UnitIDs: []string{maple.ID}}
			b.tx(func(tx mar.Tx) error { return tx.CreateUser(&nina) })
			ninaC := b.login("nina")
			if resp := post(ninaC, "/api/v1/bedside/wristband", body{"scan": wristband(b.resident("Baker"))}); resp.Status != http.StatusForbidden {
				t.Errorf("other unit: %d %s", resp.Status, resp.Body)
			}
			if resp := post(ninaC, "/api/v1/bedside/wristband", body{"scan": wristband(b.resident("Castillo"))}); resp.Status != http.StatusOK {
				t.Errorf("own unit: %d %s", resp.Status, resp.Body)
			}
			for _, role := range []string{"pharmacist", "admin"} {
				if resp := post(b.login(role), "/api/v1/bedside/wristband", body{"scan": wristband(r)}); resp.Status != http.StatusForbidden {
					t.Errorf("%s scans a wristband: %d", role, resp.Status)
				}
			}

			// A picture of the band works as well as the scanner's text.
			charge := b.login("charge")
			if st := charge.JSON("POST", "/api/v1/residents", body{"mrn": "00123456", "family_name": "Doe", "given_name": "Jane", "birth_date": "1980-01-01", "unit_id": maple.ID}, nil); st != http.StatusCreated {
				t.Fatalf("admit: %d", st)
			}
			data, ctype := multipartImage(t, readFixture(t, "zint/code128_mrn.png"))
			resp = nurse.Do("POST", "/api/v1/bedside/wristband", data, map[string]string{"Content-Type": ctype, "Idempotency-Key": newKey()})
			if resp.Status != http.StatusOK || !strings.Contains(string(resp.Body), `"family_name":"Doe"`) {
				t.Errorf("wristband picture: %d %s", resp.Status, clip(resp.Body))
			}
			data, ctype = multipartImage(t, readFixture(t, "none_blank.png"))
			check("picture without barcode", nurse.Do("POST", "/api/v1/bedside/wristband", data, map[string]string{"Content-Type": ctype}), 422, mar.ReasonBarcodeUnreadable)
		})
	}
}

// Doses materialised by the schedule job appear on the wristband's list.
func TestBedsideDueListFromMaterializedDoses(t *testing.T) {
	b := newBed(t, "sqlite")
	if _, err := b.env.Svc.Materialize(t.Context()); err != nil {
		t.Fatal(err)
	}
	nurse := b.login("nurse")
	r := b.resident("Abbott")
	var w struct {
		Due dueList `json:"due"`
	}
	resp := post(nurse, "/api/v1/bedside/wristband", body{"scan": wristband(r)})
	if resp.Status != 200 {
		t.Fatalf("%d %s", resp.Status, resp.Body)
	}
	_ = json.Unmarshal(resp.Body, &w)
	if len(w.Due.DueNow)+len(w.Due.Upcoming)+len(w.Due.Overdue) == 0 {
		t.Fatalf("no doses on the list after materialising: %s", clip(resp.Body))
	}
}

// As-needed doses: the minimum interval, the maximum amount counted over
// two orders of one ingredient (paracetamol and acetaminophen), and the
// effectiveness follow-up.
func TestBedsidePRNLimits(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			b.env.Svc.Config.DeviceLifetime = 7 * 24 * time.Hour
			nurse := b.login("nurse")
			r := b.resident("Kowalski")
			a := b.order(r, "acetaminophen", true) // 1000 mg q6h PRN max 4/24h
			p500 := b.product("Acetaminophen 500")
			bOrder := b.addOrder(mar.Order{ResidentID: r.ID, ProductID: p500.ID, Ingredient: "paracetamol", DoseValue: 500, DoseUnit: "mg", Route: "oral",
				Frequency: "PRN every 1 hour max 2 g/24h", PRN: true, PRNReason: "fever"})
			t0 := b.env.Clock.Now()
			give := func(o mar.Order, wantStatus int, wantReason string) string {
				t.Helper()
				ctx := scanWristband(t, nurse, r)
				resp := post(nurse, "/api/v1/administrations", body{"context_id": ctx, "scan": b.pack(p500), "order_id": o.ID, "prn_indication": "pain", "pain_score": 6})
				if resp.Status != wantStatus {
					t.Fatalf("at +%v: %d, want %d: %s", b.env.Clock.Now().Sub(t0), resp.Status, wantStatus, resp.Body)
				}
				if wantReason != "" {
					if e := resp.Err(t); e.Error.Reason != wantReason {
						t.Fatalf("at +%v: reason %q, want %q: %s", b.env.Clock.Now().Sub(t0), e.Error.Reason, wantReason, e.Error.Message)
					}
					return ""
				}
				var out struct {
					Administration struct {
						ID       string `json:"id"`
						Quantity float64
						Amount   float64
						Followup *struct {
							DueAt time.Time `json:"due_at"`
						} `json:"followup"`
					} `json:"administration"`
				}
				_ = json.Unmarshal(resp.Body, &out)
				if out.Administration.Followup == nil || !out.Administration.Followup.DueAt.Equal(b.env.Clock.Now().Add(time.Hour)) {
					t.Fatalf("no follow-up due in an hour: %s", resp.Body)
				}
				return out.Administration.ID
			}
			first := give(a, 201, "") // 2 × 500 mg = 1000 mg
			b.env.Clock.Advance(30 * time.Minute)
			give(a, 422, mar.ReasonPRNTooSoon)

			// The effectiveness follow-up, once.
			eff := post(nurse, "/api/v1/administrations/"+first+"/effectiveness", body{"result": "effective", "pain_score": 2, "note": "comfortable"})
			if eff.Status != 200 {
				t.Fatalf("effectiveness: %d %s", eff.Status, eff.Body)
			}
			if again := post(nurse, "/api/v1/administrations/"+first+"/effectiveness", body{"result": "effective"}); again.Status != http.StatusConflict {
				t.Errorf("effectiveness twice: %d", again.Status)
			}

			b.env.Clock.Set(t0.Add(time.Hour))
			give(bOrder, 201, "") // 1500 mg in 24 h
			b.env.Clock.Set(t0.Add(2 * time.Hour))
			give(bOrder, 201, "") // 2000 mg
			b.env.Clock.Set(t0.Add(3 * time.Hour))
			give(bOrder, 422, mar.ReasonPRNMaxAmount) // 2500 mg > 2 g, counted over both orders

			var due dueList
			nurse.JSON("GET", "/api/v1/residents/"+r.ID+"/due", nil, &due)
			for _, p := range due.PRN {
				if p.Order.ID == a.ID && (p.Available || p.Reason != mar.ReasonPRNTooSoon || p.NextAllowedAt == nil || p.DosesInPeriod != 3) {
					t.Errorf("order A on the list: %+v", p)
				}
				if p.Order.ID == bOrder.ID && (p.Available || p.Amount != 2) {
					t.Errorf("order B on the list: %+v", p)
				}
			}
		})
	}
}

// A patch is refused while the previous one is on; its removal allows the
// next; a witness co-signs with badge and PIN.
func TestBedsidePatchRemoval(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			b.env.Svc.Config.DeviceLifetime = 7 * 24 * time.Hour
			nurse := b.login("nurse")
			r := b.resident("Moreau")
			o := b.order(r, "fentanyl", false)
			now := b.env.Clock.Now()
			ds := b.doses(o, []time.Time{now, now.Add(72 * time.Hour)}, time.Hour)
			patch := b.product("Fentanyl")
			badge := map[string]string{"badge": "EMP01002", "pin": demo.PIN}
			resp := post(nurse, "/api/v1/administrations", body{"context_id": scanWristband(t, nurse, r), "scan": b.pack(patch), "dose_id": ds[0].ID, "site": "left upper arm", "witness": badge})
			if resp.Status != 201 {
				t.Fatalf("first patch: %d %s", resp.Status, resp.Body)
			}
			var first struct {
				Administration struct {
					ID          string `json:"id"`
					Patch       bool   `json:"patch"`
					WitnessName string `json:"witness_name"`
				} `json:"administration"`
			}
			_ = json.Unmarshal(resp.Body, &first)
			if !first.Administration.Patch || first.Administration.WitnessName != "Wes Witness" {
				t.Fatalf("first patch: %s", resp.Body)
			}
			b.env.Clock.Set(ds[1].DueAt)
			ctx := scanWristband(t, nurse, r)
			v := post(nurse, "/api/v1/bedside/verify", body{"context_id": ctx, "scan": b.pack(patch), "dose_id": ds[1].ID})
			if v.Status != 422 || v.Err(t).Error.Reason != mar.ReasonPatchNotRemoved {
				t.Fatalf("second patch before removal: %d %s", v.Status, v.Body)
			}
			rm := post(nurse, "/api/v1/administrations/"+first.Administration.ID+"/removal", body{"note": "old patch off, skin intact"})
			if rm.Status != 201 || !strings.Contains(string(rm.Body), "left upper arm") {
				t.Fatalf("removal: %d %s", rm.Status, rm.Body)
			}
			if again := post(nurse, "/api/v1/administrations/"+first.Administration.ID+"/removal", body{}); again.Status != http.StatusConflict {
				t.Errorf("second removal: %d %s", again.Status, again.Body)
			}
			v = post(nurse, "/api/v1/bedside/verify", body{"context_id": ctx, "scan": b.pack(patch), "dose_id": ds[1].ID})
			vd := decode[verdict](t, v)
			if v.Status != 200 || !vd.Requires.Site || !vd.Requires.Witness {
				t.Fatalf("second patch after removal: %d %s", v.Status, v.Body)
			}
			noSite := post(nurse, "/api/v1/administrations", body{"context_id": ctx, "scan": b.pack(patch), "dose_id": ds[1].ID, "witness": badge})
			if noSite.Status != 422 || noSite.Err(t).Error.Reason != mar.ReasonSiteRequired {
				t.Fatalf("without site: %d %s", noSite.Status, noSite.Body)
			}
			ok := post(nurse, "/api/v1/administrations", body{"context_id": ctx, "scan": b.pack(patch), "dose_id": ds[1].ID, "witness": badge, "site": "right upper arm"})
			if ok.Status != 201 {
				t.Fatalf("second patch: %d %s", ok.Status, ok.Body)
			}
		})
	}
}

// Hold parameters turn "given" into "held"; sliding-scale doses come from
// a fresh glucose reading.
func TestBedsideHoldParametersAndSlidingScale(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			nurse := b.login("nurse")
			r := b.resident("Petrov")
			d := b.dose(b.order(r, "metoprolol tartrate", false), b.env.Clock.Now(), time.Hour)
			ctx := scanWristband(t, nurse, r)
			scan := b.pack(b.product("Metoprolol tartrate 25"))
			if v := post(nurse, "/api/v1/bedside/verify", body{"context_id": ctx, "scan": scan, "dose_id": d.ID, "vitals": map[string]float64{"heart_rate": 72, "systolic_bp": 124}}); v.Status != 200 {
				t.Fatalf("normal vitals: %d %s", v.Status, v.Body)
			}
			if v := post(nurse, "/api/v1/bedside/verify", body{"context_id": ctx, "scan": scan, "dose_id": d.ID}); v.Status != 200 || !slices.Equal(decode[verdict](t, v).Requires.Vitals, []string{"heart_rate", "systolic_bp"}) {
				t.Fatalf("verify asks for vitals: %d %s", v.Status, v.Body)
			}
			// "Given" with a met hold parameter is charted as held, and the
			// answer is no success: 422 hold_parameter_met, the held record
			// in details.
			key := newKey()
			given := body{"context_id": ctx, "scan": scan, "dose_id": d.ID, "vitals": map[string]float64{"heart_rate": 52, "systolic_bp": 124}}
			resp := nurse.Do("POST", "/api/v1/administrations", given, map[string]string{"Idempotency-Key": key})
			var held struct {
				Error struct {
					Code    string `json:"code"`
					Reason  string `json:"reason"`
					Message string `json:"message"`
					Details struct {
						Documented      bool   `json:"documented"`
						Outcome         string `json:"outcome"`
						HeldByParameter bool   `json:"held_by_parameter"`
						Administration  struct {
							ReasonCode string `json:"reason_code"`
						} `json:"administration"`
						Dose struct {
							Status string `json:"status"`
						} `json:"dose"`
					} `json:"details"`
				} `json:"error"`
			}
			_ = json.Unmarshal(resp.Body, &held)
			e := held.Error
			if resp.Status != http.StatusUnprocessableEntity || e.Code != "refused" || e.Reason != mar.ReasonHoldParameterMet || !e.Details.Documented ||
				e.Details.Outcome != "held" || !e.Details.HeldByParameter || e.Details.Administration.ReasonCode != mar.ReasonHoldParameterMet ||
				e.Details.Dose.Status != "held" || !strings.Contains(e.Message, "HELD") {
				t.Fatalf("hold parameter met: %d %s", resp.Status, resp.Body)
			}
			if st := b.getDose(d.ID).Status; st != mar.DoseHeld {
				t.Fatalf("the dose is %s, want held", st)
			}
			// The held record is committed with its key: a retry replays it.
			again := nurse.Do("POST", "/api/v1/administrations", given, map[string]string{"Idempotency-Key": key})
			if again.Status != http.StatusUnprocessableEntity || string(again.Body) != string(resp.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("retry of the held answer: %d %s", again.Status, again.Body)
			}
			var vitals struct {
				Items []struct {
					Kind  string  `json:"kind"`
					Value float64 `json:"value"`
				} `json:"items"`
			}
			if nurse.JSON("GET", "/api/v1/residents/"+r.ID+"/vitals", nil, &vitals); len(vitals.Items) != 2 {
				t.Errorf("vitals stored with the dose: %+v", vitals)
			}

			// Sliding scale: the reading is entered first, the scale gives 4 units.
			q := b.resident("Quinn")
			o := b.order(q, "insulin lispro", false)
			sd := b.dose(o, b.env.Clock.Now(), 30*time.Minute)
			if st := nurse.JSON("POST", "/api/v1/residents/"+q.ID+"/vitals", body{"kind": "glucose", "value": 220}, nil); st != 201 {
				t.Fatalf("glucose: %d", st)
			}
			qctx := scanWristband(t, nurse, q)
			insulin := b.pack(b.product("Insulin lispro"))
			v := post(nurse, "/api/v1/bedside/verify", body{"context_id": qctx, "scan": insulin, "dose_id": sd.ID})
			var sv struct {
				verdict
				ScaleDose *float64 `json:"scale_dose"`
			}
			_ = json.Unmarshal(v.Body, &sv)
			if v.Status != 200 || sv.ScaleDose == nil || *sv.ScaleDose != 4 || sv.Amount != 4 || sv.Quantity != 0.04 || !sv.Requires.Witness {
				t.Fatalf("scale verdict: %d %s", v.Status, v.Body)
			}
			if resp := post(nurse, "/api/v1/administrations", body{"context_id": qctx, "scan": insulin, "dose_id": sd.ID, "witness": witness}); resp.Status != 201 || !strings.Contains(string(resp.Body), `"amount":4,"unit":"units"`) {
				t.Fatalf("scale dose: %d %s", resp.Status, resp.Body)
			}
			// Forty-five minutes later the reading is stale.
			sd2 := b.dose(o, b.env.Clock.Now().Add(45*time.Minute), 30*time.Minute)
			b.env.Clock.Advance(45 * time.Minute)
			qctx = scanWristband(t, nurse, q)
			if resp := post(nurse, "/api/v1/administrations", body{"context_id": qctx, "scan": insulin, "dose_id": sd2.ID, "witness": witness}); resp.Status != 422 || resp.Err(t).Error.Reason != mar.ReasonGlucoseStale {
				t.Fatalf("stale glucose: %d %s", resp.Status, resp.Body)
			}
		})
	}
}

// Held, refused and not given need reasons; soft stops need an override
// with words; keyed entries, back-documentation and clock skew are
// recorded and flagged; corrections mark the entry and reopen the dose.
func TestBedsideDocumentationRules(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			nurse, nurse2, charge := b.login("nurse"), b.login("nurse2"), b.login("charge")
			now := b.env.Clock.Now()
			r := b.resident("Abbott")
			o := b.order(r, "atorvastatin", false)
			ctx := scanWristband(t, nurse, r)
			keyed := map[string]string{"product_id": b.product("Atorvastatin").ID, "reason": "damaged_label"}
			expect := func(name string, resp testenv.Response, status int, reason string) testenv.Response {
				t.Helper()
				if resp.Status != status {
					t.Fatalf("%s: %d, want %d: %s", name, resp.Status, status, resp.Body)
				}
				if reason != "" && resp.Err(t).Error.Reason != reason {
					t.Fatalf("%s: reason %q, want %q: %s", name, resp.Err(t).Error.Reason, reason, resp.Body)
				}
				return resp
			}
			flags := func(resp testenv.Response) []string {
				var out struct {
					Flags []string `json:"flags"`
				}
				_ = json.Unmarshal(resp.Body, &out)
				return out.Flags
			}

			// Unable to scan: keyed with a reason is allowed and counted.
			d1 := b.dose(o, now, time.Hour)
			expect("keyed without reason", post(nurse, "/api/v1/administrations", body{"context_id": ctx, "dose_id": d1.ID, "keyed": map[string]string{"product_id": keyed["product_id"]}}), 400, mar.ReasonReasonRequired)
			resp := expect("keyed", post(nurse, "/api/v1/administrations", body{"context_id": ctx, "dose_id": d1.ID, "keyed": keyed}), 201, "")
			if !slices.Contains(flags(resp), mar.ReasonKeyedEntry) || !strings.Contains(string(resp.Body), `"keyed":true`) {
				t.Errorf("keyed entry not flagged: %s", resp.Body)
			}
			var adminID string
			{
				var out struct {
					Administration struct{ ID string } `json:"administration"`
				}
				_ = json.Unmarshal(resp.Body, &out)
				adminID = out.Administration.ID
			}

			// Corrections: only the performer or a charge nurse.
			expect("another nurse corrects", post(nurse2, "/api/v1/administrations/"+adminID+"/entered-in-error", body{"reason": "wrong resident"}), 403, mar.ReasonNotPerformer)
			expect("correction without reason", post(nurse, "/api/v1/administrations/"+adminID+"/entered-in-error", body{"reason": " "}), 400, mar.ReasonReasonRequired)
			resp = expect("performer corrects", post(nurse, "/api/v1/administrations/"+adminID+"/entered-in-error", body{"reason": "documented on the wrong chart"}), 200, "")
			if !strings.Contains(string(resp.Body), `"entered_in_error":true`) || b.getDose(d1.ID).Status != mar.DoseScheduled {
				t.Fatalf("entered in error: %s, dose %s", resp.Body, b.getDose(d1.ID).Status)
			}
			expect("correct twice", post(nurse, "/api/v1/administrations/"+adminID+"/entered-in-error", body{"reason": "again"}), 409, mar.ReasonAlreadyEnteredInError)
			resp = expect("document the reopened dose", post(nurse, "/api/v1/administrations", body{"context_id": ctx, "dose_id": d1.ID, "scan": b.pack(b.product("Atorvastatin"))}), 201, "")
			{
				var out struct {
					Administration struct{ ID string } `json:"administration"`
				}
				_ = json.Unmarshal(resp.Body, &out)
				expect("charge nurse corrects", post(charge, "/api/v1/administrations/"+out.Administration.ID+"/entered-in-error", body{"reason": "duplicate entry"}), 200, "")
			}

			// Held, refused, not given: reasons from the lists.
			d2 := b.dose(o, now.Add(time.Minute), time.Hour)
			expect("refused without reason", post(nurse, "/api/v1/administrations", body{"context_id": ctx, "dose_id": d2.ID, "outcome": "refused"}), 400, mar.ReasonReasonRequired)
			expect("reason not in the list", post(nurse, "/api/v1/administrations", body{"context_id": ctx, "dose_id": d2.ID, "outcome": "refused", "reason_code": "bored"}), 400, mar.ReasonReasonRequired)
			expect("refused", post(nurse, "/api/v1/administrations", body{"context_id": ctx, "dose_id": d2.ID, "outcome": "refused", "reason_code": "resident_declined"}), 201, "")
			if st := b.getDose(d2.ID).Status; st != mar.DoseRefused {
				t.Errorf("dose after refusal: %s", st)
			}
			d3 := b.dose(o, now.Add(2*time.Minute), time.Hour)
			expect("not given without words", post(nurse, "/api/v1/administrations", body{"context_id": ctx, "dose_id": d3.ID, "outcome": "not_given", "reason_code": "drug_unavailable"}), 400, mar.ReasonReasonRequired)
			expect("not given", post(nurse, "/api/v1/administrations", body{"context_id": ctx, "dose_id": d3.ID, "outcome": "not_given", "reason_code": "drug_unavailable", "reason_text": "pharmacy delivery at noon"}), 201, "")

			// A soft stop passes with an override and words; it is flagged.
			early := b.dose(o, now.Add(4*time.Hour), time.Hour)
			expect("override without words", post(nurse, "/api/v1/administrations", body{"context_id": ctx, "dose_id": early.ID, "scan": b.pack(b.product("Atorvastatin")), "overrides": []map[string]string{{"reason": "too_early"}}}), 400, mar.ReasonOverrideReasonRequired)
			expect("a hard stop cannot be overridden", post(nurse, "/api/v1/administrations", body{"context_id": ctx, "dose_id": early.ID, "scan": b.pack(b.product("Atorvastatin")), "overrides": []map[string]string{{"reason": "allergy", "text": "I know"}}}), 400, "")
			resp = expect("early with override", post(nurse, "/api/v1/administrations", body{"context_id": ctx, "dose_id": early.ID, "scan": b.pack(b.product("Atorvastatin")),
				"overrides": []map[string]string{{"reason": "too_early", "text": "leaving for dialysis"}}}), 201, "")
			if f := flags(resp); !slices.Contains(f, mar.ReasonTooEarly) || !slices.Contains(f, "overridden") || !strings.Contains(string(resp.Body), "leaving for dialysis") {
				t.Errorf("early dose flags: %s", resp.Body)
			}

			// Back-documentation needs a reason, is not in the future, and keeps the given time.
			d4 := b.dose(o, now.Add(-20*time.Minute), time.Hour)
			performed := now.Add(-30 * time.Minute)
			expect("back-documented without reason", post(nurse, "/api/v1/administrations", body{"context_id": ctx, "dose_id": d4.ID, "scan": b.pack(b.product("Atorvastatin")), "performed_at": performed}), 400, mar.ReasonBackDocumentationReasonRequired)
			expect("performed in the future", post(nurse, "/api/v1/administrations", body{"context_id": ctx, "dose_id": d4.ID, "scan": b.pack(b.product("Atorvastatin")), "performed_at": now.Add(time.Hour), "back_documented_reason": "x"}), 400, mar.ReasonBackDocumentationOutOfRange)
			resp = expect("back-documented", post(nurse, "/api/v1/administrations", body{"context_id": ctx, "dose_id": d4.ID, "scan": b.pack(b.product("Atorvastatin")), "performed_at": performed, "back_documented_reason": "emergency on the unit"}), 201, "")
			if !strings.Contains(string(resp.Body), `"performed_at":"`+performed.Format(time.RFC3339)+`"`) || !strings.Contains(string(resp.Body), `"back_documented":true`) {
				t.Errorf("back-documented: %s", resp.Body)
			}

			// A device clock 30 minutes off is recorded and flagged; the server's time is used.
			d5 := b.dose(o, now.Add(3*time.Minute), time.Hour)
			resp = expect("skewed device", post(nurse, "/api/v1/administrations", body{"context_id": ctx, "dose_id": d5.ID, "scan": b.pack(b.product("Atorvastatin")), "device_time": now.Add(-30 * time.Minute)}), 201, "")
			if !slices.Contains(flags(resp), mar.ReasonClockSkewed) || !strings.Contains(string(resp.Body), `"clock_skewed":true`) || !strings.Contains(string(resp.Body), `"performed_at":"`+now.Format(time.RFC3339)+`"`) {
				t.Errorf("clock skew: %s", resp.Body)
			}

			// Pharmacists and admins read but do not chart.
			for _, role := range []string{"pharmacist", "admin"} {
				c := b.login(role)
				if resp := post(c, "/api/v1/administrations", body{"context_id": ctx, "dose_id": d5.ID, "outcome": "refused", "reason_code": "resident_declined"}); resp.Status != http.StatusForbidden {
					t.Errorf("%s documents: %d", role, resp.Status)
				}
			}
			var list struct {
				Items []json.RawMessage `json:"items"`
			}
			if st := b.login("pharmacist").JSON("GET", "/api/v1/residents/"+r.ID+"/administrations", nil, &list); st != 200 || len(list.Items) != 7 {
				t.Errorf("pharmacist reads administrations: %d, %d items", st, len(list.Items))
			}
			var reasons struct {
				Outcomes map[string][]struct{ Code string } `json:"outcomes"`
				Keyed    []struct{ Code string }            `json:"keyed"`
				Codes    []struct{ Code string }            `json:"codes"`
			}
			if st := nurse.JSON("GET", "/api/v1/bedside/reasons", nil, &reasons); st != 200 || len(reasons.Outcomes["held"]) == 0 || len(reasons.Keyed) != 6 || len(reasons.Codes) < 40 {
				t.Errorf("reasons: %d %+v", st, reasons)
			}
		})
	}
}

// The scanning endpoints parse text and decode pictures within limits.
func TestScanEndpoints(t *testing.T) {
	b := newBed(t, "sqlite")
	c := b.login("pharmacist")
	p := b.product("Atorvastatin")
	var rep struct {
		Code struct {
			Kind   string `json:"kind"`
			GTIN   string `json:"gtin"`
			Lot    string `json:"lot"`
			Expiry string `json:"expiry"`
		} `json:"code"`
	}
	if st := c.JSON("POST", "/api/v1/scans/parse", body{"text": gs1(p, time.Date(2027, 5, 31, 0, 0, 0, 0, time.UTC), "A1")}, &rep); st != 200 || rep.Code.Kind != "gs1" || rep.Code.GTIN != p.Packages[0].GTIN || rep.Code.Lot != "A1" || rep.Code.Expiry != "2027-05-31" {
		t.Fatalf("parse: %d %+v", st, rep)
	}
	if resp := c.Do("POST", "/api/v1/scans/parse", body{"text": "]d20112345"}, nil); resp.Status != 422 || resp.Err(t).Error.Reason != mar.ReasonBarcodeUnreadable {
		t.Errorf("parse garbage: %d %s", resp.Status, resp.Body)
	}
	data, ctype := multipartImage(t, readFixture(t, "zint/code128_mrn.png"))
	resp := c.Do("POST", "/api/v1/scans/decode", data, map[string]string{"Content-Type": ctype})
	if resp.Status != 200 || !strings.Contains(string(resp.Body), "MRN00123456") {
		t.Errorf("decode: %d %s", resp.Status, resp.Body)
	}
	data, ctype = multipartImage(t, bytes.Repeat([]byte{0x89}, 11<<20))
	if resp := c.Do("POST", "/api/v1/scans/decode", data, map[string]string{"Content-Type": ctype}); resp.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("11 MB upload: %d %s", resp.Status, clip(resp.Body))
	}
	data, ctype = multipartImage(t, []byte("not an image"))
	if resp := c.Do("POST", "/api/v1/scans/decode", data, map[string]string{"Content-Type": ctype}); resp.Status != 422 {
		t.Errorf("not an image: %d %s", resp.Status, resp.Body)
	}
}

// The OpenAPI document lists every bedside route with a summary and roles.
func TestBedsideRoutesAreDocumented(t *testing.T) {
	b := newBed(t, "sqlite")
	var doc struct {
		Paths map[string]map[string]struct {
			Summary string   `json:"summary"`
			Roles   []string `json:"x-roles"`
		} `json:"paths"`
	}
	if st := b.env.Anonymous(t).JSON("GET", "/openapi.json", nil, &doc); st != 200 {
		t.Fatal(st)
	}
	for _, r := range b.env.Web.Routes() {
		if !strings.Contains(r.Path, "/bedside/") && !strings.Contains(r.Path, "/administrations") && !strings.Contains(r.Path, "/scans/") &&
			!strings.HasSuffix(r.Path, "/due") && !strings.HasSuffix(r.Path, "/vitals") {
			continue
		}
		p := pathParam.ReplaceAllStringFunc(r.Path, func(s string) string { return "{" + s[1:] + "}" })
		op, ok := doc.Paths[p][strings.ToLower(r.Method)]
		if !ok || len(op.Summary) < 20 || len(op.Roles) == 0 {
			t.Errorf("%s %s: %+v", r.Method, p, op)
		}
	}
}

// A wrong witness password counts as a failed sign-in of the witness: the
// witness field is no way round the account lock.
func TestBedsideWitnessPasswordCountsTowardsTheLock(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			nurse := b.login("nurse")
			r := b.resident("Moreau")
			d := b.dose(b.order(r, "fentanyl", false), b.env.Clock.Now(), time.Hour)
			ctx := scanWristband(t, nurse, r)
			try := func(password string) testenv.Response {
				return post(nurse, "/api/v1/administrations", body{"context_id": ctx, "scan": b.pack(b.product("Fentanyl")), "dose_id": d.ID, "site": "chest",
					"witness": map[string]string{"username": "nurse2", "password": password}})
			}
			for i := 0; i < b.env.Svc.Config.LockAfterFailures; i++ {
				if resp := try("guess-" + string(rune('a'+i))); resp.Status != 422 || resp.Err(t).Error.Reason != mar.ReasonWitnessInvalid {
					t.Fatalf("guess %d: %d %s", i, resp.Status, resp.Body)
				}
			}
			resp := try(demo.Password)
			if resp.Status != 422 || !strings.Contains(resp.Err(t).Error.Message, "locked") {
				t.Fatalf("right password on a locked account: %d %s", resp.Status, resp.Body)
			}
			login := b.env.Anonymous(t).Do("POST", "/api/v1/auth/login", map[string]string{"username": "nurse2", "password": demo.Password}, nil)
			if login.Status != http.StatusTooManyRequests {
				t.Fatalf("witness signs in after the guesses: %d %s", login.Status, login.Body)
			}
		})
	}
}
