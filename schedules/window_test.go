package schedules

import (
	"testing"
	"time"
)

func TestClassForFollowsISMP(t *testing.T) {
	tests := []struct {
		name, rule   string
		timeCritical bool
		want         WindowClass
	}{
		{"a time-critical product is time critical", "BID", true, ClassTimeCritical},
		{"more often than daily is frequent", "TID", false, ClassFrequent},
		{"q6h is frequent", "q6h", false, ClassFrequent},
		{"more often than every 4 hours is time critical", "q2h", false, ClassTimeCritical},
		{"q4h is still frequent", "q4h", false, ClassFrequent},
		{"daily is daily", "daily", false, ClassDaily},
		{"q24h is daily", "q24h", false, ClassDaily},
		{"weekly is daily", "weekly", false, ClassDaily},
		{"monthly is daily", "monthly", false, ClassDaily},
		{"every other day is daily", "QOD", false, ClassDaily},
		{"STAT is once even for a time-critical product", "STAT", true, ClassOnce},
		{"a one-time dose is once", "once", false, ClassOnce},
		{"PRN is exempt even for a time-critical product", "PRN q4h", true, ClassPRN},
		{"a schedule with PRN is classed by its schedule", "daily and PRN q4h", false, ClassDaily},
		{"a taper is classed by its most frequent step", "BID x 3 days then daily", false, ClassFrequent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClassFor(MustParse(tt.rule), tt.timeCritical); got != tt.want {
				t.Errorf("ClassFor(%q, %v) = %q, want %q", tt.rule, tt.timeCritical, got, tt.want)
			}
		})
	}
}

func TestWindowWidthsPerClass(t *testing.T) {
	due := mustTime(t, "2025-03-09T13:00:00Z")
	p := DefaultWindowPolicy()
	tests := []struct {
		class         WindowClass
		before, after time.Duration
	}{
		{ClassTimeCritical, 30 * time.Minute, 30 * time.Minute},
		{ClassFrequent, time.Hour, time.Hour},
		{ClassDaily, 2 * time.Hour, 2 * time.Hour},
		{ClassOnce, 0, time.Hour}, // NOW: due within 60 minutes of the order
	}
	for _, tt := range tests {
		t.Run(string(tt.class), func(t *testing.T) {
			start, end := p.Window(tt.class, due)
			if due.Sub(start) != tt.before || end.Sub(due) != tt.after {
				t.Errorf("Window(%s) = [due-%v, due+%v], want [due-%v, due+%v]", tt.class, due.Sub(start), end.Sub(due), tt.before, tt.after)
			}
		})
	}
	t.Run("prn has no window", func(t *testing.T) {
		start, end := p.Window(ClassPRN, due)
		if !start.IsZero() || !end.IsZero() || !ClassPRN.Exempt() {
			t.Errorf("Window(prn) = %v, %v", start, end)
		}
	})
	t.Run("unknown class has no window", func(t *testing.T) {
		if start, end := p.Window("hourly", due); !start.IsZero() || !end.IsZero() || WindowClass("hourly").Valid() {
			t.Error("unknown class got a window")
		}
	})
}

func TestWindowPolicyIsConfigurable(t *testing.T) {
	p := WindowPolicy{TimeCritical: 15 * time.Minute, Frequent: 45 * time.Minute, Daily: 90 * time.Minute, NowDue: 2 * time.Hour, Once: 10 * time.Minute}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	due := mustTime(t, "2025-01-01T09:00:00Z")
	if s, e := p.Window(ClassOnce, due); due.Sub(s) != 10*time.Minute || e.Sub(due) != 2*time.Hour {
		t.Errorf("once window = [%v, %v]", s, e)
	}
	if err := (WindowPolicy{Daily: -time.Minute}).Validate(); err == nil {
		t.Error("negative window accepted")
	}
	if err := (WindowPolicy{Daily: 12 * time.Hour}).Validate(); err == nil {
		t.Error("12-hour window accepted")
	}
	if err := DefaultWindowPolicy().Validate(); err != nil {
		t.Error(err)
	}
}
