-- Why a manager must look at a card payment the server charged, as the server said when the
-- payment was forwarded: taken offline beyond the store's limits. Kept with the outcome (a
-- ledger row, never changed), it opens a `card_review` task on every device.
ALTER TABLE payment_outcomes ADD COLUMN review TEXT;
