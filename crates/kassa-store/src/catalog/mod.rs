//! The catalog as stored: products, services and variants, their barcodes, the category
//! tree, tax classes, price history, and the full-text index that finds them.
//!
//! Every write records its outbox change and its audit entry in the caller's transaction.
//! The full-text index (`product_search`) is kept here, in the same transaction as the
//! product, so a product is findable exactly when it exists.

pub mod csv;
pub mod stock;

use crate::foundation::ids::new_id;
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use crate::{SqlResult, sql_err};
use kassa_domain::catalog::{
    BarcodeKind, ProductKind, TaxRate, alternate_gtin, classify_barcode, validate_amount,
    validate_sku, validate_text,
};
use kassa_domain::{Error, ErrorCode, Result};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// A tax class: a named rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxClass {
    pub id: String,
    pub name: String,
    pub rate: TaxRate,
}

/// A category with its path from the root, e.g. `Drinks > Coffee`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub path: String,
}

/// The editable fields of a product; what create takes and update compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductData {
    pub sku: String,
    pub name: String,
    pub description: String,
    pub kind: ProductKind,
    pub category_id: Option<String>,
    /// The product this one is a variant of.
    pub parent_id: Option<String>,
    /// What tells this variant apart, e.g. `M / blue`; empty for a plain product.
    pub variant: String,
    /// The shelf price: tax included unless the tax class is exclusive.
    pub price_minor: i64,
    pub cost_minor: Option<i64>,
    /// No tax class: the item carries no tax.
    pub tax_class_id: Option<String>,
    pub active: bool,
    pub stock_tracked: bool,
    /// `None`: the store's `stock.allow_negative` decides.
    pub allow_negative: Option<bool>,
    /// `None`: the store's `stock.low_threshold_default` decides.
    pub low_threshold: Option<i64>,
    pub barcodes: Vec<String>,
}

impl ProductData {
    /// A plain stock-tracked product with no category, tax class, cost or barcode.
    pub fn new(sku: &str, name: &str, price_minor: i64) -> ProductData {
        ProductData {
            sku: sku.to_string(),
            name: name.to_string(),
            description: String::new(),
            kind: ProductKind::Product,
            category_id: None,
            parent_id: None,
            variant: String::new(),
            price_minor,
            cost_minor: None,
            tax_class_id: None,
            active: true,
            stock_tracked: true,
            allow_negative: None,
            low_threshold: None,
            barcodes: Vec::new(),
        }
    }

    /// The fields as the outbox and the audit trail record them.
    pub fn to_map(&self) -> Map<String, Value> {
        let v = json!({
            "sku": self.sku,
            "name": self.name,
            "description": self.description,
            "kind": self.kind.as_str(),
            "category_id": self.category_id,
            "parent_id": self.parent_id,
            "variant": self.variant,
            "price_minor": self.price_minor,
            "cost_minor": self.cost_minor,
            "tax_class_id": self.tax_class_id,
            "active": self.active,
            "stock_tracked": self.stock_tracked,
            "allow_negative": self.allow_negative,
            "low_threshold": self.low_threshold,
            "barcodes": self.barcodes,
        });
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }
}

/// The names of the fields that differ between `a` and `b`.
pub fn changed_fields(a: &ProductData, b: &ProductData) -> Vec<String> {
    let (ma, mb) = (a.to_map(), b.to_map());
    mb.iter()
        .filter(|(k, v)| ma.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect()
}

/// A product as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// Local row number (the full-text index's key).
    pub num: i64,
    pub id: String,
    pub data: ProductData,
    pub category_path: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Product {
    /// The name a person reads: the name, and the variant after a dot when there is one.
    pub fn display_name(&self) -> String {
        display_name(&self.data.name, &self.data.variant)
    }
}

/// `name · variant`, or `name`.
pub fn display_name(name: &str, variant: &str) -> String {
    if variant.is_empty() {
        name.to_string()
    } else {
        format!("{name} · {variant}")
    }
}

/// What a sale needs of an item, in one indexed read: price, tax and cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleItem {
    pub id: String,
    pub sku: String,
    pub name: String,
    pub variant: String,
    pub kind: ProductKind,
    pub price_minor: i64,
    pub cost_minor: Option<i64>,
    pub tax_class_id: Option<String>,
    /// `None`: no tax class, no tax.
    pub tax: Option<TaxRate>,
    pub active: bool,
    pub stock_tracked: bool,
}

