package mar

import "time"

// AlertTx is the data access the alert capability needs inside a transaction.
type AlertTx interface {
	// OverdueDoses returns up to limit doses still scheduled whose window
	// closed before now, oldest first, without locking them: the sweep
	// must not hold a dose a nurse may be charting. On PostgreSQL it first
	// takes a transaction-scoped advisory lock that keeps sweepers on other
	// replicas apart, and returns nothing when another sweeper holds it.
	OverdueDoses(now time.Time, limit int) ([]AlertCandidate, error)
	// MarkDosesMissed moves the doses that are still scheduled to missed
	// and returns the ids it moved: a dose charted meanwhile is left alone,
	// and on PostgreSQL so is a dose another transaction holds (SKIP
	// LOCKED: the statement never waits for a nurse).
	MarkDosesMissed(ids []string) ([]string, error)
	// FindAlertCandidates lists subjects that need an alert of the kind
	// and do not have one yet. Kinds whose tables are not in the schema
	// yield nothing.
	FindAlertCandidates(kind AlertKind, q CandidateQuery) ([]AlertCandidate, error)
	// SettledAlerts lists unresolved alerts whose subject no longer needs
	// them (the dose was charted, the order verified …) with how.
	SettledAlerts(now time.Time, vitalsSince time.Time, limit int) ([]AlertSettlement, error)
	// EscalationCandidates lists unacknowledged, unresolved alerts whose
	// escalation is due: at level l, raised (or last escalated) before
	// before[l]. Levels past len(before) never escalate.
	EscalationCandidates(before []time.Time, limit int) ([]Alert, error)

	// InsertAlert stores a, unless an alert of the same kind for the same
	// subject exists; it reports whether a was stored.
	InsertAlert(a *Alert) (bool, error)
	GetAlert(id string) (Alert, error)
	ListAlerts(f AlertFilter) ([]Alert, error)
	// AcknowledgeAlert, ResolveAlert and EscalateAlert change an alert only
	// from the expected state and report whether they did, so two charge
	// nurses (or two replicas) cannot both act on the same alert.
	AcknowledgeAlert(id, by string, at time.Time, note string) (bool, error)
	ResolveAlert(id, by string, at time.Time, how, note string) (bool, error)
	EscalateAlert(id string, from, to int, at time.Time) (bool, error)

	// AppendAlertEvent assigns the next event id and stores e; with
	// outbox it also queues the event for the webhook.
	AppendAlertEvent(e *AlertEvent, outbox bool) error
	// ListAlertEvents returns events after f.AfterID in id order, each
	// with its alert as it is now.
	ListAlertEvents(f AlertEventFilter) ([]AlertEvent, error)

	// ClaimOutbox leases up to limit due, undelivered items until
	// leaseUntil (counting an attempt), so that another replica does not
	// send them at the same time; a crashed sender's lease simply runs out.
	ClaimOutbox(now, leaseUntil time.Time, limit int) ([]OutboxItem, error)
	MarkOutboxDelivered(eventID int64, at time.Time) error
	MarkOutboxFailed(eventID int64, next time.Time, errText string) error

	// ReportDoses lists the doses due in [f.From, f.To) with what the
	// report needs about their documentation.
	ReportDoses(f DoseReportFilter) ([]DoseReportRow, error)
	// ReportWristbandScans reads the live administrations charted in the
	// period with how the resident was identified.
	ReportWristbandScans(f DoseReportFilter) ([]WristbandScanRow, error)
}
