package schedules

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
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
		{"frequencyMax", `{"repeat":{"frequency":1,"frequencyMax":2,"period":4,"periodUnit":"h"}}`, "repeat.frequencyMax"},
		{"periodMax", `{"repeat":{"frequency":1,"period":4,"periodMax":6,"periodUnit":"h"}}`, "repeat.periodMax"},
		{"boundsRange", `{"repeat":{"boundsRange":{"low":{"value":1}},"frequency":1,"period":1,"periodUnit":"d"}}`, "repeat.boundsRange"},
		{"countMax", `{"repeat":{"count":1,"countMax":3}}`, "repeat.countMax"},
		{"offset", `{"repeat":{"when":["AC"],"offset":30}}`, "repeat.offset"},
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
