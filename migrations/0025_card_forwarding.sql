-- Card payments taken offline, forwarded to the card provider through the server.

-- The terminal's token for a card taken while the server could not be reached (the provider's
-- PaymentMethod id, never a card number), with the key the server and the provider know the
-- payment by. It stays on this device only (the server receives it in the forward itself,
-- never through sync) and is deleted once the server answered the payment's outcome.
CREATE TABLE card_tokens (
    payment_id      TEXT PRIMARY KEY NOT NULL,
    order_id        TEXT NOT NULL,
    token           TEXT NOT NULL CHECK (token LIKE 'pm\_%' ESCAPE '\' AND length(token) <= 128),
    idempotency_key TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    last_attempt_at TEXT,
    created_at      TEXT NOT NULL
);

-- The ids a card was taken to the provider under at checkout (by the checkout's key and the
-- card's token), before the sale was written: a retry of that checkout (after a crash, or with
-- the server out of reach) sends the same request under the same key, so the provider charges
-- once; another card for the same sale is another payment. This device's alone.
CREATE TABLE card_attempts (
    idempotency_key TEXT NOT NULL,
    token           TEXT NOT NULL,
    provider_key    TEXT NOT NULL UNIQUE,
    order_id        TEXT NOT NULL,
    payment_id      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (idempotency_key, token)
);

-- What the card provider decided about a payment, after the sale: a ledger row of its own (the
-- payment row is never changed). A payment's status is its outcome's, if it has one.
CREATE TABLE payment_outcomes (
    payment_id   TEXT PRIMARY KEY NOT NULL,
    order_id     TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('captured', 'declined')),
    amount_minor INTEGER NOT NULL,
    intent_id    TEXT,
    card_brand   TEXT,
    card_last4   TEXT CHECK (card_last4 IS NULL OR length(card_last4) = 4),
    decline_code TEXT,
    device_id    TEXT NOT NULL,
    decided_at   TEXT NOT NULL
);
CREATE INDEX payment_outcomes_order ON payment_outcomes(order_id);

CREATE TRIGGER payment_outcomes_immutable BEFORE UPDATE ON payment_outcomes
BEGIN SELECT RAISE(ABORT, 'payment outcomes are immutable'); END;
CREATE TRIGGER payment_outcomes_append_only BEFORE DELETE ON payment_outcomes
BEGIN SELECT RAISE(ABORT, 'payment outcomes are immutable'); END;
