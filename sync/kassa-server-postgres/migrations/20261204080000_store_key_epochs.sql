-- The store key's later epochs: a new one each time a device of the store is revoked,
-- sealed by the server (XChaCha20-Poly1305 under the server key). The first epoch stays in
-- `stores.store_key`; every epoch is kept, since the remaining devices may still need an
-- older one to open what it sealed.
CREATE TABLE store_key_epochs (
    store_id    TEXT NOT NULL REFERENCES stores(id),
    epoch       INTEGER NOT NULL CHECK (epoch >= 2),
    sealed_key  BYTEA NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (store_id, epoch)
);
