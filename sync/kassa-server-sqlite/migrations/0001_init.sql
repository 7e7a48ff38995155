-- The server's stores, devices, pairing codes, change log, batches and audit trail.

CREATE TABLE stores (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    currency   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- The next place in this store's log; taken inside the push transaction, so places
    -- follow commit order and have no holes.
    next_seq   INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE TABLE pairing_codes (
    code_hash  TEXT PRIMARY KEY,
    -- NULL: a new store's first device.
    store_id   TEXT REFERENCES stores(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    used_by    TEXT
) STRICT;

CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    store_id     TEXT NOT NULL REFERENCES stores(id),
    code         TEXT NOT NULL,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    paired_at    TEXT NOT NULL,
    last_sync_at TEXT,
    acked_seq    INTEGER NOT NULL DEFAULT 0,
    revoked_at   TEXT,
    blocked_at   TEXT,
    UNIQUE (store_id, code)
) STRICT;

CREATE TABLE log (
    store_id   TEXT NOT NULL REFERENCES stores(id),
    server_seq INTEGER NOT NULL,
    change_id  TEXT NOT NULL UNIQUE,
    device_id  TEXT NOT NULL REFERENCES devices(id),
    device_seq INTEGER NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    op         TEXT NOT NULL,
    payload    TEXT NOT NULL,
    hlc        INTEGER NOT NULL,
    PRIMARY KEY (store_id, server_seq),
    UNIQUE (device_id, device_seq)
) STRICT;

CREATE TABLE batches (
    device_id  TEXT NOT NULL REFERENCES devices(id),
    batch_id   TEXT NOT NULL,
    batch_hash TEXT NOT NULL,
    accepted   INTEGER NOT NULL,
    acked_seq  INTEGER NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (device_id, batch_id)
) STRICT;

CREATE TABLE audit (
    id        INTEGER PRIMARY KEY,
    store_id  TEXT NOT NULL REFERENCES stores(id),
    at        TEXT NOT NULL,
    action    TEXT NOT NULL,
    device_id TEXT,
    detail    TEXT NOT NULL
) STRICT;

CREATE INDEX audit_by_store ON audit (store_id, at, id);
