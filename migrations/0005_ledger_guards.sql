-- Ledgers are written once: every ledger refuses UPDATE and DELETE, so a row can only be
-- corrected by a new row. (stock_movements, price_history and z_reports were guarded from
-- the start; cash_movements, order_lines, order_events and voucher_movements refused only
-- UPDATE, and the audit trail refused nothing.)

CREATE TRIGGER audit_log_immutable BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit entries are immutable'); END;
CREATE TRIGGER audit_log_append_only BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit entries are immutable'); END;

CREATE TRIGGER cash_movements_append_only BEFORE DELETE ON cash_movements
BEGIN SELECT RAISE(ABORT, 'cash movements are immutable'); END;

CREATE TRIGGER order_lines_append_only BEFORE DELETE ON order_lines
BEGIN SELECT RAISE(ABORT, 'order lines are immutable'); END;

CREATE TRIGGER order_events_append_only BEFORE DELETE ON order_events
BEGIN SELECT RAISE(ABORT, 'order events are immutable'); END;

CREATE TRIGGER voucher_movements_append_only BEFORE DELETE ON voucher_movements
BEGIN SELECT RAISE(ABORT, 'voucher movements are immutable'); END;

-- Settings of this device alone (never synced): the receipt printer is plugged into one
-- till, so its address is not the store's. A store-wide value set before is carried over.
CREATE TABLE device_settings (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO device_settings (key, value, updated_at)
SELECT key, value, updated_at FROM settings
WHERE key = 'printer.target' AND store_id = (SELECT store_id FROM device);
DELETE FROM settings WHERE key = 'printer.target';
