package demo

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"time"

	"github.com/emar-project/emar/mar"
	"github.com/emar-project/emar/scanning"
)

// Options chooses what LoadWith writes beyond the data set of Load.
type Options struct {
	// History is how far back the demo's charting goes (emar demo and
	// emar serve --demo use DefaultHistory). Zero loads no history, as Load.
	History time.Duration
	// Seed makes the history reproducible; zero uses DefaultSeed.
	Seed int64
}

// DefaultHistory is the history `emar demo` and `emar serve --demo` write.
const DefaultHistory = 30 * 24 * time.Hour

// DefaultSeed is the seed of the demo history.
const DefaultSeed = 22

// HistorySummary counts what the history charted.
type HistorySummary struct {
	Given, Late, Held, Refused, PRN, Effectiveness, Missed, Acknowledged int
	Took                                                                 time.Duration
}

// LoadWith loads the demo data set through svc, anchored to svc's clock,
// and with opts.History > 0 charts that much history before it: the
// history's orders are materialised, scanned and documented, swept for
// missed doses and their alerts acknowledged by the real services on a
// clock stepped forward from History ago to now, so every record has its
// audit event and the chain verifies. Orders the history does not chart
// (high-alert, controlled, sliding-scale, pending) are added afterwards,
// starting three days ago as in Load.
func LoadWith(ctx context.Context, svc *mar.Service, opts Options) (Summary, HistorySummary, error) {
	now := svc.Clock.Now().UTC().Truncate(time.Microsecond)
	if opts.History <= 0 {
		sum, err := Load(ctx, svc.Store, now)
		return sum, HistorySummary{}, err
	}
	var sum Summary
	var deferred []mar.Order
	err := svc.Store.InTx(ctx, func(tx mar.Tx) error {
		n, err := tx.CountRows()
		if err != nil {
			return err
		}
		if n > 0 {
			return ErrNotEmpty
		}
		sum, deferred, err = load(tx, now, opts.History)
		return err
	})
	if err != nil {
		return sum, HistorySummary{}, err
	}
	seed := opts.Seed
	if seed == 0 {
		seed = DefaultSeed
	}
	began := time.Now()
	hs, err := chartHistory(ctx, svc, now, now.Add(-opts.History).Truncate(time.Hour), seed)
	if err != nil {
		return sum, hs, fmt.Errorf("demo history: %w", err)
	}
	hs.Took = time.Since(began)
	err = svc.Store.InTx(ctx, func(tx mar.Tx) error {
		for i := range deferred {
			if err := tx.CreateOrder(&deferred[i]); err != nil {
				return fmt.Errorf("order for resident %s: %w", deferred[i].ResidentID, err)
			}
		}
		return nil
	})
	return sum, hs, err
}

// historyResidents is how many of the demo's residents (the first ones) have
// a charted history: the rest keep the plain demo's three days of orders, so
// that seeding stays under twenty seconds on SQLite (each charting is
// its own durable transaction).
const historyResidents = 12

// historyOrder says whether the history charts an order: active, and
// documentable by one nurse without a witness, a count or a glucose.
func historyOrder(o mar.Order, p mar.Product) bool {
	return o.Status == mar.OrderActive && len(o.SlidingScale) == 0 && p.HighAlert == mar.HighAlertNone && p.Controlled == ""
}

func byID(products map[string]mar.Product, id string) mar.Product {
	for _, p := range products {
		if p.ID == id {
			return p
		}
	}
	return mar.Product{}
}

// stepClock is the history's clock: set before each step.
type stepClock struct{ t time.Time }

func (c *stepClock) Now() time.Time { return c.t }

// event is one thing the history does at an instant.
type event struct {
	at   time.Time
	kind int // evDose, evPRN, evSweep
	dose mar.ScheduledDose
	ord  mar.Order
	pick float64
}

const (
	evDose = iota
	evPRN
	evSweep
)

