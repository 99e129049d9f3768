-- +goose Up
CREATE TABLE facilities (
    id text PRIMARY KEY,
    name text NOT NULL,
    time_zone text NOT NULL
);

CREATE TABLE units (
    id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    code text NOT NULL,
    name text NOT NULL,
    time_zone text NOT NULL,
    UNIQUE (facility_id, code)
);

CREATE TABLE users (
    id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    username text NOT NULL UNIQUE,
    display_name text NOT NULL,
    role text NOT NULL CHECK (role IN ('nurse','charge_nurse','pharmacist','admin')),
    password_hash text NOT NULL,
    badge_id text,
    pin_hash text NOT NULL DEFAULT '',
    active integer NOT NULL DEFAULT 1,
    created_at datetime NOT NULL
);
CREATE UNIQUE INDEX users_badge ON users (badge_id) WHERE badge_id IS NOT NULL;

CREATE TABLE user_units (
    user_id text NOT NULL REFERENCES users(id),
    unit_id text NOT NULL REFERENCES units(id),
    PRIMARY KEY (user_id, unit_id)
);

CREATE TABLE sessions (
    id text PRIMARY KEY,
    token_hash text NOT NULL UNIQUE,
    user_id text NOT NULL REFERENCES users(id),
    kind text NOT NULL,
    created_at datetime NOT NULL,
    last_seen_at datetime NOT NULL,
    expires_at datetime NOT NULL,
    revoked_at datetime,
    csrf_token text NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE residents (
    id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    unit_id text NOT NULL REFERENCES units(id),
    mrn text NOT NULL,
    wristband_id text NOT NULL,
    family_name text NOT NULL,
    given_name text NOT NULL,
    birth_date text NOT NULL,
    sex text NOT NULL DEFAULT 'unknown',
    room text NOT NULL DEFAULT '',
    bed text NOT NULL DEFAULT '',
    status text NOT NULL CHECK (status IN ('admitted','discharged')),
    admitted_at datetime NOT NULL,
    discharged_at datetime,
    UNIQUE (facility_id, mrn)
);
CREATE INDEX residents_wristband ON residents (wristband_id);
CREATE INDEX residents_unit ON residents (unit_id, status);

CREATE TABLE allergies (
    id text PRIMARY KEY,
    resident_id text NOT NULL REFERENCES residents(id),
    substance text NOT NULL,
    reaction text NOT NULL DEFAULT '',
    severity text NOT NULL DEFAULT ''
);
CREATE INDEX allergies_resident ON allergies (resident_id);

CREATE TABLE products (
    id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    name text NOT NULL,
    form text NOT NULL,
    routes text NOT NULL,
    high_alert text NOT NULL DEFAULT 'none',
    controlled text NOT NULL DEFAULT '',
    time_critical integer NOT NULL DEFAULT 0,
    psychotropic integer NOT NULL DEFAULT 0,
    antipsychotic integer NOT NULL DEFAULT 0
);

CREATE TABLE product_ingredients (
    product_id text NOT NULL REFERENCES products(id),
    position integer NOT NULL,
    name text NOT NULL,
    strength_value real NOT NULL,
    strength_unit text NOT NULL,
    PRIMARY KEY (product_id, position)
);
CREATE INDEX product_ingredients_name ON product_ingredients (name);

CREATE TABLE product_packages (
    id text PRIMARY KEY,
    product_id text NOT NULL REFERENCES products(id),
    gtin text NOT NULL UNIQUE,
    ndc text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT '',
    quantity real NOT NULL DEFAULT 1
);
CREATE INDEX product_packages_ndc ON product_packages (ndc);

CREATE TABLE orders (
    id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    resident_id text NOT NULL REFERENCES residents(id),
    product_id text REFERENCES products(id),
    ingredient text NOT NULL,
    dose_value real NOT NULL,
    dose_unit text NOT NULL,
    route text NOT NULL,
    frequency text NOT NULL,
    prn integer NOT NULL DEFAULT 0,
    prn_reason text NOT NULL DEFAULT '',
    start_at datetime NOT NULL,
    stop_at datetime,
    status text NOT NULL,
    prescriber text NOT NULL DEFAULT '',
    instructions text NOT NULL DEFAULT '',
    window_class text NOT NULL DEFAULT '',
    hold_params text NOT NULL DEFAULT '[]',
    sliding_scale text NOT NULL DEFAULT '[]',
    source text NOT NULL DEFAULT 'rest',
    external_id text NOT NULL DEFAULT '',
    verified_by text,
    verified_at datetime,
    created_at datetime NOT NULL,
    updated_at datetime NOT NULL
);
CREATE INDEX orders_resident ON orders (resident_id, status);
CREATE INDEX orders_status ON orders (facility_id, status);

CREATE TABLE scheduled_doses (
    id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    order_id text NOT NULL REFERENCES orders(id),
    resident_id text NOT NULL REFERENCES residents(id),
    unit_id text NOT NULL REFERENCES units(id),
    due_at datetime NOT NULL,
    window_start datetime NOT NULL,
    window_end datetime NOT NULL,
    status text NOT NULL,
    step integer NOT NULL DEFAULT 0,
    step_dose text NOT NULL DEFAULT '',
    documented_by text,
    documented_at datetime,
    admin_id text,
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
    id text NOT NULL UNIQUE,
    facility_id text NOT NULL,
    at datetime NOT NULL,
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
    break_glass integer NOT NULL,
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
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only: DELETE refused');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_events;
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
