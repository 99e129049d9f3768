package mar

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// HandoverDose is one dose of the shift as the incoming nurse needs it.
type HandoverDose struct {
	DoseID      string // empty for a PRN administration
	OrderID     string
	Medication  string
	DueAt       time.Time // zero for a PRN
	Status      DoseStatus
	Late        bool   // given after its window closed
	ReasonCode  string // held, refused, not given
	ReasonText  string
	PerformedAt *time.Time
	By          string // who documented it (display name)
}

// HandoverPRN is an as-needed dose given in the shift and the state of its
// effectiveness follow-up.
type HandoverPRN struct {
	AdministrationID string
	OrderID          string
	Medication       string
	Indication       string
	GivenAt          time.Time
	By               string
	FollowupDueAt    *time.Time
	FollowupStatus   string // due, documented, cancelled; "" when none is kept
	FollowupOverdue  bool   // due before the report was made and not documented
	FollowupResult   string
}

// HandoverResident gathers one resident's shift.
type HandoverResident struct {
	Resident Resident
	Doses    []HandoverDose
	PRNs     []HandoverPRN
}

// HandoverTally counts the shift's scheduled doses by outcome.
type HandoverTally struct {
	Due, Given, Late, Held, Refused, NotGiven, Missed, Open int
}

// HandoverOrder is an order of the unit waiting for pharmacy, or one that
// began, changed or ended in the shift (Change: new, changed, on_hold,
// discontinued, completed, rejected).
type HandoverOrder struct {
	Order    Order
	Resident Resident
	Change   string
	At       time.Time // when it was entered or last changed
}

// HandoverReport is what the charge nurse hands over for a unit and shift.
type HandoverReport struct {
	Unit        Unit
	Location    *time.Location
	Shift       string
	ShiftDate   string // local date the shift began
	From, To    time.Time
	GeneratedAt time.Time
	Tally       HandoverTally
	Residents   []HandoverResident // those with something in the shift
	Alerts      []Alert            // open and acknowledged alerts of the unit
	Pending     []HandoverOrder    // orders waiting for pharmacy verification
	Changes     []HandoverOrder    // orders entered, changed or ended in the shift
	// LastCount is the unit's latest controlled count; CountDone tells
	// whether one was made for this shift (counted from its start to an
	// hour after its end).
	LastCount         *ControlledCount
	CountDone         bool
	OpenDiscrepancies []ControlledCountLine
	// Acknowledgements are the incoming staff who acknowledged the
	// handover, with their names in AckNames.
	Acknowledgements []HandoverAck
	AckNames         map[string]string
}

// HandoverAck is an incoming nurse's acknowledgement of a unit's shift
// handover.
type HandoverAck struct {
	ID             string
	FacilityID     string
	UnitID         string
	Shift          string
	ShiftDate      string
	UserID         string
	AcknowledgedAt time.Time
	Note           string
}

// HandoverQuery names the unit and shift; date empty means the latest
// occurrence of the shift (the one in progress, if it is).
type HandoverQuery struct {
	UnitID string
	Shift  string // empty: the shift in progress
	Date   string // YYYY-MM-DD, the local date the shift began
}

func handoverMedication(o Order) string {
	parts := []string{o.Ingredient}
	if o.DoseValue > 0 {
		parts = append(parts, fmtNum(o.DoseValue)+" "+o.DoseUnit)
	}
	if o.Route != "" {
		parts = append(parts, o.Route)
	}
	if o.Frequency != "" {
		parts = append(parts, o.Frequency)
	}
	return strings.Join(parts, " ")
}

