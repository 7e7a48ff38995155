-- The head of each other device's audit chain as the server last published it (device-local):
-- once this device has pulled past `server_seq`, it must hold that chain up to exactly this
-- entry, or the chain was cut short or changed here.
CREATE TABLE audit_published_heads (
    device_id   TEXT PRIMARY KEY,
    seq         INTEGER NOT NULL,
    hash        TEXT NOT NULL,
    server_seq  INTEGER NOT NULL,
    received_at TEXT NOT NULL
);

-- How far each chain has been verified here (device-local): an incremental verification
-- checks only the entries after this one.
CREATE TABLE audit_verified (
    device_id   TEXT PRIMARY KEY,
    seq         INTEGER NOT NULL,
    hash        TEXT NOT NULL
);
