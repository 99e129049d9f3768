package mar

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// AlertConfig tunes the alert capability.
type AlertConfig struct {
	// Shifts are the local start times of the day, evening and night
	// shifts, used to list alerts by shift and to group reports.
	Shifts ShiftStarts
	// Outbox queues every alert event for the webhook in the same
	// transaction as the change. Set it only when a webhook is configured,
	// or the queue grows with no one to drain it.
	Outbox bool
}

// maxNote bounds acknowledgement and resolution notes.
const maxNote = 2000

func (s *Service) shifts() ShiftStarts {
	if s.Config.Alerts.Shifts == (ShiftStarts{}) {
		return DefaultShiftStarts
	}
	return s.Config.Alerts.Shifts
}

// appendAlertEvent records a change of a and, when a webhook is
// configured, queues it for delivery, all inside the caller's transaction.
func (s *Service) appendAlertEvent(tx Tx, a Alert, typ AlertEventType, actor, note string, at time.Time) (AlertEvent, error) {
	e := AlertEvent{AlertID: a.ID, FacilityID: a.FacilityID, UnitID: a.UnitID, Type: typ, At: at, Actor: actor, Note: note, Level: a.EscalationLevel}
	if err := tx.AppendAlertEvent(&e, s.Config.Alerts.Outbox); err != nil {
		return AlertEvent{}, fmt.Errorf("append %s event for alert %s: %w", typ, a.ID, err)
	}
	return e, nil
}

// MarkMissedDoses handles one batch of doses whose window closed without
// documentation: each is marked missed and gets a missed alert, its event
// (and webhook outbox row) and a dose.missed audit event by the system
// identity, all in one transaction. It returns how many doses it marked
// and how many it looked at; fewer looked at than limit means the backlog
// is drained (or the rest is being handled by another replica).
//
// Charting never waits for the sweep's doses for more than one statement:
// the candidates are read without locks, the alerts, events and audit
// events written first, and the doses marked by the transaction's last
// statement, which skips any dose a nurse's transaction holds. When it
// could not mark every candidate — one was charted or is being charted —
// the transaction is rolled back and the batch done again without them.
func (s *Service) MarkMissedDoses(ctx context.Context, limit int) (marked, seen int, err error) {
	skip := map[string]bool{}
	for attempt := 1; ; attempt++ {
		var raced []string
		err = s.Store.InTx(ctx, func(tx Tx) error {
			marked, seen, raced = 0, 0, nil
			now := s.now()
			all, err := tx.OverdueDoses(now, limit)
			if err != nil {
				return fmt.Errorf("select overdue doses: %w", err)
			}
			seen = len(all)
			cands := make([]AlertCandidate, 0, len(all))
			for _, c := range all {
				if !skip[c.DoseID] {
					cands = append(cands, c)
				}
			}
			if len(cands) == 0 {
				return nil
			}
			// Alert rows, then the alert-event counter, then the doses,
			// which never wait (SKIP LOCKED); the audit chain heads are
			// taken by the store at commit, last, by every writer alike:
			// no lock cycle with a nurse, who takes the dose first and the
			// counters after.
			type done struct {
				c     AlertCandidate
				a     Alert
				fresh bool
			}
			todo := make([]done, 0, len(cands))
			for _, c := range cands {
				a := newAlert(c, now)
				inserted, err := tx.InsertAlert(&a)
				if err != nil {
					return fmt.Errorf("insert missed alert for dose %s: %w", c.DoseID, err)
				}
				todo = append(todo, done{c, a, inserted})
			}
			for _, d := range todo {
				detail := map[string]any{"window_end": d.c.WindowEnd, "due_at": d.c.DueAt}
				if d.fresh {
					if _, err := s.appendAlertEvent(tx, d.a, EventRaised, SystemUserID, "", now); err != nil {
						return err
					}
					detail["alert_id"] = d.a.ID
				}
				if err := s.audit(tx, SystemIdentity(d.c.FacilityID), AuditEntry{Action: "dose.missed", ObjectType: "dose", ObjectID: d.c.DoseID, ResidentID: d.c.ResidentID, Detail: detail}); err != nil {
					return err
				}
			}
			ids := make([]string, len(cands))
			for i, c := range cands {
				ids[i] = c.DoseID
			}
			moved, err := tx.MarkDosesMissed(ids)
			if err != nil {
				return fmt.Errorf("mark doses missed: %w", err)
			}
			if len(moved) != len(ids) {
				isMoved := make(map[string]bool, len(moved))
				for _, id := range moved {
					isMoved[id] = true
				}
				for _, id := range ids {
					if !isMoved[id] {
						raced = append(raced, id)
					}
				}
				return errDosesRaced
			}
			marked = len(moved)
			return nil
		})
		if !errors.Is(err, errDosesRaced) {
			return marked, seen, err
		}
		// Charted (or being charted) since they were read: the batch again
		// without them; the next sweep looks at them afresh.
		for _, id := range raced {
			skip[id] = true
		}
		if attempt == 3 {
			return 0, seen, fmt.Errorf("mark doses missed: %d doses charted while the sweep marked them, three times", len(raced))
		}
	}
}

