package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

// passesEAN8 reports whether eight digits carry a valid EAN-8 check digit,
// so that a scanner's text of them also reads as a product code.
func passesEAN8(s string) bool {
	if len(s) != 8 || strings.Trim(s, "0123456789") != "" {
		return false
	}
	sum := 0
	for i := 0; i < 7; i++ {
		d := int(s[i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return (10-sum%10)%10 == int(s[7]-'0')
}

// A site whose wristbands carry the bare eight-digit MRN, and whose scanners
// send the group separator as "^]", configures both; until it does, such a
// band reads as a product and such a pack does not read at all.
func TestFacilityScanSettings(t *testing.T) {
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			admin, nurse := b.login("admin"), b.login("nurse")

			var numeric mar.Resident
			for _, r := range b.residents {
				if passesEAN8(r.MRN) {
					numeric = r
					break
				}
			}
			if numeric.ID == "" {
				t.Fatal("the demo has no resident whose MRN is also a valid EAN-8")
			}
			p := b.product("Atorvastatin")
			pack := strings.Replace(b.pack(p), "\x1d", "^]", 1)

			// Before: the built-in formats.
			var got struct {
				mar.ScanSettings
				Own bool `json:"own"`
			}
			if st := admin.JSON("GET", "/api/v1/settings/scanning", nil, &got); st != http.StatusOK || got.Own || len(got.Wristbands) == 0 || len(got.Badges) == 0 {
				t.Fatalf("GET settings: %d %+v", st, got)
			}
			resp := nurse.Do("POST", "/api/v1/bedside/wristband", body{"scan": numeric.MRN}, map[string]string{"Idempotency-Key": newKey()})
			if resp.Status != http.StatusUnprocessableEntity || resp.Err(t).Error.Reason != mar.ReasonNotAWristband {
				t.Fatalf("numeric band before configuration: %d %s, want 422 %s", resp.Status, resp.Body, mar.ReasonNotAWristband)
			}
			if resp := nurse.Do("POST", "/api/v1/scans/parse", body{"text": pack}, nil); resp.Status != http.StatusUnprocessableEntity {
				t.Fatalf("pack with ^] before configuration: %d %s, want 422", resp.Status, resp.Body)
			}

			// Refusals name the field and the reason, and save nothing.
			bad := []struct {
				name  string
				body  map[string]any
				field string
			}{
				{"pattern that does not compile", map[string]any{"wristbands": []map[string]any{{"name": "x", "pattern": "(?P<mrn>[0-9"}}, "badges": got.Badges}, "wristbands[0]"},
				{"pattern without a named group", map[string]any{"wristbands": []map[string]any{{"name": "x", "pattern": "[0-9]{8}"}}, "badges": got.Badges}, "wristbands[0]"},
				{"unknown AI", map[string]any{"wristbands": []map[string]any{{"name": "x", "ai": "9999"}}, "badges": got.Badges}, "wristbands[0]"},
				{"two formats of one name", map[string]any{"wristbands": []map[string]any{{"name": "x", "prefix": "A", "fields": []string{"mrn"}}, {"name": "x", "prefix": "B", "fields": []string{"mrn"}}}, "badges": got.Badges}, "wristbands[1].name"},
				{"no badge format", map[string]any{"wristbands": got.Wristbands, "badges": []any{}}, "badges"},
				{"substitute made of GS1 data characters", map[string]any{"wristbands": got.Wristbands, "badges": got.Badges, "gs_substitutes": []string{"GS"}}, "gs_substitutes[0]"},
				{"empty substitute", map[string]any{"wristbands": got.Wristbands, "badges": got.Badges, "gs_substitutes": []string{""}}, "gs_substitutes[0]"},
				{"example the format does not read", map[string]any{"wristbands": []map[string]any{{"name": "numeric", "pattern": "(?P<mrn>[0-9]{8})", "example": "1234567"}}, "badges": got.Badges}, "wristbands[0].example"},
				{"example shadowed by an earlier format", map[string]any{"wristbands": []map[string]any{{"name": "any", "pattern": "(?P<mrn>[0-9]+)"}, {"name": "numeric", "pattern": "(?P<mrn>[0-9]{8})", "example": "12345670"}}, "badges": got.Badges}, "wristbands[1].example"},
			}
			for _, tc := range bad {
				resp := admin.Do("PUT", "/api/v1/settings/scanning", tc.body, nil)
				if resp.Status != http.StatusBadRequest || resp.Err(t).Error.Field != tc.field {
					t.Errorf("%s: %d %s, want 400 naming %s", tc.name, resp.Status, resp.Body, tc.field)
				}
			}
			if st := admin.JSON("GET", "/api/v1/settings/scanning", nil, &got); st != http.StatusOK || got.Own {
				t.Fatalf("a refused change was saved: %+v", got)
			}

			// Only an administrator changes them.
			site := map[string]any{
				"wristbands": append([]any{map[string]any{"name": "numeric-mrn", "pattern": "(?P<mrn>[0-9]{8})", "example": numeric.MRN}}, anySlice(got.Wristbands)...),
				"badges":     got.Badges,
				// What GET answered can be sent back edited.
				"gs_substitutes": []string{"^]"},
				"own":            false,
			}
			if resp := nurse.Do("PUT", "/api/v1/settings/scanning", site, nil); resp.Status != http.StatusForbidden {
				t.Fatalf("nurse PUT: %d %s", resp.Status, resp.Body)
			}
			if resp := admin.Do("PUT", "/api/v1/settings/scanning", site, nil); resp.Status != http.StatusOK {
				t.Fatalf("admin PUT: %d %s", resp.Status, resp.Body)
			}
			if st := admin.JSON("GET", "/api/v1/settings/scanning", nil, &got); st != http.StatusOK || !got.Own || got.Wristbands[0].Name != "numeric-mrn" || len(got.GSSubstitutes) != 1 {
				t.Fatalf("after PUT: %+v", got)
			}

			// The numeric band now opens the right resident; a product
			// scanned at the medication step still reads as a product.
			var wb struct {
				Resident struct {
					ID string `json:"id"`
				} `json:"resident"`
			}
			resp = nurse.Do("POST", "/api/v1/bedside/wristband", body{"scan": numeric.MRN}, map[string]string{"Idempotency-Key": newKey()})
			if resp.Status != http.StatusOK {
				t.Fatalf("numeric band after configuration: %d %s", resp.Status, resp.Body)
			}
			if wb = decode[struct {
				Resident struct {
					ID string `json:"id"`
				} `json:"resident"`
			}](t, resp); wb.Resident.ID != numeric.ID {
				t.Fatalf("numeric band opened resident %s, want %s (%s)", wb.Resident.ID, numeric.ID, numeric.FamilyName)
			}
			var rep struct {
				Code struct {
					Kind   string `json:"kind"`
					GTIN   string `json:"gtin"`
					Serial string `json:"serial"`
				} `json:"code"`
			}
			if st := nurse.JSON("POST", "/api/v1/scans/parse", body{"text": pack}, &rep); st != http.StatusOK || rep.Code.Kind != "gs1" || rep.Code.GTIN != p.Packages[0].GTIN || !strings.HasPrefix(rep.Code.Serial, "SN") {
				t.Fatalf("pack with ^] after configuration: %d %+v", st, rep)
			}

			// The demo barcode sheet shows the formats in effect.
			sheet := b.env.Anonymous(t).Do("GET", "/demo/barcodes", nil, map[string]string{"Accept": "text/html"})
			if sheet.Status != http.StatusOK || !strings.Contains(string(sheet.Body), "numeric-mrn") || !strings.Contains(string(sheet.Body), numeric.MRN) || !strings.Contains(string(sheet.Body), "<code>^]</code>") {
				t.Fatalf("the barcode sheet does not show the site's formats: %d", sheet.Status)
			}

			// The change is in the audit trail, old and new.
			var events struct {
				Items []struct {
					Action string `json:"action"`
				} `json:"items"`
			}
			if st := admin.JSON("GET", "/api/v1/audit?action=facility.scan_settings", nil, &events); st != http.StatusOK || len(events.Items) != 1 {
				t.Fatalf("audit: %d %+v", st, events)
			}

			// {} goes back to the default.
			if resp := admin.Do("PUT", "/api/v1/settings/scanning", map[string]any{}, nil); resp.Status != http.StatusOK {
				t.Fatalf("reset: %d %s", resp.Status, resp.Body)
			}
			if st := admin.JSON("GET", "/api/v1/settings/scanning", nil, &got); st != http.StatusOK || got.Own || got.Wristbands[0].Name == "numeric-mrn" {
				t.Fatalf("after reset: %+v", got)
			}
			resp = nurse.Do("POST", "/api/v1/bedside/wristband", body{"scan": numeric.MRN}, map[string]string{"Idempotency-Key": newKey()})
			if resp.Status != http.StatusUnprocessableEntity {
				t.Fatalf("numeric band after reset: %d %s", resp.Status, resp.Body)
			}
		})
	}
}

func anySlice[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
