package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
)

// On first start the demo's thirty days of history fill the reports (a bar
// per day) and the MAR (given, held, refused and missed cells).
func TestBrowserDemoHistoryFillsReportsAndMAR(t *testing.T) {
	chromiumPath(t)
	env := testenv.Start(t, "sqlite", testenv.Options{Now: morningOf, History: demo.DefaultHistory})
	b := newBrowser(t, env)
	b.signIn("charge", "/board")
	from := morningOf.Add(-30 * 24 * time.Hour).In(mustZone("America/New_York")).Format(time.DateOnly)
	b.visit("/reports?unit_id=" + env.Demo.Units[0].ID + "&from=" + from)
	b.waitText("main", "On time, per day")
	if n := evalJS[int](b, `document.querySelectorAll('svg[role="img"] rect').length`); n < 20 {
		t.Errorf("%d bars drawn, want one per day of the history: %s", n, b.pageText())
	}
	b.screenshots("demo-history-reports")

	var abbott string
	if err := env.Store.InTx(t.Context(), func(tx mar.Tx) error {
		rs, err := tx.ListResidents(mar.ResidentFilter{})
		for _, r := range rs {
			if r.MRN == "00100001" {
				abbott = r.ID
			}
		}
		return err
	}); err != nil || abbott == "" {
		t.Fatal(err)
	}
	week := morningOf.Add(-7 * 24 * time.Hour).Format(time.DateOnly)
	b.visit("/residents/" + abbott + "/mar?period=week&date=" + week)
	b.waitText("h1", "Abbott")
	classes := evalJS[string](b, `Array.from(document.querySelectorAll('table.mar-grid td.cell')).map((c) => c.className).join(' ')`)
	if !strings.Contains(classes, "c-given") {
		t.Errorf("the MAR a week back shows no given doses: %s", b.pageText())
	}
	b.screenshots("demo-history-mar-week")
	b.visit("/residents/" + abbott + "/mar?period=month")
	b.waitText("h1", "Abbott")
	b.screenshots("demo-history-mar-month")
}
