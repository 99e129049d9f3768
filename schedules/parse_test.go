package schedules

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func TestParseReadsCommonSpellings(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"daily abbreviation", "QD", "daily at 09:00"},
		{"daily word", "daily", "daily at 09:00"},
		{"once daily", "once a day", "daily at 09:00"},
		{"BID", "BID", "BID at 09:00, 21:00"},
		{"bid with dots", "b.i.d.", "BID at 09:00, 21:00"},
		{"twice daily", "twice daily", "BID at 09:00, 21:00"},
		{"2x/day", "2x/day", "BID at 09:00, 21:00"},
		{"TID", "TID", "TID at 09:00, 14:00, 21:00"},
		{"three times a day in words", "three times a day", "TID at 09:00, 14:00, 21:00"},
		{"QID upper case with dots", "Q.I.D.", "QID at 09:00, 13:00, 17:00, 21:00"},
		{"QAM", "qAM", "daily at 08:00"},
		{"every evening", "every evening", "daily at 17:00"},
		{"QHS", "QHS", "daily at 21:00"},
		{"at bedtime", "at bedtime", "daily at 21:00"},
		{"nightly", "nightly", "daily at 21:00"},
		{"QOD", "QOD", "every other day at 09:00"},
		{"every other day", "every other day", "every other day at 09:00"},
		{"q6h", "q6h", "every 6 hours"},
		{"Q 6 H spaced", "Q 6 H", "every 6 hours"},
		{"every 6 hours", "every 6 hours", "every 6 hours"},
		{"every six hours in words", "every six hours", "every 6 hours"},
		{"q30min", "q30min", "every 30 minutes"},
		{"British 4 hourly", "4-hourly", "every 4 hours"},
		{"every 3 days elapsed", "every 3 days", "every 3 days"},
		{"every 3 days at a clock time", "every 3 days at 08:00", "every 3 days at 08:00"},
		{"QnH generic", "q12h", "every 12 hours"},
		{"weekly", "weekly", "weekly at 09:00"},
		{"every 2 weeks", "every 2 weeks", "every 2 weeks at 09:00"},
		{"weekly on a named day", "weekly on Monday", "Mon at 09:00"},
		{"monthly on a day", "monthly on the 15th", "monthly on day 15 at 09:00"},
		{"monthly on the start day", "monthly", "monthly at 09:00"},
		{"explicit times", "08:00, 14:00, 20:00", "TID at 08:00, 14:00, 20:00"},
		{"military times", "0800 2000", "BID at 08:00, 20:00"},
		{"am and pm", "BID at 8am and 8 p.m.", "BID at 08:00, 20:00"},
		{"weekdays with a time", "Mon Wed Fri at 09:00", "Mon, Wed, Fri at 09:00"},
		{"weekday range", "Mon-Fri at 07:30", "Mon, Tue, Wed, Thu, Fri at 07:30"},
		{"weekdays word", "weekdays", "Mon, Tue, Wed, Thu, Fri at 09:00"},
		{"BID on named days", "BID on Tue and Thu", "Tue, Thu at 09:00, 21:00"},
		{"ONCE", "ONCE", "once"},
		{"STAT", "STAT", "STAT"},
		{"NOW is STAT", "now", "STAT"},
		{"STAT x1", "STAT x1", "STAT"},
		{"once at a time", "once at 14:00", "once at 14:00"},
		{"PRN alone", "PRN", "PRN"},
		{"as needed", "as needed", "PRN"},
		{"PRN with interval and max doses", "PRN q4h max 4/24h", "PRN every 4 hours max 4 doses/24h"},
		{"interval before PRN and max amount", "q6h PRN max 3 g/24h", "PRN every 6 hours max 3 g/24h"},
		{"PRN range takes the shorter interval", "q4-6h prn", "PRN every 4 hours"},
		{"BID PRN is two a day at most", "BID PRN", "PRN max 2 doses/24h"},
		{"PRN in words", "every 4 hours as needed, not more than 6 doses in 24 hours", "PRN every 4 hours max 6 doses/24h"},
		{"PRN alongside a schedule", "BID and PRN", "BID at 09:00, 21:00 and PRN"},
		{"PRN with limits alongside a schedule", "daily + q4h PRN max 3/day", "daily at 09:00 and PRN every 4 hours max 3 doses/24h"},
		{"duration in days", "daily for 7 days", "daily at 09:00 for 7 days"},
		{"duration in weeks", "BID x 2 weeks", "BID at 09:00, 21:00 for 14 days"},
		{"duration in hours", "q4h for 36 hours", "every 4 hours for 36 hours"},
		{"count of doses", "q6h x 5 doses", "every 6 hours x 5 doses"},
		{"taper", "40 mg daily x 3 days, then 30 mg daily x 3 days, then 20 mg daily x 3 days",
			"40 mg daily at 09:00 for 3 days, then 30 mg daily at 09:00 for 3 days, then 20 mg daily at 09:00 for 3 days"},
		{"taper with open last step", "2 tabs BID for 5 days then 1 tab daily", "2 tab BID at 09:00, 21:00 for 5 days, then 1 tab daily at 09:00"},
		{"taper by doses", "q6h x 4 doses followed by q12h", "every 6 hours x 4 doses, then every 12 hours"},
		{"before meals and at bedtime", "AC and HS", "QID at 07:30, 11:30, 16:30, 21:00"},
		{"trailing full stop", "BID.", "BID at 09:00, 21:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.in, Defaults{})
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if r.Text != tt.want || r.String() != tt.want {
				t.Errorf("Parse(%q).Text = %q, want %q", tt.in, r.Text, tt.want)
			}
		})
	}
}

