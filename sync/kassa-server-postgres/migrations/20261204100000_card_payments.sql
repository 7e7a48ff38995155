-- Card payments devices asked the card provider for through the server: only the
-- provider's ids, the card's brand and last four digits, never a card number. The
-- checkout's idempotency key is also the PaymentIntent's, so a retry finds its payment.
CREATE TABLE card_payments (
    store_id        TEXT NOT NULL REFERENCES stores (id),
    idempotency_key TEXT NOT NULL,
    device_id       TEXT NOT NULL REFERENCES devices (device_id),
    order_id        TEXT NOT NULL,
    payment_id      TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    intent_id       TEXT UNIQUE,
    amount_minor    BIGINT NOT NULL,
    currency        TEXT NOT NULL,
    status          TEXT NOT NULL,
    brand           TEXT,
    last4           TEXT,
    decline_code    TEXT,
    review          TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (store_id, idempotency_key),
    UNIQUE (store_id, payment_id)
);
CREATE INDEX card_payments_created ON card_payments (created_at);

-- The card provider's webhook events already handled: each is acted on once.
CREATE TABLE provider_events (
    event_id    TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    received_at TEXT NOT NULL
);

-- The store's settings as its devices set them, read by (entity, entity_id).
CREATE INDEX log_entity ON change_log (store_id, entity, entity_id);
