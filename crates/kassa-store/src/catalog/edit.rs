//! Writing products: validation, the search index, barcodes, price history, create and update.

use super::*;
use crate::SqlResult;
use crate::foundation::ids::new_id;
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use kassa_domain::catalog::{
    BarcodeKind, ProductKind, classify_barcode, validate_amount, validate_sku, validate_text,
};
use kassa_domain::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------- products: writes

/// Checks every field of `data` and its references; returns it cleaned, with its barcodes'
/// kinds. `self_id` is the product being changed (its own SKU and barcodes are no conflict).
pub fn validate(
    conn: &Connection,
    store_id: &str,
    self_id: Option<&str>,
    data: &ProductData,
) -> Result<(ProductData, Vec<(String, BarcodeKind)>)> {
    let mut d = data.clone();
    d.sku = validate_sku(&d.sku)?;
    d.name = validate_text(&d.name, "name", 200, true)?;
    d.description = validate_text(&d.description, "description", 4000, false)?;
    d.variant = validate_text(&d.variant, "variant", 100, false)?;
    d.price_minor = validate_amount(d.price_minor, "price")?;
    if let Some(c) = d.cost_minor {
        validate_amount(c, "cost price")?;
    }
    if let Some(t) = d.low_threshold
        && !(0..=kassa_domain::stock::MAX_QTY).contains(&t)
    {
        return Err(Error::invalid_input(
            "the low-stock threshold must be 0 or more",
        ));
    }
    if d.kind == ProductKind::Service {
        // A service has no shelf: nothing to count or run out of.
        d.stock_tracked = false;
    }
    let sku_owner: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT id, name FROM products WHERE store_id = ?1 AND sku = ?2 COLLATE NOCASE",
        )
        .db()?
        .query_row(params![store_id, d.sku], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .db()?;
    if let Some((id, name)) = sku_owner
        && Some(id.as_str()) != self_id
    {
        return Err(Error::already_exists(format!(
            "SKU {} is already used by '{name}'",
            d.sku
        )));
    }
    let mut codes: Vec<(String, BarcodeKind)> = Vec::new();
    for raw in &d.barcodes {
        let (code, kind) = classify_barcode(raw)?;
        if codes.iter().any(|(c, _)| *c == code) {
            continue;
        }
        let owner: Option<(String, String, String)> = conn
            .prepare_cached(
                "SELECT p.id, p.name, p.sku FROM product_barcodes b JOIN products p ON p.id = b.product_id
                 WHERE b.store_id = ?1 AND b.code = ?2",
            )
            .db()?
            .query_row(params![store_id, code], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()
            .db()?;
        if let Some((id, name, sku)) = owner
            && Some(id.as_str()) != self_id
        {
            return Err(Error::already_exists(format!(
                "barcode {code} already belongs to '{name}' (SKU {sku})"
            )));
        }
        codes.push((code, kind));
    }
    if codes.len() > 20 {
        return Err(Error::invalid_input(
            "a product can have at most 20 barcodes",
        ));
    }
    d.barcodes = codes.iter().map(|(c, _)| c.clone()).collect();
    if let Some(c) = &d.category_id {
        category_path(conn, store_id, c)?;
    }
    if let Some(t) = &d.tax_class_id
        && !conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM tax_classes WHERE id = ?1 AND store_id = ?2)",
            )
            .db()?
            .query_row(params![t, store_id], |r| r.get::<_, bool>(0))
            .db()?
    {
        return Err(Error::not_found(format!("no tax class with id {t}")));
    }
    if let Some(parent) = &d.parent_id {
        if Some(parent.as_str()) == self_id {
            return Err(Error::invalid_input(
                "a product cannot be a variant of itself",
            ));
        }
        let grand: Option<Option<String>> = conn
            .prepare_cached("SELECT parent_id FROM products WHERE id = ?1 AND store_id = ?2")
            .db()?
            .query_row(params![parent, store_id], |r| r.get(0))
            .optional()
            .db()?;
        match grand {
            None => {
                return Err(Error::not_found(format!(
                    "no product with id {parent} to be a variant of"
                )));
            }
            Some(Some(_)) => {
                return Err(Error::invalid_input(
                    "a variant cannot have variants of its own; choose the main product",
                ));
            }
            Some(None) => {}
        }
        if let Some(me) = self_id {
            let has_children: bool = conn
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM products WHERE parent_id = ?1)",
                    [me],
                    |r| r.get(0),
                )
                .db()?;
            if has_children {
                return Err(Error::invalid_input(
                    "this product has variants, so it cannot become a variant itself",
                ));
            }
        }
        if d.variant.is_empty() {
            return Err(Error::invalid_input(
                "a variant needs a label that tells it apart, e.g. 'M / blue'",
            ));
        }
    }
    Ok((d, codes))
}

