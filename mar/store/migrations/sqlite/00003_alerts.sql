-- +goose Up
-- Alerts raised by the sweeper and reviewed by the charge nurse. One alert
-- per (kind, subject): the sweeper re-derives every tick and inserts with
-- ON CONFLICT DO NOTHING, so a repeat, a restart or a second replica never
-- raises the same alert twice. Actors are text: a user id or 'system'.
CREATE TABLE alerts (
    id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    kind text NOT NULL CHECK (kind IN ('missed','late','due_soon','prn_followup_overdue','verification_overdue','vitals_missing','break_glass')),
    subject_id text NOT NULL,
    severity text NOT NULL CHECK (severity IN ('info','warning','critical')),
    unit_id text REFERENCES units(id),
    resident_id text REFERENCES residents(id),
    dose_id text REFERENCES scheduled_doses(id),
    order_id text REFERENCES orders(id),
    followup_id text,
    message text NOT NULL,
    due_at datetime NOT NULL,
    raised_at datetime NOT NULL,
    acknowledged_at datetime,
    acknowledged_by text,
    ack_note text NOT NULL DEFAULT '',
    resolved_at datetime,
    resolved_by text,
    resolved_how text NOT NULL DEFAULT '',
    resolve_note text NOT NULL DEFAULT '',
    escalation_level integer NOT NULL DEFAULT 0 CHECK (escalation_level BETWEEN 0 AND 2),
    escalated_at datetime,
    UNIQUE (kind, subject_id)
);
CREATE INDEX alerts_unit_raised ON alerts (unit_id, raised_at);
-- Settling and escalation look only at unresolved alerts: however many
-- resolved ones pile up, this index stays the size of the live board.
CREATE INDEX alerts_unresolved ON alerts (raised_at) WHERE resolved_at IS NULL;

-- Alert events get dense ids in commit order from a locked counter row
-- (a sequence can commit out of order), so a live-stream client that saw
-- event n resumes after n without missing one.
CREATE TABLE alert_event_head (
    id integer PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL
);
INSERT INTO alert_event_head (id, seq) VALUES (1, 0);

CREATE TABLE alert_events (
    id integer PRIMARY KEY,
    alert_id text NOT NULL REFERENCES alerts(id),
    facility_id text NOT NULL,
    unit_id text,
    type text NOT NULL CHECK (type IN ('raised','acknowledged','resolved','escalated')),
    at datetime NOT NULL,
    actor text NOT NULL,
    note text NOT NULL DEFAULT '',
    level integer NOT NULL DEFAULT 0
);
CREATE INDEX alert_events_unit ON alert_events (unit_id, id);

-- The webhook outbox is written in the transaction of the alert change,
-- so a crash can delay a delivery but never drop one.
CREATE TABLE alert_outbox (
    event_id integer PRIMARY KEY REFERENCES alert_events(id),
    facility_id text NOT NULL,
    created_at datetime NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at datetime NOT NULL,
    last_error text NOT NULL DEFAULT '',
    delivered_at datetime
);
CREATE INDEX alert_outbox_due ON alert_outbox (next_attempt_at) WHERE delivered_at IS NULL;

-- The late-dose sweep looks back over recently documented doses only.
CREATE INDEX scheduled_doses_documented ON scheduled_doses (documented_at) WHERE documented_at IS NOT NULL;

-- The verification sweep looks only at orders still waiting for pharmacy.
CREATE INDEX orders_pending_verification ON orders (created_at) WHERE status = 'pending_verification';

-- +goose Down
DROP INDEX orders_pending_verification;
DROP INDEX scheduled_doses_documented;
DROP TABLE alert_outbox;
DROP TABLE alert_events;
DROP TABLE alert_event_head;
DROP TABLE alerts;