func TestParseBuildsTheModel(t *testing.T) {
	tests := []struct {
		name, in string
		want     Rule
	}{
		{"fixed times are sorted", "20:00, 08:00", Rule{Kind: KindFixed, Times: []ClockTime{{8, 0}, {20, 0}}}},
		{"weekdays sorted Monday first", "Sun, Mon at 10:00", Rule{Kind: KindFixed, Times: []ClockTime{{10, 0}}, Weekdays: []time.Weekday{time.Monday, time.Sunday}}},
		{"QOD counts days", "QOD", Rule{Kind: KindFixed, Times: []ClockTime{{9, 0}}, EveryNDays: 2}},
		{"weekly is every 7 days", "weekly", Rule{Kind: KindFixed, Times: []ClockTime{{9, 0}}, EveryNDays: 7}},
		{"monthly on a day", "monthly on day 3 at 10:00", Rule{Kind: KindFixed, Times: []ClockTime{{10, 0}}, EveryNMonths: 1, DayOfMonth: 3}},
		{"interval", "q8h x 3 doses", Rule{Kind: KindInterval, Interval: 8 * time.Hour, Count: 3}},
		{"duration is calendar days", "daily for 7 days", Rule{Kind: KindFixed, Times: []ClockTime{{9, 0}}, Duration: 7 * 24 * time.Hour}},
		{"STAT", "STAT", Rule{Kind: KindOnce, Stat: true}},
		{"PRN limits", "PRN q4h max 4/24h max 4 g/24h", Rule{Kind: KindPRN, PRN: &PRN{MinInterval: 4 * time.Hour, MaxDoses: 4, MaxAmount: 4, MaxAmountUnit: "g", Per: 24 * time.Hour}}},
		{"PRN per 8 hours", "PRN max 2 doses per 8 hours", Rule{Kind: KindPRN, PRN: &PRN{MaxDoses: 2, Per: 8 * time.Hour}}},
		{"schedule with PRN", "BID and PRN", Rule{Kind: KindFixed, Times: []ClockTime{{9, 0}, {21, 0}}, PRN: &PRN{Per: 24 * time.Hour}}},
		{"taper steps", "20 mg q12h x 2 days then 10 mg daily x 3 doses", Rule{Kind: KindTaper, Steps: []Step{
			{Rule: Rule{Kind: KindInterval, Interval: 12 * time.Hour, Text: "every 12 hours"}, Days: 2, Dose: "20 mg"},
			{Rule: Rule{Kind: KindFixed, Times: []ClockTime{{9, 0}}, Text: "daily at 09:00"}, Count: 3, Dose: "10 mg"},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.in, Defaults{})
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Text = tt.want.String()
			if !reflect.DeepEqual(r, tt.want) {
				t.Errorf("Parse(%q) =\n %#v\nwant\n %#v", tt.in, r, tt.want)
			}
		})
	}
}

func TestParseTakesTheUnitsDefaultTimes(t *testing.T) {
	unit := Defaults{}.With("BID", ClockTime{8, 0}, ClockTime{20, 0}).With("DAILY", ClockTime{10, 0})
	for in, want := range map[string]string{
		"BID":                 "BID at 08:00, 20:00",
		"daily":               "daily at 10:00", // DAILY is an alias of QD
		"QOD":                 "every other day at 10:00",
		"TID":                 "TID at 09:00, 14:00, 21:00", // not set by the unit: package default
		"BID at 07:00, 19:00": "BID at 07:00, 19:00",
	} {
		r, err := Parse(in, unit)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		if r.Text != want {
			t.Errorf("Parse(%q) = %q, want %q", in, r.Text, want)
		}
	}
}

