package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// testPNG is a small real PNG (a resident's photo in tests).
func testPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 48, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 48; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 5), uint8(y * 4), 160, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type unitAnswer struct {
	ID        string            `json:"id"`
	Code      string            `json:"code"`
	Name      string            `json:"name"`
	TimeZone  string            `json:"time_zone"`
	PassTimes map[string]string `json:"pass_times"`
	Windows   struct {
		TimeCritical int `json:"time_critical_minutes"`
		Frequent     int `json:"frequent_minutes"`
		Daily        int `json:"daily_minutes"`
	} `json:"windows"`
}

// An administrator adds and edits units through the API; bad input is
// refused naming the field, and every change is audited.
func TestUnitsAreSetUpThroughTheAPI(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			admin, charge := b.login("admin"), b.login("charge")

			for _, tc := range []struct {
				name  string
				body  map[string]any
				field string
			}{
				{"no name", map[string]any{"code": "4E", "time_zone": "America/Chicago"}, "name"},
				{"no code", map[string]any{"name": "Fourth East", "time_zone": "America/Chicago"}, "code"},
				{"no zone", map[string]any{"code": "4E", "name": "Fourth East"}, "time_zone"},
				{"unknown zone", map[string]any{"code": "4E", "name": "Fourth East", "time_zone": "Mars/Olympus_Mons"}, "time_zone"},
				{"unknown abbreviation", map[string]any{"code": "4E", "name": "Fourth East", "time_zone": "UTC", "pass_times": map[string]string{"XYZ": "08:00"}}, "pass_times.XYZ"},
				{"BID with three times", map[string]any{"code": "4E", "name": "Fourth East", "time_zone": "UTC", "pass_times": map[string]string{"BID": "08:00, 14:00, 20:00"}}, "pass_times.BID"},
				{"not a time", map[string]any{"code": "4E", "name": "Fourth East", "time_zone": "UTC", "pass_times": map[string]string{"QD": "25:00"}}, "pass_times.QD"},
				{"window of a day", map[string]any{"code": "4E", "name": "Fourth East", "time_zone": "UTC", "windows": map[string]int{"daily_minutes": 1440}}, "windows.daily_minutes"},
				{"negative window", map[string]any{"code": "4E", "name": "Fourth East", "time_zone": "UTC", "windows": map[string]int{"frequent_minutes": -5}}, "windows.frequent_minutes"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					if resp := admin.Do("POST", "/api/v1/units", tc.body, nil); resp.Status != http.StatusBadRequest || resp.Err(t).Error.Field != tc.field {
						t.Errorf("%d %s, want 400 naming %s", resp.Status, resp.Body, tc.field)
					}
				})
			}
			if resp := charge.Do("POST", "/api/v1/units", map[string]any{"code": "4E", "name": "Fourth East", "time_zone": "UTC"}, nil); resp.Status != http.StatusForbidden {
				t.Errorf("a charge nurse adds a unit: %d", resp.Status)
			}

			var u unitAnswer
			if st := admin.JSON("POST", "/api/v1/units", map[string]any{"code": " 4E ", "name": "Fourth East", "time_zone": "America/Chicago",
				"pass_times": map[string]string{"bid": "08:00,20:00", "TID": ""}, "windows": map[string]int{"daily_minutes": 90}}, &u); st != http.StatusCreated {
				t.Fatalf("create: %d", st)
			}
			if u.Code != "4E" || u.PassTimes["BID"] != "08:00, 20:00" || len(u.PassTimes) != 1 || u.Windows.Daily != 90 || u.Windows.Frequent != 0 {
				t.Errorf("created %+v", u)
			}
			if resp := admin.Do("POST", "/api/v1/units", map[string]any{"code": "4e", "name": "Again", "time_zone": "UTC"}, nil); resp.Status != http.StatusConflict || resp.Err(t).Error.Field != "code" {
				t.Errorf("a second unit 4E: %d %s", resp.Status, resp.Body)
			}

			var got unitAnswer
			if st := admin.JSON("PATCH", "/api/v1/units/"+u.ID, map[string]any{"name": "Fourth East (rehab)", "pass_times": map[string]string{"QHS": "22:00"}}, &got); st != http.StatusOK {
				t.Fatalf("patch: %d", st)
			}
			if got.Name != "Fourth East (rehab)" || got.TimeZone != "America/Chicago" || got.PassTimes["QHS"] != "22:00" || got.PassTimes["BID"] != "08:00, 20:00" || got.Windows.Daily != 90 {
				t.Errorf("patched %+v", got)
			}
			// An empty value returns an abbreviation to the facility's times.
			var back unitAnswer
			if st := admin.JSON("PATCH", "/api/v1/units/"+u.ID, map[string]any{"pass_times": map[string]string{"BID": ""}}, &back); st != http.StatusOK ||
				back.PassTimes["BID"] != "" || back.PassTimes["QHS"] != "22:00" {
				t.Errorf("BID back to the facility's: %d %+v", st, back.PassTimes)
			}
			if resp := admin.Do("PATCH", "/api/v1/units/"+u.ID, map[string]any{"pass_times": map[string]string{"TID": "08:00, 20:00"}}, nil); resp.Status != http.StatusBadRequest || resp.Err(t).Error.Field != "pass_times.TID" {
				t.Errorf("TID with two times: %d %s", resp.Status, resp.Body)
			}
			if resp := admin.Do("PATCH", "/api/v1/units/"+u.ID, map[string]any{"time_zone": "Europe/Nowhere"}, nil); resp.Status != http.StatusBadRequest || resp.Err(t).Error.Field != "time_zone" {
				t.Errorf("bad zone: %d %s", resp.Status, resp.Body)
			}
			if resp := admin.Do("PATCH", "/api/v1/units/"+mar.NewID(), map[string]any{"name": "x"}, nil); resp.Status != http.StatusNotFound {
				t.Errorf("unknown unit: %d", resp.Status)
			}
			var list struct{ Items []unitAnswer }
			charge.JSON("GET", "/api/v1/units", nil, &list)
			found := false
			for _, x := range list.Items {
				found = found || (x.ID == u.ID && x.Name == "Fourth East (rehab)" && x.PassTimes["QHS"] == "22:00")
			}
			if !found {
				t.Errorf("the list does not show the changed unit: %+v", list.Items)
			}
			var actions []string
			b.tx(func(tx mar.Tx) error {
				evs, err := tx.ListAudit(mar.AuditFilter{ObjectID: u.ID})
				for _, e := range evs {
					actions = append(actions, e.Action+":"+e.Outcome)
				}
				return err
			})
			if strings.Join(actions, ",") != "unit.create:success,unit.change:success,unit.change:success" {
				t.Errorf("audit of the unit: %v", actions)
			}
		})
	}
}

