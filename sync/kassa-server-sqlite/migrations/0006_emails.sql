-- Emails the server sends for its stores: each `email_outbox` insert a device pushes, kept in
-- the push's transaction, with where its sending stands.
CREATE TABLE emails (
    store_id        TEXT NOT NULL REFERENCES stores(id),
    id              TEXT NOT NULL,
    device_id       TEXT NOT NULL REFERENCES devices(id),
    kind            TEXT NOT NULL,
    to_address      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    ref_id          TEXT,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    queued_at       TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    sent_at         TEXT,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (store_id, id)
) STRICT;
CREATE INDEX emails_due ON emails (status, next_attempt_at);

-- Store settings the server itself uses (the receipt language of its emails), last writer
-- wins by (hlc, device) as on the devices.
CREATE TABLE store_settings (
    store_id  TEXT NOT NULL REFERENCES stores(id),
    key       TEXT NOT NULL,
    value     TEXT NOT NULL,
    hlc       INTEGER NOT NULL,
    device_id TEXT NOT NULL,
    PRIMARY KEY (store_id, key)
) STRICT;
