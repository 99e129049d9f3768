-- +goose Up
-- Identification without a wristband: a bedside context opened by
-- selecting the resident by hand keeps the reason and the two identifiers
-- the nurse confirmed (e.g. "name,birth_date"); a scanned one keeps ''.
ALTER TABLE bedside_contexts ADD COLUMN manual_reason text NOT NULL DEFAULT '';
ALTER TABLE bedside_contexts ADD COLUMN manual_identifiers text NOT NULL DEFAULT '';
-- Every administration charted in such a context carries the reason, like
-- a keyed pack carries keyed_reason.
ALTER TABLE administrations ADD COLUMN patient_keyed_reason text NOT NULL DEFAULT '';
-- Patient-specific labels: the GS1 serial (AI 21) printed on a dispense's
-- label; unique per facility and GTIN, so a scanned pack finds its dispense.
ALTER TABLE dispenses ADD COLUMN serial text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX dispenses_serial ON dispenses (facility_id, gtin, serial) WHERE serial <> '';

-- +goose Down
DROP INDEX dispenses_serial;
ALTER TABLE dispenses DROP COLUMN serial;
ALTER TABLE administrations DROP COLUMN patient_keyed_reason;
ALTER TABLE bedside_contexts DROP COLUMN manual_identifiers;
ALTER TABLE bedside_contexts DROP COLUMN manual_reason;
