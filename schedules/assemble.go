package schedules

// Assembly turns the phrases of a text into a Rule, refusing combinations
// that contradict each other rather than choosing one reading.

import "time"

// single builds a non-taper rule: a schedule, a PRN, or a schedule with PRN.
func (p *parser) single(cls []*clause) Rule {
	var sched, prn *clause
	for _, c := range cls {
		switch {
		case c.prn && prn != nil:
			p.fail(c.prnAt, "a second PRN part")
		case c.prn:
			prn = c
		case sched != nil:
			p.fail(c.span, "a second schedule; write all the times in one (e.g. daily at 08:00, 21:00)")
		default:
			sched = c
		}
	}
	var dur, cnt *clause
	for _, c := range cls {
		if c.dose != "" {
			p.fail(c.doseAt, "the dose belongs to the order; only taper steps (\"40 mg daily for 3 days, then 20 mg daily\") carry their own dose")
		}
		if c.dur != 0 {
			if dur != nil {
				p.fail(c.durAt, "a second duration")
			}
			dur = c
		}
		if c.count != 0 {
			if cnt != nil {
				p.fail(c.countAt, "a second number of doses")
			}
			cnt = c
		}
	}
	var r Rule
	if sched != nil {
		if len(sched.limits) > 0 {
			p.fail(sched.limits[0].at, "a maximum applies to PRN doses; add PRN")
		}
		r = p.schedule(sched)
	}
	if prn != nil {
		if r.Kind == KindOnce {
			p.fail(prn.prnAt, "a one-time dose cannot have as-needed doses alongside; order them separately")
		}
		lim := p.prnLimits(prn)
		if sched == nil {
			r = Rule{Kind: KindPRN}
		}
		r.PRN = lim
	}
	if dur != nil {
		if r.Kind == KindOnce {
			p.fail(dur.durAt, "a one-time dose has no duration")
		}
		r.Duration = dur.dur
	}
	if cnt != nil {
		switch {
		case r.Kind == KindOnce && cnt.count == 1:
			// "STAT x1" says nothing new.
		case r.Kind == KindOnce:
			p.fail(cnt.countAt, "a one-time dose is one dose")
		default:
			r.Count = cnt.count
		}
	}
	return r
}

// step builds one taper step from a segment.
func (p *parser) step(s span, last bool) Step {
	cls := p.clauses(s)
	if len(cls) > 1 {
		p.fail(cls[1].span, "a taper step has one schedule")
	}
	c := cls[0]
	if c.prn {
		p.fail(c.prnAt, "a taper step cannot be PRN")
	}
	if len(c.limits) > 0 {
		p.fail(c.limits[0].at, "a maximum applies to PRN doses")
	}
	st := Step{Dose: c.dose, Count: c.count, Rule: p.schedule(c)}
	if st.Rule.Kind == KindOnce {
		p.fail(c.freq.at, "a one-time dose cannot be a taper step; order it separately")
	}
	st.Rule.Text = st.Rule.String()
	if c.dur != 0 {
		if !c.durDays {
			p.fail(c.durAt, "a taper step lasts whole days or a number of doses")
		}
		if c.count != 0 {
			p.fail(c.countAt, "a taper step lasts days or doses, not both")
		}
		st.Days = int(c.dur / (24 * time.Hour))
	}
	if st.Days == 0 && st.Count == 0 && !last {
		p.fail(span{s.to - 1, s.to}, "each taper step but the last needs \"for N days\" or \"x N doses\"")
	}
	return st
}

// defaults looks up a unit's default times for an abbreviation and checks
// that they agree with what the abbreviation promises.
func (p *parser) defaults(at span, key string, perDay int) []ClockTime {
	ts, ok := p.d.Lookup(key)
	if !ok {
		p.fail(at, "the unit has no default times for %s; name the times (at 08:00, 20:00)", key)
	}
	if want, ok := perDayOf[key]; ok && perDay == 0 {
		perDay = want
	}
	if perDay > 0 && len(ts) != perDay {
		p.fail(at, "the unit's default times for %s are %d, want %d", key, len(ts), perDay)
	}
	for _, t := range ts {
		if !t.Valid() {
			p.fail(at, "the unit's default time %v for %s is not a time of day", t, key)
		}
	}
	return ts
}

