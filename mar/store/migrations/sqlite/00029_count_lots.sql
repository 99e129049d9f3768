-- +goose Up
-- Controlled substances are counted per product and lot: the balance of each
-- lot comes from what was dispensed, given, wasted and returned of it.
-- Lines of counts made before are for the product as a whole (lot '').
-- SQLite cannot change a UNIQUE constraint: rebuild the table. Nothing
-- refers to its rows by foreign key.
CREATE TABLE controlled_count_lines_new (
    id text PRIMARY KEY,
    count_id text NOT NULL REFERENCES controlled_counts(id),
    facility_id text NOT NULL REFERENCES facilities(id),
    unit_id text NOT NULL REFERENCES units(id),
    product_id text NOT NULL REFERENCES products(id),
    lot text NOT NULL DEFAULT '',
    expected real NOT NULL,
    counted real NOT NULL CHECK (counted >= 0),
    status text NOT NULL CHECK (status IN ('matched', 'open', 'resolved')),
    alert_id text,
    resolved_by text REFERENCES users(id),
    resolved_at datetime,
    resolution text NOT NULL DEFAULT '',
    UNIQUE (count_id, product_id, lot),
    CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
INSERT INTO controlled_count_lines_new (id, count_id, facility_id, unit_id, product_id, lot, expected, counted, status, alert_id, resolved_by, resolved_at, resolution)
    SELECT id, count_id, facility_id, unit_id, product_id, '', expected, counted, status, alert_id, resolved_by, resolved_at, resolution FROM controlled_count_lines;
DROP TABLE controlled_count_lines;
ALTER TABLE controlled_count_lines_new RENAME TO controlled_count_lines;
CREATE INDEX controlled_count_lines_open ON controlled_count_lines (unit_id) WHERE status = 'open';

-- +goose Down
-- Down keeps one line per product: the lines of a lot other than the first
-- of each product in a count are lost.
CREATE TABLE controlled_count_lines_old (
    id text PRIMARY KEY,
    count_id text NOT NULL REFERENCES controlled_counts(id),
    facility_id text NOT NULL REFERENCES facilities(id),
    unit_id text NOT NULL REFERENCES units(id),
    product_id text NOT NULL REFERENCES products(id),
    expected real NOT NULL,
    counted real NOT NULL CHECK (counted >= 0),
    status text NOT NULL CHECK (status IN ('matched', 'open', 'resolved')),
    alert_id text,
    resolved_by text REFERENCES users(id),
    resolved_at datetime,
    resolution text NOT NULL DEFAULT '',
    UNIQUE (count_id, product_id),
    CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
INSERT INTO controlled_count_lines_old (id, count_id, facility_id, unit_id, product_id, expected, counted, status, alert_id, resolved_by, resolved_at, resolution)
    SELECT id, count_id, facility_id, unit_id, product_id, expected, counted, status, alert_id, resolved_by, resolved_at, resolution FROM controlled_count_lines l
     WHERE NOT EXISTS (SELECT 1 FROM controlled_count_lines k WHERE k.count_id = l.count_id AND k.product_id = l.product_id AND k.lot < l.lot);
DROP TABLE controlled_count_lines;
ALTER TABLE controlled_count_lines_old RENAME TO controlled_count_lines;
CREATE INDEX controlled_count_lines_open ON controlled_count_lines (unit_id) WHERE status = 'open';
