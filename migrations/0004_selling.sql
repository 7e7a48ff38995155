-- Selling: carts, orders and their lines, payments, refunds, cash drawer shifts, Z reports,
-- vouchers and the email outbox. Money is INTEGER minor units; times are RFC 3339 UTC;
-- business_date is the device's local date (YYYY-MM-DD) when the sale happened.
-- The tables a sale writes are keyed so that each sale touches as few pages as it can: a
-- durable commit costs what it writes.

-- Open and parked carts of this device. Device-local: a cart becomes an order at checkout.
CREATE TABLE carts (
    id                    TEXT PRIMARY KEY,
    device_id             TEXT NOT NULL,
    staff_id              TEXT NOT NULL,
    status                TEXT NOT NULL CHECK (status IN ('open', 'parked', 'checked_out', 'abandoned')),
    name                  TEXT,
    customer_id           TEXT,
    -- Order discount: 'percent' (basis points) or 'amount' (minor units).
    discount_kind         TEXT CHECK (discount_kind IN ('percent', 'amount')),
    discount_value        INTEGER,
    discount_approver_id  TEXT,
    order_id              TEXT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);
CREATE INDEX carts_parked ON carts(device_id) WHERE status = 'parked';
CREATE UNIQUE INDEX carts_one_open ON carts(device_id) WHERE status = 'open';

-- A cart's lines keep the price, tax and cost of the moment the item was added.
CREATE TABLE cart_lines (
    id                   TEXT PRIMARY KEY,
    cart_id              TEXT NOT NULL REFERENCES carts(id) ON DELETE CASCADE,
    position             INTEGER NOT NULL,
    product_id           TEXT NOT NULL,
    sku                  TEXT NOT NULL,
    name                 TEXT NOT NULL,
    quantity             INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_minor     INTEGER NOT NULL CHECK (unit_price_minor >= 0),
    price_includes_tax   INTEGER NOT NULL CHECK (price_includes_tax IN (0, 1)),
    tax_rate_bp          INTEGER NOT NULL CHECK (tax_rate_bp BETWEEN 0 AND 10000),
    cost_minor           INTEGER,
    stock_tracked        INTEGER NOT NULL CHECK (stock_tracked IN (0, 1)),
    discount_kind        TEXT CHECK (discount_kind IN ('percent', 'amount')),
    discount_value       INTEGER,
    discount_approver_id TEXT,
    added_at             TEXT NOT NULL
);
CREATE INDEX cart_lines_cart ON cart_lines(cart_id, position);

-- Counters of this device's number series: sales, refunds, Z reports, shifts.
CREATE TABLE number_series (
    device_id TEXT NOT NULL,
    series    TEXT NOT NULL CHECK (series IN ('sale', 'refund', 'z', 'shift')),
    last      INTEGER NOT NULL,
    PRIMARY KEY (device_id, series)
) WITHOUT ROWID;

-- Cash drawer shifts: opened with a float, closed with a count.
CREATE TABLE shifts (
    id                  TEXT PRIMARY KEY,
    store_id            TEXT NOT NULL,
    device_id           TEXT NOT NULL,
    number              INTEGER NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    opened_by           TEXT NOT NULL,
    opened_at           TEXT NOT NULL,
    opening_float_minor INTEGER NOT NULL CHECK (opening_float_minor >= 0),
    opening_counts      TEXT,
    closed_by           TEXT,
    closed_at           TEXT,
    expected_minor      INTEGER,
    counted_minor       INTEGER,
    closing_counts      TEXT,
    note                TEXT,
    UNIQUE (device_id, number)
);
CREATE UNIQUE INDEX shifts_one_open ON shifts(device_id) WHERE status = 'open';

