//! The cart: what is being sold right now on this device, and carts parked for later.
//!
//! A line keeps the price, tax and cost of the moment its item was added; a later catalog
//! change is shown against the line and taken only when someone re-prices it.

use super::catalog_port::Item;
use crate::SqlResult;
use crate::foundation::ids::new_id;
use crate::foundation::write::WriteTx;
use kassa_domain::selling::check_quantity;
use kassa_domain::selling::pricing::{Discount, LineInput, Tax};
use kassa_domain::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};

/// A cart line as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartLine {
    pub id: String,
    pub position: i64,
    pub product_id: String,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub tax: Tax,
    pub cost_minor: Option<i64>,
    pub stock_tracked: bool,
    pub discount: Discount,
    pub discount_approver_id: Option<String>,
}

/// A cart as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cart {
    pub id: String,
    pub staff_id: String,
    pub status: String,
    pub name: Option<String>,
    pub customer_id: Option<String>,
    pub discount: Discount,
    pub discount_approver_id: Option<String>,
    pub lines: Vec<CartLine>,
    pub updated_at: String,
}

impl Cart {
    /// The lines as pricing reads them.
    pub fn pricing_inputs(&self) -> Vec<LineInput> {
        self.lines
            .iter()
            .map(|l| LineInput {
                unit_price_minor: l.unit_price_minor,
                quantity: l.quantity,
                tax: l.tax,
                discount: l.discount,
            })
            .collect()
    }
}

/// A discount as stored: kind and value.
pub fn discount_columns(d: Discount) -> (Option<&'static str>, Option<i64>) {
    match d {
        Discount::None => (None, None),
        Discount::Percent(bp) => (Some("percent"), Some(i64::from(bp))),
        Discount::Amount(a) => (Some("amount"), Some(a)),
    }
}

/// A stored discount back.
pub fn discount_from(kind: Option<String>, value: Option<i64>) -> Discount {
    match (kind.as_deref(), value) {
        (Some("percent"), Some(v)) => Discount::Percent(u32::try_from(v).unwrap_or(0)),
        (Some("amount"), Some(v)) => Discount::Amount(v),
        _ => Discount::None,
    }
}

/// The open cart of this device, if any.
pub fn open_cart_id(conn: &Connection, device_id: &str) -> Result<Option<String>> {
    conn.query_row(
        "SELECT id FROM carts WHERE device_id = ?1 AND status = 'open'",
        [device_id],
        |r| r.get(0),
    )
    .optional()
    .db()
}

/// The open cart of this device, made when there is none.
pub fn current(tx: &mut WriteTx<'_>, staff_id: &str) -> Result<String> {
    let device_id = tx.device_id()?.to_string();
    if let Some(id) = open_cart_id(tx, &device_id)? {
        return Ok(id);
    }
    let id = new_id();
    let now = tx.now_ts();
    tx.exec(
        "INSERT INTO carts (id, device_id, staff_id, status, created_at, updated_at) VALUES (?1, ?2, ?3, 'open', ?4, ?4)",
        params![id, device_id, staff_id, now],
    )?;
    Ok(id)
}

/// A cart with its lines.
pub fn load(conn: &Connection, cart_id: &str) -> Result<Cart> {
    let mut cart = conn
        .query_row(
            "SELECT id, staff_id, status, name, customer_id, discount_kind, discount_value, discount_approver_id, updated_at
             FROM carts WHERE id = ?1",
            [cart_id],
            |r| {
                Ok(Cart {
                    id: r.get(0)?,
                    staff_id: r.get(1)?,
                    status: r.get(2)?,
                    name: r.get(3)?,
                    customer_id: r.get(4)?,
                    discount: discount_from(r.get(5)?, r.get(6)?),
                    discount_approver_id: r.get(7)?,
                    lines: Vec::new(),
                    updated_at: r.get(8)?,
                })
            },
        )
        .optional()
        .db()?
        .ok_or_else(|| Error::not_found(format!("no cart with id {cart_id}")))?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, position, product_id, sku, name, quantity, unit_price_minor, price_includes_tax, tax_rate_bp,
                    cost_minor, stock_tracked, discount_kind, discount_value, discount_approver_id
             FROM cart_lines WHERE cart_id = ?1 ORDER BY position",
        )
        .db()?;
    let rows = stmt
        .query_map([cart_id], |r| {
            Ok(CartLine {
                id: r.get(0)?,
                position: r.get(1)?,
                product_id: r.get(2)?,
                sku: r.get(3)?,
                name: r.get(4)?,
                quantity: r.get(5)?,
                unit_price_minor: r.get(6)?,
                tax: Tax {
                    inclusive: r.get::<_, i64>(7)? != 0,
                    rate_bp: u32::try_from(r.get::<_, i64>(8)?).unwrap_or(0),
                },
                cost_minor: r.get(9)?,
                stock_tracked: r.get::<_, i64>(10)? != 0,
                discount: discount_from(r.get(11)?, r.get(12)?),
                discount_approver_id: r.get(13)?,
            })
        })
        .db()?;
    cart.lines = rows.collect::<rusqlite::Result<Vec<_>>>().db()?;
    Ok(cart)
}

