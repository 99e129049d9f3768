package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/emar-project/emar/mar/demo"
)

// The pharmacist dispenses for a resident's order and sees the label's
// preview (its DataMatrix and every printed line) with the PDF link; the
// nurse, without a wristband, selects the resident by hand with two
// identifiers and a reason, sees the photo box and the manual flag, and
// scans the labelled pack; the same pack on another resident selected by
// hand is refused as wrong patient.
func TestBrowserLabelAndSelectionWithoutWristband(t *testing.T) {
	env := startWard(t, morningOf)
	sheet := demo.BuildSheet(env.Clock.Now())
	abbott, other := sheet.Residents[0], sheet.Residents[1]

	ph := newBrowser(t, env)
	ph.signIn("pharmacist", "/pharmacy")
	pick := func(b *browser, sel, prefix string) {
		t.Helper()
		waitFor(b, func() bool {
			return evalJS[bool](b, `[...document.querySelectorAll('`+sel+` option')].some((o) => o.textContent.startsWith(`+jsString(prefix)+`))`)
		}, sel+" to offer "+prefix)
		b.do(chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('` + sel + `');
			s.value = [...s.options].find((o) => o.textContent.startsWith(` + jsString(prefix) + `)).value;
			s.dispatchEvent(new Event('change')); })()`))
	}
	// The unit of the resident, then the resident and an order of a product.
	unitName := ""
	for _, u := range env.Demo.Units {
		if u.Code == abbott.Unit || u.Name == abbott.Unit {
			unitName = u.Name
		}
	}
	if unitName == "" {
		unitName = env.Demo.Units[0].Name
	}
	pick(ph, "#dispense-unit", unitName)
	pick(ph, "#dispense-resident", abbott.Name)
	waitFor(ph, func() bool {
		return evalJS[bool](ph, `[...document.querySelectorAll('#dispense-order option')].some((o) => o.dataset.product)`)
	}, "the resident's orders")
	ph.do(chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('dispense-order');
		s.value = [...s.options].find((o) => o.dataset.product).value; s.dispatchEvent(new Event('change')); })()`))
	ph.do(
		chromedp.SendKeys(chromedp.ID("dispense-quantity"), "28"),
		chromedp.SendKeys(chromedp.ID("dispense-lot"), "BL2291"),
		chromedp.SetValue(chromedp.ID("dispense-expiry"), env.Clock.Now().AddDate(1, 0, 0).Format("2006-01-02")),
		chromedp.Click(chromedp.CSS(`#dispense-form button[type="submit"]`)),
	)
	ph.waitText("#label-resident", abbott.Name)
	ph.waitText("#label-lot", "BL2291")
	waitFor(ph, func() bool { return evalJS[int](ph, `document.getElementById('label-symbol').naturalWidth`) > 0 }, "the DataMatrix image")
	serial := ph.text("#label-serial")
	if !strings.HasPrefix(serial, "RX") || ph.text("#label-directions") == "–" {
		t.Fatalf("preview: serial %q, directions %q", serial, ph.text("#label-directions"))
	}
	pdf := evalJS[string](ph, `fetch(document.getElementById('label-pdf').href).then((r) => r.headers.get('content-type') + ' ' + r.status)`)
	if pdf != "application/pdf 200" {
		t.Fatalf("label PDF: %q", pdf)
	}
	ph.do(chromedp.ScrollIntoView(chromedp.ID("label-preview")))
	ph.screenshots("label-preview")
	element := evalJS[string](ph, `fetch('/api/v1/dispenses/' + document.querySelector('#dispenses [data-label]').dataset.label + '/label').then((r) => r.json()).then((l) => l.element_string)`)
	if !strings.Contains(element, "21"+serial) {
		t.Fatalf("element string %q lacks the serial %s", element, serial)
	}

	nb := newBrowser(t, env)
	nb.viewport(phoneW, phoneH)
	nb.signIn("nurse", "/bedside")
	selectByHand := func(name, birth string) {
		t.Helper()
		nb.do(chromedp.Click(chromedp.ID("select-open")))
		waitFor(nb, func() bool {
			return evalJS[bool](nb, `document.getElementById('select-resident').dataset.loaded === '1'`)
		}, "the residents")
		pick(nb, "#select-resident", name)
		nb.waitText("#select-identifiers", birth)
		nb.do(
			chromedp.Click(chromedp.CSS(`#select-identifiers input[value="name"]`)),
			chromedp.Click(chromedp.CSS(`#select-identifiers input[value="birth_date"]`)),
			chromedp.SetValue(chromedp.ID("select-reason"), "no_wristband"),
		)
	}
	// One identifier is not enough: the page says so and opens nothing.
	nb.do(chromedp.Click(chromedp.ID("select-open")))
	waitFor(nb, func() bool {
		return evalJS[bool](nb, `document.getElementById('select-resident').dataset.loaded === '1'`)
	}, "the residents")
	pick(nb, "#select-resident", abbott.Name)
	nb.do(chromedp.Click(chromedp.CSS(`#select-identifiers input[value="name"]`)), chromedp.Click(chromedp.ID("select-submit")))
	nb.waitText("#select-error", "Tick two identifiers")
	nb.do(chromedp.Click(chromedp.ID("select-cancel")))

	selectByHand(abbott.Name, abbott.BirthDate)
	nb.waitText("#select-photo", "No photo on file")
	nb.screenshots("bedside-select")
	nb.do(chromedp.Click(chromedp.ID("select-submit")))
	waitFor(nb, func() bool { return nb.text("#resident-name") == abbott.Name || nb.text("#select-error") != "" }, "the selection")
	if e := nb.text("#select-error"); e != "" {
		t.Fatalf("selection refused: %s", e)
	}
	nb.waitText("#resident-manual", "Selected by hand")
	nb.waitText("#resident-photo", "No photo on file")
	nb.typeScan("]d2" + element)
	nb.waitText("#verdict", "selected by hand")
	nb.screenshots("bedside-manual")

	// The same pack, at another resident selected by hand: wrong patient.
	nb.do(chromedp.Click(chromedp.ID("done")))
	selectByHand(other.Name, other.BirthDate)
	nb.do(chromedp.Click(chromedp.ID("select-submit")))
	nb.waitText("#resident-name", other.Name)
	nb.typeScan("]d2" + element)
	nb.waitText("#verdict", "WRONG PATIENT: this pack's label is for "+abbott.Name)
	nb.screenshots("bedside-label-wrong-patient")
}

// jsString quotes s for a JavaScript expression.
func jsString(s string) string {
	return "`" + strings.NewReplacer("`", "\\`", "\\", "\\\\", "$", "\\$").Replace(s) + "`"
}
