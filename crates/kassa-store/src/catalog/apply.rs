//! Appliers for the catalog entities arriving from other devices (see `foundation::apply`):
//! tax classes, categories, locations, products with their barcodes and search entries, and
//! the ledgers price history and stock movements (a level is the trigger's sum of
//! movements, so each movement counts once), and stock batches.
//!
//! Uniqueness two offline devices can both pass (SKU, barcode, names of categories, tax
//! classes and locations, batch codes) is settled one way everywhere: the later
//! `(hlc, device)` loses — its value gets a visible suffix (`SKU~1A2B`), a losing barcode is
//! detached — and a conflict row is recorded. A constraint never aborts a page.

use super::edit::reindex;
use super::products::get;
use crate::SqlResult;
use crate::foundation::apply::{Applied, Applier, ApplyTx, Version, field, lacks, suffixed};
use kassa_domain::Result;
use kassa_domain::catalog::classify_barcode;
use kassa_sync_protocol::Change;
use rusqlite::params;
use rusqlite::types::Value as SqlValue;
use serde_json::{Value, json};

/// `(entity, applier)` for every catalog entity recorded in the outbox.
pub(crate) const APPLIERS: &[(&str, Applier)] = &[
    ("tax_classes", apply_tax_class),
    ("categories", apply_category),
    ("locations", apply_location),
    ("products", apply_product),
    ("price_history", apply_price),
    ("stock_movements", apply_movement),
    ("stock_batches", apply_batch),
];

fn text<'a>(p: &'a Value, name: &str) -> Option<&'a str> {
    p.get(name).and_then(Value::as_str)
}

/// Settles a clash on a unique `field` (`column` of `table`): `other` holds `value` here.
/// The later write loses: its value gets the suffix. Returns the value the incoming row
/// gets, and records the conflict.
fn settle_clash(
    tx: &mut ApplyTx<'_>,
    c: &Change,
    table: &str,
    column: &str,
    other: &str,
    value: &str,
) -> Result<String> {
    let incoming = Version::of(c);
    let kind = format!("duplicate_{column}");
    if tx.incoming_loses(table, column, other, &incoming)? {
        let marked = suffixed(value, &c.device_id);
        tx.conflict(
            &kind,
            table,
            &c.entity_id,
            json!({"value": value, "kept_by": other, "renamed": c.entity_id, "now": marked}),
        )?;
        Ok(marked)
    } else {
        let held_device = tx
            .version(table, other, column)?
            .map(|v| v.device_id)
            .unwrap_or_default();
        let marked = suffixed(value, &held_device);
        tx.exec(
            &format!("UPDATE {table} SET {column} = ?2 WHERE id = ?1"),
            params![other, marked],
        )?;
        tx.conflict(
            &kind,
            table,
            other,
            json!({"value": value, "kept_by": c.entity_id, "renamed": other, "now": marked}),
        )?;
        if table == "products" {
            reindex_product(tx, other)?;
        }
        Ok(value.to_string())
    }
}

/// A named row whose name is unique within a scope (`scope_sql` selects a clashing row's id
/// given ?1 = name, ?2 = own id, ?3 = scope value).
#[allow(clippy::too_many_arguments)]
fn apply_named(
    tx: &mut ApplyTx<'_>,
    c: &Change,
    table: &str,
    columns: &[&str],
    clash_sql: &str,
    scope: Option<String>,
    parents: &[(&str, &str, Option<&str>)],
) -> Result<Applied> {
    let exists = tx.exists(table, "id", &c.entity_id)?;
    let mut required = vec!["store_id", "name"];
    required.extend(columns.iter().filter(|c| **c == "rate_bp"));
    if !exists && let Some(reason) = lacks(&c.payload, &required) {
        return Ok(tx.park(reason));
    }
    if let Some(reason) = tx.missing_parent(parents)? {
        return Ok(tx.park(reason));
    }
    let mut won = tx.winning_fields(c)?;
    if won.is_empty() {
        return Ok(Applied::AlreadyHeld);
    }
    let mut outcome = Applied::Applied;
    if let Some(Value::String(name)) = won.get("name").cloned() {
        let other: Option<String> =
            tx.row(clash_sql, params![name, c.entity_id, scope], |r| r.get(0))?;
        if let Some(other) = other {
            let now = settle_clash(tx, c, table, "name", &other, &name)?;
            won.insert("name".into(), json!(now));
            outcome = Applied::Conflict;
        }
    }
    tx.write_reference(table, c, !exists, &won, columns)?;
    Ok(outcome)
}

