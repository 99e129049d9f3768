-- +goose Up
-- Bedside administration: wristband contexts, administrations, the stock
-- movements they cause, PRN follow-ups, patch removals, vital signs and
-- the idempotency records of bedside writes.

CREATE TABLE bedside_contexts (
    id uuid PRIMARY KEY,
    facility_id uuid NOT NULL REFERENCES facilities(id),
    user_id uuid NOT NULL REFERENCES users(id),
    resident_id uuid NOT NULL REFERENCES residents(id),
    scanned_code text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX bedside_contexts_user ON bedside_contexts (user_id, created_at);

CREATE TABLE administrations (
    id uuid PRIMARY KEY,
    facility_id uuid NOT NULL REFERENCES facilities(id),
    resident_id uuid NOT NULL REFERENCES residents(id),
    unit_id uuid NOT NULL REFERENCES units(id),
    order_id uuid NOT NULL REFERENCES orders(id),
    dose_id uuid REFERENCES scheduled_doses(id),
    product_id uuid REFERENCES products(id),
    context_id uuid REFERENCES bedside_contexts(id),
    performer_id uuid NOT NULL REFERENCES users(id),
    witness_id uuid REFERENCES users(id),
    performed_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    device_time timestamptz,
    clock_skewed boolean NOT NULL DEFAULT false,
    back_documented boolean NOT NULL DEFAULT false,
    back_documented_reason text NOT NULL DEFAULT '',
    scanned_wrist text NOT NULL DEFAULT '',
    scanned_product text NOT NULL DEFAULT '',
    keyed boolean NOT NULL DEFAULT false,
    keyed_reason text NOT NULL DEFAULT '',
    gtin text NOT NULL DEFAULT '',
    lot text NOT NULL DEFAULT '',
    expiry text NOT NULL DEFAULT '',
    serial text NOT NULL DEFAULT '',
    quantity double precision NOT NULL DEFAULT 0,
    amount double precision NOT NULL DEFAULT 0,
    unit text NOT NULL DEFAULT '',
    route text NOT NULL DEFAULT '',
    site text NOT NULL DEFAULT '',
    patch boolean NOT NULL DEFAULT false,
    prn boolean NOT NULL DEFAULT false,
    outcome text NOT NULL CHECK (outcome IN ('given','held','refused','not_given')),
    reason_code text NOT NULL DEFAULT '',
    reason_text text NOT NULL DEFAULT '',
    prn_indication text NOT NULL DEFAULT '',
    pain_score integer CHECK (pain_score IS NULL OR pain_score BETWEEN 0 AND 10 OR pain_score = 99),
    late boolean NOT NULL DEFAULT false,
    early boolean NOT NULL DEFAULT false,
    overrides text NOT NULL DEFAULT '[]',
    idempotency_key text NOT NULL DEFAULT '',
    entered_in_error boolean NOT NULL DEFAULT false,
    error_reason text NOT NULL DEFAULT '',
    error_by uuid REFERENCES users(id),
    error_at timestamptz
);
-- One live administration per dose, whatever the application does: the
-- backstop against double charting.
CREATE UNIQUE INDEX administrations_one_per_dose ON administrations (dose_id) WHERE entered_in_error = false;
CREATE INDEX administrations_resident ON administrations (resident_id, performed_at);
CREATE INDEX administrations_patches ON administrations (resident_id) WHERE patch = true AND outcome = 'given' AND entered_in_error = false;

CREATE TABLE stock_movements (
    id uuid PRIMARY KEY,
    facility_id uuid NOT NULL REFERENCES facilities(id),
    unit_id uuid NOT NULL REFERENCES units(id),
    product_id uuid NOT NULL REFERENCES products(id),
    quantity double precision NOT NULL,
    kind text NOT NULL,
    ref_id uuid,
    at timestamptz NOT NULL,
    "by" uuid NOT NULL REFERENCES users(id)
);
CREATE INDEX stock_movements_product ON stock_movements (facility_id, product_id, at);
CREATE INDEX stock_movements_ref ON stock_movements (ref_id);

CREATE TABLE prn_followups (
    id uuid PRIMARY KEY,
    facility_id uuid NOT NULL REFERENCES facilities(id),
    resident_id uuid NOT NULL REFERENCES residents(id),
    order_id uuid NOT NULL REFERENCES orders(id),
    administration_id uuid NOT NULL UNIQUE REFERENCES administrations(id),
    due_at timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'due' CHECK (status IN ('due','documented','cancelled')),
    documented_at timestamptz,
    documented_by uuid REFERENCES users(id),
    result text NOT NULL DEFAULT '',
    pain_score integer,
    note text NOT NULL DEFAULT ''
);
-- The alert sweeper reads (id, resident_id, order_id, due_at, documented_at):
-- a follow-up is open while documented_at is null. A cancelled one (its
-- dose entered in error) is closed with the time of the cancellation.
CREATE INDEX prn_followups_open ON prn_followups (due_at) WHERE documented_at IS NULL;

CREATE TABLE patch_removals (
    administration_id uuid PRIMARY KEY REFERENCES administrations(id),
    facility_id uuid NOT NULL REFERENCES facilities(id),
    resident_id uuid NOT NULL REFERENCES residents(id),
    removed_at timestamptz NOT NULL,
    removed_by uuid NOT NULL REFERENCES users(id),
    site text NOT NULL DEFAULT '',
    note text NOT NULL DEFAULT '',
    recorded_at timestamptz NOT NULL
);

CREATE TABLE vitals (
    id uuid PRIMARY KEY,
    facility_id uuid NOT NULL REFERENCES facilities(id),
    resident_id uuid NOT NULL REFERENCES residents(id),
    kind text NOT NULL,
    value double precision NOT NULL,
    unit text NOT NULL DEFAULT '',
    taken_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    recorded_by uuid NOT NULL REFERENCES users(id),
    administration_id uuid REFERENCES administrations(id)
);
CREATE INDEX vitals_resident ON vitals (resident_id, kind, taken_at);

-- Written in the same transaction as the change it answers; status 0
-- never commits (a failed write rolls its key back).
CREATE TABLE idempotency_keys (
    user_id uuid NOT NULL REFERENCES users(id),
    key text NOT NULL,
    request_hash text NOT NULL,
    status integer NOT NULL DEFAULT 0,
    response_body text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE vitals;
DROP TABLE patch_removals;
DROP TABLE prn_followups;
DROP TABLE stock_movements;
DROP TABLE administrations;
DROP TABLE bedside_contexts;
