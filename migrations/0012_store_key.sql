-- The store key's check value: proves the store key found in the OS keyring (or
-- KASSA_STORE_KEY) is this store's. Device-local, like the device key's `key_check`; NULL
-- only for a device set up before store keys, until its first open under this version
-- makes the store key and re-seals the staff secrets with it.
ALTER TABLE device ADD COLUMN store_key_check BLOB;
