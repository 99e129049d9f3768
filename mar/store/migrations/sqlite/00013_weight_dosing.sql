-- +goose Up
-- A weight-based order (dose_unit mg/kg, mcg/kg, units/kg …) may cap the
-- dose it computes from the resident's weight: max_dose, in the dose
-- unit's numerator (mg of a mg/kg order); 0 means no cap. Weights are
-- vitals of kind 'weight' in kg.
ALTER TABLE orders ADD COLUMN max_dose real NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE orders DROP COLUMN max_dose;
