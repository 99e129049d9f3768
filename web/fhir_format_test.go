package web_test

import (
	"net/http"
	"testing"

	"github.com/emar-project/emar/internal/fhirvalidate"
	"github.com/emar-project/emar/internal/testenv"
)

// FHIR clients that ask for XML (by _format or Accept) get 406 with an
// OperationOutcome; JSON, wildcards and no preference get JSON. Over HTTP.
func TestFHIRFormatNegotiation(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	v := fhirvalidate.New(t)
	charge := env.Login(t, "charge")
	for _, tc := range []struct {
		name, path, accept string
		want               int
	}{
		{"no preference", "/fhir/Patient", "", http.StatusOK},
		{"FHIR JSON", "/fhir/Patient", "application/fhir+json", http.StatusOK},
		{"a browser-like list with a wildcard", "/fhir/Patient", "text/html,application/xml;q=0.9,*/*;q=0.8", http.StatusOK},
		{"_format json", "/fhir/Patient?_format=json", "application/fhir+xml", http.StatusOK},
		{"_format application/fhir+json", "/fhir/Patient?_format=application/fhir%2Bjson", "", http.StatusOK},
		{"Accept FHIR XML", "/fhir/Patient", "application/fhir+xml", http.StatusNotAcceptable},
		{"Accept XML only", "/fhir/metadata", "application/xml, text/xml", http.StatusNotAcceptable},
		{"JSON refused by q=0", "/fhir/Patient", "application/fhir+json;q=0, application/fhir+xml", http.StatusNotAcceptable},
		{"_format xml", "/fhir/Patient?_format=xml", "", http.StatusNotAcceptable},
		{"_format overrides a JSON Accept", "/fhir/Patient/x?_format=application/fhir%2Bxml", "application/fhir+json", http.StatusNotAcceptable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{}
			if tc.accept != "" {
				h["Accept"] = tc.accept
			}
			r := charge.Do("GET", tc.path, nil, h)
			if r.Status != tc.want {
				t.Fatalf("%d %s; want %d", r.Status, r.Body, tc.want)
			}
			if tc.want == http.StatusNotAcceptable {
				o := decodeOutcome(t, r)
				if o.Issue[0].Code != "not-supported" || r.Header.Get("Content-Type") != "application/fhir+json; charset=utf-8" && r.Header.Get("Content-Type") != "application/fhir+json" {
					t.Fatalf("outcome %+v, content type %q", o, r.Header.Get("Content-Type"))
				}
				v.Add("406 "+tc.name, r.Body)
			}
		})
	}
	v.Validate(t)
}
