-- Failed proofs of identity and what cleared the count (a success, an unlock, a new
-- password), on any device of the store: a synced ledger. An account's count and lock are
-- derived from every event a device holds, its own and other devices' (counted per account);
-- `staff_lockout` is this device's cache of that derivation.
CREATE TABLE sign_in_events (
    id        TEXT PRIMARY KEY,
    staff_id  TEXT NOT NULL REFERENCES staff(id),
    kind      TEXT NOT NULL CHECK (kind IN ('failure', 'cleared')),
    at        TEXT NOT NULL,
    device_id TEXT NOT NULL
);
CREATE INDEX sign_in_events_staff ON sign_in_events (staff_id, at, id);
CREATE TRIGGER sign_in_events_immutable BEFORE UPDATE ON sign_in_events
BEGIN SELECT RAISE(ABORT, 'sign-in events are immutable'); END;
CREATE TRIGGER sign_in_events_append_only BEFORE DELETE ON sign_in_events
BEGIN SELECT RAISE(ABORT, 'sign-in events are immutable'); END;

-- The counts held before: one failure event per failure counted, at the lock's start (or
-- now), so a lock in force stays. They are this device's; new events sync.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
INSERT INTO sign_in_events (id, staff_id, kind, at, device_id)
SELECT lower(hex(randomblob(16))), l.staff_id, 'failure',
       coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', l.locked_until, '-30 minutes'),
                strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
       (SELECT id FROM device)
  FROM staff_lockout l JOIN n ON n.i <= l.failed_attempts
 WHERE EXISTS (SELECT 1 FROM device) AND EXISTS (SELECT 1 FROM staff s WHERE s.id = l.staff_id);
