// Package schedules is the frequency language of medication orders, the
// expansion of an order's rule into dose instants, and administration
// windows. It is pure time arithmetic on the standard library: no database,
// no clock (callers pass instants), no I/O.
//
// # The frequency language
//
// Parse reads the frequency of an order, case-insensitively; dots inside
// abbreviations are ignored ("b.i.d." is "BID") and number words are
// understood ("every six hours"). A text is made of phrases in any order:
//
//	daily, QD, OD, once daily, every day        one dose a day
//	BID, twice daily, 2x/day                    two a day (likewise TID, QID, "5 times daily")
//	QAM, every morning   QPM, every evening     QHS, HS, at bedtime, nightly
//	AC (before meals), PC (after meals), with meals, ACHS (before meals and at bedtime),
//	before breakfast, after lunch, with dinner …
//	QOD, every other day, alternate days        every second calendar day from the start date
//	weekly, every 2 weeks                       every 7 (14) calendar days from the start date
//	monthly, every 3 months, on day 15, on the 1st
//	Q6H, q 6 h, q30min, every 8 hours, every 90 minutes, 4 hourly, every 3 days
//	08:00, 14:00 and 20:00 · 0800 2000 · 8 am · noon · midnight
//	Mon Wed Fri · on Monday and Thursday · every Tuesday · Mon-Fri · weekdays · MWF
//	ONCE · STAT · NOW                           one dose; STAT and NOW are urgent
//	for 7 days · x 3 days · for 2 weeks · for 12 hours · x 5 doses
//	PRN, as needed · max 4/24h · max 3 g per day · not more than 6 doses in 24 hours
//
// Clock times with an abbreviation must agree with it ("BID at 08:00, 20:00";
// "BID at 08:00" is an error). Without clock times, abbreviations take the
// unit's default times (Defaults). An interval in days ("every 3 days") is
// elapsed time unless clock times are named ("every 3 days at 09:00" is a
// calendar-day schedule).
//
// PRN. An interval or abbreviation next to PRN limits the as-needed doses:
// "q4h PRN" (or "PRN q4h") means no sooner than 4 h after the last dose;
// "BID PRN" means at most 2 doses per 24 h; "q4-6h PRN" means no sooner than
// 4 h. A schedule joined to PRN by "and", "+" or "plus" is scheduled doses
// with as-needed doses besides: "BID and PRN q4h max 6/24h". A maximum needs
// its period ("max 4" alone is an error: per what?).
//
// Tapers are steps joined by "then" (or ", then", "followed by"); each step
// may start with its own dose and must say how long it lasts, in days or
// doses, except the last, which may run until the order stops:
//
//	40 mg daily x 3 days, then 30 mg daily x 3 days, then 20 mg daily x 3 days
//	2 tabs BID for 5 days, then 1 tab BID for 5 days, then 1 tab daily
//
// Every step ends when its next dose would have been due, and the following
// step takes over from that instant, so two steps never overlap and never
// leave a gap: a step of N doses after its N-th dose; a step of N days on an
// interval rule is N×24h/interval doses (rounded up), so it hands over
// exactly one interval after its last dose; a step of N days on a clock-time
// rule after the doses of N calendar days (see Expansion). A one-time dose
// cannot be a step (order a loading dose separately).
//
// Parse never guesses: a word it does not know, a count without a unit
// ("x 5": doses or days?), an hour without am/pm or minutes ("at 8"), or a
// contradiction ("BID at 08:00", "daily and QHS") is a *ParseError that
// names the part it could not understand and why.
//
// String gives the canonical text, with every clock time spelled out, e.g.
// "BID at 09:00, 21:00 and PRN every 4 hours max 4 doses/24h". Parse reads
// it back to the same Rule under any Defaults, so Rule.Text is all that needs
// storing: changing a unit's default times later does not move the doses of
// orders already written.
//
// # Expansion
//
// Expand returns the doses due in a range, as UTC instants, for an order
// with a start, an optional stop, and the unit's IANA zone.
//
//   - Fixed-clock rules (BID at 09:00/21:00, explicit times, weekdays,
//     every N days, monthly) are wall-clock times in the unit's zone. Day
//     parities (QOD, every N weeks or months) count from the start date in
//     that zone. A monthly day the month lacks (the 31st in April) falls on
//     the month's last day, so no month is skipped.
//   - Interval rules (Q6H, every 90 minutes, every 3 days) are elapsed
//     time: the first dose is at the order start and each next one exactly
//     one interval later, whatever the clocks do.
//   - ONCE, STAT and NOW are one dose at the order start ("once at 14:00":
//     the first 14:00 at or after the start).
//   - PRN-only rules have no scheduled doses.
//   - The start is inclusive; the stop, "for N days" and "x N doses" end the
//     rule, whichever comes first.
//   - "for N days" on an interval rule is a number of doses: N×24h/interval,
//     rounded up, at exact elapsed spacing ("q8h for 7 days" is 21 doses,
//     "q12h for 1 day" is 2, across any clock change).
//   - "for N days" on a clock-time rule is N calendar days, read on the wall
//     clock: each time of day once on each day, from the start's time of day
//     to the same time of day N days later ("daily at 09:00 for 7 days" is 7
//     doses). A day the zone skips is not counted.
//
// Dose.Seq numbers doses from the start, so it does not depend on the range
// asked for: expanding [a, b) and then [b, c) gives exactly the doses of
// [a, c). The cost of an expansion does not grow with the age of the order,
// beyond a few steps per DST transition since its start.
//
// # Daylight saving time
//
// Wall-clock doses follow one explicit rule:
//
//   - Spring forward: a dose at a wall time that does not exist that day is
//     given once, at the first instant after the gap. In New York on
//     2025-03-09 clocks jump from 02:00 to 03:00, so a 02:30 dose is due at
//     03:00 EDT; on Lord Howe Island (a 30-minute shift, 02:00 to 02:30) a
//     02:15 dose is due at 02:30. If several doses of one day fall in the
//     same gap, or in the gap and at its first instant, they become one dose.
//   - Fall back: a wall time that occurs twice is given once, at its first
//     occurrence: 01:30 in New York on 2025-11-02 is 01:30 EDT (05:30 UTC),
//     not 01:30 EST.
//   - A skipped day: a zone that jumps across the date line skips a whole
//     calendar day (Pacific/Apia went from 2011-12-29 to 2011-12-31). A
//     clock-time dose on a day that does not exist is not given; the "end
//     of the gap" rule is for gaps inside a day. Day parities (QOD, every N
//     days) still count calendar dates.
//
// ClockNote words how a clock change touched a dose, for order previews.
// docs/schedules.md explains these rules for pharmacists and nurses.
//
// time.Date alone does not follow this rule: for a time in a gap it adds the
// size of the gap (02:30 becomes 03:30) and for a repeated time it does not
// promise which occurrence it returns, so the package resolves wall times
// itself. Interval doses are elapsed time and do not move: q6h from 20:00 EST
// the evening before spring forward is due at 03:00 EDT (six hours later),
// then 09:00 EDT.
//
// # Windows
//
// Following the ISMP guidelines for timely administration of scheduled
// medications (CMS, 2011), each order has a WindowClass: time-critical
// (±30 min by default; the catalogue's time-critical flag, and any schedule
// due more often than every 4 hours), frequent (more often than daily, ±60
// min), daily (daily, weekly, monthly, ±120 min), once (STAT, NOW, first and
// one-time doses: within 60 min after they are due) and prn (no window).
// WindowPolicy holds a facility's minutes.
//
// # FHIR
//
// FromFHIRTiming maps a FHIR R4 Timing (repeat.frequency, frequencyMax,
// period, periodMax, periodUnit, dayOfWeek, timeOfDay, when, offset, count,
// boundsDuration, boundsPeriod; a GTS code such as BID or Q4H; or both)
// onto the same Rule, so an EHR's orders expand like typed ones. Periods in
// s, min or h are intervals; in d, wk or mo they are wall-clock schedules.
// Bounds apply over a code; a code and a structured schedule combine when
// they agree, and a contradiction is a *FHIRError naming both elements. A
// range of frequencies is the lower one scheduled and the rest as needed; a
// range of periods is scheduled at the longest. What Timing can say that the
// model cannot (boundsRange, countMax, yearly periods, several events) is a
// *FHIRError naming the element. Rule.ToFHIRTiming exports a rule.
package schedules
