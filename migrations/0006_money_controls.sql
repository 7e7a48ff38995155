-- Money controls: a void is recorded as what it is, and every opening of the cash drawer
-- outside a cash sale is kept, counted on the X and Z reports.

-- A refund row is either a refund or a void (a whole sale cancelled). Before this column, a void
-- was told apart only by its order's history.
ALTER TABLE refunds ADD COLUMN kind TEXT NOT NULL DEFAULT 'refund' CHECK (kind IN ('refund', 'void'));
UPDATE refunds SET kind = 'void'
 WHERE order_id IN (SELECT order_id FROM order_events WHERE event = 'void');

-- Every time the drawer was opened: for a cash sale (by whoever made it), or outside one
-- (a "no sale", a reprint with the drawer) by someone allowed to open it. A ledger.
CREATE TABLE drawer_opens (
    id            TEXT PRIMARY KEY,
    device_id     TEXT NOT NULL,
    shift_id      TEXT REFERENCES shifts(id),
    kind          TEXT NOT NULL CHECK (kind IN ('sale', 'no_sale', 'reprint')),
    order_id      TEXT,
    refund_id     TEXT,
    reason        TEXT,
    staff_id      TEXT NOT NULL,
    business_date TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX drawer_opens_time ON drawer_opens(device_id, created_at);
CREATE INDEX drawer_opens_order ON drawer_opens(order_id) WHERE order_id IS NOT NULL;
CREATE TRIGGER drawer_opens_immutable BEFORE UPDATE ON drawer_opens
BEGIN SELECT RAISE(ABORT, 'drawer openings are immutable'); END;
CREATE TRIGGER drawer_opens_kept BEFORE DELETE ON drawer_opens
BEGIN SELECT RAISE(ABORT, 'drawer openings are immutable'); END;

-- A business day's figures read the sales and refunds booked on it (after a Z report, sales
-- count for the next business day, whatever the clock says).
CREATE INDEX orders_business_date ON orders(device_id, business_date);
CREATE INDEX refunds_business_date ON refunds(device_id, business_date);
