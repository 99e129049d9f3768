package mar_test

import (
	"testing"

	"github.com/emar-project/emar/mar"
)

// What a dose form's words say about splitting and crushing; a form that
// says nothing leaves the rule to the catalogue or to the safe default.
func TestDoseFormWordsDecideTheSplitRule(t *testing.T) {
	for _, tc := range []struct {
		form  string
		split mar.Splitting
		crush bool
		known bool
	}{
		{"capsule", mar.SplitNone, false, true},
		{"CAP^Capsule", mar.SplitNone, false, true},
		{"Capsule, extended release", mar.SplitNone, false, true},
		{"ER tablet", mar.SplitNone, false, true},
		{"Prolonged-release oral tablet", mar.SplitNone, false, true},
		{"TBEC Tablet, delayed release", mar.SplitNone, false, true},
		{"Gastro-resistant tablet", mar.SplitNone, false, true},
		{"Scored extended-release tablet", mar.SplitNone, false, true},
		{"Orally disintegrating tablet", mar.SplitNone, false, true},
		{"sublingual tablet", mar.SplitNone, false, true},
		{"Transdermal patch", mar.SplitNone, false, true},
		{"Pre-filled syringe", mar.SplitNone, false, true},
		{"prefilled syringe", mar.SplitNone, false, true},
		{"Oral solution", mar.SplitAny, true, true},
		{"suspension", mar.SplitAny, true, true},
		{"SOL Solution", mar.SplitAny, true, true},
		{"scored tablet", mar.SplitHalf, true, true},
		{"tablet scored in quarters", mar.SplitQuarter, true, true},
		{"tablet", "", false, false},
		{"TAB^Tablet", "", false, false},
		{"", "", false, false},
	} {
		t.Run(tc.form, func(t *testing.T) {
			split, crush, known := mar.InferSplitting(tc.form)
			if split != tc.split || crush != tc.crush || known != tc.known {
				t.Errorf("InferSplitting(%q) = %q, crush %v, known %v; want %q, %v, %v", tc.form, split, crush, known, tc.split, tc.crush, tc.known)
			}
		})
	}
}

// The catalogue's statement wins over the form; without one, the form's
// words; without those, never split and never crushed.
func TestProductSplitRuleAndCrushDefaults(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		name  string
		p     mar.Product
		split mar.Splitting
		crush bool
	}{
		{"stated scored tablet", mar.Product{Form: "tablet", Splitting: mar.SplitHalf, Crushable: &yes}, mar.SplitHalf, true},
		{"stated whole-only liquid", mar.Product{Form: "solution", Splitting: mar.SplitNone, Crushable: &no}, mar.SplitNone, false},
		{"unknown tablet", mar.Product{Form: "tablet"}, mar.SplitNone, false},
		{"unknown solid form", mar.Product{Form: "wafer"}, mar.SplitNone, false},
		{"capsule from its form", mar.Product{Form: "capsule"}, mar.SplitNone, false},
		{"solution from its form", mar.Product{Form: "solution"}, mar.SplitAny, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.SplitRule(); got != tc.split {
				t.Errorf("SplitRule = %q, want %q", got, tc.split)
			}
			if got := tc.p.MayCrush(); got != tc.crush {
				t.Errorf("MayCrush = %v, want %v", got, tc.crush)
			}
		})
	}
}
