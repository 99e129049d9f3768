-- +goose Up
-- A unit's own med-pass times (JSON: abbreviation to "HH:MM" times; empty
-- means the facility's) and ISMP window widths in minutes (NULL: the
-- facility's). Orders keep their canonical frequency text, so a change
-- here moves no dose already scheduled or documented.
ALTER TABLE units ADD COLUMN pass_times text NOT NULL DEFAULT '';
ALTER TABLE units ADD COLUMN window_time_critical_min integer;
ALTER TABLE units ADD COLUMN window_frequent_min integer;
ALTER TABLE units ADD COLUMN window_daily_min integer;

-- A resident's identification photo (JPEG or PNG, decoded and checked on
-- upload); one per resident, replaced by a new upload.
CREATE TABLE resident_photos (
    resident_id uuid PRIMARY KEY REFERENCES residents(id),
    facility_id uuid NOT NULL REFERENCES facilities(id),
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg','image/png')),
    data bytea NOT NULL,
    sha256 text NOT NULL,
    width integer NOT NULL,
    height integer NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users(id)
);

-- +goose Down
DROP TABLE resident_photos;
ALTER TABLE units DROP COLUMN window_daily_min;
ALTER TABLE units DROP COLUMN window_frequent_min;
ALTER TABLE units DROP COLUMN window_time_critical_min;
ALTER TABLE units DROP COLUMN pass_times;
