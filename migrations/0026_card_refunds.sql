-- Card refunds paid back through the card provider.

-- What the card provider decided about the card share of a refund (a `refund_payments` row
-- of a card): a ledger row of its own (the refund payment row is never changed). A refund
-- payment's status is its outcome's, if it has one.
CREATE TABLE refund_outcomes (
    refund_payment_id  TEXT PRIMARY KEY NOT NULL,
    refund_id          TEXT NOT NULL,
    payment_id         TEXT NOT NULL,
    order_id           TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('refunded', 'failed')),
    amount_minor       INTEGER NOT NULL CHECK (amount_minor > 0),
    intent_id          TEXT,
    provider_refund_id TEXT,
    failure_reason     TEXT,
    device_id          TEXT NOT NULL,
    decided_at         TEXT NOT NULL
);
CREATE INDEX refund_outcomes_refund ON refund_outcomes(refund_id);

CREATE TRIGGER refund_outcomes_immutable BEFORE UPDATE ON refund_outcomes
BEGIN SELECT RAISE(ABORT, 'refund outcomes are immutable'); END;
CREATE TRIGGER refund_outcomes_append_only BEFORE DELETE ON refund_outcomes
BEGIN SELECT RAISE(ABORT, 'refund outcomes are immutable'); END;