const COLS: &str = "p.num, p.id, p.sku, p.name, p.description, p.kind, p.category_id, p.parent_id, \
    p.variant, p.price_minor, p.cost_minor, p.tax_class_id, p.active, p.stock_tracked, \
    p.allow_negative, p.low_threshold, p.created_at, p.updated_at";

fn product_from_row(r: &Row<'_>) -> rusqlite::Result<Product> {
    let kind: String = r.get(5)?;
    Ok(Product {
        num: r.get(0)?,
        id: r.get(1)?,
        data: ProductData {
            sku: r.get(2)?,
            name: r.get(3)?,
            description: r.get(4)?,
            kind: if kind == "service" {
                ProductKind::Service
            } else {
                ProductKind::Product
            },
            category_id: r.get(6)?,
            parent_id: r.get(7)?,
            variant: r.get(8)?,
            price_minor: r.get(9)?,
            cost_minor: r.get(10)?,
            tax_class_id: r.get(11)?,
            active: r.get(12)?,
            stock_tracked: r.get(13)?,
            allow_negative: r.get(14)?,
            low_threshold: r.get(15)?,
            barcodes: Vec::new(),
        },
        category_path: None,
        created_at: r.get(16)?,
        updated_at: r.get(17)?,
    })
}

const SALE_COLS: &str = "p.id, p.sku, p.name, p.variant, p.kind, p.price_minor, p.cost_minor, \
    p.tax_class_id, p.active, p.stock_tracked";

fn sale_item_from_row(r: &Row<'_>) -> rusqlite::Result<SaleItem> {
    let kind: String = r.get(4)?;
    Ok(SaleItem {
        id: r.get(0)?,
        sku: r.get(1)?,
        name: r.get(2)?,
        variant: r.get(3)?,
        kind: if kind == "service" {
            ProductKind::Service
        } else {
            ProductKind::Product
        },
        price_minor: r.get(5)?,
        cost_minor: r.get(6)?,
        tax_class_id: r.get(7)?,
        tax: None,
        active: r.get(8)?,
        stock_tracked: r.get(9)?,
    })
}

/// Fills in the tax rate. Separate single-table reads are what keep a scan in the
/// microseconds: with SQLite's cached statements a three-way join measured three times
/// slower than these reads together.
fn with_tax(conn: &Connection, mut item: SaleItem) -> Result<SaleItem> {
    if let Some(t) = &item.tax_class_id {
        item.tax = conn
            .prepare_cached("SELECT rate_bp, inclusive FROM tax_classes WHERE id = ?1")
            .db()?
            .query_row([t], |r| {
                Ok(TaxRate {
                    basis_points: r.get(0)?,
                    inclusive: r.get(1)?,
                })
            })
            .optional()
            .db()?;
    }
    Ok(item)
}

// ---------------------------------------------------------------- tax classes

/// Every tax class of the store, by name.
pub fn tax_classes(conn: &Connection, store_id: &str) -> Result<Vec<TaxClass>> {
    let mut st = conn
        .prepare_cached(
            "SELECT id, name, rate_bp, inclusive FROM tax_classes WHERE store_id = ?1 ORDER BY name",
        )
        .db()?;
    st.query_map([store_id], |r| {
        Ok(TaxClass {
            id: r.get(0)?,
            name: r.get(1)?,
            rate: TaxRate {
                basis_points: r.get(2)?,
                inclusive: r.get(3)?,
            },
        })
    })
    .db()?
    .collect::<rusqlite::Result<Vec<_>>>()
    .db()
}

