-- +goose Up
-- A pack scanned without group separators can often be read several ways
-- that agree on GTIN and expiry but not on the lot or the serial: the
-- administration records which of the two is uncertain.
ALTER TABLE administrations ADD COLUMN lot_uncertain integer NOT NULL DEFAULT 0;
ALTER TABLE administrations ADD COLUMN serial_uncertain integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE administrations DROP COLUMN serial_uncertain;
ALTER TABLE administrations DROP COLUMN lot_uncertain;
