-- Refunds of card payments devices asked the card provider for through the server, keyed by
-- the device's refund payment id, which is also the provider's idempotency key: a retry
-- never refunds twice. A pending or refunded row counts against what its intent captured.
CREATE TABLE card_refunds (
    store_id           TEXT NOT NULL REFERENCES stores (id),
    refund_payment_id  TEXT NOT NULL,
    device_id          TEXT NOT NULL REFERENCES devices (device_id),
    payment_id         TEXT NOT NULL,
    intent_id          TEXT NOT NULL,
    request_hash       TEXT NOT NULL,
    amount_minor       BIGINT NOT NULL CHECK (amount_minor > 0),
    currency           TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('pending', 'refunded', 'failed')),
    provider_refund_id TEXT,
    failure_reason     TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    PRIMARY KEY (store_id, refund_payment_id)
);
CREATE INDEX card_refunds_intent ON card_refunds (intent_id);
