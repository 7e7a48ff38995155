-- The seats of a store's capacity pools each device holds, granted by the server so that
-- devices selling offline never sell more than a pool has. A pool's capacity is read from
-- the store's log (its newest `capacity_pools` change carrying `seats`); a device sets its
-- holding in all, with a version that grows per device and pool.
CREATE TABLE allotments (
    store_id     TEXT NOT NULL REFERENCES stores(id),
    pool_id      TEXT NOT NULL,
    device_id    TEXT NOT NULL REFERENCES devices(id),
    departure_id TEXT NOT NULL,
    seats        INTEGER NOT NULL CHECK (seats >= 0),
    version      INTEGER NOT NULL CHECK (version >= 1),
    release_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (store_id, pool_id, device_id)
) STRICT;

-- Every change of a holding, oldest first.
CREATE TABLE allotment_events (
    id           INTEGER PRIMARY KEY,
    store_id     TEXT NOT NULL REFERENCES stores(id),
    pool_id      TEXT NOT NULL,
    departure_id TEXT NOT NULL,
    device_id    TEXT NOT NULL REFERENCES devices(id),
    seats_before INTEGER NOT NULL,
    seats_after  INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    at           TEXT NOT NULL
) STRICT;
CREATE INDEX allotment_events_pool ON allotment_events (store_id, pool_id, id);
