-- Seats of a capacity pool this device holds as an allotment from the sync server
-- (device-local; the server keeps the store-wide truth). A paired device sells only seats it
-- holds here; a device never paired holds every seat of its departures and has no rows.
CREATE TABLE seat_allotments (
    pool_id TEXT PRIMARY KEY,
    -- The departure the last request was made from, for the history.
    departure_id TEXT NOT NULL,
    -- The seats this device may sell: never more than the server holds for it. A lower
    -- number is kept here before it is sent, a higher one only once the server granted it.
    seats INTEGER NOT NULL CHECK (seats >= 0),
    -- From this moment the unsold seats are the pool's again: this device stops selling
    -- them and returns them at its next sync.
    release_at TEXT NOT NULL,
    -- The version of the last request sent for the pool; every request takes the next.
    version INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
    -- 1 while the server may hold another number than `seats` (an answer lost on the way):
    -- the next sync sends `seats` again.
    pending INTEGER NOT NULL DEFAULT 0 CHECK (pending IN (0, 1)),
    updated_at TEXT NOT NULL
);
