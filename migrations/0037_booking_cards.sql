-- Card payments for bookings. A card is taken through the server's card provider while the
-- device is online, so a booking's card payment is written captured, with the provider's
-- PaymentIntent (`provider_ref`) and what the terminal reported of the card (never its
-- number). A refund onto a card names the card payment it pays back; the provider's answer
-- is a `refund_outcomes` row, as for a sale's card refund.
ALTER TABLE booking_payments ADD COLUMN card_brand TEXT;
ALTER TABLE booking_payments ADD COLUMN card_last4 TEXT
    CHECK (card_last4 IS NULL OR (length(card_last4) = 4 AND card_last4 NOT GLOB '*[^0-9]*'));
ALTER TABLE booking_payments ADD COLUMN provider_ref TEXT;
ALTER TABLE booking_payments ADD COLUMN refunds_payment_id TEXT;
CREATE INDEX booking_payments_refunds ON booking_payments(refunds_payment_id)
    WHERE refunds_payment_id IS NOT NULL;