func TestParseRefusesUnitDefaultsThatContradictTheAbbreviation(t *testing.T) {
	unit := Defaults{}.With("BID", ClockTime{8, 0}, ClockTime{14, 0}, ClockTime{20, 0})
	_, err := Parse("BID", unit)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Part != "BID" || !strings.Contains(pe.Reason, "want 2") {
		t.Fatalf("Parse(BID) with three default times: err = %v, want a ParseError naming BID", err)
	}
	if err := unit.Validate(); err == nil {
		t.Error("Validate accepted BID with three times")
	}
}

func TestParseErrorNamesThePartNotUnderstood(t *testing.T) {
	tests := []struct {
		name, in, part, reason string
	}{
		{"empty", "  ", "", "empty"},
		{"unknown word", "BID foo", "foo", "not a frequency"},
		{"indication is not a frequency", "q4h PRN pain", "pain", "not a frequency"},
		{"count without unit", "BID x 5", "x 5", "doses or days"},
		{"hour without minutes or am/pm", "daily at 8", "at 8", "08:00 or 8 am"},
		{"times contradict BID", "BID at 08:00", "at 08:00", "2 doses a day"},
		{"two schedules", "daily and QHS", "QHS", "second schedule"},
		{"two frequencies", "BID TID", "TID", "second frequency"},
		{"max without period", "PRN max 4", "max 4", "per how long"},
		{"max without PRN", "q4h max 4/24h", "max 4/24h", "add PRN"},
		{"interval with clock times", "q6h at 06:00", "at 06:00", "interval counts from the order start"},
		{"range without PRN", "q4-6h", "q4-6h", "only makes sense for PRN"},
		{"naked decimal", "daily .5 mg", ".5", "leading zero"},
		{"dose outside a taper", "1 tab q6h", "1 tab", "dose belongs to the order"},
		{"taper step without length", "40 mg daily then 20 mg daily", "daily", "needs \"for N days\""},
		{"one-time taper step", "STAT then daily", "STAT", "one-time dose cannot be a taper step"},
		{"empty taper step", "daily x 2 days then", "", "empty taper step"},
		{"24:00", "daily at 24:00", "24:00", "not a time of day"},
		{"month duration", "daily for 1 month", "for 1 month", "days or weeks"},
		{"twice weekly without days", "twice weekly", "twice weekly", "name the days"},
		{"every N weeks on days", "every 2 weeks on Monday", "on Monday", "not supported"},
		{"STAT at a time", "STAT at 10:00", "at 10:00", "due at the order start"},
		{"zero interval", "q0h", "q0h", "out of range"},
		{"huge interval", "every 9999 days", "every 9999 days", "out of range"},
		{"weekday twice", "Mon, Mon", "Mon, Mon", "named twice"},
		{"day of month 32", "on day 32", "on day 32", "1 to 31"},
		{"unexpected character", "BID #2", "#", "unexpected character"},
		{"BID PRN with another maximum", "BID PRN max 3/24h", "max 3/24h", "allows 2 doses"},
		{"every what", "every banana", "every banana", "every what"},
		{"STAT with PRN", "STAT and PRN", "PRN", "order them separately"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.in, Defaults{})
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error = %v, want *ParseError", tt.in, err)
			}
			if pe.Part != tt.part || !strings.Contains(pe.Reason, tt.reason) {
				t.Errorf("Parse(%q): Part %q Reason %q; want Part %q, Reason containing %q", tt.in, pe.Part, pe.Reason, tt.part, tt.reason)
			}
			if pe.Text != tt.in || (pe.Part != "" && tt.in[pe.Pos:pe.Pos+len(pe.Part)] != pe.Part) {
				t.Errorf("Parse(%q): Pos %d does not locate Part %q", tt.in, pe.Pos, pe.Part)
			}
			if !strings.Contains(err.Error(), tt.in) {
				t.Errorf("Error() = %q does not quote the input", err)
			}
		})
	}
}

// The canonical text is all that needs storing: it parses back to the same
// rule whatever the unit's defaults are now.
func TestParseOfStringGivesTheSameRuleUnderAnyDefaults(t *testing.T) {
	other := Defaults{}.With("QD", ClockTime{6, 0}).With("BID", ClockTime{7, 0}, ClockTime{19, 0}).
		With("WEEKLY", ClockTime{11, 0}).With("MONTHLY", ClockTime{12, 0})
	for _, in := range goldenInputs(t) {
		r, err := Parse(in, Defaults{})
		if err != nil {
			continue
		}
		for _, d := range []Defaults{{}, other} {
			back, err := Parse(r.String(), d)
			if err != nil {
				t.Errorf("Parse(%q).String() = %q does not parse: %v", in, r.String(), err)
				continue
			}
			if !reflect.DeepEqual(back, r) {
				t.Errorf("round trip of %q:\n got %#v\nwant %#v", in, back, r)
			}
		}
	}
}

