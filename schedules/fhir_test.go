package schedules

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFromFHIRTimingMapsOntoTheSameRules(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"twice a day at named times", `{"repeat":{"frequency":2,"period":1,"periodUnit":"d","timeOfDay":["08:00:00","20:00:00"]}}`, "BID at 08:00, 20:00"},
		{"three times a day takes the unit's defaults", `{"repeat":{"frequency":3,"period":1,"periodUnit":"d"}}`, "TID at 09:00, 14:00, 21:00"},
		{"every 8 hours is an interval", `{"repeat":{"frequency":1,"period":8,"periodUnit":"h"}}`, "every 8 hours"},
		{"4 times per hour is every 15 minutes", `{"repeat":{"frequency":4,"period":1,"periodUnit":"h"}}`, "every 15 minutes"},
		{"half-hourly in minutes", `{"repeat":{"frequency":1,"period":30,"periodUnit":"min"}}`, "every 30 minutes"},
		{"every other day", `{"repeat":{"frequency":1,"period":2,"periodUnit":"d"}}`, "every other day at 09:00"},
		{"weekly", `{"repeat":{"frequency":1,"period":1,"periodUnit":"wk"}}`, "weekly at 09:00"},
		{"named weekdays", `{"repeat":{"frequency":3,"period":1,"periodUnit":"wk","dayOfWeek":["mon","wed","fri"],"timeOfDay":["09:00:00"]}}`, "Mon, Wed, Fri at 09:00"},
		{"weekdays without a period", `{"repeat":{"dayOfWeek":["tue"],"timeOfDay":["10:30:00"]}}`, "Tue at 10:30"},
		{"monthly", `{"repeat":{"frequency":1,"period":1,"periodUnit":"mo"}}`, "monthly at 09:00"},
		{"when: morning and bedtime", `{"repeat":{"frequency":2,"period":1,"periodUnit":"d","when":["MORN","HS"]}}`, "BID at 08:00, 21:00"},
		{"when: before breakfast", `{"repeat":{"when":["ACM"]}}`, "daily at 07:30"},
		{"count", `{"repeat":{"count":5,"frequency":1,"period":6,"periodUnit":"h"}}`, "every 6 hours x 5 doses"},
		{"bounds duration", `{"repeat":{"boundsDuration":{"value":7,"unit":"days","system":"http://unitsofmeasure.org","code":"d"},"frequency":1,"period":1,"periodUnit":"d"}}`, "daily at 09:00 for 7 days"},
		{"a single dose", `{"repeat":{"count":1}}`, "once"},
		{"GTS code only", `{"code":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation","code":"Q4H"}]}}`, "every 4 hours"},
		{"GTS bedtime", `{"code":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation","code":"BED"}]}}`, "daily at 21:00"},
		{"code text in our language", `{"code":{"text":"q6h x 4 doses"}}`, "every 6 hours x 4 doses"},
		{"our own export of STAT", `{"repeat":{"count":1},"code":{"text":"STAT"}}`, "STAT"},
		{"GTS code with bounds only", `{"code":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation","code":"BID"}]},"repeat":{"boundsPeriod":{"start":"2025-03-08T09:00:00-05:00"}}}`, "BID at 09:00, 21:00"},
		{"GTS code with a course", `{"code":{"coding":[{"code":"Q8H"}]},"repeat":{"boundsDuration":{"value":7,"unit":"d","system":"http://unitsofmeasure.org","code":"d"}}}`, "every 8 hours for 7 days"},
		{"GTS code with a count", `{"code":{"coding":[{"code":"TID"}]},"repeat":{"count":6}}`, "TID at 09:00, 14:00, 21:00 x 6 doses"},
		{"code text with a course", `{"code":{"text":"daily at 08:00"},"repeat":{"boundsDuration":{"value":3,"code":"d"}}}`, "daily at 08:00 for 3 days"},
		{"GTS code and the same structure with clock times", `{"code":{"coding":[{"code":"BID"}]},"repeat":{"frequency":2,"period":1,"periodUnit":"d","timeOfDay":["08:00:00","20:00:00"]}}`, "BID at 08:00, 20:00"},
		{"GTS code AM keeps its morning time beside a bare frequency", `{"code":{"coding":[{"code":"AM"}]},"repeat":{"frequency":1,"period":1,"periodUnit":"d"}}`, "daily at 08:00"},
		{"GTS code QD and weekdays", `{"code":{"coding":[{"code":"QD"}]},"repeat":{"frequency":1,"period":1,"periodUnit":"d","dayOfWeek":["mon","thu"]}}`, "Mon, Thu at 09:00"},
		{"a range of frequencies: the rest as needed", `{"repeat":{"frequency":3,"frequencyMax":4,"period":1,"periodUnit":"d"}}`, "TID at 09:00, 14:00, 21:00 and PRN max 1 dose/24h"},
		{"a range of periods: the longest", `{"repeat":{"frequency":1,"period":4,"periodMax":6,"periodUnit":"h"}}`, "every 6 hours"},
		{"30 minutes before meals: from the meal times", `{"repeat":{"frequency":3,"period":1,"periodUnit":"d","when":["AC"],"offset":30}}`, "TID at 07:30, 11:30, 16:30"},
		{"15 minutes after breakfast", `{"repeat":{"when":["PCM"],"offset":15}}`, "daily at 08:15"},
		{"BID before meals is breakfast and the evening meal", `{"repeat":{"frequency":2,"period":1,"periodUnit":"d","when":["AC"]}}`, "BID at 07:30, 16:30"},
		{"three times a week at the institution's days", `{"repeat":{"frequency":3,"period":1,"periodUnit":"wk"}}`, "Mon, Wed, Fri at 09:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ft FHIRTiming
			if err := json.Unmarshal([]byte(tt.json), &ft); err != nil {
				t.Fatal(err)
			}
			r, _, err := FromFHIRTiming(ft, Defaults{})
			if err != nil {
				t.Fatalf("FromFHIRTiming: %v", err)
			}
			if r.Text != tt.want {
				t.Errorf("got %q, want %q", r.Text, tt.want)
			}
			if want := MustParse(tt.want); !reflect.DeepEqual(r, want) {
				t.Errorf("rule differs from Parse(%q):\n got %#v\nwant %#v", tt.want, r, want)
			}
		})
	}
}

