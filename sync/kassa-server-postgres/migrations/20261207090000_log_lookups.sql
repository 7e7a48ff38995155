-- The server reads its log by entity for two kinds of change only: a store's settings (those
-- card payments follow) and its capacity pools (allotments). An index of every change by
-- entity was written for each of the log's rows; two partial indexes hold just the changes
-- those reads look for. The queries name their entity as a literal, so the index is theirs.
DROP INDEX log_entity;
CREATE INDEX log_settings ON change_log (store_id, entity_id) WHERE entity = 'settings';
CREATE INDEX log_capacity_pools ON change_log (store_id, entity_id)
    WHERE entity = 'capacity_pools';
