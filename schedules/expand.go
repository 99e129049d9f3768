package schedules

import "time"

// Dose is one scheduled dose.
type Dose struct {
	At   time.Time // due instant, UTC
	Step int       // index of the taper step, 0 for other rules
	Dose string    // the taper step's dose, "" for other rules
	Seq  int       // 1-based ordinal of the dose since the order start
}

// Expand returns the doses of rule r due in [from, to), in order, for an
// order that starts at start and stops at stop (exclusive; zero = open
// ended), in the unit's zone loc (nil = UTC).
//
// The result depends only on r, start, stop and loc, never on how the range
// is cut: Expand(a, b) followed by Expand(b, c) is Expand(a, c), Seq
// included, so a job may materialise a rolling horizon repeatedly. Seq is
// counted from start whatever from is, and the cost does not grow with the
// time between start and from (beyond the zone transitions in between).
//
// A PRN-only rule, an invalid rule (see Rule.Validate), a zero start or a
// zero to give no doses.
func Expand(r Rule, start, stop, from, to time.Time, loc *time.Location) []Dose {
	if loc == nil {
		loc = time.UTC
	}
	if start.IsZero() || to.IsZero() || r.validate(false) != nil {
		return nil
	}
	if r.Kind == KindPRN {
		return nil
	}
	var s series
	if r.Kind != KindTaper {
		s = newSeries(r, start, loc)
	}
	end := stop
	if r.Duration > 0 {
		if de := courseEnd(s, start, r.Duration); end.IsZero() || de.Before(end) {
			end = de
		}
	}
	lo, hi := from, to
	if lo.Before(start) {
		lo = start
	}
	if !end.IsZero() && end.Before(hi) {
		hi = end
	}
	if !lo.Before(hi) {
		return nil
	}
	if r.Kind == KindTaper {
		return expandTaper(r.Steps, start, lo, hi, loc)
	}
	seq := s.countBefore(lo)
	out := make([]Dose, 0, capacityFor(r, seq, lo, hi))
	s.each(lo, func(at time.Time) bool {
		if !at.Before(hi) || (r.Count > 0 && seq >= r.Count) {
			return false
		}
		seq++
		out = append(out, Dose{At: at.UTC(), Seq: seq})
		return true
	})
	if len(out) == 0 {
		return nil
	}
	return out
}

// capacityFor estimates how many doses of r fall in [lo, hi) after seq
// already given, to allocate the result once in the common cases.
func capacityFor(r Rule, seq int, lo, hi time.Time) int {
	span := hi.Sub(lo)
	n := 0
	switch {
	case r.Kind == KindInterval:
		n = int(span/r.Interval) + 1
	case r.Kind == KindFixed && r.EveryNMonths == 0:
		n = (int(span/(24*time.Hour)) + 2) * len(r.Times) / max(r.EveryNDays, 1)
	}
	if r.Count > 0 {
		n = min(n, r.Count-seq)
	}
	return max(min(n, 1<<14), 0)
}

// expandTaper runs the steps back to back: each starts where the previous
// ended, so two steps never overlap and never leave a gap.
//
//   - A step of N doses ends when its (N+1)-th dose would have been due, so
//     the next step takes over that slot.
//   - A step of N days on an interval rule is a step of N×24h/interval doses
//     (rounded up): "q12h x 2 days" is four doses, and the next step starts
//     exactly one interval after the fourth, whatever the clocks do.
//   - A step of N days on a clock-time rule gives the doses of N calendar
//     days (see fixedSeries.courseEnd) and ends when its next dose would
//     have been due.
func expandTaper(steps []Step, start, lo, hi time.Time, loc *time.Location) []Dose {
	var out []Dose
	stepStart, seqBefore := start, 0
	for i, st := range steps {
		if !stepStart.Before(hi) {
			break
		}
		s := newSeries(st.Rule, stepStart, loc)
		stepEnd, n := stepBounds(st, s, stepStart)
		if stepEnd.IsZero() || stepEnd.After(lo) {
			from, to := lo, hi
			if from.Before(stepStart) {
				from = stepStart
			}
			if !stepEnd.IsZero() && stepEnd.Before(to) {
				to = stepEnd
			}
			seq := seqBefore + s.countBefore(from)
			s.each(from, func(at time.Time) bool {
				if !at.Before(to) {
					return false
				}
				seq++
				out = append(out, Dose{At: at.UTC(), Step: i, Dose: st.Dose, Seq: seq})
				return true
			})
		}
		if stepEnd.IsZero() {
			break
		}
		stepStart, seqBefore = stepEnd, seqBefore+n
	}
	return out
}

