-- +goose Up
CREATE TABLE facilities (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    time_zone text NOT NULL
);

CREATE TABLE units (
    id uuid PRIMARY KEY,
    facility_id uuid NOT NULL REFERENCES facilities(id),
    code text NOT NULL,
    name text NOT NULL,
    time_zone text NOT NULL,
    UNIQUE (facility_id, code)
);

CREATE TABLE users (
    id uuid PRIMARY KEY,
    facility_id uuid NOT NULL REFERENCES facilities(id),
    username text NOT NULL UNIQUE,
    display_name text NOT NULL,
    role text NOT NULL CHECK (role IN ('nurse','charge_nurse','pharmacist','admin')),
    password_hash text NOT NULL,
    badge_id text,
    pin_hash text NOT NULL DEFAULT '',
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_badge ON users (badge_id) WHERE badge_id IS NOT NULL;

CREATE TABLE user_units (
    user_id uuid NOT NULL REFERENCES users(id),
    unit_id uuid NOT NULL REFERENCES units(id),
    PRIMARY KEY (user_id, unit_id)
);

CREATE TABLE sessions (
    id uuid PRIMARY KEY,
    token_hash text NOT NULL UNIQUE,
    user_id uuid NOT NULL REFERENCES users(id),
    kind text NOT NULL,
    created_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    csrf_token text NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE residents (
    id uuid PRIMARY KEY,
    facility_id uuid NOT NULL REFERENCES facilities(id),
    unit_id uuid NOT NULL REFERENCES units(id),
    mrn text NOT NULL,
    wristband_id text NOT NULL,
    family_name text NOT NULL,
    given_name text NOT NULL,
    birth_date text NOT NULL,
    sex text NOT NULL DEFAULT 'unknown',
    room text NOT NULL DEFAULT '',
    bed text NOT NULL DEFAULT '',
    status text NOT NULL CHECK (status IN ('admitted','discharged')),
    admitted_at timestamptz NOT NULL,
    discharged_at timestamptz,
    UNIQUE (facility_id, mrn)
);
CREATE INDEX residents_wristband ON residents (wristband_id);
CREATE INDEX residents_unit ON residents (unit_id, status);

CREATE TABLE allergies (
    id uuid PRIMARY KEY,
    resident_id uuid NOT NULL REFERENCES residents(id),
    substance text NOT NULL,
    reaction text NOT NULL DEFAULT '',
    severity text NOT NULL DEFAULT ''
);
CREATE INDEX allergies_resident ON allergies (resident_id);

CREATE TABLE products (
    id uuid PRIMARY KEY,
    facility_id uuid NOT NULL REFERENCES facilities(id),
    name text NOT NULL,
    form text NOT NULL,
    routes text NOT NULL,
    high_alert text NOT NULL DEFAULT 'none',
    controlled text NOT NULL DEFAULT '',
    time_critical boolean NOT NULL DEFAULT false,
    psychotropic boolean NOT NULL DEFAULT false,
    antipsychotic boolean NOT NULL DEFAULT false
);

CREATE TABLE product_ingredients (
    product_id uuid NOT NULL REFERENCES products(id),
    position integer NOT NULL,
    name text NOT NULL,
    strength_value double precision NOT NULL,
    strength_unit text NOT NULL,
    PRIMARY KEY (product_id, position)
);
CREATE INDEX product_ingredients_name ON product_ingredients (name);

CREATE TABLE product_packages (
    id uuid PRIMARY KEY,
    product_id uuid NOT NULL REFERENCES products(id),
    gtin text NOT NULL UNIQUE,
    ndc text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT '',
    quantity double precision NOT NULL DEFAULT 1
);
CREATE INDEX product_packages_ndc ON product_packages (ndc);

CREATE TABLE orders (
    id uuid PRIMARY KEY,
    facility_id uuid NOT NULL REFERENCES facilities(id),
    resident_id uuid NOT NULL REFERENCES residents(id),
    product_id uuid REFERENCES products(id),
    ingredient text NOT NULL,
    dose_value double precision NOT NULL,
    dose_unit text NOT NULL,
    route text NOT NULL,
    frequency text NOT NULL,
    prn boolean NOT NULL DEFAULT false,
    prn_reason text NOT NULL DEFAULT '',
    start_at timestamptz NOT NULL,
    stop_at timestamptz,
    status text NOT NULL,
    prescriber text NOT NULL DEFAULT '',
    instructions text NOT NULL DEFAULT '',
    window_class text NOT NULL DEFAULT '',
    hold_params text NOT NULL DEFAULT '[]',
    sliding_scale text NOT NULL DEFAULT '[]',
    source text NOT NULL DEFAULT 'rest',
    external_id text NOT NULL DEFAULT '',
    verified_by uuid,
    verified_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX orders_resident ON orders (resident_id, status);
CREATE INDEX orders_status ON orders (facility_id, status);

CREATE TABLE scheduled_doses (
    id uuid PRIMARY KEY,
    facility_id uuid NOT NULL REFERENCES facilities(id),
    order_id uuid NOT NULL REFERENCES orders(id),
    resident_id uuid NOT NULL REFERENCES residents(id),
    unit_id uuid NOT NULL REFERENCES units(id),
    due_at timestamptz NOT NULL,
    window_start timestamptz NOT NULL,
    window_end timestamptz NOT NULL,
    status text NOT NULL,
    step integer NOT NULL DEFAULT 0,
    step_dose text NOT NULL DEFAULT '',
    documented_by uuid,
    documented_at timestamptz,
    admin_id uuid,
    UNIQUE (order_id, due_at)
);
CREATE INDEX scheduled_doses_resident_due ON scheduled_doses (resident_id, due_at);
-- The sweeper and the due lists touch only open doses: keep that index
-- small however long the history grows.
CREATE INDEX scheduled_doses_open ON scheduled_doses (window_end) WHERE status = 'scheduled';

CREATE TABLE audit_head (
    id integer PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL,
    hash text NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_events (
    seq bigint PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    facility_id text NOT NULL,
    at timestamptz NOT NULL,
    user_id text NOT NULL,
    role text NOT NULL,
    action text NOT NULL,
    object_type text NOT NULL,
    object_id text NOT NULL,
    resident_id text NOT NULL,
    outcome text NOT NULL,
    source_ip text NOT NULL,
    device text NOT NULL,
    request_id text NOT NULL,
    break_glass boolean NOT NULL,
    detail text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL
);
CREATE INDEX audit_events_resident ON audit_events (resident_id, at);
CREATE INDEX audit_events_user ON audit_events (user_id, at);
CREATE INDEX audit_events_at ON audit_events (at);

-- The audit trail is append-only: the service's statements can never
-- change or remove an event.
-- +goose StatementBegin
CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- +goose Down
DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only();
DROP TABLE audit_head;
DROP TABLE scheduled_doses;
DROP TABLE orders;
DROP TABLE product_packages;
DROP TABLE product_ingredients;
DROP TABLE products;
DROP TABLE allergies;
DROP TABLE residents;
DROP TABLE sessions;
DROP TABLE user_units;
DROP TABLE users;
DROP TABLE units;
DROP TABLE facilities;
