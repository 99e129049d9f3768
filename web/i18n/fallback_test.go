package i18n

import "testing"

// TestMissingTranslationStaysEnglish: a text the catalogue does not
// translate is shown in English (with its placeholders filled), never as
// an empty string: an untranslated alt, label or button must not go blank.
func TestMissingTranslationStaysEnglish(t *testing.T) {
	cat, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	de := cat.Locale("de")
	for _, tc := range []struct {
		english string
		args    []any
		want    string
	}{
		{"A sentence no catalogue has", nil, "A sentence no catalogue has"},
		{"Nobody translated {what}", []any{"what", "this"}, "Nobody translated this"},
		{"Due soon", nil, "Bald fällig"},
	} {
		if got := de.T(tc.english, tc.args...); got != tc.want {
			t.Errorf("T(%q) = %q, want %q", tc.english, got, tc.want)
		}
	}
}
