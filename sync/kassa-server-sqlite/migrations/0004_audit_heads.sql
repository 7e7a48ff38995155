-- The head of each device's audit chain as the server holds it: a push whose audit entries
-- do not continue it is refused, and pulls publish it so a device can tell a chain it
-- holds was cut short. `server_seq` is the log place of the change that carried the head.
CREATE TABLE audit_heads (
    device_id  TEXT PRIMARY KEY REFERENCES devices(id),
    store_id   TEXT NOT NULL REFERENCES stores(id),
    seq        INTEGER NOT NULL,
    hash       TEXT NOT NULL,
    server_seq INTEGER NOT NULL
) STRICT;
CREATE INDEX audit_heads_store ON audit_heads(store_id);

-- Chains pushed before the server kept heads: their last entry in the log is the head.
INSERT INTO audit_heads (device_id, store_id, seq, hash, server_seq)
SELECT l.device_id, l.store_id, json_extract(l.payload, '$.device_seq'),
       json_extract(l.payload, '$.hash'), l.server_seq
FROM log l
WHERE l.entity = 'audit_log'
  AND json_type(l.payload, '$.device_seq') = 'integer'
  AND json_type(l.payload, '$.hash') = 'text'
  AND l.device_seq = (SELECT MAX(m.device_seq) FROM log m
                      WHERE m.device_id = l.device_id AND m.entity = 'audit_log');
