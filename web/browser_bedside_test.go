package web_test

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar/demo"
)

// nurseAt signs a nurse in on a phone-sized bedside page and scans the
// resident's wristband.
func nurseAt(t *testing.T, env *testenv.Env, r demo.SheetResident) *browser {
	t.Helper()
	b := newBrowser(t, env)
	b.viewport(phoneW, phoneH)
	b.signIn("nurse", "/bedside")
	b.typeScan(r.Wristband.Typed)
	b.waitText("#resident-name", r.Name)
	return b
}

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

// The answer to a documentation is lost on the way back (the server has
// recorded it): the page says it is not recorded, retries with the same
// Idempotency-Key, and then says when it was recorded. The server holds
// the dose once.
func TestBrowserBedsideRetriesALostAnswerWithTheSameKey(t *testing.T) {
	env := startWard(t, morningOf)
	sheet := demo.BuildSheet(env.Clock.Now())
	abbott := sheet.Residents[0]
	b := nurseAt(t, env, abbott)
	b.typeScan(abbott.Packs[0].Typed)
	b.waitText("#verdict", "Right medication")
	b.do(
		chromedp.SendKeys(chromedp.ID("vital-heart_rate"), "72"),
		chromedp.SendKeys(chromedp.ID("vital-systolic_bp"), "128"),
	)

	// Intercept the answers to POST /api/v1/administrations: lose the
	// first, hold the second until the page has said it is retrying.
	paused := chromedp.Events(b.ctx, fetch.RequestPaused)
	if _, err := chromedp.Call(b.ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
		{URLPattern: "*/api/v1/administrations", RequestStage: fetch.RequestStageResponse}}}); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	keys := make(chan string, 4)
	go func() {
		n := 0
		for ev, err := range paused {
			if err != nil {
				return
			}
			n++
			key, _ := ev.Request.Headers["Idempotency-Key"].(string)
			keys <- key
			if n == 1 {
				_, _ = chromedp.Call(b.ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonConnectionFailed})
				continue
			}
			<-release
			_, _ = chromedp.Call(b.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		}
	}()

	b.do(chromedp.Click(chromedp.ID("record")))
	b.waitText("#record-list", "NOT recorded — retrying")
	b.screenshot("bedside-retrying-phone")
	close(release)
	b.waitText("#record-list", "Recorded at")
	first, second := <-keys, <-keys
	if first == "" || first != second {
		t.Fatalf("Idempotency-Key %q, then %q: a retry must reuse the key", first, second)
	}
	var out struct {
		Items []struct {
			Outcome string `json:"outcome"`
		} `json:"items"`
	}
	nurse := env.Login(t, "nurse")
	var res struct {
		Items []struct {
			ID  string `json:"id"`
			MRN string `json:"mrn"`
		} `json:"items"`
	}
	nurse.JSON("GET", "/api/v1/residents", nil, &res)
	id := ""
	for _, r := range res.Items {
		if r.MRN == abbott.MRN {
			id = r.ID
		}
	}
	nurse.JSON("GET", "/api/v1/residents/"+id+"/administrations", nil, &out)
	if len(out.Items) != 1 || out.Items[0].Outcome != "given" {
		t.Fatalf("administrations of %s after a retried documentation: %+v", abbott.Name, out.Items)
	}
}

