package mar

import "testing"

func TestParseScope(t *testing.T) {
	for _, tc := range []struct {
		in    string
		perms string
		ok    bool
	}{
		{"system/Patient.read", "rs", true},
		{"system/*.write", "cud", true},
		{"user/MedicationAdministration.*", "cruds", true},
		{"patient/Patient.rs", "rs", true},
		{"system/MedicationRequest.cu", "cu", true},
		{"system/Patient.sr", "", false},
		{"system/Patient.rr", "", false},
		{"system/Patient.", "", false},
		{"system/Patient.x", "", false},
		{"system/Encounter.read", "", false},
		{"launch/patient", "", false},
		{"openid", "", false},
		{"system/Patient.rs?identifier=x", "", false},
	} {
		sc, err := ParseScope(tc.in)
		if (err == nil) != tc.ok || (tc.ok && sc.Perms != tc.perms) {
			t.Errorf("%s: %+v %v", tc.in, sc, err)
		}
	}
}

func TestScopeCoversAndCheck(t *testing.T) {
	by := Identity{ClientID: "c", Scopes: []string{"system/Patient.read", "system/MedicationRequest.c"}}
	for _, tc := range []struct {
		res  string
		perm rune
		ok   bool
	}{
		{"Patient", 'r', true}, {"Patient", 's', true}, {"Patient", 'u', false},
		{"MedicationRequest", 'c', true}, {"MedicationRequest", 'r', false},
		{"MedicationAdministration", 'r', false},
	} {
		if err := CheckScope(by, tc.res, tc.perm); (err == nil) != tc.ok {
			t.Errorf("%s %c: %v", tc.res, tc.perm, err)
		}
	}
	if err := CheckScope(Identity{}, "AuditEvent", 'r'); err != nil {
		t.Errorf("a person's session is not limited by scopes: %v", err)
	}
	granted, why := grantScopes([]string{"system/*.read"}, "system/Patient.rs system/Patient.read")
	if why != "" || len(granted) != 2 {
		t.Errorf("grant under a wildcard: %v %s", granted, why)
	}
	if _, why := grantScopes([]string{"system/*.read"}, "system/Patient.write"); why == "" {
		t.Error("write granted under read")
	}
}
