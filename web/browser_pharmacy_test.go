package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/emar-project/emar/mar/demo"
)

// The pharmacist verifies and rejects pending orders with the resident's
// allergies in view, fulfils a nurse's missing-dose request, dispenses and
// reconciles, with the CSV export.
func TestBrowserPharmacyWorkbench(t *testing.T) {
	env := startWard(t, morningOf)
	// A nurse at the bedside asks pharmacy for a dose that is not on the
	// unit.
	abbott := demo.BuildSheet(env.Clock.Now()).Residents[0]
	nb := nurseAt(t, env, abbott)
	nb.do(chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('#due-list .k-due button')].find((b) => b.textContent === 'Ask pharmacy').click()`))
	nb.waitText("#due-list", "Asked pharmacy at 09:05")

	b := newBrowser(t, env)
	b.signIn("pharmacist", "/pharmacy")
	queue := b.waitText("#queue-state", "to verify")
	b.waitText("#queue", "Allergies:")
	b.waitText("#missing", "not on the unit at the bedside")
	b.waitText("#recon-state", "discrepanc")
	b.screenshots("pharmacy")

	// Verify the first order; the queue shrinks by one.
	before := evalJS[int](b, `document.querySelectorAll('#queue > li').length`)
	b.do(chromedp.Click(chromedp.CSS(`#queue > li:first-child .button.primary`)))
	waitFor(b, func() bool { return evalJS[int](b, `document.querySelectorAll('#queue > li').length`) == before-1 }, "the verified order to leave the queue")
	// Reject the next one with a reason.
	b.do(
		chromedp.Click(chromedp.CSS(`#queue > li:first-child details summary`)),
		chromedp.SendKeys(chromedp.CSS(`#queue > li:first-child textarea[id^="reject-"]`), "duplicate of the oral solution order"),
		chromedp.Click(chromedp.CSS(`#queue > li:first-child form .button.danger`)),
	)
	waitFor(b, func() bool { return evalJS[int](b, `document.querySelectorAll('#queue > li').length`) == before-2 }, "the rejected order to leave the queue")

	// Fulfil the missing dose.
	b.do(
		chromedp.Click(chromedp.CSS(`#missing > li:first-child details summary`)),
		chromedp.Click(chromedp.CSS(`#missing > li:first-child form button`)),
	)
	b.waitText("#missing-state", "No open missing-dose requests")
	b.do(chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('dispense-unit'); s.value = ` + "`" + env.Demo.Units[0].ID + "`" + `; s.dispatchEvent(new Event('change')); })()`))
	b.waitText("#dispenses", "1 ×")

	// Dispense stock to the unit.
	b.do(
		chromedp.SetValue(chromedp.ID("dispense-product"), evalJS[string](b, `document.querySelector('#dispense-product option:nth-child(2)').value`)),
		chromedp.SendKeys(chromedp.ID("dispense-quantity"), "30"),
		chromedp.SendKeys(chromedp.ID("dispense-lot"), "L2201"),
		chromedp.Click(chromedp.CSS(`#dispense-form button[type="submit"]`)),
	)
	b.waitText("#dispense-state", "Recorded: 30 ×")

	// Reconcile, and the CSV export answers CSV.
	b.do(chromedp.Click(chromedp.CSS(`#recon-form button[type="submit"]`)))
	b.waitText("#recon", "Stock: dispensed against given")
	csv := evalJS[string](b, `fetch(document.getElementById('recon-csv').href).then((r) => r.headers.get('content-type') + '\n' + r.status)`)
	if !strings.HasPrefix(csv, "text/csv") || !strings.HasSuffix(csv, "200") {
		t.Fatalf("CSV export: %q", csv)
	}
	if !strings.Contains(queue, "order") {
		t.Fatalf("queue state %q", queue)
	}
	b.screenshots("pharmacy-after")
}