// A unit's new med-pass times apply to orders written afterwards; doses
// already scheduled, and documented ones, keep their times and windows.
func TestUnitPassTimesMoveNoScheduledDose(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			admin, charge := b.login("admin"), b.login("charge")
			r := b.resident("Quinn")
			doses := func() map[string]mar.ScheduledDose {
				out := map[string]mar.ScheduledDose{}
				b.tx(func(tx mar.Tx) error {
					ds, err := tx.ListDoses(mar.DoseFilter{UnitID: r.UnitID})
					for _, d := range ds {
						out[d.ID] = d
					}
					return err
				})
				return out
			}
			if _, err := b.env.Svc.Materialize(context.Background()); err != nil {
				t.Fatal(err)
			}
			before := doses()
			if len(before) == 0 {
				t.Fatal("no scheduled doses on the unit to compare")
			}
			if st := admin.JSON("PATCH", "/api/v1/units/"+r.UnitID, map[string]any{"pass_times": map[string]string{"BID": "07:15, 19:15"},
				"windows": map[string]int{"daily_minutes": 30, "frequent_minutes": 20}}, nil); st != http.StatusOK {
				t.Fatalf("patch unit: %d", st)
			}
			b.env.Clock.Advance(time.Hour)
			if _, err := b.env.Svc.Materialize(context.Background()); err != nil {
				t.Fatal(err)
			}
			after := doses()
			for id, d := range before {
				a, ok := after[id]
				if !ok {
					t.Errorf("dose %s vanished", id)
					continue
				}
				if !a.DueAt.Equal(d.DueAt) || !a.WindowStart.Equal(d.WindowStart) || !a.WindowEnd.Equal(d.WindowEnd) || a.Status != d.Status {
					t.Errorf("dose %s moved: %v [%v, %v] %s -> %v [%v, %v] %s", id, d.DueAt, d.WindowStart, d.WindowEnd, d.Status, a.DueAt, a.WindowStart, a.WindowEnd, a.Status)
				}
			}
			p := b.product("Acetaminophen 500")
			var o struct {
				Frequency string `json:"frequency"`
			}
			if st := charge.JSON("POST", "/api/v1/orders", map[string]any{"resident_id": r.ID, "product_id": p.ID, "dose_value": 500, "dose_unit": "mg",
				"route": "oral", "frequency": "BID", "start_at": b.env.Clock.Now().Format(time.RFC3339), "prescriber": "Dr Times"}, &o); st != http.StatusCreated {
				t.Fatalf("order: %d", st)
			}
			if !strings.Contains(o.Frequency, "07:15") || !strings.Contains(o.Frequency, "19:15") {
				t.Errorf("a new BID order on the unit: %q, want the unit's 07:15 and 19:15", o.Frequency)
			}
		})
	}
}

