package mar

import "testing"

func TestRouteNamesFromOutsideCodes(t *testing.T) {
	for code, want := range map[string]string{"PO": "oral", "26643006": "oral", "255560000": "intravenous", "Oral": "oral", "SQ": "subcutaneous",
		"IVINFUS": "intravenous", "Transdermal route": "transdermal", "TD": "transdermal", "NEB": "inhalation"} {
		if got, ok := RouteName(code); !ok || got != want {
			t.Errorf("%s → %q %v, want %s", code, got, ok, want)
		}
	}
	if _, ok := RouteName("through the ear lobe"); ok {
		t.Error("an unknown route was mapped")
	}
}

func TestNDCForms(t *testing.T) {
	tests := []struct {
		in   string
		want string // one of the NDC forms
	}{
		{"0378-0018-01", "00378001801"}, {"00378-0018-01", "0378001801"}, {"50580-449-01", "50580044901"}, {"54569-4888-0", "54569488800"}, {"0378001801", "0378001801"},
	}
	for _, tt := range tests {
		ndcs, gtins := NDCForms(tt.in)
		found := false
		for _, n := range ndcs {
			found = found || n == tt.want
		}
		if !found || len(gtins) == 0 {
			t.Errorf("%s: %v %v, want %s among them", tt.in, ndcs, gtins, tt.want)
		}
	}
}
