-- +goose Up
-- An order sent on hold (FHIR MedicationRequest.status on-hold on create)
-- waits for verification like any other and is held, not made givable,
-- when verified: hold_on_verify is the hold's reason until then.
ALTER TABLE orders ADD COLUMN hold_on_verify text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE orders DROP COLUMN hold_on_verify;
