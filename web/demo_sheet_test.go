package web_test

import (
	"encoding/xml"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/emar-project/emar/internal/testenv"
	"github.com/emar-project/emar/mar/demo"
)

// The demo barcode sheet opens with a table of contents: its sections and
// one entry per resident, each a link to an element of the page; every
// page names the SVG favicon, which is served as SVG.
func TestDemoSheetContentsAndFavicon(t *testing.T) {
	env := testenv.Start(t, "sqlite", testenv.Options{})
	b := newBrowserClient(t, env)

	resp, sheet := b.do("GET", "/demo/barcodes", "", htmlAccept)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sheet: %d", resp.StatusCode)
	}
	toc := regexp.MustCompile(`(?s)<nav class="panel toc".*?</nav>`).FindString(sheet)
	if toc == "" {
		t.Fatal("the sheet has no table of contents")
	}
	links := regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(toc, -1)
	residents := 0
	for _, l := range links {
		if !strings.Contains(sheet, `id="`+l[1]+`"`) {
			t.Errorf("the contents link to #%s, which is not on the page", l[1])
		}
		if strings.HasPrefix(l[1], "resident-") {
			residents++
		}
	}
	if want := len(demo.BuildSheet(env.Clock.Now()).Residents); residents != want || len(links) != want+4 {
		t.Errorf("%d contents links (%d residents), want the 4 sections and %d residents", len(links), residents, want)
	}

	resp, icon := b.do("GET", "/static/favicon.svg", "", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("favicon: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var svg struct {
		XMLName xml.Name
		ViewBox string `xml:"viewBox,attr"`
	}
	if err := xml.Unmarshal([]byte(icon), &svg); err != nil || svg.XMLName.Local != "svg" || svg.ViewBox == "" {
		t.Errorf("the favicon is not an SVG with a view box: %v %+v", err, svg)
	}
	_, signIn := b.do("GET", "/", "", htmlAccept)
	for name, page := range map[string]string{"sign-in": signIn, "sheet": sheet} {
		if !strings.Contains(page, `<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">`) {
			t.Errorf("the %s page does not name the favicon", name)
		}
	}
}