fn apply_tax_class(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let store = text(&c.payload, "store_id").map(str::to_string);
    apply_named(
        tx,
        c,
        "tax_classes",
        &["store_id", "name", "rate_bp", "inclusive"],
        "SELECT id FROM tax_classes WHERE name = ?1 COLLATE NOCASE AND id <> ?2
           AND store_id = (SELECT store_id FROM device) AND ?3 IS NULL",
        None,
        &[("stores", "id", store.as_deref())],
    )
}

fn apply_location(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let store = text(&c.payload, "store_id").map(str::to_string);
    apply_named(
        tx,
        c,
        "locations",
        &["store_id", "name"],
        "SELECT id FROM locations WHERE name = ?1 COLLATE NOCASE AND id <> ?2
           AND store_id = (SELECT store_id FROM device) AND ?3 IS NULL",
        None,
        &[("stores", "id", store.as_deref())],
    )
}

fn apply_category(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let store = text(&c.payload, "store_id").map(str::to_string);
    let parent: Option<String> = match c.payload.get("parent_id") {
        Some(v) => v.as_str().map(str::to_string),
        None => tx
            .row(
                "SELECT parent_id FROM categories WHERE id = ?1",
                [&c.entity_id],
                |r| r.get(0),
            )?
            .flatten(),
    };
    let out = apply_named(
        tx,
        c,
        "categories",
        &["store_id", "parent_id", "name"],
        "SELECT id FROM categories WHERE name = ?1 COLLATE NOCASE AND id <> ?2
           AND ifnull(parent_id, '') = ifnull(?3, '') AND store_id = (SELECT store_id FROM device)",
        parent.clone(),
        &[
            ("stores", "id", store.as_deref()),
            ("categories", "id", parent.as_deref()),
        ],
    )?;
    if matches!(out, Applied::Applied | Applied::Conflict) {
        // Products in this category or below carry its path in the search index.
        let ids: Vec<String> = tx
            .prepare_cached(
                "WITH RECURSIVE sub(id) AS (SELECT ?1 UNION SELECT c.id FROM categories c JOIN sub ON c.parent_id = sub.id)
                 SELECT p.id FROM products p WHERE p.category_id IN (SELECT id FROM sub)",
            )
            .map_err(crate::sql_err)?
            .query_map([&c.entity_id], |r| r.get(0))
            .map_err(crate::sql_err)?
            .collect::<rusqlite::Result<_>>()
            .map_err(crate::sql_err)?;
        for id in ids {
            reindex_product(tx, &id)?;
        }
    }
    Ok(out)
}

const PRODUCT_COLUMNS: &[&str] = &[
    "store_id",
    "sku",
    "name",
    "description",
    "kind",
    "category_id",
    "parent_id",
    "variant",
    "price_minor",
    "cost_minor",
    "tax_class_id",
    "active",
    "stock_tracked",
    "allow_negative",
    "low_threshold",
];

fn reindex_product(tx: &ApplyTx<'_>, id: &str) -> Result<()> {
    let store_id = tx.store_id().to_string();
    let p = get(tx, &store_id, id)?;
    reindex(tx, &p, false)
}

/// A product: last writer wins per field; its barcodes are one field (a list); the search
/// entry follows.
fn apply_product(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let p = &c.payload;
    let exists = tx.exists("products", "id", &c.entity_id)?;
    if !exists && let Some(reason) = lacks(p, &["store_id", "sku", "name", "kind", "price_minor"]) {
        return Ok(tx.park(reason));
    }
    let parents = [
        ("stores", "id", text(p, "store_id")),
        ("categories", "id", text(p, "category_id")),
        ("products", "id", text(p, "parent_id")),
        ("tax_classes", "id", text(p, "tax_class_id")),
    ];
    if let Some(reason) = tx.missing_parent(&parents)? {
        return Ok(tx.park(reason));
    }
    let mut won = tx.winning_fields(c)?;
    if won.is_empty() {
        return Ok(Applied::AlreadyHeld);
    }
    let mut outcome = Applied::Applied;
    if let Some(Value::String(sku)) = won.get("sku").cloned() {
        let other: Option<String> = tx.row(
            "SELECT id FROM products WHERE store_id = (SELECT store_id FROM device)
               AND sku = ?1 COLLATE NOCASE AND id <> ?2",
            params![sku, c.entity_id],
            |r| r.get(0),
        )?;
        if let Some(other) = other {
            let now = settle_clash(tx, c, "products", "sku", &other, &sku)?;
            won.insert("sku".into(), json!(now));
            outcome = Applied::Conflict;
        }
    }
    tx.write_reference("products", c, !exists, &won, PRODUCT_COLUMNS)?;
    if let Some(Value::Array(codes)) = won.get("barcodes")
        && write_barcodes(tx, c, codes)?
    {
        outcome = Applied::Conflict;
    }
    reindex_product(tx, &c.entity_id)?;
    Ok(outcome)
}

