//! One input for every command of the command table, as the shell would send it: well formed,
//! naming things that need not exist. Tests that walk the whole table (the permission matrix,
//! the forced password change) take their inputs from here; a command added to the table
//! without a sample here fails them.

use serde_json::{Value, json};

/// The sample input of `command`, or `None` when it has none yet.
pub fn sample_input(command: &str) -> Option<Value> {
    let missing = "00000000-0000-7000-8000-000000000000";
    let cash = json!({"kind": "cash", "amount_minor": 100});
    Some(match command {
        "app_status" | "logout" | "sync_status" | "audit_verify" | "settings_list"
        | "session_lock" | "session_activity" | "switch_user" | "staff_list" | "catalog_meta"
        | "catalog_export" | "stock_alerts" | "stock_valuation" | "customer_export"
        | "cart_get" | "cart_parked" | "cart_clear" | "shift_current" | "z_close" | "z_list"
        | "cards_pending" | "card_findings" | "sync_now" | "devices_list" => json!({}),
        "outbox_summary" => json!({}),
        "conflict_resolve" => json!({"conflict_id": missing, "resolution": "kept the void"}),
        "device_pairing_code" => json!({}),
        // Nothing listens on port 1: pairing gets past the permission check and fails there.
        "sync_pair" => json!({"server_url": "http://127.0.0.1:1", "code": "PAIR-1"}),
        "device_revoke" => json!({"device_id": "0190a000-0000-7000-8000-000000000000"}),
        "setup" => json!({
            "store_name": "Another Shop",
            "currency": "EUR",
            "admin_email": "another@example.com",
            "password": "violet kettles hum at dawn",
        }),
        "login" => json!({
            "email": "nobody@example.com",
            "password": "not a password here",
            "totp_code": "123456",
        }),
        "audit_list" | "conflicts_list" => json!({}),
        "settings_set" => json!({"key": "security.idle_lock_minutes", "value": 10}),
        "store_get" => json!({}),
        "store_update" => json!({"name": "Sample Shop"}),
        "customer_data_export" => json!({"id": missing, "format": "json"}),
        "customer_erase" => json!({"id": missing, "reason": "sample"}),
        "session_unlock" => json!({"pin": "0000"}),
        "staff_invite" => json!({"email": "sample.invite@example.com", "role": "cashier"}),
        "staff_invite_resend" | "staff_invite_revoke" => json!({"invitation_id": missing}),
        "invitation_check" => json!({"token": "ABCD-EFGH-JKLM-NPQR"}),
        "staff_accept" => json!({
            "token": "ABCD-EFGH-JKLM-NPQR",
            "password": "violet kettles hum at dawn",
        }),
        "staff_set_role" => json!({"staff_id": missing, "role": "cashier"}),
        "staff_set_active" => json!({"staff_id": missing, "active": true}),
        "staff_unlock" => json!({"staff_id": missing}),
        "staff_reset_password" | "staff_reenrol" => json!({"staff_id": missing}),
        "account_change_password" => json!({
            "current_password": "not the current one",
            "new_password": "violet kettles hum at dawn",
        }),
        "account_set_pin" => json!({"current_password": "not the current one", "pin": "4711"}),
        "account_backup_codes" => json!({"current_password": "not the current one"}),
        "product_search" => json!({"query": "oat"}),
        "product_lookup" => json!({"code": "NO-SUCH-CODE"}),
        "product_get" => json!({"id": missing}),
        "product_create" => json!({
            "product": {"sku": "SAMPLE-1", "name": "Sample", "price_minor": 100},
        }),
        "product_update" => json!({
            "id": missing,
            "product": {"sku": "SAMPLE-1", "name": "Sample", "price_minor": 100},
        }),
        "category_create" => json!({"name": "Sample category"}),
        "tax_class_create" => json!({"name": "Sample rate", "rate_bp": 500, "inclusive": true}),
        "catalog_import" | "customer_import" => json!({"csv": "", "dry_run": true}),
        "stock_receive" => json!({"product_id": missing, "qty": 1}),
        "stock_adjust" => json!({"product_id": missing, "delta": 1, "reason": "sample"}),
        "stock_transfer" => json!({
            "product_id": missing,
            "qty": 1,
            "from_location_id": missing,
            "to_location_id": missing,
        }),
        "stock_count" => json!({"lines": []}),
        "stock_movements" => json!({"product_id": missing}),
        "location_create" => json!({"name": "Sample room"}),
        "customer_search" => json!({"query": "sample"}),
        "customer_get" => json!({"id": missing}),
        "customer_create" => json!({"name": "Sample Customer"}),
        "customer_update" => json!({"id": missing, "customer": {"name": "Sample Customer"}}),
        "customer_merge" => json!({"keep_id": missing, "remove_id": missing}),
        "cart_add" => json!({"code": "NO-SUCH-CODE"}),
        "cart_set_quantity" => json!({"line_id": missing, "quantity": 1}),
        "cart_remove_line" | "cart_reprice" => json!({"line_id": missing}),
        "cart_discount" => json!({"discount": {"kind": "none"}}),
        "cart_set_customer" => json!({}),
        "cart_park" => json!({}),
        "cart_resume" => json!({"cart_id": missing}),
        "sell_favourites" => json!({}),
        "checkout" => json!({"tenders": [cash]}),
        "sell" => json!({"lines": [{"code": "NO-SUCH-CODE", "quantity": 1}], "tenders": [cash]}),
        "order_get" | "order_fulfil" | "reorder" => json!({"order_id": missing}),
        "orders_recent" => json!({}),
        "refund" => json!({"order_id": missing, "reason": "sample"}),
        "void_order" => json!({"order_id": missing, "reason": "sample"}),
        "receipt" => json!({"order_id": missing, "format": "html"}),
        "receipt_print" => json!({"order_id": missing}),
        "stock_level" => json!({"code": "NO-SUCH-CODE"}),
        "drawer_open" => json!({"reason": "sample"}),
        "receipt_email" => json!({"order_id": missing, "to": "someone@example.com"}),
        "receipt_emails" => json!({"order_id": missing}),
        "shift_open" | "shift_close" => json!({"counts": []}),
        "shift_cash" => json!({"kind": "in", "amount_minor": 100, "reason": "sample"}),
        "z_report" => json!({}),
        "report_sales" => json!({"from": "2026-11-01", "to": "2026-11-30", "by": "product"}),
        "report_stock" => json!({}),
        "report_staff" | "report_bookings" | "report_cards" | "report_commissions" => {
            json!({"from": "2026-11-01", "to": "2026-11-30"})
        }
        "report_export" => {
            json!({"report": "sales", "format": "csv", "from": "2026-11-01", "to": "2026-11-30"})
        }
        "commission_rate_set" => json!({"kind": "seller", "subject": missing, "rate_bp": 250}),
        "commission_rates" => json!({}),
        "commission_statement" => {
            json!({"staff": missing, "from": "2026-11-01", "to": "2026-11-30"})
        }
        "commission_export" => {
            json!({"staff": missing, "from": "2026-11-01", "to": "2026-11-30", "format": "csv"})
        }
        "voucher_issue" => json!({"amount_minor": 100}),
        "voucher_get" => json!({"code": "NO-SUCH-CODE"}),
        "trip_create" => json!({
            "code": "SAMPLE", "name": "Sample trip", "adult_minor": 1000, "deposit": "30%",
            "balance_due_days": 30, "cancellation_policy": "0:100%",
        }),
        "trip_policy_set" => json!({"trip": "NO-SUCH-TRIP", "deposit": "25%"}),
        "booking_policy" => json!({}),
        "booking_policy_set" => json!({
            "deposit": "25%", "balance_due_days": 30, "cancellation_policy": "0:100%",
            "hold_minutes": 1440,
        }),
        "trip_option_add" => {
            json!({"trip": "NO-SUCH-TRIP", "name": "Single room", "price_minor": 100})
        }
        "trip_list"
        | "allotment_list"
        | "departure_list"
        | "booking_list"
        | "booking_expire"
        | "booking_remind"
        | "booking_balances_due" => json!({}),
        "emails_list" => json!({"filter": "failed"}),
        "trip_get" => json!({"trip": "NO-SUCH-TRIP"}),
        "departure_add" => json!({
            "trip": "NO-SUCH-TRIP", "departs_at": "2027-01-01T08:00:00Z",
            "time_zone": "Europe/Berlin", "seats": 10,
        }),
        "departure_set_capacity" => json!({"departure_id": missing, "seats": 10}),
        "departure_get" | "waitlist_list" => json!({"departure_id": missing}),
        "allotment_request" | "allotment_return" => json!({"departure_id": missing, "seats": 2}),
        "booking_price" => {
            json!({"departure_id": missing, "travellers": [{"full_name": "Sample Traveller"}]})
        }
        "booking_create" => {
            json!({"departure_id": missing, "travellers": [{"full_name": "Sample Traveller"}]})
        }
        "booking_get"
        | "booking_hold"
        | "booking_complete"
        | "booking_cancel"
        | "booking_confirmation"
        | "booking_email"
        | "booking_emails" => {
            json!({"booking": missing})
        }
        "booking_pay" => json!({"booking": missing, "kind": "cash", "amount_minor": 100}),
        "booking_amend" => json!({"booking": missing, "remove_travellers": [missing]}),
        "booking_note" => json!({"booking": missing, "note": "sample"}),
        "waitlist_add" => json!({"departure_id": missing, "customer_id": missing, "seats": 1}),
        "waitlist_withdraw" => json!({"id": missing}),
        _ => return None,
    })
}

/// The sample input of `command` on demo device `d`: where a command checks its permission
/// only after finding what it acts on (a product update needs edit_catalog or edit_prices by
/// what changes), the sample names a real demo item.
pub fn sample_on(d: &super::Device, command: &str) -> Option<Value> {
    let mut input = sample_input(command)?;
    if command == "product_update" {
        let p = d
            .api
            .product_search(kassa_app::dto::ProductSearchInput {
                query: Some("oat".into()),
                ..Default::default()
            })
            .ok()?
            .items
            .into_iter()
            .next()?;
        input["id"] = json!(p.id);
        input["product"]["sku"] = json!(p.sku);
        input["product"]["price_minor"] = json!(p.price_minor);
    }
    Some(input)
}