// errDosesRaced rolls back a missed-dose batch that could not mark every
// dose it wrote alerts for.
var errDosesRaced = errors.New("doses charted during the missed-dose batch")

// RaiseAlerts raises alerts of one kind for up to q.Limit subjects that
// need one, in one transaction, each with its event and an alert.raise
// audit event. The unique (kind, subject) key makes a repeat a no-op.
// Late-dose alerts are informational and are born resolved.
func (s *Service) RaiseAlerts(ctx context.Context, kind AlertKind, q CandidateQuery) (raised, seen int, err error) {
	err = s.Store.InTx(ctx, func(tx Tx) error {
		raised, seen = 0, 0
		now := s.now()
		q.Now = now
		cands, err := tx.FindAlertCandidates(kind, q)
		if err != nil {
			return fmt.Errorf("find %s candidates: %w", kind, err)
		}
		seen = len(cands)
		var fresh []Alert
		for _, c := range cands {
			a := newAlert(c, now)
			if kind == AlertLate {
				a.ResolvedAt, a.ResolvedBy, a.ResolvedHow = &now, SystemUserID, ResolvedInfo
			}
			inserted, err := tx.InsertAlert(&a)
			if err != nil {
				return fmt.Errorf("insert %s alert for %s: %w", kind, c.SubjectID, err)
			}
			if inserted {
				fresh = append(fresh, a)
			}
		}
		for _, a := range fresh {
			if _, err := s.appendAlertEvent(tx, a, EventRaised, SystemUserID, "", now); err != nil {
				return err
			}
			if err := s.audit(tx, SystemIdentity(a.FacilityID), AuditEntry{Action: "alert.raise", ObjectType: "alert", ObjectID: a.ID, ResidentID: a.ResidentID,
				Detail: map[string]string{"kind": string(kind), "subject_id": a.SubjectID}}); err != nil {
				return err
			}
			raised++
		}
		return nil
	})
	return raised, seen, err
}

// SettleAlerts resolves, as the system, up to limit unresolved alerts whose
// subject no longer needs them: a missed dose documented late or with a
// reason, a cancelled dose, a verified order, a recorded vital sign.
func (s *Service) SettleAlerts(ctx context.Context, vitalsWithin time.Duration, limit int) (resolved, seen int, err error) {
	err = s.Store.InTx(ctx, func(tx Tx) error {
		resolved, seen = 0, 0
		now := s.now()
		settled, err := tx.SettledAlerts(now, now.Add(-vitalsWithin), limit)
		if err != nil {
			return fmt.Errorf("find settled alerts: %w", err)
		}
		seen = len(settled)
		type done struct {
			a   Alert
			how string
		}
		var todo []done
		for _, st := range settled {
			ok, err := tx.ResolveAlert(st.AlertID, SystemUserID, now, st.How, "")
			if err != nil {
				return fmt.Errorf("resolve alert %s: %w", st.AlertID, err)
			}
			if !ok {
				continue
			}
			a, err := tx.GetAlert(st.AlertID)
			if err != nil {
				return err
			}
			todo = append(todo, done{a, st.How})
		}
		for _, d := range todo {
			if _, err := s.appendAlertEvent(tx, d.a, EventResolved, SystemUserID, d.how, now); err != nil {
				return err
			}
			if err := s.audit(tx, SystemIdentity(d.a.FacilityID), AuditEntry{Action: "alert.resolve", ObjectType: "alert", ObjectID: d.a.ID, ResidentID: d.a.ResidentID,
				Detail: map[string]string{"kind": string(d.a.Kind), "how": d.how}}); err != nil {
				return err
			}
			resolved++
		}
		return nil
	})
	return resolved, seen, err
}

