-- A customer's data erased on their request: when it happened (the earliest erasure any
-- device made wins). The row stays, with its personal fields blank, so orders, vouchers and
-- bookings that name it keep their figures without the person.
ALTER TABLE customers ADD COLUMN erased_at TEXT;