/// The tax class called `name` (any case), if there is one.
pub fn tax_class_by_name(
    conn: &Connection,
    store_id: &str,
    name: &str,
) -> Result<Option<TaxClass>> {
    Ok(tax_classes(conn, store_id)?
        .into_iter()
        .find(|t| t.name.eq_ignore_ascii_case(name.trim())))
}

/// Adds a tax class; the name is unique in the store.
pub fn create_tax_class(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    name: &str,
    rate: TaxRate,
) -> Result<String> {
    let name = validate_text(name, "tax class name", 60, true)?;
    let rate = TaxRate::new(rate.basis_points, rate.inclusive)?;
    if tax_class_by_name(tx, store_id, &name)?.is_some() {
        return Err(Error::already_exists(format!(
            "there is already a tax class called '{name}'"
        )));
    }
    let id = new_id();
    let now = tx.now_ts();
    tx.execute(
        "INSERT INTO tax_classes (id, store_id, name, rate_bp, inclusive, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![id, store_id, name, rate.basis_points, rate.inclusive, now],
    )
    .db()?;
    let after = json!({"store_id": store_id, "name": name, "rate_bp": rate.basis_points, "inclusive": rate.inclusive});
    tx.record_change("tax_classes", &id, ChangeOp::Upsert, &after)?;
    tx.audit(
        AuditInput::new("tax_class.created")
            .by(actor_id)
            .on("tax_class", &id)
            .after(after),
    )?;
    Ok(id)
}

/// Changes a tax class's rate or pricing (a change of law); audited with before and after.
pub fn update_tax_class(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    id: &str,
    rate: TaxRate,
) -> Result<()> {
    let rate = TaxRate::new(rate.basis_points, rate.inclusive)?;
    let before = tax_classes(tx, store_id)?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| Error::not_found(format!("no tax class with id {id}")))?;
    if before.rate == rate {
        return Ok(());
    }
    tx.execute(
        "UPDATE tax_classes SET rate_bp = ?1, inclusive = ?2, updated_at = ?3 WHERE id = ?4",
        params![rate.basis_points, rate.inclusive, tx.now_ts(), id],
    )
    .db()?;
    let after = json!({"rate_bp": rate.basis_points, "inclusive": rate.inclusive});
    tx.record_change("tax_classes", id, ChangeOp::Upsert, &after)?;
    tx.audit(
        AuditInput::new("tax_class.changed")
            .by(actor_id)
            .on("tax_class", id)
            .before(
                json!({"rate_bp": before.rate.basis_points, "inclusive": before.rate.inclusive}),
            )
            .after(after),
    )?;
    Ok(())
}

// ---------------------------------------------------------------- categories

