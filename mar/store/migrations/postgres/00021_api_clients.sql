-- +goose Up
-- SMART Backend Services clients: systems that take access tokens with
-- client credentials (a shared secret, stored as its SHA-256 like session
-- tokens) and act as an interface account of their facility (user_id),
-- limited to the scopes an administrator allowed (space-separated).
CREATE TABLE api_clients (
    id uuid PRIMARY KEY,
    facility_id uuid NOT NULL REFERENCES facilities(id),
    user_id uuid NOT NULL UNIQUE REFERENCES users(id),
    name text NOT NULL,
    secret_hash text NOT NULL,
    scopes text NOT NULL,
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL,
    disabled_at timestamptz
);
CREATE INDEX api_clients_facility ON api_clients (facility_id);

-- Access tokens issued to API clients (stored as their SHA-256), with the
-- scopes granted and an absolute expiry.
CREATE TABLE api_client_tokens (
    token_hash text PRIMARY KEY,
    client_id uuid NOT NULL REFERENCES api_clients(id),
    scopes text NOT NULL,
    issued_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX api_client_tokens_client ON api_client_tokens (client_id);

-- +goose Down
DROP TABLE api_client_tokens;
DROP TABLE api_clients;
