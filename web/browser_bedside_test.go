package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/emar-project/emar/mar/demo"
)

func TestBrowserBedsideScanDocumentAndBoard(t *testing.T) {
	env := startWard(t, morningOf)
	sheet := demo.BuildSheet(env.Clock.Now())
	abbott, baker := sheet.Residents[0], sheet.Residents[1]
	metoprolol := abbott.Packs[0]
	if !strings.HasPrefix(metoprolol.Label, "Metoprolol") || !strings.Contains(metoprolol.Typed, "\x1d") {
		t.Fatalf("the demo sheet changed: first pack of %s is %q (%q)", abbott.Name, metoprolol.Label, metoprolol.Typed)
	}

	b := newBrowser(t, env)
	b.viewport(phoneW, phoneH)
	b.signIn("nurse", "/bedside")
	b.screenshot("bedside-ready-phone")

	// The wristband: identity banner, allergies in words, the due list.
	b.typeScan(abbott.Wristband.Typed)
	b.waitText("#resident-name", "Abbott, Margaret")
	if got := b.text("#resident-allergies"); !strings.Contains(got, "Allergies: penicillin") {
		t.Fatalf("allergies banner: %q", got)
	}
	b.waitText("#due-list", "Due now")
	b.screenshot("bedside-resident-phone")

	// The right pack, typed with its AIM prefix and group separator.
	b.typeScan(metoprolol.Typed)
	b.waitText("#verdict", "Right medication")
	if cls := evalJS[string](b, `document.getElementById('verdict').className`); !strings.Contains(cls, "v-go") {
		t.Fatalf("verdict class %q, want green", cls)
	}
	// Metoprolol is held below a heart rate of 60 or a systolic pressure
	// of 100: the form asks for both.
	b.do(
		chromedp.WaitVisible(chromedp.ID("vital-heart_rate")),
		chromedp.SendKeys(chromedp.ID("vital-heart_rate"), "72"),
		chromedp.SendKeys(chromedp.ID("vital-systolic_bp"), "128"),
	)
	b.screenshot("bedside-verdict-go-phone")
	b.do(chromedp.Click(chromedp.ID("record")))
	got := b.waitText("#record-list", "Recorded at")
	if !strings.Contains(got, "Metoprolol") || !strings.Contains(got, "Given") {
		t.Fatalf("record list: %q", got)
	}
	b.screenshot("bedside-recorded-phone")
	b.viewport(desktopW, desktopH)
	b.screenshot("bedside-recorded-desktop")
	b.viewport(phoneW, phoneH)

	// The wrong resident: Baker's wristband, then Abbott's pack.
	b.typeScan(baker.Wristband.Typed)
	b.waitText("#resident-name", "Baker, Harold")
	b.typeScan(metoprolol.Typed)
	stop := b.waitText("#verdict", "STOP")
	if cls := evalJS[string](b, `document.getElementById('verdict').className`); !strings.Contains(cls, "v-stop") {
		t.Fatalf("verdict class %q, want red", cls)
	}
	if !strings.Contains(stop, "failed") {
		t.Fatalf("the red verdict does not name the failed right: %q", stop)
	}
	if visible := evalJS[bool](b, `!document.getElementById('document').hidden`); visible {
		t.Fatal("the documentation form is open after a hard stop")
	}
	b.screenshots("bedside-verdict-stop")

	// The charge nurse's board shows the dose given, with initials.
	cb := newBrowser(t, env)
	cb.signIn("charge", "/board")
	cb.visit("/board?unit_id=" + env.Demo.Units[0].ID)
	row := cb.waitText("#grid", "Abbott, Margaret")
	if !strings.Contains(row, "Given") || !strings.Contains(row, "NN") {
		t.Fatalf("the board does not show the given dose with the nurse's initials: %q", row)
	}
	cb.screenshots("board-after-dose")
}
