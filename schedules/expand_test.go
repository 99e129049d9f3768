package schedules

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestExpandGivesDueInstants(t *testing.T) {
	tests := []struct {
		name, zone, rule string
		start, stop      string // RFC 3339; stop "" = open
		from, to         string // "" = start / start + 10 days
		want             []string
	}{
		{
			name: "BID across New York spring forward stays at 09:00 and 21:00 local",
			zone: "America/New_York", rule: "BID", start: "2025-03-08T00:00:00-05:00", to: "2025-03-11T00:00:00-04:00",
			want: []string{"2025-03-08T14:00:00Z", "2025-03-09T02:00:00Z", "2025-03-09T13:00:00Z", "2025-03-10T01:00:00Z", "2025-03-10T13:00:00Z", "2025-03-11T01:00:00Z"},
		},
		{
			name: "02:30 daily in New York: the skipped day's dose is at 03:00 EDT, once",
			zone: "America/New_York", rule: "daily at 02:30", start: "2025-03-08T00:00:00-05:00", to: "2025-03-11T00:00:00-04:00",
			want: []string{"2025-03-08T07:30:00Z", "2025-03-09T07:00:00Z", "2025-03-10T06:30:00Z"},
		},
		{
			name: "01:30 daily in New York: the repeated hour gives one dose, the first",
			zone: "America/New_York", rule: "daily at 01:30", start: "2025-11-01T00:00:00-04:00", to: "2025-11-04T00:00:00-05:00",
			want: []string{"2025-11-01T05:30:00Z", "2025-11-02T05:30:00Z", "2025-11-03T06:30:00Z"},
		},
		{
			name: "doses that share the gap become one",
			zone: "America/New_York", rule: "02:00, 02:30, 03:00, 03:30", start: "2025-03-09T00:00:00-05:00", to: "2025-03-10T00:00:00-04:00",
			want: []string{"2025-03-09T07:00:00Z", "2025-03-09T07:30:00Z"},
		},
		{
			name: "Berlin spring forward",
			zone: "Europe/Berlin", rule: "daily at 02:30", start: "2025-03-29T00:00:00+01:00", to: "2025-04-01T00:00:00+02:00",
			want: []string{"2025-03-29T01:30:00Z", "2025-03-30T01:00:00Z", "2025-03-31T00:30:00Z"},
		},
		{
			name: "Berlin fall back",
			zone: "Europe/Berlin", rule: "daily at 02:30", start: "2025-10-25T00:00:00+02:00", to: "2025-10-28T00:00:00+01:00",
			want: []string{"2025-10-25T00:30:00Z", "2025-10-26T00:30:00Z", "2025-10-27T01:30:00Z"},
		},
		{
			name: "Lord Howe's 30-minute spring forward",
			zone: "Australia/Lord_Howe", rule: "daily at 02:15", start: "2025-10-04T00:00:00+10:30", to: "2025-10-07T00:00:00+11:00",
			want: []string{"2025-10-03T15:45:00Z", "2025-10-04T15:30:00Z", "2025-10-05T15:15:00Z"},
		},
		{
			name: "Lord Howe's 30-minute fall back",
			zone: "Australia/Lord_Howe", rule: "daily at 01:45", start: "2025-04-05T00:00:00+11:00", to: "2025-04-08T00:00:00+10:30",
			want: []string{"2025-04-04T14:45:00Z", "2025-04-05T14:45:00Z", "2025-04-06T15:15:00Z"},
		},
		{
			name: "Kolkata keeps one offset all year",
			zone: "Asia/Kolkata", rule: "daily at 02:30", start: "2025-03-08T00:00:00+05:30", to: "2025-03-11T00:00:00+05:30",
			want: []string{"2025-03-07T21:00:00Z", "2025-03-08T21:00:00Z", "2025-03-09T21:00:00Z"},
		},
		{
			name: "UTC",
			zone: "UTC", rule: "BID at 06:00, 18:00", start: "2025-03-09T00:00:00Z", to: "2025-03-10T00:00:00Z",
			want: []string{"2025-03-09T06:00:00Z", "2025-03-09T18:00:00Z"},
		},
		{
			name: "q6h is elapsed time across spring forward",
			zone: "America/New_York", rule: "q6h", start: "2025-03-08T20:00:00-05:00", to: "2025-03-09T20:00:00-04:00",
			want: []string{"2025-03-09T01:00:00Z", "2025-03-09T07:00:00Z", "2025-03-09T13:00:00Z", "2025-03-09T19:00:00Z"},
		},
		{
			name: "q6h is elapsed time across fall back",
			zone: "America/New_York", rule: "q6h", start: "2025-11-01T20:00:00-04:00", to: "2025-11-02T20:00:00-05:00",
			want: []string{"2025-11-02T00:00:00Z", "2025-11-02T06:00:00Z", "2025-11-02T12:00:00Z", "2025-11-02T18:00:00Z", "2025-11-03T00:00:00Z"},
		},
		{
			name: "a dose exactly at the start is due; the stop is exclusive",
			zone: "UTC", rule: "BID at 09:00, 21:00", start: "2025-01-01T09:00:00Z", stop: "2025-01-02T09:00:00Z",
			want: []string{"2025-01-01T09:00:00Z", "2025-01-01T21:00:00Z"},
		},
		{
			name: "x 3 doses stops after three",
			zone: "UTC", rule: "q8h x 3 doses", start: "2025-01-01T10:00:00Z",
			want: []string{"2025-01-01T10:00:00Z", "2025-01-01T18:00:00Z", "2025-01-02T02:00:00Z"},
		},
		{
			name: "for 7 days across spring forward gives seven daily doses",
			zone: "America/New_York", rule: "daily at 10:00 for 7 days", start: "2025-03-06T10:00:00-05:00", to: "2025-03-20T00:00:00Z",
			want: []string{"2025-03-06T15:00:00Z", "2025-03-07T15:00:00Z", "2025-03-08T15:00:00Z", "2025-03-09T14:00:00Z", "2025-03-10T14:00:00Z", "2025-03-11T14:00:00Z", "2025-03-12T14:00:00Z"},
		},
		{
			name: "QOD counts from the start date in the unit's zone",
			zone: "America/New_York", rule: "QOD", start: "2025-01-01T23:00:00-05:00", to: "2025-01-08T00:00:00-05:00",
			want: []string{"2025-01-03T14:00:00Z", "2025-01-05T14:00:00Z", "2025-01-07T14:00:00Z"},
		},
		{
			name: "weekly falls on the start's weekday",
			zone: "UTC", rule: "weekly", start: "2025-01-01T08:00:00Z", to: "2025-01-20T00:00:00Z", // a Wednesday
			want: []string{"2025-01-01T09:00:00Z", "2025-01-08T09:00:00Z", "2025-01-15T09:00:00Z"},
		},
		{
			name: "named weekdays",
			zone: "UTC", rule: "Mon Wed Fri at 08:00", start: "2025-01-01T00:00:00Z", to: "2025-01-08T00:00:00Z",
			want: []string{"2025-01-01T08:00:00Z", "2025-01-03T08:00:00Z", "2025-01-06T08:00:00Z"},
		},
		{
			name: "monthly on the 31st falls on the last day of shorter months",
			zone: "UTC", rule: "monthly on day 31 at 08:00", start: "2025-01-01T00:00:00Z", to: "2025-05-01T00:00:00Z",
			want: []string{"2025-01-31T08:00:00Z", "2025-02-28T08:00:00Z", "2025-03-31T08:00:00Z", "2025-04-30T08:00:00Z"},
		},
		{
			name: "monthly without a day keeps the start's day",
			zone: "UTC", rule: "monthly", start: "2025-01-15T00:00:00Z", to: "2025-03-20T00:00:00Z",
			want: []string{"2025-01-15T09:00:00Z", "2025-02-15T09:00:00Z", "2025-03-15T09:00:00Z"},
		},
		{
			name: "STAT is due at the order start",
			zone: "UTC", rule: "STAT", start: "2025-01-01T10:17:00Z",
			want: []string{"2025-01-01T10:17:00Z"},
		},
		{
			name: "once at a time is the next such time",
			zone: "UTC", rule: "once at 08:00", start: "2025-01-01T10:17:00Z",
			want: []string{"2025-01-02T08:00:00Z"},
		},
		{
			name: "PRN alone has no scheduled doses",
			zone: "UTC", rule: "PRN q4h max 4/24h", start: "2025-01-01T00:00:00Z",
		},
		{
			name: "a schedule with PRN expands its schedule",
			zone: "UTC", rule: "BID and PRN q4h", start: "2025-01-01T00:00:00Z", to: "2025-01-02T00:00:00Z",
			want: []string{"2025-01-01T09:00:00Z", "2025-01-01T21:00:00Z"},
		},
		{
			name: "a range entirely before the start is empty",
			zone: "UTC", rule: "daily", start: "2025-01-10T00:00:00Z", from: "2025-01-01T00:00:00Z", to: "2025-01-05T00:00:00Z",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := mustLoad(t, tt.zone)
			r, err := Parse(tt.rule, Defaults{})
			if err != nil {
				t.Fatal(err)
			}
			start := mustTime(t, tt.start)
			var stop time.Time
			if tt.stop != "" {
				stop = mustTime(t, tt.stop)
			}
			from, to := start, start.Add(10*24*time.Hour)
			if tt.from != "" {
				from = mustTime(t, tt.from)
			}
			if tt.to != "" {
				to = mustTime(t, tt.to)
			}
			var got []string
			for i, d := range Expand(r, start, stop, from, to, loc) {
				got = append(got, d.At.Format(time.RFC3339))
				if d.Seq != i+1 && tt.from == "" {
					t.Errorf("dose %d has Seq %d", i, d.Seq)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Expand(%q) in %s\n got %v\nwant %v", tt.rule, tt.zone, got, tt.want)
			}
		})
	}
}