func TestParseClockTime(t *testing.T) {
	for in, want := range map[string]ClockTime{"08:00": {8, 0}, "8:05": {8, 5}, "23:59:00": {23, 59}} {
		if got, err := ParseClockTime(in); err != nil || got != want {
			t.Errorf("ParseClockTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "8", "24:00", "08:60", "08:00:30", "8:5", "ab:cd"} {
		if _, err := ParseClockTime(in); err == nil {
			t.Errorf("ParseClockTime(%q) succeeded", in)
		}
	}
}

func TestParseDefaults(t *testing.T) {
	d, err := ParseDefaults(map[string]string{"bid": "08:00, 20:00", "QHS": "22:00"})
	if err != nil {
		t.Fatal(err)
	}
	if ts, _ := d.Lookup("BID"); !reflect.DeepEqual(ts, []ClockTime{{8, 0}, {20, 0}}) {
		t.Errorf("BID = %v", ts)
	}
	if ts, _ := d.Lookup("HS"); !reflect.DeepEqual(ts, []ClockTime{{22, 0}}) {
		t.Errorf("HS (alias of QHS) = %v", ts)
	}
	for _, bad := range []map[string]string{{"BID": "08:00"}, {"QD": "25:00"}, {"TID": "08:00, 08:00, 12:00"}} {
		if _, err := ParseDefaults(bad); err == nil {
			t.Errorf("ParseDefaults(%v) succeeded", bad)
		}
	}
}

// The golden file holds example inputs (lines starting "> ") each followed by
// the parse result. go test -run Golden -update rewrites the results.
const goldenPath = "testdata/parse.golden"

func goldenInputs(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	var in []string
	for line := range strings.SplitSeq(string(b), "\n") {
		if s, ok := strings.CutPrefix(line, "> "); ok {
			in = append(in, s)
		}
	}
	return in
}

func TestParseGolden(t *testing.T) {
	var out strings.Builder
	out.WriteString("# Parse examples: input (> ) and result. Refresh with go test ./schedules -run Golden -update\n")
	for _, in := range goldenInputs(t) {
		fmt.Fprintf(&out, "\n> %s\n", in)
		r, err := Parse(in, Defaults{})
		if err != nil {
			var pe *ParseError
			errors.As(err, &pe)
			fmt.Fprintf(&out, "error at %d %q: %s\n", pe.Pos, pe.Part, pe.Reason)
			continue
		}
		out.WriteString(describe(r, ""))
	}
	if *update {
		if err := os.WriteFile(goldenPath, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != string(want) {
		diffPath := filepath.Join(t.TempDir(), "parse.golden")
		_ = os.WriteFile(diffPath, []byte(got), 0o644)
		t.Errorf("parse results differ from %s (new output in %s); run with -update if intended", goldenPath, diffPath)
	}
}

// describe prints a rule field by field for the golden file.
func describe(r Rule, indent string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s= %s\n", indent, r.Text)
	fmt.Fprintf(&b, "%s  kind=%s", indent, r.Kind)
	if len(r.Times) > 0 {
		fmt.Fprintf(&b, " times=%v", r.Times)
	}
	if len(r.Weekdays) > 0 {
		fmt.Fprintf(&b, " weekdays=%v", r.Weekdays)
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"everyNDays", r.EveryNDays}, {"everyNMonths", r.EveryNMonths}, {"dayOfMonth", r.DayOfMonth}, {"count", r.Count}} {
		if f.v != 0 {
			fmt.Fprintf(&b, " %s=%d", f.name, f.v)
		}
	}
	if r.Interval != 0 {
		fmt.Fprintf(&b, " interval=%v", r.Interval)
	}
	if r.Duration != 0 {
		fmt.Fprintf(&b, " duration=%v", r.Duration)
	}
	if r.Stat {
		b.WriteString(" stat")
	}
	if p := r.PRN; p != nil {
		fmt.Fprintf(&b, " prn{minInterval=%v maxDoses=%d maxAmount=%v%s per=%v}", p.MinInterval, p.MaxDoses, p.MaxAmount, p.MaxAmountUnit, p.Per)
	}
	b.WriteString("\n")
	for i, s := range r.Steps {
		fmt.Fprintf(&b, "%s  step %d: dose=%q days=%d count=%d\n", indent, i, s.Dose, s.Days, s.Count)
		b.WriteString(describe(s.Rule, indent+"    "))
	}
	return b.String()
}