-- Cash put into or taken out of the drawer outside sales, with a reason.
CREATE TABLE cash_movements (
    id           TEXT PRIMARY KEY,
    shift_id     TEXT NOT NULL REFERENCES shifts(id),
    kind         TEXT NOT NULL CHECK (kind IN ('in', 'out')),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    reason       TEXT NOT NULL,
    staff_id     TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX cash_movements_shift ON cash_movements(shift_id);
CREATE TRIGGER cash_movements_immutable BEFORE UPDATE ON cash_movements
BEGIN SELECT RAISE(ABORT, 'cash movements are immutable'); END;

CREATE TABLE orders (
    id               TEXT PRIMARY KEY NOT NULL,
    store_id         TEXT NOT NULL,
    device_id        TEXT NOT NULL,
    number           TEXT NOT NULL UNIQUE,
    status           TEXT NOT NULL CHECK (status IN ('draft', 'paid', 'fulfilled', 'partially_refunded', 'refunded', 'voided')),
    customer_id      TEXT,
    staff_id         TEXT NOT NULL,
    shift_id         TEXT REFERENCES shifts(id),
    currency         TEXT NOT NULL,
    subtotal_minor   INTEGER NOT NULL,
    discount_minor   INTEGER NOT NULL,
    tax_minor        INTEGER NOT NULL,
    total_minor      INTEGER NOT NULL,
    rounding_minor   INTEGER NOT NULL DEFAULT 0,
    change_minor     INTEGER NOT NULL DEFAULT 0,
    idempotency_key  TEXT,
    request_hash     TEXT,
    business_date    TEXT NOT NULL,
    created_at       TEXT NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX orders_idempotency ON orders(idempotency_key) WHERE idempotency_key IS NOT NULL;
-- Z reports by period and by business date both read this (a date is a range of local time).
CREATE INDEX orders_time ON orders(device_id, created_at);
CREATE INDEX orders_customer ON orders(customer_id) WHERE customer_id IS NOT NULL;

-- What was sold, exactly as priced at checkout. Never changed afterwards.
CREATE TABLE order_lines (
    id                   TEXT NOT NULL UNIQUE,
    order_id             TEXT NOT NULL REFERENCES orders(id),
    position             INTEGER NOT NULL,
    product_id           TEXT NOT NULL,
    sku                  TEXT NOT NULL,
    name                 TEXT NOT NULL,
    quantity             INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_minor     INTEGER NOT NULL,
    price_includes_tax   INTEGER NOT NULL,
    tax_rate_bp          INTEGER NOT NULL,
    cost_minor           INTEGER,
    stock_tracked        INTEGER NOT NULL CHECK (stock_tracked IN (0, 1)),
    gross_minor          INTEGER NOT NULL,
    line_discount_minor  INTEGER NOT NULL,
    order_discount_minor INTEGER NOT NULL,
    net_minor            INTEGER NOT NULL,
    tax_minor            INTEGER NOT NULL,
    total_minor          INTEGER NOT NULL,
    -- The catalog price differed from the cart's snapshot at checkout.
    price_changed        INTEGER NOT NULL DEFAULT 0,
    discount_approver_id TEXT,
    PRIMARY KEY (order_id, position)
) WITHOUT ROWID;
CREATE INDEX order_lines_product ON order_lines(product_id);
CREATE TRIGGER order_lines_immutable BEFORE UPDATE ON order_lines
BEGIN SELECT RAISE(ABORT, 'order lines are immutable'); END;

-- Tax per rate of each order, as on the receipt: what Z reports add up.
CREATE TABLE order_taxes (
    order_id    TEXT NOT NULL REFERENCES orders(id),
    rate_bp     INTEGER NOT NULL,
    net_minor   INTEGER NOT NULL,
    tax_minor   INTEGER NOT NULL,
    gross_minor INTEGER NOT NULL,
    PRIMARY KEY (order_id, rate_bp)
) WITHOUT ROWID;

-- Tenders of a sale. Only the provider's token, brand and last four digits of a card.
CREATE TABLE payments (
    id               TEXT NOT NULL UNIQUE,
    order_id         TEXT NOT NULL REFERENCES orders(id),
    position         INTEGER NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('cash', 'card', 'voucher')),
    tendered_minor   INTEGER NOT NULL,
    amount_minor     INTEGER NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('captured', 'offline_pending', 'declined')),
    voucher_id       TEXT,
    card_brand       TEXT,
    card_last4       TEXT CHECK (card_last4 IS NULL OR length(card_last4) = 4),
    provider_ref     TEXT,
    -- How to reach the customer if an offline card payment is declined later.
    customer_contact TEXT,
    created_at       TEXT NOT NULL,
    PRIMARY KEY (order_id, position)
) WITHOUT ROWID;
CREATE INDEX payments_pending ON payments(status) WHERE status = 'offline_pending';