/// Every category of the store, each with its path, sorted by path.
pub fn categories(conn: &Connection, store_id: &str) -> Result<Vec<Category>> {
    let mut st = conn
        .prepare_cached("SELECT id, parent_id, name FROM categories WHERE store_id = ?1")
        .db()?;
    let rows: Vec<(String, Option<String>, String)> = st
        .query_map([store_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    let by_id: HashMap<&str, (Option<&str>, &str)> = rows
        .iter()
        .map(|(id, p, n)| (id.as_str(), (p.as_deref(), n.as_str())))
        .collect();
    let mut out: Vec<Category> = rows
        .iter()
        .map(|(id, parent, name)| {
            let mut parts = vec![name.as_str()];
            let mut cur = parent.as_deref();
            // The tree is at most as deep as it has nodes; the bound stops a damaged cycle.
            for _ in 0..rows.len() {
                let Some(pid) = cur else { break };
                let Some((pp, pn)) = by_id.get(pid) else {
                    break;
                };
                parts.push(pn);
                cur = *pp;
            }
            parts.reverse();
            Category {
                id: id.clone(),
                parent_id: parent.clone(),
                name: name.clone(),
                path: parts.join(" > "),
            }
        })
        .collect();
    out.sort_by_key(|c| c.path.to_lowercase());
    Ok(out)
}

/// The path of one category, walking up its parents (a handful of indexed reads).
fn category_path(conn: &Connection, store_id: &str, id: &str) -> Result<String> {
    let mut st = conn
        .prepare_cached("SELECT parent_id, name FROM categories WHERE id = ?1 AND store_id = ?2")
        .db()?;
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(id.to_string());
    while let Some(c) = cur {
        let (parent, name): (Option<String>, String) = st
            .query_row(params![c, store_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .db()?
            .ok_or_else(|| Error::not_found(format!("no category with id {c}")))?;
        parts.push(name);
        // A damaged cycle must not hang the till.
        if parts.len() > 64 {
            break;
        }
        cur = parent;
    }
    parts.reverse();
    Ok(parts.join(" > "))
}

/// Adds a category under `parent_id` (or at the top); names are unique among siblings.
pub fn create_category(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    name: &str,
    parent_id: Option<&str>,
) -> Result<String> {
    let name = validate_text(name, "category name", 80, true)?;
    if name.contains('>') {
        return Err(Error::invalid_input(
            "a category name may not contain '>' (it separates levels in paths)",
        ));
    }
    if let Some(p) = parent_id {
        category_path(tx, store_id, p)?;
    }
    let exists: Option<String> = tx
        .query_row(
            "SELECT id FROM categories WHERE store_id = ?1 AND ifnull(parent_id, '') = ifnull(?2, '')
             AND name = ?3 COLLATE NOCASE",
            params![store_id, parent_id, name],
            |r| r.get(0),
        )
        .optional()
        .db()?;
    if exists.is_some() {
        return Err(Error::already_exists(format!(
            "there is already a category '{name}' there"
        )));
    }
    let id = new_id();
    let now = tx.now_ts();
    tx.execute(
        "INSERT INTO categories (id, store_id, parent_id, name, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![id, store_id, parent_id, name, now],
    )
    .db()?;
    let after = json!({"store_id": store_id, "parent_id": parent_id, "name": name});
    tx.record_change("categories", &id, ChangeOp::Upsert, &after)?;
    tx.audit(
        AuditInput::new("category.created")
            .by(actor_id)
            .on("category", &id)
            .after(after),
    )?;
    Ok(id)
}

/// Renames a category; every product under it is re-indexed for search.
pub fn rename_category(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    id: &str,
    name: &str,
) -> Result<()> {
    let name = validate_text(name, "category name", 80, true)?;
    if name.contains('>') {
        return Err(Error::invalid_input("a category name may not contain '>'"));
    }
    let before = categories(tx, store_id)?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| Error::not_found(format!("no category with id {id}")))?;
    if before.name == name {
        return Ok(());
    }
    tx.execute(
        "UPDATE categories SET name = ?1, updated_at = ?2 WHERE id = ?3",
        params![name, tx.now_ts(), id],
    )
    .map_err(|e| match sql_err(e) {
        err if err.code == ErrorCode::Conflict => {
            Error::already_exists(format!("there is already a category '{name}' there"))
        }
        err => err,
    })?;
    tx.record_change("categories", id, ChangeOp::Upsert, &json!({"name": name}))?;
    tx.audit(
        AuditInput::new("category.renamed")
            .by(actor_id)
            .on("category", id)
            .before(json!({"name": before.name}))
            .after(json!({"name": name})),
    )?;
    // Products in this category or below it carry the old path in the index.
    let cats = categories(tx, store_id)?;
    let affected: Vec<&Category> = cats
        .iter()
        .filter(|c| c.id == id || c.path.starts_with(&format!("{} > ", cats_path(&cats, id))))
        .collect();
    for c in affected {
        let nums: Vec<i64> = tx
            .prepare_cached("SELECT num FROM products WHERE category_id = ?1")
            .db()?
            .query_map([&c.id], |r| r.get(0))
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()?;
        for num in nums {
            let p = get_by_num(tx, num)?;
            reindex(tx, &p, false)?;
        }
    }
    Ok(())
}

fn cats_path(cats: &[Category], id: &str) -> String {
    cats.iter()
        .find(|c| c.id == id)
        .map(|c| c.path.clone())
        .unwrap_or_default()
}

/// The category at `path` (`Drinks > Coffee`) as [`ensure_category_path`] finds it, without
/// creating anything: `None` when a level is missing.
pub fn find_category_path(
    conn: &Connection,
    store_id: &str,
    path: &str,
) -> Result<Option<Option<String>>> {
    let mut parent: Option<String> = None;
    for part in path.split('>').map(str::trim).filter(|p| !p.is_empty()) {
        match category_child(conn, store_id, parent.as_deref(), part)? {
            Some(id) => parent = Some(id),
            None => return Ok(None),
        }
    }
    Ok(Some(parent))
}

fn category_child(
    conn: &Connection,
    store_id: &str,
    parent: Option<&str>,
    name: &str,
) -> Result<Option<String>> {
    conn.prepare_cached(
        "SELECT id FROM categories WHERE store_id = ?1 AND ifnull(parent_id, '') = ifnull(?2, '')
         AND name = ?3 COLLATE NOCASE",
    )
    .db()?
    .query_row(params![store_id, parent, name], |r| r.get(0))
    .optional()
    .db()
}

/// The category at `path` (`Drinks > Coffee`), creating missing levels.
pub fn ensure_category_path(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    path: &str,
) -> Result<Option<String>> {
    let mut parent: Option<String> = None;
    for part in path.split('>').map(str::trim).filter(|p| !p.is_empty()) {
        let found = category_child(tx, store_id, parent.as_deref(), part)?;
        parent = Some(match found {
            Some(id) => id,
            None => create_category(tx, store_id, actor_id, part, parent.as_deref())?,
        });
    }
    Ok(parent)
}

// ---------------------------------------------------------------- products: reads

fn fill(conn: &Connection, store_id: &str, mut products: Vec<Product>) -> Result<Vec<Product>> {
    if products.is_empty() {
        return Ok(products);
    }
    // One product walks up its own category; a page of them reads the tree once.
    let paths: HashMap<String, String> = if products.len() <= 4 {
        let mut m = HashMap::new();
        for c in products.iter().filter_map(|p| p.data.category_id.as_ref()) {
            m.insert(c.clone(), category_path(conn, store_id, c)?);
        }
        m
    } else {
        categories(conn, store_id)?
            .into_iter()
            .map(|c| (c.id, c.path))
            .collect()
    };
    let mut st = conn
        .prepare_cached(
            "SELECT code FROM product_barcodes WHERE product_id = ?1 ORDER BY created_at, code",
        )
        .db()?;
    for p in &mut products {
        p.data.barcodes = st
            .query_map([&p.id], |r| r.get(0))
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()?;
        p.category_path = p
            .data
            .category_id
            .as_ref()
            .and_then(|c| paths.get(c).cloned());
    }
    Ok(products)
}

fn get_by_num(conn: &Connection, num: i64) -> Result<Product> {
    let p = conn
        .prepare_cached(&format!("SELECT {COLS} FROM products p WHERE p.num = ?1"))
        .db()?
        .query_row([num], product_from_row)
        .db()?;
    let store_id: String = conn
        .query_row("SELECT store_id FROM products WHERE num = ?1", [num], |r| {
            r.get(0)
        })
        .db()?;
    Ok(fill(conn, &store_id, vec![p])?.remove(0))
}

/// The product with `id` in the store; `not_found` otherwise.
pub fn get(conn: &Connection, store_id: &str, id: &str) -> Result<Product> {
    let p = conn
        .prepare_cached(&format!(
            "SELECT {COLS} FROM products p WHERE p.id = ?1 AND p.store_id = ?2"
        ))
        .db()?
        .query_row(params![id, store_id], product_from_row)
        .optional()
        .db()?
        .ok_or_else(|| Error::not_found(format!("no product with id {id}")))?;
    Ok(fill(conn, store_id, vec![p])?.remove(0))
}

/// The product whose barcode or SKU is exactly `code` (a scanner's UPC-A/EAN-13 spelling
/// of the same GTIN also matches).
pub fn by_code(conn: &Connection, store_id: &str, code: &str) -> Result<Option<Product>> {
    match product_id_by_code(conn, store_id, code)? {
        Some(id) => Ok(Some(get(conn, store_id, &id)?)),
        None => Ok(None),
    }
}

fn product_id_by_code(conn: &Connection, store_id: &str, code: &str) -> Result<Option<String>> {
    let code = code.trim();
    if code.is_empty() {
        return Ok(None);
    }
    let mut by_barcode = conn
        .prepare_cached("SELECT product_id FROM product_barcodes WHERE store_id = ?1 AND code = ?2")
        .db()?;
    if let Some(id) = by_barcode
        .query_row(params![store_id, code], |r| r.get(0))
        .optional()
        .db()?
    {
        return Ok(Some(id));
    }
    if let Some(alt) = alternate_gtin(code)
        && let Some(id) = by_barcode
            .query_row(params![store_id, alt], |r| r.get(0))
            .optional()
            .db()?
    {
        return Ok(Some(id));
    }
    conn.prepare_cached("SELECT id FROM products WHERE store_id = ?1 AND sku = ?2 COLLATE NOCASE")
        .db()?
        .query_row(params![store_id, code], |r| r.get(0))
        .optional()
        .db()
}

/// The sale view of the item whose barcode or SKU is exactly `code`: the checkout's lookup.
pub fn sale_item_by_code(
    conn: &Connection,
    store_id: &str,
    code: &str,
) -> Result<Option<SaleItem>> {
    match product_id_by_code(conn, store_id, code)? {
        Some(id) => sale_item(conn, store_id, &id).map(Some),
        None => Ok(None),
    }
}

/// The sale view of the item with `id`: price, tax and cost.
pub fn sale_item(conn: &Connection, store_id: &str, id: &str) -> Result<SaleItem> {
    let item = conn
        .prepare_cached(&format!(
            "SELECT {SALE_COLS} FROM products p WHERE p.id = ?1 AND p.store_id = ?2"
        ))
        .db()?
        .query_row(params![id, store_id], sale_item_from_row)
        .optional()
        .db()?
        .ok_or_else(|| Error::not_found(format!("no product with id {id}")))?;
    with_tax(conn, item)
}

/// What to search and how many.
#[derive(Debug, Clone, Default)]
pub struct SearchOptions {
    pub limit: u32,
    pub offset: u32,
    pub include_inactive: bool,
    pub category_id: Option<String>,
}

/// How many full-text matches a search ranks (see [`search`]).
pub const RANKED: u32 = 400;

/// Turns what a person typed into an FTS5 query: every word must match as a prefix.
/// Each word is quoted, so FTS5 syntax in the input is plain text.
pub fn fts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .take(8)
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    if terms.is_empty() {
        None
    } else {
        Some(terms.join(" "))
    }
}

/// Products matching `query` (prefix words over name, SKU, barcodes and category; accents
/// ignored), an exact barcode or SKU first; all products by name when the query is empty.
pub fn search(
    conn: &Connection,
    store_id: &str,
    query: &str,
    opts: &SearchOptions,
) -> Result<Vec<Product>> {
    let limit = i64::from(opts.limit.clamp(1, 500));
    let offset = i64::from(opts.offset);
    let q = query.trim();
    let mut out: Vec<Product> = Vec::new();
    if q.is_empty() {
        let mut st = conn
            .prepare_cached(&format!(
                "SELECT {COLS} FROM products p WHERE p.store_id = ?1 AND (?2 OR p.active = 1)
                 AND (?3 IS NULL OR p.category_id = ?3)
                 ORDER BY p.name COLLATE NOCASE, p.variant LIMIT ?4 OFFSET ?5"
            ))
            .db()?;
        out = st
            .query_map(
                params![
                    store_id,
                    opts.include_inactive,
                    opts.category_id,
                    limit,
                    offset
                ],
                product_from_row,
            )
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()?;
        return fill(conn, store_id, out);
    }
    if offset == 0
        && let Some(id) = product_id_by_code(conn, store_id, q)?
    {
        let p = conn
            .prepare_cached(&format!("SELECT {COLS} FROM products p WHERE p.id = ?1"))
            .db()?
            .query_row([&id], product_from_row)
            .db()?;
        if (opts.include_inactive || p.data.active)
            && opts
                .category_id
                .as_ref()
                .is_none_or(|c| p.data.category_id.as_ref() == Some(c))
        {
            out.push(p);
        }
    }
    if let Some(m) = fts_query(q) {
        // CROSS JOIN keeps the matches as the outer loop (the planner otherwise walks every
        // product of the store). Ranking every match of a short prefix ("co") in a large catalog costs tens of
        // milliseconds; ranking the first RANKED matches keeps typing fast, and each further
        // letter narrows the matches until all of them are ranked.
        let mut st = conn
            .prepare_cached(&format!(
                "SELECT {COLS} FROM (SELECT rowid, rank FROM product_search WHERE product_search MATCH ?1
                                      LIMIT {RANKED}) s
                 CROSS JOIN products p ON p.num = s.rowid
                 WHERE p.store_id = ?2 AND (?3 OR p.active = 1) AND (?4 IS NULL OR p.category_id = ?4)
                 ORDER BY s.rank LIMIT ?5 OFFSET ?6"
            ))
            .db()?;
        let rows = st
            .query_map(
                params![
                    m,
                    store_id,
                    opts.include_inactive,
                    opts.category_id,
                    limit,
                    offset
                ],
                product_from_row,
            )
            .db()?;
        for r in rows {
            let p = r.db()?;
            if !out.iter().any(|o| o.id == p.id) {
                out.push(p);
            }
        }
    }
    out.truncate(usize::try_from(limit).unwrap_or(50));
    fill(conn, store_id, out)
}

/// The variants of `parent_id`, by variant label.
pub fn variants(conn: &Connection, store_id: &str, parent_id: &str) -> Result<Vec<Product>> {
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {COLS} FROM products p WHERE p.parent_id = ?1 AND p.store_id = ?2 ORDER BY p.variant"
        ))
        .db()?
        .query_map(params![parent_id, store_id], product_from_row)
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    fill(conn, store_id, rows)
}

