package web_test

import (
	"encoding/json"
	"html"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/store/storetest"
)

type doseWordJSON struct {
	Kind    string `json:"kind"`
	Label   string `json:"label"`
	Meaning string `json:"meaning"`
}

var goStrings = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|`[^`]*`")

var bodyStates = regexp.MustCompile(`<body[^>]* data-dose-states="([^"]*)"`)

// pageVocabulary reads the vocabulary a page carries for its scripts.
func pageVocabulary(t *testing.T, body []byte) map[string]string {
	t.Helper()
	m := bodyStates.FindSubmatch(body)
	if m == nil {
		t.Fatalf("the page carries no dose-state vocabulary: %.300s", body)
	}
	var words []doseWordJSON
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &words); err != nil {
		t.Fatalf("vocabulary: %v", err)
	}
	out := map[string]string{}
	for _, w := range words {
		out[w.Kind] = w.Label
	}
	return out
}

// One word for one state: a dose whose window closed undocumented is
// "Missed" on the board, on the MAR and (through the same vocabulary) at
// the bedside, whether the sweeper has marked it or not; every state label
// a page shows is the vocabulary's word for its kind; and no template,
// script or Go label function brings back a retired word ("Overdue").
func TestOneWordForOneDoseState(t *testing.T) {
	t.Run("no page source uses a retired word for a state", func(t *testing.T) {
		retired := regexp.MustCompile(`\bOverdue\b`)
		var files []string
		for _, glob := range []string{"templates/*.html", "static/*.js", "*.go"} {
			m, err := filepath.Glob(glob)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, m...)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") || f == "vocabulary.go" {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(b), "\n") {
				// In Go only the text of string literals reaches a page
				// (a field named Overdue does not).
				text := line
				if strings.HasSuffix(f, ".go") {
					text = strings.Join(goStrings.FindAllString(line, -1), " ")
				}
				if retired.MatchString(text) {
					t.Errorf("%s names a state with a retired word: %s", f, strings.TrimSpace(line))
				}
			}
		}
	})
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			b := newBed(t, engine)
			charge := b.login("charge")
			r := b.resident("Abbott")
			o := b.order(r, "metoprolol tartrate", false)
			now := b.env.Clock.Now()
			closed := b.dose(o, now.Add(-3*time.Hour), 30*time.Minute) // window closed, not swept yet
			swept := mar.ScheduledDose{ID: mar.NewID(), FacilityID: o.FacilityID, OrderID: o.ID, ResidentID: r.ID, UnitID: r.UnitID,
				DueAt: now.Add(-5 * time.Hour), WindowStart: now.Add(-5*time.Hour - 30*time.Minute), WindowEnd: now.Add(-5*time.Hour + 30*time.Minute), Status: mar.DoseMissed}
			b.tx(func(tx mar.Tx) error { _, err := tx.InsertDoses([]mar.ScheduledDose{swept}); return err })
			b.dose(o, now, time.Hour)                       // due now
			b.dose(o, now.Add(5*time.Hour), 30*time.Minute) // upcoming
			_ = closed
			loc := b.loc(r)

			board := charge.Do("GET", "/board?unit_id="+r.UnitID+"&date="+now.In(loc).Format(time.DateOnly), nil, htmlAccept)
			if board.Status != http.StatusOK {
				t.Fatalf("board: %d %s", board.Status, board.Body)
			}
			words := pageVocabulary(t, board.Body)
			if words["missed"] != "Missed" || words["due"] == "" || words["upcoming"] == "" {
				t.Fatalf("vocabulary: %v", words)
			}
			seen := map[string]int{}
			for _, m := range regexp.MustCompile(`class="status st-(\w+)">([^<]*)<`).FindAllSubmatch(board.Body, -1) {
				kind, label := string(m[1]), html.UnescapeString(string(m[2]))
				if want, ok := words[kind]; ok && label != want {
					t.Errorf("the board calls a %s dose %q, the vocabulary %q", kind, label, want)
				}
				seen[kind]++
			}
			// The legend and the grid: the two missed doses in the grid.
			if seen["missed"] < 2 || seen["due"] == 0 || seen["upcoming"] == 0 {
				t.Errorf("board states %v, want missed (both), due and upcoming", seen)
			}

			marPage := charge.Do("GET", "/residents/"+r.ID+"/mar?period=week&date="+now.In(loc).Format(time.DateOnly), nil, htmlAccept)
			if marPage.Status != http.StatusOK {
				t.Fatalf("mar: %d %s", marPage.Status, marPage.Body)
			}
			if got := pageVocabulary(t, marPage.Body); got["missed"] != words["missed"] {
				t.Errorf("the MAR carries another vocabulary: %v", got)
			}
			cells := map[string]int{}
			for _, m := range regexp.MustCompile(`class="cell c-(\w+)"><abbr title="([^"]*)">([^<]*)<`).FindAllSubmatch(marPage.Body, -1) {
				kind, title := string(m[1]), html.UnescapeString(string(m[2]))
				if strings.HasPrefix(title, "As needed") {
					continue
				}
				if want, ok := words[kind]; ok && !strings.HasPrefix(title, want+",") {
					t.Errorf("the MAR calls a %s dose %q, the vocabulary %q", kind, title, want)
				}
				cells[kind]++
				if kind == "missed" && string(m[3]) != "M" {
					t.Errorf("a missed cell shows %q, want the key's M", m[3])
				}
			}
			if cells["missed"] < 2 {
				t.Errorf("MAR cells %v, want both missed doses as missed", cells)
			}
		})
	}
}