func TestExpandTaperRunsStepsBackToBack(t *testing.T) {
	r := MustParse("40 mg daily at 09:00 x 3 days, then 30 mg daily at 09:00 x 2 doses, then 20 mg q12h")
	start := mustTime(t, "2025-03-07T15:00:00-05:00")
	ny := mustLoad(t, "America/New_York")
	got := Expand(r, start, time.Time{}, start, start.Add(7*24*time.Hour), ny)
	var lines []string
	for _, d := range got {
		lines = append(lines, d.At.In(ny).Format("01-02 15:04")+" "+d.Dose+" step "+strconv.Itoa(d.Step)+" #"+strconv.Itoa(d.Seq))
	}
	want := []string{
		// Three days from Fri 15:00 to Mon 15:00: Sat, Sun (after spring forward), Mon at 09:00.
		"03-08 09:00 40 mg step 0 #1",
		"03-09 09:00 40 mg step 0 #2",
		"03-10 09:00 40 mg step 0 #3",
		// From Mon 15:00: two doses at 09:00.
		"03-11 09:00 30 mg step 1 #4",
		"03-12 09:00 30 mg step 1 #5",
		// The third would have been Thu 09:00: q12h starts there (the range
		// ends Fri 16:00, a week of elapsed time after the start).
		"03-13 09:00 20 mg step 2 #6",
		"03-13 21:00 20 mg step 2 #7",
		"03-14 09:00 20 mg step 2 #8",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("taper doses\n got %s\nwant %s", strings.Join(lines, "\n     "), strings.Join(want, "\n     "))
	}
}

