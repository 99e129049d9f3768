package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

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
	resp, page := b.do("GET", "/residents/"+wb.Resident.ID+"/mar?period=week&date="+morningOf.Format(time.DateOnly), "", htmlAccept)
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
		prn = prn || strings.Contains(c[1], "As needed: 09:05 given 1000 mg (2 tablets) for knee pain by Nora Nurse")
	}
	if !prn {
		t.Errorf("no as-needed entry among %v", cells)
	}
	if !strings.Contains(page, "<strong>NN</strong> Nora Nurse (Nurse)") {
		t.Error("the signatures do not name Nora Nurse")
	}
}

func TestMARRefusesBadPeriods(t *testing.T) {
	env := startWard(t, morningOf)
	charge := env.Login(t, "charge")
	var rs struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	charge.JSON("GET", "/api/v1/residents", nil, &rs)
	id := rs.Items[0].ID
	tests := []struct {
		name, query string
		want        int
	}{
		{"a week", "period=week&date=" + morningOf.Format(time.DateOnly), http.StatusOK},
		{"a month", "period=month&date=2026-02-10", http.StatusOK},
		{"a year is not a MAR period", "period=year", http.StatusBadRequest},
		{"a date that is not one", "date=23/11/2026", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := charge.Do("GET", "/residents/"+id+"/mar?"+tt.query, nil, nil); r.Status != tt.want {
				t.Fatalf("status %d, want %d: %.200s", r.Status, tt.want, r.Body)
			}
		})
	}
	if r := charge.Do("GET", "/residents/01a0c5a3-0000-7000-8000-000000000000/mar", nil, nil); r.Status != http.StatusNotFound {
		t.Fatalf("unknown resident: %d", r.Status)
	}
}
