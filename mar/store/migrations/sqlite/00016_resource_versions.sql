-- +goose Up
-- Residents and orders carry a version, counted from 1 and raised by one on
-- every change of the row: FHIR meta.versionId and ETag, and the If-Match
-- check that refuses an update made against an older version. Residents
-- also keep when they last changed (orders have updated_at already).
ALTER TABLE orders ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE residents ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE residents ADD COLUMN updated_at datetime;

-- +goose Down
ALTER TABLE residents DROP COLUMN updated_at;
ALTER TABLE residents DROP COLUMN version;
ALTER TABLE orders DROP COLUMN version;
