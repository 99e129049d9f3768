package web_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/fhirvalidate"
	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// The SMART discovery document answers without signing in, at the root
// and at the FHIR base, with the fields SMART App Launch names.
func TestSMARTConfiguration(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{Now: bedsideStart})
	anon := env.Anonymous(t)
	for _, path := range []string{"/.well-known/smart-configuration", "/fhir/.well-known/smart-configuration"} {
		var doc struct {
			TokenEndpoint     string   `json:"token_endpoint"`
			GrantTypes        []string `json:"grant_types_supported"`
			AuthMethods       []string `json:"token_endpoint_auth_methods_supported"`
			Scopes            []string `json:"scopes_supported"`
			Capabilities      []string `json:"capabilities"`
			ResponseTypes     []string `json:"response_types_supported"`
			AuthorizeEndpoint *string  `json:"authorization_endpoint"`
		}
		if st := anon.JSON("GET", path, nil, &doc); st != http.StatusOK {
			t.Fatalf("%s: %d", path, st)
		}
		if doc.TokenEndpoint != env.URL+"/fhir/auth/token" {
			t.Errorf("%s: token_endpoint %q", path, doc.TokenEndpoint)
		}
		if strings.Join(doc.GrantTypes, ",") != "client_credentials" || strings.Join(doc.AuthMethods, ",") != "client_secret_basic,client_secret_post" {
			t.Errorf("%s: grant types %v, auth methods %v", path, doc.GrantTypes, doc.AuthMethods)
		}
		for _, want := range []string{"system/*.read", "system/Patient.read", "system/MedicationRequest.write", "system/MedicationAdministration.read"} {
			if !contains(doc.Scopes, want) {
				t.Errorf("%s: scopes_supported lacks %s: %v", path, want, doc.Scopes)
			}
		}
		if !contains(doc.Capabilities, "client-confidential-symmetric") || !contains(doc.Capabilities, "permission-v1") || contains(doc.Capabilities, "launch-ehr") {
			t.Errorf("%s: capabilities %v", path, doc.Capabilities)
		}
		if doc.AuthorizeEndpoint != nil {
			t.Errorf("%s: an authorization endpoint is advertised but there is none", path)
		}
	}
	// The CapabilityStatement names SMART and the token endpoint (R4 valid).
	md := anon.Do("GET", "/fhir/metadata", nil, nil)
	fhirvalidate.New(t).Add("metadata", md.Body)
	var cs struct {
		Rest []struct {
			Security struct {
				Service []struct {
					Coding []struct {
						Code string `json:"code"`
					} `json:"coding"`
				} `json:"service"`
				Extension []struct {
					URL       string `json:"url"`
					Extension []struct {
						URL      string `json:"url"`
						ValueURI string `json:"valueUri"`
					} `json:"extension"`
				} `json:"extension"`
			} `json:"security"`
		} `json:"rest"`
	}
	if err := json.Unmarshal(md.Body, &cs); err != nil || len(cs.Rest) != 1 || len(cs.Rest[0].Security.Service) != 1 ||
		cs.Rest[0].Security.Service[0].Coding[0].Code != "SMART-on-FHIR" || len(cs.Rest[0].Security.Extension) != 1 ||
		cs.Rest[0].Security.Extension[0].Extension[0].ValueURI != env.URL+"/fhir/auth/token" {
		t.Errorf("CapabilityStatement security: %s", md.Body)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
	Error       string `json:"error"`
}

// askToken posts a client credentials request; basic authenticates with
// the Authorization header, otherwise with client_id/client_secret.
func askToken(t *testing.T, env *testenv.Env, path, id, secret, scope string, basic bool) (int, tokenAnswer) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
	if basic {
		h["Authorization"] = "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
	} else {
		form.Set("client_id", id)
		form.Set("client_secret", secret)
	}
	r := env.Anonymous(t).Do("POST", path, form.Encode(), h)
	var out tokenAnswer
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("token answer %d: %q", r.Status, r.Body)
	}
	if r.Status == http.StatusOK && r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("token answer without Cache-Control: no-store")
	}
	return r.Status, out
}