fn require_open(tx: &WriteTx<'_>, cart_id: &str) -> Result<()> {
    let status: Option<String> = tx
        .query_row("SELECT status FROM carts WHERE id = ?1", [cart_id], |r| {
            r.get(0)
        })
        .optional()
        .db()?;
    match status.as_deref() {
        Some("open") => Ok(()),
        Some(other) => Err(Error::new(
            kassa_domain::ErrorCode::Conflict,
            format!("the cart is {other}; only the open cart can change"),
        )),
        None => Err(Error::not_found(format!("no cart with id {cart_id}"))),
    }
}

fn touch(tx: &WriteTx<'_>, cart_id: &str) -> Result<()> {
    let now = tx.now_ts();
    tx.exec(
        "UPDATE carts SET updated_at = ?1 WHERE id = ?2",
        params![now, cart_id],
    )?;
    Ok(())
}

/// What a manager approved holds for the cart as it was approved. A change to the cart's lines
/// (one added or removed, a quantity, a price) drops the approved order discount, and a change
/// to a line drops that line's approved discount: the discount goes with its approval, and the
/// cashier asks again.
fn drop_approvals(tx: &mut WriteTx<'_>, cart_id: &str, line_id: Option<&str>) -> Result<()> {
    tx.exec(
        "UPDATE carts SET discount_kind = NULL, discount_value = NULL, discount_approver_id = NULL
         WHERE id = ?1 AND discount_approver_id IS NOT NULL",
        [cart_id],
    )?;
    if let Some(line_id) = line_id {
        tx.exec(
            "UPDATE cart_lines SET discount_kind = NULL, discount_value = NULL, discount_approver_id = NULL
             WHERE id = ?1 AND discount_approver_id IS NOT NULL",
            [line_id],
        )?;
    }
    Ok(())
}

/// Adds `qty` of `item`. The same item at the same price without a discount joins its line.
pub fn add(tx: &mut WriteTx<'_>, cart_id: &str, item: &Item, qty: i64) -> Result<String> {
    check_quantity(qty)?;
    require_open(tx, cart_id)?;
    let existing: Option<(String, i64)> = tx
        .query_row(
            "SELECT id, quantity FROM cart_lines WHERE cart_id = ?1 AND product_id = ?2 AND unit_price_minor = ?3
               AND price_includes_tax = ?4 AND tax_rate_bp = ?5 AND discount_kind IS NULL
             ORDER BY position DESC LIMIT 1",
            params![cart_id, item.product_id, item.unit_price_minor, i64::from(item.tax.inclusive), item.tax.rate_bp],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .db()?;
    let line_id = if let Some((id, have)) = existing {
        let total = have
            .checked_add(qty)
            .ok_or_else(|| Error::invalid_input("the quantity is too large"))?;
        check_quantity(total)?;
        tx.exec(
            "UPDATE cart_lines SET quantity = ?1 WHERE id = ?2",
            params![total, id],
        )?;
        id
    } else {
        let id = new_id();
        let position: i64 = tx
            .query_row(
                "SELECT coalesce(max(position), 0) + 1 FROM cart_lines WHERE cart_id = ?1",
                [cart_id],
                |r| r.get(0),
            )
            .db()?;
        let now = tx.now_ts();
        tx.exec(
            "INSERT INTO cart_lines (id, cart_id, position, product_id, sku, name, quantity, unit_price_minor,
                price_includes_tax, tax_rate_bp, cost_minor, stock_tracked, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                id,
                cart_id,
                position,
                item.product_id,
                item.sku,
                item.name,
                qty,
                item.unit_price_minor,
                i64::from(item.tax.inclusive),
                item.tax.rate_bp,
                item.cost_minor,
                i64::from(item.stock_tracked),
                now
            ],
        )?;
        id
    };
    drop_approvals(tx, cart_id, Some(&line_id))?;
    touch(tx, cart_id)?;
    Ok(line_id)
}

