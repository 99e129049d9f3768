-- +goose Up
-- Pharmacy and interoperability: order intake from HL7 v2 and FHIR,
-- verification, dispensing, waste, returns and counts, missing-dose
-- requests, the 14-day PRN psychotropic limit and the HL7 outbox.

-- ORC-3 (the pharmacy's order number) beside ORC-2 (external_id), so
-- XO/DC/HD/RL find the order by either; why an order was rejected or
-- stopped; and the regulatory stop of a PRN psychotropic order, which
-- renewals move (42 CFR 483.45(e)).
ALTER TABLE orders ADD COLUMN filler_id text NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN status_reason text NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN regulatory_stop_at datetime;
-- One live order per placer number from an outside system: a resent NW
-- is a duplicate, decided by the database, not by a check-then-act.
CREATE UNIQUE INDEX orders_external ON orders (facility_id, external_id) WHERE external_id <> '' AND source IN ('hl7', 'fhir');
CREATE INDEX orders_filler ON orders (facility_id, filler_id) WHERE filler_id <> '';

-- Codes other than GTIN/NDC under which outside systems name a product:
-- a pharmacy system's local code, RxNorm, SNOMED.
CREATE TABLE product_codes (
    facility_id text NOT NULL REFERENCES facilities(id),
    product_id text NOT NULL REFERENCES products(id),
    system text NOT NULL,
    code text NOT NULL,
    PRIMARY KEY (facility_id, system, code)
);
CREATE INDEX product_codes_product ON product_codes (product_id);

CREATE TABLE order_clarifications (
    id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    order_id text NOT NULL REFERENCES orders(id),
    question text NOT NULL,
    asked_by text NOT NULL REFERENCES users(id),
    asked_at datetime NOT NULL,
    resolved_by text REFERENCES users(id),
    resolved_at datetime,
    resolution text NOT NULL DEFAULT ''
);
CREATE INDEX order_clarifications_order ON order_clarifications (order_id);

CREATE TABLE order_renewals (
    id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    order_id text NOT NULL REFERENCES orders(id),
    rationale text NOT NULL,
    duration_days integer NOT NULL CHECK (duration_days > 0),
    evaluated integer NOT NULL,
    prescriber text NOT NULL DEFAULT '',
    renewed_by text NOT NULL REFERENCES users(id),
    renewed_at datetime NOT NULL,
    previous_stop datetime,
    new_stop datetime NOT NULL
);
CREATE INDEX order_renewals_order ON order_renewals (order_id);

-- The unit's stock ledger. The bedside migration creates it; it is
-- created here only when that migration is absent, with the same shape.
CREATE TABLE IF NOT EXISTS stock_movements (
    id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    unit_id text NOT NULL REFERENCES units(id),
    product_id text NOT NULL REFERENCES products(id),
    quantity real NOT NULL,
    kind text NOT NULL,
    ref_id text,
    at datetime NOT NULL,
    "by" text NOT NULL REFERENCES users(id)
);
CREATE INDEX IF NOT EXISTS stock_movements_unit ON stock_movements (unit_id, product_id, at);

CREATE TABLE dispenses (
    id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    unit_id text NOT NULL REFERENCES units(id),
    resident_id text REFERENCES residents(id),
    order_id text REFERENCES orders(id),
    product_id text NOT NULL REFERENCES products(id),
    gtin text NOT NULL DEFAULT '',
    quantity real NOT NULL CHECK (quantity > 0),
    lot text NOT NULL DEFAULT '',
    expiry text NOT NULL DEFAULT '',
    dispensed_at datetime NOT NULL,
    recorded_at datetime NOT NULL,
    dispensed_by text NOT NULL REFERENCES users(id),
    note text NOT NULL DEFAULT ''
);
CREATE INDEX dispenses_unit ON dispenses (unit_id, dispensed_at);
CREATE INDEX dispenses_resident ON dispenses (resident_id, dispensed_at);
CREATE INDEX dispenses_order ON dispenses (order_id);

-- Waste (with a witness for controlled substances) and returns to pharmacy.
CREATE TABLE stock_adjustments (
    id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    unit_id text NOT NULL REFERENCES units(id),
    product_id text NOT NULL REFERENCES products(id),
    kind text NOT NULL CHECK (kind IN ('wasted', 'returned')),
    quantity real NOT NULL CHECK (quantity > 0),
    lot text NOT NULL DEFAULT '',
    reason text NOT NULL,
    resident_id text REFERENCES residents(id),
    order_id text REFERENCES orders(id),
    administration_id text,
    witness_id text REFERENCES users(id),
    performed_by text NOT NULL REFERENCES users(id),
    performed_at datetime NOT NULL,
    recorded_at datetime NOT NULL
);
CREATE INDEX stock_adjustments_unit ON stock_adjustments (unit_id, performed_at);

-- Physical counts (controlled substances at shift change), compared with
-- the ledger at the time of the count.
CREATE TABLE stock_counts (
    id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    unit_id text NOT NULL REFERENCES units(id),
    product_id text NOT NULL REFERENCES products(id),
    counted real NOT NULL CHECK (counted >= 0),
    expected real NOT NULL,
    counted_by text NOT NULL REFERENCES users(id),
    witness_id text REFERENCES users(id),
    counted_at datetime NOT NULL,
    note text NOT NULL DEFAULT ''
);
CREATE INDEX stock_counts_unit ON stock_counts (unit_id, counted_at);

CREATE TABLE missing_dose_requests (
    id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    unit_id text NOT NULL REFERENCES units(id),
    resident_id text NOT NULL REFERENCES residents(id),
    order_id text NOT NULL REFERENCES orders(id),
    note text NOT NULL DEFAULT '',
    status text NOT NULL CHECK (status IN ('open', 'fulfilled', 'cancelled')),
    requested_by text NOT NULL REFERENCES users(id),
    requested_at datetime NOT NULL,
    dispense_id text REFERENCES dispenses(id),
    fulfilled_by text REFERENCES users(id),
    fulfilled_at datetime
);
CREATE INDEX missing_dose_requests_open ON missing_dose_requests (facility_id, requested_at) WHERE status = 'open';

-- Administrations given under an override (an unverified STAT order),
-- awaiting the pharmacist's retrospective review.
CREATE TABLE administration_reviews (
    administration_id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    order_id text NOT NULL REFERENCES orders(id),
    reason text NOT NULL,
    flagged_at datetime NOT NULL,
    reviewed_by text REFERENCES users(id),
    reviewed_at datetime,
    note text NOT NULL DEFAULT ''
);

-- HL7 v2 messages to send, written in the transaction of the event they
-- report and sent (with retries) by a worker: nothing is lost when the
-- peer is down, and nothing is sent for a change that rolled back.
CREATE TABLE outbound_messages (
    id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    kind text NOT NULL,
    ref_id text NOT NULL,
    control_id text NOT NULL UNIQUE,
    payload text NOT NULL,
    created_at datetime NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at datetime NOT NULL,
    sent_at datetime,
    last_error text NOT NULL DEFAULT ''
);
CREATE INDEX outbound_messages_pending ON outbound_messages (next_attempt_at) WHERE sent_at IS NULL;

-- +goose Down
DROP TABLE outbound_messages;
DROP TABLE administration_reviews;
DROP TABLE missing_dose_requests;
DROP TABLE stock_counts;
DROP TABLE stock_adjustments;
DROP TABLE dispenses;
DROP TABLE order_renewals;
DROP TABLE order_clarifications;
DROP TABLE product_codes;
DROP INDEX orders_filler;
DROP INDEX orders_external;
ALTER TABLE orders DROP COLUMN regulatory_stop_at;
ALTER TABLE orders DROP COLUMN status_reason;
ALTER TABLE orders DROP COLUMN filler_id;
