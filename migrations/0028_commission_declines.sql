-- A card the provider declined after a sale takes back the cashier's commission on the money
-- it never brought in: a third cause of commission entries, `decline` (its cause_id is the
-- card payment). SQLite cannot widen a CHECK in place, so the ledger is rebuilt as it was
-- with the wider check, keeping every entry.
CREATE TABLE commission_entries_new (
    id            TEXT PRIMARY KEY,
    staff_id      TEXT NOT NULL,
    source_kind   TEXT NOT NULL CHECK (source_kind IN ('booking', 'sale')),
    source_id     TEXT NOT NULL,
    line_id       TEXT,
    cause_kind    TEXT NOT NULL CHECK (cause_kind IN ('payment', 'refund', 'decline')),
    cause_id      TEXT NOT NULL,
    base_minor    INTEGER NOT NULL,
    rate_bp       INTEGER NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000),
    amount_minor  INTEGER NOT NULL,
    business_date TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
INSERT INTO commission_entries_new
    SELECT id, staff_id, source_kind, source_id, line_id, cause_kind, cause_id, base_minor,
           rate_bp, amount_minor, business_date, device_id, created_at
      FROM commission_entries;
DROP TABLE commission_entries;
ALTER TABLE commission_entries_new RENAME TO commission_entries;
CREATE INDEX commission_entries_staff ON commission_entries(staff_id, business_date);
CREATE INDEX commission_entries_source ON commission_entries(source_kind, source_id);
CREATE INDEX commission_entries_date ON commission_entries(business_date);

CREATE TRIGGER commission_entries_immutable BEFORE UPDATE ON commission_entries
BEGIN SELECT RAISE(ABORT, 'commission entries are immutable'); END;
CREATE TRIGGER commission_entries_append_only BEFORE DELETE ON commission_entries
BEGIN SELECT RAISE(ABORT, 'commission entries are immutable'); END;