func TestFromFHIRTimingBounds(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	ft := FHIRTiming{Repeat: &FHIRTimingRepeat{
		BoundsPeriod: &FHIRPeriod{Start: "2025-03-08", End: "2025-03-09"},
		Frequency:    ptr(1), Period: ptr(1.0), PeriodUnit: "d",
	}}
	t.Run("dates need the unit's zone", func(t *testing.T) {
		_, _, err := FromFHIRTiming(ft, Defaults{})
		var fe *FHIRError
		if !errors.As(err, &fe) || fe.Element != "repeat.boundsPeriod.start" {
			t.Fatalf("err = %v, want a FHIRError on repeat.boundsPeriod.start", err)
		}
	})
	t.Run("a start date begins at local midnight, an end date ends at the next", func(t *testing.T) {
		_, b, err := FromFHIRTimingIn(ft, Defaults{}, ny)
		if err != nil {
			t.Fatal(err)
		}
		if b.Start.Format(time.RFC3339) != "2025-03-08T00:00:00-05:00" || b.End.In(ny).Format(time.RFC3339) != "2025-03-10T00:00:00-04:00" {
			t.Errorf("bounds = %v .. %v", b.Start, b.End.In(ny))
		}
	})
	t.Run("date-times with offsets need no zone", func(t *testing.T) {
		ft := ft
		ft.Repeat.BoundsPeriod = &FHIRPeriod{Start: "2025-03-08T09:00:00-05:00"}
		_, b, err := FromFHIRTiming(ft, Defaults{})
		if err != nil || !b.Start.Equal(mustTime(t, "2025-03-08T14:00:00Z")) || !b.End.IsZero() {
			t.Errorf("bounds = %+v, err %v", b, err)
		}
	})
	t.Run("a single event is a one-time dose at that instant", func(t *testing.T) {
		r, b, err := FromFHIRTiming(FHIRTiming{Event: []string{"2025-03-08T09:00:00Z"}}, Defaults{})
		if err != nil || r.Kind != KindOnce || !b.Start.Equal(mustTime(t, "2025-03-08T09:00:00Z")) {
			t.Errorf("got %v %+v %v", r, b, err)
		}
	})
}

