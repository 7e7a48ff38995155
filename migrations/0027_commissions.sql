-- Commissions: the rates (a trip's, a person's as booking agent or as seller, a category's)
-- and the ledger of what each person earned and what was reversed. Rates are basis points
-- (500 = 5 %); money is INTEGER minor units.

-- A trip's own rate for its bookings' agents; NULL: the agent's rate, else the store's default.
ALTER TABLE trips ADD COLUMN commission_bp INTEGER
    CHECK (commission_bp IS NULL OR commission_bp BETWEEN 0 AND 10000);

-- A rate per person or per category (reference data, last writer wins per field). The id is
-- `kind:subject_id`, the same on every device; a cleared rate keeps its row with rate_bp NULL.
CREATE TABLE commission_rates (
    id         TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('agent', 'seller', 'category')),
    subject_id TEXT NOT NULL,
    rate_bp    INTEGER CHECK (rate_bp IS NULL OR rate_bp BETWEEN 0 AND 10000),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The ledger: one row per earning (money received) and per reversal (money given back),
-- written in the transaction of the payment, sale, cancellation or refund that caused it.
-- `amount_minor` is negative for a reversal, `base_minor` the money it was counted on
-- (negative when given back). `line_id` is the order line of a sale's entry.
CREATE TABLE commission_entries (
    id            TEXT PRIMARY KEY,
    staff_id      TEXT NOT NULL,
    source_kind   TEXT NOT NULL CHECK (source_kind IN ('booking', 'sale')),
    source_id     TEXT NOT NULL,
    line_id       TEXT,
    cause_kind    TEXT NOT NULL CHECK (cause_kind IN ('payment', 'refund')),
    cause_id      TEXT NOT NULL,
    base_minor    INTEGER NOT NULL,
    rate_bp       INTEGER NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000),
    amount_minor  INTEGER NOT NULL,
    business_date TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX commission_entries_staff ON commission_entries(staff_id, business_date);
CREATE INDEX commission_entries_source ON commission_entries(source_kind, source_id);
CREATE INDEX commission_entries_date ON commission_entries(business_date);

CREATE TRIGGER commission_entries_immutable BEFORE UPDATE ON commission_entries
BEGIN SELECT RAISE(ABORT, 'commission entries are immutable'); END;
CREATE TRIGGER commission_entries_append_only BEFORE DELETE ON commission_entries
BEGIN SELECT RAISE(ABORT, 'commission entries are immutable'); END;
