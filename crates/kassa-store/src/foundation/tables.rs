//! Every table of the local schema and its class: how it syncs, if it does.
//!
//! A test fails when a table has no class, and another (rusqlite's update hook) fails when a
//! local operation writes a synced table without an outbox change for the row's entity.

/// How a table's rows sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableClass {
    /// Last writer wins per field (`upsert` changes).
    Reference,
    /// Written once, never changed (`insert` changes); a second copy that differs is a conflict.
    Ledger,
    /// A document whose status follows events (`event` changes).
    Lifecycle,
    /// This device's alone; never synced.
    DeviceLocal,
    /// Rebuilt from other tables (search indexes, stock levels); never synced.
    Derived,
}

use TableClass::*;

/// The carrier of a synced table: the outbox entity whose change carries a row, and the SQL
/// expression (over the row) that gives that change's entity id.
pub type Carrier = Option<(&'static str, &'static str)>;

/// `(table, class, carrier)` for every table.
pub const TABLES: &[(&str, TableClass, Carrier)] = &[
    ("audit_log", Ledger, Some(("audit_log", "id"))),
    // What the server last published of other devices' chains, and how far each chain was
    // verified here.
    ("audit_published_heads", DeviceLocal, None),
    ("audit_verified", DeviceLocal, None),
    ("backup_codes", Ledger, Some(("backup_codes", "id"))),
    ("cart_lines", DeviceLocal, None),
    ("carts", DeviceLocal, None),
    ("cash_movements", Ledger, Some(("cash_movements", "id"))),
    ("categories", Reference, Some(("categories", "id"))),
    ("cli_session", DeviceLocal, None),
    // A manager's decision on a conflict; its id is the conflict's, the same everywhere.
    (
        "conflict_resolutions",
        Reference,
        Some(("conflict_resolutions", "conflict_id")),
    ),
    // Found by the merge on each device, the same way everywhere; the decision syncs
    // (`conflict_resolutions`).
    ("conflicts", DeviceLocal, None),
    (
        "customer_addresses",
        Reference,
        Some(("customers", "customer_id")),
    ),
    ("customers", Reference, Some(("customers", "id"))),
    ("device", DeviceLocal, None),
    ("device_settings", DeviceLocal, None),
    ("drawer_opens", Ledger, Some(("drawer_opens", "id"))),
    ("email_delivery", DeviceLocal, None),
    ("email_outbox", Lifecycle, Some(("email_outbox", "id"))),
    ("field_versions", DeviceLocal, None),
    ("invitations", Reference, Some(("invitations", "id"))),
    ("locations", Reference, Some(("locations", "id"))),
    ("number_series", DeviceLocal, None),
    ("order_events", Ledger, Some(("orders", "order_id"))),
    ("order_lines", Ledger, Some(("orders", "order_id"))),
    ("order_taxes", Ledger, Some(("orders", "order_id"))),
    ("orders", Lifecycle, Some(("orders", "id"))),
    ("outbox", DeviceLocal, None),
    ("parked_changes", DeviceLocal, None),
    ("payments", Ledger, Some(("orders", "order_id"))),
    // Card payments forwarded to the provider (migration 0025): the terminal's token stays
    // here until the server answers; the provider's outcome is a ledger row of its own.
    ("card_tokens", DeviceLocal, None),
    ("card_attempts", DeviceLocal, None),
    // Invitation codes the server is to email (migration 0031): sealed under the device key,
    // never synced, deleted once the server kept the email.
    ("invitation_emails", DeviceLocal, None),
    (
        "payment_outcomes",
        Ledger,
        Some(("payment_outcomes", "payment_id")),
    ),
    ("price_history", Ledger, Some(("price_history", "id"))),
    (
        "product_barcodes",
        Reference,
        Some(("products", "product_id")),
    ),
    ("products", Reference, Some(("products", "id"))),
    // The card provider's answer about a card refund (migration 0026), keyed by the refund
    // payment; a refund payment's status is its outcome's, if it has one.
    (
        "refund_outcomes",
        Ledger,
        Some(("refund_outcomes", "refund_payment_id")),
    ),
    ("refund_lines", Ledger, Some(("refunds", "refund_id"))),
    ("refund_payments", Ledger, Some(("refunds", "refund_id"))),
    ("refunds", Lifecycle, Some(("refunds", "id"))),
    ("sessions", DeviceLocal, None),
    (
        "settings",
        Reference,
        Some(("settings", "store_id || ':' || key")),
    ),
    ("shifts", Lifecycle, Some(("shifts", "id"))),
    ("staff", Reference, Some(("staff", "id"))),
    // Derived from every device's `sign_in_events` (`identity::lockout`).
    ("staff_lockout", Derived, None),
    ("stock_batches", Ledger, Some(("stock_batches", "id"))),
    ("stock_levels", Derived, None),
    ("stock_movements", Ledger, Some(("stock_movements", "id"))),
    ("store_key_epochs", DeviceLocal, None),
    ("stores", Reference, Some(("stores", "id"))),
    ("sync_cursor", DeviceLocal, None),
    // The store's devices as the server last listed them (`foundation::known_devices`).
    ("known_devices", DeviceLocal, None),
    // What the server found about the store's cards, as last heard (`selling::card_findings`).
    ("card_findings", DeviceLocal, None),
    // The sync engine's own state (migration 0007).
    ("sync_state", DeviceLocal, None),
    ("tax_classes", Reference, Some(("tax_classes", "id"))),
    ("totp_steps", Ledger, Some(("totp_steps", "id"))),
    ("sign_in_events", Ledger, Some(("sign_in_events", "id"))),
    (
        "voucher_movements",
        Ledger,
        Some(("voucher_movements", "id")),
    ),
    ("vouchers", Lifecycle, Some(("vouchers", "id"))),
    ("z_reports", Lifecycle, Some(("z_reports", "id"))),
    // Bookings (`bookings/`): trips, options, pools, departures and the waitlist are
    // reference data; a booking is a lifecycle document whose rows travel in its events.
    ("booking_events", Ledger, Some(("bookings", "booking_id"))),
    ("booking_items", Ledger, Some(("bookings", "booking_id"))),
    ("booking_notes", Ledger, Some(("bookings", "booking_id"))),
    ("booking_payments", Ledger, Some(("bookings", "booking_id"))),
    ("booking_series", DeviceLocal, None),
    // Seats this device holds as an allotment from the server (`bookings::allotments`).
    ("seat_allotments", DeviceLocal, None),
    (
        "booking_travellers",
        Ledger,
        Some(("bookings", "booking_id")),
    ),
    (
        "booking_waitlist",
        Reference,
        Some(("booking_waitlist", "id")),
    ),
    ("bookings", Lifecycle, Some(("bookings", "id"))),
    ("capacity_pools", Reference, Some(("capacity_pools", "id"))),
    ("departures", Reference, Some(("departures", "id"))),
    ("trip_options", Reference, Some(("trip_options", "id"))),
    ("trips", Reference, Some(("trips", "id"))),
    // Commissions (`commissions/`): rates per person or category are reference data; the
    // entries are a ledger, each row its own change.
    (
        "commission_entries",
        Ledger,
        Some(("commission_entries", "id")),
    ),
    (
        "commission_rates",
        Reference,
        Some(("commission_rates", "id")),
    ),
];

