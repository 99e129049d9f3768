package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
)

// The incoming nurse signs the controlled count with their badge and PIN
// instead of a password: the badge is scanned (the scanner's Enter moves
// to the PIN, it does not submit), a wrong PIN is refused, the right one
// records the count with nurse2 as the incoming nurse.
func TestBrowserCountSignedWithBadgeAndPIN(t *testing.T) {
	env := startWard(t, morningOf)
	unit := env.Demo.Units[0].ID
	ph := env.Login(t, "pharmacist")
	oxy := productID(t, ph, "Oxycodone")
	expiry := env.Clock.Now().AddDate(1, 0, 0).Format("2006-01-02")
	if resp := ph.Do("POST", "/api/v1/dispenses", map[string]any{"product_id": oxy, "quantity": 6, "lot": "OX1", "expiry": expiry, "unit_id": unit}, nil); resp.Status != http.StatusCreated {
		t.Fatalf("dispense: %d %s", resp.Status, resp.Body)
	}
	var badge string
	for _, bc := range demo.BuildSheet(env.Clock.Now()).Badges {
		if strings.HasPrefix(bc.Label, "Badge of nurse2 ") {
			badge = bc.Typed
		}
	}
	if badge == "" {
		t.Fatal("no demo badge of nurse2")
	}

	b := newBrowser(t, env)
	b.signIn("nurse", "/bedside")
	b.visit("/counts?unit_id=" + unit)
	b.waitText("#count-form", "Oxycodone")
	b.do(
		chromedp.SendKeys(chromedp.CSS(`input[data-product="`+oxy+`"]`), "6"),
		chromedp.Click(chromedp.CSS(`input[name="witness-mode"][value="badge"]`)),
		chromedp.WaitVisible(chromedp.ID("witness-badge")),
	)
	if visible := evalJS[bool](b, `!document.getElementById('witness-by-password').hidden`); visible {
		t.Error("the password fields stay visible in badge mode")
	}
	b.do(chromedp.SendKeys(chromedp.ID("witness-badge"), badge+"\n"))
	if focus := evalJS[string](b, `document.activeElement.id`); focus != "witness-pin" {
		t.Errorf("after the badge scan the focus is on %q, want the PIN", focus)
	}
	if txt := b.text("#count-state"); txt != "" {
		t.Errorf("the scanner's Enter submitted the count: %q", txt)
	}
	b.screenshots("counts-badge")
	b.do(
		chromedp.SendKeys(chromedp.ID("witness-pin"), "0000"),
		chromedp.Click(chromedp.CSS(`#count-form button[type="submit"]`)),
	)
	b.waitText("#count-state", "credentials are not correct")
	b.do(
		chromedp.SendKeys(chromedp.ID("witness-pin"), demo.PIN),
		chromedp.Click(chromedp.CSS(`#count-form button[type="submit"]`)),
	)
	b.waitText("#count-state", "every count matches")

	var counts struct {
		Items []struct {
			IncomingBy string `json:"incoming_by"`
		} `json:"items"`
	}
	charge := env.Login(t, "charge")
	charge.JSON("GET", "/api/v1/controlled-counts?unit_id="+unit, nil, &counts)
	var nurse2 mar.User
	if err := env.Store.InTx(context.Background(), func(tx mar.Tx) error {
		var err error
		nurse2, err = tx.GetUserByUsername("nurse2")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(counts.Items) != 1 || counts.Items[0].IncomingBy != nurse2.ID {
		t.Fatalf("counts: %+v", counts)
	}
}
