package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/emar-project/emar/mar/demo"
)

// The browser judges cookies and timers on its own clock, the service on
// its clock; the two need not agree (a device set to the wrong day, a test
// that moves the service to a calendar situation). Sign-in, the wristband
// and a pack scan must work whichever way they differ: nothing the browser
// decides may be computed from the service's absolute time.
func TestBrowserBedsideWorksWhateverTheServiceClock(t *testing.T) {
	for _, tc := range []struct {
		name string
		at   time.Time
	}{
		{"the service a year ahead of the browser", morningOf.AddDate(1, 0, 0)},
		{"the service a year behind the browser", morningOf.AddDate(-1, 0, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := startWard(t, tc.at)
			abbott := demo.BuildSheet(env.Clock.Now()).Residents[0]
			b := newBrowser(t, env)
			b.viewport(phoneW, phoneH)
			b.signIn("nurse", "/bedside")

			// The session cookie lives as long as the session, counted from
			// now on the browser's clock.
			cookies := evalJS[int](b, `document.cookie.length`) // HttpOnly: not visible to scripts
			if cookies != 0 {
				t.Fatalf("the session cookie is readable from scripts (%d bytes)", cookies)
			}
			b.typeScan(abbott.Wristband.Typed)
			b.waitText("#resident-name", abbott.Name)
			if born, want := b.text("#resident-facts"), fmt.Sprintf("(age %d)", ageOn(t, abbott.BirthDate, env.Clock.Now())); !strings.Contains(born, want) {
				t.Fatalf("the age is not counted to the service's date: want %q in %q", want, born)
			}

			// The wristband context is timed on the browser's clock: a pack
			// scanned next is checked against the resident, not taken for a
			// new wristband.
			b.typeScan(abbott.Packs[0].Typed)
			b.waitText("#verdict", "Right medication")

			// A page load after the scans still carries the session.
			b.do(chromedp.Reload())
			b.waitPath("/bedside")
		})
	}
}

// ageOn is the whole years from a birth date (YYYY-MM-DD) to the day of now.
func ageOn(t *testing.T, birth string, now time.Time) int {
	t.Helper()
	b, err := time.Parse(time.DateOnly, birth)
	if err != nil {
		t.Fatalf("birth date %q: %v", birth, err)
	}
	n := now.UTC()
	age := n.Year() - b.Year()
	if n.Month() < b.Month() || n.Month() == b.Month() && n.Day() < b.Day() {
		age--
	}
	return age
}
