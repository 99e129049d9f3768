package schedules

import (
	"testing"
	"time"
)

func TestClockNoteNamesDosesMovedByAClockChange(t *testing.T) {
	tests := []struct {
		name, zone, rule, start string
		days                    int
		want                    map[string]string // local "01-02 15:04" → note; every other dose has none
	}{
		{
			name: "a dose in the spring-forward gap", zone: "America/New_York", rule: "daily at 02:30", start: "2025-03-08T00:00:00-05:00", days: 3,
			want: map[string]string{"03-09 03:00": "02:30 does not exist on 9 Mar (clocks go forward 02:00 → 03:00): given once at 03:00 EDT"},
		},
		{
			name: "two doses merged in the gap", zone: "America/New_York", rule: "02:00, 02:30 and 09:00", start: "2025-03-09T00:00:00-05:00", days: 1,
			want: map[string]string{"03-09 03:00": "02:00 and 02:30 do not exist on 9 Mar (clocks go forward 02:00 → 03:00): given once at 03:00 EDT"},
		},
		{
			name: "a dose in the repeated hour", zone: "America/New_York", rule: "daily at 01:30", start: "2025-11-01T00:00:00-04:00", days: 3,
			want: map[string]string{"11-02 01:30": "01:30 occurs twice on 2 Nov (clocks go back 1h): given at the first, 01:30 EDT"},
		},
		{
			name: "Lord Howe's half-hour gap", zone: "Australia/Lord_Howe", rule: "daily at 02:15", start: "2025-10-04T00:00:00+10:30", days: 3,
			want: map[string]string{"10-05 02:30": "02:15 does not exist on 5 Oct (clocks go forward 02:00 → 02:30): given once at 02:30 +11"},
		},
		{
			name: "BID at 09:00 and 21:00 is untouched by the change", zone: "America/New_York", rule: "BID", start: "2025-03-08T00:00:00-05:00", days: 3,
			want: map[string]string{},
		},
		{
			name: "q8h after fall back", zone: "America/New_York", rule: "q8h", start: "2025-11-01T22:00:00-04:00", days: 1,
			want: map[string]string{"11-02 05:00": "clocks went back 1h since the previous dose: still 8h after it, at 05:00 on the clock"},
		},
		{
			name: "the day Samoa skipped", zone: "Pacific/Apia", rule: "daily at 09:00", start: "2011-12-28T00:00:00-10:00", days: 4,
			want: map[string]string{"12-31 09:00": "no doses on 30 Dec 2011: the zone skips that day"},
		},
		{
			name: "the day Samoa skipped, said once on the next day", zone: "Pacific/Apia", rule: "BID at 09:00, 21:00", start: "2011-12-29T00:00:00-10:00", days: 3,
			want: map[string]string{"12-31 09:00": "no doses on 30 Dec 2011: the zone skips that day"},
		},
		{
			name: "a taper step on an interval after spring forward", zone: "America/New_York", rule: "40 mg q12h x 2 days, then 20 mg daily at 02:30", start: "2025-03-08T08:00:00-05:00", days: 4,
			want: map[string]string{
				"03-09 09:00": "clocks went forward 1h since the previous dose: still 12h after it, at 09:00 on the clock",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := mustLoad(t, tt.zone)
			r := MustParse(tt.rule)
			start := mustTime(t, tt.start)
			ds := Expand(r, start, time.Time{}, start, start.AddDate(0, 0, tt.days), loc)
			if len(ds) == 0 {
				t.Fatal("no doses")
			}
			seen := 0
			for _, d := range ds {
				key := d.At.In(loc).Format("01-02 15:04")
				got := ClockNote(r, d, loc)
				if got != tt.want[key] {
					t.Errorf("dose %s: note %q, want %q", key, got, tt.want[key])
				}
				if got != "" {
					seen++
				}
			}
			if seen != len(tt.want) {
				t.Errorf("%d notes, want %d:\n%s", seen, len(tt.want), fmtDoses(ds, loc))
			}
		})
	}
}
