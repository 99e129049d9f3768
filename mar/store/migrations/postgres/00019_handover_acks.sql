-- +goose Up
-- The incoming nurse acknowledges a unit's shift handover: once per person,
-- unit and shift (the local date the shift began and its name).
CREATE TABLE handover_acknowledgements (
    id uuid PRIMARY KEY,
    facility_id uuid NOT NULL REFERENCES facilities(id),
    unit_id uuid NOT NULL REFERENCES units(id),
    shift text NOT NULL CHECK (shift IN ('day', 'evening', 'night')),
    shift_date text NOT NULL,
    user_id uuid NOT NULL REFERENCES users(id),
    acknowledged_at timestamptz NOT NULL,
    note text NOT NULL DEFAULT '',
    UNIQUE (unit_id, shift_date, shift, user_id)
);

-- +goose Down
DROP TABLE handover_acknowledgements;
