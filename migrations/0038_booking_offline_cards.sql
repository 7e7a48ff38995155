-- Card payments a booking took while the server or the card provider could not be reached:
-- store-and-forward under the store's offline card limits, as for a sale. Such a payment is
-- written `offline_pending` (NULL for every other row: cash, a voucher, a card captured
-- online, a refund), the terminal's token waits in `card_tokens` (the booking's id as its
-- document), and the provider's answer is a `payment_outcomes` row (the booking's id as its
-- `order_id`): a payment's status is its outcome's once it has one.
ALTER TABLE booking_payments ADD COLUMN status TEXT
    CHECK (status IS NULL OR status = 'offline_pending');
CREATE INDEX booking_payments_offline ON booking_payments(device_id)
    WHERE status = 'offline_pending';
