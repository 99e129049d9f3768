package mar

import (
	"context"
	"fmt"
	"time"

	"github.com/emar-project/emar/schedules"
)

// ScheduleSettings are a facility's schedule rules.
type ScheduleSettings struct {
	Times     schedules.Defaults            // default administration times
	UnitTimes map[string]schedules.Defaults // overrides by unit code
	Windows   schedules.WindowPolicy
	// Lookback bounds how far into the past a new or changed order's doses
	// are materialised, so a back-dated order does not flood the board.
	Lookback time.Duration
}

// DefaultScheduleSettings follows the ISMP windows and common default times.
func DefaultScheduleSettings() ScheduleSettings {
	return ScheduleSettings{Times: schedules.DefaultTimes(), Windows: schedules.DefaultWindowPolicy(), Lookback: 12 * time.Hour}
}

func (s *Service) timesFor(u Unit) schedules.Defaults {
	d := s.Schedule.Times
	if ud, ok := s.Schedule.UnitTimes[u.Code]; ok {
		d = ud
	}
	// The unit's own times, set on the administration page, come first.
	for k, ts := range u.PassTimes.Times {
		d = d.With(k, ts...)
	}
	return d
}

// ParseFrequency reads an order's frequency text with the unit's default
// times; errors name the part that could not be understood.
func (s *Service) ParseFrequency(text string, u Unit) (schedules.Rule, error) {
	return parseFrequency(text, s.timesFor(u))
}

func parseFrequency(text string, d schedules.Defaults) (schedules.Rule, error) {
	r, err := schedules.Parse(text, d)
	if err != nil {
		return schedules.Rule{}, &Error{Code: EInvalid, Field: "frequency", Reason: "frequency_unparseable", Message: err.Error(), Err: err}
	}
	return r, nil
}

// WindowClassFor is the order's window class: as ordered, or derived from
// the rule and the product's time-critical flag.
func WindowClassFor(o Order, r schedules.Rule, p Product) schedules.WindowClass {
	// An exempt class has no window, so a scheduled dose under it could
	// never be missed: only valid, non-exempt overrides are honoured.
	if c := schedules.WindowClass(o.WindowClass); c.Valid() && !c.Exempt() {
		return c
	}
	return schedules.ClassFor(r, p.TimeCritical)
}

// MaterializeResult counts one run of the job.
type MaterializeResult struct {
	Orders int
	Doses  int
}

// materializeBatch bounds one transaction of the job.
const materializeBatch = 1000

// Materialize keeps scheduled doses in the database for every active
// order up to now + the horizon. It is idempotent (doses are unique per
// order and due instant) and cheap to repeat: each order remembers how far
// it was expanded, so a run only adds the slice of time that has come into
// the horizon since the last one.
//
// One transaction handles a batch of orders, paged by id: residents,
// units and products are read once per batch, the batch's doses go in
// with one InsertDoses call (one statement on PostgreSQL) and its horizon
// with one MarkMaterialized, so the cost per order is the expansion, not
// a dozen round trips.
func (s *Service) Materialize(ctx context.Context) (MaterializeResult, error) {
	var total MaterializeResult
	now := s.now()
	until := now.Add(s.Config.ScheduleHorizon)
	after := ""
	for {
		var n MaterializeResult
		var last string
		err := s.Store.InTx(ctx, func(tx Tx) error {
			n = MaterializeResult{}
			orders, err := tx.OrdersToMaterialize(until, after, materializeBatch)
			if err != nil {
				return err
			}
			if len(orders) > 0 {
				last = orders[len(orders)-1].ID
			}
			lk := newLookups(tx)
			if err := lk.prefetchResidents(orders); err != nil {
				return err
			}
			var doses []ScheduledDose
			ids := make([]string, 0, len(orders))
			for _, o := range orders {
				ds, err := s.expandOrder(lk, o, now, until)
				if err != nil {
					return fmt.Errorf("order %s: %w", o.ID, err)
				}
				doses = append(doses, ds...)
				ids = append(ids, o.ID)
				n.Orders++
			}
			if n.Doses, err = tx.InsertDoses(doses); err != nil {
				return err
			}
			return tx.MarkMaterialized(ids, until)
		})
		if err != nil {
			return total, err
		}
		total.Orders += n.Orders
		total.Doses += n.Doses
		after = last
		if n.Orders < materializeBatch {
			return total, nil
		}
	}
}

