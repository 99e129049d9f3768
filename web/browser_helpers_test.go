package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar/demo"
)

// The browser tests drive Debian's Chromium headless against the real
// service (testenv: a fresh database with the demo data and a settable
// clock). With EMAR_TEST_CHROMIUM=1 (make test sets it) a missing
// Chromium fails them; otherwise they are skipped with a message.

const (
	phoneW, phoneH     = 360, 740
	desktopW, desktopH = 1366, 900
	stepTimeout        = 20 * time.Second
)

// screenshotDir is where the screenshots for review go (git-ignored).
var screenshotDir = filepath.Join("..", "testoutput", "screenshots")

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("EMAR_TEST_CHROMIUM") == "1" {
		t.Fatal("EMAR_TEST_CHROMIUM=1 but no Chromium is installed (apt-get install chromium; make test does)")
	}
	t.Skip("browser test skipped: Chromium is not installed (set EMAR_TEST_CHROMIUM=1 to make this a failure)")
	return ""
}

// browser is one headless Chromium tab on a running service.
type browser struct {
	t   *testing.T
	env *testenv.Env
	ctx context.Context

	mu       sync.Mutex
	problems []string // script exceptions and CSP violations
}

func newBrowser(t *testing.T, env *testenv.Env) *browser {
	t.Helper()
	exe := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(desktopW, desktopH),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	b := &browser{t: t, env: env, ctx: ctx}
	// Start the browser with no deadline (a deadline on the first run
	// would bound the browser's life).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	if err := chromedp.Listen(ctx, b.watch); err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Errorf("in the browser: %s", p)
		}
	})
	return b
}

// watch records what must never happen on a page: an uncaught script
// error or a Content-Security-Policy violation (an inline script or style).
func (b *browser) watch(ev any) {
	var p string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		p = fmt.Sprintf("exception %s at %s:%d", d.Text, d.URL, d.LineNumber+1)
		if d.Exception != nil && d.Exception.Description != "" {
			p += ": " + d.Exception.Description
		}
	case *log.EventEntryAdded:
		e := ev.Entry
		if e.Source == log.EntrySourceSecurity || strings.Contains(e.Text, "Content Security Policy") {
			p = "CSP: " + e.Text
		}
	}
	if p != "" {
		b.mu.Lock()
		b.problems = append(b.problems, p)
		b.mu.Unlock()
	}
}

// do runs steps, each bounded by stepTimeout.
func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	for i, s := range steps {
		ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
		err := chromedp.Do(ctx, s)
		cancel()
		if err != nil {
			b.t.Fatalf("browser step %d: %v (page text: %s)", i+1, err, b.pageText())
		}
	}
}

// run runs one action that returns a value.
func run[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("browser: %v (page text: %s)", err, b.pageText())
	}
	return v
}

// pageText is the visible text of the page, for failure messages.
func (b *browser) pageText() string {
	ctx, cancel := context.WithTimeout(b.ctx, 3*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		return "(unavailable: " + err.Error() + ")"
	}
	if len(s) > 1500 {
		s = s[:1500] + "…"
	}
	return strings.Join(strings.Fields(s), " ")
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	return run(b, chromedp.Text(chromedp.CSS(sel)))
}

