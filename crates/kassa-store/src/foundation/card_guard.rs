//! No card number is ever stored: one guard at the database for every free-text column.
//!
//! [`TEXT_COLUMNS`] says, for every text column of every table, whether people type into it
//! (free text: names, notes, reasons, addresses, the audit trail's before and after) or
//! code writes it (ids, codes, hashes, times, JSON that code builds from checked fields).
//! When the store opens, each free-text column gets a trigger on this connection that
//! refuses an insert or update whose text holds a card number
//! ([`kassa_domain::pan::looks_like_pan`]); the refusal aborts the statement, so the
//! transaction writes nothing and the caller sees `invalid_input`. A new field needs no
//! check of its own, and a test fails when a text column is added without a class.
//!
//! The triggers are TEMP triggers made from this registry at every open, so they always
//! match it, and a connection without the check function (a tool reading the file) is
//! not broken by them.

use crate::SqlResult;
use kassa_domain::Result;
use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;

/// Whether people type a column's text, or code writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextClass {
    /// Typed by a person (or copied from what a person typed): checked for card numbers.
    /// The words name the field in the refusal.
    Free(&'static str),
    /// Written by code: an id, code, hash, time, status or JSON built from checked fields.
    Structured,
}

use TextClass::{Free, Structured as S};

/// Tables whose text is a search index rebuilt by code from other tables' columns (full-text
/// indexes and their shadow tables).
pub const DERIVED_TABLES: &[&str] = &["product_search", "customer_search"];