// Handover builds the shift handover of a unit: every scheduled dose of the
// shift with its outcome and reason, PRNs given and their effectiveness
// follow-ups, open alerts, orders pending verification and the controlled
// count. Nurses and charge nurses of the unit may read it; the read is
// audited.
func (s *Service) Handover(ctx context.Context, by Identity, q HandoverQuery) (HandoverReport, error) {
	if !canDocument(by.User.Role) {
		return HandoverReport{}, Forbidden("the %s role may not read the shift handover", by.User.Role)
	}
	switch q.Shift {
	case "", ShiftDay, ShiftEvening, ShiftNight:
	default:
		return HandoverReport{}, Invalid("shift", "must be day, evening or night")
	}
	if q.Date != "" && q.Shift == "" {
		return HandoverReport{}, Invalid("shift", "is required with date")
	}
	var rep HandoverReport
	err := s.Store.InTx(ctx, func(tx Tx) error {
		u, loc, err := countUnit(tx, by, q.UnitID)
		if err != nil {
			return err
		}
		now := s.now()
		rep = HandoverReport{Unit: u, Location: loc, GeneratedAt: now}
		switch {
		case q.Date != "":
			d, err := time.ParseInLocation(time.DateOnly, q.Date, loc)
			if err != nil {
				return Invalid("date", "must be a date YYYY-MM-DD")
			}
			rep.Shift = q.Shift
			if rep.From, rep.To, err = s.shifts().Window(loc, d, q.Shift); err != nil {
				return err
			}
		case q.Shift != "":
			rep.Shift = q.Shift
			if rep.From, rep.To, err = s.shifts().Latest(now, loc, q.Shift); err != nil {
				return err
			}
		default:
			shift, d := s.shifts().At(now, loc)
			rep.Shift = shift
			if rep.From, rep.To, err = s.shifts().Window(loc, d, shift); err != nil {
				return err
			}
		}
		if rep.From.After(now) {
			return Invalid("date", "the shift has not begun")
		}
		lf := rep.From.In(loc)
		rep.ShiftDate = lf.Format(time.DateOnly)

		residents, err := tx.ListResidents(ResidentFilter{FacilityID: u.FacilityID, UnitIDs: []string{u.ID}, Status: Admitted})
		if err != nil {
			return err
		}
		byID := map[string]*HandoverResident{}
		order := []string{}
		resident := func(id string) *HandoverResident {
			if r, ok := byID[id]; ok {
				return r
			}
			var res Resident
			for _, r := range residents {
				if r.ID == id {
					res = r
				}
			}
			if res.ID == "" {
				if r, err := tx.GetResident(id); err == nil {
					res = r
				} else {
					res = Resident{ID: id}
				}
			}
			byID[id] = &HandoverResident{Resident: res}
			order = append(order, id)
			return byID[id]
		}
		lk := newReportLookup(tx)
		getOrder, name := lk.order, lk.name

		admins, err := tx.ExportAdministrations(u.FacilityID, AdministrationQuery{UnitID: u.ID, From: rep.From, To: rep.To})
		if err != nil {
			return err
		}
		// Doses documented in the shift may have been due in it or not;
		// the administrations of the shift's doses are read by dose too.
		adminByDose := map[string]Administration{}
		var prnIDs []string
		for _, a := range admins {
			if a.EnteredInError {
				continue
			}
			if a.DoseID != "" {
				adminByDose[a.DoseID] = a
			}
			if a.DoseID == "" && a.Outcome == OutcomeGiven {
				prnIDs = append(prnIDs, a.ID)
			}
		}
		doses, err := tx.ListDoses(DoseFilter{UnitID: u.ID, DueFrom: rep.From, DueTo: rep.To})
		if err != nil {
			return err
		}
		sort.SliceStable(doses, func(i, j int) bool { return doses[i].DueAt.Before(doses[j].DueAt) })
		for _, d := range doses {
			if d.Status == DoseCancelled || d.Status == DoseSuspended {
				continue
			}
			o := getOrder(d.OrderID)
			hd := HandoverDose{DoseID: d.ID, OrderID: d.OrderID, Medication: handoverMedication(o), DueAt: d.DueAt, Status: d.Status, By: name(d.DocumentedBy)}
			a, ok := adminByDose[d.ID]
			if !ok && d.AdminID != "" {
				if recs, err := tx.ExportAdministrations(u.FacilityID, AdministrationQuery{ID: d.AdminID}); err == nil && len(recs) == 1 {
					a, ok = recs[0], true
				}
			}
			if ok {
				at := a.PerformedAt
				hd.PerformedAt, hd.ReasonCode, hd.ReasonText = &at, a.ReasonCode, a.ReasonText
				hd.By = name(a.PerformerID)
			}
			rep.Tally.Due++
			switch d.Status {
			case DoseGiven:
				rep.Tally.Given++
				if ok && a.PerformedAt.After(d.WindowEnd) {
					hd.Late = true
					rep.Tally.Late++
				}
			case DoseHeld:
				rep.Tally.Held++
			case DoseRefused:
				rep.Tally.Refused++
			case DoseNotGiven:
				rep.Tally.NotGiven++
			case DoseMissed:
				rep.Tally.Missed++
			default:
				rep.Tally.Open++
			}
			r := resident(d.ResidentID)
			r.Doses = append(r.Doses, hd)
		}

		followups, err := tx.ListPRNFollowups(prnIDs)
		if err != nil {
			return err
		}
		fByAdmin := map[string]PRNFollowup{}
		for _, f := range followups {
			fByAdmin[f.AdministrationID] = f
		}
		for _, a := range admins {
			if a.EnteredInError || a.DoseID != "" || a.Outcome != OutcomeGiven {
				continue
			}
			o := getOrder(a.OrderID)
			p := HandoverPRN{AdministrationID: a.ID, OrderID: a.OrderID, Medication: handoverMedication(o), Indication: a.PRNIndication, GivenAt: a.PerformedAt, By: name(a.PerformerID)}
			if f, ok := fByAdmin[a.ID]; ok {
				due := f.DueAt
				p.FollowupDueAt, p.FollowupStatus, p.FollowupResult = &due, f.Status, f.Result
				p.FollowupOverdue = f.Status == FollowupDue && f.DueAt.Before(now)
			}
			r := resident(a.ResidentID)
			r.PRNs = append(r.PRNs, p)
		}
		for _, id := range order {
			rep.Residents = append(rep.Residents, *byID[id])
		}
		sort.SliceStable(rep.Residents, func(i, j int) bool {
			a, b := rep.Residents[i].Resident, rep.Residents[j].Resident
			if a.Room != b.Room {
				return a.Room < b.Room
			}
			return a.Bed < b.Bed
		})

		if rep.Alerts, err = tx.ListAlerts(AlertFilter{FacilityID: u.FacilityID, UnitIDs: []string{u.ID}, Status: AlertActive, Limit: 500}); err != nil {
			return err
		}
		pending, err := tx.ListOrders(OrderFilter{FacilityID: u.FacilityID, Statuses: []OrderStatus{OrderPending}})
		if err != nil {
			return err
		}
		onUnit := map[string]Resident{}
		for _, r := range residents {
			onUnit[r.ID] = r
		}
		for _, o := range pending {
			if r, ok := onUnit[o.ResidentID]; ok {
				rep.Pending = append(rep.Pending, HandoverOrder{Order: o, Resident: r, At: o.CreatedAt})
			}
		}
		all, err := tx.ListOrders(OrderFilter{FacilityID: u.FacilityID})
		if err != nil {
			return err
		}
		inShift := func(t time.Time) bool { return !t.Before(rep.From) && t.Before(rep.To) }
		for _, o := range all {
			r, ok := onUnit[o.ResidentID]
			if !ok {
				continue
			}
			switch {
			case inShift(o.CreatedAt):
				rep.Changes = append(rep.Changes, HandoverOrder{Order: o, Resident: r, Change: "new", At: o.CreatedAt})
			case inShift(o.UpdatedAt) && o.Status != OrderActive && o.Status != OrderPending:
				rep.Changes = append(rep.Changes, HandoverOrder{Order: o, Resident: r, Change: string(o.Status), At: o.UpdatedAt})
			case inShift(o.UpdatedAt):
				rep.Changes = append(rep.Changes, HandoverOrder{Order: o, Resident: r, Change: "changed", At: o.UpdatedAt})
			}
		}
		sort.SliceStable(rep.Changes, func(i, j int) bool { return rep.Changes[i].At.Before(rep.Changes[j].At) })

		counts, err := tx.ListControlledCounts(u.ID, time.Time{}, time.Time{}, 1)
		if err != nil {
			return err
		}
		if len(counts) > 0 {
			rep.LastCount = &counts[0]
			rep.CountDone = !counts[0].CountedAt.Before(rep.From) && counts[0].CountedAt.Before(rep.To.Add(time.Hour))
		}
		if rep.OpenDiscrepancies, err = tx.ListCountDiscrepancies(u.FacilityID, []string{u.ID}, true); err != nil {
			return err
		}
		if rep.Acknowledgements, err = tx.ListHandoverAcks(u.ID, rep.Shift, rep.ShiftDate); err != nil {
			return err
		}
		rep.AckNames = map[string]string{}
		for _, a := range rep.Acknowledgements {
			rep.AckNames[a.UserID] = name(a.UserID)
		}
		return s.audit(tx, by, AuditEntry{Action: "handover.read", ObjectType: "unit", ObjectID: u.ID, UnitID: u.ID,
			Detail: map[string]any{"shift": rep.Shift, "shift_date": rep.ShiftDate, "residents": len(rep.Residents)}})
	})
	return rep, err
}

