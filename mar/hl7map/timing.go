package hl7map

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/emar-project/emar/mar/hl7"
	"github.com/emar-project/emar/schedules"
)

var (
	everyN      = regexp.MustCompile(`^Q(\d+)([SMHDWLJ])(.*)$`)
	timesPerDay = regexp.MustCompile(`^(\d+)ID$`)
)

var weekdayNames = []string{"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// repeatText turns an HL7 table 0335 repeat pattern into the frequency
// language: Q6H and BID pass as they are; Q2D becomes "every 2 days",
// Q1J135 "Mon Wed Fri", 3ID "3 times daily". Unknown patterns pass
// through, and the frequency parser names them if it cannot read them.
func repeatText(code string) (string, error) {
	c := strings.ToUpper(strings.TrimSpace(code))
	c = strings.ReplaceAll(c, " ", "")
	switch c {
	case "", "PRN":
		return "", nil
	case "ONCE", "ONE", "1X":
		return "once", nil
	case "STAT", "NOW":
		return c, nil
	case "C":
		return "", fmt.Errorf("continuous administration (C) is an infusion, which this record does not schedule")
	case "QSHIFT":
		return "", fmt.Errorf("repeat pattern QSHIFT depends on shift times the record does not know")
	}
	if m := timesPerDay.FindStringSubmatch(c); m != nil {
		return m[1] + " times daily", nil
	}
	if m := everyN.FindStringSubmatch(c); m != nil {
		n, _ := strconv.Atoi(m[1])
		switch m[2] {
		case "S":
			return "", fmt.Errorf("repeat pattern %s is in seconds", code)
		case "M":
			return fmt.Sprintf("every %d minutes", n), nil
		case "H":
			if m[3] == "" {
				return fmt.Sprintf("every %d hours", n), nil
			}
		case "D":
			if m[3] == "" {
				return fmt.Sprintf("every %d days", n), nil
			}
		case "W":
			if m[3] == "" {
				return fmt.Sprintf("every %d weeks", n), nil
			}
		case "L":
			if m[3] == "" {
				return fmt.Sprintf("every %d months", n), nil
			}
		case "J":
			// Q<n>J<days>: on these days of the week (1 = Monday), every
			// n weeks.
			var days []string
			for _, d := range m[3] {
				if d < '1' || d > '7' {
					return "", fmt.Errorf("repeat pattern %s: day %q is not 1-7", code, d)
				}
				days = append(days, weekdayNames[d-'0'])
			}
			if len(days) == 0 {
				return "", fmt.Errorf("repeat pattern %s names no day", code)
			}
			if n != 1 {
				return "", fmt.Errorf("repeat pattern %s: weekdays every %d weeks are not supported", code, n)
			}
			return strings.Join(days, " "), nil
		}
	}
	return code, nil
}

// frequencyText writes one timing in the frequency language.
func frequencyText(t hl7.Timing) (string, error) {
	var parts []string
	for _, r := range t.Repeat {
		code := firstNonBlank(r.Code, r.Text)
		// VistA writes "Q6H PRN" or "QID&0900-1300" in one text.
		for _, w := range strings.Fields(code) {
			txt, err := repeatText(w)
			if err != nil {
				return "", err
			}
			if txt != "" {
				parts = append(parts, txt)
			}
		}
	}
	if len(parts) == 0 {
		switch strings.ToUpper(t.Priority) {
		case "S", "STAT":
			parts = append(parts, "STAT")
		case "A", "ASAP":
			parts = append(parts, "NOW")
		}
	}
	text := strings.Join(parts, " ")
	if len(t.ExplicitTimes) > 0 {
		var times []string
		for _, tm := range t.ExplicitTimes {
			if len(tm) < 4 {
				return "", fmt.Errorf("explicit time %q is not HHMM", tm)
			}
			times = append(times, tm[:2]+":"+tm[2:4])
		}
		list := strings.Join(times, ", ")
		if fixedPerDay(text) {
			text += " at " + list
		} else if text == "" || strings.HasPrefix(text, "every") && strings.HasSuffix(text, "hours") {
			// An interval with explicit times is those times every day.
			text = list
		} else {
			text += " at " + list
		}
	}
	if t.TotalOccurrences > 0 && text != "once" && text != "STAT" && text != "NOW" {
		text += fmt.Sprintf(" x %d doses", t.TotalOccurrences)
	}
	if t.AsNeeded {
		if text == "" {
			text = "PRN"
		} else {
			text += " PRN"
		}
	}
	return strings.TrimSpace(text), nil
}

func fixedPerDay(text string) bool {
	switch strings.ToUpper(text) {
	case "QD", "DAILY", "BID", "TID", "QID", "QAM", "QPM", "QHS", "HS":
		return true
	}
	return strings.HasSuffix(text, "times daily")
}

var (
	routeWords = regexp.MustCompile(`(?i)\b(po|p\.o\.|by mouth|orally|oral|sl|sublingual|pr|rectally|sc|subq|sq|im|iv|topically|give|take|tab(let)?s?|cap(sule)?s?)\b`)
	daysSuffix = regexp.MustCompile(`(?i)\b(\d+)\s*d(ays?)?\b`)
)

// frequencyFromText finds a frequency in free text such as "po bid x 5d"
// by removing route and verb words; it returns "" unless the rest parses.
func frequencyFromText(text string) string {
	text = strings.TrimSpace(routeWords.ReplaceAllString(text, " "))
	text = daysSuffix.ReplaceAllString(text, "$1 days")
	text = strings.Join(strings.Fields(text), " ")
	if text == "" {
		return ""
	}
	if _, err := schedules.Parse(text, schedules.DefaultTimes()); err != nil {
		return ""
	}
	return text
}
