package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/emar-project/emar/mar/demo"
)

// At the change of shift the outgoing nurse counts the unit's controlled
// substances with the incoming nurse signing, without seeing what the
// records expect until both signed; one product is short, and the charge
// nurse resolves the discrepancy with a reason; the handover page shows the
// count and the alert is gone.
func TestBrowserControlledCountAndHandover(t *testing.T) {
	env := startWard(t, morningOf)
	unit := env.Demo.Units[0].ID
	ph := env.Login(t, "pharmacist")
	var products struct {
		Items []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
	}
	ph.JSON("GET", "/api/v1/products", nil, &products)
	ids := map[string]string{}
	for _, p := range products.Items {
		ids[strings.Fields(p.Name)[0]] = p.ID
	}
	expiry := env.Clock.Now().AddDate(1, 0, 0).Format("2006-01-02")
	for _, d := range []map[string]any{
		{"product_id": ids["Oxycodone"], "quantity": 10, "lot": "OX1", "expiry": expiry, "unit_id": unit},
		{"product_id": ids["Lorazepam"], "quantity": 4, "lot": "LZ1", "expiry": expiry, "unit_id": unit},
	} {
		if resp := ph.Do("POST", "/api/v1/dispenses", d, nil); resp.Status != http.StatusCreated {
			t.Fatalf("dispense: %d %s", resp.Status, resp.Body)
		}
	}

	b := newBrowser(t, env)
	b.signIn("nurse", "/bedside")
	b.visit("/counts?unit_id=" + unit)
	b.waitText("#count-form", "Oxycodone")
	if txt := b.text("#count-form"); strings.Contains(txt, "10") {
		t.Errorf("the count form shows the records' quantity: %q", txt)
	}
	b.screenshots("counts-sheet")
	b.do(
		chromedp.SendKeys(chromedp.CSS(`input[data-product="`+ids["Oxycodone"]+`"]`), "9"),
		chromedp.SendKeys(chromedp.CSS(`input[data-product="`+ids["Lorazepam"]+`"]`), "4"),
		chromedp.SendKeys(chromedp.ID("witness-username"), "nurse2"),
		chromedp.SendKeys(chromedp.ID("witness-password"), "wrong"),
		chromedp.Click(chromedp.CSS(`#count-form button[type="submit"]`)),
	)
	b.waitText("#count-state", "credentials are not correct")
	b.do(
		chromedp.SendKeys(chromedp.ID("witness-password"), demo.Password),
		chromedp.Click(chromedp.CSS(`#count-form button[type="submit"]`)),
	)
	b.waitText("#count-state", "1 discrepancy")
	result := b.waitText("#count-result", "Discrepancy: open")
	for _, want := range []string{"Oxycodone", "10", "-1", "Matches"} {
		if !strings.Contains(result, want) {
			t.Errorf("the result lacks %q: %q", want, result)
		}
	}
	b.screenshots("counts-recorded")

	cb := newBrowser(t, env)
	cb.signIn("charge", "/board")
	cb.visit("/counts?unit_id=" + unit)
	cb.waitText("#discrepancies", "counted 9, records 10 (-1)")
	cb.screenshots("counts-discrepancy")
	cb.do(
		chromedp.SendKeys(chromedp.CSS(`#discrepancies textarea`), "one tablet given at 08:40, charted late; recounted with pharmacy"),
		chromedp.Click(chromedp.CSS(`#discrepancies form button[type="submit"]`)),
	)
	cb.waitText("#discrepancies", "Resolved: one tablet given at 08:40")

	cb.visit("/handover?unit_id=" + unit)
	cb.waitText("#count", "Counted at")
	if txt := cb.text("#count"); strings.Contains(txt, "open discrepanc") {
		t.Errorf("the handover still shows an open discrepancy: %q", txt)
	}
	if txt := cb.pageText(); strings.Contains(txt, "count_discrepancy") {
		t.Errorf("the resolved count alert is still open on the handover: %q", txt)
	}
	cb.do(chromedp.Click(chromedp.ID("acknowledge")))
	cb.waitText("#acks", "Cora Charge at")
	cb.screenshots("handover")
}
