package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
)

// setSelect chooses a select's option by value and tells the page, as a
// choice made with the keyboard or a tap would.
func (b *browser) setSelect(id, value string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.getElementById(%q); s.value = %q; s.dispatchEvent(new Event('change', { bubbles: true })); })()`, id, value)))
}

// shots saves the page at 360 px (a phone) and at 1280 px wide.
func (b *browser) shots(name string) {
	b.t.Helper()
	b.viewport(phoneW, phoneH)
	b.screenshot(name + "-phone")
	b.viewport(1280, desktopH)
	b.screenshot(name + "-1280")
}

// clearField empties a text field as selecting its text and deleting it
// would, and tells the page.
func (b *browser) clearField(id string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const e = document.getElementById(%q); e.value = ''; e.dispatchEvent(new Event('input', { bubbles: true })); })()`, id)))
}

// The pharmacist enters an order for a resident with the live preview of
// the doses, which warns of New York's next clock change (found from the
// run's own clock); holds and resumes it; adds a product with a package
// GTIN to the catalogue, is told which field is wrong first, and marks the
// product high-alert.
func TestBrowserOrderEntryAndCatalogue(t *testing.T) {
	ny := mustZone("America/New_York")
	change := nextOffsetChange(t, ny, runStarted)
	y, m, d := change.In(ny).AddDate(0, 0, -3).Date()
	start := time.Date(y, m, d, 10, 0, 0, 0, ny)
	env := startWard(t, start)
	var res mar.Resident
	var prod mar.Product
	if err := env.Store.InTx(context.Background(), func(tx mar.Tx) error {
		rs, err := tx.ListResidents(mar.ResidentFilter{})
		for _, r := range rs {
			if r.FamilyName == "Eriksen" {
				res = r
			}
		}
		ps, _ := tx.ListProducts("")
		for _, p := range ps {
			if strings.HasPrefix(p.Name, "Acetaminophen 500") {
				prod = p
			}
		}
		return err
	}); err != nil || res.ID == "" || prod.ID == "" {
		t.Fatalf("demo resident and product: %v", err)
	}

	b := newBrowser(t, env)
	b.signIn("pharmacist", "/pharmacy")
	b.visit("/orders?unit_id=" + res.UnitID)
	b.waitText("#order-residents", "Eriksen, Ingrid")
	b.shots("orders-residents")
	b.do(chromedp.Click(chromedp.CSS(`a[href="/residents/` + res.ID + `/orders/new"]`)))
	b.waitPath("/residents/" + res.ID + "/orders/new")

	// A frequency no one can read is said under the field, live.
	b.do(chromedp.SendKeys(chromedp.ID("frequency"), "now and then"))
	waitFor(b, func() bool { return b.text("#err-frequency") != "" }, "the frequency's error under the field")

	// A high-alert product says so, with what it asks of the nurse.
	var digoxin string
	for _, o := range evalJS[[]string](b, `[...document.querySelectorAll('#product_id option')].map((o) => o.value + '|' + o.textContent)`) {
		if strings.Contains(o, "|Digoxin") {
			digoxin = strings.SplitN(o, "|", 2)[0]
		}
	}
	b.setSelect("product_id", digoxin)
	b.waitText("#product-info", "High-alert: a second nurse's check is recommended")
	b.setSelect("product_id", prod.ID)
	waitFor(b, func() bool { return !strings.Contains(b.text("#product-info"), "High-alert") }, "the high-alert note to go with the product")
	b.do(
		chromedp.SendKeys(chromedp.ID("dose_value"), "500"),
	)
	// An as-needed frequency makes the order PRN and asks for its reason.
	b.clearField("frequency")
	b.do(chromedp.SendKeys(chromedp.ID("frequency"), "q6h PRN max 4 doses/24h"))
	b.waitText("#preview-doses", "No dose is scheduled")
	if !evalJS[bool](b, `document.getElementById('prn').checked && !document.getElementById('prn-fields').hidden`) {
		t.Errorf("a PRN frequency did not tick the PRN box and show its reason")
	}
	b.do(chromedp.Click(chromedp.ID("prn")))
	b.clearField("frequency")
	b.do(
		chromedp.SendKeys(chromedp.ID("frequency"), "q8h"),
		chromedp.SendKeys(chromedp.ID("prescriber"), "Dr Alvarez"),
	)
	if got := evalJS[string](b, `document.getElementById('route').value`); got != "oral" {
		t.Errorf("route %q, want oral from the product", got)
	}
	if got := evalJS[string](b, `document.getElementById('dose_unit').value`); got != "mg" {
		t.Errorf("dose unit %q, want mg from the product", got)
	}
	b.waitText("#preview-rule", "Read as:")
	first := start.Format("2006-01-02") + " 10:00"
	b.waitText("#preview-doses", first)
	clock := b.waitText("#preview-clock", "clocks went")
	b.waitText("#frequency-next", "A clock change moves a dose")
	after := change.In(ny).Format("2006-01-02")
	if !strings.Contains(b.text("#preview-doses"), after) {
		t.Errorf("the preview does not reach the day of the clock change %s", after)
	}
	t.Logf("clock-change warning: %s", strings.Join(strings.Fields(clock), " "))
	b.shots("order-entry")

	b.do(chromedp.Click(chromedp.CSS(`#order-form button[type="submit"]`)))
	b.waitPath("/residents/" + res.ID + "/orders")
	card := evalJS[string](b, `location.hash`)
	if !strings.HasPrefix(card, "#order-") {
		t.Fatalf("the page after entry does not point at the new order: %q", card)
	}
	if first := evalJS[string](b, `'#' + document.querySelector('#orders > li').id`); first != card {
		t.Errorf("the new order is not the first listed: %s, want %s", first, card)
	}
	b.waitText(card, "Active")
	b.waitText(card, "500 mg oral · every 8 hours")

	// Hold without a reason: asked for one. Then hold and resume.
	b.do(chromedp.Click(chromedp.CSS(card + ` button[data-action="hold"]`)))
	b.waitText(card+" .order-state", "Give a reason")
	b.do(
		chromedp.SendKeys(chromedp.CSS(card+` input[name="reason"]`), "nausea: held until seen"),
		chromedp.Click(chromedp.CSS(card+` button[data-action="hold"]`)),
	)
	b.waitText(card+" [data-status]", "On hold")
	b.waitText(card+" .order-state", "Held")
	b.shots("resident-orders")
	b.do(
		chromedp.SendKeys(chromedp.CSS(card+` input[name="reason"]`), "seen by the doctor"),
		chromedp.Click(chromedp.CSS(card+` button[data-action="resume"]`)),
	)
	b.waitText(card+" [data-status]", "Active")
	var orders []mar.Order
	_ = env.Store.InTx(context.Background(), func(tx mar.Tx) error {
		var err error
		orders, err = tx.ListOrders(mar.OrderFilter{ResidentID: res.ID, Statuses: []mar.OrderStatus{mar.OrderActive}})
		return err
	})
	entered := false
	for _, o := range orders {
		entered = entered || (o.Frequency == "every 8 hours" && o.Prescriber == "Dr Alvarez" && o.StartAt.Equal(start))
	}
	if !entered {
		t.Errorf("the entered order is not active with its start at %s: %+v", start, orders)
	}

	// The catalogue: a product with a package GTIN; a wrong check digit
	// is named under the GTIN field first.
	b.visit("/catalogue")
	b.waitText("#products", prod.Name)
	gtin := demo.GTIN("7777055501")
	b.do(
		chromedp.SendKeys(chromedp.ID("name"), "Warfarin sodium 5 mg tablet"),
		chromedp.SendKeys(chromedp.ID("form"), "tablet"),
		chromedp.SendKeys(chromedp.ID("routes"), "oral"),
		chromedp.SendKeys(chromedp.ID("in-name-0"), "warfarin sodium"),
		chromedp.SendKeys(chromedp.ID("in-value-0"), "5"),
		chromedp.SendKeys(chromedp.ID("in-unit-0"), "mg"),
		chromedp.SendKeys(chromedp.ID("gtin"), wrongCheckDigit(gtin)),
		chromedp.SendKeys(chromedp.ID("ndc"), "77770-555-01"),
		chromedp.Click(chromedp.CSS(`#product-form button[type="submit"]`)),
	)
	b.waitText("#err-gtin", "check digit")
	if inv := evalJS[string](b, `document.getElementById('gtin').getAttribute('aria-invalid') || ''`); inv != "true" {
		t.Errorf("the GTIN field is not marked invalid")
	}
	b.shots("catalogue")
	b.clearField("gtin")
	b.do(
		chromedp.SendKeys(chromedp.ID("gtin"), gtin),
		chromedp.Click(chromedp.CSS(`#product-form button[type="submit"]`)),
	)
	waitFor(b, func() bool {
		return strings.HasPrefix(evalJS[string](b, `location.pathname + '|' + document.readyState`), "/catalogue/") &&
			strings.HasSuffix(evalJS[string](b, `location.pathname + '|' + document.readyState`), "|complete")
	}, "the new product's page")
	b.waitText("#packages", gtin)

	// Edit: it becomes high-alert with a witness required.
	b.setSelect("high_alert", string(mar.HighAlertWitnessRequired))
	b.do(chromedp.Click(chromedp.CSS(`#product-form button[type="submit"]`)))
	b.waitText("#product-state", "Saved: version 2")
	b.waitText("#high-alert-now", "witness required")
	b.shots("product")
	var p mar.Product
	_ = env.Store.InTx(context.Background(), func(tx mar.Tx) error {
		var err error
		p, _, err = tx.FindProductByCode(gtin, "")
		return err
	})
	if p.HighAlert != mar.HighAlertWitnessRequired || p.Version != 2 || p.Name != "Warfarin sodium 5 mg tablet" || len(p.Packages) != 1 || p.Packages[0].NDC == "" {
		t.Errorf("the product as stored: %+v", p)
	}
}
