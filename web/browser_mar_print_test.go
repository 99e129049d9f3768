package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/emar-project/emar/mar/demo"
)

// paper is a landscape sheet and the CSS pixels its printable width holds
// (96 px to the inch, 10 mm margins as print.css sets them).
type paper struct {
	name          string
	wIn, hIn      float64 // landscape
	printableCSSW int
}

var papers = []paper{
	{"letter", 11, 8.5, cssPx(11*25.4 - 20)},
	{"a4", 297 / 25.4, 210 / 25.4, cssPx(297 - 20)},
}

// cssPx is a length in millimetres in whole CSS pixels, rounded down.
func cssPx(mm float64) int { return int(mm / 25.4 * 96) }

// month31 is the first 31-day month from the run's month on, at 09:05 on
// its first day in zone loc.
func month31(loc *time.Location) time.Time {
	y, m, _ := runStarted.In(loc).Date()
	for {
		first := time.Date(y, m, 1, 9, 5, 0, 0, loc)
		if first.AddDate(0, 1, -1).Day() == 31 {
			return first
		}
		m++
	}
}

// The printed month MAR of a resident with 20 orders fits the width of a
// landscape Letter and A4 page: every one of the 31 day columns prints
// whole, the resident's identity and allergies and the key repeat on every
// page, and days beyond the materialised dose horizon show the doses the
// order's rule will give (projected), not "not scheduled".
func TestBrowserPrintedMonthMARFitsThePage(t *testing.T) {
	start := month31(mustZone("America/New_York"))
	env := startWard(t, start)
	abbott := demo.BuildSheet(env.Clock.Now()).Residents[0]
	nurse := env.Login(t, "nurse")
	var wb struct {
		Resident struct {
			ID string `json:"id"`
		} `json:"resident"`
	}
	if st := nurse.JSON("POST", "/api/v1/bedside/wristband", map[string]string{"scan": abbott.Wristband.Typed}, &wb); st != http.StatusOK {
		t.Fatalf("wristband: %d", st)
	}
	ph := env.Login(t, "pharmacist")
	var orders struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	ph.JSON("GET", "/api/v1/orders?resident_id="+wb.Resident.ID, nil, &orders)
	// One whole tablet or capsule each: the dose-form rules refuse a
	// fraction of an unscored tablet.
	products := []struct {
		name string
		dose float64
		unit string
	}{
		{"Donepezil", 5, "mg"}, {"Sertraline", 50, "mg"}, {"Sennosides", 8.6, "mg"}, {"Docusate", 100, "mg"}, {"Cholecalciferol", 1000, "units"},
		{"Tamsulosin", 0.4, "mg"}, {"Prednisone", 10, "mg"}, {"Carbidopa", 100, "mg"}, {"Cephalexin", 500, "mg"},
	}
	freqs := []string{"daily at 08:00", "BID", "TID", "q8h", "every other day at 10:00", "weekly on Mon at 09:00", "daily at 21:00", "QID"}
	for i := len(orders.Items); i < 20; i++ {
		p := products[i%len(products)]
		body := map[string]any{"resident_id": wb.Resident.ID, "product_id": productID(t, ph, p.name), "dose_value": p.dose, "dose_unit": p.unit,
			"route": "oral", "frequency": freqs[i%len(freqs)], "prescriber": "Dr Whitfield", "instructions": fmt.Sprintf("print test order %d", i+1)}
		if r := ph.Do("POST", "/api/v1/orders", body, nil); r.Status != http.StatusCreated {
			t.Fatalf("order %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	if _, err := env.Svc.Materialize(context.Background()); err != nil {
		t.Fatalf("materialise: %v", err)
	}

	b := newBrowser(t, env)
	b.signIn("charge", "/board")
	path := "/residents/" + wb.Resident.ID + "/mar?period=month&date=" + start.Format(time.DateOnly)
	b.visit(path)
	b.waitText("h1", abbott.Name)
	if n := evalJS[int](b, `document.querySelectorAll('table.mar-grid thead tr:last-child th').length`); n != 31+2 {
		t.Fatalf("%d header cells, want 31 days + medication + time", n)
	}
	// The dose horizon is 48 hours: the last week of the month is projected
	// from the rules, and a daily order has a dose on the 31st.
	if n := evalJS[int](b, `document.querySelectorAll('td.c-projected').length`); n < 20*20 {
		t.Errorf("%d projected cells, want the rest of the month for 20 orders", n)
	}
	if n := evalJS[int](b, `Array.from(document.querySelectorAll('table.mar-grid tbody tr')).filter((r) => r.lastElementChild.classList.contains('c-projected')).length`); n == 0 {
		t.Error("no order shows a dose on the 31st")
	}
	b.screenshots("mar-month-20-orders")

	for _, p := range papers {
		t.Run(p.name, func(t *testing.T) {
			// In print media at the printable width, no column is cut and the
			// grid is no wider than the page.
			b.do(
				printMedia("print"),
				chromedp.EmulateViewport(int64(p.printableCSSW), 800),
			)
			cut := evalJS[[]string](b, `(() => {
				const w = document.documentElement.clientWidth;
				const t = document.querySelector('table.mar-grid');
				const out = [];
				if (t.getBoundingClientRect().right > w + 0.5) out.push('table right ' + t.getBoundingClientRect().right + ' > ' + w);
				for (const c of t.querySelectorAll('thead tr:last-child th')) {
					const r = c.getBoundingClientRect();
					if (r.right > w + 0.5 || c.scrollWidth > c.clientWidth + 1) out.push(c.innerText.replace(/\s+/g, ' ') + ' cut');
				}
				for (const sel of ['.mar-page-head', '.mar-page-foot']) {
					const e = document.querySelector(sel);
					if (!e || getComputedStyle(e).display === 'none') out.push(sel + ' not printed');
				}
				return out;
			})()`)
			if len(cut) > 0 {
				t.Errorf("printed on %s: %v", p.name, cut)
			}
			b.screenshot("mar-month-print-" + p.name)

			// Laying out a month for print takes a while on a loaded machine:
			// the step has its own, longer bound.
			yes := true
			ctx, cancel := context.WithTimeout(b.ctx, 3*time.Minute)
			res, err := chromedp.Run(ctx, chromedp.Action[page.PrintToPDFResult](func(ctx context.Context, tg *chromedp.Target) (page.PrintToPDFResult, error) {
				return cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{Landscape: &yes, PrintBackground: &yes, PaperWidth: p.hIn, PaperHeight: p.wIn})
			}))
			cancel()
			if err != nil {
				t.Fatalf("print to PDF on %s: %v", p.name, err)
			}
			pdf := res.Data
			pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1))
			if pages < 1 || pages > 6 || !bytes.HasPrefix(pdf, []byte("%PDF")) {
				t.Errorf("%s: %d pages in a %d-byte PDF, want 1 to 6 for 20 orders", p.name, pages, len(pdf))
			}
			t.Logf("%s: %d pages", p.name, pages)
			if err := os.MkdirAll(screenshotDir, 0o755); err == nil {
				_ = os.WriteFile(filepath.Join(screenshotDir, "mar-month-"+p.name+".pdf"), pdf, 0o644)
			}
			b.do(printMedia(""))
		})
	}
}

// printMedia emulates a CSS media type ("print"), or ends the emulation ("").
func printMedia(media string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
		return err
	})
}
