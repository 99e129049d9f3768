package schedules

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestValidateRejectsMalformedRules(t *testing.T) {
	nine := []ClockTime{{9, 0}}
	tests := []struct {
		name string
		rule Rule
		want string
	}{
		{"zero rule", Rule{}, "unknown kind"},
		{"fixed without times", Rule{Kind: KindFixed}, "times of day"},
		{"unsorted times", Rule{Kind: KindFixed, Times: []ClockTime{{21, 0}, {9, 0}}}, "sorted"},
		{"time out of range", Rule{Kind: KindFixed, Times: []ClockTime{{24, 0}}}, "out of range"},
		{"weekdays Sunday first", Rule{Kind: KindFixed, Times: nine, Weekdays: []time.Weekday{time.Sunday, time.Monday}}, "Monday first"},
		{"weekdays with every N days", Rule{Kind: KindFixed, Times: nine, Weekdays: []time.Weekday{time.Monday}, EveryNDays: 2}, "weekdays cannot"},
		{"day of month without monthly", Rule{Kind: KindFixed, Times: nine, DayOfMonth: 3}, "monthly"},
		{"zero interval", Rule{Kind: KindInterval}, "interval"},
		{"interval of seconds", Rule{Kind: KindInterval, Interval: 90 * time.Second}, "whole minutes"},
		{"interval with times", Rule{Kind: KindInterval, Interval: time.Hour, Times: nine}, "no clock times"},
		{"STAT at a time", Rule{Kind: KindOnce, Stat: true, Times: nine}, "STAT"},
		{"STAT on a schedule", Rule{Kind: KindFixed, Times: nine, Stat: true}, "STAT"},
		{"PRN kind without limits", Rule{Kind: KindPRN}, "PRN limits"},
		{"PRN without a period", Rule{Kind: KindPRN, PRN: &PRN{MaxDoses: 2}}, "period"},
		{"PRN amount without unit", Rule{Kind: KindPRN, PRN: &PRN{MaxAmount: 3, Per: 24 * time.Hour}}, "unit"},
		{"PRN amount NaN", Rule{Kind: KindPRN, PRN: &PRN{MaxAmount: math.NaN(), MaxAmountUnit: "g", Per: 24 * time.Hour}}, "amount"},
		{"negative count", Rule{Kind: KindFixed, Times: nine, Count: -1}, "count"},
		{"taper without steps", Rule{Kind: KindTaper}, "steps"},
		{"taper step of unlimited length before the last", Rule{Kind: KindTaper, Steps: []Step{
			{Rule: Rule{Kind: KindFixed, Times: nine}}, {Rule: Rule{Kind: KindFixed, Times: nine}, Days: 1},
		}}, "only the last step"},
		{"taper step with days and count", Rule{Kind: KindTaper, Steps: []Step{{Rule: Rule{Kind: KindFixed, Times: nine}, Days: 1, Count: 1}}}, "not both"},
		{"taper step that is once", Rule{Kind: KindTaper, Steps: []Step{{Rule: Rule{Kind: KindOnce}}}}, "one-time"},
		{"taper step with its own count", Rule{Kind: KindTaper, Steps: []Step{{Rule: Rule{Kind: KindFixed, Times: nine, Count: 2}}}}, "step does"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rule.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.want)
			}
			if Expand(tt.rule, time.Now(), time.Time{}, time.Now(), time.Now().Add(time.Hour), nil) != nil {
				t.Error("Expand of an invalid rule gave doses")
			}
		})
	}
}

func TestAsPRNReadsScheduleAsLimits(t *testing.T) {
	tests := []struct{ in, want string }{
		{"q4h", "PRN every 4 hours"},
		{"BID", "PRN max 2 doses/24h"},
		{"QOD", "PRN max 1 dose/2d"},
		{"q6h for 5 days", "PRN every 6 hours for 5 days"},
		{"PRN", "PRN"},
	}
	for _, tt := range tests {
		got, err := MustParse(tt.in).AsPRN()
		if err != nil || got.Text != tt.want {
			t.Errorf("AsPRN(%q) = %q, %v; want %q", tt.in, got.Text, err, tt.want)
		}
		if err == nil && got.Text != MustParse(got.Text).Text {
			t.Errorf("AsPRN(%q) does not round trip", tt.in)
		}
	}
	for _, in := range []string{"STAT", "Mon at 09:00", "monthly", "daily x 3 days then BID"} {
		if _, err := MustParse(in).AsPRN(); err == nil {
			t.Errorf("AsPRN(%q) succeeded", in)
		}
	}
}

func TestPRNAbbreviationsBecomeLimits(t *testing.T) {
	tests := []struct{ in, want string }{
		{"QOD PRN", "PRN max 1 dose/2d"},
		{"weekly PRN", "PRN max 1 dose/7d"},
		{"every 2 days PRN", "PRN every 2 days"},
		{"TID PRN max 3 per day", "PRN max 3 doses/24h"},
		{"PRN max 2 per 8 hours max 1000 mg per 8 hours", "PRN max 2 doses/8h max 1000 mg/8h"},
	}
	for _, tt := range tests {
		if got := MustParse(tt.in).Text; got != tt.want {
			t.Errorf("Parse(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for in, reason := range map[string]string{
		"monthly PRN":                 "monthly PRN",
		"BID PRN max 2 per 8 hours":   "period differs",
		"PRN max 2/24h max 3/24h":     "second maximum number",
		"PRN max 2 g/24h max 3 g/24h": "second maximum amount",
		"PRN at 08:00":                "no clock times",
		"PRN on Mon":                  "no weekdays",
		"PRN on day 3":                "no day of the month",
		"PRN and PRN":                 "second PRN",
		"PRN PRN":                     "PRN said twice",
	} {
		_, err := Parse(in, Defaults{})
		if err == nil || !strings.Contains(err.Error(), reason) {
			t.Errorf("Parse(%q) = %v, want an error about %q", in, err, reason)
		}
	}
}