type residentAnswer struct {
	ID          string `json:"id"`
	FamilyName  string `json:"family_name"`
	GivenName   string `json:"given_name"`
	BirthDate   string `json:"birth_date"`
	MRN         string `json:"mrn"`
	WristbandID string `json:"wristband_id"`
	Room        string `json:"room"`
	Version     int64  `json:"version"`
}

// A resident's details and identifiers are corrected against the version
// read: of two edits of one version, the second is refused.
func TestResidentIsEditedAgainstItsVersion(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			charge, nurse := b.login("charge"), b.login("nurse")
			var r residentAnswer
			if st := charge.JSON("POST", "/api/v1/residents", map[string]any{"mrn": "ED-1001", "family_name": "Edit", "given_name": "Ada",
				"birth_date": "1938-04-05", "sex": "female", "unit_id": b.resident("Quinn").UnitID, "room": "7", "bed": "A"}, &r); st != http.StatusCreated {
				t.Fatalf("admit: %d", st)
			}
			if r.Version != 1 {
				t.Errorf("a new resident's version: %d, want 1", r.Version)
			}
			path := "/api/v1/residents/" + r.ID
			for _, tc := range []struct {
				name  string
				body  map[string]any
				st    int
				field string
			}{
				{"no version", map[string]any{"room": "8"}, http.StatusBadRequest, "version"},
				{"no family name", map[string]any{"version": 1, "family_name": " "}, http.StatusBadRequest, "family_name"},
				{"bad birth date", map[string]any{"version": 1, "birth_date": "05/04/1938"}, http.StatusBadRequest, "birth_date"},
				{"bad sex", map[string]any{"version": 1, "sex": "f"}, http.StatusBadRequest, "sex"},
				{"empty MRN", map[string]any{"version": 1, "mrn": ""}, http.StatusBadRequest, "mrn"},
				{"MRN of another resident", map[string]any{"version": 1, "mrn": b.resident("Quinn").MRN}, http.StatusConflict, "mrn"},
				{"unknown field", map[string]any{"version": 1, "status": "discharged"}, http.StatusBadRequest, "status"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					if resp := charge.Do("PATCH", path, tc.body, nil); resp.Status != tc.st || resp.Err(t).Error.Field != tc.field {
						t.Errorf("%d %s, want %d naming %s", resp.Status, resp.Body, tc.st, tc.field)
					}
				})
			}
			if resp := nurse.Do("PATCH", path, map[string]any{"version": 1, "room": "9"}, nil); resp.Status != http.StatusForbidden {
				t.Errorf("a nurse edits a resident: %d", resp.Status)
			}
			var got residentAnswer
			if st := charge.JSON("PATCH", path, map[string]any{"version": 1, "given_name": "Adele", "mrn": "ED-1002", "wristband_id": "WB-ED-1002", "room": "12"}, &got); st != http.StatusOK {
				t.Fatalf("edit: %d", st)
			}
			if got.GivenName != "Adele" || got.MRN != "ED-1002" || got.WristbandID != "WB-ED-1002" || got.Room != "12" || got.FamilyName != "Edit" || got.Version != 2 {
				t.Errorf("edited: %+v", got)
			}
			if resp := charge.Do("PATCH", path, map[string]any{"version": 1, "room": "13"}, nil); resp.Status != http.StatusConflict || resp.Err(t).Error.Field != "version" {
				t.Errorf("an edit of the old version: %d %s", resp.Status, resp.Body)
			}
			var read residentAnswer
			charge.JSON("GET", path, nil, &read)
			if read.Room != "12" || read.Version != 2 {
				t.Errorf("read back: %+v", read)
			}
			n := 0
			b.tx(func(tx mar.Tx) error {
				evs, err := tx.ListAudit(mar.AuditFilter{ObjectID: r.ID, Action: "resident.edit"})
				n = len(evs)
				return err
			})
			if n != 1 {
				t.Errorf("%d resident.edit events, want 1", n)
			}
		})
	}
}