// Rapid-acting insulin on a sliding scale: the form asks for the glucose
// and a witness; the glucose gives the dose, and the witness co-signs with
// their own account.
func TestBrowserBedsideSlidingScaleWithWitness(t *testing.T) {
	// 09:05 in Berlin: the Linden Ward's 09:00 doses are due.
	env := startWard(t, todayAt("Europe/Berlin", 9, 5))
	sheet := demo.BuildSheet(env.Clock.Now())
	baker := sheet.Residents[1]
	var lispro demo.Barcode
	for _, p := range baker.Packs {
		if strings.HasPrefix(p.Label, "Insulin lispro") {
			lispro = p
		}
	}
	b := nurseAt(t, env, baker)
	b.typeScan(lispro.Typed)
	b.waitText("#document-title", "Insulin lispro")
	b.do(chromedp.WaitVisible(chromedp.ID("glucose")), chromedp.WaitVisible(chromedp.ID("witness-username")))
	if legend := b.text("#witness-legend"); legend != "Witness (required)" {
		t.Fatalf("witness legend %q", legend)
	}
	// 220 mg/dL is 4 units on the demo scale.
	b.do(chromedp.SendKeys(chromedp.ID("glucose"), "220"), chromedp.Click(chromedp.ID("recheck")))
	b.waitText("#verdict", "Sliding scale: give 4 units")
	b.do(
		chromedp.SendKeys(chromedp.ID("witness-username"), "nurse2"),
		chromedp.SendKeys(chromedp.ID("witness-password"), demo.Password),
	)
	b.screenshot("bedside-witness-phone")
	b.do(chromedp.Click(chromedp.ID("record")))
	b.waitText("#record-list", "Recorded at 09:")
}

// A resident refuses a due dose: documented from the due list, without a
// pack scan, with a reason from the pick list.
func TestBrowserBedsideRefusedFromTheDueList(t *testing.T) {
	env := startWard(t, morningOf)
	abbott := demo.BuildSheet(env.Clock.Now()).Residents[0]
	b := nurseAt(t, env, abbott)
	b.waitText("#due-list", "Due now")
	b.do(chromedp.Click(chromedp.CSS(`#due-list .k-due button`)))
	b.waitText("#document-title", "Not given: Metoprolol")
	reason := evalJS[string](b, `document.querySelector('#reason-code option:nth-child(2)').value`)
	b.do(
		chromedp.SetValue(chromedp.ID("reason-code"), reason),
		chromedp.SendKeys(chromedp.ID("reason-text"), "Says she took it at breakfast with her daughter"),
		chromedp.Click(chromedp.ID("record")),
	)
	b.waitText("#record-list", "Refused")
	b.waitText("#record-list", "Recorded at")
	b.waitText("#due-list", "Refused")
}

// Signing in with the badge: the scanner types the badge and Enter, which
// moves on to the PIN.
func TestBrowserBadgeSignIn(t *testing.T) {
	env := startWard(t, morningOf)
	b := newBrowser(t, env)
	b.viewport(phoneW, phoneH)
	b.visit("/")
	b.do(chromedp.SendKeys(chromedp.ID("badge"), "]C0"+demo.Accounts[0].Badge+"\n"))
	if focused := evalJS[string](b, `document.activeElement.id`); focused != "pin" {
		t.Fatalf("after the badge scan the focus is on %q, want the PIN", focused)
	}
	b.do(chromedp.SendKeys(chromedp.ID("pin"), demo.PIN+"\n"))
	b.waitPath("/bedside")
	b.waitText(".who", "Nora Nurse")
}

// A photo of the wristband, taken with the camera button, is decoded by
// the server and opens the resident.
func TestBrowserCameraScan(t *testing.T) {
	env := startWard(t, morningOf)
	abbott := demo.BuildSheet(env.Clock.Now()).Residents[0]
	img, err := abbott.Wristband.Image()
	if err != nil {
		t.Fatal(err)
	}
	photo := filepath.Join(t.TempDir(), "wristband.png")
	f, err := os.Create(photo)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b := newBrowser(t, env)
	b.viewport(phoneW, phoneH)
	b.signIn("nurse", "/bedside")
	b.do(chromedp.SetUploadFiles(chromedp.ID("camera"), []string{photo}, chromedp.NodeReady))
	b.waitText("#resident-name", "Abbott, Margaret")
}

