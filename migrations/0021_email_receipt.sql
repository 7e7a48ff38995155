-- A receipt email carries the receipt as its document (JSON), so the server renders the PDF it
-- attaches with the same documents code the device uses.
ALTER TABLE email_outbox ADD COLUMN receipt_json TEXT;

-- Where each email stands on the server that sends it, as this device last heard
-- (device-local: every device asks the server itself, after it pulls).
CREATE TABLE email_delivery (
    id         TEXT PRIMARY KEY,
    status     TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts   INTEGER NOT NULL,
    last_error TEXT,
    sent_at    TEXT,
    updated_at TEXT NOT NULL
);