func chartHistory(ctx context.Context, svc *mar.Service, now, start time.Time, seed int64) (HistorySummary, error) {
	var hs HistorySummary
	clk := &stepClock{t: start}
	h := mar.NewService(svc.Store, svc.Log)
	h.Config, h.Schedule, h.Clock = svc.Config, svc.Schedule, clk
	// One materialisation covers the whole history and the usual horizon
	// ahead of now, as the periodic job would have left it.
	h.Config.ScheduleHorizon = now.Sub(start) + svc.Config.ScheduleHorizon
	if _, err := h.Materialize(ctx); err != nil {
		return hs, err
	}
	h.Config.ScheduleHorizon = svc.Config.ScheduleHorizon

	var (
		residents = map[string]mar.Resident{}
		products  = map[string]mar.Product{}
		orders    []mar.Order
		doses     []mar.ScheduledDose
		users     = map[string]mar.Identity{}
	)
	err := svc.Store.InTx(ctx, func(tx mar.Tx) error {
		rs, err := tx.ListResidents(mar.ResidentFilter{})
		if err != nil {
			return err
		}
		for _, r := range rs {
			residents[r.ID] = r
			os, err := tx.ListOrders(mar.OrderFilter{ResidentID: r.ID})
			if err != nil {
				return err
			}
			orders = append(orders, os...)
		}
		for _, o := range orders {
			if _, ok := products[o.ProductID]; !ok {
				p, err := tx.GetProduct(o.ProductID)
				if err != nil {
					return err
				}
				products[p.ID] = p
			}
		}
		if doses, err = tx.ListDoses(mar.DoseFilter{DueFrom: start, DueTo: now, Statuses: []mar.DoseStatus{mar.DoseScheduled}}); err != nil {
			return err
		}
		for _, name := range []string{"nurse", "nurse2", "charge"} {
			u, err := tx.GetUserByUsername(name)
			if err != nil {
				return err
			}
			users[name] = mar.Identity{User: u, Device: "demo-history"}
		}
		return nil
	})
	if err != nil {
		return hs, err
	}
	rng := rand.New(rand.NewSource(seed))
	orderByID := map[string]mar.Order{}
	for _, o := range orders {
		orderByID[o.ID] = o
	}
	var evs []event
	// Scheduled doses: 2 % missed, 4 % late, 4 % refused, 2 % held with a
	// reason (and 7 % of the hold-parameter orders held by their vitals),
	// the rest on time.
	sort.Slice(doses, func(i, j int) bool {
		if !doses[i].DueAt.Equal(doses[j].DueAt) {
			return doses[i].DueAt.Before(doses[j].DueAt)
		}
		return doses[i].ID < doses[j].ID
	})
	// A resident's doses due at one time are given on one round, after
	// one wristband scan.
	round := map[string]time.Duration{}
	for _, d := range doses {
		pick := rng.Float64()
		var at time.Time
		switch {
		case pick < 0.02: // missed: left for the sweep
			continue
		case pick < 0.06: // late: after the window closed, before the next sweep
			next := d.WindowEnd.Truncate(time.Hour).Add(45 * time.Minute)
			if !next.After(d.WindowEnd) {
				next = next.Add(time.Hour)
			}
			at = d.WindowEnd.Add(time.Minute + time.Duration(rng.Int63n(int64(next.Sub(d.WindowEnd)-2*time.Minute))))
		default:
			key := d.ResidentID + d.DueAt.String()
			off, ok := round[key]
			if !ok {
				off = time.Duration(rng.Intn(36)-15) * time.Minute
				round[key] = off
			}
			at = d.DueAt.Add(off)
			if at.Before(d.WindowStart) {
				at = d.WindowStart.Add(time.Minute)
			}
			if o := orderByID[d.OrderID]; at.Before(o.StartAt) {
				at = o.StartAt.Add(time.Duration(1+rng.Intn(15)) * time.Minute)
			}
		}
		if !at.Before(now) {
			continue
		}
		evs = append(evs, event{at: at, kind: evDose, dose: d, pick: pick})
	}
	// As-needed orders: given every day or two, mid-morning or evening.
	for _, o := range orders {
		if !o.PRN || o.Status != mar.OrderActive || !o.StartAt.Before(start.Add(time.Hour)) {
			continue
		}
		for day := start.Add(24 * time.Hour); day.Before(now); day = day.Add(24 * time.Hour) {
			if rng.Float64() < 0.45 {
				at := day.Add(time.Duration(9+rng.Intn(12))*time.Hour + time.Duration(rng.Intn(60))*time.Minute)
				if at.Add(2 * time.Hour).Before(now) {
					evs = append(evs, event{at: at, kind: evPRN, ord: o, pick: rng.Float64()})
				}
			}
		}
	}
	// The missed-dose sweep every four hours at :45 (a late dose is charted
	// before the :45 after its window closed, so before the sweep); the
	// charge nurse acknowledges what it raised at the next round.
	for t := start.Add(45 * time.Minute); t.Before(now); t = t.Add(4 * time.Hour) {
		evs = append(evs, event{at: t, kind: evSweep})
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].at.Before(evs[j].at) })

	nurseAt := func(t time.Time) mar.Identity {
		if t.Hour() >= 7 && t.Hour() < 19 {
			return users["nurse"]
		}
		return users["nurse2"]
	}
	var pendingAck []string
	scans := map[[2]string]mar.BedsideContext{} // the last wristband scan per user and resident
	for _, ev := range evs {
		clk.t = ev.at
		switch ev.kind {
		case evSweep:
			charge := users["charge"]
			for _, id := range pendingAck {
				if _, err := h.AcknowledgeAlert(ctx, charge, id, ackNotes[rng.Intn(len(ackNotes))]); err != nil {
					return hs, fmt.Errorf("acknowledge %s: %w", id, err)
				}
				hs.Acknowledged++
			}
			pendingAck = pendingAck[:0]
			swept := 0
			for {
				marked, seen, err := h.MarkMissedDoses(ctx, 100)
				if err != nil {
					return hs, err
				}
				swept += marked
				if seen < 100 {
					break
				}
			}
			hs.Missed += swept
			if swept == 0 {
				continue
			}
			open, err := h.ListAlerts(ctx, charge, mar.AlertQuery{Status: mar.AlertOpen, From: ev.at.Add(-time.Minute), To: ev.at.Add(time.Minute)})
			if err != nil {
				return hs, err
			}
			for _, a := range open {
				if a.Kind == mar.AlertMissed {
					pendingAck = append(pendingAck, a.ID)
				}
			}
		case evDose:
			o := orderByID[ev.dose.OrderID]
			in := mar.MedicationInput{DoseID: ev.dose.ID, Outcome: mar.OutcomeGiven}
			late := ev.at.After(ev.dose.WindowEnd)
			if late {
				in.Overrides = []mar.Override{{Reason: mar.ReasonTooLate, Text: lateReasons[rng.Intn(len(lateReasons))]}}
			}
			if len(o.HoldParams) > 0 {
				hr, sbp := 62+rng.Float64()*24, 108+rng.Float64()*34
				if ev.pick > 0.93 { // below the hold parameter: the service holds the dose
					hr = 50 + rng.Float64()*8
				}
				in.Vitals = map[string]float64{"heart_rate": float64(int(hr)), "systolic_bp": float64(int(sbp))}
			}
			switch {
			case ev.pick >= 0.06 && ev.pick < 0.10:
				in.Outcome, in.ReasonCode = mar.OutcomeRefused, refusals[rng.Intn(len(refusals))]
				in.Overrides = nil
			case ev.pick >= 0.10 && ev.pick < 0.12 && len(o.HoldParams) == 0:
				in.Outcome, in.ReasonCode, in.ReasonText = mar.OutcomeHeld, "clinical_condition", "nausea since the morning; prescriber informed"
				in.Overrides = nil
			}
			res, err := document(ctx, h, scans, nurseAt(ev.at), residents[ev.dose.ResidentID], products[o.ProductID], in, ev.at)
			if err != nil {
				return hs, fmt.Errorf("dose %s of order %s at %s: %w", ev.dose.ID, o.ID, ev.at.Format(time.RFC3339), err)
			}
			switch res.Administration.Outcome {
			case mar.OutcomeGiven:
				hs.Given++
				if res.Administration.Late {
					hs.Late++
				}
			case mar.OutcomeHeld:
				hs.Held++
			case mar.OutcomeRefused:
				hs.Refused++
			}
		case evPRN:
			by := nurseAt(ev.at)
			pain := 4 + rng.Intn(4)
			in := mar.MedicationInput{OrderID: ev.ord.ID, Outcome: mar.OutcomeGiven, PRNIndication: ev.ord.PRNReason, PainScore: &pain}
			res, err := document(ctx, h, scans, by, residents[ev.ord.ResidentID], products[ev.ord.ProductID], in, ev.at)
			if err != nil {
				if e, ok := mar.AsError(err); ok && e.Code == mar.ERefused {
					continue // a limit or interval of the order: not given then
				}
				return hs, fmt.Errorf("PRN order %s at %s: %w", ev.ord.ID, ev.at.Format(time.RFC3339), err)
			}
			hs.PRN++
			clk.t = ev.at.Add(time.Hour)
			after := pain - 2 - rng.Intn(3)
			result := "effective"
			switch {
			case ev.pick > 0.85:
				result, after = "not_effective", pain
			case ev.pick > 0.65:
				result = "partially_effective"
			}
			if after < 0 {
				after = 0
			}
			if _, err := h.RecordEffectiveness(ctx, by, res.Administration.ID, result, &after, ""); err != nil {
				return hs, fmt.Errorf("effectiveness of %s: %w", res.Administration.ID, err)
			}
			hs.Effectiveness++
		}
	}
	return hs, nil
}

