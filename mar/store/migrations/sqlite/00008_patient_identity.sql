-- +goose NO TRANSACTION
-- A patient identifier is a (system, value) pair: the same MRN under two
-- assigning authorities names two people. Numbers recorded before the
-- system was kept are taken to be in the service's own MRN system.
--
-- SQLite cannot drop the table's UNIQUE (facility_id, mrn), so the table is
-- rebuilt the way https://www.sqlite.org/lang_altertable.html#otheralter
-- prescribes: foreign keys off outside the transaction, copy, drop, rename,
-- check, commit, foreign keys on.

-- +goose Up
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE residents_new (
    id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    unit_id text NOT NULL REFERENCES units(id),
    mrn_system text NOT NULL,
    mrn text NOT NULL,
    wristband_id text NOT NULL,
    family_name text NOT NULL,
    given_name text NOT NULL,
    middle_name text NOT NULL DEFAULT '',
    birth_date text NOT NULL,
    sex text NOT NULL DEFAULT 'unknown',
    room text NOT NULL DEFAULT '',
    bed text NOT NULL DEFAULT '',
    status text NOT NULL CHECK (status IN ('admitted','discharged')),
    admitted_at datetime NOT NULL,
    discharged_at datetime,
    CONSTRAINT residents_identifier UNIQUE (facility_id, mrn_system, mrn)
);
INSERT INTO residents_new (id, facility_id, unit_id, mrn_system, mrn, wristband_id, family_name, given_name, middle_name,
    birth_date, sex, room, bed, status, admitted_at, discharged_at)
SELECT id, facility_id, unit_id, 'https://emar-project.github.io/fhir/sid/mrn', mrn, wristband_id, family_name, given_name, '',
    birth_date, sex, room, bed, status, admitted_at, discharged_at FROM residents;
DROP TABLE residents;
ALTER TABLE residents_new RENAME TO residents;
CREATE INDEX residents_wristband ON residents (wristband_id);
CREATE INDEX residents_unit ON residents (unit_id, status);
CREATE INDEX residents_mrn_value ON residents (facility_id, mrn);
COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE residents_old (
    id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    unit_id text NOT NULL REFERENCES units(id),
    mrn text NOT NULL,
    wristband_id text NOT NULL,
    family_name text NOT NULL,
    given_name text NOT NULL,
    birth_date text NOT NULL,
    sex text NOT NULL DEFAULT 'unknown',
    room text NOT NULL DEFAULT '',
    bed text NOT NULL DEFAULT '',
    status text NOT NULL CHECK (status IN ('admitted','discharged')),
    admitted_at datetime NOT NULL,
    discharged_at datetime,
    UNIQUE (facility_id, mrn)
);
INSERT INTO residents_old (id, facility_id, unit_id, mrn, wristband_id, family_name, given_name, birth_date, sex, room, bed,
    status, admitted_at, discharged_at)
SELECT id, facility_id, unit_id, mrn, wristband_id, family_name, given_name, birth_date, sex, room, bed,
    status, admitted_at, discharged_at FROM residents;
DROP TABLE residents;
ALTER TABLE residents_old RENAME TO residents;
CREATE INDEX residents_wristband ON residents (wristband_id);
CREATE INDEX residents_unit ON residents (unit_id, status);
COMMIT;
PRAGMA foreign_keys = ON;
