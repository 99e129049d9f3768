-- +goose Up
-- The language of the pages: a user's own choice, else the unit's, else
-- the facility's default (a flag). '' means "not chosen here".
ALTER TABLE users ADD COLUMN language text NOT NULL DEFAULT '';
ALTER TABLE units ADD COLUMN language text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE units DROP COLUMN language;
ALTER TABLE users DROP COLUMN language;