// A resident's photo is stored only when it decodes as a JPEG or PNG of at
// most 2 MB, and is served back within the caller's units.
func TestResidentPhotoUploadAndScope(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			charge, nurse, admin := b.login("charge"), b.login("nurse"), b.login("admin")
			r := b.resident("Quinn")
			path := "/api/v1/residents/" + r.ID + "/photo"
			pngType := map[string]string{"Content-Type": "image/png"}

			if resp := nurse.Do("GET", path, nil, nil); resp.Status != http.StatusNotFound {
				t.Errorf("no photo yet: %d", resp.Status)
			}
			pic := testPNG(t)
			var jpg bytes.Buffer
			if err := jpeg.Encode(&jpg, image.NewGray(image.Rect(0, 0, 20, 20)), nil); err != nil {
				t.Fatal(err)
			}
			big := make([]byte, mar.MaxPhotoBytes+1)
			copy(big, pic)
			for _, tc := range []struct {
				name   string
				body   []byte
				header map[string]string
				st     int
				field  string
			}{
				{"not an image", []byte("GIF89a but not really"), pngType, http.StatusBadRequest, "photo"},
				{"a truncated PNG", pic[:len(pic)/2], pngType, http.StatusBadRequest, "photo"},
				{"empty", []byte{}, pngType, http.StatusBadRequest, "photo"},
				{"over 2 MB", big, pngType, http.StatusRequestEntityTooLarge, "photo"},
				{"JSON content type", pic, map[string]string{"Content-Type": "application/json"}, http.StatusBadRequest, "Content-Type"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					if resp := charge.Do("PUT", path, tc.body, tc.header); resp.Status != tc.st || resp.Err(t).Error.Field != tc.field {
						t.Errorf("%d %s, want %d naming %s", resp.Status, clip(resp.Body), tc.st, tc.field)
					}
				})
			}
			if resp := nurse.Do("PUT", path, pic, pngType); resp.Status != http.StatusForbidden {
				t.Errorf("a nurse uploads a photo: %d", resp.Status)
			}
			// The type is what the bytes are, not what the header says.
			resp := charge.Do("PUT", path, jpg.Bytes(), pngType)
			if resp.Status != http.StatusOK || !bytes.Contains(resp.Body, []byte(`"content_type":"image/jpeg"`)) {
				t.Fatalf("a JPEG sent as PNG: %d %s", resp.Status, resp.Body)
			}
			resp = admin.Do("PUT", path, pic, pngType)
			if resp.Status != http.StatusOK {
				t.Fatalf("admin uploads: %d %s", resp.Status, resp.Body)
			}
			got := nurse.Do("GET", path, nil, nil)
			if got.Status != http.StatusOK || !bytes.Equal(got.Body, pic) || got.Header.Get("Content-Type") != "image/png" || got.Header.Get("ETag") == "" {
				t.Fatalf("read back: %d %s %q", got.Status, got.Header.Get("Content-Type"), got.Header.Get("ETag"))
			}
			if again := nurse.Do("GET", path, nil, map[string]string{"If-None-Match": got.Header.Get("ETag")}); again.Status != http.StatusNotModified {
				t.Errorf("unchanged photo: %d", again.Status)
			}

			// A nurse of the other unit only: neither sees nor changes it.
			other := ""
			for id := range b.units {
				if id != r.UnitID {
					other = id
				}
			}
			if st := admin.JSON("POST", "/api/v1/users", map[string]any{"username": "otto", "display_name": "Otto Other", "role": "charge_nurse",
				"password": "correct horse battery staple", "unit_ids": []string{other}}, nil); st != http.StatusCreated {
				t.Fatalf("create otto: %d", st)
			}
			otto := loginAs(t, b.env, "otto", "correct horse battery staple")
			if resp := otto.Do("GET", path, nil, nil); resp.Status != http.StatusForbidden {
				t.Errorf("another unit reads the photo: %d", resp.Status)
			}
			if resp := otto.Do("PUT", path, pic, pngType); resp.Status != http.StatusForbidden {
				t.Errorf("another unit replaces the photo: %d", resp.Status)
			}
			var events []string
			b.tx(func(tx mar.Tx) error {
				evs, err := tx.ListAudit(mar.AuditFilter{ObjectID: r.ID, Action: "resident.photo"})
				for _, e := range evs {
					events = append(events, e.Outcome)
				}
				return err
			})
			if len(events) != 2 {
				t.Errorf("photo audit events: %v, want 2", events)
			}
		})
	}
}

