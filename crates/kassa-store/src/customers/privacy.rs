//! A customer's data on their request: everything held about them, exported, and erased.
//!
//! The export gathers the customer row, its addresses and consent, the duplicates merged
//! into it, every order naming it (lines, payments, refunds), its vouchers and store credit
//! with their ledgers, and its bookings (travellers, options, payments, notes) and waitlist
//! entries. The erasure blanks the personal fields of the customer and of its merged
//! duplicates, drops their addresses and search entries and stamps `erased_at`; it also
//! blanks what related rows hold about people (travellers' names, dates of birth and
//! documents, booking and waitlist notes, the contact kept with card payments). The rows
//! stay, so sales, vouchers and bookings keep their figures without the person. It is
//! refused while the store still needs to reach the person (a booking still to travel, a card
//! payment still pending). On other devices the erasure wins over any edit, whatever its
//! stamp (see [`force_erased`], called by the appliers, which also blank late documents of an
//! erased customer), so every device ends with the same blank rows.

use super::{Customer, get, reindex};
use crate::SqlResult;
use crate::foundation::import::{finish, write_text_row};
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use kassa_domain::{Error, ErrorCode, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value, json};

/// The personal fields an erasure blanks, with the value each is left with.
fn blank_fields() -> Map<String, Value> {
    let v = json!({
        "name": "", "email": null, "phone": null, "notes": "", "marketing_consent": false,
        "consent_at": null, "tags": [], "addresses": [],
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// `invalid_input` when the customer's data was erased: an erased customer is never edited,
/// merged or given new data again.
pub fn refuse_erased(c: &Customer) -> Result<()> {
    if c.erased_at.is_some() {
        return Err(Error::invalid_input(
            "this customer's data was erased on their request; add a new customer instead",
        ));
    }
    Ok(())
}

/// The customer `id` and every duplicate merged into it, directly or through another.
fn with_merged(conn: &Connection, id: &str) -> Result<Vec<String>> {
    let mut out = vec![id.to_string()];
    let mut i = 0;
    while i < out.len() && out.len() < 1_000 {
        let more: Vec<String> = conn
            .prepare_cached("SELECT id FROM customers WHERE merged_into = ?1 ORDER BY id")
            .db()?
            .query_map([&out[i]], |r| r.get(0))
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()?;
        for m in more {
            if !out.contains(&m) {
                out.push(m);
            }
        }
        i += 1;
    }
    Ok(out)
}

/// Whether customer `id` is held here with its data erased. No customer, or a row not held
/// yet, is not erased.
pub(crate) fn is_erased(conn: &Connection, id: Option<&str>) -> Result<bool> {
    let Some(id) = id else {
        return Ok(false);
    };
    let erased: Option<Option<String>> = conn
        .prepare_cached("SELECT erased_at FROM customers WHERE id = ?1")
        .db()?
        .query_row([id], |r| r.get(0))
        .optional()
        .db()?;
    Ok(matches!(erased, Some(Some(_))))
}

/// Blanks what the rows naming customer `id` hold about people: the travellers of its
/// bookings (name, date of birth, document number), its bookings' notes and waitlist notes,
/// and the contact kept with its orders' card payments. Figures, seats and references stay.
/// Deterministic from the rows held, so every device that holds them ends the same.
pub(crate) fn blank_related(conn: &Connection, id: &str) -> Result<()> {
    for sql in [
        "UPDATE booking_travellers SET full_name = '', date_of_birth = NULL, document_number = NULL
         WHERE booking_id IN (SELECT id FROM bookings WHERE customer_id = ?1)
           AND (full_name <> '' OR date_of_birth IS NOT NULL OR document_number IS NOT NULL)",
        "UPDATE booking_notes SET note = ''
         WHERE booking_id IN (SELECT id FROM bookings WHERE customer_id = ?1) AND note <> ''",
        "UPDATE booking_waitlist SET note = NULL WHERE customer_id = ?1 AND note IS NOT NULL",
        "UPDATE payments SET customer_contact = NULL
         WHERE order_id IN (SELECT id FROM orders WHERE customer_id = ?1)
           AND customer_contact IS NOT NULL",
    ] {
        conn.prepare_cached(sql).db()?.execute([id]).db()?;
    }
    Ok(())
}

/// Refuses the erasure of `ids` while the store still needs to reach the person: a booking
/// still to travel (a quote, held, confirmed or paid, departing after `now`) needs its
/// travellers' names and documents, and a card payment still pending with the provider
/// needs the contact to recover the money if it is declined. `conflict`, naming them.
fn refuse_while_open(conn: &Connection, ids: &[String], now: &str) -> Result<()> {
    let mut bookings = Vec::new();
    let mut orders = Vec::new();
    for cid in ids {
        let refs: Vec<String> = conn
            .prepare_cached(
                "SELECT b.reference FROM bookings b JOIN departures d ON d.id = b.departure_id
                 WHERE b.customer_id = ?1 AND b.status IN ('quote', 'held', 'confirmed', 'paid')
                   AND d.departs_at > ?2
                 ORDER BY b.reference",
            )
            .db()?
            .query_map(params![cid, now], |r| r.get(0))
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()?;
        bookings.extend(refs);
        let nums: Vec<String> = conn
            .prepare_cached(&format!(
                "SELECT DISTINCT o.number FROM orders o JOIN payments p ON p.order_id = o.id
                 WHERE o.customer_id = ?1 AND {}
                 ORDER BY o.number",
                crate::selling::cards::pending_sql()
            ))
            .db()?
            .query_map([cid], |r| r.get(0))
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()?;
        orders.extend(nums);
    }
    if !bookings.is_empty() {
        return Err(Error::new(
            ErrorCode::Conflict,
            format!(
                "this customer still has bookings to travel ({}); cancel them, or erase after they \
                 have travelled",
                bookings.join(", ")
            ),
        ));
    }
    if !orders.is_empty() {
        return Err(Error::new(
            ErrorCode::Conflict,
            format!(
                "card payments of this customer still wait for the provider (orders {}); erase once \
                 they are settled",
                orders.join(", ")
            ),
        ));
    }
    Ok(())
}

/// Blanks the personal fields of the customer row `id` and drops its addresses, keeping
/// `erased_at`, and blanks what related rows hold about people (`blank_related`). Used by the
/// local erasure and by the applier after any change to an erased row.
pub(crate) fn force_erased(conn: &Connection, id: &str, erased_at: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE customers SET name = '', email = NULL, phone = NULL, notes = '',
            marketing_consent = 0, consent_at = NULL, tags = '[]', erased_at = ?2
         WHERE id = ?1",
    )
    .db()?
    .execute(params![id, erased_at])
    .db()?;
    conn.prepare_cached("DELETE FROM customer_addresses WHERE customer_id = ?1")
        .db()?
        .execute([id])
        .db()?;
    blank_related(conn, id)
}

/// Erases the data of customer `id` (and of the duplicates merged into it) on their request:
/// personal fields blanked, addresses and search entries gone, `erased_at` set; synced, so
/// every device blanks it. Audited with the fields erased, never their values. Refused for a
/// merged duplicate (erase the customer it became) and for a customer already erased.
pub fn erase(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    id: &str,
    reason: &str,
) -> Result<Customer> {
    let c = get(tx, store_id, id)?;
    if let Some(kept) = &c.merged_into {
        return Err(Error::invalid_input(format!(
            "this customer was merged into {kept}; erase that one (its duplicates go with it)"
        )));
    }
    refuse_erased(&c)?;
    let reason = reason.trim();
    if reason.chars().count() > 500 || reason.chars().any(|ch| ch.is_control() && ch != '\n') {
        return Err(Error::invalid_input(
            "the reason is longer than 500 characters or holds control characters",
        ));
    }
    let now = tx.now_ts();
    let ids = with_merged(tx, id)?;
    refuse_while_open(tx, &ids, &now)?;
    for cid in &ids {
        force_erased(tx, cid, &now)?;
        tx.execute(
            "UPDATE customers SET updated_at = ?2 WHERE id = ?1",
            params![cid, now],
        )
        .db()?;
        let row = get(tx, store_id, cid)?;
        reindex(tx, &row, false)?;
        let mut payload = blank_fields();
        payload.insert("erased_at".into(), json!(now));
        tx.record_change("customers", cid, ChangeOp::Upsert, &Value::Object(payload))?;
    }
    tx.audit(
        AuditInput::new("customer.erased")
            .by(actor_id)
            .on("customer", id)
            .after(json!({
                "erased_at": now,
                "reason": reason,
                "customers": ids,
                "fields": blank_fields().keys().cloned().collect::<Vec<_>>(),
            })),
    )?;
    get(tx, store_id, id)
}

fn rows(conn: &Connection, sql: &str, key: &str) -> Result<Vec<Value>> {
    let mut st = conn.prepare_cached(sql).db()?;
    let names: Vec<String> = st.column_names().map(|n| n.to_string()).collect();
    let out = st
        .query_map([key], |r| {
            let mut m = Map::new();
            for (i, n) in names.iter().enumerate() {
                let v = match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => Value::Null,
                    rusqlite::types::ValueRef::Integer(x) => json!(x),
                    rusqlite::types::ValueRef::Real(x) => json!(x),
                    rusqlite::types::ValueRef::Text(t) => {
                        json!(String::from_utf8_lossy(t).into_owned())
                    }
                    rusqlite::types::ValueRef::Blob(_) => Value::Null,
                };
                m.insert(n.clone(), v);
            }
            Ok(Value::Object(m))
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    Ok(out)
}

fn customer_json(c: &Customer) -> Value {
    json!({
        "id": c.id, "name": c.data.name, "email": c.data.email, "phone": c.data.phone,
        "notes": c.data.notes, "tags": c.data.tags,
        "marketing_consent": c.data.marketing_consent, "consent_at": c.consent_at,
        "merged_into": c.merged_into, "created_at": c.created_at, "updated_at": c.updated_at,
        "erased_at": c.erased_at,
        "addresses": c.data.addresses.iter().map(|a| json!({
            "kind": a.kind, "line1": a.line1, "line2": a.line2, "postal_code": a.postal_code,
            "city": a.city, "country": a.country, "is_primary": a.is_primary,
        })).collect::<Vec<_>>(),
    })
}

/// Everything held about customer `id` as one JSON document: `customer` (row, addresses,
/// consent), `merged_customers` (duplicates merged into it), `orders` (with `lines`,
/// `payments` and `refunds`), `vouchers` (with `balance_minor` and `movements`), `bookings`
/// (with the trip and departure, `travellers`, `items`, `payments` and `notes`) and
/// `waitlist` entries. Money is in minor units, as stored. `exported_at` is the caller's clock.
pub fn export(conn: &Connection, store_id: &str, id: &str, exported_at: &str) -> Result<Value> {
    let c = get(conn, store_id, id)?;
    let ids = with_merged(conn, id)?;
    let mut merged = Vec::new();
    for m in ids.iter().skip(1) {
        merged.push(customer_json(&get(conn, store_id, m)?));
    }
    let mut orders = Vec::new();
    let mut vouchers = Vec::new();
    let mut bookings = Vec::new();
    let mut waitlist = Vec::new();
    for cid in &ids {
        for mut b in rows(
            conn,
            "SELECT b.id, b.reference, b.status, t.code AS trip_code, t.name AS trip_name,
                    d.departs_at, d.returns_at, d.meeting_point, b.seats, b.currency,
                    b.total_minor, b.deposit_minor, b.balance_due_on, b.hold_expires_at,
                    b.created_at, b.device_id
             FROM bookings b JOIN departures d ON d.id = b.departure_id
             JOIN trips t ON t.id = d.trip_id
             WHERE b.customer_id = ?1 ORDER BY b.created_at, b.id",
            cid,
        )? {
            let bid = b["id"].as_str().unwrap_or_default().to_string();
            b["travellers"] = Value::Array(rows(
                conn,
                "SELECT position, traveller_type, full_name, date_of_birth, document_number,
                        price_minor
                 FROM booking_travellers WHERE booking_id = ?1 ORDER BY position",
                &bid,
            )?);
            b["items"] = Value::Array(rows(
                conn,
                "SELECT name, qty, unit_minor, total_minor FROM booking_items
                 WHERE booking_id = ?1 ORDER BY name, id",
                &bid,
            )?);
            b["payments"] = Value::Array(rows(
                conn,
                "SELECT direction, kind, amount_minor, receipt_number, business_date, created_at
                 FROM booking_payments WHERE booking_id = ?1 ORDER BY created_at, id",
                &bid,
            )?);
            b["notes"] = Value::Array(rows(
                conn,
                "SELECT note, created_at FROM booking_notes WHERE booking_id = ?1
                 ORDER BY created_at, id",
                &bid,
            )?);
            bookings.push(b);
        }
        waitlist.extend(rows(
            conn,
            "SELECT w.id, t.name AS trip_name, d.departs_at, w.seats, w.note, w.status,
                    w.created_at
             FROM booking_waitlist w JOIN departures d ON d.id = w.departure_id
             JOIN trips t ON t.id = d.trip_id
             WHERE w.customer_id = ?1 ORDER BY w.created_at, w.id",
            cid,
        )?);
        for mut o in rows(
            conn,
            "SELECT id, number, status, currency, subtotal_minor, discount_minor, tax_minor,
                    total_minor, business_date, created_at, device_id
             FROM orders WHERE customer_id = ?1 ORDER BY created_at, id",
            cid,
        )? {
            let oid = o["id"].as_str().unwrap_or_default().to_string();
            o["lines"] = Value::Array(rows(
                conn,
                "SELECT position, sku, name, quantity, unit_price_minor, gross_minor
                 FROM order_lines WHERE order_id = ?1 ORDER BY position",
                &oid,
            )?);
            o["payments"] = Value::Array(rows(
                conn,
                "SELECT position, kind, amount_minor, status, card_brand, card_last4,
                        customer_contact, created_at
                 FROM payments WHERE order_id = ?1 ORDER BY position",
                &oid,
            )?);
            o["refunds"] = Value::Array(rows(
                conn,
                "SELECT id, number, amount_minor, tax_minor, reason, business_date, created_at
                 FROM refunds WHERE order_id = ?1 ORDER BY created_at, id",
                &oid,
            )?);
            orders.push(o);
        }
        for mut v in rows(
            conn,
            "SELECT v.id, v.code, v.created_at,
                    (SELECT coalesce(sum(amount_minor), 0) FROM voucher_movements m
                      WHERE m.voucher_id = v.id) AS balance_minor
             FROM vouchers v WHERE v.customer_id = ?1 ORDER BY v.created_at, v.id",
            cid,
        )? {
            let vid = v["id"].as_str().unwrap_or_default().to_string();
            v["movements"] = Value::Array(rows(
                conn,
                "SELECT kind, amount_minor, ref_id, created_at FROM voucher_movements
                 WHERE voucher_id = ?1 ORDER BY created_at, id",
                &vid,
            )?);
            vouchers.push(v);
        }
    }
    Ok(json!({
        "exported_at": exported_at,
        "store_id": store_id,
        "customer": customer_json(&c),
        "merged_customers": merged,
        "orders": orders,
        "vouchers": vouchers,
        "bookings": bookings,
        "waitlist": waitlist,
    }))
}

/// Flattens `v` into `(field path, text, is a number)`: objects by key, arrays by index.
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String, bool)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, x, out);
            }
        }
        Value::Array(a) => {
            if a.is_empty() {
                out.push((prefix.to_string(), String::new(), false));
            }
            for (i, x) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), x, out);
            }
        }
        Value::Null => out.push((prefix.to_string(), String::new(), false)),
        Value::String(s) => out.push((prefix.to_string(), s.clone(), false)),
        Value::Number(n) => out.push((prefix.to_string(), n.to_string(), true)),
        Value::Bool(b) => out.push((prefix.to_string(), b.to_string(), false)),
    }
}

/// The export as CSV (UTF-8, header `section,record,field,value`): one line per fact, the
/// record being the customer's, order's or voucher's id; text cells are formula-safe.
pub fn export_csv(doc: &Value) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    write_text_row(
        &mut w,
        &[
            "section".into(),
            "record".into(),
            "field".into(),
            "value".into(),
        ],
        &[],
    )?;
    let mut emit = |section: &str, record: &Value| -> Result<()> {
        let id = record
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let mut pairs = Vec::new();
        flatten("", record, &mut pairs);
        for (field, value, number) in pairs {
            let numbers: &[usize] = if number { &[3] } else { &[] };
            write_text_row(
                &mut w,
                &[section.to_string(), id.clone(), field, value],
                numbers,
            )?;
        }
        Ok(())
    };
    emit("customer", &doc["customer"])?;
    for (section, key) in [
        ("merged_customer", "merged_customers"),
        ("order", "orders"),
        ("voucher", "vouchers"),
    ] {
        if let Some(list) = doc[key].as_array() {
            for r in list {
                emit(section, r)?;
            }
        }
    }
    finish(w)
}