// EscalateAlerts raises the level of alerts nobody acknowledged in time:
// after[0] after being raised an alert goes from the nurse to the charge
// nurse, after[1] later to the unit manager.
func (s *Service) EscalateAlerts(ctx context.Context, after []time.Duration, limit int) (escalated, seen int, err error) {
	if len(after) > MaxEscalation {
		after = after[:MaxEscalation]
	}
	err = s.Store.InTx(ctx, func(tx Tx) error {
		escalated, seen = 0, 0
		now := s.now()
		before := make([]time.Time, len(after))
		for i, d := range after {
			before[i] = now.Add(-d)
		}
		cands, err := tx.EscalationCandidates(before, limit)
		if err != nil {
			return fmt.Errorf("find alerts to escalate: %w", err)
		}
		seen = len(cands)
		var todo []Alert
		for _, a := range cands {
			from := a.EscalationLevel
			ok, err := tx.EscalateAlert(a.ID, from, from+1, now)
			if err != nil {
				return fmt.Errorf("escalate alert %s: %w", a.ID, err)
			}
			if ok {
				a.EscalationLevel, a.EscalatedAt = from+1, &now
				todo = append(todo, a)
			}
		}
		for _, a := range todo {
			if _, err := s.appendAlertEvent(tx, a, EventEscalated, SystemUserID, "", now); err != nil {
				return err
			}
			if err := s.audit(tx, SystemIdentity(a.FacilityID), AuditEntry{Action: "alert.escalate", ObjectType: "alert", ObjectID: a.ID, ResidentID: a.ResidentID,
				Detail: map[string]any{"kind": a.Kind, "from": a.EscalationLevel - 1, "to": a.EscalationLevel}}); err != nil {
				return err
			}
			escalated++
		}
		return nil
	})
	return escalated, seen, err
}

// newAlert turns a candidate into an alert with its severity and message.
func newAlert(c AlertCandidate, now time.Time) Alert {
	a := Alert{ID: NewID(), FacilityID: c.FacilityID, Kind: c.Kind, SubjectID: c.SubjectID, UnitID: c.UnitID, ResidentID: c.ResidentID,
		DoseID: c.DoseID, OrderID: c.OrderID, FollowupID: c.FollowupID, DueAt: c.DueAt.UTC(), RaisedAt: now, Severity: SeverityWarning}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil || c.TimeZone == "" {
		loc = time.UTC
	}
	at := func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04 MST") }
	med := c.Medication
	if med == "" {
		med = "medication"
	}
	switch c.Kind {
	case AlertMissed:
		if c.Critical {
			a.Severity = SeverityCritical
		}
		a.Message = fmt.Sprintf("%s due %s was not documented before its window closed at %s", med, at(c.DueAt), c.WindowEnd.In(loc).Format("15:04"))
	case AlertLate:
		a.Severity = SeverityInfo
		a.Message = fmt.Sprintf("%s due %s was given at %s, %d min after its window closed", med, at(c.DueAt), c.DoneAt.In(loc).Format("15:04"), int(c.DoneAt.Sub(c.WindowEnd).Minutes()))
	case AlertDueSoon:
		a.Severity = SeverityInfo
		a.Message = fmt.Sprintf("%s is due at %s", med, at(c.DueAt))
	case AlertPRNFollowupOverdue:
		a.Message = fmt.Sprintf("PRN effectiveness follow-up for %s was due at %s and is not documented", med, at(c.DueAt))
	case AlertVerificationOverdue:
		a.Message = fmt.Sprintf("order for %s received %s is still waiting for pharmacy verification", med, at(c.DueAt))
	case AlertVitalsMissing:
		a.Message = fmt.Sprintf("%s due %s has hold parameters: record %s before giving it", med, at(c.DueAt), strings.ReplaceAll(c.Vital, "_", " "))
	default:
		a.Message = fmt.Sprintf("%s: %s", c.Kind, med)
	}
	return a
}

// AlertQuery is what a caller asks of the alert list.
type AlertQuery struct {
	UnitID   string
	Status   AlertStatus // default active
	From, To time.Time   // raised in [From, To)
	Shift    string      // day, evening or night (needs UnitID for its zone)
	Date     string      // YYYY-MM-DD local date the shift starts; default the latest
	Limit    int
}

// alertScope turns the caller's role into what it may see of alerts.
func alertScope(by Identity, unitID string) (units []string, kinds []AlertKind, err error) {
	if unitID != "" && !ValidID(unitID) {
		return nil, nil, Invalid("unit_id", "is not a valid id")
	}
	switch by.User.Role {
	case RoleNurse, RoleChargeNurse:
		if unitID != "" {
			if !by.User.WorksOnUnit(unitID) {
				return nil, nil, Forbidden("you are not assigned to this unit")
			}
			return []string{unitID}, nil, nil
		}
		if len(by.User.UnitIDs) == 0 {
			return nil, nil, Forbidden("you are not assigned to any unit")
		}
		return by.User.UnitIDs, nil, nil
	case RolePharmacist:
		// Pharmacy serves the whole facility but sees only the alerts
		// about its own queue.
		if unitID != "" {
			units = []string{unitID}
		}
		return units, []AlertKind{AlertVerificationOverdue, AlertCountDiscrepancy}, nil
	}
	return nil, nil, Forbidden("the %s role may not see alerts", by.User.Role)
}

