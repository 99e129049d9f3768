package schedules

import (
	"testing"
	"time"
)

// go test ./schedules -run '^$' -bench . -benchmem

func BenchmarkExpand(b *testing.B) {
	ny := mustLoad(b, "America/New_York")
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, ny)
	year := start.AddDate(1, 0, 0)
	cases := []struct {
		name     string
		rule     string
		from, to time.Time
	}{
		{"QID/year", "QID", start, year},
		{"BID/weekdays/year", "BID on Mon-Fri", start, year},
		{"q6h/year", "q6h", start, year},
		{"monthly/10years", "monthly on day 31", start, start.AddDate(10, 0, 0)},
		{"taper/30days", "40 mg daily x 3 days, then 30 mg BID x 6 doses, then 20 mg q8h x 5 days, then 10 mg daily", start, start.AddDate(0, 0, 30)},
		// The materialisation job: a 48-hour horizon of an order three years old.
		{"QID/48h-after-3-years", "QID", start.AddDate(3, 0, 0), start.AddDate(3, 0, 2)},
	}
	for _, c := range cases {
		r := MustParse(c.rule)
		b.Run(c.name, func(b *testing.B) {
			doses := 0
			for b.Loop() {
				doses += len(Expand(r, start, time.Time{}, c.from, c.to, ny))
			}
			b.ReportMetric(float64(doses)/b.Elapsed().Seconds(), "doses/s")
		})
	}
}

func BenchmarkParse(b *testing.B) {
	texts := []string{
		"BID", "q6h PRN max 3 g/24h", "Mon Wed Fri at 09:00", "every 8 hours for 7 days",
		"40 mg daily x 3 days, then 30 mg daily x 3 days, then 20 mg daily x 3 days",
		"BID at 09:00, 21:00 and PRN every 4 hours max 4 doses/24h",
	}
	n := 0
	for b.Loop() {
		for _, s := range texts {
			if _, err := Parse(s, Defaults{}); err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "parses/s")
}
