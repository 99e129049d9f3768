package mar

import (
	"fmt"
	"strings"
	"time"
)

// AlertKind names what an alert is about. Each kind has one subject (a
// dose, an order or a PRN follow-up), and the pair (kind, subject) is
// unique, so deriving the same alert twice is a no-op.
type AlertKind string

const (
	AlertMissed              AlertKind = "missed"               // dose window closed without documentation
	AlertLate                AlertKind = "late"                 // dose given after its window closed (informational)
	AlertDueSoon             AlertKind = "due_soon"             // optional reminder before a dose is due
	AlertPRNFollowupOverdue  AlertKind = "prn_followup_overdue" // PRN effectiveness not assessed in time
	AlertVerificationOverdue AlertKind = "verification_overdue" // order waiting for pharmacy too long
	AlertVitalsMissing       AlertKind = "vitals_missing"       // hold parameters need a fresh vital sign
	AlertBreakGlass          AlertKind = "break_glass"          // someone used emergency access on the unit
	AlertLimitCrossed        AlertKind = "limit_crossed"        // a back-charted dose crosses a limit with doses on the chart
)

// AlertKinds lists every kind.
var AlertKinds = []AlertKind{AlertMissed, AlertLate, AlertDueSoon, AlertPRNFollowupOverdue, AlertVerificationOverdue, AlertVitalsMissing, AlertBreakGlass, AlertLimitCrossed, AlertCountDiscrepancy}

// AlertSeverity tells the board how loudly to show an alert.
type AlertSeverity string

const (
	SeverityInfo     AlertSeverity = "info"
	SeverityWarning  AlertSeverity = "warning"
	SeverityCritical AlertSeverity = "critical"
)

// AlertStatus is derived from the acknowledgement and resolution times.
type AlertStatus string

const (
	AlertOpen         AlertStatus = "open"         // neither acknowledged nor resolved
	AlertAcknowledged AlertStatus = "acknowledged" // seen by the charge nurse, not yet resolved
	AlertResolved     AlertStatus = "resolved"
	AlertActive       AlertStatus = "active" // filter only: open or acknowledged
	AlertAny          AlertStatus = "all"    // filter only
)

// Escalation levels: who an unacknowledged alert is shown to.
const (
	EscalationNurse       = 0 // the nurse caring for the resident
	EscalationChargeNurse = 1
	EscalationUnitManager = 2
	MaxEscalation         = EscalationUnitManager
)

// How an alert was resolved.
const (
	ResolvedManually   = "manual"     // a charge nurse resolved it with a note
	ResolvedDocumented = "documented" // the dose or follow-up was charted after all
	ResolvedCancelled  = "cancelled"  // the dose was cancelled or suspended with its order
	ResolvedSuperseded = "superseded" // a due-soon reminder whose dose went on to be missed
	ResolvedVerified   = "verified"   // pharmacy verified (or rejected) the order
	ResolvedVitals     = "vitals"     // the missing vital sign was recorded
	ResolvedInfo       = "info"       // informational alerts are born resolved
)

// Alert is something the charge nurse should see: a missed or late dose,
// an overdue follow-up or verification, missing vital signs.
type Alert struct {
	ID         string
	FacilityID string
	Kind       AlertKind
	Severity   AlertSeverity
	SubjectID  string // the dose, order or follow-up; unique with Kind
	UnitID     string
	ResidentID string
	DoseID     string
	OrderID    string
	FollowupID string
	Message    string
	DueAt      time.Time // when the subject was due (dose due, follow-up due, order received)
	RaisedAt   time.Time

	AcknowledgedAt *time.Time
	AcknowledgedBy string
	AckNote        string

	ResolvedAt  *time.Time
	ResolvedBy  string
	ResolvedHow string
	ResolveNote string

	EscalationLevel int
	EscalatedAt     *time.Time
}

// Status derives the alert's state.
func (a Alert) Status() AlertStatus {
	switch {
	case a.ResolvedAt != nil:
		return AlertResolved
	case a.AcknowledgedAt != nil:
		return AlertAcknowledged
	}
	return AlertOpen
}

// AlertEventType names a change of an alert, as the live stream and the
// webhook report it.
type AlertEventType string

const (
	EventRaised       AlertEventType = "raised"
	EventAcknowledged AlertEventType = "acknowledged"
	EventResolved     AlertEventType = "resolved"
	EventEscalated    AlertEventType = "escalated"
)

// AlertEvent is one change of an alert. IDs are dense and assigned in
// commit order, so a client that has seen event n has seen every event
// before it and can resume from n without gaps.
type AlertEvent struct {
	ID         int64
	AlertID    string
	FacilityID string
	UnitID     string
	Type       AlertEventType
	At         time.Time
	Actor      string // user id, or SystemUserID
	Note       string
	Level      int   // escalation level after the change
	Alert      Alert // the alert as it is now (filled when listing)
}

// AlertFilter selects alerts.
type AlertFilter struct {
	FacilityID string
	UnitIDs    []string // empty = every unit
	Kinds      []AlertKind
	Status     AlertStatus
	From, To   time.Time // raised in [From, To)
	Limit      int
}

// AlertEventFilter selects alert events after a known id.
type AlertEventFilter struct {
	FacilityID string
	UnitID     string
	Kinds      []AlertKind
	AfterID    int64
	Limit      int
}

// AlertCandidate is a subject the store found in need of an alert; the
// rules in this package turn it into an Alert.
type AlertCandidate struct {
	Kind       AlertKind
	SubjectID  string
	FacilityID string
	UnitID     string
	ResidentID string
	DoseID     string
	OrderID    string
	FollowupID string
	DueAt      time.Time // dose due, follow-up due, order received
	WindowEnd  time.Time // doses: when the window closed
	DoneAt     time.Time // late doses: when they were documented
	Medication string    // e.g. "metoprolol tartrate 25 mg"
	TimeZone   string    // the unit's zone, for the message
	Critical   bool      // time-critical or high-alert medication
	Vital      string    // vitals_missing: the vital sign that is missing
}

