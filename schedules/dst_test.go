package schedules

import (
	"testing"
	"time"
)

func TestWallInstantFollowsTheDSTRule(t *testing.T) {
	tests := []struct {
		name, zone string
		wall       string // local wall-clock reading
		want       string // RFC 3339 instant
	}{
		{"New York spring forward: 02:30 is the end of the gap", "America/New_York", "2025-03-09 02:30", "2025-03-09T03:00:00-04:00"},
		{"New York spring forward: 02:00 does not exist either", "America/New_York", "2025-03-09 02:00", "2025-03-09T03:00:00-04:00"},
		{"New York spring forward: 03:00 is the same instant", "America/New_York", "2025-03-09 03:00", "2025-03-09T03:00:00-04:00"},
		{"New York spring forward: 01:59 is before the gap", "America/New_York", "2025-03-09 01:59", "2025-03-09T01:59:00-05:00"},
		{"New York fall back: 01:30 is the first occurrence (EDT)", "America/New_York", "2025-11-02 01:30", "2025-11-02T01:30:00-04:00"},
		{"New York fall back: 01:00 is the first occurrence", "America/New_York", "2025-11-02 01:00", "2025-11-02T01:00:00-04:00"},
		{"New York fall back: 02:00 happens once (EST)", "America/New_York", "2025-11-02 02:00", "2025-11-02T02:00:00-05:00"},
		{"Berlin spring forward: 02:30 is 03:00 CEST", "Europe/Berlin", "2025-03-30 02:30", "2025-03-30T03:00:00+02:00"},
		{"Berlin fall back: 02:30 is the first occurrence (CEST)", "Europe/Berlin", "2025-10-26 02:30", "2025-10-26T02:30:00+02:00"},
		{"Lord Howe 30-minute spring forward: 02:15 is 02:30", "Australia/Lord_Howe", "2025-10-05 02:15", "2025-10-05T02:30:00+11:00"},
		{"Lord Howe 30-minute fall back: 01:45 is the first occurrence", "Australia/Lord_Howe", "2025-04-06 01:45", "2025-04-06T01:45:00+11:00"},
		{"Lord Howe fall back: 02:00 happens once", "Australia/Lord_Howe", "2025-04-06 02:00", "2025-04-06T02:00:00+10:30"},
		{"Kolkata has no DST", "Asia/Kolkata", "2025-03-09 02:30", "2025-03-09T02:30:00+05:30"},
		{"UTC", "UTC", "2025-03-09 02:30", "2025-03-09T02:30:00Z"},
		{"Santiago springs forward at midnight: 00:00 is 01:00", "America/Santiago", "2025-09-07 00:00", "2025-09-07T01:00:00-03:00"},
		{"Santiago falls back at midnight: 23:30 is the first occurrence", "America/Santiago", "2025-04-05 23:30", "2025-04-05T23:30:00-03:00"},
		{"Samoa skipped 2011-12-30: a reading on that day resolves to the next midnight (Expand gives no dose there)", "Pacific/Apia", "2011-12-30 09:00", "2011-12-31T00:00:00+14:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := mustLoad(t, tt.zone)
			w, err := time.Parse("2006-01-02 15:04", tt.wall)
			if err != nil {
				t.Fatal(err)
			}
			want, err := time.Parse(time.RFC3339, tt.want)
			if err != nil {
				t.Fatal(err)
			}
			got := wallInstant(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), 0, 0, loc)
			if !got.Equal(want) {
				t.Errorf("wallInstant(%s in %s) = %s, want %s", tt.wall, tt.zone, got.Format(time.RFC3339), tt.want)
			}
		})
	}
}

// Every quarter hour of the days around every transition of 2020-2027, in
// every test zone, against the minute-by-minute scan.
func TestWallInstantMatchesBruteForceAroundEveryTransition(t *testing.T) {
	for _, zone := range testZoneNames {
		loc := mustLoad(t, zone)
		p := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).In(loc)
		for {
			_, end := p.ZoneBounds()
			if end.IsZero() || end.Year() >= 2028 {
				break
			}
			lt := end.In(loc)
			for dd := -1; dd <= 1; dd++ {
				day := time.Date(lt.Year(), lt.Month(), lt.Day()+dd, 0, 0, 0, 0, time.UTC)
				for m := 0; m < 24*60; m += 15 {
					y, mo, d := day.Date()
					got := wallInstant(y, mo, d, m/60, m%60, 0, 0, loc)
					want := refResolve(y, mo, d, m/60, m%60, loc)
					if !got.Equal(want) {
						t.Fatalf("%s %s %02d:%02d: got %v, want %v", zone, day.Format(time.DateOnly), m/60, m%60, got, want)
					}
				}
			}
			p = lt
		}
	}
}

func TestGapsFindsOnlySpringForward(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	var got []string
	gaps(ny, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), func(tr transition) {
		got = append(got, tr.At.UTC().Format(time.RFC3339))
	})
	if len(got) != 1 || got[0] != "2025-03-09T07:00:00Z" {
		t.Errorf("gaps in New York 2025 = %v, want [2025-03-09T07:00:00Z]", got)
	}
	// A transition exactly at the start of the range is included.
	n := 0
	at := time.Date(2025, 3, 9, 7, 0, 0, 0, time.UTC)
	gaps(ny, at, at.Add(time.Hour), func(transition) { n++ })
	if n != 1 {
		t.Errorf("transition at the start of the range seen %d times, want 1", n)
	}
}
