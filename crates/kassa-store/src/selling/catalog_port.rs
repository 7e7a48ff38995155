//! What selling needs of the catalog and the stock ledger, in one place: the item as sold
//! now (price, tax, cost) and the stock movements of a sale or a return.

use crate::catalog::stock::{self, MovementRow, NewMovement};
use crate::catalog::{self, SaleItem};
use crate::foundation::write::WriteTx;
use kassa_domain::selling::pricing::Tax;
use kassa_domain::stock::MovementKind;
use kassa_domain::{Error, Result};
use rusqlite::Connection;

/// An item as the till sells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub product_id: String,
    pub sku: String,
    /// The name as printed, with the variant.
    pub name: String,
    pub unit_price_minor: i64,
    pub tax: Tax,
    pub cost_minor: Option<i64>,
    pub stock_tracked: bool,
}

fn from_catalog(s: SaleItem) -> Result<Item> {
    if !s.active {
        return Err(Error::invalid_input(format!(
            "{} ({}) is not for sale any more",
            s.name, s.sku
        )));
    }
    let tax = match s.tax {
        None => Tax::NONE,
        Some(t) => Tax {
            rate_bp: u32::try_from(t.basis_points)
                .map_err(|_| Error::internal("tax rate out of range"))?,
            inclusive: t.inclusive,
        },
    };
    Ok(Item {
        name: catalog::display_name(&s.name, &s.variant),
        product_id: s.id,
        sku: s.sku,
        unit_price_minor: s.price_minor,
        tax,
        cost_minor: s.cost_minor,
        stock_tracked: s.stock_tracked,
    })
}

/// The item with this product id.
pub fn item(conn: &Connection, store_id: &str, product_id: &str) -> Result<Item> {
    from_catalog(catalog::sale_item(conn, store_id, product_id)?)
}

/// The item whose barcode or SKU is exactly `code`.
pub fn item_by_code(conn: &Connection, store_id: &str, code: &str) -> Result<Item> {
    match catalog::sale_item_by_code(conn, store_id, code)? {
        Some(s) => from_catalog(s),
        None => Err(Error::not_found(format!(
            "no product has the barcode or SKU '{}'",
            code.trim()
        ))),
    }
}

fn movement(
    product_id: &str,
    kind: MovementKind,
    qty: i64,
    ref_type: &str,
    ref_id: &str,
) -> NewMovement {
    NewMovement {
        ref_type: Some(ref_type.to_string()),
        ref_id: Some(ref_id.to_string()),
        ..NewMovement::new(product_id, kind, qty)
    }
}

/// Takes sold items off the shelf, refusing (with `insufficient_stock`, nothing written) what
/// would go below zero where the store does not allow it. The movements travel inside the
/// order's outbox document.
pub fn sell(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    items: &[(&str, i64)],
    order_id: &str,
    staff_id: &str,
) -> Result<Vec<MovementRow>> {
    let movements: Vec<NewMovement> = items
        .iter()
        .map(|(product_id, qty)| movement(product_id, MovementKind::Sale, -*qty, "order", order_id))
        .collect();
    stock::record_movements_for_document(tx, store_id, Some(staff_id), &movements)
}

/// Puts returned items back on the shelf; damaged ones are written off again at once, so the
/// ledger shows both the return and the loss.
pub fn take_back(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    items: &[(&str, i64, bool)],
    refund_id: &str,
    staff_id: &str,
) -> Result<Vec<MovementRow>> {
    let mut movements = Vec::new();
    for (product_id, qty, restock) in items {
        movements.push(movement(
            product_id,
            MovementKind::Return,
            *qty,
            "refund",
            refund_id,
        ));
        if !restock {
            movements.push(NewMovement {
                reason: Some("damaged on return".to_string()),
                ..movement(
                    product_id,
                    MovementKind::Adjustment,
                    -*qty,
                    "refund",
                    refund_id,
                )
            });
        }
    }
    stock::record_movements_for_document(tx, store_id, Some(staff_id), &movements)
}

/// Applies a stock movement that another device's sale or refund document carries, by the
/// stock ledger's own rule (inserted once, so the level counts it once).
pub(crate) fn apply_movement(
    tx: &mut crate::foundation::apply::ApplyTx<'_>,
    id: &str,
    row: &serde_json::Value,
) -> Result<crate::foundation::apply::Applied> {
    crate::catalog::apply::movement_row(tx, id, row)
}

/// A product tile on the Sell screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Favourite {
    pub product_id: String,
    pub name: String,
    pub price_minor: i64,
}

/// What the Sell screen offers at a touch: this till's best sellers of the last 30 days (in
/// `category_id` when given), then other active products by name, at most `limit`.
pub fn favourites(
    conn: &Connection,
    store_id: &str,
    category_id: Option<&str>,
    since: &str,
    limit: u32,
) -> Result<Vec<Favourite>> {
    use crate::SqlResult;
    let mut stmt = conn
        .prepare_cached(
            "SELECT p.id, p.name, p.variant, p.price_minor,
                    coalesce((SELECT sum(l.quantity) FROM order_lines l JOIN orders o ON o.id = l.order_id
                              WHERE l.product_id = p.id AND o.created_at >= ?3
                                AND o.device_id = (SELECT id FROM device)), 0) AS sold
             FROM products p
             WHERE p.store_id = ?1 AND p.active = 1 AND (?2 IS NULL OR p.category_id = ?2)
               AND NOT EXISTS (SELECT 1 FROM products v WHERE v.parent_id = p.id)
             ORDER BY sold DESC, p.name COLLATE NOCASE LIMIT ?4",
        )
        .db()?;
    let rows = stmt
        .query_map(
            rusqlite::params![store_id, category_id, since, limit],
            |r| {
                let name: String = r.get(1)?;
                let variant: String = r.get(2)?;
                Ok(Favourite {
                    product_id: r.get(0)?,
                    name: catalog::display_name(&name, &variant),
                    price_minor: r.get(3)?,
                })
            },
        )
        .db()?;
    rows.collect::<rusqlite::Result<Vec<_>>>().db()
}
