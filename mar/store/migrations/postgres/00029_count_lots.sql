-- +goose Up
-- Controlled substances are counted per product and lot: the balance of each
-- lot comes from what was dispensed, given, wasted and returned of it.
-- Lines of counts made before are for the product as a whole (lot '').
ALTER TABLE controlled_count_lines ADD COLUMN lot text NOT NULL DEFAULT '';
ALTER TABLE controlled_count_lines DROP CONSTRAINT controlled_count_lines_count_id_product_id_key;
ALTER TABLE controlled_count_lines ADD CONSTRAINT controlled_count_lines_count_product_lot UNIQUE (count_id, product_id, lot);

-- +goose Down
-- Down keeps one line per product: the lines of a lot other than the first
-- of each product in a count are lost.
DELETE FROM controlled_count_lines l USING controlled_count_lines k
 WHERE l.count_id = k.count_id AND l.product_id = k.product_id AND l.lot > k.lot;
ALTER TABLE controlled_count_lines DROP CONSTRAINT controlled_count_lines_count_product_lot;
ALTER TABLE controlled_count_lines ADD CONSTRAINT controlled_count_lines_count_id_product_id_key UNIQUE (count_id, product_id);
ALTER TABLE controlled_count_lines DROP COLUMN lot;
