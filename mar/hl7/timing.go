package hl7

import (
	"strconv"
	"strings"
	"time"
)

// Timing is when and how often a dose is given: one TQ1 segment, or one
// repetition of the older TQ quantity/timing field (ORC-7, RXE-1) that TQ1
// replaced in v2.5.
type Timing struct {
	Source             string    // where it was read: "TQ1", "RXE-1" or "ORC-7"
	Quantity           Quantity  // TQ1-2 / TQ.1: doses per occurrence
	Repeat             []CWE     // TQ1-3.1 / TQ.2.1 repeat pattern (table 0335): "Q6H", "BID", "QAM", "PRN", ...
	ExplicitTimes      []string  // TQ1-4 / TQ.2.2 as "HHMM" (or "HHMMSS"), e.g. 0800, 2000
	ServiceDuration    Quantity  // TQ1-6 / TQ.3 "D10": how long the order runs, e.g. 10 d
	Start              time.Time // TQ1-7 / TQ.4
	End                time.Time // TQ1-8 / TQ.5
	Priority           string    // TQ1-9.1 / TQ.6: S stat, A ASAP, R routine, P preop, T timing critical, PRN (TQ only)
	Condition          string    // TQ1-10 / TQ.7, e.g. "for pain > 4"
	TextInstruction    string    // TQ1-11 / TQ.8
	Conjunction        string    // TQ1-12 / TQ.9: S synchronous, A asynchronous, C actuation
	OccurrenceDuration Quantity  // TQ1-13 / TQ.11: how long each dose lasts
	TotalOccurrences   int       // TQ1-14 / TQ.12 (or TQ.3 "X<n>")
	// AsNeeded is true when the repeat pattern or the priority says PRN.
	AsNeeded bool
}

// readTQ1 reads one TQ1 segment.
func readTQ1(r reader, loc *time.Location) (Timing, error) {
	t := Timing{Source: "TQ1"}
	var err error
	if t.Quantity, err = r.quantity(2); err != nil {
		return t, err
	}
	for _, rep := range r.seg.Field(3) {
		if c := repeatPattern(rep); !c.IsZero() {
			t.Repeat = append(t.Repeat, c)
		} else if gts := clean(rep.Value(11)); gts != "" {
			// RPT.11 general timing specification, for patterns the
			// table cannot express.
			t.Repeat = append(t.Repeat, CWE{Text: gts})
		}
	}
	for i, rep := range r.seg.Field(4) {
		v := clean(rep.Value(1))
		if v == "" {
			continue
		}
		tm, err := parseTM(v)
		if err != nil {
			e := r.err(4, 1, CodeDataType, "invalid explicit time")
			e.Repetition, e.Err = i+1, err
			return t, e
		}
		t.ExplicitTimes = append(t.ExplicitTimes, tm)
	}
	if t.ServiceDuration, err = r.quantity(6); err != nil {
		return t, err
	}
	if t.Start, err = dtmField(r.seg, r.seq, 7, loc); err != nil {
		return t, err
	}
	if t.End, err = dtmField(r.seg, r.seq, 8, loc); err != nil {
		return t, err
	}
	t.Priority = clean(r.seg.Field(9).Value())
	t.Condition = r.str(10)
	t.TextInstruction = r.str(11)
	t.Conjunction = r.str(12)
	if t.OccurrenceDuration, err = r.quantity(13); err != nil {
		return t, err
	}
	total, err := r.num(14)
	if err != nil {
		return t, err
	}
	t.TotalOccurrences = int(total)
	t.AsNeeded = isPRN(t)
	return t, nil
}

// repeatPattern reads RPT.1, a CWE whose parts are subcomponents
// ("Q6H&every 6 hours&HL70335"). Some senders lay it out as components
// ("Q6H^every 6 hours^HL70335"), which would put the text in RPT.2 (calendar
// alignment, a short table code) and the coding system in RPT.3 (a number);
// when RPT.3 is not a number, that layout is what was meant.
func repeatPattern(rep Repetition) CWE {
	c := cweOfSub(rep.Comp(1))
	if len(rep.Comp(1)) == 1 {
		if sys := clean(rep.Value(3)); sys != "" {
			if _, err := parseNM(sys); err != nil {
				c.Text, c.System = clean(rep.Value(2)), sys
			}
		}
	}
	return c
}

