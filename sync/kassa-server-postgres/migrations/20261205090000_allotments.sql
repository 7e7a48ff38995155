-- The seats of a store's capacity pools each device holds, granted by the server so that
-- devices selling offline never sell more than a pool has. A pool's capacity is read from
-- the store's log (its newest `capacity_pools` change carrying `seats`); a device sets its
-- holding in all, with a version that grows per device and pool. Grants of one pool are
-- serialised by a transaction-scoped advisory lock on the store and pool.
CREATE TABLE allotments (
    store_id     TEXT NOT NULL REFERENCES stores (id),
    pool_id      TEXT NOT NULL,
    device_id    TEXT NOT NULL REFERENCES devices (device_id),
    departure_id TEXT NOT NULL,
    seats        BIGINT NOT NULL CHECK (seats >= 0),
    version      BIGINT NOT NULL CHECK (version >= 1),
    release_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (store_id, pool_id, device_id)
);

-- Every change of a holding, oldest first.
CREATE TABLE allotment_events (
    id           BIGSERIAL PRIMARY KEY,
    store_id     TEXT NOT NULL REFERENCES stores (id),
    pool_id      TEXT NOT NULL,
    departure_id TEXT NOT NULL,
    device_id    TEXT NOT NULL REFERENCES devices (device_id),
    seats_before BIGINT NOT NULL,
    seats_after  BIGINT NOT NULL,
    version      BIGINT NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX allotment_events_pool ON allotment_events (store_id, pool_id, id);
