-- Kassa local store: the foundation schema.
-- Money columns are INTEGER minor units. Times are RFC 3339 UTC text with milliseconds.
-- Ids are UUIDv7 text made on the device.

-- This device: exactly one row. Device-local, never synced.
CREATE TABLE device (
    id               TEXT PRIMARY KEY,
    store_id         TEXT NOT NULL,
    code             TEXT NOT NULL,
    name             TEXT NOT NULL,
    hlc              INTEGER NOT NULL DEFAULT 0,
    -- The last audit entry this device wrote: catches entries cut from the end of the chain.
    audit_seq        INTEGER NOT NULL DEFAULT 0,
    audit_head       TEXT NOT NULL DEFAULT '',
    -- Device clock minus server clock at the last sync, in ms; 0 before the first sync.
    clock_offset_ms  INTEGER NOT NULL DEFAULT 0,
    -- The server time seen at the last sync; a device clock behind it cannot be trusted.
    last_server_time TEXT,
    -- Proves the device key from the keyring (or KASSA_DEVICE_KEY) is the one this store was made with.
    key_check        BLOB NOT NULL,
    demo             INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL
);

CREATE TABLE stores (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    currency   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Settings per store, as JSON values. Reference data, last writer wins per key.
CREATE TABLE settings (
    store_id   TEXT NOT NULL REFERENCES stores(id),
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (store_id, key)
);

CREATE TABLE staff (
    id                   TEXT PRIMARY KEY,
    store_id             TEXT NOT NULL REFERENCES stores(id),
    email                TEXT NOT NULL COLLATE NOCASE UNIQUE,
    display_name         TEXT NOT NULL,
    role                 TEXT NOT NULL CHECK (role IN ('cashier', 'agent', 'manager', 'admin')),
    status               TEXT NOT NULL CHECK (status IN ('invited', 'active', 'disabled')),
    -- argon2id PHC string; shows its parameters.
    password_hash        TEXT,
    -- XChaCha20-Poly1305 under the device key; never stored in plain text.
    totp_secret_enc      BLOB,
    -- The last TOTP time step accepted; a step at or before it is refused.
    totp_last_step       INTEGER,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    failed_attempts      INTEGER NOT NULL DEFAULT 0,
    locked_until         TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);

-- Single-use recovery codes, stored as argon2 hashes.
CREATE TABLE backup_codes (
    id          TEXT PRIMARY KEY,
    staff_id    TEXT NOT NULL REFERENCES staff(id),
    code_hash   TEXT NOT NULL,
    used_at     TEXT,
    used_device TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX backup_codes_staff ON backup_codes(staff_id) WHERE used_at IS NULL;

-- Login sessions on this device. The token itself is never stored, only its SHA-256.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    staff_id     TEXT NOT NULL REFERENCES staff(id),
    device_id    TEXT NOT NULL,
    surface      TEXT NOT NULL CHECK (surface IN ('desktop', 'cli')),
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    ended_at     TEXT,
    end_reason   TEXT
);
CREATE INDEX sessions_open ON sessions(surface, created_at) WHERE ended_at IS NULL;

-- The CLI's open session token, sealed under the device key (like `gh auth login` keeps one).
CREATE TABLE cli_session (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    session_id TEXT NOT NULL REFERENCES sessions(id),
    token_enc  BLOB NOT NULL
);

-- Changes not yet acknowledged by the server, written in the same transaction as the change.
-- Acknowledged by seq; change_id (a UUIDv7 made here) lets the server drop a change sent twice.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id  TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    op         TEXT NOT NULL CHECK (op IN ('upsert', 'insert', 'event')),
    payload    TEXT NOT NULL,
    hlc        INTEGER NOT NULL,
    device_id  TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- The audit trail: a SHA-256 hash chain per device. Append-only. Keyed by its place in the
-- device's chain, so an entry lands beside the one before it.
CREATE TABLE audit_log (
    id              TEXT NOT NULL UNIQUE,
    device_id       TEXT NOT NULL,
    device_seq      INTEGER NOT NULL,
    at_utc          TEXT NOT NULL,
    clock_offset_ms INTEGER NOT NULL,
    actor_id        TEXT,
    approver_id     TEXT,
    action          TEXT NOT NULL,
    entity          TEXT,
    entity_id       TEXT,
    before          TEXT,
    after           TEXT,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL,
    PRIMARY KEY (device_id, device_seq)
) WITHOUT ROWID;
CREATE INDEX audit_log_time ON audit_log(at_utc);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