// CandidateQuery bounds a candidate search. Every bound is in UTC.
type CandidateQuery struct {
	Now    time.Time
	Since  time.Time // late: documented at or after; vitals: readings at or after
	Until  time.Time // due soon: due at or before
	Before time.Time // verification: received before
	Limit  int
}

// AlertSettlement is an unresolved alert whose subject no longer needs it.
type AlertSettlement struct {
	AlertID string
	How     string
}

// OutboxItem is an alert event waiting to be delivered to the webhook.
type OutboxItem struct {
	EventID  int64
	Attempts int // including the one being made now
	Event    AlertEvent
}

// SystemUserID is the actor recorded for what the service does on its own
// (the alert sweeper): it is not an account and cannot sign in.
const SystemUserID = "system"

// RoleSystem is the role of the system identity. It is deliberately not
// in Roles, so no account can be given it.
const RoleSystem Role = "system"

// SystemIdentity is the identity the sweeper acts as within a facility.
func SystemIdentity(facilityID string) Identity {
	return Identity{
		User:   User{ID: SystemUserID, FacilityID: facilityID, Username: SystemUserID, DisplayName: "eMAR alert sweeper", Role: RoleSystem, Active: true},
		Device: "alerts-sweeper",
	}
}

// Shift names.
const (
	ShiftDay     = "day"
	ShiftEvening = "evening"
	ShiftNight   = "night"
)

// Shifts lists the shifts in the order they start within a day.
var Shifts = []string{ShiftDay, ShiftEvening, ShiftNight}

// ShiftStarts are the local wall-clock starts of the day, evening and
// night shifts as offsets from midnight. Each shift ends when the next
// begins; the night shift runs into the next calendar day.
type ShiftStarts [3]time.Duration

// DefaultShiftStarts is 07:00, 15:00 and 23:00.
var DefaultShiftStarts = ShiftStarts{7 * time.Hour, 15 * time.Hour, 23 * time.Hour}

// ParseShiftStarts reads "07:00,15:00,23:00".
func ParseShiftStarts(s string) (ShiftStarts, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return ShiftStarts{}, fmt.Errorf("shift starts %q: want three times HH:MM,HH:MM,HH:MM", s)
	}
	var out ShiftStarts
	for i, p := range parts {
		t, err := time.Parse("15:04", strings.TrimSpace(p))
		if err != nil {
			return ShiftStarts{}, fmt.Errorf("shift starts %q: %q is not HH:MM", s, p)
		}
		out[i] = time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
		if i > 0 && out[i] <= out[i-1] {
			return ShiftStarts{}, fmt.Errorf("shift starts %q: times must increase within the day", s)
		}
	}
	return out, nil
}

func shiftIndex(name string) int {
	for i, s := range Shifts {
		if s == name {
			return i
		}
	}
	return -1
}

// wallClock builds the local instant of date + offset with time.Date, so a
// shift that starts at 07:00 starts at 07:00 local time on DST days too
// (adding hours to midnight would drift by the DST jump).
func wallClock(date time.Time, off time.Duration, loc *time.Location) time.Time {
	h, m := int(off/time.Hour), int(off%time.Hour/time.Minute)
	return time.Date(date.Year(), date.Month(), date.Day(), h, m, 0, 0, loc)
}

// Window returns the UTC instants [from, to) of the named shift that
// starts on the local calendar date.
func (st ShiftStarts) Window(loc *time.Location, date time.Time, shift string) (time.Time, time.Time, error) {
	i := shiftIndex(shift)
	if i < 0 {
		return time.Time{}, time.Time{}, Invalid("shift", "must be day, evening or night")
	}
	from := wallClock(date, st[i], loc)
	var to time.Time
	if i < 2 {
		to = wallClock(date, st[i+1], loc)
	} else {
		to = wallClock(date.AddDate(0, 0, 1), st[0], loc)
	}
	return from.UTC(), to.UTC(), nil
}

// At tells which shift the instant falls in, and the local date on which
// that shift started.
func (st ShiftStarts) At(t time.Time, loc *time.Location) (shift string, date time.Time) {
	local := t.In(loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	for _, d := range []time.Time{day, day.AddDate(0, 0, -1)} {
		for _, name := range Shifts {
			from, to, _ := st.Window(loc, d, name)
			if !t.Before(from) && t.Before(to) {
				return name, d
			}
		}
	}
	return ShiftNight, day // unreachable with increasing starts
}

// Latest returns the most recent occurrence of the shift that has begun at
// now: the current one when now falls inside it.
func (st ShiftStarts) Latest(now time.Time, loc *time.Location, shift string) (time.Time, time.Time, error) {
	local := now.In(loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	for _, d := range []time.Time{day, day.AddDate(0, 0, -1)} {
		from, to, err := st.Window(loc, d, shift)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		if !now.Before(from) {
			return from, to, nil
		}
	}
	return st.Window(loc, day.AddDate(0, 0, -2), shift)
}

// SettlementFor tells whether an unresolved alert about a dose is settled
// by the dose's status now, and how.
func SettlementFor(kind AlertKind, dose DoseStatus) (how string, settled bool) {
	switch {
	case dose.Documented():
		return ResolvedDocumented, true
	case dose == DoseCancelled || dose == DoseSuspended:
		return ResolvedCancelled, true
	case dose == DoseMissed && kind != AlertMissed:
		// A reminder or a vitals prompt is replaced by the missed alert.
		return ResolvedSuperseded, true
	}
	return "", false
}