func TestExpandNumbersDosesFromTheStartWhateverTheRange(t *testing.T) {
	r := MustParse("BID")
	start := mustTime(t, "2020-01-01T00:00:00Z")
	ny := mustLoad(t, "America/New_York")
	from := mustTime(t, "2025-06-01T00:00:00Z")
	got := Expand(r, start, time.Time{}, from, from.Add(24*time.Hour), ny)
	// The order starts on 31 Dec 2019 at 19:00 in New York: its first dose
	// is 21:00 that day. Then two doses a day from 1 Jan 2020 to 30 May
	// 2025, and 09:00 on 31 May. 2025-06-01 00:00 UTC is still 31 May in New
	// York, so the range begins with the 21:00 dose of 31 May.
	days := int(time.Date(2025, 5, 31, 0, 0, 0, 0, time.UTC).Sub(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)).Hours() / 24)
	want := 1 + 2*days + 1 + 1
	if len(got) != 2 || got[0].Seq != want || got[0].At.In(ny).Format("01-02 15:04") != "05-31 21:00" {
		t.Fatalf("got %+v, want two doses from 05-31 21:00 local, Seq %d", got, want)
	}
}

func TestExpandEdgeCases(t *testing.T) {
	start := mustTime(t, "2025-01-01T00:00:00Z")
	end := start.Add(48 * time.Hour)
	daily := MustParse("daily")
	t.Run("nil zone means UTC", func(t *testing.T) {
		if got := Expand(daily, start, time.Time{}, start, end, nil); len(got) != 2 || got[0].At.Hour() != 9 {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("invalid rule gives nothing", func(t *testing.T) {
		if got := Expand(Rule{Kind: KindInterval}, start, time.Time{}, start, end, time.UTC); got != nil {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("zero start or zero end gives nothing", func(t *testing.T) {
		if Expand(daily, time.Time{}, time.Time{}, start, end, nil) != nil || Expand(daily, start, time.Time{}, start, time.Time{}, nil) != nil {
			t.Error("expected no doses")
		}
	})
	t.Run("stop before start gives nothing", func(t *testing.T) {
		if got := Expand(daily, start, start.Add(-time.Hour), start, end, nil); got != nil {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("count reached before the range gives nothing", func(t *testing.T) {
		r := MustParse("daily x 2 doses")
		if got := Expand(r, start, time.Time{}, start.Add(72*time.Hour), start.Add(96*time.Hour), nil); got != nil {
			t.Errorf("got %+v", got)
		}
	})
}

// The clinical length of a course, across clock changes and skipped days
// (issue 16): an interval rule for N days is N×24h/interval doses at exact
// elapsed spacing; a clock-time rule for N days is N calendar days.
func TestExpandCoursesKeepTheirLength(t *testing.T) {
	tests := []struct {
		name, zone, rule, start string
		want                    []string // local "01-02 15:04 MST"
	}{
		{
			name: "q12h for 1 day across fall back is two doses, 12 h apart",
			zone: "America/New_York", rule: "q12h for 1 day", start: "2025-11-01T20:00:00-04:00",
			want: []string{"11-01 20:00 EDT", "11-02 07:00 EST"},
		},
		{
			name: "q12h for 1 day across spring forward is two doses, 12 h apart",
			zone: "America/New_York", rule: "q12h for 1 day", start: "2025-03-08T20:00:00-05:00",
			want: []string{"03-08 20:00 EST", "03-09 09:00 EDT"},
		},
		{
			name: "daily at 09:00 for 3 days across spring forward is three doses at 09:00",
			zone: "America/New_York", rule: "daily at 09:00 for 3 days", start: "2025-03-08T08:00:00-05:00",
			want: []string{"03-08 09:00 EST", "03-09 09:00 EDT", "03-10 09:00 EDT"},
		},
		{
			name: "daily at 09:00 across Samoa's skipped 30 December: no dose that day, none at midnight",
			zone: "Pacific/Apia", rule: "daily at 09:00", start: "2011-12-28T08:00:00-10:00",
			want: []string{"12-28 09:00 -10", "12-29 09:00 -10", "12-31 09:00 +14", "01-01 09:00 +14", "01-02 09:00 +14", "01-03 09:00 +14"},
		},
		{
			name: "daily at 09:00 for 3 days across Samoa's skipped day is still three doses",
			zone: "Pacific/Apia", rule: "daily at 09:00 for 3 days", start: "2011-12-29T08:00:00-10:00",
			want: []string{"12-29 09:00 -10", "12-31 09:00 +14", "01-01 09:00 +14"},
		},
		{
			name: "every other day across Samoa's skipped day gives no two doses hours apart",
			zone: "Pacific/Apia", rule: "every other day at 09:00", start: "2011-12-28T08:00:00-10:00",
			want: []string{"12-28 09:00 -10", "01-01 09:00 +14", "01-03 09:00 +14"},
		},
		{
			name: "q8h is elapsed time across Samoa's skipped day",
			zone: "Pacific/Apia", rule: "q8h x 4 doses", start: "2011-12-29T16:00:00-10:00",
			want: []string{"12-29 16:00 -10", "12-31 00:00 +14", "12-31 08:00 +14", "12-31 16:00 +14"},
		},
		{
			name: "once at 09:00 on Samoa's skipped day is the next day's 09:00",
			zone: "Pacific/Apia", rule: "once at 09:00", start: "2011-12-29T10:00:00-10:00",
			want: []string{"12-31 09:00 +14"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := mustLoad(t, tt.zone)
			r := MustParse(tt.rule)
			start := mustTime(t, tt.start)
			var got []string
			for _, d := range Expand(r, start, time.Time{}, start, start.Add(6*24*time.Hour), loc) {
				got = append(got, d.At.In(loc).Format("01-02 15:04 MST"))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Expand(%q) from %s in %s\n got %v\nwant %v", tt.rule, tt.start, tt.zone, got, tt.want)
			}
		})
	}
}

func TestExpandCourseOfAnIntervalRuleIsADoseCount(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	for _, tt := range []struct {
		rule  string
		start string
		want  int
	}{
		{"q8h for 7 days", "2025-10-30T08:00:00-04:00", 21}, // across fall back
		{"q8h for 7 days", "2025-03-05T08:00:00-05:00", 21}, // across spring forward
		{"q12h for 1 day", "2025-11-01T20:00:00-04:00", 2},  // the 3 doses
		{"q16h for 1 day", "2025-11-01T20:00:00-04:00", 2},  // 24/16 rounded up
		{"every 90 minutes for 1 day", "2025-11-01T20:00:00-04:00", 16},
	} {
		t.Run(tt.rule+" from "+tt.start, func(t *testing.T) {
			start := mustTime(t, tt.start)
			ds := Expand(MustParse(tt.rule), start, time.Time{}, start, start.Add(30*24*time.Hour), ny)
			if len(ds) != tt.want {
				t.Fatalf("%d doses, want %d: %s", len(ds), tt.want, fmtDoses(ds, ny))
			}
		})
	}
}

func TestExpandTaperStepsHandOverAtTheElapsedInstant(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	r := MustParse("40 mg q12h x 2 days, then 20 mg q12h x 2 days")
	for _, start := range []string{"2025-11-01T08:00:00-04:00", "2025-03-08T08:00:00-05:00"} {
		t.Run("from "+start, func(t *testing.T) {
			st := mustTime(t, start)
			ds := Expand(r, st, time.Time{}, st, st.Add(10*24*time.Hour), ny)
			var doses []string
			for i, d := range ds {
				doses = append(doses, d.Dose)
				if want := st.Add(time.Duration(i) * 12 * time.Hour); !d.At.Equal(want) {
					t.Errorf("dose %d at %v, want %v (12 h of elapsed time after the last)", i+1, d.At.In(ny), want.In(ny))
				}
			}
			want := []string{"40 mg", "40 mg", "40 mg", "40 mg", "20 mg", "20 mg", "20 mg", "20 mg"}
			if !reflect.DeepEqual(doses, want) {
				t.Errorf("doses %v, want %v", doses, want)
			}
		})
	}
}
