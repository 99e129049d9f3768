package mar

import (
	"slices"
	"testing"
)

// The catalogue keeps NDCs in the 11-digit 5-4-2 form whenever the
// configuration is known; a bare 10-digit NDC stays 10 digits and is never
// sent out; a keyed NDC in any form finds its catalogue form.
func TestNDCCanonicalOutAndMatching(t *testing.T) {
	for _, tc := range []struct{ in, canonical, out string }{
		{"0378-0018-01", "00378001801", "00378001801"}, // 4-4-2
		{"50580-449-01", "50580044901", "50580044901"}, // 5-3-2
		{"54569-4888-0", "54569488800", "54569488800"}, // 5-4-1
		{"00378-0018-01", "00378001801", "00378001801"},
		{"00378001801", "00378001801", "00378001801"},
		{"0378001801", "0378001801", ""}, // configuration unknown: not sent as an NDC
		{"12-345-6789", "", ""},
		{"037800180", "", ""},
	} {
		got, err := CanonicalNDC(tc.in)
		if tc.canonical == "" {
			if err == nil {
				t.Errorf("CanonicalNDC(%q) = %q; want refused", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.canonical {
			t.Errorf("CanonicalNDC(%q) = %q, %v; want %q", tc.in, got, err, tc.canonical)
		}
		if o := NDCOut(got); o != tc.out {
			t.Errorf("NDCOut(%q) = %q; want %q", got, o, tc.out)
		}
		if o := NDCOut(got); len(o) == 10 {
			t.Errorf("NDCOut(%q) = %q: a 10-digit NDC without hyphens went out", got, o)
		}
	}
	for _, tc := range []struct{ keyed, catalogue string }{
		{"00378001801", "0378001801"},  // keyed NDC-11 finds a catalogue NDC-10
		{"0378-0018-01", "0378001801"}, // hyphenated NDC-10
		{"0378001801", "00378001801"},  // keyed bare NDC-10 finds the catalogue's NDC-11
		{"50580044901", "50580044901"},
		{"5058044901", "50580044901"},
	} {
		if ndcs, _ := NDCForms(tc.keyed); !slices.Contains(ndcs, tc.catalogue) {
			t.Errorf("NDCForms(%q) = %v; want it to reach the catalogue's %q", tc.keyed, ndcs, tc.catalogue)
		}
	}
}
