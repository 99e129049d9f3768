-- +goose Up
-- How far each order's doses exist, so the schedule job only expands the
-- slice of time that entered its horizon since the last run.
ALTER TABLE orders ADD COLUMN materialized_until datetime;
CREATE INDEX orders_materialize ON orders (status, materialized_until);

-- +goose Down
DROP INDEX orders_materialize;
ALTER TABLE orders DROP COLUMN materialized_until;
