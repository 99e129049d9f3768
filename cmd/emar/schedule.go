package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/web"
)

// cmdSchedule prints how frequency text expands, so a pharmacist can check
// an order before entering it.
func cmdSchedule(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("schedule", getenv, stderr)
	asJSON := f.Bool("json", false, "print JSON")
	tz := f.String("tz", "UTC", "the unit's IANA time zone")
	fromText := f.String("from", "", "start instant, RFC 3339 (default now)")
	days := f.Int("days", 2, "days to expand")
	critical := f.Bool("time-critical", false, "the product is time-critical (±30 min window)")
	if err := f.Parse(args); err != nil {
		return &exitError{code: 2}
	}
	if f.NArg() != 1 {
		return usageError(`usage: emar schedule [--json] --tz ZONE --from RFC3339 --days N "FREQUENCY"`)
	}
	freq := f.Arg(0)
	from := time.Now().UTC()
	if *fromText != "" {
		t, err := time.Parse(time.RFC3339, *fromText)
		if err != nil {
			return usageError("--from must be RFC 3339 with an offset, e.g. 2026-03-08T00:00:00-05:00")
		}
		from = t.UTC()
	}
	svc := mar.NewService(nil, nil)
	rule, class, doses, err := svc.PreviewSchedule(freq, *tz, from, *days, *critical)
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	p := web.NewSchedulePreview(freq, *tz, rule.String(), rule.Kind.String(), string(class), doses)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	fmt.Fprintf(stdout, "%s → %s (%s, window class %s, zone %s)\n", freq, p.Canonical, p.Kind, p.WindowClass, *tz)
	if len(p.Doses) == 0 {
		fmt.Fprintln(stdout, "no scheduled doses (as needed, or nothing in range)")
	}
	for _, d := range p.Doses {
		extra := ""
		if d.Dose != "" {
			extra = "  step " + fmt.Sprint(d.Step+1) + ": " + d.Dose
		}
		fmt.Fprintf(stdout, "  %s  %s  window %s–%s%s\n", d.At.Format(time.RFC3339), d.Local,
			d.WindowStart.In(mustLoc(*tz)).Format("15:04"), d.WindowEnd.In(mustLoc(*tz)).Format("15:04"), extra)
		if d.ClockChange != "" {
			fmt.Fprintf(stdout, "      ! clock change: %s\n", d.ClockChange)
		}
	}
	return nil
}

func mustLoc(tz string) *time.Location {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.UTC
	}
	return loc
}
