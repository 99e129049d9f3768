package mar

import "testing"

// HL7 CX-4 assigning authorities map onto FHIR identifier systems by
// configuration, and ISO/URI universal ids by the v2-to-FHIR rule; the
// way back gives PID-3.4 for RAS^O17.
func TestIdentifierSystemsFromAuthorities(t *testing.T) {
	c := IdentifierConfig{MRNSystem: "urn:local:mrn", Authorities: map[string]string{
		"HOSP": "urn:oid:2.16.840.1.113883.19.5", "2.16.840.1.113883.3.1": "http://clinic.example/mrn", "LOCAL": "urn:local:mrn"}}
	for _, tc := range []struct {
		name string
		in   Authority
		want string // "" means refused
	}{
		{"no authority is the default MRN system", Authority{}, "urn:local:mrn"},
		{"a configured namespace", Authority{Namespace: "HOSP"}, "urn:oid:2.16.840.1.113883.19.5"},
		{"a configured universal id", Authority{UniversalID: "2.16.840.1.113883.3.1", UniversalIDType: "ISO"}, "http://clinic.example/mrn"},
		{"an unlisted ISO OID becomes urn:oid", Authority{Namespace: "XYZ", UniversalID: "1.2.840.114350", UniversalIDType: "ISO"}, "urn:oid:1.2.840.114350"},
		{"an unlisted URI is the system", Authority{UniversalID: "http://x.example/id", UniversalIDType: "URI"}, "http://x.example/id"},
		{"an unlisted namespace is refused", Authority{Namespace: "NOWHERE"}, ""},
		{"a namespace with an unknown id type is refused", Authority{Namespace: "VA", UniversalID: "500", UniversalIDType: "L"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.SystemOf(tc.in)
			if tc.want == "" {
				if e, ok := AsError(err); !ok || e.Field != "mrn_system" || e.Reason != "unknown_assigning_authority" {
					t.Fatalf("SystemOf(%+v) = %q, %v; want refused naming mrn_system", tc.in, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("SystemOf(%+v) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name, system string
		want         Authority
	}{
		{"a configured system goes back to its namespace", "urn:oid:2.16.840.1.113883.19.5", Authority{Namespace: "HOSP"}},
		{"the default system mapped by LOCAL is sent as LOCAL", "urn:local:mrn", Authority{Namespace: "LOCAL"}},
		{"an unmapped OID is an ISO universal id", "urn:oid:1.2.3", Authority{UniversalID: "1.2.3", UniversalIDType: "ISO"}},
		{"an unmapped URI is a URI universal id", "http://x.example/id", Authority{UniversalID: "http://x.example/id", UniversalIDType: "URI"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.AuthorityOf(tc.system); got != tc.want {
				t.Fatalf("AuthorityOf(%q) = %+v; want %+v", tc.system, got, tc.want)
			}
		})
	}
	if got := (IdentifierConfig{}).AuthorityOf(DefaultMRNSystem); !got.IsZero() {
		t.Errorf("the default system without a mapping: %+v; want no authority", got)
	}
}
