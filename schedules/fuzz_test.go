package schedules

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

// Seed corpora live in testdata/fuzz/FuzzParse and
// testdata/fuzz/FuzzFromFHIRTiming; run with
//
//	go test ./schedules -run '^$' -fuzz FuzzParse -fuzztime 20s

func FuzzParse(f *testing.F) {
	for _, s := range []string{"BID", "q4-6h PRN max 4/24h", "40 mg daily x 3 days, then 20 mg daily", "Mon-Fri at 8am", "monthly on the 31st"} {
		f.Add(s)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		f.Fatal(err)
	}
	start := time.Date(2025, 3, 7, 15, 0, 0, 0, ny)
	f.Fuzz(func(t *testing.T, text string) {
		r, err := Parse(text, Defaults{})
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T is not *ParseError", text, err)
			}
			if pe.Pos < 0 || pe.Pos+len(pe.Part) > len(text) || text[pe.Pos:pe.Pos+len(pe.Part)] != pe.Part {
				t.Fatalf("Parse(%q): Pos %d Part %q do not locate the part", text, pe.Pos, pe.Part)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("Parse(%q) gave an invalid rule: %v", text, err)
		}
		back, err := Parse(r.Text, Defaults{})
		if err != nil || !reflect.DeepEqual(back, r) {
			t.Fatalf("Parse(%q).Text = %q reparses to %q, %v", text, r.Text, back.Text, err)
		}
		ds := Expand(r, start, time.Time{}, start, start.Add(72*time.Hour), ny)
		for i := 1; i < len(ds); i++ {
			if !ds[i].At.After(ds[i-1].At) || ds[i].Seq != ds[i-1].Seq+1 {
				t.Fatalf("Parse(%q): doses out of order: %+v then %+v", text, ds[i-1], ds[i])
			}
		}
		_ = ClassFor(r, false)
		_ = r.ToFHIRTiming()
	})
}

func FuzzFromFHIRTiming(f *testing.F) {
	for _, s := range []string{
		`{"repeat":{"frequency":2,"period":1,"periodUnit":"d","timeOfDay":["08:00:00","20:00:00"]}}`,
		`{"repeat":{"boundsPeriod":{"start":"2025-03-08","end":"2025-03-20"},"frequency":1,"period":6,"periodUnit":"h","count":4}}`,
		`{"repeat":{"dayOfWeek":["mon","fri"],"when":["MORN"]}}`,
		`{"code":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation","code":"BID"}]}}`,
		`{"event":["2025-01-01T08:00:00Z"]}`,
	} {
		f.Add([]byte(s))
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		f.Fatal(err)
	}
	start := time.Date(2025, 11, 1, 15, 0, 0, 0, ny)
	f.Fuzz(func(t *testing.T, data []byte) {
		var ft FHIRTiming
		if json.Unmarshal(data, &ft) != nil {
			return
		}
		r, b, err := FromFHIRTimingIn(ft, Defaults{}, ny)
		if err != nil {
			var fe *FHIRError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not *FHIRError: %v", err, err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("invalid rule from %s: %v", data, err)
		}
		if !b.Start.IsZero() && !b.End.IsZero() && !b.End.After(b.Start) {
			t.Fatalf("bounds out of order from %s", data)
		}
		ds := Expand(r, start, time.Time{}, start, start.Add(72*time.Hour), ny)
		for i := 1; i < len(ds); i++ {
			if !ds[i].At.After(ds[i-1].At) {
				t.Fatalf("doses out of order from %s", data)
			}
		}
		// What Timing can hold survives export and import.
		if r.Kind == KindTaper || r.Kind == KindPRN || r.PRN != nil || r.DayOfMonth > 0 {
			return
		}
		back, _, err := FromFHIRTiming(r.ToFHIRTiming(), Defaults{})
		if err != nil || !reflect.DeepEqual(back, r) {
			t.Fatalf("%q from %s: export and import gave %q, %v", r.Text, data, back.Text, err)
		}
	})
}
