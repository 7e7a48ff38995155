-- The head of each device's audit chain as the server holds it: a push whose audit entries
-- do not continue it is refused, and pulls publish it so a device can tell a chain it
-- holds was cut short. `server_seq` is the log place of the change that carried the head.
CREATE TABLE audit_heads (
    device_id   TEXT PRIMARY KEY REFERENCES devices (device_id),
    store_id    TEXT NOT NULL REFERENCES stores (id),
    seq         BIGINT NOT NULL,
    hash        TEXT NOT NULL,
    server_seq  BIGINT NOT NULL
);
CREATE INDEX audit_heads_store ON audit_heads (store_id);

-- Chains pushed before the server kept heads: their last entry in the log is the head.
INSERT INTO audit_heads (device_id, store_id, seq, hash, server_seq)
SELECT DISTINCT ON (l.device_id)
       l.device_id, l.store_id, (l.payload::jsonb ->> 'device_seq')::bigint,
       l.payload::jsonb ->> 'hash', l.server_seq
FROM change_log l
WHERE l.entity = 'audit_log'
  AND jsonb_typeof(l.payload::jsonb -> 'device_seq') = 'number'
  AND jsonb_typeof(l.payload::jsonb -> 'hash') = 'string'
ORDER BY l.device_id, l.device_seq DESC;