// stepBounds returns when taper step st, whose doses are s from stepStart,
// ends and how many doses it gives; a zero end means it runs until the order
// stops.
func stepBounds(st Step, s series, stepStart time.Time) (time.Time, int) {
	count := st.Count
	if is, ok := s.(intervalSeries); ok {
		if st.Days > 0 {
			count = intervalDoses(time.Duration(st.Days)*24*time.Hour, is.every)
		}
		if count > 0 {
			return stepStart.Add(time.Duration(count) * is.every), count
		}
		return time.Time{}, 0
	}
	switch {
	case st.Days > 0:
		end := courseEnd(s, stepStart, time.Duration(st.Days)*24*time.Hour)
		return end, s.countBefore(end)
	case count > 0:
		var end time.Time
		k := 0
		s.each(stepStart, func(at time.Time) bool {
			k++
			if k > count {
				end = at
				return false
			}
			return true
		})
		return end, count
	}
	return time.Time{}, 0
}

// intervalDoses is the number of doses of an interval rule in a course of
// length d: d/every, rounded up ("q8h for 7 days" is 21 doses, "q16h for
// 1 day" is 2).
func intervalDoses(d, every time.Duration) int {
	return int((d + every - 1) / every)
}

// courseEnd returns the end (exclusive) of a course of length d of the doses
// s from start. For an interval rule it is elapsed time, so "q8h for 7 days"
// is exactly 21 doses across any clock change. For a clock-time rule whole
// days are calendar days (fixedSeries.courseEnd), so "daily at 09:00 for 7
// days" is seven doses; anything else is elapsed time.
func courseEnd(s series, start time.Time, d time.Duration) time.Time {
	if fs, ok := s.(*fixedSeries); ok && d%(24*time.Hour) == 0 {
		return fs.courseEnd(int(d / (24 * time.Hour)))
	}
	return start.Add(d)
}

// courseEnd returns when the first dose after a course of n calendar days
// from the series' start is due. The course holds the doses whose wall-clock
// reading comes before the start's wall-clock reading on the n-th day after
// the start date (days the zone skips are not counted, see addDays). Read on
// the wall clock, a course keeps all its doses at a clock change: one moved
// to the end of a spring-forward gap stays in the course even when the
// course's last moment is itself in the gap. If the first dose is one moved
// forward onto the start by a gap (02:30 given at 03:00 on an order that
// starts at 03:00), the course is counted from that dose's reading.
func (s *fixedSeries) courseEnd(n int) time.Time {
	ls := s.start.In(s.loc)
	startDay := localDay(s.start, s.loc)
	endDay := localDay(addDays(s.start, n, s.loc), s.loc)
	hh, mm, ss := ls.Clock()
	startWall := int64(hh*3600 + mm*60 + ss)
	if ls.Nanosecond() > 0 {
		startWall++ // doses fall on whole minutes
	}
	if s.first.day == startDay {
		startWall = min(startWall, int64(s.times[s.first.i].Minutes())*60)
	}
	endWall := int64(endDay)*secondsPerDay + startWall
	// The first slot at or after the end on the wall clock, and its instant.
	day := s.dr.next(endDay)
	i := 0
	if day == endDay {
		for i < len(s.times) && int64(day)*secondsPerDay+int64(s.times[i].Minutes())*60 < endWall {
			i++
		}
		if i == len(s.times) {
			day, i = s.dr.next(endDay+1), 0
		}
	}
	x := s.at(slot{day, i})
	// If a slot of the course was moved onto x by a spring-forward gap, the
	// dose at x belongs to the course and the next one ends it.
	inCourse := false
	if tr, ok := gapEndingAt(x, s.loc); ok {
		lo := tr.At.Unix() + int64(tr.Before)
		skipLo, skipHi := skippedDays(tr.At, tr.Before, tr.After)
		for d := floorDiv(int(lo), secondsPerDay); d <= floorDiv(int(endWall), secondsPerDay); d++ {
			if !s.dr.eligible(d) || (d >= skipLo && d <= skipHi) {
				continue
			}
			for _, c := range s.times {
				if w := int64(d)*secondsPerDay + int64(c.Minutes())*60; w >= lo && w < endWall {
					inCourse = true
				}
			}
		}
	}
	var end time.Time
	s.each(x, func(at time.Time) bool {
		if inCourse && !at.After(x) {
			return true
		}
		end = at
		return false
	})
	return end
}

