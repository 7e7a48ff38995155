-- Kassa local store: this device's place with the sync server.

-- One row once the device is paired; absent before. Device-local, never synced.
CREATE TABLE sync_state (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    server_url   TEXT NOT NULL,
    -- The device's bearer token, sealed under the device key; never stored in plain text.
    token_enc    BLOB NOT NULL,
    -- The code the server gave this device, unique in its store (receipt numbers carry it).
    device_code  TEXT NOT NULL,
    paired_at    TEXT NOT NULL,
    -- The highest outbox sequence the server holds; outbox rows up to it are gone.
    acked_seq    INTEGER NOT NULL DEFAULT 0,
    last_sync_at TEXT,
    -- Why the last sync failed (a code and a message from Kassa); NULL after a good sync.
    last_error   TEXT
);
