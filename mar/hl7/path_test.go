package hl7

import "testing"

func TestParsePathReadsTerserPaths(t *testing.T) {
	tests := []struct {
		in   string
		want Path
	}{
		{"PID-3", Path{Segment: "PID", Occurrence: 1, Field: 3, Repetition: 1}},
		{"PID-3[2].1", Path{Segment: "PID", Occurrence: 1, Field: 3, Repetition: 2, Component: 1}},
		{"RXR[2]-1.2", Path{Segment: "RXR", Occurrence: 2, Field: 1, Repetition: 1, Component: 2}},
		{"PID-5.1.2", Path{Segment: "PID", Occurrence: 1, Field: 5, Repetition: 1, Component: 1, Subcomponent: 2}},
		{"ZX1-10", Path{Segment: "ZX1", Occurrence: 1, Field: 10, Repetition: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePath(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("ParsePath = %+v, want %+v", got, tt.want)
			}
			if s := got.String(); s != tt.in {
				t.Errorf("String = %q, want %q", s, tt.in)
			}
		})
	}
}

func TestParsePathRejectsMalformedPaths(t *testing.T) {
	for _, in := range []string{"", "PID", "PID-", "PID-x", "PID-0", "pid-3", "PID-3[", "PID-3[0]", "PID-3[x]", "PID-3.0", "PID-3.1.2.3", "PID[0]-3", "PIDX-3", "PID-3.a"} {
		if _, err := ParsePath(in); err == nil {
			t.Errorf("ParsePath(%q) succeeded", in)
		}
	}
}
