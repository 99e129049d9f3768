-- +goose Up
-- Sign-in backoff: failures per account and the lock they earn.
ALTER TABLE users ADD COLUMN failed_logins integer NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until datetime;
ALTER TABLE users ADD COLUMN totp_secret text NOT NULL DEFAULT '';

-- Break-glass grants: a named reason, time-boxed, never deleted.
CREATE TABLE break_glass (
    id text PRIMARY KEY,
    facility_id text NOT NULL REFERENCES facilities(id),
    user_id text NOT NULL REFERENCES users(id),
    resident_id text REFERENCES residents(id),
    reason text NOT NULL,
    started_at datetime NOT NULL,
    expires_at datetime NOT NULL,
    ended_at datetime
);
CREATE INDEX break_glass_user ON break_glass (user_id, expires_at);

-- +goose Down
DROP TABLE break_glass;
ALTER TABLE users DROP COLUMN totp_secret;
ALTER TABLE users DROP COLUMN locked_until;
ALTER TABLE users DROP COLUMN failed_logins;
