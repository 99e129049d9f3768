package hl7

import (
	"testing"
	"time"
)

func TestParseDTMReadsEveryPrecision(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	tests := []struct {
		in   string
		loc  *time.Location
		want time.Time
	}{
		{"2026", time.UTC, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"202603", time.UTC, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"20260314", time.UTC, time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)},
		{"2026031408", time.UTC, time.Date(2026, 3, 14, 8, 0, 0, 0, time.UTC)},
		{"202603140830", time.UTC, time.Date(2026, 3, 14, 8, 30, 0, 0, time.UTC)},
		{"20260314083012", time.UTC, time.Date(2026, 3, 14, 8, 30, 12, 0, time.UTC)},
		{"20260314083012.5", time.UTC, time.Date(2026, 3, 14, 8, 30, 12, 500e6, time.UTC)},
		{"20260314083012.1234", time.UTC, time.Date(2026, 3, 14, 8, 30, 12, 123400000, time.UTC)},
		{"20260314083012-0500", time.UTC, time.Date(2026, 3, 14, 13, 30, 12, 0, time.UTC)},
		{"20260314083012.25+0530", time.UTC, time.Date(2026, 3, 14, 3, 0, 12, 250e6, time.UTC)},
		{"202603140830+0000", ny, time.Date(2026, 3, 14, 8, 30, 0, 0, time.UTC)},
		{"20260314083000", ny, time.Date(2026, 3, 14, 12, 30, 0, 0, time.UTC)}, // EDT, after the March 8 change
		{"20260301083000", ny, time.Date(2026, 3, 1, 13, 30, 0, 0, time.UTC)},  // EST
		{"20240229", time.UTC, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"20260314", nil, time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDTM(tt.in, tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParseDTM(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseDTMRejectsMalformedValues(t *testing.T) {
	for _, in := range []string{"", "26", "20261", "2026-03-14", "20261314", "20260230", "20250229", "20260314250000",
		"20260314086000", "20260314083060", "20260314083012.", "2026031408.5", "20260314083012.1234567890",
		"20260314083012+05", "20260314083012+2500", "20260314083012Z", "x2026", "2026031408301２"} {
		if got, err := ParseDTM(in, time.UTC); err == nil {
			t.Errorf("ParseDTM(%q) = %v, want an error", in, got)
		}
	}
}

func TestFormatDTMWritesOffset(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 3, 14, 8, 30, 0, 0, est), "20260314083000-0500"},
		{time.Date(2026, 3, 14, 8, 30, 0, 0, time.UTC), "20260314083000+0000"},
		{time.Date(2026, 3, 14, 8, 30, 0, 250e6, time.UTC), "20260314083000.2500+0000"},
		{time.Date(2026, 3, 14, 8, 30, 0, 99, time.UTC), "20260314083000+0000"},
	}
	for _, tt := range tests {
		if got := FormatDTM(tt.in); got != tt.want {
			t.Errorf("FormatDTM(%v) = %q, want %q", tt.in, got, tt.want)
		}
		back, err := ParseDTM(FormatDTM(tt.in), nil)
		if err != nil || !back.Equal(tt.in.Truncate(100*time.Microsecond)) {
			t.Errorf("ParseDTM(FormatDTM(%v)) = %v, %v", tt.in, back, err)
		}
	}
}

func TestDatesAndTimesOfDay(t *testing.T) {
	for in, want := range map[string]string{"19410702": "1941-07-02", "194107": "1941-07", "1941": "1941", "194107020000": "1941-07-02", "19410702-0500": "1941-07-02"} {
		if got, err := parseDate(in); err != nil || got != want {
			t.Errorf("parseDate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"19411302", "19410231", "41", "1941070"} {
		if _, err := parseDate(in); err == nil {
			t.Errorf("parseDate(%q) succeeded", in)
		}
	}
	for in, want := range map[string]string{"2026-12-31": "20261231", "2026-12": "202612", "2026": "2026", "": ""} {
		if got, err := formatDate(in); err != nil || got != want {
			t.Errorf("formatDate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"20261231", "2026-13-01", "2026-02-30", "12/31/2026"} {
		if _, err := formatDate(in); err == nil {
			t.Errorf("formatDate(%q) succeeded", in)
		}
	}
	for in, want := range map[string]string{"08": "0800", "0800": "0800", "083015": "083015", "0800-0500": "0800", "0800.5": "0800"} {
		if got, err := parseTM(in); err != nil || got != want {
			t.Errorf("parseTM(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"2400", "0860", "8", "08:00", ""} {
		if _, err := parseTM(in); err == nil {
			t.Errorf("parseTM(%q) succeeded", in)
		}
	}
}
