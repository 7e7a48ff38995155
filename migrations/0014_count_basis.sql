-- A count movement names the last count of the same item at the same location that its
-- device held when it counted (NULL: none). Two counts on the same basis from different
-- devices were made without knowing of each other: both differences are kept, and the clash
-- is a conflict for a manager (count again).
ALTER TABLE stock_movements ADD COLUMN count_basis TEXT;
CREATE INDEX stock_movements_counts ON stock_movements(product_id, location_id, count_basis)
    WHERE kind = 'count';
