package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/emar-project/emar/alerts"
	"github.com/emar-project/emar/internal/testenv"
)

// A dose that goes unrecorded past its window appears as missed on a board
// that is already open, through the alert stream, without a reload; the
// charge nurse acknowledges the alert with a note.
func TestBrowserMissedDoseAppearsOnAnOpenBoard(t *testing.T) {
	// 09:50 in New York: the 09:00 doses (window to 10:00) are due now.
	start := todayAt("America/New_York", 9, 50)
	env := startWard(t, start)
	sweeper := alerts.NewSweeper(env.Svc, alerts.Config{}, env.AlertHub, testenv.Logger(t))
	maple := env.Demo.Units[0]

	b := newBrowser(t, env)
	b.signIn("charge", "/board")
	b.visit("/board?unit_id=" + maple.ID)
	b.waitText("#live", "Live:")
	before := b.waitText("#grid", "Abbott, Margaret")
	// Abbott's 09:00 metoprolol (window to 10:00) is due, not missed; a
	// dose whose window already closed (the 09:00 sliding-scale insulin,
	// window to 09:30) is called missed already, as on every page.
	if !strings.Contains(before, "Due now Metoprolol") {
		t.Fatalf("a dose is missed before its window closed: %q", before)
	}
	missed := func() int { return evalJS[int](b, `document.querySelectorAll('#grid td .st-missed').length`) }
	missedBefore := missed()
	b.do(chromedp.Evaluate[chromedp.Void](`window.sameDocument = true`))

	// 10:05: the window has closed; the sweeper marks the doses missed.
	env.Clock.Set(start.Add(15 * time.Minute))
	res, err := sweeper.Sweep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Missed == 0 {
		t.Fatalf("the sweep marked no dose missed: %+v", res)
	}
	for deadline := time.Now().Add(stepTimeout); missed() <= missedBefore; {
		if time.Now().After(deadline) {
			t.Fatalf("the board still shows %d missed doses after the sweep: %s", missed(), b.text("#grid"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.waitText("#alerts", "Missed dose — ")
	if !evalJS[bool](b, `window.sameDocument === true`) {
		t.Fatal("the board was reloaded; the update should arrive through the stream")
	}
	b.screenshots("board-missed-live")

	// Acknowledge the first alert with a note; the stream brings it back
	// acknowledged.
	b.do(
		chromedp.SendKeys(chromedp.CSS(`#alerts li textarea`), "Called the nurse; dose given late, see MAR"),
		chromedp.Click(chromedp.CSS(`#alerts li button`)),
	)
	b.waitText("#alerts", "Acknowledged at")
	b.waitText("#alerts-state", "acknowledged")
}

// The reports page draws on-time and scanning compliance per day and per
// nurse as SVG from the dose report.
func TestBrowserReports(t *testing.T) {
	env := startWard(t, morningOf)
	sweeper := alerts.NewSweeper(env.Svc, alerts.Config{}, env.AlertHub, testenv.Logger(t))
	env.Clock.Set(morningOf.Add(2 * time.Hour)) // the 09:00 doses are missed
	if _, err := sweeper.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, env)
	b.signIn("charge", "/board")
	b.visit("/reports?unit_id=" + env.Demo.Units[0].ID)
	text := b.waitText("main", "On time, per day")
	for _, want := range []string{"Scanning compliance, per nurse", "(not documented)", "0 %", "target 95 %"} {
		if !strings.Contains(text, want) && !strings.Contains(evalJS[string](b, `document.querySelector('main').textContent`), want) {
			t.Errorf("the reports page lacks %q", want)
		}
	}
	if n := evalJS[int](b, `document.querySelectorAll('svg[role="img"] rect').length`); n == 0 {
		t.Fatal("no bars drawn")
	}
	b.screenshots("reports")
}