type registered struct {
	ClientID string   `json:"client_id"`
	Secret   string   `json:"client_secret"`
	Scopes   []string `json:"scopes"`
	UnitIDs  []string `json:"unit_ids"`
}

func registerClient(t *testing.T, admin *testenv.Client, name string, scopes, units []string) registered {
	t.Helper()
	var out registered
	if st := admin.JSON("POST", "/api/v1/api-clients", map[string]any{"name": name, "scopes": scopes, "unit_ids": units}, &out); st != http.StatusCreated || out.Secret == "" || out.ClientID == "" {
		t.Fatalf("register %s: %d %+v", name, st, out)
	}
	return out
}

// API clients take tokens with client credentials and reach the FHIR API
// within their scopes, their role and their units; tokens expire, end
// with a disabled client and never reach /api/v1.
func TestSMARTClientCredentials(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			env := b.env
			admin, nurse := b.login("admin"), b.login("nurse")

			var mine, other mar.Resident
			for _, r := range b.residents {
				if mine.ID == "" {
					mine = r
				} else if r.UnitID != mine.UnitID {
					other = r
				}
			}
			if other.ID == "" {
				t.Fatal("the demo needs residents on two units")
			}

			// Registration: administrators only, system scopes only.
			if r := nurse.Do("POST", "/api/v1/api-clients", map[string]any{"name": "x", "scopes": []string{"system/Patient.read"}}, nil); r.Status != http.StatusForbidden {
				t.Fatalf("a nurse registers a client: %d", r.Status)
			}
			for _, bad := range [][]string{nil, {"user/Patient.read"}, {"system/Encounter.read"}, {"system/Patient.rx"}} {
				r := admin.Do("POST", "/api/v1/api-clients", map[string]any{"name": "bad", "scopes": bad}, nil)
				if r.Status != http.StatusBadRequest || r.Err(t).Error.Field != "scope" && r.Err(t).Error.Field != "scopes" {
					t.Errorf("scopes %v: %d %s", bad, r.Status, r.Body)
				}
			}
			cl := registerClient(t, admin, "Pharmacy system", []string{"system/Patient.read", "system/MedicationAdministration.rs", "system/MedicationRequest.read"}, []string{mine.UnitID})
			var list struct {
				Clients []registered `json:"api_clients"`
			}
			if st := admin.JSON("GET", "/api/v1/api-clients", nil, &list); st != http.StatusOK || len(list.Clients) != 1 || list.Clients[0].Secret != "" {
				t.Fatalf("list: %d %+v", st, list)
			}

			// The token endpoint (RFC 6749 §5.2 errors).
			if st, out := askToken(t, env, "/fhir/auth/token", cl.ClientID, cl.Secret+"x", "", true); st != http.StatusUnauthorized || out.Error != "invalid_client" {
				t.Fatalf("wrong secret: %d %+v", st, out)
			}
			if st, out := askToken(t, env, "/auth/token", mar.NewID(), cl.Secret, "", false); st != http.StatusUnauthorized || out.Error != "invalid_client" {
				t.Fatalf("unknown client: %d %+v", st, out)
			}
			for _, scope := range []string{"system/MedicationRequest.write", "system/Encounter.read", "patient/Patient.read", "system/*.read"} {
				if st, out := askToken(t, env, "/fhir/auth/token", cl.ClientID, cl.Secret, scope, true); st != http.StatusBadRequest || out.Error != "invalid_scope" {
					t.Fatalf("scope %s: %d %+v", scope, st, out)
				}
			}
			r := env.Anonymous(t).Do("POST", "/auth/token", "grant_type=authorization_code&code=x", map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
			if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"unsupported_grant_type"`) {
				t.Fatalf("authorization_code: %d %s", r.Status, r.Body)
			}
			st, narrow := askToken(t, env, "/fhir/auth/token", cl.ClientID, cl.Secret, "system/Patient.read", true)
			if st != http.StatusOK || narrow.TokenType != "bearer" || narrow.ExpiresIn != 300 || narrow.Scope != "system/Patient.read" || narrow.AccessToken == "" {
				t.Fatalf("token: %d %+v", st, narrow)
			}
			st, full := askToken(t, env, "/auth/token", cl.ClientID, cl.Secret, "", false)
			if st != http.StatusOK || full.Scope != strings.Join(cl.Scopes, " ") {
				t.Fatalf("token with every allowed scope (client_secret_post): %d %+v", st, full)
			}

			sys := env.Anonymous(t)
			sys.Token = narrow.AccessToken
			// A read its scope allows, on its unit.
			if r := sys.Do("GET", "/fhir/Patient/"+mine.ID, nil, fhirHeader); r.Status != http.StatusOK || !strings.Contains(string(r.Body), mine.ID) {
				t.Fatalf("read a patient on its unit: %d %s", r.Status, r.Body)
			}
			// The unit scope still applies.
			if r := sys.Do("GET", "/fhir/Patient/"+other.ID, nil, fhirHeader); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
				t.Fatalf("read a patient of another unit: %d %s", r.Status, r.Body)
			}
			// Missing scopes: 403 with an OperationOutcome naming the scope.
			for _, tc := range []struct {
				method, path string
				body         []byte
				scope        string
			}{
				{"GET", "/fhir/MedicationAdministration?patient=" + mine.ID, nil, "system/MedicationAdministration.read"},
				{"GET", "/fhir/Patient?family=" + url.QueryEscape(mine.FamilyName), nil, ""},
				{"POST", "/fhir/MedicationRequest", fixtureFHIR(t, "medicationrequest-rxnorm-prn.json", map[string]string{"PATIENT": mine.ID, "DATE": env.Clock.Now().Format("2006-01-02")}), "system/MedicationRequest.write"},
				{"PUT", "/fhir/Patient/" + mine.ID, []byte(`{"resourceType":"Patient","id":"` + mine.ID + `"}`), "system/Patient.write"},
			} {
				r := sys.Do(tc.method, tc.path, tc.body, fhirHeader)
				if tc.scope == "" { // search is part of .read
					if r.Status != http.StatusOK {
						t.Errorf("%s %s: %d %s", tc.method, tc.path, r.Status, r.Body)
					}
					continue
				}
				if r.Status != http.StatusForbidden {
					t.Errorf("%s %s: %d %s", tc.method, tc.path, r.Status, r.Body)
					continue
				}
				if o := decodeOutcome(t, r); o.Issue[0].Code != "forbidden" || !strings.Contains(o.Issue[0].Diagnostics, tc.scope) {
					t.Errorf("%s %s: %+v, want the scope %s named", tc.method, tc.path, o, tc.scope)
				}
			}
			// A transaction Bundle needs create on each entry's type.
			bundle := `{"resourceType":"Bundle","type":"transaction","entry":[{"resource":` +
				string(fixtureFHIR(t, "medicationrequest-rxnorm-prn.json", map[string]string{"PATIENT": mine.ID, "DATE": env.Clock.Now().Format("2006-01-02")})) +
				`,"request":{"method":"POST","url":"MedicationRequest"}}]}`
			if r := sys.Do("POST", "/fhir", bundle, fhirHeader); r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "system/MedicationRequest.write") {
				t.Fatalf("bundle without write: %d %s", r.Status, r.Body)
			}
			// The wider token reads administrations; v2 .rs counts as read.
			sysFull := env.Anonymous(t)
			sysFull.Token = full.AccessToken
			if r := sysFull.Do("GET", "/fhir/MedicationAdministration?patient="+mine.ID, nil, fhirHeader); r.Status != http.StatusOK {
				t.Fatalf("administrations with the scope: %d %s", r.Status, r.Body)
			}
			// Never the JSON API, nor an administrator's route.
			for _, path := range []string{"/api/v1/residents", "/api/v1/api-clients", "/api/v1/me"} {
				if r := sysFull.Do("GET", path, nil, nil); r.Status != http.StatusForbidden {
					t.Errorf("%s with a client token: %d %s", path, r.Status, r.Body)
				}
			}

			// Tokens expire.
			env.Clock.Advance(mar.ClientTokenLifetime + time.Second)
			if r := sys.Do("GET", "/fhir/Patient/"+mine.ID, nil, fhirHeader); r.Status != http.StatusUnauthorized || decodeOutcome(t, r).Issue[0].Code != "login" {
				t.Fatalf("expired token: %d %s", r.Status, r.Body)
			}

			// A disabled client's tokens end, and it gets no more.
			st, fresh := askToken(t, env, "/auth/token", cl.ClientID, cl.Secret, "", true)
			if st != http.StatusOK {
				t.Fatalf("fresh token: %d", st)
			}
			sys.Token = fresh.AccessToken
			if r := sys.Do("GET", "/fhir/Patient/"+mine.ID, nil, fhirHeader); r.Status != http.StatusOK {
				t.Fatalf("fresh token: %d", r.Status)
			}
			if r := nurse.Do("POST", "/api/v1/api-clients/"+cl.ClientID+"/disable", nil, nil); r.Status != http.StatusForbidden {
				t.Fatalf("a nurse disables a client: %d", r.Status)
			}
			if r := admin.Do("POST", "/api/v1/api-clients/"+cl.ClientID+"/disable", nil, nil); r.Status != http.StatusNoContent {
				t.Fatalf("disable: %d %s", r.Status, r.Body)
			}
			if r := sys.Do("GET", "/fhir/Patient/"+mine.ID, nil, fhirHeader); r.Status != http.StatusUnauthorized {
				t.Fatalf("token of a disabled client: %d %s", r.Status, r.Body)
			}
			if st, out := askToken(t, env, "/auth/token", cl.ClientID, cl.Secret, "", true); st != http.StatusUnauthorized || out.Error != "invalid_client" {
				t.Fatalf("token for a disabled client: %d %+v", st, out)
			}

			// Registration, tokens and refusals are audited.
			var audit struct {
				Items []struct {
					Action  string `json:"action"`
					Outcome string `json:"outcome"`
				} `json:"items"`
			}
			admin.JSON("GET", "/api/v1/audit?object_type=api_client", nil, &audit)
			seen := map[string]bool{}
			for _, e := range audit.Items {
				seen[e.Action+"/"+e.Outcome] = true
			}
			for _, want := range []string{"api_client.create/success", "api_client.disable/success", "auth.client_token/success", "auth.client_token/failure", "auth.client_token/refused"} {
				if !seen[want] {
					t.Errorf("audit lacks %s: %v", want, seen)
				}
			}
		})
	}
}

// A client allowed to write orders enters them through FHIR, pending
// verification like any order from outside, on its own units only.
func TestSMARTClientWritesOrders(t *testing.T) {
	b := newBed(t, "sqlite")
	env := b.env
	admin, ph := b.login("admin"), b.login("pharmacist")
	var mine mar.Resident
	for _, r := range b.residents {
		mine = r
		break
	}
	if st := ph.JSON("POST", "/api/v1/products/"+productID(t, ph, "Acetaminophen 500")+"/codes", map[string]string{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "198440"}, nil); st != http.StatusCreated {
		t.Fatalf("add RxNorm code: %d", st)
	}
	cl := registerClient(t, admin, "Prescribing", []string{"system/MedicationRequest.cruds", "system/Patient.read"}, []string{mine.UnitID})
	st, tok := askToken(t, env, "/fhir/auth/token", cl.ClientID, cl.Secret, "system/MedicationRequest.write", true)
	if st != http.StatusOK {
		t.Fatalf("token: %d %+v", st, tok)
	}
	sys := env.Anonymous(t)
	sys.Token = tok.AccessToken
	body := fixtureFHIR(t, "medicationrequest-rxnorm-prn.json", map[string]string{"PATIENT": mine.ID, "DATE": env.Clock.Now().Format("2006-01-02")})
	r := sys.Do("POST", "/fhir/MedicationRequest", body, fhirHeader)
	if r.Status != http.StatusCreated || !strings.Contains(string(r.Body), `"status":"draft"`) {
		t.Fatalf("create with write scope: %d %s", r.Status, r.Body)
	}
	// Its token was asked for write only: reading back needs read.
	var mr struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(r.Body, &mr)
	if r := sys.Do("GET", "/fhir/MedicationRequest/"+mr.ID, nil, fhirHeader); r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "system/MedicationRequest.read") {
		t.Fatalf("read with a write-only token: %d %s", r.Status, r.Body)
	}
}
