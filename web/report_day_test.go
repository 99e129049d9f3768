package web_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// The report by day counts each dose on the day it was due in its unit's
// zone: 23:30 in New York is the next morning in UTC and in Berlin.
func TestDoseReportByDayInTheUnitsZone(t *testing.T) {
	b := newBoard(t, "sqlite")
	maple, linden := b.unit("MAPLE"), b.unit("LINDEN")
	lateEvening := time.Date(2026, 1, 14, 23, 30, 0, 0, mustZone("America/New_York")) // 04:30 UTC on the 15th
	b.addDoses(maple.ID, lateEvening, 2)
	b.addDoses(linden.ID, lateEvening, 3) // 05:30 in Berlin on the 15th
	b.missAt(lateEvening.Add(2 * time.Hour))
	admin := b.env.Login(t, "admin")
	q := url.Values{"group": {"day"}, "from": {lateEvening.Add(-time.Hour).Format(time.RFC3339)}, "to": {lateEvening.Add(3 * time.Hour).Format(time.RFC3339)}}
	var r reportOut
	if st := admin.JSON("GET", "/api/v1/reports/doses?"+q.Encode(), nil, &r); st != http.StatusOK {
		t.Fatalf("report by day: %d", st)
	}
	if len(r.Lines) != 2 || r.Lines[0].Key != "2026-01-14" || r.Lines[0].Due != 2 || r.Lines[0].Missed != 2 ||
		r.Lines[1].Key != "2026-01-15" || r.Lines[1].Due != 3 {
		t.Fatalf("by day: %+v", r.Lines)
	}
}