/// How many products the store has.
pub fn count(conn: &Connection, store_id: &str) -> Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM products WHERE store_id = ?1",
        [store_id],
        |r| r.get(0),
    )
    .db()
}

/// One price a product had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceChange {
    pub price_minor: i64,
    pub cost_minor: Option<i64>,
    pub changed_by: Option<String>,
    pub changed_by_name: Option<String>,
    pub changed_at: String,
}

/// Every price the product had, newest first.
pub fn price_history(conn: &Connection, product_id: &str) -> Result<Vec<PriceChange>> {
    conn.prepare_cached(
        "SELECT h.price_minor, h.cost_minor, h.changed_by, s.display_name, h.changed_at
         FROM price_history h LEFT JOIN staff s ON s.id = h.changed_by
         WHERE h.product_id = ?1 ORDER BY h.changed_at DESC, h.id DESC",
    )
    .db()?
    .query_map([product_id], |r| {
        Ok(PriceChange {
            price_minor: r.get(0)?,
            cost_minor: r.get(1)?,
            changed_by: r.get(2)?,
            changed_by_name: r.get(3)?,
            changed_at: r.get(4)?,
        })
    })
    .db()?
    .collect::<rusqlite::Result<_>>()
    .db()
}

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

fn reindex(conn: &Connection, p: &Product, fresh: bool) -> Result<()> {
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

fn write_barcodes(
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

fn record_price(
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

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn typed_words_become_quoted_prefix_terms() {
        assert_eq!(fts_query("cafe"), Some("\"cafe\"*".into()));
        assert_eq!(fts_query(" oat  MILK "), Some("\"oat\"* \"MILK\"*".into()));
        assert_eq!(fts_query("a\"b OR"), Some("\"a\"\"b\"* \"OR\"*".into()));
        assert_eq!(fts_query("- * "), None);
    }
}