// ListAlerts lists the alerts the caller may see, by unit, status and
// time or shift. The read is audited like any read of clinical data.
func (s *Service) ListAlerts(ctx context.Context, by Identity, q AlertQuery) ([]Alert, error) {
	units, kinds, err := alertScope(by, q.UnitID)
	if err != nil {
		return nil, err
	}
	if q.Status == "" {
		q.Status = AlertActive
	}
	switch q.Status {
	case AlertOpen, AlertAcknowledged, AlertResolved, AlertActive, AlertAny:
	default:
		return nil, Invalid("status", "must be open, acknowledged, resolved, active or all")
	}
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 1000
	}
	var out []Alert
	err = s.Store.InTx(ctx, func(tx Tx) error {
		f := AlertFilter{FacilityID: by.User.FacilityID, UnitIDs: units, Kinds: kinds, Status: q.Status, From: q.From, To: q.To, Limit: q.Limit}
		if q.Shift != "" {
			if q.UnitID == "" {
				return Invalid("unit_id", "is required with shift: shifts follow the unit's time zone")
			}
			u, err := tx.GetUnit(q.UnitID)
			if err != nil || u.FacilityID != by.User.FacilityID {
				return NotFound("unit", q.UnitID)
			}
			loc, err := u.Location()
			if err != nil {
				return err
			}
			if q.Date != "" {
				d, err := time.ParseInLocation(time.DateOnly, q.Date, loc)
				if err != nil {
					return Invalid("date", "must be a date YYYY-MM-DD")
				}
				f.From, f.To, err = s.shifts().Window(loc, d, q.Shift)
				if err != nil {
					return err
				}
			} else if f.From, f.To, err = s.shifts().Latest(s.now(), loc, q.Shift); err != nil {
				return err
			}
		}
		var err error
		if out, err = tx.ListAlerts(f); err != nil {
			return err
		}
		return s.audit(tx, by, AuditEntry{Action: "alert.list", ObjectType: "unit", ObjectID: q.UnitID,
			Detail: map[string]any{"count": len(out), "status": q.Status, "shift": q.Shift}})
	})
	return out, err
}

// actorName names who did something, for a conflict message.
func actorName(tx Tx, id string) string {
	if id == SystemUserID {
		return "the system"
	}
	if u, err := tx.GetUser(id); err == nil {
		return u.DisplayName
	}
	return id
}

// loadAlertForCharge loads an alert a charge nurse wants to act on and
// checks it is theirs to act on.
func loadAlertForCharge(tx Tx, by Identity, id string) (Alert, error) {
	a, err := tx.GetAlert(id)
	if err != nil {
		return Alert{}, err
	}
	if a.FacilityID != by.User.FacilityID {
		return Alert{}, NotFound("alert", id)
	}
	if by.User.Role != RoleChargeNurse {
		return Alert{}, Forbidden("only a charge nurse acknowledges or resolves alerts")
	}
	if !by.User.WorksOnUnit(a.UnitID) {
		return Alert{}, Forbidden("you are not the charge nurse of this alert's unit")
	}
	if a.ResolvedAt != nil {
		return Alert{}, &Error{Code: EConflict, Reason: "already_resolved",
			Message: fmt.Sprintf("the alert was already resolved by %s at %s", actorName(tx, a.ResolvedBy), a.ResolvedAt.UTC().Format(time.RFC3339)),
			Details: map[string]any{"resolved_by": a.ResolvedBy, "resolved_at": a.ResolvedAt.UTC(), "resolved_how": a.ResolvedHow}}
	}
	return a, nil
}

func checkNote(note string, required bool) (string, error) {
	note = strings.TrimSpace(note)
	if required && note == "" {
		return "", Invalid("note", "say why the alert is resolved")
	}
	if len(note) > maxNote {
		return "", Invalid("note", "must be at most %d characters", maxNote)
	}
	return note, nil
}