/// Replaces a product's barcodes with `codes`; a code another product holds goes to the
/// earlier `(hlc, device)` of the two products' barcode lists. Whether any clashed.
fn write_barcodes(tx: &mut ApplyTx<'_>, c: &Change, codes: &[Value]) -> Result<bool> {
    let store_id = tx.store_id().to_string();
    tx.exec(
        "DELETE FROM product_barcodes WHERE product_id = ?1",
        [&c.entity_id],
    )?;
    let incoming = Version::of(c);
    let stamp = ApplyTx::stamp_ts(c);
    let mut clashed = false;
    for code in codes.iter().filter_map(Value::as_str) {
        let Ok((code, kind)) = classify_barcode(code) else {
            continue;
        };
        let other: Option<String> = tx.row(
            "SELECT product_id FROM product_barcodes WHERE store_id = ?1 AND code = ?2",
            params![store_id, code],
            |r| r.get(0),
        )?;
        if let Some(other) = other {
            clashed = true;
            let incoming_loses = tx.incoming_loses("products", "barcodes", &other, &incoming)?;
            let (kept, detached) = if incoming_loses {
                (other.clone(), c.entity_id.clone())
            } else {
                (c.entity_id.clone(), other.clone())
            };
            tx.conflict(
                "duplicate_barcode",
                "products",
                &detached,
                json!({"code": code, "kept_by": kept, "detached_from": detached}),
            )?;
            if incoming_loses {
                continue;
            }
            tx.exec(
                "DELETE FROM product_barcodes WHERE store_id = ?1 AND code = ?2",
                params![store_id, code],
            )?;
            reindex_product(tx, &other)?;
        }
        tx.exec(
            "INSERT INTO product_barcodes (store_id, code, product_id, kind, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![store_id, code, c.entity_id, kind.as_str(), stamp],
        )?;
    }
    Ok(clashed)
}

/// A price history row (a ledger).
fn apply_price(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let p = &c.payload;
    if let Some(reason) = tx.missing_parent(&[("products", "id", text(p, "product_id"))])? {
        return Ok(tx.park(reason));
    }
    let row = columns(
        p,
        &[
            "product_id",
            "price_minor",
            "cost_minor",
            "changed_by",
            "changed_at",
        ],
    );
    tx.insert_ledger(
        "price_history",
        &[("id", SqlValue::Text(c.entity_id.clone()))],
        &row,
    )
}

/// A stock movement (a ledger): inserted once; the level trigger adds it once. Two offline
/// sales of the last unit both count, and the level shows what that leaves.
fn apply_movement(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    movement_row(tx, &c.entity_id, &c.payload)
}

/// Applies one stock movement row (`id` and the row as `MovementRow` serialises it): what a
/// sale's or refund's document carries inside it. Parks when the product, location or batch
/// has not arrived; inserts once; a different row under the same id is a conflict.
pub(crate) fn movement_row(tx: &mut ApplyTx<'_>, id: &str, p: &Value) -> Result<Applied> {
    let parents = [
        ("stores", "id", text(p, "store_id")),
        ("products", "id", text(p, "product_id")),
        ("locations", "id", text(p, "location_id")),
        ("stock_batches", "id", text(p, "batch_id")),
    ];
    if let Some(reason) = tx.missing_parent(&parents)? {
        return Ok(tx.park(reason));
    }
    let row = columns(
        p,
        &[
            "store_id",
            "product_id",
            "location_id",
            "kind",
            "qty",
            "batch_id",
            "reason",
            "ref_type",
            "ref_id",
            "unit_cost_minor",
            "staff_id",
            "device_id",
            "created_at",
            "count_basis",
        ],
    );
    let applied = tx.insert_ledger(
        "stock_movements",
        &[("id", SqlValue::Text(id.to_string()))],
        &row,
    )?;
    if applied == Applied::Applied && text(p, "kind") == Some("count") {
        concurrent_counts(tx, p)?;
    }
    Ok(applied)
}

