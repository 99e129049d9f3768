package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store/storetest"
)

func TestBreakGlassIsTimeBoxedAndFlagged(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{})
			admin := env.Login(t, "admin")
			var list struct {
				Items []struct{ ID string } `json:"items"`
			}
			nurse := env.Login(t, "nurse")
			nurse.JSON("GET", "/api/v1/residents", nil, &list)
			resident := list.Items[0].ID
			if st := admin.JSON("GET", "/api/v1/residents/"+resident, nil, nil); st != http.StatusForbidden {
				t.Fatalf("admin reads a record without break-glass: %d", st)
			}
			r := admin.Do("POST", "/api/v1/break-glass", map[string]string{"reason": "short"}, nil)
			if r.Status != http.StatusBadRequest || r.Err(t).Error.Field != "reason" {
				t.Fatalf("break-glass without a real reason: %d %s", r.Status, r.Body)
			}
			if st := admin.JSON("POST", "/api/v1/break-glass", map[string]string{"reason": "covering the night shift, no charge nurse on site"}, nil); st != http.StatusCreated {
				t.Fatalf("start break-glass: %d", st)
			}
			if st := admin.JSON("GET", "/api/v1/residents/"+resident, nil, nil); st != http.StatusOK {
				t.Fatalf("read under break-glass: %d", st)
			}
			if st := admin.JSON("POST", "/api/v1/orders", map[string]string{}, nil); st != http.StatusForbidden {
				t.Fatalf("break-glass opened a write: %d", st)
			}
			var flagged int
			_ = env.Store.EachAuditEvent(context.Background(), 0, func(e mar.AuditEvent) error {
				if e.BreakGlass && e.Action == "resident.read" && e.ResidentID == resident {
					flagged++
				}
				return nil
			})
			if flagged != 1 {
				t.Fatalf("%d flagged reads in the audit trail, want 1", flagged)
			}
			env.Clock.Advance(61 * time.Minute)
			if st := admin.JSON("GET", "/api/v1/residents/"+resident, nil, nil); st != http.StatusForbidden {
				t.Fatalf("read after the grant expired: %d", st)
			}
		})
	}
}

func TestSignOutEverywhere(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	a, b := env.Login(t, "nurse"), env.Login(t, "nurse")
	if st := a.JSON("POST", "/api/v1/auth/logout-all", nil, nil); st != http.StatusOK {
		t.Fatal(st)
	}
	if st := b.JSON("GET", "/api/v1/me", nil, nil); st != http.StatusUnauthorized {
		t.Fatalf("other session after sign-out everywhere: %d", st)
	}
}

func TestAuditReportFiltersAndExports(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{})
			nurse := env.Login(t, "nurse")
			var list struct {
				Items []struct{ ID string } `json:"items"`
			}
			nurse.JSON("GET", "/api/v1/residents", nil, &list)
			res := list.Items[2].ID
			nurse.JSON("GET", "/api/v1/residents/"+res, nil, nil)
			nurse.JSON("GET", "/api/v1/residents/"+res, nil, nil)
			admin := env.Login(t, "admin")
			var rep struct {
				Items []struct {
					Action, ResidentID, Role string
					Seq                      int64
				} `json:"items"`
			}
			if st := admin.JSON("GET", "/api/v1/audit?resident_id="+res+"&action=resident.read&sort=at", nil, &rep); st != http.StatusOK {
				t.Fatal(st)
			}
			if len(rep.Items) != 2 || rep.Items[0].Seq >= rep.Items[1].Seq {
				t.Fatalf("resident reads: %+v", rep.Items)
			}
			if st := admin.JSON("GET", "/api/v1/audit?action=auth.&sort=-at", nil, &rep); st != http.StatusOK || len(rep.Items) < 2 || rep.Items[0].Seq < rep.Items[1].Seq {
				t.Fatalf("auth. prefix, newest first: %d %+v", st, rep.Items)
			}
			r := admin.Do("GET", "/api/v1/audit?format=csv&action=resident.read", nil, nil)
			if r.Status != http.StatusOK || !strings.HasPrefix(string(r.Body), "seq,at,user_id") || strings.Count(string(r.Body), "resident.read") != 2 {
				t.Fatalf("CSV: %d %s", r.Status, r.Body)
			}
			if st := nurse.JSON("GET", "/api/v1/audit", nil, nil); st != http.StatusForbidden {
				t.Fatalf("nurse reads the audit report: %d", st)
			}
		})
	}
}

func TestBreakGlassAlertsTheChargeNurse(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	admin := env.Login(t, "admin")
	if st := admin.JSON("POST", "/api/v1/break-glass", map[string]string{"reason": "resident fell, family asks for medication list"}, nil); st != http.StatusCreated {
		t.Fatal(st)
	}
	var alerts struct {
		Items []struct {
			Kind, Message string
		} `json:"items"`
	}
	if st := env.Login(t, "charge").JSON("GET", "/api/v1/alerts?unit_id="+env.Demo.Units[0].ID, nil, &alerts); st != http.StatusOK {
		t.Fatal(st)
	}
	found := false
	for _, a := range alerts.Items {
		found = found || a.Kind == "break_glass" && strings.Contains(a.Message, "family asks")
	}
	if !found {
		t.Fatalf("no break-glass alert on the unit: %+v", alerts.Items)
	}
}

func TestAuditPageShowsEventsEscaped(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	// A failed sign-in with a hostile username lands in the trail verbatim.
	env.Anonymous(t).Do("POST", "/api/v1/auth/login", map[string]string{"username": `<script>alert("x")</script>`, "password": "x"}, nil)
	b := newBrowserClient(t, env)
	if resp, _ := b.do("POST", "/api/v1/auth/login", `{"username":"admin","password":"demo","kind":"web","totp":"`+demo.TOTPCode("admin", env.Clock.Now())+`"}`, nil); resp.StatusCode != http.StatusOK {
		t.Fatal(resp.StatusCode)
	}
	resp, body := b.do("GET", "/audit?action=auth.&sort=at", "", htmlAccept)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("audit page: %d", resp.StatusCode)
	}
	if strings.Contains(body, `<script>alert(`) || !(strings.Contains(body, "&lt;script&gt;") || strings.Contains(body, `\u003cscript\u003e`)) {
		t.Fatal("the hostile username is not shown escaped")
	}
	if !strings.Contains(body, "auth.login") || !strings.Contains(body, "Download as CSV") {
		t.Fatalf("audit page lacks events or the CSV link")
	}
	nurse := newBrowserClient(t, env)
	nurse.do("POST", "/api/v1/auth/login", `{"username":"nurse","password":"demo","kind":"web"}`, nil)
	if resp, _ := nurse.do("GET", "/audit", "", htmlAccept); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("nurse opens the audit page: %d", resp.StatusCode)
	}
}
