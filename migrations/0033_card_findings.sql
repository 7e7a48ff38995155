-- What the server found about the store's card payments, as this device last heard it
-- (`GET /api/v1/payments/findings`, at a sync at most every 10 minutes or when a manager asks):
-- reconciliation's fixes and the payments kept for a manager's review. The list still shows,
-- marked with when it was heard, while the server cannot be reached. This device's alone;
-- replaced whole each time.
CREATE TABLE card_findings (
    at           TEXT NOT NULL,
    finding      TEXT NOT NULL,
    payment_id   TEXT NOT NULL,
    order_id     TEXT NOT NULL,
    intent_id    TEXT,
    amount_minor INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    status       TEXT NOT NULL,
    review       TEXT,
    heard_at     TEXT NOT NULL,
    PRIMARY KEY (payment_id, finding, at)
);

-- When the list was last heard, so an empty answer is remembered too.
ALTER TABLE sync_state ADD COLUMN findings_heard_at TEXT;