// addDays returns the instant at t's wall-clock time on the n-th day after
// t's date, under the package's DST rule. Days the zone skips altogether
// (Pacific/Apia went from 29 to 31 December 2011) are not counted: a course
// of N days lasts N days that the patient lives through.
func addDays(t time.Time, n int, loc *time.Location) time.Time {
	lt := t.In(loc)
	y, m, d := lt.Date()
	first := dayNumber(y, m, d)
	target := first + n
	// Each block of skipped days before the target pushes it by the
	// block's length. Transitions come in instant order, so their wall
	// days only grow.
	for p := lt; ; {
		_, ze := p.ZoneBounds()
		if ze.IsZero() {
			break
		}
		_, before := p.Zone()
		nx := ze.In(loc)
		_, after := nx.Zone()
		if floorDiv(int(ze.Unix())+before, secondsPerDay) > target {
			break
		}
		if lo, hi := skippedDays(ze, before, after); lo <= hi && lo > first && lo <= target {
			target += hi - lo + 1
		}
		p = nx
	}
	y, m, d = civil(target)
	hh, mm, ss := lt.Clock()
	return wallInstant(y, m, d, hh, mm, ss, lt.Nanosecond(), loc)
}

// series is the dose instants of one non-taper rule from its anchor on,
// before any count, duration or stop is applied.
type series interface {
	// countBefore returns the number of doses in [anchor, t).
	countBefore(t time.Time) int
	// each calls fn with the doses at or after from (from >= anchor), in
	// increasing order, until fn returns false.
	each(from time.Time, fn func(time.Time) bool)
}

func newSeries(r Rule, start time.Time, loc *time.Location) series {
	switch r.Kind {
	case KindInterval:
		return intervalSeries{start: start, every: r.Interval}
	case KindOnce:
		return onceSeries{at: onceAt(r, start, loc)}
	default:
		return newFixedSeries(r, start, loc)
	}
}

// intervalSeries is start, start+every, start+2·every, … in elapsed time:
// a DST change does not move it.
type intervalSeries struct {
	start time.Time
	every time.Duration
}

func (s intervalSeries) countBefore(t time.Time) int {
	if !t.After(s.start) {
		return 0
	}
	return int((t.Sub(s.start) + s.every - 1) / s.every)
}

func (s intervalSeries) each(from time.Time, fn func(time.Time) bool) {
	for at := s.start.Add(time.Duration(s.countBefore(from)) * s.every); fn(at); at = at.Add(s.every) {
	}
}

// onceSeries is a single dose.
type onceSeries struct{ at time.Time }

func (s onceSeries) countBefore(t time.Time) int {
	if s.at.Before(t) {
		return 1
	}
	return 0
}

func (s onceSeries) each(from time.Time, fn func(time.Time) bool) {
	if !s.at.Before(from) {
		fn(s.at)
	}
}

// onceAt is the due instant of a one-time dose: the order start, or the first
// occurrence of its named clock time at or after the start.
func onceAt(r Rule, start time.Time, loc *time.Location) time.Time {
	if len(r.Times) == 0 {
		return start
	}
	c := r.Times[0]
	for n := localDay(start, loc); ; n++ {
		if !dayExists(n, loc) {
			continue // a day the zone skips has no 14:00
		}
		y, m, d := civil(n)
		if at := wallInstant(y, m, d, c.Hour, c.Minute, 0, 0, loc); !at.Before(start) {
			return at
		}
	}
}

