-- The store key's later epochs, as this device received them after a rotation (a device of
-- the store was revoked). Device-local. Each key is sealed under the device key (bound to
-- the store and the epoch), so it is as safe as the device key in the OS keyring (or
-- KASSA_DEVICE_KEY) and never in the clear here. The first epoch stays where it was (the
-- keyring entry `store-key:<store id>` or KASSA_STORE_KEY, checked by
-- `device.store_key_check`).
CREATE TABLE store_key_epochs (
    epoch INTEGER PRIMARY KEY CHECK (epoch >= 2),
    sealed_key BLOB NOT NULL,
    received_at TEXT NOT NULL
);