/// Every text column of every table, and its class.
pub const TEXT_COLUMNS: &[(&str, &[(&str, TextClass)])] = &[
    (
        "trips",
        &[
            ("id", S),
            ("store_id", S),
            ("code", Free("the trip code")),
            ("name", Free("the trip name")),
            ("deposit_kind", S),
            ("cancellation_policy", S),
            ("created_at", S),
            ("updated_at", S),
        ],
    ),
    (
        "trip_options",
        &[
            ("id", S),
            ("trip_id", S),
            ("name", Free("the option name")),
            ("created_at", S),
            ("updated_at", S),
        ],
    ),
    (
        "capacity_pools",
        &[
            ("id", S),
            ("store_id", S),
            ("created_at", S),
            ("updated_at", S),
        ],
    ),
    (
        "departures",
        &[
            ("id", S),
            ("trip_id", S),
            ("pool_id", S),
            ("departs_at", S),
            ("returns_at", S),
            ("time_zone", S),
            ("meeting_point", Free("the meeting point")),
            ("created_at", S),
            ("updated_at", S),
        ],
    ),
    (
        "bookings",
        &[
            ("id", S),
            ("store_id", S),
            ("device_id", S),
            ("reference", S),
            ("departure_id", S),
            ("customer_id", S),
            ("staff_id", S),
            ("currency", S),
            ("balance_due_on", S),
            ("status", S),
            ("hold_expires_at", S),
            ("created_at", S),
            ("cancellation_policy", S),
        ],
    ),
    (
        "booking_travellers",
        &[
            ("id", S),
            ("booking_id", S),
            ("traveller_type", S),
            ("full_name", Free("the traveller's name")),
            ("date_of_birth", S),
            ("document_number", Free("the document number")),
            ("removed_by", S),
        ],
    ),
    (
        "booking_items",
        &[
            ("id", S),
            ("booking_id", S),
            ("option_id", S),
            ("name", Free("the option name")),
            ("removed_by", S),
        ],
    ),
    (
        "booking_events",
        &[
            ("id", S),
            ("booking_id", S),
            ("event", S),
            ("staff_id", S),
            ("device_id", S),
            ("detail", S),
            ("created_at", S),
        ],
    ),
    (
        "booking_payments",
        &[
            ("id", S),
            ("booking_id", S),
            ("direction", S),
            ("kind", S),
            ("device_id", S),
            ("shift_id", S),
            ("business_date", S),
            ("receipt_number", S),
            ("staff_id", S),
            ("created_at", S),
            ("voucher_id", S),
            ("card_brand", S),
            ("card_last4", S),
            ("provider_ref", S),
            ("refunds_payment_id", S),
            ("status", S),
        ],
    ),
    (
        "booking_notes",
        &[
            ("id", S),
            ("booking_id", S),
            ("note", Free("the booking note")),
            ("staff_id", S),
            ("created_at", S),
        ],
    ),
    (
        "booking_waitlist",
        &[
            ("id", S),
            ("departure_id", S),
            ("customer_id", S),
            ("note", Free("the waitlist note")),
            ("status", S),
            ("staff_id", S),
            ("created_at", S),
            ("updated_at", S),
        ],
    ),
    ("booking_series", &[("device_id", S), ("series", S)]),
    (
        "seat_allotments",
        &[
            ("pool_id", S),
            ("departure_id", S),
            ("release_at", S),
            ("updated_at", S),
        ],
    ),
    (
        "audit_log",
        &[
            ("id", S),
            ("device_id", S),
            ("at_utc", S),
            ("actor_id", S),
            ("approver_id", S),
            ("action", S),
            ("entity", S),
            ("entity_id", S),
            ("before", Free("the audit entry")),
            ("after", Free("the audit entry")),
            ("prev_hash", S),
            ("hash", S),
        ],
    ),
    (
        "audit_published_heads",
        &[("device_id", S), ("hash", S), ("received_at", S)],
    ),
    ("audit_verified", &[("device_id", S), ("hash", S)]),
    (
        "backup_codes",
        &[
            ("id", S),
            ("staff_id", S),
            ("code_hash", S),
            ("used_at", S),
            ("used_device", S),
            ("created_at", S),
            ("revoked_at", S),
        ],
    ),
    (
        "cart_lines",
        &[
            ("id", S),
            ("cart_id", S),
            ("product_id", S),
            ("sku", S),
            ("name", Free("the line's name")),
            ("discount_kind", S),
            ("discount_approver_id", S),
            ("added_at", S),
        ],
    ),
    (
        "carts",
        &[
            ("id", S),
            ("device_id", S),
            ("staff_id", S),
            ("status", S),
            ("name", Free("the parked cart's name")),
            ("customer_id", S),
            ("discount_kind", S),
            ("discount_approver_id", S),
            ("order_id", S),
            ("created_at", S),
            ("updated_at", S),
        ],
    ),
    (
        "cash_movements",
        &[
            ("id", S),
            ("shift_id", S),
            ("kind", S),
            ("reason", Free("the reason")),
            ("staff_id", S),
            ("created_at", S),
        ],
    ),
    (
        "categories",
        &[
            ("id", S),
            ("store_id", S),
            ("parent_id", S),
            ("name", Free("the category's name")),
            ("created_at", S),
            ("updated_at", S),
        ],
    ),
    ("cli_session", &[("session_id", S)]),
    // What the merge found: both sides as JSON built from rows already checked.
    (
        "conflicts",
        &[
            ("id", S),
            ("kind", S),
            ("entity", S),
            ("entity_id", S),
            ("detail", S),
            ("change_id", S),
            ("device_id", S),
            ("created_at", S),
            ("resolved_at", S),
            ("resolved_by", S),
            ("resolution", Free("the conflict's resolution")),
        ],
    ),
    (
        "conflict_resolutions",
        &[
            ("conflict_id", S),
            ("resolution", Free("the conflict's resolution")),
            ("resolved_by", S),
            ("resolved_at", S),
        ],
    ),
    (
        "customer_addresses",
        &[
            ("id", S),
            ("customer_id", S),
            ("kind", S),
            ("line1", Free("the street and number")),
            ("line2", Free("the second address line")),
            ("postal_code", Free("the postal code")),
            ("city", Free("the city")),
            ("country", Free("the country")),
            ("created_at", S),
        ],
    ),
    (
        "customers",
        &[
            ("id", S),
            ("store_id", S),
            ("name", Free("the customer's name")),
            ("email", Free("the customer's email")),
            ("phone", Free("the customer's phone number")),
            ("notes", Free("the customer's notes")),
            ("consent_at", S),
            ("tags", Free("the customer's tags")),
            ("merged_into", S),
            ("created_at", S),
            ("updated_at", S),
            ("erased_at", S),
        ],
    ),
    (
        "device",
        &[
            ("id", S),
            ("store_id", S),
            ("code", S),
            ("name", Free("the device's name")),
            ("audit_head", S),
            ("last_server_time", S),
            ("created_at", S),
        ],
    ),
    (
        "device_settings",
        &[("key", S), ("value", S), ("updated_at", S)],
    ),
    (
        "field_versions",
        &[
            ("entity", S),
            ("entity_id", S),
            ("field", S),
            ("device_id", S),
        ],
    ),
    (
        "drawer_opens",
        &[
            ("id", S),
            ("device_id", S),
            ("shift_id", S),
            ("kind", S),
            ("order_id", S),
            ("refund_id", S),
            ("reason", Free("the reason")),
            ("staff_id", S),
            ("business_date", S),
            ("created_at", S),
        ],
    ),
    (
        "known_devices",
        &[
            ("device_id", S),
            ("device_code", S),
            ("name", Free("a device's name")),
            ("paired_at", S),
            ("last_sync_at", S),
            ("revoked_at", S),
            ("heard_at", S),
        ],
    ),
    (
        // What the server found about the store's cards: the server's words.
        "card_findings",
        &[
            ("at", S),
            ("finding", S),
            ("payment_id", S),
            ("order_id", S),
            ("intent_id", S),
            ("currency", S),
            ("status", S),
            ("review", S),
            ("heard_at", S),
        ],
    ),
    (
        "email_delivery",
        &[
            ("id", S),
            ("status", S),
            // The SMTP server's answer, as the sync server relays it.
            ("last_error", S),
            ("sent_at", S),
            ("updated_at", S),
        ],
    ),
    (
        "email_outbox",
        &[
            ("id", S),
            ("kind", S),
            ("to_address", Free("the email address")),
            // The receipt as code renders it from the order's checked fields.
            ("subject", S),
            ("body_html", S),
            ("ref_id", S),
            ("status", S),
            ("created_at", S),
            // The same receipt as its document, from the same checked fields.
            ("receipt_json", S),
        ],
    ),
    (
        "invitations",
        &[
            ("id", S),
            ("store_id", S),
            ("kind", S),
            ("email", Free("the email address")),
            ("display_name", Free("the name")),
            ("role", S),
            ("staff_id", S),
            ("token_hash", S),
            ("expires_at", S),
            ("created_by", S),
            ("created_at", S),
            ("updated_at", S),
            ("accepted_at", S),
            ("revoked_at", S),
        ],
    ),
    (
        "locations",
        &[
            ("id", S),
            ("store_id", S),
            ("name", Free("the location's name")),
            ("created_at", S),
            ("updated_at", S),
        ],
    ),
    ("number_series", &[("device_id", S), ("series", S)]),
    (
        "order_events",
        &[
            ("id", S),
            ("order_id", S),
            ("event", S),
            ("from_status", S),
            ("to_status", S),
            ("actor_id", S),
            ("approver_id", S),
            ("reason", Free("the reason")),
            ("created_at", S),
        ],
    ),
    (
        "order_lines",
        &[
            ("id", S),
            ("order_id", S),
            ("product_id", S),
            ("sku", S),
            ("name", Free("the line's name")),
            ("discount_approver_id", S),
        ],
    ),
    ("order_taxes", &[("order_id", S)]),
    (
        "orders",
        &[
            ("id", S),
            ("store_id", S),
            ("device_id", S),
            ("number", S),
            ("status", S),
            ("customer_id", S),
            ("staff_id", S),
            ("shift_id", S),
            ("currency", S),
            ("idempotency_key", S),
            ("request_hash", S),
            ("business_date", S),
            ("created_at", S),
        ],
    ),
    (
        "outbox",
        &[
            ("change_id", S),
            ("entity", S),
            ("entity_id", S),
            ("op", S),
            // Copies of rows whose own columns are checked.
            ("payload", S),
            ("device_id", S),
            ("created_at", S),
        ],
    ),
    // Remote changes waiting for their parent: payloads another device checked when it wrote them.
    (
        "parked_changes",
        &[
            ("change_id", S),
            ("entity", S),
            ("entity_id", S),
            ("op", S),
            ("payload", S),
            ("device_id", S),
            ("reason", S),
            ("parked_at", S),
        ],
    ),
    (
        "card_attempts",
        &[
            ("idempotency_key", S),
            ("token", S),
            ("provider_key", S),
            ("order_id", S),
            ("payment_id", S),
            ("created_at", S),
        ],
    ),
    // The terminal's token (checked `pm_...` at checkout) until the server answers.
    (
        "card_tokens",
        &[
            ("payment_id", S),
            ("order_id", S),
            ("token", S),
            ("idempotency_key", S),
            ("last_error", S),
            ("last_attempt_at", S),
            ("created_at", S),
        ],
    ),
    // An invitation email waiting to be forwarded: the code is a sealed BLOB; the address was
    // checked as the invitation's.
    (
        "invitation_emails",
        &[
            ("id", S),
            ("invitation_id", S),
            ("to_address", S),
            // The server's refusal, as it answered.
            ("last_error", S),
            ("last_attempt_at", S),
            ("created_at", S),
        ],
    ),
    (
        "commission_rates",
        &[
            ("id", S),
            ("store_id", S),
            ("kind", S),
            ("subject_id", S),
            ("created_at", S),
            ("updated_at", S),
        ],
    ),
    (
        "commission_entries",
        &[
            ("id", S),
            ("staff_id", S),
            ("source_kind", S),
            ("source_id", S),
            ("line_id", S),
            ("cause_kind", S),
            ("cause_id", S),
            ("business_date", S),
            ("device_id", S),
            ("created_at", S),
        ],
    ),
    (
        "payment_outcomes",
        &[
            ("payment_id", S),
            ("order_id", S),
            ("status", S),
            ("intent_id", S),
            ("card_brand", S),
            ("card_last4", S),
            ("decline_code", S),
            ("device_id", S),
            ("decided_at", S),
            // The server's words, never typed at a till.
            ("review", S),
        ],
    ),
    (
        "payments",
        &[
            ("id", S),
            ("order_id", S),
            ("kind", S),
            ("status", S),
            ("voucher_id", S),
            ("card_brand", S),
            ("card_last4", S),
            ("provider_ref", S),
            ("customer_contact", Free("the customer's contact")),
            ("created_at", S),
        ],
    ),
    (
        "price_history",
        &[
            ("id", S),
            ("product_id", S),
            ("changed_by", S),
            ("changed_at", S),
        ],
    ),
    (
        "product_barcodes",
        &[
            ("store_id", S),
            ("code", S),
            ("product_id", S),
            ("kind", S),
            ("created_at", S),
        ],
    ),
    (
        "products",
        &[
            ("id", S),
            ("store_id", S),
            ("sku", S),
            ("name", Free("the product's name")),
            ("description", Free("the product's description")),
            ("kind", S),
            ("category_id", S),
            ("parent_id", S),
            ("variant", Free("the variant's label")),
            ("tax_class_id", S),
            ("created_at", S),
            ("updated_at", S),
        ],
    ),
    (
        "refund_lines",
        &[("id", S), ("refund_id", S), ("order_line_id", S)],
    ),
    // The provider's answer about a card refund (migration 0026): ids, statuses and the
    // provider's own reason text.
    (
        "refund_outcomes",
        &[
            ("refund_payment_id", S),
            ("refund_id", S),
            ("payment_id", S),
            ("order_id", S),
            ("status", S),
            ("intent_id", S),
            ("provider_refund_id", S),
            ("failure_reason", S),
            ("device_id", S),
            ("decided_at", S),
        ],
    ),
    (
        "refund_payments",
        &[
            ("id", S),
            ("refund_id", S),
            ("payment_id", S),
            ("kind", S),
            ("status", S),
        ],
    ),
    (
        "refunds",
        &[
            ("id", S),
            ("order_id", S),
            ("device_id", S),
            ("number", S),
            ("reason", Free("the reason")),
            ("staff_id", S),
            ("approver_id", S),
            ("shift_id", S),
            ("idempotency_key", S),
            ("request_hash", S),
            ("business_date", S),
            ("created_at", S),
            ("kind", S),
        ],
    ),
    (
        "sessions",
        &[
            ("id", S),
            ("staff_id", S),
            ("device_id", S),
            ("surface", S),
            ("token_hash", S),
            ("created_at", S),
            ("last_seen_at", S),
            ("ended_at", S),
            ("end_reason", S),
            ("locked_at", S),
        ],
    ),
    (
        "settings",
        &[
            ("store_id", S),
            ("key", S),
            // Receipt header and footer texts among them.
            ("value", Free("the setting")),
            ("updated_at", S),
        ],
    ),
    (
        "shifts",
        &[
            ("id", S),
            ("store_id", S),
            ("device_id", S),
            ("status", S),
            ("opened_by", S),
            ("opened_at", S),
            ("opening_counts", S),
            ("closed_by", S),
            ("closed_at", S),
            ("closing_counts", S),
            ("note", Free("the shift's note")),
        ],
    ),
    (
        "staff",
        &[
            ("id", S),
            ("store_id", S),
            ("email", Free("the email address")),
            ("display_name", Free("the name")),
            ("role", S),
            ("status", S),
            ("password_hash", S),
            ("created_at", S),
            ("updated_at", S),
            ("pin_hash", S),
        ],
    ),
    ("staff_lockout", &[("staff_id", S), ("locked_until", S)]),
    (
        "stock_batches",
        &[
            ("id", S),
            ("store_id", S),
            ("product_id", S),
            // A lot number printed on the goods, like a barcode.
            ("code", S),
            ("expires_on", S),
            ("created_at", S),
        ],
    ),
    (
        "stock_levels",
        &[("product_id", S), ("location_id", S), ("batch_id", S)],
    ),
    (
        "stock_movements",
        &[
            ("id", S),
            ("store_id", S),
            ("product_id", S),
            ("location_id", S),
            ("kind", S),
            ("batch_id", S),
            ("reason", Free("the reason")),
            ("ref_type", S),
            ("ref_id", S),
            ("staff_id", S),
            ("device_id", S),
            ("created_at", S),
            ("count_basis", S),
        ],
    ),
    (
        "stores",
        &[
            ("id", S),
            ("code", S),
            ("name", Free("the store's name")),
            ("currency", S),
            ("created_at", S),
            ("updated_at", S),
        ],
    ),
    ("store_key_epochs", &[("received_at", S)]),
    ("sync_cursor", &[("updated_at", S)]),
    (
        "sync_state",
        &[
            ("server_url", S),
            ("device_code", S),
            ("paired_at", S),
            ("last_sync_at", S),
            // Written by the sync engine from a code and Kassa's own message.
            ("last_error", S),
            ("findings_heard_at", S),
        ],
    ),
    (
        "tax_classes",
        &[
            ("id", S),
            ("store_id", S),
            ("name", Free("the tax class's name")),
            ("created_at", S),
            ("updated_at", S),
        ],
    ),
    (
        "sign_in_events",
        &[
            ("id", S),
            ("staff_id", S),
            ("kind", S),
            ("at", S),
            ("device_id", S),
        ],
    ),
    (
        "totp_steps",
        &[("id", S), ("staff_id", S), ("used_at", S), ("device_id", S)],
    ),
    (
        "voucher_movements",
        &[
            ("id", S),
            ("voucher_id", S),
            ("kind", S),
            ("ref_id", S),
            ("staff_id", S),
            ("created_at", S),
        ],
    ),
    (
        "vouchers",
        &[
            ("id", S),
            ("store_id", S),
            ("code", S),
            ("customer_id", S),
            ("created_by", S),
            ("created_at", S),
        ],
    ),
    (
        "z_reports",
        &[
            ("id", S),
            ("store_id", S),
            ("device_id", S),
            ("period_start", S),
            ("period_end", S),
            ("business_date", S),
            // Figures that code computes.
            ("figures", S),
            ("figures_hash", S),
            ("closed_by", S),
            ("created_at", S),
        ],
    ),
];

