-- +goose Up
-- Catalogue products carry a version, counted from 1 and raised by one on
-- every change (the catalogue pages' edits, packages added, dose form):
-- an edit made against an older version is refused, not silently merged.
ALTER TABLE products ADD COLUMN version bigint NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE products DROP COLUMN version;
