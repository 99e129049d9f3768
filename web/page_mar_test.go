package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/emar-project/emar/mar/demo"
)

// The MAR shows who gave a scheduled dose (initials in the day's cell) and
// the as-needed doses on the day they were given, with the signatures.
func TestMARShowsScheduledAndAsNeededDoses(t *testing.T) {
	env := startWard(t, morningOf)
	sheet := demo.BuildSheet(env.Clock.Now())
	abbott := sheet.Residents[0]
	nurse := env.Login(t, "nurse")
	var wb struct {
		ContextID string `json:"context_id"`
		Resident  struct {
			ID string `json:"id"`
		} `json:"resident"`
	}
	if st := nurse.JSON("POST", "/api/v1/bedside/wristband", map[string]string{"scan": abbott.Wristband.Typed}, &wb); st != http.StatusOK {
		t.Fatalf("wristband: %d", st)
	}
	document := func(body map[string]any) {
		t.Helper()
		r := nurse.Do("POST", "/api/v1/administrations", body, nil)
		if r.Status != http.StatusCreated {
			t.Fatalf("document %v: %d %s", body, r.Status, r.Body)
		}
	}
	// 09:00 metoprolol, with the readings its hold parameters need.
	document(map[string]any{"context_id": wb.ContextID, "scan": abbott.Packs[0].Typed, "outcome": "given",
		"vitals": map[string]float64{"heart_rate": 70, "systolic_bp": 125}})
	// As-needed acetaminophen: two 500 mg tablets for 1000 mg.
	document(map[string]any{"context_id": wb.ContextID, "scan": abbott.Packs[1].Typed, "quantity": 2, "outcome": "given",
		"prn_indication": "knee pain", "pain_score": 6})

	b := newBrowserClient(t, env)
	b.do("POST", "/api/v1/auth/login", `{"username":"charge","password":"demo","kind":"web"}`, nil)
	resp, page := b.do("GET", "/residents/"+wb.Resident.ID+"/mar?period=week&date=2026-11-23", "", htmlAccept)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("MAR: %d", resp.StatusCode)
	}
	cells := regexp.MustCompile(`<td class="cell c-given"><abbr title="([^"]*)">([^<]*)</abbr></td>`).FindAllStringSubmatch(page, -1)
	if len(cells) != 2 {
		t.Fatalf("%d given cells on the MAR, want the scheduled and the as-needed dose: %v", len(cells), cells)
	}
	var prn bool
	for _, c := range cells {
		if c[2] != "NN" {
			t.Errorf("cell %q shows %q, want the nurse's initials NN", c[1], c[2])
		}
		prn = prn || strings.Contains(c[1], "As needed: 09:05 given for knee pain by Nora Nurse")
	}
	if !prn {
		t.Errorf("no as-needed entry among %v", cells)
	}
	if !strings.Contains(page, "<strong>NN</strong> Nora Nurse (Nurse)") {
		t.Error("the signatures do not name Nora Nurse")
	}
}
