//! The catalog's types and how their rows read.

use crate::SqlResult;
use kassa_domain::Result;
use kassa_domain::catalog::{ProductKind, TaxRate};
use rusqlite::{Connection, OptionalExtension, Row};
use serde_json::{Map, Value, json};

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

pub(super) const COLS: &str = "p.num, p.id, p.sku, p.name, p.description, p.kind, p.category_id, p.parent_id, \
    p.variant, p.price_minor, p.cost_minor, p.tax_class_id, p.active, p.stock_tracked, \
    p.allow_negative, p.low_threshold, p.created_at, p.updated_at";

pub(super) fn product_from_row(r: &Row<'_>) -> rusqlite::Result<Product> {
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

pub(super) const SALE_COLS: &str = "p.id, p.sku, p.name, p.variant, p.kind, p.price_minor, p.cost_minor, \
    p.tax_class_id, p.active, p.stock_tracked";

pub(super) fn sale_item_from_row(r: &Row<'_>) -> rusqlite::Result<SaleItem> {
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
pub(super) fn with_tax(conn: &Connection, mut item: SaleItem) -> Result<SaleItem> {
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
