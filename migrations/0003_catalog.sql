-- Catalog, stock ledger and customers.
-- Money columns are INTEGER minor units; quantities are INTEGER units. Times are RFC 3339 UTC.

-- Tax classes: a rate in basis points (1900 = 19 %) and whether shelf prices include it.
CREATE TABLE tax_classes (
    id         TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL REFERENCES stores(id),
    name       TEXT NOT NULL,
    rate_bp    INTEGER NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000),
    inclusive  INTEGER NOT NULL DEFAULT 1 CHECK (inclusive IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX tax_classes_name ON tax_classes(store_id, name COLLATE NOCASE);

-- The category tree.
CREATE TABLE categories (
    id         TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL REFERENCES stores(id),
    parent_id  TEXT REFERENCES categories(id),
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX categories_name ON categories(store_id, ifnull(parent_id, ''), name COLLATE NOCASE);

-- Products and services. A variant is a product of its own (SKU, price, stock) whose
-- parent_id names the product it is a variant of.
CREATE TABLE products (
    -- The full-text index's rowid; local to this device, never synced.
    num            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    store_id       TEXT NOT NULL REFERENCES stores(id),
    sku            TEXT NOT NULL,
    name           TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    kind           TEXT NOT NULL CHECK (kind IN ('product', 'service')),
    category_id    TEXT REFERENCES categories(id),
    parent_id      TEXT REFERENCES products(id),
    variant        TEXT NOT NULL DEFAULT '',
    price_minor    INTEGER NOT NULL CHECK (price_minor >= 0),
    cost_minor     INTEGER CHECK (cost_minor >= 0),
    tax_class_id   TEXT REFERENCES tax_classes(id),
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    stock_tracked  INTEGER NOT NULL DEFAULT 1 CHECK (stock_tracked IN (0, 1)),
    -- NULL: the store's setting stock.allow_negative decides.
    allow_negative INTEGER CHECK (allow_negative IN (0, 1)),
    -- NULL: the store's setting stock.low_threshold_default decides.
    low_threshold  INTEGER CHECK (low_threshold >= 0),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX products_sku ON products(store_id, sku COLLATE NOCASE);
CREATE INDEX products_parent ON products(parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX products_category ON products(category_id);
CREATE INDEX products_name ON products(store_id, name COLLATE NOCASE);

-- Barcodes: several per product, each unique in the store.
CREATE TABLE product_barcodes (
    store_id   TEXT NOT NULL,
    code       TEXT NOT NULL,
    product_id TEXT NOT NULL REFERENCES products(id),
    kind       TEXT NOT NULL CHECK (kind IN ('ean13', 'upca', 'ean8', 'other')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (store_id, code)
) WITHOUT ROWID;
CREATE INDEX product_barcodes_product ON product_barcodes(product_id);

-- Every price a product had, who set it and when. A ledger: never updated or deleted.
CREATE TABLE price_history (
    id          TEXT PRIMARY KEY,
    product_id  TEXT NOT NULL REFERENCES products(id),
    price_minor INTEGER NOT NULL,
    cost_minor  INTEGER,
    changed_by  TEXT,
    changed_at  TEXT NOT NULL
);
CREATE INDEX price_history_product ON price_history(product_id, changed_at);
CREATE TRIGGER price_history_immutable BEFORE UPDATE ON price_history
BEGIN SELECT RAISE(ABORT, 'price history is append-only'); END;
CREATE TRIGGER price_history_append_only BEFORE DELETE ON price_history
BEGIN SELECT RAISE(ABORT, 'price history is append-only'); END;

-- Full-text search over name (with the variant), SKU, barcodes and category path.
-- rowid = products.num. Kept by kassa-store's catalog module in the product's transaction.
CREATE VIRTUAL TABLE product_search USING fts5(
    name, sku, codes, category,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

-- Places stock is kept. The main location's id is the store's id, so every device makes the same one.
CREATE TABLE locations (
    id         TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL REFERENCES stores(id),
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX locations_name ON locations(store_id, name COLLATE NOCASE);

-- Batches (lots) of a product with an expiry date.
CREATE TABLE stock_batches (
    id         TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL REFERENCES stores(id),
    product_id TEXT NOT NULL REFERENCES products(id),
    code       TEXT NOT NULL,
    -- YYYY-MM-DD, or NULL for a lot without a date.
    expires_on TEXT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX stock_batches_code ON stock_batches(product_id, code);

-- The stock ledger. Append-only: a correction is a new movement. A level is the sum of qty.
CREATE TABLE stock_movements (
    id              TEXT PRIMARY KEY,
    store_id        TEXT NOT NULL REFERENCES stores(id),
    product_id      TEXT NOT NULL REFERENCES products(id),
    location_id     TEXT NOT NULL REFERENCES locations(id),
    kind            TEXT NOT NULL CHECK (kind IN ('receipt', 'sale', 'return', 'adjustment', 'count',
                                                  'transfer_out', 'transfer_in', 'reservation', 'release')),
    qty             INTEGER NOT NULL CHECK (qty <> 0),
    batch_id        TEXT REFERENCES stock_batches(id),
    reason          TEXT,
    -- What the movement belongs to: an order, a transfer, a count, a cart, a booking.
    ref_type        TEXT,
    ref_id          TEXT,
    unit_cost_minor INTEGER,
    staff_id        TEXT,
    device_id       TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX stock_movements_item ON stock_movements(product_id, created_at);
CREATE INDEX stock_movements_ref ON stock_movements(ref_type, ref_id) WHERE ref_id IS NOT NULL;
CREATE TRIGGER stock_movements_immutable BEFORE UPDATE ON stock_movements
BEGIN SELECT RAISE(ABORT, 'stock movements are immutable; record a correcting movement'); END;
CREATE TRIGGER stock_movements_append_only BEFORE DELETE ON stock_movements
BEGIN SELECT RAISE(ABORT, 'stock movements are immutable; record a correcting movement'); END;

-- Derived, never the truth: the sums of stock_movements per item, location and batch ('' for
-- none), kept by the trigger below in the same transaction as each movement, whoever writes
-- it (this device or sync). kassa_store::stock::verify_levels recomputes and compares.
CREATE TABLE stock_levels (
    product_id  TEXT NOT NULL,
    location_id TEXT NOT NULL,
    batch_id    TEXT NOT NULL DEFAULT '',
    on_hand     INTEGER NOT NULL DEFAULT 0,
    reserved    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (product_id, location_id, batch_id)
) WITHOUT ROWID;
CREATE TRIGGER stock_levels_follow_movements AFTER INSERT ON stock_movements
BEGIN
    INSERT OR IGNORE INTO stock_levels (product_id, location_id, batch_id)
    VALUES (NEW.product_id, NEW.location_id, ifnull(NEW.batch_id, ''));
    UPDATE stock_levels
       SET on_hand  = on_hand  + CASE WHEN NEW.kind IN ('reservation', 'release') THEN 0 ELSE NEW.qty END,
           reserved = reserved + CASE WHEN NEW.kind IN ('reservation', 'release') THEN NEW.qty ELSE 0 END
     WHERE product_id = NEW.product_id AND location_id = NEW.location_id
       AND batch_id = ifnull(NEW.batch_id, '');
END;

-- Customers. A merged duplicate stays (sync never deletes) and points at the one kept.
CREATE TABLE customers (
    -- The full-text index's rowid; local to this device, never synced.
    num               INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    store_id          TEXT NOT NULL REFERENCES stores(id),
    name              TEXT NOT NULL,
    email             TEXT,
    phone             TEXT,
    notes             TEXT NOT NULL DEFAULT '',
    marketing_consent INTEGER NOT NULL DEFAULT 0 CHECK (marketing_consent IN (0, 1)),
    -- When consent was given (or withdrawn); NULL if never asked.
    consent_at        TEXT,
    -- JSON array of tags.
    tags              TEXT NOT NULL DEFAULT '[]',
    merged_into       TEXT REFERENCES customers(id),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX customers_email ON customers(store_id, email COLLATE NOCASE);
CREATE INDEX customers_name ON customers(store_id, name COLLATE NOCASE);

CREATE TABLE customer_addresses (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    kind        TEXT NOT NULL CHECK (kind IN ('billing', 'shipping')),
    line1       TEXT NOT NULL,
    line2       TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL DEFAULT '',
    city        TEXT NOT NULL DEFAULT '',
    country     TEXT NOT NULL DEFAULT '',
    is_primary  INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
    created_at  TEXT NOT NULL
);
CREATE INDEX customer_addresses_customer ON customer_addresses(customer_id);
CREATE UNIQUE INDEX customer_addresses_primary ON customer_addresses(customer_id) WHERE is_primary = 1;

-- Full-text search over customers; rowid = customers.num.
CREATE VIRTUAL TABLE customer_search USING fts5(
    name, email, phone, tags,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
