-- +goose Up
-- A patient identifier is a (system, value) pair: the same MRN under two
-- assigning authorities names two people. Numbers recorded before the
-- system was kept are taken to be in the service's own MRN system.
ALTER TABLE residents ADD COLUMN mrn_system text NOT NULL DEFAULT 'https://emar-project.github.io/fhir/sid/mrn';
ALTER TABLE residents ALTER COLUMN mrn_system DROP DEFAULT;
-- PID-5.3 / FHIR name.given after the first: kept apart from the given name.
ALTER TABLE residents ADD COLUMN middle_name text NOT NULL DEFAULT '';
ALTER TABLE residents DROP CONSTRAINT residents_facility_id_mrn_key;
ALTER TABLE residents ADD CONSTRAINT residents_identifier UNIQUE (facility_id, mrn_system, mrn);
-- Finding the same value under another system, to refuse it by name.
CREATE INDEX residents_mrn_value ON residents (facility_id, mrn);

-- +goose Down
DROP INDEX residents_mrn_value;
ALTER TABLE residents DROP CONSTRAINT residents_identifier;
ALTER TABLE residents ADD CONSTRAINT residents_facility_id_mrn_key UNIQUE (facility_id, mrn);
ALTER TABLE residents DROP COLUMN middle_name;
ALTER TABLE residents DROP COLUMN mrn_system;
