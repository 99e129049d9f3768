-- +goose Up
-- The shift-change count of controlled substances: two licensed staff (the
-- outgoing nurse, signed in, and the incoming nurse, who signs with their own
-- credentials) count every controlled product on hand on a unit. Each line
-- keeps what the records expected beside what was counted; the records are
-- never corrected by a count. A line that does not match is a discrepancy:
-- it raises a count_discrepancy alert and stays open until someone who did
-- not count resolves it with a reason.
CREATE TABLE controlled_counts (
    id uuid PRIMARY KEY,
    facility_id uuid NOT NULL REFERENCES facilities(id),
    unit_id uuid NOT NULL REFERENCES units(id),
    shift text NOT NULL CHECK (shift IN ('day', 'evening', 'night')),
    shift_date text NOT NULL,
    outgoing_by uuid NOT NULL REFERENCES users(id),
    incoming_by uuid NOT NULL REFERENCES users(id),
    counted_at timestamptz NOT NULL,
    note text NOT NULL DEFAULT '',
    CHECK (outgoing_by <> incoming_by)
);
CREATE INDEX controlled_counts_unit ON controlled_counts (unit_id, counted_at);

CREATE TABLE controlled_count_lines (
    id uuid PRIMARY KEY,
    count_id uuid NOT NULL REFERENCES controlled_counts(id),
    facility_id uuid NOT NULL REFERENCES facilities(id),
    unit_id uuid NOT NULL REFERENCES units(id),
    product_id uuid NOT NULL REFERENCES products(id),
    expected double precision NOT NULL,
    counted double precision NOT NULL CHECK (counted >= 0),
    status text NOT NULL CHECK (status IN ('matched', 'open', 'resolved')),
    alert_id uuid,
    resolved_by uuid REFERENCES users(id),
    resolved_at timestamptz,
    resolution text NOT NULL DEFAULT '',
    UNIQUE (count_id, product_id),
    CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
CREATE INDEX controlled_count_lines_open ON controlled_count_lines (unit_id) WHERE status = 'open';

ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN ('missed','late','due_soon','prn_followup_overdue','verification_overdue','vitals_missing','break_glass','limit_crossed','count_discrepancy'));

-- +goose Down
-- Down loses the count_discrepancy alerts: the old constraint cannot hold them.
DELETE FROM alert_outbox WHERE event_id IN (SELECT e.id FROM alert_events e JOIN alerts a ON a.id = e.alert_id WHERE a.kind = 'count_discrepancy');
DELETE FROM alert_events WHERE alert_id IN (SELECT id FROM alerts WHERE kind = 'count_discrepancy');
DELETE FROM alerts WHERE kind = 'count_discrepancy';
ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN ('missed','late','due_soon','prn_followup_overdue','verification_overdue','vitals_missing','break_glass','limit_crossed'));
DROP TABLE controlled_count_lines;
DROP TABLE controlled_counts;
