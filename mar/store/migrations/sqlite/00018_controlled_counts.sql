-- +goose Up
-- The shift-change count of controlled substances: two licensed staff (the
-- outgoing nurse, signed in, and the incoming nurse, who signs with their own
-- credentials) count every controlled product on hand on a unit. Each line
-- keeps what the records expected beside what was counted; the records are
-- never corrected by a count. A line that does not match is a discrepancy:
-- it raises a count_discrepancy alert and stays open until someone who did
-- not count resolves it with a reason.
CREATE TABLE controlled_counts (
    id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    unit_id text NOT NULL REFERENCES units(id),
    shift text NOT NULL CHECK (shift IN ('day', 'evening', 'night')),
    shift_date text NOT NULL,
    outgoing_by text NOT NULL REFERENCES users(id),
    incoming_by text NOT NULL REFERENCES users(id),
    counted_at datetime NOT NULL,
    note text NOT NULL DEFAULT '',
    CHECK (outgoing_by <> incoming_by)
);
CREATE INDEX controlled_counts_unit ON controlled_counts (unit_id, counted_at);

CREATE TABLE controlled_count_lines (
    id text PRIMARY KEY,
    count_id text NOT NULL REFERENCES controlled_counts(id),
    facility_id text NOT NULL REFERENCES facilities(id),
    unit_id text NOT NULL REFERENCES units(id),
    product_id text NOT NULL REFERENCES products(id),
    expected real NOT NULL,
    counted real NOT NULL CHECK (counted >= 0),
    status text NOT NULL CHECK (status IN ('matched', 'open', 'resolved')),
    alert_id text,
    resolved_by text REFERENCES users(id),
    resolved_at datetime,
    resolution text NOT NULL DEFAULT '',
    UNIQUE (count_id, product_id),
    CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
CREATE INDEX controlled_count_lines_open ON controlled_count_lines (unit_id) WHERE status = 'open';

-- SQLite cannot change a CHECK constraint: rebuild the alerts table. The
-- alert events' foreign keys are checked at commit, when alerts exist again.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE alerts_new (
    id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    kind text NOT NULL CHECK (kind IN ('missed','late','due_soon','prn_followup_overdue','verification_overdue','vitals_missing','break_glass','limit_crossed','count_discrepancy')),
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
INSERT INTO alerts_new SELECT * FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_new RENAME TO alerts;
CREATE INDEX alerts_unit_raised ON alerts (unit_id, raised_at);
CREATE INDEX alerts_unresolved ON alerts (raised_at) WHERE resolved_at IS NULL;

-- +goose Down
PRAGMA defer_foreign_keys = ON;
-- Down loses the count_discrepancy alerts: the old constraint cannot hold them.
DELETE FROM alert_outbox WHERE event_id IN (SELECT e.id FROM alert_events e JOIN alerts a ON a.id = e.alert_id WHERE a.kind = 'count_discrepancy');
DELETE FROM alert_events WHERE alert_id IN (SELECT id FROM alerts WHERE kind = 'count_discrepancy');
DELETE FROM alerts WHERE kind = 'count_discrepancy';
CREATE TABLE alerts_old (
    id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    kind text NOT NULL CHECK (kind IN ('missed','late','due_soon','prn_followup_overdue','verification_overdue','vitals_missing','break_glass','limit_crossed')),
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
INSERT INTO alerts_old SELECT * FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_old RENAME TO alerts;
CREATE INDEX alerts_unit_raised ON alerts (unit_id, raised_at);
CREATE INDEX alerts_unresolved ON alerts (raised_at) WHERE resolved_at IS NULL;
DROP TABLE controlled_count_lines;
DROP TABLE controlled_counts;
