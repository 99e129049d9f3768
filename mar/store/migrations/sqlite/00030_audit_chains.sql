-- +goose Up
-- The audit trail becomes one hash chain per facility (and one for events
-- with no facility); the events written so far form the closed legacy
-- chain (chain ''), verified as before against audit_head. See the
-- PostgreSQL migration. SQLite has one writer: seq is taken as the next
-- after the largest when the events are appended.
ALTER TABLE audit_events ADD COLUMN chain text NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN chain_seq bigint NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX audit_events_chain_pos ON audit_events (chain, chain_seq) WHERE chain <> '';
CREATE TABLE audit_chain_heads (
    chain text PRIMARY KEY CHECK (chain <> ''),
    seq bigint NOT NULL,
    hash text NOT NULL
);

-- +goose Down
DROP TABLE audit_chain_heads;
DROP INDEX audit_events_chain_pos;
ALTER TABLE audit_events DROP COLUMN chain_seq;
ALTER TABLE audit_events DROP COLUMN chain;