fn line_exists(tx: &WriteTx<'_>, cart_id: &str, line_id: &str) -> Result<()> {
    let n: i64 = tx
        .query_row(
            "SELECT count(*) FROM cart_lines WHERE id = ?1 AND cart_id = ?2",
            params![line_id, cart_id],
            |r| r.get(0),
        )
        .db()?;
    if n == 0 {
        Err(Error::not_found(format!("the cart has no line {line_id}")))
    } else {
        Ok(())
    }
}

/// Sets a line's quantity.
pub fn set_quantity(tx: &mut WriteTx<'_>, cart_id: &str, line_id: &str, qty: i64) -> Result<()> {
    check_quantity(qty)?;
    require_open(tx, cart_id)?;
    line_exists(tx, cart_id, line_id)?;
    tx.exec(
        "UPDATE cart_lines SET quantity = ?1 WHERE id = ?2",
        params![qty, line_id],
    )?;
    drop_approvals(tx, cart_id, Some(line_id))?;
    touch(tx, cart_id)
}

/// Removes a line.
pub fn remove_line(tx: &mut WriteTx<'_>, cart_id: &str, line_id: &str) -> Result<()> {
    require_open(tx, cart_id)?;
    line_exists(tx, cart_id, line_id)?;
    tx.exec("DELETE FROM cart_lines WHERE id = ?1", [line_id])?;
    drop_approvals(tx, cart_id, None)?;
    touch(tx, cart_id)
}

/// Sets a line's discount and who approved it (when it was above the limit).
pub fn set_line_discount(
    tx: &mut WriteTx<'_>,
    cart_id: &str,
    line_id: &str,
    discount: Discount,
    approver_id: Option<&str>,
) -> Result<()> {
    require_open(tx, cart_id)?;
    line_exists(tx, cart_id, line_id)?;
    let (kind, value) = discount_columns(discount);
    tx.exec(
        "UPDATE cart_lines SET discount_kind = ?1, discount_value = ?2, discount_approver_id = ?3 WHERE id = ?4",
        params![kind, value, approver_id, line_id],
    )?;
    touch(tx, cart_id)
}

/// Sets the order discount and who approved it.
pub fn set_order_discount(
    tx: &mut WriteTx<'_>,
    cart_id: &str,
    discount: Discount,
    approver_id: Option<&str>,
) -> Result<()> {
    require_open(tx, cart_id)?;
    let (kind, value) = discount_columns(discount);
    tx.exec(
        "UPDATE carts SET discount_kind = ?1, discount_value = ?2, discount_approver_id = ?3 WHERE id = ?4",
        params![kind, value, approver_id, cart_id],
    )?;
    touch(tx, cart_id)
}

/// Attaches a customer to the cart (or detaches with `None`).
pub fn set_customer(tx: &mut WriteTx<'_>, cart_id: &str, customer_id: Option<&str>) -> Result<()> {
    require_open(tx, cart_id)?;
    tx.exec(
        "UPDATE carts SET customer_id = ?1 WHERE id = ?2",
        params![customer_id, cart_id],
    )?;
    touch(tx, cart_id)
}

/// Takes the catalog's current price, tax and cost for a line whose price changed.
pub fn reprice_line(tx: &mut WriteTx<'_>, cart_id: &str, line_id: &str, item: &Item) -> Result<()> {
    require_open(tx, cart_id)?;
    line_exists(tx, cart_id, line_id)?;
    tx.exec(
        "UPDATE cart_lines SET unit_price_minor = ?1, price_includes_tax = ?2, tax_rate_bp = ?3, cost_minor = ?4, name = ?5
         WHERE id = ?6",
        params![item.unit_price_minor, i64::from(item.tax.inclusive), item.tax.rate_bp, item.cost_minor, item.name, line_id],
    )?;
    drop_approvals(tx, cart_id, Some(line_id))?;
    touch(tx, cart_id)
}

/// Parks the open cart under a name so the till can serve someone else.
pub fn park(tx: &mut WriteTx<'_>, cart_id: &str, name: &str) -> Result<()> {
    require_open(tx, cart_id)?;
    let n: i64 = tx
        .query_row(
            "SELECT count(*) FROM cart_lines WHERE cart_id = ?1",
            [cart_id],
            |r| r.get(0),
        )
        .db()?;
    if n == 0 {
        return Err(Error::invalid_input("an empty cart cannot be parked"));
    }
    let name = name.trim();
    if name.chars().count() > 60 {
        return Err(Error::invalid_input(
            "the name of a parked cart has at most 60 characters",
        ));
    }
    let now = tx.now_ts();
    tx.exec(
        "UPDATE carts SET status = 'parked', name = ?1, updated_at = ?2 WHERE id = ?3",
        params![
            if name.is_empty() { None } else { Some(name) },
            now,
            cart_id
        ],
    )?;
    Ok(())
}