// schedule builds the scheduled part of a clause.
func (p *parser) schedule(c *clause) Rule {
	f := c.freq
	times := normTimes(c.times)
	if len(times) == 0 {
		times = nil
	}
	noDays := func(why string) {
		if c.weekdays != nil {
			p.fail(c.daysAt, "%s cannot fall on named weekdays", why)
		}
		if c.dom != 0 {
			p.fail(c.domAt, "%s cannot fall on a day of the month", why)
		}
	}
	fixed := Rule{Kind: KindFixed, Times: times, Weekdays: c.weekdays}
	orDefault := func(key string) {
		if fixed.Times == nil {
			fixed.Times = p.defaults(f.at, key, 0)
		}
	}
	switch {
	case f == nil:
		switch {
		case c.dom != 0:
			if c.weekdays != nil {
				p.fail(c.daysAt, "a monthly day cannot also fall on named weekdays")
			}
			fixed.EveryNMonths, fixed.DayOfMonth = 1, c.dom
			if fixed.Times == nil {
				fixed.Times = p.defaults(c.domAt, "MONTHLY", 0)
			}
		case c.weekdays != nil:
			if fixed.Times == nil {
				fixed.Times = p.defaults(c.daysAt, "WEEKLY", 0)
			}
		case times == nil:
			p.fail(c.span, "no frequency: say how often (daily, BID, q6h, at 08:00)")
		}
		return fixed
	case f.once:
		noDays("a one-time dose")
		if len(times) > 1 {
			p.fail(c.timesAt, "a one-time dose has one time")
		}
		if f.stat && times != nil {
			p.fail(c.timesAt, "a STAT or NOW dose is due at the order start, not at a clock time")
		}
		return Rule{Kind: KindOnce, Stat: f.stat, Times: times}
	case f.intervalMax > 0:
		p.fail(f.at, "a range of intervals only makes sense for PRN; give one interval or add PRN")
	case f.interval > 0 && f.inDays && times != nil:
		noDays("every N days")
		if n := int(f.interval / (24 * time.Hour)); n > 1 {
			fixed.EveryNDays = n
		}
		return fixed
	case f.interval > 0:
		if times != nil {
			p.fail(c.timesAt, "an interval counts from the order start; for clock times write them alone (08:00, 14:00, 20:00)")
		}
		noDays("an interval")
		return Rule{Kind: KindInterval, Interval: f.interval}
	case f.months > 0:
		if c.weekdays != nil {
			p.fail(c.daysAt, "a monthly dose cannot also fall on named weekdays")
		}
		fixed.EveryNMonths, fixed.DayOfMonth = f.months, c.dom
		orDefault("MONTHLY")
		return fixed
	case f.weeks > 0:
		if c.dom != 0 {
			p.fail(c.domAt, "a weekly dose cannot fall on a day of the month")
		}
		if c.weekdays != nil && f.weeks > 1 {
			p.fail(c.daysAt, "every %d weeks on named days is not supported", f.weeks)
		}
		if c.weekdays == nil {
			fixed.EveryNDays = 7 * f.weeks
		}
		orDefault("WEEKLY")
		return fixed
	case f.everyN > 1:
		noDays("every other day")
		fixed.EveryNDays = f.everyN
		orDefault(f.key)
		return fixed
	}
	// A doses-per-day abbreviation: BID, TID, QHS, 5 times daily …
	if c.dom != 0 {
		p.fail(c.domAt, "%s cannot fall on a day of the month; say monthly", p.partText(f.at))
	}
	if times != nil {
		if f.perDay > 0 && len(times) != f.perDay {
			p.fail(c.timesAt, "%s is %d %s a day, but %d %s named", p.partText(f.at), f.perDay, plural(f.perDay, "dose", "doses"), len(times), plural(len(times), "time is", "times are"))
		}
		return fixed
	}
	if f.key == "" {
		p.fail(f.at, "no default times for %s; name the times (at 06:00, 10:00, …)", p.partText(f.at))
	}
	fixed.Times = p.defaults(f.at, f.key, f.perDay)
	return fixed
}

// prnLimits builds the PRN part of a clause: "q4h PRN" sets the minimum
// interval, "BID PRN" allows 2 doses per 24 h, "max …" sets the maxima.
func (p *parser) prnLimits(c *clause) *PRN {
	if c.times != nil {
		p.fail(c.timesAt, "PRN doses have no clock times")
	}
	if c.weekdays != nil {
		p.fail(c.daysAt, "PRN doses have no weekdays")
	}
	if c.dom != 0 {
		p.fail(c.domAt, "PRN doses have no day of the month")
	}
	out := &PRN{Per: 24 * time.Hour}
	perSet := false
	if f := c.freq; f != nil {
		switch {
		case f.once:
			p.fail(f.at, "a one-time dose cannot be PRN")
		case f.months > 0:
			p.fail(f.at, "monthly PRN is not supported; give a maximum (max 1/30d)")
		case f.interval > 0 && !f.inDays:
			// "q4-6h PRN": no sooner than the shorter interval.
			out.MinInterval = f.interval
		case f.interval > 0:
			out.MinInterval = f.interval
		case f.weeks > 0:
			out.MaxDoses, out.Per, perSet = 1, time.Duration(f.weeks)*7*24*time.Hour, true
		case f.everyN > 1:
			out.MaxDoses, out.Per, perSet = 1, time.Duration(f.everyN)*24*time.Hour, true
		default:
			n := f.perDay
			if n == 0 {
				n = len(p.defaults(f.at, f.key, 0))
			}
			out.MaxDoses, perSet = n, true
		}
	}
	doses, amount := false, false
	for _, l := range c.limits {
		if perSet && l.per != out.Per {
			p.fail(l.at, "the maximum's period differs from the frequency's (%s)", spanShort(out.Per))
		}
		out.Per, perSet = l.per, true
		switch {
		case l.doses > 0 && doses:
			p.fail(l.at, "a second maximum number of doses")
		case l.doses > 0 && out.MaxDoses > 0 && out.MaxDoses != l.doses:
			p.fail(l.at, "%s allows %d doses, but the maximum says %d", p.partText(c.freq.at), out.MaxDoses, l.doses)
		case l.doses > 0:
			out.MaxDoses, doses = l.doses, true
		case amount:
			p.fail(l.at, "a second maximum amount")
		default:
			out.MaxAmount, out.MaxAmountUnit, amount = l.amount, l.unit, true
		}
	}
	return out
}