func TestFromFHIRTimingNamesTheUnsupportedElement(t *testing.T) {
	tests := []struct {
		name, json, element string
	}{
		{"frequencyMax below frequency", `{"repeat":{"frequency":3,"frequencyMax":2,"period":1,"periodUnit":"d"}}`, "repeat.frequencyMax"},
		{"frequencyMax per month", `{"repeat":{"frequency":1,"frequencyMax":2,"period":1,"periodUnit":"mo"}}`, "repeat.frequencyMax"},
		{"periodMax below period", `{"repeat":{"frequency":1,"period":6,"periodMax":4,"periodUnit":"h"}}`, "repeat.periodMax"},
		{"boundsRange", `{"repeat":{"boundsRange":{"low":{"value":1}},"frequency":1,"period":1,"periodUnit":"d"}}`, "repeat.boundsRange"},
		{"countMax", `{"repeat":{"count":1,"countMax":3}}`, "repeat.countMax"},
		{"offset without an event", `{"repeat":{"timeOfDay":["08:00:00"],"offset":30}}`, "repeat.offset"},
		{"code BID and three a day", `{"code":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation","code":"BID"}]},"repeat":{"frequency":3,"period":1,"periodUnit":"d"}}`, "repeat.frequency"},
		{"code Q4H and every 6 hours", `{"code":{"coding":[{"code":"Q4H"}]},"repeat":{"frequency":1,"period":6,"periodUnit":"h"}}`, "repeat.period"},
		{"code QD and an interval", `{"code":{"coding":[{"code":"QD"}]},"repeat":{"frequency":1,"period":24,"periodUnit":"h"}}`, "repeat.period"},
		{"a bad repeat element is named even beside a code", `{"code":{"text":"x"},"repeat":{"dayOfWeek":["mon","bad"]}}`, "repeat.dayOfWeek[1]"},
		{"code text with 4 doses and count 5", `{"code":{"text":"q6h x 4 doses"},"repeat":{"count":5}}`, "repeat.count"},
		{"code STAT and a course", `{"code":{"text":"STAT"},"repeat":{"boundsDuration":{"value":2,"code":"d"}}}`, "repeat.boundsDuration"},
		{"unknown code with bounds", `{"code":{"coding":[{"code":"XYZ"}]},"repeat":{"boundsPeriod":{"start":"2025-01-01T00:00:00Z"}}}`, "code.coding[0].code"},
		{"yearly", `{"repeat":{"frequency":1,"period":1,"periodUnit":"a"}}`, "repeat.periodUnit"},
		{"unknown period unit", `{"repeat":{"frequency":1,"period":1,"periodUnit":"fortnight"}}`, "repeat.periodUnit"},
		{"when and timeOfDay", `{"repeat":{"when":["MORN"],"timeOfDay":["08:00:00"]}}`, "repeat.when"},
		{"unknown when", `{"repeat":{"when":["WAKE"]}}`, "repeat.when[0]"},
		{"bad day", `{"repeat":{"dayOfWeek":["mon","funday"],"timeOfDay":["08:00:00"]}}`, "repeat.dayOfWeek[1]"},
		{"bad time", `{"repeat":{"timeOfDay":["08:00:00","25:00:00"]}}`, "repeat.timeOfDay[1]"},
		{"frequency disagrees with timeOfDay", `{"repeat":{"frequency":3,"period":1,"periodUnit":"d","timeOfDay":["08:00:00"]}}`, "repeat.frequency"},
		{"clock times with an hourly period", `{"repeat":{"frequency":1,"period":6,"periodUnit":"h","timeOfDay":["08:00:00"]}}`, "repeat.timeOfDay"},
		{"fraction of a minute", `{"repeat":{"frequency":7,"period":1,"periodUnit":"h"}}`, "repeat.period"},
		{"six a day without times", `{"repeat":{"frequency":6,"period":1,"periodUnit":"d"}}`, "repeat.frequency"},
		{"several events", `{"event":["2025-01-01T08:00:00Z","2025-01-02T08:00:00Z"]}`, "event[1]"},
		{"empty timing", `{}`, "repeat"},
		{"unknown code", `{"code":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation","code":"XYZ"}]}}`, "code.coding[0].code"},
		{"end before start", `{"repeat":{"boundsPeriod":{"start":"2025-01-02T00:00:00Z","end":"2025-01-01T00:00:00Z"},"frequency":1,"period":1,"periodUnit":"d"}}`, "repeat.boundsPeriod.end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ft FHIRTiming
			if err := json.Unmarshal([]byte(tt.json), &ft); err != nil {
				t.Fatal(err)
			}
			_, _, err := FromFHIRTiming(ft, Defaults{})
			var fe *FHIRError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want *FHIRError", err)
			}
			if fe.Element != tt.element || !strings.Contains(err.Error(), "Timing."+tt.element+":") {
				t.Errorf("element = %q (%v), want %q", fe.Element, err, tt.element)
			}
		})
	}
}