/// Resumes a parked cart; the open cart, if it has lines, is parked in its place.
pub fn resume(tx: &mut WriteTx<'_>, cart_id: &str) -> Result<()> {
    let device_id = tx.device_id()?.to_string();
    let status: Option<String> = tx
        .query_row(
            "SELECT status FROM carts WHERE id = ?1 AND device_id = ?2",
            params![cart_id, device_id],
            |r| r.get(0),
        )
        .optional()
        .db()?;
    if status.as_deref() != Some("parked") {
        return Err(Error::not_found(
            "there is no parked cart with that id on this device",
        ));
    }
    if let Some(open) = open_cart_id(tx, &device_id)? {
        let n: i64 = tx
            .query_row(
                "SELECT count(*) FROM cart_lines WHERE cart_id = ?1",
                [&open],
                |r| r.get(0),
            )
            .db()?;
        if n > 0 {
            park(tx, &open, "")?;
        } else {
            tx.exec(
                "UPDATE carts SET status = 'abandoned' WHERE id = ?1",
                [&open],
            )?;
        }
    }
    let now = tx.now_ts();
    tx.exec(
        "UPDATE carts SET status = 'open', updated_at = ?1 WHERE id = ?2",
        params![now, cart_id],
    )?;
    Ok(())
}

/// A parked cart in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parked {
    pub id: String,
    pub name: Option<String>,
    pub staff_id: String,
    pub lines: i64,
    pub updated_at: String,
}

/// The parked carts of this device, newest first.
pub fn parked(conn: &Connection, device_id: &str) -> Result<Vec<Parked>> {
    let mut stmt = conn
        .prepare(
            "SELECT c.id, c.name, c.staff_id, (SELECT count(*) FROM cart_lines l WHERE l.cart_id = c.id), c.updated_at
             FROM carts c WHERE c.device_id = ?1 AND c.status = 'parked' ORDER BY c.updated_at DESC",
        )
        .db()?;
    let rows = stmt
        .query_map([device_id], |r| {
            Ok(Parked {
                id: r.get(0)?,
                name: r.get(1)?,
                staff_id: r.get(2)?,
                lines: r.get(3)?,
                updated_at: r.get(4)?,
            })
        })
        .db()?;
    rows.collect::<rusqlite::Result<Vec<_>>>().db()
}

/// Empties the open cart: lines, discount and customer.
pub fn clear(tx: &mut WriteTx<'_>, cart_id: &str) -> Result<()> {
    require_open(tx, cart_id)?;
    tx.exec("DELETE FROM cart_lines WHERE cart_id = ?1", [cart_id])?;
    tx.exec(
        "UPDATE carts SET customer_id = NULL, discount_kind = NULL, discount_value = NULL, discount_approver_id = NULL WHERE id = ?1",
        [cart_id],
    )?;
    touch(tx, cart_id)
}

/// Empties this device's open cart, if it has one; returns how many lines it had.
pub fn clear_open(tx: &mut WriteTx<'_>) -> Result<usize> {
    let device_id = tx.device_id()?.to_string();
    let Some(id) = open_cart_id(tx, &device_id)? else {
        return Ok(0);
    };
    let n: i64 = tx
        .query_row(
            "SELECT count(*) FROM cart_lines WHERE cart_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .db()?;
    clear(tx, &id)?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Closes the cart as sold. A cart that is not open any more (sold or parked meanwhile) is a
/// `conflict`, and the sale that tried it is not written.
pub fn mark_checked_out(tx: &mut WriteTx<'_>, cart_id: &str, order_id: &str) -> Result<()> {
    let now = tx.now_ts();
    let n = tx
        .execute(
            "UPDATE carts SET status = 'checked_out', order_id = ?1, updated_at = ?2 WHERE id = ?3 AND status = 'open'",
            params![order_id, now, cart_id],
        )
        .db()?;
    if n == 0 {
        return Err(Error::new(
            kassa_domain::ErrorCode::Conflict,
            "this cart is no longer open (it was paid or parked meanwhile)",
        ));
    }
    Ok(())
}

/// The cart that became `order_id`, if the sale came from a cart.
pub fn id_by_order(conn: &Connection, order_id: &str) -> Result<Option<String>> {
    conn.query_row(
        "SELECT id FROM carts WHERE order_id = ?1",
        [order_id],
        |r| r.get(0),
    )
    .optional()
    .db()
}
