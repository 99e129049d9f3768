-- +goose Up
-- Sign-in backoff: failures per account and the lock they earn.
ALTER TABLE users ADD COLUMN failed_logins integer NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until timestamptz;
ALTER TABLE users ADD COLUMN totp_secret text NOT NULL DEFAULT '';

-- Break-glass grants: a named reason, time-boxed, never deleted.
CREATE TABLE break_glass (
    id uuid PRIMARY KEY,
    facility_id uuid NOT NULL REFERENCES facilities(id),
    user_id uuid NOT NULL REFERENCES users(id),
    resident_id uuid REFERENCES residents(id),
    reason text NOT NULL,
    started_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    ended_at timestamptz
);
CREATE INDEX break_glass_user ON break_glass (user_id, expires_at);

-- +goose Down
DROP TABLE break_glass;
ALTER TABLE users DROP COLUMN totp_secret;
ALTER TABLE users DROP COLUMN locked_until;
ALTER TABLE users DROP COLUMN failed_logins;