// document scans the resident's wristband and the pack, as at the bedside,
// and documents the dose at the clock's time.
func document(ctx context.Context, h *mar.Service, scans map[[2]string]mar.BedsideContext, by mar.Identity, r mar.Resident, p mar.Product, in mar.MedicationInput, at time.Time) (mar.DocumentResult, error) {
	key := [2]string{by.User.ID, r.ID}
	bc, ok := scans[key]
	if !ok || !at.Before(bc.ExpiresAt.Add(-time.Minute)) {
		wb, err := h.ScanWristband(ctx, by, scanOf(r.WristbandID, at))
		if err != nil {
			return mar.DocumentResult{}, fmt.Errorf("wristband: %w", err)
		}
		bc = wb.Context
		scans[key] = bc
	}
	in.ContextID = bc.ID
	if in.Outcome == mar.OutcomeGiven && len(p.Packages) > 0 {
		lot := fmt.Sprintf("H%s", at.Format("0601"))
		sc := scanOf("01"+p.Packages[0].GTIN+"10"+lot+string(rune(scanning.GS))+"17"+at.AddDate(1, 0, 0).Format("060102"), at)
		in.Scan = &sc
	}
	return h.Document(ctx, by, in)
}

func scanOf(text string, at time.Time) mar.ScanInput {
	code, err := scanning.Parse(text, scanning.ParseOptions{Now: at})
	in := mar.ScanInput{Text: text, Err: err}
	if err == nil {
		in.Code = &code
	}
	return in
}

var (
	refusals    = []string{"resident_declined", "resident_declined", "spat_out"}
	lateReasons = []string{"resident was in the shower", "resident at physiotherapy", "emergency on the unit"}
	ackNotes    = []string{"spoke with the nurse; resident was asleep, prescriber informed", "family visit; dose omitted, next dose on time", "resident away at an appointment"}
)