// Local formats an instant in the unit's zone for the report.
func (r HandoverReport) Local(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	lt := t.In(r.Location)
	if lt.Format(time.DateOnly) == r.ShiftDate {
		return lt.Format("15:04 MST")
	}
	return lt.Format("Mon 2 Jan 15:04 MST")
}

// Title names the report: "Day shift, Tue 10 Mar 2026, 07:00–15:00 EDT".
func (r HandoverReport) Title() string {
	from, to := r.From.In(r.Location), r.To.In(r.Location)
	return fmt.Sprintf("%s%s shift, %s, %s–%s", strings.ToUpper(r.Shift[:1]), r.Shift[1:], from.Format("Mon 2 Jan 2006"), from.Format("15:04 MST"), to.Format("15:04 MST"))
}

// AcknowledgeHandover records that the caller (a nurse or charge nurse of
// the unit, taking over) has received the handover of the unit's shift,
// once per person and shift, with its audit event.
func (s *Service) AcknowledgeHandover(ctx context.Context, by Identity, q HandoverQuery, note string) (HandoverAck, error) {
	if !canDocument(by.User.Role) {
		return HandoverAck{}, Forbidden("only nurses and charge nurses acknowledge a handover")
	}
	switch q.Shift {
	case ShiftDay, ShiftEvening, ShiftNight:
	default:
		return HandoverAck{}, Invalid("shift", "must be day, evening or night")
	}
	note = strings.TrimSpace(note)
	if len(note) > 2000 {
		return HandoverAck{}, Invalid("note", "is longer than 2000 characters")
	}
	var a HandoverAck
	err := s.Store.InTx(ctx, func(tx Tx) error {
		u, loc, err := countUnit(tx, by, q.UnitID)
		if err != nil {
			return err
		}
		d, err := time.ParseInLocation(time.DateOnly, q.Date, loc)
		if err != nil {
			return Invalid("date", "must be a date YYYY-MM-DD")
		}
		from, _, err := s.shifts().Window(loc, d, q.Shift)
		if err != nil {
			return err
		}
		now := s.now()
		if from.After(now) {
			return Invalid("date", "the shift has not begun")
		}
		a = HandoverAck{ID: NewID(), FacilityID: u.FacilityID, UnitID: u.ID, Shift: q.Shift, ShiftDate: d.Format(time.DateOnly),
			UserID: by.User.ID, AcknowledgedAt: now, Note: note}
		if err := tx.CreateHandoverAck(&a); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "handover.acknowledge", ObjectType: "unit", ObjectID: u.ID, UnitID: u.ID,
			Detail: map[string]any{"shift": a.Shift, "shift_date": a.ShiftDate, "note": a.Note}})
	})
	return a, err
}

// reportLookup caches, within one transaction, the orders and the people a
// report names (an order that cannot be read stays an id).
type reportLookup struct {
	tx     Tx
	orders map[string]Order
	names  map[string]string
}

func newReportLookup(tx Tx) *reportLookup {
	return &reportLookup{tx: tx, orders: map[string]Order{}, names: map[string]string{}}
}

func (l *reportLookup) order(id string) Order {
	if o, ok := l.orders[id]; ok {
		return o
	}
	o, err := l.tx.GetOrder(id)
	if err != nil {
		o = Order{ID: id}
	}
	l.orders[id] = o
	return o
}

func (l *reportLookup) name(id string) string {
	if id == "" {
		return ""
	}
	if n, ok := l.names[id]; ok {
		return n
	}
	l.names[id] = actorName(l.tx, id)
	return l.names[id]
}
