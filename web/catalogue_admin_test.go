package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/mar/store/storetest"
)

type productAnswer struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	HighAlert     string   `json:"high_alert"`
	Controlled    string   `json:"controlled"`
	Psychotropic  bool     `json:"psychotropic"`
	Antipsychotic bool     `json:"antipsychotic"`
	Splitting     string   `json:"splitting"`
	Crushable     *bool    `json:"crushable"`
	Inferred      bool     `json:"dose_form_inferred"`
	DrugClasses   []string `json:"drug_classes"`
	Version       int64    `json:"version"`
	Ingredients   []struct {
		Name          string  `json:"name"`
		StrengthValue float64 `json:"strength_value"`
		StrengthUnit  string  `json:"strength_unit"`
	} `json:"ingredients"`
	Packages []struct {
		GTIN string `json:"gtin"`
		NDC  string `json:"ndc"`
	} `json:"packages"`
}

// wrongCheckDigit changes a GTIN's last digit.
func wrongCheckDigit(gtin string) string {
	last := gtin[13]
	return gtin[:13] + string('0'+(last-'0'+1)%10)
}

// The catalogue is kept on its own: products are added with a package,
// edited against the version read (a stale edit is refused, not merged),
// packages are added with their check digits checked; every change is
// audited with what it was before, and the bedside follows at once.
func TestCatalogueEditsThroughTheAPI(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			pharm, admin, nurse, charge := b.login("pharmacist"), b.login("admin"), b.login("nurse"), b.login("charge")
			gtin := demo.GTIN("7777012301")
			create := map[string]any{"name": "Morphine sulfate 15 mg tablet", "form": "tablet", "routes": []string{"oral"},
				"ingredients": []map[string]any{{"name": "Morphine Sulfate", "strength_value": 15, "strength_unit": "mg"}},
				"controlled":  "II", "packages": []map[string]any{{"gtin": gtin, "ndc": "77770-1230-1", "quantity": 1}}}

			// Creation: the field at fault is named, the package's by index.
			bad := func(mut func(m map[string]any)) map[string]any {
				m := map[string]any{}
				for k, v := range create {
					m[k] = v
				}
				mut(m)
				return m
			}
			for _, tc := range []struct {
				name  string
				body  map[string]any
				field string
			}{
				{"wrong check digit", bad(func(m map[string]any) {
					m["packages"] = []map[string]any{{"gtin": wrongCheckDigit(gtin), "quantity": 1}}
				}), "packages[0].gtin"},
				{"no quantity", bad(func(m map[string]any) { m["packages"] = []map[string]any{{"gtin": gtin}} }), "packages[0].quantity"},
				{"not an NDC", bad(func(m map[string]any) {
					m["packages"] = []map[string]any{{"gtin": gtin, "ndc": "12-34", "quantity": 1}}
				}), "packages[0].ndc"},
				{"drug classes are derived", bad(func(m map[string]any) { m["drug_classes"] = []string{"opioids"} }), "drug_classes"},
				{"unknown high-alert class", bad(func(m map[string]any) { m["high_alert"] = "very" }), "high_alert"},
			} {
				if resp := pharm.Do("POST", "/api/v1/products", tc.body, nil); resp.Status != http.StatusBadRequest || resp.Err(t).Error.Field != tc.field {
					t.Errorf("%s: %d %s, want 400 naming %s", tc.name, resp.Status, resp.Body, tc.field)
				}
			}
			if resp := nurse.Do("POST", "/api/v1/products", create, nil); resp.Status != http.StatusForbidden {
				t.Errorf("a nurse adds a product: %d, want 403", resp.Status)
			}
			var p productAnswer
			// call decodes each answer into an empty p: a field an answer
			// leaves out must not keep the previous answer's value.
			call := func(c *testenv.Client, method, path string, body any) int {
				p = productAnswer{}
				return c.JSON(method, path, body, &p)
			}
			if st := call(pharm, "POST", "/api/v1/products", create); st != http.StatusCreated || p.Version != 1 ||
				len(p.Packages) != 1 || p.Packages[0].GTIN != gtin || p.Ingredients[0].Name != "morphine sulfate" {
				t.Fatalf("create: %d %+v", st, p)
			}
			if !strings.Contains(strings.Join(p.DrugClasses, ","), "opioids") {
				t.Errorf("drug classes of morphine: %v", p.DrugClasses)
			}
			path := "/api/v1/products/" + p.ID

			// Edits: against the version read; each field checked.
			for _, tc := range []struct {
				name  string
				body  map[string]any
				field string
			}{
				{"no version", map[string]any{"high_alert": "witness_required"}, "version"},
				{"unknown high-alert class", map[string]any{"version": 1, "high_alert": "very"}, "high_alert"},
				{"no name", map[string]any{"version": 1, "name": " "}, "name"},
				{"no route", map[string]any{"version": 1, "routes": []string{}}, "routes"},
				{"a strength of zero", map[string]any{"version": 1, "ingredients": []map[string]any{{"name": "morphine", "strength_value": 0, "strength_unit": "mg"}}}, "ingredients"},
				{"unknown splitting", map[string]any{"version": 1, "splitting": "thirds"}, "splitting"},
				{"crushable not a flag", map[string]any{"version": 1, "crushable": "maybe"}, "crushable"},
				{"not a DEA schedule", map[string]any{"version": 1, "controlled": "VI"}, "controlled"},
				{"antipsychotic without psychotropic", map[string]any{"version": 1, "antipsychotic": true}, "psychotropic"},
				{"packages are added one by one", map[string]any{"version": 1, "packages": []any{}}, "packages"},
			} {
				resp := pharm.Do("PATCH", path, tc.body, nil)
				if resp.Status != http.StatusBadRequest || resp.Err(t).Error.Field != tc.field {
					t.Errorf("%s: %d %s, want 400 naming %s", tc.name, resp.Status, resp.Body, tc.field)
				}
			}
			if resp := nurse.Do("PATCH", path, map[string]any{"version": 1, "high_alert": "none"}, nil); resp.Status != http.StatusForbidden {
				t.Errorf("a nurse edits a product: %d, want 403", resp.Status)
			}
			if resp := charge.Do("PATCH", path, map[string]any{"version": 1, "high_alert": "none"}, nil); resp.Status != http.StatusForbidden {
				t.Errorf("a charge nurse edits a product: %d, want 403", resp.Status)
			}
			if st := call(admin, "PATCH", path, map[string]any{"version": 1, "high_alert": "witness_required", "splitting": "none", "crushable": false}); st != http.StatusOK ||
				p.Version != 2 || p.HighAlert != "witness_required" || p.Splitting != "none" || p.Crushable == nil || *p.Crushable || p.Inferred {
				t.Fatalf("edit: %d %+v", st, p)
			}
			// The same edit again changes nothing: no new version.
			if st := call(admin, "PATCH", path, map[string]any{"version": 2, "high_alert": "witness_required"}); st != http.StatusOK || p.Version != 2 {
				t.Fatalf("edit that changes nothing: %d version %d, want 200 at version 2", st, p.Version)
			}
			// An edit made against version 1 arrives late: refused.
			resp := pharm.Do("PATCH", path, map[string]any{"version": 1, "high_alert": "none"}, nil)
			if resp.Status != http.StatusConflict || resp.Err(t).Error.Field != "version" {
				t.Fatalf("stale edit: %d %s, want 409 naming version", resp.Status, resp.Body)
			}
			// null goes back to what the form implies.
			if st := call(pharm, "PATCH", path, map[string]any{"version": 2, "crushable": nil, "splitting": ""}); st != http.StatusOK || !p.Inferred || p.Version != 3 {
				t.Fatalf("back to the form's rule: %d %+v", st, p)
			}

			// Packages: check digit, NDC, quantity, duplicates.
			upc := "77770123012" // a UPC-A of 12 digits with its check digit: kept padded to 14
			upc += string('0' + byte(gtinCheck("00"+upc)))
			for _, tc := range []struct {
				name   string
				body   map[string]any
				status int
				field  string
			}{
				{"wrong check digit", map[string]any{"gtin": wrongCheckDigit("00" + upc), "quantity": 1}, http.StatusBadRequest, "gtin"},
				{"letters", map[string]any{"gtin": "0030000ABC1234", "quantity": 1}, http.StatusBadRequest, "gtin"},
				{"too short", map[string]any{"gtin": "12345", "quantity": 1}, http.StatusBadRequest, "gtin"},
				{"not an NDC", map[string]any{"gtin": "00" + upc, "ndc": "1234", "quantity": 1}, http.StatusBadRequest, "ndc"},
				{"no quantity", map[string]any{"gtin": "00" + upc}, http.StatusBadRequest, "quantity"},
				{"GTIN of another product", map[string]any{"gtin": b.product("Acetaminophen 500").Packages[0].GTIN, "quantity": 1}, http.StatusConflict, "gtin"},
				{"unknown field", map[string]any{"gtin": "00" + upc, "quantity": 1, "product_id": p.ID}, http.StatusBadRequest, "product_id"},
			} {
				resp := pharm.Do("POST", path+"/packages", tc.body, nil)
				if resp.Status != tc.status || resp.Err(t).Error.Field != tc.field {
					t.Errorf("package %s: %d %s, want %d naming %s", tc.name, resp.Status, resp.Body, tc.status, tc.field)
				}
			}
			if resp := pharm.Do("POST", path+"/packages", map[string]any{"gtin": wrongCheckDigit("00" + upc), "quantity": 1}, nil); !strings.Contains(resp.Err(t).Error.Message, "check digit") {
				t.Errorf("the refusal does not say the check digit is wrong: %s", resp.Body)
			}
			if resp := nurse.Do("POST", path+"/packages", map[string]any{"gtin": upc, "quantity": 1}, nil); resp.Status != http.StatusForbidden {
				t.Errorf("a nurse adds a package: %d, want 403", resp.Status)
			}
			if st := call(pharm, "POST", path+"/packages", map[string]any{"gtin": upc, "ndc": "77770-1230-2", "description": "blister of 10", "quantity": 10}); st != http.StatusCreated ||
				len(p.Packages) != 2 || p.Version != 4 {
				t.Fatalf("add package: %d %+v", st, p)
			}
			found := false
			for _, pk := range p.Packages {
				found = found || pk.GTIN == "00"+upc
			}
			if !found {
				t.Errorf("the UPC was not kept as a GTIN-14: %+v", p.Packages)
			}
			var got productAnswer
			if st := nurse.JSON("GET", path, nil, &got); st != http.StatusOK || got.Version != 4 || got.HighAlert != "witness_required" {
				t.Errorf("read back: %d %+v", st, got)
			}

			// Audited: the edit keeps the value before and after.
			var trail struct {
				Items []struct {
					Action string `json:"action"`
					Detail string `json:"detail"`
				} `json:"items"`
			}
			if st := admin.JSON("GET", "/api/v1/audit?object_id="+p.ID+"&action=product.&sort=at", nil, &trail); st != http.StatusOK {
				t.Fatalf("audit: %d", st)
			}
			var actions []string
			for _, e := range trail.Items {
				actions = append(actions, e.Action)
			}
			if strings.Join(actions, " ") != "product.create product.update product.update product.package.add" {
				t.Fatalf("audit actions %v", actions)
			}
			if d := trail.Items[1].Detail; !strings.Contains(d, `"high_alert":"none"`) || !strings.Contains(d, `"high_alert":"witness_required"`) {
				t.Errorf("the edit's audit does not keep before and after: %s", d)
			}
		})
	}
}

// gtinCheck is the GS1 mod-10 check digit of the first 13 digits.
func gtinCheck(s string) int {
	sum := 0
	for i := 0; i < 13; i++ {
		d := int(s[i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return (10 - sum%10) % 10
}
