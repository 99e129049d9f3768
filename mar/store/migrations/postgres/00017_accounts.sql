-- +goose Up
-- Sign-in backoff for names without an active account: they lock like a
-- real account, so that a lock tells nobody which usernames exist.
CREATE TABLE sign_in_throttle (
    username text PRIMARY KEY,
    failures integer NOT NULL DEFAULT 0,
    locked_until timestamptz
);

-- +goose Down
DROP TABLE sign_in_throttle;
