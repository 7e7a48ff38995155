-- Each store's store key, sealed by the server (XChaCha20-Poly1305 under the server key):
-- the first device brings it at pairing and every device that joins receives it. NULL only
-- for a store registered before store keys, until one of its devices brings its key.
ALTER TABLE stores ADD COLUMN store_key BYTEA;
