-- +goose Up
-- A back-charted dose that crosses a limit with doses already on the chart
-- (PRN interval or maximum, a second dose of the ingredient in a scheduled
-- window) is charted, flagged with the crossings, and raises a
-- limit_crossed alert for the charge nurse.
ALTER TABLE administrations ADD COLUMN limit_crossings text NOT NULL DEFAULT '[]';
ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN ('missed','late','due_soon','prn_followup_overdue','verification_overdue','vitals_missing','break_glass','limit_crossed'));

-- +goose Down
-- Down loses the limit_crossed alerts: the old constraint cannot hold them.
DELETE FROM alert_outbox WHERE event_id IN (SELECT e.id FROM alert_events e JOIN alerts a ON a.id = e.alert_id WHERE a.kind = 'limit_crossed');
DELETE FROM alert_events WHERE alert_id IN (SELECT id FROM alerts WHERE kind = 'limit_crossed');
DELETE FROM alerts WHERE kind = 'limit_crossed';
ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN ('missed','late','due_soon','prn_followup_overdue','verification_overdue','vitals_missing','break_glass'));
ALTER TABLE administrations DROP COLUMN limit_crossings;