// lookups reads each resident, unit and product once per transaction,
// and keeps what is derived from them: a unit's time zone (LoadLocation
// reads the zoneinfo file every time) and a parsed frequency per unit.
type lookups struct {
	tx        Tx
	residents map[string]Resident
	units     map[string]Unit
	products  map[string]Product
	locations map[string]*time.Location
	rules     map[[2]string]ruleOrErr
}

type ruleOrErr struct {
	rule schedules.Rule
	err  error
}

func newLookups(tx Tx) *lookups {
	return &lookups{tx: tx, residents: map[string]Resident{}, units: map[string]Unit{}, products: map[string]Product{},
		locations: map[string]*time.Location{}, rules: map[[2]string]ruleOrErr{}}
}

// prefetchResidents reads the residents of a batch's orders in one query.
func (l *lookups) prefetchResidents(orders []Order) error {
	seen := map[string]bool{}
	var ids []string
	for _, o := range orders {
		if !seen[o.ResidentID] {
			seen[o.ResidentID] = true
			ids = append(ids, o.ResidentID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rs, err := l.tx.ListResidents(ResidentFilter{IDs: ids})
	for _, r := range rs {
		l.residents[r.ID] = r
	}
	return err
}

func (l *lookups) location(u Unit) (*time.Location, error) {
	if loc, ok := l.locations[u.ID]; ok {
		return loc, nil
	}
	loc, err := u.Location()
	if err == nil {
		l.locations[u.ID] = loc
	}
	return loc, err
}

func (l *lookups) rule(s *Service, freq string, u Unit) (schedules.Rule, error) {
	k := [2]string{u.ID, freq}
	if r, ok := l.rules[k]; ok {
		return r.rule, r.err
	}
	r, err := s.ParseFrequency(freq, u)
	l.rules[k] = ruleOrErr{r, err}
	return r, err
}

func (l *lookups) resident(id string) (Resident, error) {
	if r, ok := l.residents[id]; ok {
		return r, nil
	}
	r, err := l.tx.GetResident(id)
	if err == nil {
		l.residents[id] = r
	}
	return r, err
}

func (l *lookups) unit(id string) (Unit, error) {
	if u, ok := l.units[id]; ok {
		return u, nil
	}
	u, err := l.tx.GetUnit(id)
	if err == nil {
		l.units[id] = u
	}
	return u, err
}

func (l *lookups) product(id string) (Product, error) {
	if p, ok := l.products[id]; ok {
		return p, nil
	}
	p, err := l.tx.GetProduct(id)
	if err == nil {
		l.products[id] = p
	}
	return p, err
}

// expandOrder returns one order's doses from where it stopped to until.
func (s *Service) expandOrder(lk *lookups, o Order, now, until time.Time) ([]ScheduledDose, error) {
	res, err := lk.resident(o.ResidentID)
	if err != nil {
		return nil, err
	}
	unit, err := lk.unit(res.UnitID)
	if err != nil {
		return nil, err
	}
	loc, err := lk.location(unit)
	if err != nil {
		return nil, err
	}
	var product Product
	if o.ProductID != "" {
		if product, err = lk.product(o.ProductID); err != nil {
			return nil, err
		}
	}
	rule, err := lk.rule(s, o.Frequency, unit)
	if err != nil {
		// A stored order that no longer parses (defaults changed) must
		// not stop the job for everyone else; it is logged and skipped
		// (its horizon is recorded with the batch's).
		s.Log.Error("order frequency does not parse; no doses materialised", "order", o.ID, "frequency", o.Frequency, "err", err)
		return nil, nil
	}
	start := o.StartAt
	if rule.Kind == schedules.KindOnce && len(rule.Times) == 0 && o.MaterializedUntil == nil {
		// STAT, NOW and ONCE: due the moment the order may be given (its
		// verification), not at an entry time that may have passed while
		// it waited for pharmacy. Once it was given under the unverified
		// STAT override there is nothing left to give.
		given, err := onceOrderGiven(lk.tx, o)
		if err != nil || given {
			return nil, err
		}
		if now.After(start) {
			start = now
		}
	}
	from := start
	if m := o.MaterializedUntil; m != nil && m.After(from) {
		from = *m
	} else if lb := now.Add(-s.Schedule.Lookback); lb.After(from) {
		from = lb
	}
	var stop time.Time
	if o.StopAt != nil {
		stop = *o.StopAt
	}
	class := WindowClassFor(o, rule, product)
	var doses []ScheduledDose
	for _, d := range schedules.Expand(rule, start, stop, from, until, loc) {
		ws, we := s.windowsFor(unit).Window(class, d.At)
		doses = append(doses, ScheduledDose{ID: NewID(), FacilityID: o.FacilityID, OrderID: o.ID, ResidentID: o.ResidentID,
			UnitID: res.UnitID, DueAt: d.At, WindowStart: ws, WindowEnd: we, Status: DoseScheduled, Step: d.Step, StepDose: d.Dose})
	}
	return doses, nil
}

// onceOrderGiven reports whether a one-time order was already given (under
// the unverified STAT override, before it had a dose).
func onceOrderGiven(tx Tx, o Order) (bool, error) {
	since := o.CreatedAt
	if o.StartAt.Before(since) {
		since = o.StartAt
	}
	given, err := tx.ListAdministrations(AdministrationFilter{ResidentID: o.ResidentID, Since: since.Add(-24 * time.Hour), GivenOnly: true})
	if err != nil {
		return false, fmt.Errorf("administrations of order %s: %w", o.ID, err)
	}
	for _, a := range given {
		if a.OrderID == o.ID {
			return true, nil
		}
	}
	return false, nil
}

// materializeOrderTx expands one order's doses up to the horizon inside
// the transaction that creates, verifies, changes or resumes it, so a
// dose can be scanned the moment that request returns; the periodic job
// only moves the horizon on. Orders that are not active get no doses.
// It returns the order with its new horizon and how many doses were added.
func (s *Service) materializeOrderTx(tx Tx, o Order) (Order, int, error) {
	if o.Status != OrderActive {
		return o, 0, nil
	}
	now := s.now()
	until := now.Add(s.Config.ScheduleHorizon)
	if o.MaterializedUntil != nil && !o.MaterializedUntil.Before(until) {
		return o, 0, nil
	}
	doses, err := s.expandOrder(newLookups(tx), o, now, until)
	if err != nil {
		return o, 0, fmt.Errorf("expand order %s: %w", o.ID, err)
	}
	n, err := tx.InsertDoses(doses)
	if err != nil {
		return o, 0, fmt.Errorf("insert doses of order %s: %w", o.ID, err)
	}
	if err := tx.MarkMaterialized([]string{o.ID}, until); err != nil {
		return o, 0, fmt.Errorf("mark order %s materialised: %w", o.ID, err)
	}
	o.MaterializedUntil = &until
	return o, n, nil
}

// PreviewDose is one instant of a schedule preview.
type PreviewDose struct {
	At          time.Time
	Local       time.Time
	WindowStart time.Time
	WindowEnd   time.Time
	Step        int
	Dose        string
	// ClockChange says how a clock change moved this dose (schedules.ClockNote);
	// "" when none did.
	ClockChange string
}

// PreviewSchedule expands frequency text over days from from in zone tz, so a
// pharmacist can check an order before it is entered.
func (s *Service) PreviewSchedule(text, tz string, from time.Time, days int, timeCritical bool) (schedules.Rule, schedules.WindowClass, []PreviewDose, error) {
	if err := ValidateTimeZone("tz", tz); err != nil {
		return schedules.Rule{}, "", nil, err
	}
	if days < 1 || days > 62 {
		return schedules.Rule{}, "", nil, Invalid("days", "must be between 1 and 62")
	}
	loc, _ := time.LoadLocation(tz)
	rule, err := parseFrequency(text, s.Schedule.Times)
	if err != nil {
		return schedules.Rule{}, "", nil, err
	}
	class := schedules.ClassFor(rule, timeCritical)
	var out []PreviewDose
	for _, d := range schedules.Expand(rule, from, time.Time{}, from, from.AddDate(0, 0, days), loc) {
		ws, we := s.Schedule.Windows.Window(class, d.At)
		out = append(out, PreviewDose{At: d.At, Local: d.At.In(loc), WindowStart: ws, WindowEnd: we, Step: d.Step, Dose: d.Dose,
			ClockChange: schedules.ClockNote(rule, d, loc)})
	}
	return rule, class, out, nil
}
