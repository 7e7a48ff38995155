-- Merging remote changes: per-field versions, conflicts for managers, changes waiting for
-- their parent, the pull cursor, and lockout counters kept on this device alone.
-- (0007 is the sync engine's device-local state; the runner accepts a gap in the numbers.)

-- The version of every field of every reference row, as cr-sqlite's clock tables keep it:
-- the HLC stamp and device of the change that last wrote it. Written by WriteTx::record_change
-- for local writes and by ApplyTx::winning_fields for remote ones. Device-local bookkeeping.
CREATE TABLE field_versions (
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    field     TEXT NOT NULL,
    hlc       INTEGER NOT NULL,
    device_id TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id, field)
) WITHOUT ROWID;

-- What the merge found that a person must decide (a SKU two devices both used, a ledger row
-- that came twice with different content, a clock far ahead). Found the same way on every
-- device; kept here until a manager resolves it. The id is derived from the change that
-- found it, so applying a change twice records one conflict.
CREATE TABLE conflicts (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    -- JSON: both sides and what the merge did.
    detail      TEXT NOT NULL,
    change_id   TEXT NOT NULL,
    hlc         INTEGER NOT NULL,
    device_id   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by TEXT,
    resolution  TEXT
);
CREATE INDEX conflicts_open ON conflicts(created_at) WHERE resolved_at IS NULL;

-- Remote changes whose parent row has not arrived (or that no applier knows yet); retried
-- after every page, in server order. A parked change never blocks the ones after it.
CREATE TABLE parked_changes (
    change_id  TEXT PRIMARY KEY,
    server_seq INTEGER NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    op         TEXT NOT NULL,
    payload    TEXT NOT NULL,
    hlc        INTEGER NOT NULL,
    device_id  TEXT NOT NULL,
    reason     TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 1,
    parked_at  TEXT NOT NULL
);
CREATE INDEX parked_changes_order ON parked_changes(server_seq);

-- Where this device's pull stands in the server's log; moved in the page's transaction.
CREATE TABLE sync_cursor (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    cursor     INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);

-- Failed sign-ins and the lock they caused, counted on this device and never synced: they
-- left the synced staff row, where another device's change (an unlock, a reset) overwrote
-- them. Failed sign-ins become synced events later; until then a lock holds where it began.
CREATE TABLE staff_lockout (
    staff_id        TEXT PRIMARY KEY NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT
);
INSERT INTO staff_lockout (staff_id, failed_attempts, locked_until)
SELECT id, failed_attempts, locked_until FROM staff
 WHERE failed_attempts <> 0 OR locked_until IS NOT NULL;
ALTER TABLE staff DROP COLUMN failed_attempts;
ALTER TABLE staff DROP COLUMN locked_until;
