//! A customer's data on their request: everything held about them, exported, and erased.
//!
//! The export gathers the customer row, its addresses and consent, the duplicates merged
//! into it, every order naming it (lines, payments, refunds) and its vouchers and store
//! credit with their ledgers. The erasure blanks the personal fields of the customer and of
//! its merged duplicates, drops their addresses and search entries and stamps `erased_at`;
//! the rows stay, so sales, vouchers and bookings keep their figures without the person.
//! On other devices the erasure wins over any edit, whatever its stamp (see
//! [`force_erased`], called by the applier), so every device ends with the same blank row.

use super::{Customer, get, reindex};
use crate::SqlResult;
use crate::foundation::import::{finish, write_text_row};
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use kassa_domain::{Error, Result};
use rusqlite::{Connection, params};
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

/// Blanks the personal fields of the customer row `id` and drops its addresses, keeping
/// `erased_at`. Used by the local erasure and by the applier after any change to an erased row.
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
    Ok(())
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
/// `payments` and `refunds`) and `vouchers` (with `balance_minor` and `movements`). Money is
/// in minor units, as stored. `exported_at` is the caller's clock.
pub fn export(conn: &Connection, store_id: &str, id: &str, exported_at: &str) -> Result<Value> {
    let c = get(conn, store_id, id)?;
    let ids = with_merged(conn, id)?;
    let mut merged = Vec::new();
    for m in ids.iter().skip(1) {
        merged.push(customer_json(&get(conn, store_id, m)?));
    }
    let mut orders = Vec::new();
    let mut vouchers = Vec::new();
    for cid in &ids {
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
