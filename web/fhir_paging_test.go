package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/emar-project/emar/internal/fhirvalidate"
	"github.com/emar-project/emar/internal/testenv"
)

func pageOf(t *testing.T, c *testenv.Client, v *fhirvalidate.Collector, path string) (bundle, map[string]string, []byte) {
	t.Helper()
	r := c.Do("GET", path, nil, fhirHeader)
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	v.Add("page "+path, r.Body)
	var b bundle
	if err := json.Unmarshal(r.Body, &b); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{}
	for _, l := range b.Link {
		u, err := url.Parse(l.URL)
		if err != nil || !strings.HasPrefix(u.Path, "/fhir/") {
			t.Fatalf("link %s: %q is not a FHIR URL of this server", l.Relation, l.URL)
		}
		links[l.Relation] = u.RequestURI()
	}
	return b, links, r.Body
}

// A search larger than one page is served in pages of _count that the
// next links walk to the end, every match exactly once, with previous
// links back and the total on every page. _total=none drops the total,
// _count=0 answers the total alone, and a bad _count is refused. Over
// HTTP, against the whole catalogue (more than 40 products).
func TestFHIRSearchPaging(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	v := fhirvalidate.New(t)
	ph := env.Login(t, "pharmacist")

	var products struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	ph.JSON("GET", "/api/v1/products", nil, &products)
	n := len(products.Items)
	if n <= 2*7 {
		t.Fatalf("the catalogue has %d products: too few to page", n)
	}

	t.Run("next links visit every match once", func(t *testing.T) {
		seen := map[string]int{}
		path, pages, prev := "/fhir/Medication?_count=7", 0, ""
		for path != "" {
			b, links, _ := pageOf(t, ph, v, path)
			pages++
			if b.Total != n {
				t.Fatalf("page %d: total %d, want %d", pages, b.Total, n)
			}
			if len(b.Entry) > 7 || (links["next"] != "" && len(b.Entry) != 7) {
				t.Fatalf("page %d: %d entries for _count=7", pages, len(b.Entry))
			}
			for _, e := range b.Entry {
				var r struct {
					ID string `json:"id"`
				}
				_ = json.Unmarshal(e.Resource, &r)
				if !strings.HasSuffix(e.FullURL, "/Medication/"+r.ID) {
					t.Errorf("fullUrl %s for %s", e.FullURL, r.ID)
				}
				seen[r.ID]++
			}
			if pages > 1 && links["previous"] != prev {
				t.Errorf("page %d: previous %q, want %q", pages, links["previous"], prev)
			}
			if links["first"] == "" || links["last"] == "" {
				t.Errorf("page %d: links %v", pages, links)
			}
			prev, path = links["self"], links["next"]
		}
		if want := (n + 6) / 7; pages != want {
			t.Errorf("%d pages, want %d", pages, want)
		}
		for _, p := range products.Items {
			if seen[p.ID] != 1 {
				t.Errorf("product %s seen %d times", p.ID, seen[p.ID])
			}
		}
		if len(seen) != n {
			t.Errorf("%d distinct resources, want %d", len(seen), n)
		}
	})

	t.Run("the default page is bounded and says where the rest is", func(t *testing.T) {
		b, links, _ := pageOf(t, ph, v, "/fhir/Medication")
		if b.Total != n || len(b.Entry) != min(n, 50) {
			t.Fatalf("total %d with %d entries; want %d and %d", b.Total, len(b.Entry), n, min(n, 50))
		}
		if (n > 50) != (links["next"] != "") {
			t.Fatalf("next link %q with %d matches", links["next"], n)
		}
		if got := search(t, ph, v, "/fhir/Medication?_count=1000"); len(got.Entry) != n {
			t.Fatalf("_count above the maximum: %d entries over all pages, want %d", len(got.Entry), n)
		}
	})

	t.Run("_total=none drops the total and _count=0 gives only it", func(t *testing.T) {
		_, _, body := pageOf(t, ph, v, "/fhir/Medication?_count=5&_total=none")
		if strings.Contains(string(body), `"total"`) {
			t.Fatalf("_total=none: %s", body)
		}
		for _, tot := range []string{"accurate", "estimate"} {
			if b, _, _ := pageOf(t, ph, v, "/fhir/Medication?_count=5&_total="+tot); b.Total != n {
				t.Fatalf("_total=%s: %d", tot, b.Total)
			}
		}
		b, links, _ := pageOf(t, ph, v, "/fhir/Medication?_count=0")
		if b.Total != n || len(b.Entry) != 0 || links["next"] != "" {
			t.Fatalf("_count=0: total %d, %d entries, links %v", b.Total, len(b.Entry), links)
		}
	})

	t.Run("an offset past the end is an empty page", func(t *testing.T) {
		b, links, _ := pageOf(t, ph, v, "/fhir/Medication?_count=5&_offset=100000")
		if b.Total != n || len(b.Entry) != 0 || links["next"] != "" || links["previous"] == "" {
			t.Fatalf("total %d, %d entries, links %v", b.Total, len(b.Entry), links)
		}
	})

	for _, tc := range []struct{ name, query, field string }{
		{"a negative _count", "_count=-1", "_count"},
		{"a _count that is not a number", "_count=ten", "_count"},
		{"an unknown _total", "_total=maybe", "_total"},
		{"a negative _offset", "_offset=-3", "_offset"},
	} {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			r := ph.Do("GET", "/fhir/Medication?"+tc.query, nil, fhirHeader)
			if r.Status != http.StatusBadRequest {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			o := decodeOutcome(t, r)
			if o.Issue[0].Code != "invalid" || !strings.Contains(o.Issue[0].Diagnostics, tc.field) {
				t.Fatalf("%+v", o.Issue[0])
			}
			v.Add("400 "+tc.name, r.Body)
		})
	}
	v.Validate(t)
}
