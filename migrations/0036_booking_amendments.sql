-- Amendments: a traveller or an option taken off a booking stays in the ledger, marked with
-- the `amend` event that took it off; every device marks it the same way from the event.
ALTER TABLE booking_travellers ADD COLUMN removed_by TEXT;
ALTER TABLE booking_items ADD COLUMN removed_by TEXT;
