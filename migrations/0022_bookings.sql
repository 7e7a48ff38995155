-- Bookings for travel agents: trips with departures and their seats, options, bookings with
-- travellers, items, notes, history events and payments, the waitlist, and this device's
-- booking reference series. Money is INTEGER minor units; times are RFC 3339 UTC.

-- A bookable product: prices per traveller type, the deposit rule, the balance's due day,
-- the cancellation policy (DAYS:FEE rows, as kassa_domain::booking::FeeTable writes them)
-- and how long a hold lasts.
CREATE TABLE trips (
    id                  TEXT PRIMARY KEY,
    store_id            TEXT NOT NULL,
    code                TEXT NOT NULL,
    name                TEXT NOT NULL,
    adult_minor         INTEGER NOT NULL CHECK (adult_minor >= 0),
    child_minor         INTEGER CHECK (child_minor >= 0),
    senior_minor        INTEGER CHECK (senior_minor >= 0),
    deposit_kind        TEXT NOT NULL CHECK (deposit_kind IN ('percent', 'fixed')),
    deposit_value       INTEGER NOT NULL CHECK (deposit_value >= 0),
    balance_due_days    INTEGER NOT NULL CHECK (balance_due_days >= 0),
    cancellation_policy TEXT NOT NULL,
    hold_minutes        INTEGER NOT NULL CHECK (hold_minutes > 0),
    documents_required  INTEGER NOT NULL CHECK (documents_required IN (0, 1)),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX trips_code ON trips(store_id, code);

-- Options and add-ons of a trip (single room, insurance); `capacity` per departure, NULL when
-- unlimited.
CREATE TABLE trip_options (
    id          TEXT PRIMARY KEY,
    trip_id     TEXT NOT NULL REFERENCES trips(id),
    name        TEXT NOT NULL,
    price_minor INTEGER NOT NULL CHECK (price_minor >= 0),
    capacity    INTEGER CHECK (capacity >= 0),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX trip_options_trip ON trip_options(trip_id);

-- Seats shared by one or more departures (a 7-day and a 14-day version on the same coach).
CREATE TABLE capacity_pools (
    id         TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL,
    seats      INTEGER NOT NULL CHECK (seats >= 0),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A departure of a trip: when (UTC, with the zone its days are counted in), the return, the
-- meeting point, and the pool its seats come from.
CREATE TABLE departures (
    id            TEXT PRIMARY KEY,
    trip_id       TEXT NOT NULL REFERENCES trips(id),
    pool_id       TEXT NOT NULL REFERENCES capacity_pools(id),
    departs_at    TEXT NOT NULL,
    returns_at    TEXT,
    time_zone     TEXT NOT NULL,
    meeting_point TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX departures_trip ON departures(trip_id, departs_at);
CREATE INDEX departures_pool ON departures(pool_id);
CREATE INDEX departures_when ON departures(departs_at);

-- A booking. Its status is folded from its events (booking_events), in (seq, device, id)
-- order, on every device; the rest is written once, when the booking is made.
CREATE TABLE bookings (
    id              TEXT PRIMARY KEY,
    store_id        TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    reference       TEXT NOT NULL,
    departure_id    TEXT NOT NULL REFERENCES departures(id),
    customer_id     TEXT,
    staff_id        TEXT NOT NULL,
    seats           INTEGER NOT NULL CHECK (seats > 0),
    currency        TEXT NOT NULL,
    total_minor     INTEGER NOT NULL CHECK (total_minor >= 0),
    deposit_minor   INTEGER NOT NULL CHECK (deposit_minor >= 0),
    balance_due_on  TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('quote', 'held', 'confirmed', 'paid', 'completed', 'cancelled', 'expired')),
    hold_expires_at TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX bookings_reference ON bookings(reference);
CREATE INDEX bookings_departure ON bookings(departure_id, status);
CREATE INDEX bookings_customer ON bookings(customer_id);
CREATE INDEX bookings_due ON bookings(balance_due_on) WHERE status IN ('held', 'confirmed');

CREATE TABLE booking_travellers (
    id              TEXT PRIMARY KEY,
    booking_id      TEXT NOT NULL REFERENCES bookings(id),
    position        INTEGER NOT NULL,
    traveller_type  TEXT NOT NULL CHECK (traveller_type IN ('adult', 'child', 'senior')),
    full_name       TEXT NOT NULL,
    date_of_birth   TEXT,
    document_number TEXT,
    price_minor     INTEGER NOT NULL CHECK (price_minor >= 0)
);
CREATE INDEX booking_travellers_booking ON booking_travellers(booking_id, position);

CREATE TABLE booking_items (
    id          TEXT PRIMARY KEY,
    booking_id  TEXT NOT NULL REFERENCES bookings(id),
    option_id   TEXT NOT NULL REFERENCES trip_options(id),
    name        TEXT NOT NULL,
    qty         INTEGER NOT NULL CHECK (qty > 0),
    unit_minor  INTEGER NOT NULL CHECK (unit_minor >= 0),
    total_minor INTEGER NOT NULL CHECK (total_minor >= 0)
);
CREATE INDEX booking_items_booking ON booking_items(booking_id);
CREATE INDEX booking_items_option ON booking_items(option_id);

-- The history: every transition, with what it settled (JSON built by code).
CREATE TABLE booking_events (
    id         TEXT PRIMARY KEY,
    booking_id TEXT NOT NULL REFERENCES bookings(id),
    seq        INTEGER NOT NULL CHECK (seq > 0),
    event      TEXT NOT NULL,
    staff_id   TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    detail     TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX booking_events_booking ON booking_events(booking_id, seq);

-- Money taken for a booking (deposit, balance) and refunded on cancellation. Cash is on the
-- shift of the device that took it.
CREATE TABLE booking_payments (
    id             TEXT PRIMARY KEY,
    booking_id     TEXT NOT NULL REFERENCES bookings(id),
    direction      TEXT NOT NULL CHECK (direction IN ('payment', 'refund')),
    kind           TEXT NOT NULL,
    amount_minor   INTEGER NOT NULL CHECK (amount_minor > 0),
    device_id      TEXT NOT NULL,
    shift_id       TEXT,
    business_date  TEXT NOT NULL,
    receipt_number TEXT NOT NULL,
    staff_id       TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX booking_payments_booking ON booking_payments(booking_id);
CREATE INDEX booking_payments_shift ON booking_payments(shift_id);

CREATE TABLE booking_notes (
    id         TEXT PRIMARY KEY,
    booking_id TEXT NOT NULL REFERENCES bookings(id),
    note       TEXT NOT NULL,
    staff_id   TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX booking_notes_booking ON booking_notes(booking_id);

-- Customers waiting for seats on a full departure, offered in order when seats come back.
CREATE TABLE booking_waitlist (
    id           TEXT PRIMARY KEY,
    departure_id TEXT NOT NULL REFERENCES departures(id),
    customer_id  TEXT NOT NULL,
    seats        INTEGER NOT NULL CHECK (seats > 0),
    note         TEXT,
    status       TEXT NOT NULL CHECK (status IN ('waiting', 'offered', 'booked', 'withdrawn')),
    staff_id     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX booking_waitlist_departure ON booking_waitlist(departure_id, status, created_at);

-- This device's booking references and payment receipts, counted on their own.
CREATE TABLE booking_series (
    device_id TEXT NOT NULL,
    series    TEXT NOT NULL CHECK (series IN ('booking', 'payment')),
    last      INTEGER NOT NULL,
    PRIMARY KEY (device_id, series)
) WITHOUT ROWID;

-- Ledgers: written once.
CREATE TRIGGER booking_events_immutable BEFORE UPDATE ON booking_events
BEGIN SELECT RAISE(ABORT, 'booking events are immutable'); END;
CREATE TRIGGER booking_events_append_only BEFORE DELETE ON booking_events
BEGIN SELECT RAISE(ABORT, 'booking events are immutable'); END;
CREATE TRIGGER booking_payments_immutable BEFORE UPDATE ON booking_payments
BEGIN SELECT RAISE(ABORT, 'booking payments are immutable'); END;
CREATE TRIGGER booking_payments_append_only BEFORE DELETE ON booking_payments
BEGIN SELECT RAISE(ABORT, 'booking payments are immutable'); END;
