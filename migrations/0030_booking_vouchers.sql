-- A booking paid (in part) with a gift voucher or store credit: the voucher a payment was
-- taken from, and the one a cancellation's refund went back onto. NULL for cash.
ALTER TABLE booking_payments ADD COLUMN voucher_id TEXT;