/// The message a trigger raises: this prefix, then the field's words.
pub(crate) const REFUSED: &str = "card_number_refused: ";

/// The class of `table.column`; `None` when the registry does not know it.
pub fn class_of(table: &str, column: &str) -> Option<TextClass> {
    TEXT_COLUMNS
        .iter()
        .find(|(t, _)| *t == table)
        .and_then(|(_, cols)| cols.iter().find(|(c, _)| *c == column))
        .map(|(_, class)| *class)
}

/// Registers `kassa_has_pan(text)` on `conn` and makes the triggers of every free-text
/// column that exists in the schema.
pub(crate) fn install(conn: &Connection) -> Result<()> {
    conn.create_scalar_function(
        "kassa_has_pan",
        1,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS,
        |ctx| {
            Ok(match ctx.get_raw(0) {
                ValueRef::Text(b) | ValueRef::Blob(b) => {
                    !kassa_domain::pan::find_pans(b).is_empty()
                }
                ValueRef::Integer(n) => kassa_domain::pan::looks_like_pan(&n.to_string()),
                _ => false,
            })
        },
    )
    .db()?;
    let mut sql = String::new();
    for (table, columns) in TEXT_COLUMNS {
        for (column, class) in columns.iter() {
            let Free(words) = class else { continue };
            if !column_exists(conn, table, column)? {
                continue;
            }
            let message = format!("{REFUSED}{words}").replace('\'', "''");
            for (op, event) in [("insert", "INSERT"), ("update", "UPDATE OF")] {
                let event = if op == "update" {
                    format!("{event} \"{column}\"")
                } else {
                    event.to_string()
                };
                sql.push_str(&format!(
                    "CREATE TEMP TRIGGER IF NOT EXISTS \"card_guard_{table}_{column}_{op}\"
                     BEFORE {event} ON main.\"{table}\"
                     WHEN kassa_has_pan(NEW.\"{column}\")
                     BEGIN SELECT RAISE(ABORT, '{message}'); END;\n"
                ));
            }
        }
    }
    conn.execute_batch(&sql).db()
}

fn column_exists(conn: &Connection, table: &str, column: &str) -> Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2)")
        .db()?
        .query_row([table, column], |r| r.get(0))
        .db()
}
