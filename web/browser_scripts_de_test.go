package web_test

import (
	"strings"
	"testing"
)

// The pharmacist who chose German reads the workbench's script-made words
// in German: the queue's count, the allergy line, the Verify button, the
// reconciliation's summary and table headings (pharmacy.js through t()).
func TestBrowserPharmacyWorkbenchInGerman(t *testing.T) {
	env := startWard(t, morningOf)
	if st := env.Login(t, "pharmacist").JSON("PUT", "/api/v1/me/language", body{"language": "de"}, nil); st != 200 {
		t.Fatalf("pharmacist chooses German: %d", st)
	}
	b := newBrowser(t, env)
	b.signIn("pharmacist", "/pharmacy")
	if lang := evalJS[string](b, `document.documentElement.lang`); lang != "de" {
		t.Fatalf("html lang %q, want de", lang)
	}
	b.waitText("#queue-state", "zu prüfen.")
	b.waitText("#queue", "Allergien:")
	b.waitText("#queue .button.primary", "Freigeben")
	b.waitText("#queue", "Ablehnen oder beim verordnenden Arzt nachfragen")
	b.waitText("#recon-state", "zwischen")
	b.waitText("#recon", "Bewohner · Arzneimittel")
	b.waitText("#recon", "Bestand: abgegeben gegenüber verabreicht, verworfen und zurückgegeben")
	b.screenshots("languages-de-pharmacy")
	for sel, english := range map[string]string{
		"#queue-state": "to verify",
		"#queue":       "Reject or ask the prescriber",
		"#recon-state": "between",
		"#recon":       "Resident · drug",
	} {
		if txt := b.text(sel); strings.Contains(txt, english) {
			t.Errorf("%s still shows %q: %q", sel, english, txt)
		}
	}
}
