-- +goose Up
-- What was given, unambiguously: the quantity is in quantity_unit, the
-- product's unit of use (tablet, mL, patch …); the amount is in unit, the
-- order's dose unit (mg, units …). Rows written before carry '' and their
-- quantity is in the product's unit of use, as before.
ALTER TABLE administrations ADD COLUMN quantity_unit text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE administrations DROP COLUMN quantity_unit;