-- The order's history: every transition, who, who approved, when.
CREATE TABLE order_events (
    id          TEXT NOT NULL,
    order_id    TEXT NOT NULL REFERENCES orders(id),
    event       TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    approver_id TEXT,
    reason      TEXT,
    created_at  TEXT NOT NULL,
    -- Ids are UUIDv7: an order's events sort in the order they happened.
    PRIMARY KEY (order_id, id)
) WITHOUT ROWID;
CREATE TRIGGER order_events_immutable BEFORE UPDATE ON order_events
BEGIN SELECT RAISE(ABORT, 'order events are immutable'); END;

CREATE TABLE refunds (
    id              TEXT PRIMARY KEY,
    order_id        TEXT NOT NULL REFERENCES orders(id),
    device_id       TEXT NOT NULL,
    number          TEXT NOT NULL UNIQUE,
    amount_minor    INTEGER NOT NULL CHECK (amount_minor >= 0),
    tax_minor       INTEGER NOT NULL,
    rounding_minor  INTEGER NOT NULL DEFAULT 0,
    reason          TEXT,
    staff_id        TEXT NOT NULL,
    approver_id     TEXT,
    shift_id        TEXT REFERENCES shifts(id),
    idempotency_key TEXT,
    request_hash    TEXT,
    business_date   TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX refunds_idempotency ON refunds(idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX refunds_order ON refunds(order_id);
CREATE INDEX refunds_time ON refunds(device_id, created_at);

CREATE TABLE refund_lines (
    id            TEXT PRIMARY KEY,
    refund_id     TEXT NOT NULL REFERENCES refunds(id),
    order_line_id TEXT NOT NULL REFERENCES order_lines(id),
    quantity      INTEGER NOT NULL CHECK (quantity > 0),
    amount_minor  INTEGER NOT NULL,
    tax_minor     INTEGER NOT NULL,
    -- 1: back on the shelf; 0: written off as damaged.
    restock       INTEGER NOT NULL CHECK (restock IN (0, 1))
);
CREATE INDEX refund_lines_line ON refund_lines(order_line_id);

CREATE TABLE refund_payments (
    id           TEXT PRIMARY KEY,
    refund_id    TEXT NOT NULL REFERENCES refunds(id),
    payment_id   TEXT NOT NULL REFERENCES payments(id),
    kind         TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    status       TEXT NOT NULL CHECK (status IN ('paid_out', 'pending'))
);
CREATE INDEX refund_payments_payment ON refund_payments(payment_id);

-- Gift vouchers and store credit: the balance is the sum of the ledger.
CREATE TABLE vouchers (
    id          TEXT PRIMARY KEY,
    store_id    TEXT NOT NULL,
    code        TEXT NOT NULL UNIQUE,
    customer_id TEXT,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE voucher_movements (
    id           TEXT PRIMARY KEY,
    voucher_id   TEXT NOT NULL REFERENCES vouchers(id),
    kind         TEXT NOT NULL CHECK (kind IN ('issue', 'redeem', 'refund')),
    amount_minor INTEGER NOT NULL CHECK (amount_minor <> 0),
    ref_id       TEXT,
    staff_id     TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX voucher_movements_voucher ON voucher_movements(voucher_id);
CREATE TRIGGER voucher_movements_immutable BEFORE UPDATE ON voucher_movements
BEGIN SELECT RAISE(ABORT, 'voucher movements are immutable'); END;

-- Z reports: a day's close for this device, numbered, frozen once written.
CREATE TABLE z_reports (
    id            TEXT PRIMARY KEY,
    store_id      TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    number        INTEGER NOT NULL,
    -- The report covers what happened after period_start up to and including period_end.
    period_start  TEXT NOT NULL,
    period_end    TEXT NOT NULL,
    business_date TEXT NOT NULL,
    -- The figures as JSON, and their SHA-256, so a change is visible even without the triggers.
    figures       TEXT NOT NULL,
    figures_hash  TEXT NOT NULL,
    closed_by     TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (device_id, number)
);
CREATE TRIGGER z_reports_frozen BEFORE UPDATE ON z_reports
BEGIN SELECT RAISE(ABORT, 'a closed Z report cannot be changed'); END;
CREATE TRIGGER z_reports_kept BEFORE DELETE ON z_reports
BEGIN SELECT RAISE(ABORT, 'a closed Z report cannot be deleted'); END;

-- Emails waiting for the server to send them (receipts, confirmations).
CREATE TABLE email_outbox (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    to_address TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body_html  TEXT NOT NULL,
    ref_id     TEXT,
    status     TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    created_at TEXT NOT NULL
);