// evalJS evaluates a script expression, awaiting it when it is a promise.
func evalJS[T any](b *browser, expr string) T {
	b.t.Helper()
	return run(b, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// waitText waits until the element's text contains want.
func (b *browser) waitText(sel, want string) string {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	var last string
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : ""; })()`, sel)))
		cancel()
		if err == nil {
			last = s
			if strings.Contains(s, want) {
				return s
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("waiting for %q in %s: last text %q", want, sel, last)
	return ""
}

func (b *browser) visit(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.env.URL + path))
}

// viewport sets the window to a phone or a desktop.
func (b *browser) viewport(w, h int) {
	b.t.Helper()
	opts := []chromedp.EmulateViewportOption{}
	if w < 600 {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	b.do(chromedp.EmulateViewport(int64(w), int64(h), opts...))
}

// screenshot saves the whole page at the current viewport for review,
// after checking the page shows no script values where words belong.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	// Every control has a name a screen reader can say, and every image a
	// text alternative.
	unlabelled := evalJS[[]string](b, `Array.from(document.querySelectorAll('input, select, textarea, button, img, svg[role="img"]'))
		.filter((e) => e.type !== 'hidden')
		.filter((e) => {
			if (e.tagName === 'IMG') return !e.alt;
			if (e.tagName === 'svg') return !e.getAttribute('aria-labelledby') && !e.getAttribute('aria-label');
			if (e.tagName === 'BUTTON') return !e.textContent.trim() && !e.getAttribute('aria-label');
			return !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby');
		})
		.map((e) => e.outerHTML.slice(0, 120))`)
	for _, u := range unlabelled {
		b.t.Errorf("%s: a control or image without a name: %s", name, u)
	}
	// The page reflows to the window: wide tables scroll inside their box,
	// the page itself never sideways (WCAG 1.4.10).
	if w := evalJS[int](b, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
		b.t.Errorf("%s: the page is %d px wider than the window", name, w)
	}
	text := evalJS[string](b, `document.body.innerText`)
	for _, bad := range []string{"[object ", "undefined", "NaN", "Invalid Date"} {
		if strings.Contains(text, bad) {
			b.t.Errorf("%s: the page shows %q: %s", name, bad, b.pageText())
		}
	}
	png := run(b, chromedp.FullScreenshot(100))
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// screenshots saves the page at phone and at desktop width.
func (b *browser) screenshots(name string) {
	b.t.Helper()
	b.viewport(phoneW, phoneH)
	b.screenshot(name + "-phone")
	b.viewport(desktopW, desktopH)
	b.screenshot(name + "-desktop")
}

// signIn signs in with a demo account's password on the sign-in page and
// waits for the page it lands on.
func (b *browser) signIn(username, landsOn string) {
	b.t.Helper()
	b.visit("/")
	b.do(
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.Click(chromedp.CSS(`#password-form button[type="submit"]`)),
	)
	if code := demo.TOTPCode(username, b.env.Clock.Now()); code != "" {
		// The page asks for the second factor's code.
		b.do(
			chromedp.WaitVisible(chromedp.ID("totp")),
			chromedp.SendKeys(chromedp.ID("totp"), code),
			chromedp.Click(chromedp.CSS(`#password-form button[type="submit"]`)),
		)
	}
	b.waitPath(landsOn)
}

// waitPath waits until the tab shows the path.
func (b *browser) waitPath(path string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	var loc string
	for time.Now().Before(deadline) {
		// The page may be between documents: an error here means "not yet".
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + "|" + document.readyState`))
		cancel()
		if err == nil {
			loc = s
			if loc == path+"|complete" {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("waiting for %s, at %s: %s", path, loc, b.pageText())
}

// runStarted anchors the browser tests' service clocks to the real time of
// the run: a test that pinned a calendar date would turn red by itself once
// the calendar passed it.
var runStarted = time.Now()

// todayAt is hh:mm on the run's own date in the named zone.
func todayAt(zone string, hh, mm int) time.Time {
	loc := mustZone(zone)
	y, m, d := runStarted.In(loc).Date()
	return time.Date(y, m, d, hh, mm, 0, 0, loc)
}

// morningOf is 09:05 in New York on the day of the run: the Maple Wing's
// BID doses (09:00) are due.
var morningOf = todayAt("America/New_York", 9, 5)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// startWard runs the service at t with the demo data and its doses.
func startWard(t *testing.T, at time.Time) *testenv.Env {
	t.Helper()
	env := testenv.Start(t, "sqlite", testenv.Options{Now: at})
	if _, err := env.Svc.Materialize(context.Background()); err != nil {
		t.Fatalf("materialise doses: %v", err)
	}
	return env
}

// typeScan types a scan into the bedside scan field as a keyboard-wedge
// scanner does: every character a keystroke (GS included), then Enter.
func (b *browser) typeScan(text string) {
	b.t.Helper()
	b.do(chromedp.SendKeys(chromedp.ID("scan"), text+"\n"))
}

// waitFor polls cond until it holds.
func waitFor(b *browser, cond func() bool, what string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("waiting for %s: %s", what, b.pageText())
}