// AcknowledgeAlert records that the charge nurse has seen the alert; it
// stops the escalation. A second acknowledgement is a conflict that says
// who acknowledged first and when.
func (s *Service) AcknowledgeAlert(ctx context.Context, by Identity, id, note string) (Alert, error) {
	note, err := checkNote(note, false)
	if err != nil {
		return Alert{}, err
	}
	var out Alert
	err = s.Store.InTx(ctx, func(tx Tx) error {
		a, err := loadAlertForCharge(tx, by, id)
		if err != nil {
			return err
		}
		if a.AcknowledgedAt != nil {
			return &Error{Code: EConflict, Reason: "already_acknowledged",
				Message: fmt.Sprintf("the alert was already acknowledged by %s at %s", actorName(tx, a.AcknowledgedBy), a.AcknowledgedAt.UTC().Format(time.RFC3339)),
				Details: map[string]any{"acknowledged_by": a.AcknowledgedBy, "acknowledged_at": a.AcknowledgedAt.UTC()}}
		}
		now := s.now()
		ok, err := tx.AcknowledgeAlert(a.ID, by.User.ID, now, note)
		if err != nil {
			return err
		}
		if !ok {
			return Conflict("changed", "the alert changed while you were acknowledging it; reload it")
		}
		a.AcknowledgedAt, a.AcknowledgedBy, a.AckNote = &now, by.User.ID, note
		if _, err := s.appendAlertEvent(tx, a, EventAcknowledged, by.User.ID, note, now); err != nil {
			return err
		}
		out = a
		return s.audit(tx, by, AuditEntry{Action: "alert.acknowledge", ObjectType: "alert", ObjectID: a.ID, ResidentID: a.ResidentID, Detail: map[string]string{"kind": string(a.Kind), "note": note}})
	})
	return out, err
}

// ResolveAlert closes the alert with the charge nurse's note.
func (s *Service) ResolveAlert(ctx context.Context, by Identity, id, note string) (Alert, error) {
	note, err := checkNote(note, true)
	if err != nil {
		return Alert{}, err
	}
	var out Alert
	err = s.Store.InTx(ctx, func(tx Tx) error {
		a, err := loadAlertForCharge(tx, by, id)
		if err != nil {
			return err
		}
		if a.Kind == AlertCountDiscrepancy {
			// The alert closes with its discrepancy, which a second person
			// resolves with a reason (ResolveCountDiscrepancy).
			return Conflict("count_discrepancy_open", "resolve the count discrepancy itself (POST /api/v1/count-discrepancies/%s/resolve)", a.SubjectID)
		}
		now := s.now()
		ok, err := tx.ResolveAlert(a.ID, by.User.ID, now, ResolvedManually, note)
		if err != nil {
			return err
		}
		if !ok {
			return Conflict("changed", "the alert changed while you were resolving it; reload it")
		}
		a.ResolvedAt, a.ResolvedBy, a.ResolvedHow, a.ResolveNote = &now, by.User.ID, ResolvedManually, note
		if _, err := s.appendAlertEvent(tx, a, EventResolved, by.User.ID, note, now); err != nil {
			return err
		}
		out = a
		return s.audit(tx, by, AuditEntry{Action: "alert.resolve", ObjectType: "alert", ObjectID: a.ID, ResidentID: a.ResidentID, Detail: map[string]string{"kind": string(a.Kind), "how": ResolvedManually, "note": note}})
	})
	return out, err
}

// AlertStream is a caller's permission to follow one unit's alert events;
// only OpenAlertStream makes one, after checking and auditing the access.
type AlertStream struct {
	facilityID string
	unitID     string
	kinds      []AlertKind
}

// OpenAlertStream checks that the caller may follow the unit's alerts and
// audits the start of the stream once, not every poll.
func (s *Service) OpenAlertStream(ctx context.Context, by Identity, unitID string) (AlertStream, error) {
	if unitID == "" {
		return AlertStream{}, Invalid("unit_id", "is required")
	}
	_, kinds, err := alertScope(by, unitID)
	if err != nil {
		return AlertStream{}, err
	}
	st := AlertStream{facilityID: by.User.FacilityID, unitID: unitID, kinds: kinds}
	err = s.Store.InTx(ctx, func(tx Tx) error {
		u, err := tx.GetUnit(unitID)
		if err != nil || u.FacilityID != by.User.FacilityID {
			return NotFound("unit", unitID)
		}
		return s.audit(tx, by, AuditEntry{Action: "alert.stream", ObjectType: "unit", ObjectID: unitID})
	})
	return st, err
}

// AlertEvents returns up to limit events of the stream's unit after afterID.
func (s *Service) AlertEvents(ctx context.Context, st AlertStream, afterID int64, limit int) ([]AlertEvent, error) {
	if st.facilityID == "" {
		return nil, Forbidden("open the alert stream first")
	}
	var out []AlertEvent
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListAlertEvents(AlertEventFilter{FacilityID: st.facilityID, UnitID: st.unitID, Kinds: st.kinds, AfterID: afterID, Limit: limit})
		return err
	})
	return out, err
}