// The residents page lists only the caller's units: a charge nurse of one
// unit sees its residents, and asking for another unit is refused.
func TestResidentsPageKeepsToTheCallersUnits(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			admin := b.login("admin")
			quinn := b.resident("Quinn")
			other := ""
			for id := range b.units {
				if id != quinn.UnitID {
					other = id
				}
			}
			if st := admin.JSON("POST", "/api/v1/users", map[string]any{"username": "cleo", "display_name": "Cleo One-Unit", "role": "charge_nurse",
				"password": "correct horse battery staple", "unit_ids": []string{quinn.UnitID}}, nil); st != http.StatusCreated {
				t.Fatalf("create cleo: %d", st)
			}
			cleo := loginAs(t, b.env, "cleo", "correct horse battery staple")
			html := map[string]string{"Accept": "text/html"}
			page := cleo.Do("GET", "/admin/residents", nil, html)
			if page.Status != http.StatusOK || !bytes.Contains(page.Body, []byte(quinn.FamilyName+", "+quinn.GivenName)) {
				t.Fatalf("own unit's page: %d, Quinn listed: %v", page.Status, bytes.Contains(page.Body, []byte(quinn.FamilyName)))
			}
			for _, r := range b.residents {
				if r.UnitID == other && r.Status == mar.Admitted && bytes.Contains(page.Body, []byte(`data-resident="`+r.ID+`"`)) {
					t.Errorf("%s of the other unit is listed", r.FamilyName)
				}
			}
			if resp := cleo.Do("GET", "/admin/residents?unit_id="+other, nil, html); resp.Status != http.StatusForbidden {
				t.Errorf("the other unit's residents: %d", resp.Status)
			}
			for _, path := range []string{"/admin/staff", "/admin/units"} {
				if resp := cleo.Do("GET", path, nil, html); resp.Status != http.StatusForbidden {
					t.Errorf("a charge nurse opens %s: %d", path, resp.Status)
				}
				if resp := admin.Do("GET", path, nil, html); resp.Status != http.StatusOK {
					t.Errorf("an administrator opens %s: %d", path, resp.Status)
				}
			}
			if resp := admin.Do("GET", "/admin/residents?status=discharged", nil, html); resp.Status != http.StatusOK {
				t.Errorf("discharged residents: %d", resp.Status)
			}
		})
	}
}

// An account made on the staff page can have a badge and a PIN, and then
// signs in at the bedside with them; weak PINs and a PIN without a badge
// are refused.
func TestNewAccountWithBadgeAndPIN(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			admin := b.login("admin")
			user := func(name, badge, pin string) map[string]any {
				return map[string]any{"username": name, "display_name": "Pat " + name, "role": "nurse", "password": "correct horse battery staple",
					"badge_id": badge, "pin": pin, "unit_ids": []string{b.resident("Quinn").UnitID}}
			}
			for _, tc := range []struct{ name, badge, pin, reason string }{
				{"no badge", "", "4071", ""},
				{"too short", "EMP09001", "407", ""},
				{"letters", "EMP09001", "40a1", ""},
				{"a run", "EMP09001", "123456", "common_pin"},
				{"a run down", "EMP09001", "9876", "common_pin"},
				{"one digit", "EMP09001", "0000", "common_pin"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					resp := admin.Do("POST", "/api/v1/users", user("pat"+strings.ReplaceAll(tc.name, " ", ""), tc.badge, tc.pin), nil)
					if resp.Status != http.StatusBadRequest || resp.Err(t).Error.Field != "pin" || (tc.reason != "" && resp.Err(t).Error.Reason != tc.reason) {
						t.Errorf("%d %s, want 400 naming pin", resp.Status, resp.Body)
					}
				})
			}
			if st := admin.JSON("POST", "/api/v1/users", user("patpin", "EMP09001", "40718"), nil); st != http.StatusCreated {
				t.Fatalf("create with badge and PIN: %d", st)
			}
			if r := b.env.Anonymous(t).Do("POST", "/api/v1/auth/badge", map[string]string{"scan": "EMP09001", "pin": "40719"}, nil); r.Status != http.StatusUnauthorized {
				t.Errorf("wrong PIN: %d", r.Status)
			}
			var out struct {
				Token string `json:"token"`
			}
			if st := b.env.Anonymous(t).JSON("POST", "/api/v1/auth/badge", map[string]string{"scan": "EMP09001", "pin": "40718"}, &out); st != http.StatusOK || out.Token == "" {
				t.Errorf("badge sign-in: %d", st)
			}
		})
	}
}
