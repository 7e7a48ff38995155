-- The store's devices as this device last heard them from the server (`GET /api/v1/devices`,
-- at a sync or when Admin -> Devices is opened online), with when it heard them: the devices
-- list still shows, marked with that time, when the server cannot be reached. This device's
-- alone; replaced whole each time.
CREATE TABLE known_devices (
    device_id    TEXT PRIMARY KEY NOT NULL,
    device_code  TEXT NOT NULL,
    name         TEXT NOT NULL,
    paired_at    TEXT NOT NULL,
    last_sync_at TEXT,
    acked_seq    INTEGER NOT NULL CHECK (acked_seq >= 0),
    revoked_at   TEXT,
    heard_at     TEXT NOT NULL
);