// readTQ reads the repetitions of a TQ field (ORC-7, RXE-1), used before
// v2.5 and still by many pharmacy systems.
func readTQ(r reader, n int, loc *time.Location) ([]Timing, error) {
	var out []Timing
	source := r.seg.name + "-" + strconv.Itoa(n)
	for i, rep := range r.seg.Field(n) {
		if rep.Empty() {
			continue
		}
		fail := func(comp int, what string, err error) ([]Timing, error) {
			e := r.err(n, comp, CodeDataType, "%s %s", source, what)
			e.Repetition, e.Err = i+1, err
			return nil, e
		}
		t := Timing{Source: source}
		// TQ.1 quantity is a CQ, so its own parts are subcomponents.
		q := rep.Comp(1)
		if v := clean(q.Sub(1)); v != "" {
			f, err := parseNM(v)
			if err != nil {
				return fail(1, "quantity", err)
			}
			t.Quantity.Value = f
		}
		t.Quantity.Units = CWE{Code: clean(q.Sub(2))}
		// TQ.2 interval is an RI: repeat pattern & explicit time interval,
		// the times separated by commas ("Q6H&0000,0600,1200,1800").
		ri := rep.Comp(2)
		if v := clean(ri.Sub(1)); v != "" {
			t.Repeat = []CWE{{Code: v}}
		}
		for _, tm := range splitTimes(clean(ri.Sub(2))) {
			if tm = strings.TrimSpace(tm); tm == "" {
				continue
			}
			v, err := parseTM(tm)
			if err != nil {
				return fail(2, "explicit time", err)
			}
			t.ExplicitTimes = append(t.ExplicitTimes, v)
		}
		if d := clean(rep.Value(3)); d != "" {
			if err := t.setDuration(d); err != nil {
				return fail(3, "duration", err)
			}
		}
		var err error
		if v := clean(rep.Value(4)); v != "" {
			if t.Start, err = ParseDTM(v, loc); err != nil {
				return fail(4, "start date/time", err)
			}
		}
		if v := clean(rep.Value(5)); v != "" {
			if t.End, err = ParseDTM(v, loc); err != nil {
				return fail(5, "end date/time", err)
			}
		}
		t.Priority = clean(rep.Value(6))
		t.Condition = clean(rep.Value(7))
		t.TextInstruction = clean(rep.Value(8))
		t.Conjunction = clean(rep.Value(9))
		if v := clean(rep.Value(11)); v != "" {
			if err := t.setOccurrenceDuration(v); err != nil {
				return fail(11, "occurrence duration", err)
			}
		}
		if v := clean(rep.Value(12)); v != "" {
			f, err := parseNM(v)
			if err != nil {
				return fail(12, "total occurrences", err)
			}
			t.TotalOccurrences = int(f)
		}
		t.AsNeeded = isPRN(t)
		out = append(out, t)
	}
	return out, nil
}

// durationUnits maps the TQ duration prefixes to UCUM units.
var durationUnits = map[byte]string{'S': "s", 'M': "min", 'H': "h", 'D': "d", 'W': "wk", 'L': "mo"}

// setDuration reads TQ.3: S<n> seconds, M<n> minutes, H<n> hours, D<n>
// days, W<n> weeks, L<n> months, X<n> times, T<n> at the interval and amount
// stated until a total of n, or INDEF.
func (t *Timing) setDuration(d string) error {
	d = strings.ToUpper(strings.TrimSpace(d))
	if d == "INDEF" {
		return nil
	}
	if len(d) < 2 {
		return errBadDuration(d)
	}
	n, err := parseNM(d[1:])
	if err != nil {
		return errBadDuration(d)
	}
	switch d[0] {
	case 'X', 'T':
		t.TotalOccurrences = int(n)
	default:
		u, ok := durationUnits[d[0]]
		if !ok {
			return errBadDuration(d)
		}
		t.ServiceDuration = Quantity{Value: n, Units: CWE{Code: u, System: "UCUM"}}
	}
	return nil
}

// setOccurrenceDuration reads TQ.11, which uses the same letter prefixes.
func (t *Timing) setOccurrenceDuration(d string) error {
	var tmp Timing
	if err := tmp.setDuration(d); err != nil {
		return err
	}
	t.OccurrenceDuration = tmp.ServiceDuration
	return nil
}

type errBadDuration string

func (e errBadDuration) Error() string {
	return "duration " + strconv.Quote(string(e)) + " must be S, M, H, D, W, L, X or T followed by a number, or INDEF"
}

func isPRN(t Timing) bool {
	if strings.EqualFold(t.Priority, "PRN") {
		return true
	}
	for _, r := range t.Repeat {
		for _, word := range strings.Fields(strings.ToUpper(r.Code + " " + r.Text)) {
			if word == "PRN" {
				return true
			}
		}
	}
	return false
}

// splitTimes splits an RI explicit time interval. The standard separates
// times with commas; VistA joins its administration times with hyphens
// ("0900-1300-1700-2100"), which would otherwise read as a time with a UTC
// offset. A hyphenated list is taken as times when it has three or more
// four-digit parts, or two whose second cannot be a negative offset
// (offsets run from -1200).
func splitTimes(s string) []string {
	var out []string
	for _, piece := range strings.Split(s, ",") {
		parts := strings.Split(piece, "-")
		allTimes := len(parts) >= 2
		for _, p := range parts {
			if len(p) != 4 || strings.Trim(p, "0123456789") != "" {
				allTimes = false
			}
		}
		if allTimes && (len(parts) >= 3 || parts[1] > "1200") {
			out = append(out, parts...)
			continue
		}
		out = append(out, piece)
	}
	return out
}
