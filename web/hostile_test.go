package web_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// accountFor names the demo account of each role.
var accountFor = map[mar.Role]string{
	mar.RoleNurse:       "nurse",
	mar.RoleChargeNurse: "charge",
	mar.RolePharmacist:  "pharmacist",
	mar.RoleAdmin:       "admin",
}

// Every route answers hostile input with a clear 4xx in the JSON error
// shape, never a 500 or a panic, and stores nothing.
func TestHostileInputGetsAClearRefusal(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{})
			clients := map[mar.Role]*testenv.Client{}
			for role, name := range accountFor {
				clients[role] = env.Login(t, name)
			}
			huge := bytes.Repeat([]byte("x"), 3<<20)
			bodies := []struct {
				name string
				body []byte
			}{
				{"malformed JSON", []byte(`{"a":`)},
				{"not an object", []byte(`[1,2,3]`)},
				{"deeply nested", []byte(strings.Repeat("[", 10000) + strings.Repeat("]", 10000))},
				{"oversized", huge},
				{"injection strings", []byte(`{"reason":"'; DROP TABLE audit_events; --","note":"<script>alert(1)</script>"}`)},
			}
			ids := []string{"01a0c5a3-0000-7000-8000-000000000000", "'%20OR%201=1--", "..%2F..%2Fetc%2Fpasswd"}
			for _, r := range env.Web.Routes() {
				if r.Roles == nil || strings.HasSuffix(r.Path, "/stream") || r.Path == "/api/v1/auth/logout" {
					continue
				}
				c := clients[r.Roles[0]]
				for _, id := range ids {
					path := pathParam.ReplaceAllString(r.Path, id)
					switch r.Method {
					case http.MethodPost, http.MethodPut, http.MethodPatch:
						for _, b := range bodies {
							resp := c.Do(r.Method, path, b.body, nil)
							if resp.Status >= 500 || resp.Status < 400 && resp.Status != http.StatusOK {
								t.Errorf("%s %s with %s: status %d %s", r.Method, path, b.name, resp.Status, clip(resp.Body))
							}
							if resp.Status >= 400 && !bytes.Contains(resp.Body, []byte(`"error"`)) && !bytes.Contains(resp.Body, []byte("OperationOutcome")) {
								t.Errorf("%s %s with %s: error without the JSON error shape: %s", r.Method, path, b.name, clip(resp.Body))
							}
						}
					default:
						resp := c.Do(r.Method, path+"?from=yesterday&to=%00&days=-1&limit=99999999999", nil, nil)
						if resp.Status >= 500 {
							t.Errorf("%s %s with garbage parameters: status %d %s", r.Method, path, resp.Status, clip(resp.Body))
						}
					}
				}
			}
			if n, brk, err := env.Store.VerifyAudit(t.Context()); err != nil || brk != nil || n == 0 {
				t.Fatalf("audit trail after the hostile run: %d events, break %v, err %v", n, brk, err)
			}
		})
	}
}

func clip(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

// Text that looks like SQL or markup is stored and returned verbatim: the
// database sees parameters, never spliced strings.
func TestInjectionStringsAreStoredVerbatim(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, engine, testenv.Options{})
			admin := env.Login(t, "admin")
			name := `Robert'); DROP TABLE residents;-- <script>alert("x")</script>`
			var created struct {
				ID         string `json:"id"`
				FamilyName string `json:"family_name"`
			}
			st := admin.JSON("POST", "/api/v1/residents", map[string]any{"mrn": "X' OR '1'='1", "family_name": name, "given_name": "Bobby",
				"birth_date": "1950-01-01", "unit_id": env.Demo.Units[0].ID}, &created)
			if st != http.StatusCreated || created.FamilyName != name {
				t.Fatalf("create: %d %+v", st, created)
			}
			var got struct {
				FamilyName string `json:"family_name"`
				MRN        string `json:"mrn"`
			}
			if st := env.Login(t, "charge").JSON("GET", "/api/v1/residents/"+created.ID, nil, &got); st != http.StatusOK || got.FamilyName != name || got.MRN != "X' OR '1'='1" {
				t.Fatalf("read back: %d %+v", st, got)
			}
			var list struct {
				Items []struct{ ID string } `json:"items"`
			}
			env.Login(t, "charge").JSON("GET", "/api/v1/residents", nil, &list)
			if len(list.Items) != 21 {
				t.Fatalf("%d residents after the injection attempt, want 21", len(list.Items))
			}
		})
	}
}
