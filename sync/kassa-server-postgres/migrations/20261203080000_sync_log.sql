-- The server's stores, devices, one-time pairing codes, per-store change log, kept push
-- answers and audit trail. Times are RFC 3339 UTC text with milliseconds, as the caller
-- passes them, so they compare as text.

CREATE TABLE stores (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    currency    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    -- The last place given in this store's log. Pushes lock this row (SELECT ... FOR
    -- UPDATE), so places are given in commit order and a reader paging by place never
    -- skips a change that commits late.
    last_seq    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE pairing_codes (
    code_hash   TEXT PRIMARY KEY,
    -- NULL for a code that makes a new store with its first device.
    store_id    TEXT REFERENCES stores (id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    used_by     TEXT
);

CREATE TABLE devices (
    device_id     TEXT PRIMARY KEY,
    store_id      TEXT NOT NULL REFERENCES stores (id),
    -- `01`, `02`... as shown; `code_number` orders them past 99.
    device_code   TEXT NOT NULL,
    code_number   INTEGER NOT NULL,
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    paired_at     TEXT NOT NULL,
    last_sync_at  TEXT,
    acked_seq     BIGINT NOT NULL DEFAULT 0,
    revoked_at    TEXT,
    blocked_at    TEXT,
    UNIQUE (store_id, code_number),
    UNIQUE (store_id, device_code)
);

CREATE TABLE change_log (
    store_id    TEXT NOT NULL REFERENCES stores (id),
    server_seq  BIGINT NOT NULL,
    change_id   TEXT NOT NULL UNIQUE,
    device_id   TEXT NOT NULL REFERENCES devices (device_id),
    device_seq  BIGINT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    op          TEXT NOT NULL,
    -- The change's JSON as serde_json wrote it: text keeps it exactly.
    payload     TEXT NOT NULL,
    -- The u64 stamp's bits.
    hlc         BIGINT NOT NULL,
    PRIMARY KEY (store_id, server_seq),
    UNIQUE (device_id, device_seq)
);

-- A batch's first answer, given again when the batch is sent again.
CREATE TABLE push_batches (
    device_id   TEXT NOT NULL REFERENCES devices (device_id),
    batch_id    TEXT NOT NULL,
    batch_hash  TEXT NOT NULL,
    accepted    BIGINT NOT NULL,
    acked_seq   BIGINT NOT NULL,
    pushed_at   TEXT NOT NULL,
    PRIMARY KEY (device_id, batch_id)
);

CREATE TABLE server_audit (
    id          BIGSERIAL PRIMARY KEY,
    at          TEXT NOT NULL,
    store_id    TEXT NOT NULL,
    action      TEXT NOT NULL,
    device_id   TEXT,
    detail      TEXT NOT NULL
);

CREATE INDEX server_audit_by_store ON server_audit (store_id, id);