pub(super) fn reindex(conn: &Connection, p: &Product, fresh: bool) -> Result<()> {
    if !fresh {
        conn.prepare_cached("DELETE FROM product_search WHERE rowid = ?1")
            .db()?
            .execute([p.num])
            .db()?;
    }
    let name = if p.data.variant.is_empty() {
        p.data.name.clone()
    } else {
        format!("{} {}", p.data.name, p.data.variant)
    };
    conn.prepare_cached(
        "INSERT INTO product_search (rowid, name, sku, codes, category) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .db()?
    .execute(params![
        p.num,
        name,
        p.data.sku,
        p.data.barcodes.join(" "),
        p.category_path.as_deref().unwrap_or("")
    ])
    .db()?;
    Ok(())
}

pub(super) fn write_barcodes(
    tx: &WriteTx<'_>,
    store_id: &str,
    product_id: &str,
    codes: &[(String, BarcodeKind)],
) -> Result<()> {
    let mut st = tx
        .prepare_cached(
            "INSERT INTO product_barcodes (store_id, code, product_id, kind, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .db()?;
    let now = tx.now_ts();
    for (code, kind) in codes {
        st.execute(params![store_id, code, product_id, kind.as_str(), now])
            .db()?;
    }
    Ok(())
}

pub(super) fn record_price(
    tx: &mut WriteTx<'_>,
    product_id: &str,
    data: &ProductData,
    actor_id: Option<&str>,
) -> Result<()> {
    let id = new_id();
    let now = tx.now_ts();
    tx.prepare_cached(
        "INSERT INTO price_history (id, product_id, price_minor, cost_minor, changed_by, changed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .db()?
    .execute(params![id, product_id, data.price_minor, data.cost_minor, actor_id, now])
    .db()?;
    tx.record_change(
        "price_history",
        &id,
        ChangeOp::Insert,
        &json!({"product_id": product_id, "price_minor": data.price_minor,
                "cost_minor": data.cost_minor, "changed_by": actor_id, "changed_at": now}),
    )
}

/// How a create is recorded in the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditMode {
    /// One entry per product (the editor, the CLI).
    PerProduct,
    /// The caller writes one entry for the whole batch (CSV import).
    Batch,
}

/// Products written whose search entries are still to be made: a batch (an import) adds
/// them all at the end with [`SearchBatch::finish`], in the same transaction.
///
/// The full-text index keeps new entries in memory and writes them out at each statement
/// that may need undoing in part (one with triggers, such as a product's insert); entries
/// made one by one between such statements are written out one at a time and merged again
/// and again. Made together, they are written out a few times.
#[derive(Debug, Default)]
pub struct SearchBatch(Vec<Product>);

impl SearchBatch {
    /// Makes the search entries of every product written in the batch.
    pub fn finish(self, tx: &WriteTx<'_>) -> Result<()> {
        for p in &self.0 {
            reindex(tx, p, true)?;
        }
        Ok(())
    }
}

/// Adds a product; validates it first and changes nothing if any field is wrong.
pub fn create(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    data: &ProductData,
    mode: AuditMode,
) -> Result<Product> {
    let (d, codes) = validate(tx, store_id, None, data)?;
    let category_path = match &d.category_id {
        Some(c) => Some(category_path(tx, store_id, c)?),
        None => None,
    };
    insert_valid(tx, store_id, actor_id, d, &codes, category_path, mode, None)
}

/// Writes a product that [`validate`] accepted, with its category's path; what an import
/// calls after checking every row, so the checks run once per row. With a `batch`, the
/// product's search entry is made when the batch finishes.
#[allow(clippy::too_many_arguments)]
pub fn insert_valid(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    d: ProductData,
    codes: &[(String, BarcodeKind)],
    category_path: Option<String>,
    mode: AuditMode,
    batch: Option<&mut SearchBatch>,
) -> Result<Product> {
    let id = new_id();
    let now = tx.now_ts();
    tx.prepare_cached(
        "INSERT INTO products (id, store_id, sku, name, description, kind, category_id, parent_id, variant,
            price_minor, cost_minor, tax_class_id, active, stock_tracked, allow_negative, low_threshold,
            created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17)",
    )
    .db()?
    .execute(params![
        id,
        store_id,
        d.sku,
        d.name,
        d.description,
        d.kind.as_str(),
        d.category_id,
        d.parent_id,
        d.variant,
        d.price_minor,
        d.cost_minor,
        d.tax_class_id,
        d.active,
        d.stock_tracked,
        d.allow_negative,
        d.low_threshold,
        now
    ])
    .db()?;
    let num = tx.last_insert_rowid();
    write_barcodes(tx, store_id, &id, codes)?;
    let product = Product {
        num,
        id: id.clone(),
        data: d,
        category_path,
        created_at: now.clone(),
        updated_at: now,
    };
    match batch {
        Some(b) => b.0.push(product.clone()),
        None => reindex(tx, &product, true)?,
    }
    let mut payload = product.data.to_map();
    payload.insert("store_id".into(), json!(store_id));
    let payload = Value::Object(payload);
    tx.record_change("products", &id, ChangeOp::Upsert, &payload)?;
    record_price(tx, &id, &product.data, Some(actor_id))?;
    if mode == AuditMode::PerProduct {
        tx.audit(
            AuditInput::new("product.created")
                .by(actor_id)
                .on("product", &id)
                .after(payload),
        )?;
    }
    Ok(product)
}

/// Replaces a product's fields with `data`: records only what changed, keeps the price
/// history, and audits catalog changes and price changes each with before and after.
/// Returns the names of the changed fields (none: nothing was written).
pub fn update(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    id: &str,
    data: &ProductData,
) -> Result<Vec<String>> {
    let before = get(tx, store_id, id)?;
    let (d, codes) = validate(tx, store_id, Some(id), data)?;
    let changed = changed_fields(&before.data, &d);
    if changed.is_empty() {
        return Ok(changed);
    }
    let now = tx.now_ts();
    tx.prepare_cached(
        "UPDATE products SET sku = ?2, name = ?3, description = ?4, kind = ?5, category_id = ?6, parent_id = ?7,
            variant = ?8, price_minor = ?9, cost_minor = ?10, tax_class_id = ?11, active = ?12,
            stock_tracked = ?13, allow_negative = ?14, low_threshold = ?15, updated_at = ?16
         WHERE id = ?1",
    )
    .db()?
    .execute(params![
        id,
        d.sku,
        d.name,
        d.description,
        d.kind.as_str(),
        d.category_id,
        d.parent_id,
        d.variant,
        d.price_minor,
        d.cost_minor,
        d.tax_class_id,
        d.active,
        d.stock_tracked,
        d.allow_negative,
        d.low_threshold,
        now
    ])
    .db()?;
    if changed.iter().any(|f| f == "barcodes") {
        tx.execute("DELETE FROM product_barcodes WHERE product_id = ?1", [id])
            .db()?;
        write_barcodes(tx, store_id, id, &codes)?;
    }
    let after_product = get(tx, store_id, id)?;
    if changed
        .iter()
        .any(|f| ["name", "variant", "sku", "barcodes", "category_id"].contains(&f.as_str()))
    {
        reindex(tx, &after_product, false)?;
    }
    let (bm, am) = (before.data.to_map(), d.to_map());
    let pick = |m: &Map<String, Value>, keys: &[&String]| -> Value {
        Value::Object(
            keys.iter()
                .filter_map(|k| m.get(*k).map(|v| ((*k).clone(), v.clone())))
                .collect(),
        )
    };
    let all: Vec<&String> = changed.iter().collect();
    tx.record_change("products", id, ChangeOp::Upsert, &pick(&am, &all))?;
    let (price_keys, other_keys): (Vec<&String>, Vec<&String>) = changed
        .iter()
        .partition(|k| k.as_str() == "price_minor" || k.as_str() == "cost_minor");
    if !price_keys.is_empty() {
        record_price(tx, id, &d, Some(actor_id))?;
        tx.audit(
            AuditInput::new("product.price_changed")
                .by(actor_id)
                .on("product", id)
                .before(pick(&bm, &price_keys))
                .after(pick(&am, &price_keys)),
        )?;
    }
    if !other_keys.is_empty() {
        tx.audit(
            AuditInput::new("product.updated")
                .by(actor_id)
                .on("product", id)
                .before(pick(&bm, &other_keys))
                .after(pick(&am, &other_keys)),
        )?;
    }
    Ok(changed)
}
