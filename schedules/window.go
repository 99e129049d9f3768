package schedules

import (
	"fmt"
	"time"
)

// WindowClass is an order's timely-administration class (ISMP, "Acute Care
// Guidelines for Timely Administration of Scheduled Medications", adopted by
// CMS in 2011 in place of a single ±30 minutes for every dose).
type WindowClass string

const (
	// ClassTimeCritical: a dose given early or late by more than 30 minutes
	// may harm (the catalogue flags such products).
	ClassTimeCritical WindowClass = "time-critical"
	// ClassFrequent: scheduled more often than daily.
	ClassFrequent WindowClass = "frequent"
	// ClassDaily: daily, weekly, monthly and other less frequent schedules.
	ClassDaily WindowClass = "daily"
	// ClassOnce: STAT, NOW, first and one-time doses, under local policy.
	ClassOnce WindowClass = "once"
	// ClassPRN: as-needed doses are not scheduled and have no window.
	ClassPRN WindowClass = "prn"
)

// Valid reports whether c is one of the classes above.
func (c WindowClass) Valid() bool {
	switch c {
	case ClassTimeCritical, ClassFrequent, ClassDaily, ClassOnce, ClassPRN:
		return true
	}
	return false
}

// Exempt reports whether doses of class c have no window (and so are never
// early, late or missed).
func (c WindowClass) Exempt() bool { return c == ClassPRN }

// WindowPolicy is a facility's window widths.
type WindowPolicy struct {
	TimeCritical time.Duration // ± around due
	Frequent     time.Duration // ± around due
	Daily        time.Duration // ± around due
	// NowDue is how long after it is due a one-time dose may still be given;
	// a STAT or NOW dose is due at the order start, so the window is
	// [start, start+NowDue].
	NowDue time.Duration
	// Once is how long before it is due a one-time dose may be given; 0, as
	// a dose due at the order start cannot be given before the order.
	Once time.Duration
}

// DefaultWindowPolicy returns the ISMP windows: time-critical ±30 min, more
// often than daily ±60 min, daily or less often ±120 min, and one-time doses
// within 60 min after they are due.
func DefaultWindowPolicy() WindowPolicy {
	return WindowPolicy{
		TimeCritical: 30 * time.Minute,
		Frequent:     60 * time.Minute,
		Daily:        120 * time.Minute,
		NowDue:       60 * time.Minute,
	}
}

// Validate rejects negative widths and windows of 12 hours or more (a window
// that wide overlaps the next BID dose and is surely a typing slip).
func (p WindowPolicy) Validate() error {
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"time-critical", p.TimeCritical}, {"frequent", p.Frequent}, {"daily", p.Daily}, {"now-due", p.NowDue}, {"once", p.Once}} {
		if f.d < 0 || f.d >= 12*time.Hour {
			return fmt.Errorf("schedules: %s window %v out of range 0-12h", f.name, f.d)
		}
	}
	return nil
}

// ISMP calls doses due more often than every 4 hours time-critical.
const timeCriticalInterval = 4 * time.Hour

// ClassFor returns the window class of an order with rule r for a product
// whose catalogue entry is (or is not) time critical. PRN-only and one-time
// rules have their own classes whatever the product; a schedule due more
// often than every 4 hours is time critical (ISMP); otherwise a time-critical
// product makes the order time critical, a schedule due more often than daily
// is frequent, and the rest is daily. A schedule with PRN alongside is
// classed by its schedule; a taper by its most frequent step.
func ClassFor(r Rule, timeCritical bool) WindowClass {
	switch r.Kind {
	case KindPRN:
		return ClassPRN
	case KindOnce:
		return ClassOnce
	}
	if timeCritical {
		return ClassTimeCritical
	}
	c := ClassDaily
	for _, s := range scheduleParts(r) {
		switch {
		case s.Kind == KindInterval && s.Interval < timeCriticalInterval:
			return ClassTimeCritical
		case s.Kind == KindInterval && s.Interval < 24*time.Hour,
			s.Kind == KindFixed && len(s.Times) > 1:
			c = ClassFrequent
		}
	}
	return c
}

func scheduleParts(r Rule) []Rule {
	if r.Kind != KindTaper {
		return []Rule{r}
	}
	out := make([]Rule, len(r.Steps))
	for i, s := range r.Steps {
		out[i] = s.Rule
	}
	return out
}

// Window returns when a dose of class c due at due may be given. Exempt and
// unknown classes have no window: both instants are zero, so check
// c.Exempt() (or c.Valid()) before comparing against them.
func (p WindowPolicy) Window(c WindowClass, due time.Time) (start, end time.Time) {
	switch c {
	case ClassTimeCritical:
		return due.Add(-p.TimeCritical), due.Add(p.TimeCritical)
	case ClassFrequent:
		return due.Add(-p.Frequent), due.Add(p.Frequent)
	case ClassDaily:
		return due.Add(-p.Daily), due.Add(p.Daily)
	case ClassOnce:
		return due.Add(-p.Once), due.Add(p.NowDue)
	}
	return time.Time{}, time.Time{}
}