/// Two counts of one item at one location on the same basis, from different devices: each
/// was made without knowing of the other, so both differences stand in the ledger and the
/// level is off by one of them. A manager counts again; the conflict is the same everywhere
/// (its id is the item, the location and the basis).
fn concurrent_counts(tx: &mut ApplyTx<'_>, p: &Value) -> Result<()> {
    let (Some(product), Some(location), Some(device)) = (
        text(p, "product_id"),
        text(p, "location_id"),
        text(p, "device_id"),
    ) else {
        return Ok(());
    };
    let basis = text(p, "count_basis");
    let others: Vec<(String, String, i64)> = tx
        .prepare_cached(
            "SELECT device_id, ref_id, qty FROM stock_movements
              WHERE product_id = ?1 AND location_id = ?2 AND kind = 'count'
                AND count_basis IS ?3 AND device_id <> ?4",
        )
        .db()?
        .query_map(params![product, location, basis, device], |r| {
            Ok((
                r.get(0)?,
                r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                r.get(2)?,
            ))
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    if others.is_empty() {
        return Ok(());
    }
    let key = format!("{product}:{location}:{}", basis.unwrap_or("-"));
    tx.conflict(
        "concurrent_stock_counts",
        "stock_counts",
        &key,
        json!({
            "product_id": product, "location_id": location, "basis": basis,
            "incoming": {"device_id": device, "count_id": text(p, "ref_id"), "qty": p.get("qty")},
            "held": others.iter().map(|(d, r, q)| json!({"device_id": d, "count_id": r, "qty": q})).collect::<Vec<_>>(),
        }),
    )
}

/// A batch of a product. Two devices that made one code offline: the batch with the larger
/// id (the later one) gets the suffix.
fn apply_batch(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let p = &c.payload;
    let (Some(product), Some(code)) = (text(p, "product_id"), text(p, "code")) else {
        return Err(kassa_domain::Error::invalid_input(
            "a batch without product or code",
        ));
    };
    let parents = [
        ("stores", "id", text(p, "store_id")),
        ("products", "id", Some(product)),
    ];
    if let Some(reason) = tx.missing_parent(&parents)? {
        return Ok(tx.park(reason));
    }
    let mut row = columns(p, &["store_id", "product_id", "code", "expires_on"]);
    let held: Option<String> = tx.row(
        "SELECT code FROM stock_batches WHERE id = ?1",
        [&c.entity_id],
        |r| r.get(0),
    )?;
    let other: Option<String> = tx.row(
        "SELECT id FROM stock_batches WHERE product_id = ?1 AND code = ?2 AND id <> ?3",
        params![product, code, c.entity_id],
        |r| r.get(0),
    )?;
    let mut outcome = None;
    if held.is_none()
        && let Some(other) = other
    {
        let loser = std::cmp::max(c.entity_id.clone(), other.clone());
        let marked = suffixed(code, &loser);
        tx.conflict(
            "duplicate_batch_code",
            "stock_batches",
            &loser,
            json!({"code": code, "renamed": loser, "now": marked}),
        )?;
        if loser == c.entity_id {
            row[2].1 = SqlValue::Text(marked);
        } else {
            tx.exec(
                "UPDATE stock_batches SET code = ?2 WHERE id = ?1",
                params![other, marked],
            )?;
        }
        outcome = Some(Applied::Conflict);
    }
    if let Some(h) = held.filter(|h| h != code) {
        // Held under a suffix this device gave it: the same batch.
        row[2].1 = SqlValue::Text(h);
    }
    let done = tx.insert_ledger_with(
        "stock_batches",
        &[("id", SqlValue::Text(c.entity_id.clone()))],
        &row,
        &[("created_at", SqlValue::Text(ApplyTx::stamp_ts(c)))],
    )?;
    Ok(outcome.filter(|_| done == Applied::Applied).unwrap_or(done))
}

fn columns(p: &Value, names: &[&'static str]) -> Vec<(&'static str, SqlValue)> {
    names.iter().map(|n| (*n, field(p, n))).collect()
}
