-- A manager's decision on a conflict, synced: every device finds the same conflict under the
-- same id, so the decision made on one device closes it on all of them. Reference data: the
-- later decision (by HLC, then device) wins, its three fields together.
CREATE TABLE conflict_resolutions (
    conflict_id TEXT PRIMARY KEY,
    resolution  TEXT NOT NULL,
    resolved_by TEXT NOT NULL,
    resolved_at TEXT NOT NULL
);

-- Decisions made before they synced are kept as they were.
INSERT INTO conflict_resolutions (conflict_id, resolution, resolved_by, resolved_at)
SELECT id, resolution, resolved_by, resolved_at FROM conflicts
WHERE resolved_at IS NOT NULL AND resolution IS NOT NULL AND resolved_by IS NOT NULL;
