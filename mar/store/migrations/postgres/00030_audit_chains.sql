-- +goose Up
-- The audit trail becomes one hash chain per facility (and one for events
-- with no facility), so that two facilities' writes never wait on one
-- lock. The events written so far stay as they are: they form the closed
-- legacy chain (chain ''), verified as before against audit_head, which
-- no longer moves; every new chain's first event links to that chain's
-- final hash. seq becomes a database-wide reading order drawn from a
-- sequence (it has gaps); chain_seq is the dense position in the chain.
ALTER TABLE audit_events ADD COLUMN chain text NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN chain_seq bigint NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX audit_events_chain_pos ON audit_events (chain, chain_seq) WHERE chain <> '';
CREATE TABLE audit_chain_heads (
    chain text PRIMARY KEY CHECK (chain <> ''),
    seq bigint NOT NULL,
    hash text NOT NULL
);
CREATE SEQUENCE audit_events_seq;
SELECT setval('audit_events_seq', GREATEST((SELECT COALESCE(MAX(seq), 0) FROM audit_events), (SELECT seq FROM audit_head WHERE id = 1)) + 1, false);
ALTER TABLE audit_events ALTER COLUMN seq SET DEFAULT nextval('audit_events_seq');
ALTER SEQUENCE audit_events_seq OWNED BY audit_events.seq;

-- +goose Down
ALTER TABLE audit_events ALTER COLUMN seq DROP DEFAULT;
DROP SEQUENCE audit_events_seq;
DROP TABLE audit_chain_heads;
DROP INDEX audit_events_chain_pos;
ALTER TABLE audit_events DROP COLUMN chain_seq;
ALTER TABLE audit_events DROP COLUMN chain;
