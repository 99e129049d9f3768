package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
	"github.com/emar-project/emar/web/i18n"
)

// A nurse of the Berlin ward (the demo's "pflege": her only unit speaks
// German) reads the bedside page, a refusal and the dates in German,
// although her browser asks for English.
func TestBrowserBedsideInGerman(t *testing.T) {
	env := startWard(t, todayAt("Europe/Berlin", 9, 5))
	sheet := demo.BuildSheet(env.Clock.Now())
	var berlin []demo.SheetResident
	for _, r := range sheet.Residents {
		if strings.Contains(r.Unit, "Berlin") && len(r.Packs) > 0 {
			berlin = append(berlin, r)
		}
	}
	if len(berlin) < 2 {
		t.Fatalf("the demo has %d Berlin residents with packs", len(berlin))
	}
	first, other := berlin[0], berlin[1]

	b := newBrowser(t, env)
	b.viewport(phoneW, phoneH)
	b.signIn("pflege", "/bedside")
	if lang := evalJS[string](b, `document.documentElement.lang`); lang != "de" {
		t.Fatalf("html lang %q, want de", lang)
	}
	for sel, want := range map[string]string{
		"#scan-label": "Armband scannen",
		"#scan-state": "Bereit: Scannen Sie das Armband des Bewohners.",
		"#sign-out":   "Abmelden",
		".who-role":   "Pflegefachkraft",
	} {
		if got := b.text(sel); got != want {
			t.Errorf("%s: %q, want %q", sel, got, want)
		}
	}

	// The wristband: the facts, the allergies and the due list in German,
	// the birth date as 06.12.2026 is written.
	b.typeScan(first.Wristband.Typed)
	b.waitText("#resident-name", first.Name)
	b.waitText("#scan-state", "Scannen Sie ein Arzneimittel.")
	facts := b.text("#resident-facts")
	y, m, d := first.BirthDate[0:4], first.BirthDate[5:7], first.BirthDate[8:10]
	if !strings.Contains(facts, "Geboren") || !strings.Contains(facts, d+"."+m+"."+y) || !strings.Contains(facts, "Jahre") || strings.Contains(facts, first.BirthDate) {
		t.Errorf("resident facts %q: want Geboren %s.%s.%s (… Jahre)", facts, d, m, y)
	}
	if got := b.text("#resident-allergies"); !strings.HasPrefix(got, "Allergien:") {
		t.Errorf("allergies %q", got)
	}
	if got := b.text("#due-zone"); !strings.Contains(got, "Zeiten in Ortszeit von") || !strings.Contains(got, "Europe/Berlin") {
		t.Errorf("due zone %q", got)
	}
	if got := b.text("#due-list"); !strings.Contains(got, "Fällig") && !strings.Contains(got, "Keine fälligen") && !strings.Contains(got, "Demnächst") {
		t.Errorf("due list not in German: %q", got)
	}
	b.screenshot("languages-de-bedside-resident-phone")
	b.viewport(1280, 900)
	b.screenshot("languages-de-bedside-resident-desktop")
	b.viewport(phoneW, phoneH)

	// Another resident's pack: a hard stop, its reason in German.
	b.typeScan(other.Packs[0].Typed)
	verdict := b.waitText("#verdict", "STOPP – nicht verabreichen")
	for _, want := range []string{"Prüfung „", "“ nicht bestanden.", "Dieses Arzneimittel nicht verabreichen. Scannen Sie die richtige Packung oder ein anderes Armband."} {
		if !strings.Contains(verdict, want) {
			t.Errorf("verdict lacks %q: %q", want, verdict)
		}
	}
	cat, err := i18n.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	de := cat.Locale("de")
	// namesReason: the text holds a hard stop's reason in German.
	namesReason := func(text string) bool {
		for _, r := range mar.Reasons {
			if r.Hard && strings.Contains(strings.ToLower(text), strings.ToLower(de.T(r.Description))) {
				return true
			}
		}
		return false
	}
	if !namesReason(verdict) {
		t.Errorf("the verdict names no hard stop's reason in German: %q", verdict)
	}
	// The line under the scan field says it too (the server's
	// localized_message of the refusal).
	if got := b.text("#scan-state"); !strings.HasPrefix(got, "Stopp: ") || !namesReason(got) {
		t.Errorf("scan state %q: want Stopp: and the reason in German", got)
	}
	b.screenshot("languages-de-bedside-refusal-phone")
	b.viewport(1280, 900)
	b.screenshot("languages-de-bedside-refusal-desktop")

	// The charge nurse chooses German for herself: the unit board of the
	// Berlin ward, its date written out in German, its alerts' script too.
	if st := env.Login(t, "charge").JSON("PUT", "/api/v1/me/language", body{"language": "de"}, nil); st != 200 {
		t.Fatalf("charge nurse chooses German: %d", st)
	}
	var linden string
	for _, u := range env.Demo.Units {
		if u.Code == "LINDEN" {
			linden = u.ID
		}
	}
	bc := newBrowser(t, env)
	bc.viewport(phoneW, phoneH)
	bc.signIn("charge", "/board")
	bc.visit("/board?unit_id=" + linden)
	bc.waitText("h1", "Stationsübersicht – Linden Ward")
	day := todayAt("Europe/Berlin", 9, 5)
	wantDay := de.FormatLongDate(day) // e.g. "Sonntag, 6. Dezember 2026"
	if hint := bc.text("main .hint"); !strings.Contains(hint, wantDay) || !strings.Contains(hint, "Zeiten in Europe/Berlin") || !strings.Contains(hint, "Stand 09:05") {
		t.Errorf("board hint %q, want %q, Zeiten in and Stand 09:05", hint, wantDay)
	}
	bc.waitText("#alerts-state", "")
	bc.waitText("#live-text", "Live")
	if live := bc.text("#live-text"); strings.Contains(live, "updates") {
		t.Errorf("live state in English: %q", live)
	}
	bc.screenshot("languages-de-board-phone")
	bc.viewport(1280, 900)
	bc.screenshot("languages-de-board-desktop")

	// The same page for a nurse of both units stays English.
	b2 := newBrowser(t, env)
	b2.viewport(1280, 900)
	b2.signIn("nurse", "/bedside")
	b2.do(chromedp.WaitVisible(chromedp.ID("scan")))
	if got := b2.text("#scan-label"); got != "Scan a wristband" {
		t.Errorf("English nurse: %q", got)
	}
}
