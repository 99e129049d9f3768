package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar/demo"
)

func TestBrowserSignInPage(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	b := newBrowser(t, env)
	b.visit("/")
	body := b.text("main")
	for _, want := range []string{"Username and password", "Badge and PIN", "Trying the demo", demo.Accounts[0].Badge, "demo barcode sheet"} {
		if !strings.Contains(body, want) {
			t.Errorf("the sign-in page lacks %q", want)
		}
	}
	b.screenshots("signin")

	b.do(
		chromedp.SendKeys(chromedp.ID("username"), "nurse"),
		chromedp.SendKeys(chromedp.ID("password"), "wrong"),
		chromedp.Click(chromedp.CSS(`#password-form button[type="submit"]`)),
	)
	b.waitText("#signin-error", "not correct")

	b.signIn("admin", "/home")
	if got := b.text("main"); !strings.Contains(got, "Ada Admin") {
		t.Fatalf("home page: %q", got)
	}
}

func TestBrowserDemoBarcodeSheet(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	b := newBrowser(t, env)
	b.visit("/")
	b.do(chromedp.Click(chromedp.CSS(`a[href="/demo/barcodes"]`)))
	b.waitPath("/demo/barcodes")
	body := b.text("main")
	for _, want := range []string{"EXPIRED", "{GS}", "]C1", "MRN00100001", "Badge of nurse"} {
		if !strings.Contains(body, want) {
			t.Errorf("the sheet lacks %q", want)
		}
	}
	// Every image loads (they are lazy: scroll each into view first).
	broken := evalJS[int](b, `(async () => {
		let broken = 0;
		for (const img of document.querySelectorAll('img')) {
			img.loading = 'eager';
			if (!img.complete) await new Promise((r) => { img.onload = img.onerror = r; });
			if (!img.naturalWidth) broken++;
		}
		return broken;
	})()`)
	if broken != 0 {
		t.Fatalf("%d barcode images did not load", broken)
	}
	b.screenshots("barcodes")
}

func TestBrowserBoardAndMAR(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	if _, err := env.Svc.Materialize(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, env)
	b.signIn("charge", "/board")
	b.waitText("#grid", "Due now")
	b.screenshots("board")
	b.do(chromedp.Click(chromedp.CSS(`#grid tbody tr:first-child th a`)))
	b.waitText("main", "Medication administration record")
	b.screenshots("mar-week")
	b.do(chromedp.Click(chromedp.CSS(`a[href*="period=month"]`)))
	b.waitText("main", "Key")
	b.screenshots("mar-month")
}

// A signed-in page warns before the idle time runs out and then signs
// out and leaves for the sign-in page, which says why.
func TestBrowserIdleSignOut(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	env.Svc.Config.IdleTimeout = 8 * time.Second
	b := newBrowser(t, env)
	b.signIn("admin", "/home")
	cookies, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{})
	if err != nil {
		t.Fatal(err)
	}
	var token string
	for _, c := range cookies.Cookies {
		if c.Name == "emar_session" {
			token = c.Value
		}
	}
	if token == "" {
		t.Fatal("no session cookie after signing in")
	}
	b.do(chromedp.WaitVisible(chromedp.ID("idle-warning")))
	b.waitText("#idle-warning", "You will be signed out")
	b.screenshot("idle-warning-desktop")
	b.waitPath("/")
	b.waitText("main", "signed out after")
	// The page signed the session out on the server, not only locally.
	c := env.Anonymous(t)
	c.Token = token
	r := c.Do("GET", "/api/v1/me", nil, nil)
	if r.Status != http.StatusUnauthorized || r.Err(t).Error.Reason != "signed_out" {
		t.Fatalf("the session after the idle sign-out: %d %s", r.Status, r.Body)
	}
}