// fixedSeries is a wall-clock schedule. Its doses are "slots" (a day number
// and an index into the sorted times); the map from slot to instant never
// decreases, so the doses in a range are a run of consecutive slots, and two
// slots share an instant only when both fall in the same spring-forward gap.
// Slots on a day the zone skips altogether are not doses at all. That keeps
// counting arithmetic: slots between two instants, minus the slots merged
// or dropped in each gap in between.
type fixedSeries struct {
	times []ClockTime
	dr    dayRule
	start time.Time
	loc   *time.Location
	first slot // first slot at or after start
}

type slot struct{ day, i int }

func newFixedSeries(r Rule, start time.Time, loc *time.Location) *fixedSeries {
	s := &fixedSeries{times: r.Times, dr: newDayRule(r, localDay(start, loc)), start: start, loc: loc}
	s.first, _ = s.seek(start)
	return s
}

func (s *fixedSeries) at(sl slot) time.Time {
	y, m, d := civil(sl.day)
	c := s.times[sl.i]
	return wallInstant(y, m, d, c.Hour, c.Minute, 0, 0, s.loc)
}

func (s *fixedSeries) nextSlot(sl slot) slot {
	if sl.i+1 < len(s.times) {
		return slot{sl.day, sl.i + 1}
	}
	return slot{s.dr.next(sl.day + 1), 0}
}

// seek returns the first slot at or after instant x, and its instant.
func (s *fixedSeries) seek(x time.Time) (slot, time.Time) {
	// Two days back covers any gap of up to a day (Samoa skipped 2011-12-30).
	last := len(s.times) - 1
	for day := s.dr.next(localDay(x, s.loc) - 2); ; day = s.dr.next(day + 1) {
		if s.at(slot{day, last}).Before(x) {
			continue // the whole day is before x
		}
		for i := range s.times {
			if at := s.at(slot{day, i}); !at.Before(x) {
				return slot{day, i}, at
			}
		}
	}
}

// index is the number of slots from s.first up to sl.
func (s *fixedSeries) index(sl slot) int {
	return s.dr.count(s.first.day, sl.day)*len(s.times) + sl.i - s.first.i
}

func (s *fixedSeries) countBefore(t time.Time) int {
	if !t.After(s.start) {
		return 0
	}
	sl, _ := s.seek(t)
	n := s.index(sl)
	gaps(s.loc, s.start, t, func(tr transition) {
		n -= s.lostInGap(tr)
	})
	return n
}

// lostInGap counts the slots a spring-forward transition takes away. The
// slots whose wall time the gap skips, plus one at the first wall time
// after it, are all given once, at the transition instant; the slots on a
// day the gap skips altogether are not given at all.
func (s *fixedSeries) lostInGap(tr transition) int {
	lo := tr.At.Unix() + int64(tr.Before) // wall reading where the gap begins
	hi := tr.At.Unix() + int64(tr.After)  // first wall reading after it
	skipLo, skipHi := skippedDays(tr.At, tr.Before, tr.After)
	merged, dropped := 0, 0
	for day := floorDiv(int(lo), secondsPerDay); day <= floorDiv(int(hi), secondsPerDay); day++ {
		if !s.dr.eligible(day) {
			continue
		}
		if day >= skipLo && day <= skipHi {
			dropped += len(s.times)
			continue
		}
		for _, c := range s.times {
			if w := int64(day)*secondsPerDay + int64(c.Minutes())*60; w >= lo && w <= hi {
				merged++
			}
		}
	}
	return dropped + max(merged-1, 0)
}

func (s *fixedSeries) each(from time.Time, fn func(time.Time) bool) {
	sl, at := s.seek(from)
	var prev time.Time
	existsDay, exists := sl.day-1, false
	for {
		if sl.day != existsDay {
			existsDay, exists = sl.day, dayExists(sl.day, s.loc)
		}
		// Equal instants come only from one gap; the dose is given once.
		if exists && (prev.IsZero() || at.After(prev)) {
			if !fn(at) {
				return
			}
			prev = at
		}
		sl = s.nextSlot(sl)
		at = s.at(sl)
	}
}
