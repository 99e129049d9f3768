-- +goose Up
-- A back-charted dose that crosses a limit with doses already on the chart
-- (PRN interval or maximum, a second dose of the ingredient in a scheduled
-- window) is charted, flagged with the crossings, and raises a
-- limit_crossed alert for the charge nurse.
ALTER TABLE administrations ADD COLUMN limit_crossings text NOT NULL DEFAULT '[]';

-- SQLite cannot change a CHECK constraint: rebuild the alerts table. The
-- alert events' foreign keys are checked at commit, when alerts exist again.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE alerts_new (
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
INSERT INTO alerts_new SELECT * FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_new RENAME TO alerts;
CREATE INDEX alerts_unit_raised ON alerts (unit_id, raised_at);
CREATE INDEX alerts_unresolved ON alerts (raised_at) WHERE resolved_at IS NULL;

-- +goose Down
PRAGMA defer_foreign_keys = ON;
-- Down loses the limit_crossed alerts: the old constraint cannot hold them.
DELETE FROM alert_outbox WHERE event_id IN (SELECT e.id FROM alert_events e JOIN alerts a ON a.id = e.alert_id WHERE a.kind = 'limit_crossed');
DELETE FROM alert_events WHERE alert_id IN (SELECT id FROM alerts WHERE kind = 'limit_crossed');
DELETE FROM alerts WHERE kind = 'limit_crossed';
CREATE TABLE alerts_old (
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
INSERT INTO alerts_old SELECT * FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_old RENAME TO alerts;
CREATE INDEX alerts_unit_raised ON alerts (unit_id, raised_at);
CREATE INDEX alerts_unresolved ON alerts (raised_at) WHERE resolved_at IS NULL;
ALTER TABLE administrations DROP COLUMN limit_crossings;
