package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/mar/demo"
)

// The bedside's due list uses the one vocabulary of dose states. A bedside STOP that refers to the record (here Abbott's pack scanned on
// Baker: no order of Baker's matches it) offers one tap to the scanned
// resident's MAR for this week and for the month; the link opens that
// resident's MAR.
func TestBrowserStopLinksToTheResidentsMAR(t *testing.T) {
	env := startWard(t, morningOf)
	sheet := demo.BuildSheet(env.Clock.Now())
	abbott, baker := sheet.Residents[0], sheet.Residents[1]
	b := nurseAt(t, env, baker)
	// The due list names each state with the vocabulary's word (the one
	// the board and the MAR use): Baker's morning insulin is missed.
	b.waitText("#due-list", "Missed")
	wrong := evalJS[[]string](b, `(() => {
		const words = new Map(JSON.parse(document.body.dataset.doseStates).map((w) => [w.kind, w.label]));
		const out = [];
		for (const s of document.querySelectorAll('#due-list .status')) {
			const kind = [...s.classList].find((c) => c.startsWith('st-')).slice(3);
			if (words.has(kind) && s.textContent !== words.get(kind)) out.push(kind + ': ' + s.textContent);
		}
		if (!document.querySelector('#due-list .st-missed')) out.push('no missed dose shown');
		return out;
	})()`)
	if len(wrong) > 0 {
		t.Errorf("the bedside names states in other words: %q", wrong)
	}
	b.typeScan(abbott.Packs[0].Typed)
	b.waitText("#verdict", "STOP")
	links := evalJS[[]string](b, `Array.from(document.querySelectorAll('#verdict .record-links a')).map((a) => a.textContent + '|' + a.getAttribute('href') + '|' + a.target)`)
	if len(links) != 2 {
		t.Fatalf("the STOP offers %d record links: %q, want the week's MAR and the month", len(links), links)
	}
	var bakerID string
	if err := env.Store.InTx(context.Background(), func(tx mar.Tx) error {
		rs, err := tx.ListResidents(mar.ResidentFilter{})
		for _, r := range rs {
			if r.FamilyName == "Baker" {
				bakerID = r.ID
			}
		}
		return err
	}); err != nil || bakerID == "" {
		t.Fatalf("no demo resident Baker: %v", err)
	}
	if want := "Baker, Harold's MAR this week|/residents/" + bakerID + "/mar|_blank"; links[0] != want {
		t.Errorf("first link %q, want %q", links[0], want)
	}
	if !strings.HasSuffix(links[1], "/residents/"+bakerID+"/mar?period=month|_blank") {
		t.Errorf("second link %q, want the month's MAR", links[1])
	}
	b.screenshots("bedside-stop-record-links")

	// The link leads to Baker's MAR.
	b.visit(strings.Split(links[0], "|")[1])
	b.waitText("h1", "Baker, Harold")

	// A green verdict has no such links.
	b2 := nurseAt(t, env, abbott)
	b2.typeScan(abbott.Packs[0].Typed)
	b2.waitText("#verdict", "Right medication")
	if n := evalJS[int](b2, `document.querySelectorAll('#verdict .record-links a').length`); n != 0 {
		t.Errorf("a right-medication verdict shows %d record links", n)
	}
}
