//! Reading products: by id, by code, for sale, variants, counts and price history.

use super::*;
use crate::SqlResult;
use kassa_domain::catalog::alternate_gtin;
use kassa_domain::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;

// ---------------------------------------------------------------- products: reads

pub(super) fn fill(
    conn: &Connection,
    store_id: &str,
    mut products: Vec<Product>,
) -> Result<Vec<Product>> {
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

pub(super) fn get_by_num(conn: &Connection, num: i64) -> Result<Product> {
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

pub(super) fn product_id_by_code(
    conn: &Connection,
    store_id: &str,
    code: &str,
) -> Result<Option<String>> {
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