/// Rows that travel inside a document's change instead of one of their own: `(table,
/// entity, SQL giving the document's id)`. A sale's or refund's stock movements are in the
/// order's or refund's document.
pub const CARRIED_INSIDE: &[(&str, &str, &str)] = &[
    (
        "stock_movements",
        "orders",
        "CASE WHEN ref_type = 'order' THEN ref_id END",
    ),
    (
        "stock_movements",
        "refunds",
        "CASE WHEN ref_type = 'refund' THEN ref_id END",
    ),
];

/// Full-text indexes: they and their shadow tables (`{name}_data`, ...) are derived.
pub const DERIVED_PREFIXES: &[&str] = &["product_search", "customer_search"];

/// The class of a table; `None` when the registry does not know it.
pub fn class_of(table: &str) -> Option<TableClass> {
    if table.starts_with("sqlite_") || DERIVED_PREFIXES.iter().any(|p| table.starts_with(p)) {
        return Some(Derived);
    }
    TABLES
        .iter()
        .find(|(t, _, _)| *t == table)
        .map(|(_, c, _)| *c)
}

/// The entity and entity-id expression whose change carries a row of a synced table.
pub fn carrier(table: &str) -> Option<(&'static str, &'static str)> {
    TABLES
        .iter()
        .find(|(t, _, _)| *t == table)
        .and_then(|(_, _, c)| *c)
}
