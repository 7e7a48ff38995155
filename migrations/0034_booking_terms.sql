-- The cancellation fees a booking was made under (FeeTable text), so a trip's terms changed
-- later apply to new bookings only. NULL on bookings made before terms were kept: those
-- follow their trip's fees.
ALTER TABLE bookings ADD COLUMN cancellation_policy TEXT;