// The demo barcode sheet, open in another tab, scans into the bedside page.
func TestBrowserDemoSheetScansIntoTheBedside(t *testing.T) {
	env := startWard(t, morningOf)
	b := newBrowser(t, env)
	b.signIn("nurse", "/bedside")
	sheetTab, cancel := chromedp.NewContext(b.ctx)
	defer cancel()
	if err := chromedp.Do(sheetTab); err != nil { // opens the tab, with no deadline
		t.Fatal(err)
	}
	s := &browser{t: t, env: env, ctx: sheetTab}
	s.visit("/demo/barcodes")
	// A script click: the sheet's lazy images move the button while they load.
	s.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('button[data-action="send"][data-scan="MRN00100001"]').click()`))
	s.waitText("#send-state", "The bedside page received the scan")
	b.waitText("#resident-name", "Abbott, Margaret")
}

// Half an hour before the window opens the dose is a soft stop: amber,
// and recorded only with a reason for going ahead.
func TestBrowserBedsideSoftStopNeedsAReason(t *testing.T) {
	env := startWard(t, todayAt("America/New_York", 7, 30))
	abbott := demo.BuildSheet(env.Clock.Now()).Residents[0]
	b := nurseAt(t, env, abbott)
	b.typeScan(abbott.Packs[0].Typed)
	b.waitText("#verdict", "Check before giving")
	if cls := evalJS[string](b, `document.getElementById('verdict').className`); !strings.Contains(cls, "v-caution") {
		t.Fatalf("verdict class %q, want amber", cls)
	}
	b.do(
		chromedp.SendKeys(chromedp.ID("vital-heart_rate"), "72"),
		chromedp.SendKeys(chromedp.ID("vital-systolic_bp"), "128"),
		chromedp.Click(chromedp.ID("record")),
	)
	b.waitText("#document-error", "reason")
	b.do(chromedp.SendKeys(chromedp.CSS(`#override-block textarea`), "Leaving for dialysis at 08:00; prescriber agreed"))
	b.screenshots("bedside-verdict-caution")
	b.do(chromedp.Click(chromedp.ID("record")))
	b.waitText("#record-list", "Recorded at 07:30")
}

// An as-needed dose: two tablets for the ordered 1000 mg, the indication
// and a pain score; an hour later, its effectiveness.
func TestBrowserBedsidePRNAndEffectiveness(t *testing.T) {
	env := startWard(t, morningOf)
	abbott := demo.BuildSheet(env.Clock.Now()).Residents[0]
	acetaminophen := abbott.Packs[1]
	if !strings.HasPrefix(acetaminophen.Label, "Acetaminophen") {
		t.Fatalf("the demo sheet changed: %q", acetaminophen.Label)
	}
	b := nurseAt(t, env, abbott)
	b.waitText("#due-list", "PRN available")
	b.typeScan(acetaminophen.Typed)
	b.waitText("#verdict", "Give 1000 mg (2 tablets)")
	if q := evalJS[string](b, `document.getElementById('quantity').value`); q != "2" {
		t.Fatalf("quantity %q, want the server's 2", q)
	}
	b.do(
		chromedp.WaitVisible(chromedp.ID("prn-indication")),
		chromedp.SetValue(chromedp.ID("pain-score"), "6"),
		chromedp.Click(chromedp.ID("record")),
	)
	b.waitText("#record-list", "Recorded at 09:05")
	b.do(chromedp.Click(chromedp.CSS(`#record-list button`)))
	b.do(chromedp.WaitVisible(chromedp.ID("effectiveness-result")))
	result := evalJS[string](b, `document.querySelector('#effectiveness-result option:nth-child(2)').value`)
	b.do(
		chromedp.SetValue(chromedp.ID("effectiveness-result"), result),
		chromedp.SetValue(chromedp.ID("effectiveness-pain"), "2"),
		chromedp.Click(chromedp.CSS(`#effectiveness-form button[type="submit"]`)),
	)
	b.waitText("#scan-state", "Effectiveness recorded")
}
