-- When a device took a card payment while the provider could not be reached, for payments
-- forwarded later: the server adds up what a device had pending offline at that moment to
-- check the store's total offline exposure cap again.
ALTER TABLE card_payments ADD COLUMN taken_offline_at TEXT;
CREATE INDEX card_payments_offline ON card_payments (store_id, device_id, taken_offline_at)
    WHERE taken_offline_at IS NOT NULL;
