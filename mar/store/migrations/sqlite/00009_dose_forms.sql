-- +goose Up
-- Dose forms: how a product's unit may be split (none, half, quarter, any;
-- '' = inferred from the form) and whether it may be crushed (NULL =
-- inferred from the form); the dose form an outside system stated on an
-- order (HL7 RXE-6, FHIR Medication.form), which can only tighten the rule.
ALTER TABLE products ADD COLUMN splitting text NOT NULL DEFAULT '' CHECK (splitting IN ('', 'none', 'half', 'quarter', 'any'));
ALTER TABLE products ADD COLUMN crushable integer;
ALTER TABLE orders ADD COLUMN dose_form text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE orders DROP COLUMN dose_form;
ALTER TABLE products DROP COLUMN crushable;
ALTER TABLE products DROP COLUMN splitting;
