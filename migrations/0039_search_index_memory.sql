-- The full-text indexes keep up to 8 MB of new entries in memory before writing them out as
-- a segment (FTS5's default is 1 MB). A sync page of 5,000 customers or an import of
-- thousands of products then writes one segment per transaction instead of several, so
-- less is merged later; a sale or a single edit writes as before. The setting is kept in
-- each index's own configuration table.
INSERT INTO customer_search (customer_search, rank) VALUES ('hashsize', 8388608);
INSERT INTO product_search (product_search, rank) VALUES ('hashsize', 8388608);
