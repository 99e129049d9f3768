-- +goose Up
-- Sign-in backoff for names without an active account: they lock like a
-- real account, so that a lock tells nobody which usernames exist.
CREATE TABLE sign_in_throttle (
    username text PRIMARY KEY,
    failures integer NOT NULL DEFAULT 0,
    locked_until timestamptz
);

-- Single-use recovery codes of a second factor, by hash.
CREATE TABLE recovery_codes (
    user_id uuid NOT NULL REFERENCES users(id),
    code_hash text NOT NULL,
    used_at timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- +goose Down
DROP TABLE recovery_codes;
DROP TABLE sign_in_throttle;
