package schedules

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// String returns the canonical text of r, which Parse reads back to r under
// any Defaults: clock times are always spelled out.
func (r Rule) String() string {
	var b strings.Builder
	r.write(&b)
	return b.String()
}

func (r Rule) write(b *strings.Builder) {
	switch r.Kind {
	case KindFixed:
		writeFixed(b, r)
	case KindInterval:
		b.WriteString("every ")
		b.WriteString(spanWords(r.Interval))
	case KindOnce:
		if r.Stat {
			b.WriteString("STAT")
		} else {
			b.WriteString("once")
		}
		if len(r.Times) == 1 {
			b.WriteString(" at ")
			b.WriteString(r.Times[0].String())
		}
	case KindPRN:
		writePRN(b, r.PRN)
	case KindTaper:
		for i, s := range r.Steps {
			if i > 0 {
				b.WriteString(", then ")
			}
			if s.Dose != "" {
				b.WriteString(s.Dose)
				b.WriteByte(' ')
			}
			s.Rule.write(b)
			switch {
			case s.Days > 0:
				fmt.Fprintf(b, " for %d %s", s.Days, plural(s.Days, "day", "days"))
			case s.Count > 0:
				fmt.Fprintf(b, " x %d %s", s.Count, plural(s.Count, "dose", "doses"))
			}
		}
		return
	default:
		fmt.Fprintf(b, "invalid rule (%v)", r.Kind)
		return
	}
	if r.Duration > 0 {
		b.WriteString(" for ")
		b.WriteString(spanWords(r.Duration))
	}
	if r.Count > 0 {
		fmt.Fprintf(b, " x %d %s", r.Count, plural(r.Count, "dose", "doses"))
	}
	if r.PRN != nil && r.Kind != KindPRN {
		b.WriteString(" and ")
		writePRN(b, r.PRN)
	}
}

func writeFixed(b *strings.Builder, r Rule) {
	switch {
	case r.EveryNMonths > 0:
		if r.EveryNMonths == 1 {
			b.WriteString("monthly")
		} else {
			fmt.Fprintf(b, "every %d months", r.EveryNMonths)
		}
		if r.DayOfMonth > 0 {
			fmt.Fprintf(b, " on day %d", r.DayOfMonth)
		}
	case len(r.Weekdays) > 0:
		for i, w := range r.Weekdays {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(w.String()[:3])
		}
	case r.EveryNDays == 2:
		b.WriteString("every other day")
	case r.EveryNDays == 7:
		b.WriteString("weekly")
	case r.EveryNDays > 7 && r.EveryNDays%7 == 0:
		fmt.Fprintf(b, "every %d weeks", r.EveryNDays/7)
	case r.EveryNDays > 1:
		fmt.Fprintf(b, "every %d days", r.EveryNDays)
	default:
		switch len(r.Times) {
		case 1:
			b.WriteString("daily")
		case 2:
			b.WriteString("BID")
		case 3:
			b.WriteString("TID")
		case 4:
			b.WriteString("QID")
		default:
			fmt.Fprintf(b, "%d times daily", len(r.Times))
		}
	}
	b.WriteString(" at ")
	for i, t := range r.Times {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(t.String())
	}
}

func writePRN(b *strings.Builder, p *PRN) {
	b.WriteString("PRN")
	if p == nil {
		return
	}
	if p.MinInterval > 0 {
		b.WriteString(" every ")
		b.WriteString(spanWords(p.MinInterval))
	}
	if p.MaxDoses > 0 {
		fmt.Fprintf(b, " max %d %s/%s", p.MaxDoses, plural(p.MaxDoses, "dose", "doses"), spanShort(p.Per))
	}
	if p.MaxAmount > 0 {
		fmt.Fprintf(b, " max %s %s/%s", strconv.FormatFloat(p.MaxAmount, 'f', -1, 64), p.MaxAmountUnit, spanShort(p.Per))
	}
}

// spanWords writes a duration the way the grammar reads it: "6 hours",
// "3 days", "90 minutes".
func spanWords(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		n := int(d / (24 * time.Hour))
		return strconv.Itoa(n) + " " + plural(n, "day", "days")
	case d%time.Hour == 0:
		n := int(d / time.Hour)
		return strconv.Itoa(n) + " " + plural(n, "hour", "hours")
	default:
		n := int(d / time.Minute)
		return strconv.Itoa(n) + " " + plural(n, "minute", "minutes")
	}
}

// spanShort writes the period of a PRN maximum: "24h", "7d", "90min".
func spanShort(d time.Duration) string {
	switch {
	case d == 24*time.Hour:
		return "24h"
	case d%(24*time.Hour) == 0:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	default:
		return strconv.Itoa(int(d/time.Minute)) + "min"
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
