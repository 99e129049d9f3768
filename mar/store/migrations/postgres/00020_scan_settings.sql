-- +goose Up
-- A facility's scanner configuration (wristband and badge formats, group
-- separator substitutes) as JSON; empty means the service's default.
ALTER TABLE facilities ADD COLUMN scan_settings text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE facilities DROP COLUMN scan_settings;