// Exporting a rule and reading it back gives the rule, for every rule that
// Timing can hold (not STAT, a monthly day, PRN or a taper: see ToFHIRTiming).
func TestToFHIRTimingRoundTrips(t *testing.T) {
	rnd := rand.New(rand.NewPCG(*seedFlag, 0xf41))
	n := 0
	for n < *casesFlag {
		r := randRule(rnd)
		if r.Kind == KindTaper || r.DayOfMonth > 0 {
			continue
		}
		n++
		r.Text = r.String()
		b, err := json.Marshal(r.ToFHIRTiming())
		if err != nil {
			t.Fatal(err)
		}
		var ft FHIRTiming
		if err := json.Unmarshal(b, &ft); err != nil {
			t.Fatal(err)
		}
		back, _, err := FromFHIRTiming(ft, Defaults{})
		if err != nil {
			t.Fatalf("%q exported as %s: %v", r.Text, b, err)
		}
		if !reflect.DeepEqual(back, r) {
			t.Fatalf("%q exported as %s came back as %q", r.Text, b, back.Text)
		}
	}
}

func TestToFHIRTimingOfTaperStepsAndSTAT(t *testing.T) {
	stat, _ := json.Marshal(MustParse("STAT").ToFHIRTiming())
	if string(stat) != `{"repeat":{"count":1},"code":{"text":"STAT"}}` {
		t.Errorf("STAT = %s", stat)
	}
	taper := MustParse("40 mg daily x 3 days, then 20 mg BID x 4 doses")
	var got []string
	for _, s := range taper.Steps {
		b, _ := json.Marshal(s.ToFHIRTiming())
		got = append(got, string(b))
	}
	want := []string{
		`{"repeat":{"boundsDuration":{"value":3,"unit":"d","system":"http://unitsofmeasure.org","code":"d"},"frequency":1,"period":1,"periodUnit":"d","timeOfDay":["09:00:00"]},"code":{"text":"daily at 09:00"}}`,
		`{"repeat":{"count":4,"frequency":2,"period":1,"periodUnit":"d","timeOfDay":["09:00:00","21:00:00"]},"code":{"text":"BID at 09:00, 21:00"}}`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("steps =\n%s\nwant\n%s", got, want)
	}
}

func ptr[T any](v T) *T { return &v }

// The Timing examples of the FHIR specification's own data types page, and
// its table of codes with their structured equivalents, are all read and
// give the expected instants (testdata/fhir-timing-examples.json).
func TestFromFHIRTimingSpecificationExamples(t *testing.T) {
	raw, err := os.ReadFile("testdata/fhir-timing-examples.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Source   string `json:"source"`
		Zone     string `json:"zone"`
		Start    string `json:"start"`
		Examples []struct {
			Description string          `json:"description"`
			Timing      json.RawMessage `json:"timing"`
			Doses       []string        `json:"doses"`
		} `json:"examples"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(file.Source, "hl7.org/fhir/R4/datatypes.html#Timing") || len(file.Examples) < 26 {
		t.Fatalf("testdata lost its source or examples: %q, %d examples", file.Source, len(file.Examples))
	}
	loc := mustLoad(t, file.Zone)
	for _, ex := range file.Examples {
		t.Run(ex.Description, func(t *testing.T) {
			var ft FHIRTiming
			dec := json.NewDecoder(bytes.NewReader(ex.Timing))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&ft); err != nil {
				t.Fatal(err)
			}
			r, b, err := FromFHIRTimingIn(ft, Defaults{}, loc)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			start := mustTime(t, file.Start)
			if !b.Start.IsZero() {
				start = b.Start
			}
			to := start.In(loc).AddDate(0, 0, 3)
			var got []string
			for _, d := range Expand(r, start, b.End, start, to, loc) {
				got = append(got, d.At.In(loc).Format("01-02 15:04 MST"))
			}
			if !reflect.DeepEqual(got, ex.Doses) {
				t.Errorf("%q from %s\n got %q\nwant %q", r.Text, start.In(loc).Format(time.RFC3339), got, ex.Doses)
			}
		})
	}
}
