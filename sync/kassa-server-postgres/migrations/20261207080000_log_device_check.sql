-- Every log row names a device of the row's own store. This was two foreign keys (store,
-- device), which PostgreSQL checks row by row, one lookup per key per row: more than half
-- of writing a push of 5,000 changes. One check per statement, over the statement's new
-- rows, holds the same and more (the device belongs to the store the row is in). The
-- device rows checked are locked as a foreign key locks them (FOR KEY SHARE), so a
-- device cannot be deleted or moved under a push that has not committed yet.
ALTER TABLE change_log DROP CONSTRAINT change_log_store_id_fkey;
ALTER TABLE change_log DROP CONSTRAINT change_log_device_id_fkey;

CREATE FUNCTION change_log_rows_name_devices_of_their_store() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    r RECORD;
BEGIN
    FOR r IN SELECT DISTINCT store_id, device_id FROM new_rows LOOP
        PERFORM 1 FROM devices
            WHERE device_id = r.device_id AND store_id = r.store_id
            FOR KEY SHARE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'change_log names device % which is not of store %',
                r.device_id, r.store_id
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

CREATE TRIGGER change_log_inserted_rows_name_devices_of_their_store
    AFTER INSERT ON change_log
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION change_log_rows_name_devices_of_their_store();
CREATE TRIGGER change_log_updated_rows_name_devices_of_their_store
    AFTER UPDATE ON change_log
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION change_log_rows_name_devices_of_their_store();

-- The other side of the keys: a device with rows in the log is neither deleted nor moved
-- to another store or id. (A store keeps its devices by their own foreign key.)
CREATE FUNCTION devices_keep_their_log_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP = 'DELETE' OR NEW.device_id <> OLD.device_id OR NEW.store_id <> OLD.store_id)
       AND EXISTS (SELECT 1 FROM change_log WHERE device_id = OLD.device_id) THEN
        RAISE EXCEPTION 'device % has changes in the log', OLD.device_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER devices_keep_their_log_rows
    BEFORE DELETE OR UPDATE OF device_id, store_id ON devices
    FOR EACH ROW EXECUTE FUNCTION devices_keep_their_log_rows();
