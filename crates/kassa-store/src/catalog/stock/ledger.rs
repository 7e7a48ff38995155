//! The movement ledger: [`record_movements`] checks every level it lowers, then writes.

use super::*;
use crate::catalog::display_name;
use crate::foundation::ids::new_id;
use crate::foundation::write::{ChangeOp, WriteTx};
use crate::{SqlResult, foundation::settings};
use kassa_domain::catalog::validate_text;
use kassa_domain::stock::{Bucket, Level, MovementKind, check_level};
use kassa_domain::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;

/// A movement to write. `qty` is signed as stored: a sale of 3 is -3 (use the constructors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMovement {
    pub product_id: String,
    /// `None`: the store's main location.
    pub location_id: Option<String>,
    pub kind: MovementKind,
    pub qty: i64,
    /// `None` for a decrease: taken from the batches that expire first, then unbatched stock.
    pub batch_id: Option<String>,
    pub reason: Option<String>,
    pub ref_type: Option<String>,
    pub ref_id: Option<String>,
    pub unit_cost_minor: Option<i64>,
    /// For a count: the last count movement of this item at this location that this device
    /// held when it counted (`None`: none).
    pub count_basis: Option<String>,
}

impl NewMovement {
    /// A movement of `kind` with the stored, signed `qty`.
    pub fn new(product_id: &str, kind: MovementKind, qty: i64) -> NewMovement {
        NewMovement {
            product_id: product_id.to_string(),
            location_id: None,
            kind,
            qty,
            batch_id: None,
            reason: None,
            ref_type: None,
            ref_id: None,
            unit_cost_minor: None,
            count_basis: None,
        }
    }

    /// `qty` sold (positive; stored as a decrease).
    pub fn sale(product_id: &str, qty: i64) -> NewMovement {
        NewMovement::new(product_id, MovementKind::Sale, -qty)
    }

    /// `qty` brought back by a customer (positive).
    pub fn sale_return(product_id: &str, qty: i64) -> NewMovement {
        NewMovement::new(product_id, MovementKind::Return, qty)
    }

    /// `qty` received from a supplier (positive).
    pub fn receipt(product_id: &str, qty: i64) -> NewMovement {
        NewMovement::new(product_id, MovementKind::Receipt, qty)
    }

    /// `qty` held for a cart or booking (positive).
    pub fn reservation(product_id: &str, qty: i64) -> NewMovement {
        NewMovement::new(product_id, MovementKind::Reservation, qty)
    }

    /// `qty` of a hold given back (positive; stored as a decrease of the reserved sum).
    pub fn release(product_id: &str, qty: i64) -> NewMovement {
        NewMovement::new(product_id, MovementKind::Release, -qty)
    }

    /// A correction by `delta` (either sign) with a reason.
    pub fn adjustment(product_id: &str, delta: i64, reason: &str) -> NewMovement {
        NewMovement {
            reason: Some(reason.to_string()),
            ..NewMovement::new(product_id, MovementKind::Adjustment, delta)
        }
    }

    /// At `location_id` rather than the main location.
    pub fn at(mut self, location_id: &str) -> NewMovement {
        self.location_id = Some(location_id.to_string());
        self
    }

    /// Belonging to a document, e.g. `("order", order_id)`.
    pub fn reference(mut self, ref_type: &str, ref_id: &str) -> NewMovement {
        self.ref_type = Some(ref_type.to_string());
        self.ref_id = Some(ref_id.to_string());
        self
    }

    /// Of this batch.
    pub fn batch(mut self, batch_id: &str) -> NewMovement {
        self.batch_id = Some(batch_id.to_string());
        self
    }
}

/// A movement as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub id: String,
    pub product_id: String,
    pub location_id: String,
    pub kind: MovementKind,
    pub qty: i64,
    pub batch_id: Option<String>,
}

pub(super) struct Item {
    pub(super) label: String,
    pub(super) stock_tracked: bool,
    pub(super) allow_negative: Option<bool>,
}

pub(super) fn item(conn: &Connection, store_id: &str, product_id: &str) -> Result<Item> {
    conn.prepare_cached(
        "SELECT name, variant, sku, stock_tracked, allow_negative FROM products WHERE id = ?1 AND store_id = ?2",
    )
    .db()?
    .query_row(params![product_id, store_id], |r| {
        let name: String = r.get(0)?;
        let variant: String = r.get(1)?;
        let sku: String = r.get(2)?;
        Ok(Item {
            label: format!("{} (SKU {sku})", display_name(&name, &variant)),
            stock_tracked: r.get(3)?,
            allow_negative: r.get(4)?,
        })
    })
    .optional()
    .db()?
    .ok_or_else(|| Error::not_found(format!("no product with id {product_id}")))
}

/// The level of an item at one location, or over all locations with `None`.
pub fn level(conn: &Connection, product_id: &str, location_id: Option<&str>) -> Result<Level> {
    conn.prepare_cached(
        "SELECT ifnull(sum(on_hand), 0), ifnull(sum(reserved), 0) FROM stock_levels
         WHERE product_id = ?1 AND (?2 IS NULL OR location_id = ?2)",
    )
    .db()?
    .query_row(params![product_id, location_id], |r| {
        Ok(Level {
            on_hand: r.get(0)?,
            reserved: r.get(1)?,
        })
    })
    .db()
}

/// The level recomputed from the ledger itself, ignoring the cache (for checks and tests).
pub fn level_from_ledger(
    conn: &Connection,
    product_id: &str,
    location_id: Option<&str>,
) -> Result<Level> {
    conn.query_row(
        "SELECT ifnull(sum(CASE WHEN kind IN ('reservation', 'release') THEN 0 ELSE qty END), 0),
                ifnull(sum(CASE WHEN kind IN ('reservation', 'release') THEN qty ELSE 0 END), 0)
         FROM stock_movements WHERE product_id = ?1 AND (?2 IS NULL OR location_id = ?2)",
        params![product_id, location_id],
        |r| {
            Ok(Level {
                on_hand: r.get(0)?,
                reserved: r.get(1)?,
            })
        },
    )
    .db()
}

/// Writes `moves` in the caller's transaction after checking every level they lower.
///
/// Refuses with `insufficient_stock` (naming the item and what is available) when a move
/// would leave less than nothing available and neither the product nor the store's
/// `stock.allow_negative` allows it; then nothing is written. A stock count is never
/// refused: it records what is there. Items that are not stock-tracked (services) are
/// skipped, so a sale can pass all its lines. A decrease without a batch is taken from the
/// batches that expire first. Each row goes to the outbox as an `Insert`.
pub fn record_movements(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    staff_id: Option<&str>,
    moves: &[NewMovement],
) -> Result<Vec<Written>> {
    Ok(record(tx, store_id, staff_id, moves, true)?
        .into_iter()
        .map(|(w, _)| w)
        .collect())
}

/// As [`record_movements`], for a document that carries its own movements to the server (a
/// sale, a refund): no outbox change per movement; the rows come back for the document.
pub fn record_movements_for_document(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    staff_id: Option<&str>,
    moves: &[NewMovement],
) -> Result<Vec<MovementRow>> {
    Ok(record(tx, store_id, staff_id, moves, false)?
        .into_iter()
        .map(|(_, row)| row)
        .collect())
}

pub(super) fn record(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    staff_id: Option<&str>,
    moves: &[NewMovement],
    own_changes: bool,
) -> Result<Vec<(Written, MovementRow)>> {
    let main = ensure_main_location(tx, store_id)?;
    let store_allows = settings::get_bool(tx, store_id, "stock.allow_negative")?;
    let mut items: HashMap<String, Item> = HashMap::new();
    let mut known_locations: Vec<String> = vec![main.clone()];
    // (product, location) -> (before, after, exempt from the check)
    let mut levels: HashMap<(String, String), (Level, Level, bool)> = HashMap::new();
    let mut planned: Vec<(&NewMovement, String)> = Vec::new();
    for m in moves {
        m.kind.check_qty(m.qty)?;
        if m.kind.needs_reason() && m.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return Err(Error::invalid_input(
                "an adjustment needs a reason (e.g. breakage, found, theft)",
            ));
        }
        if let Some(r) = &m.reason {
            validate_text(r, "reason", 200, false)?;
        }
        if !items.contains_key(&m.product_id) {
            let it = item(tx, store_id, &m.product_id)?;
            items.insert(m.product_id.clone(), it);
        }
        if !items[&m.product_id].stock_tracked {
            continue;
        }
        let location = match &m.location_id {
            None => main.clone(),
            Some(l) => {
                if !known_locations.contains(l) {
                    location_name(tx, store_id, l)?;
                    known_locations.push(l.clone());
                }
                l.clone()
            }
        };
        if let Some(b) = &m.batch_id {
            batch_of(tx, &m.product_id, b)?;
        }
        let key = (m.product_id.clone(), location.clone());
        if !levels.contains_key(&key) {
            let l = level(tx, &m.product_id, Some(&location))?;
            levels.insert(key.clone(), (l, l, true));
        }
        if let Some(entry) = levels.get_mut(&key) {
            entry.1 = entry.1.apply(m.kind, m.qty);
            entry.2 &= m.kind == MovementKind::Count;
        }
        planned.push((m, location));
    }
    for ((product_id, _), (before, after, exempt)) in &levels {
        let it = &items[product_id];
        if !exempt {
            check_level(
                &it.label,
                *before,
                *after,
                it.allow_negative.unwrap_or(store_allows),
            )?;
        }
    }
    let device_id = tx.device_id()?.to_string();
    let mut written = Vec::with_capacity(planned.len());
    for (m, location) in planned {
        let parts: Vec<(Option<String>, i64)> =
            if m.batch_id.is_none() && m.kind.bucket() == Bucket::OnHand && m.qty < 0 {
                first_expiring(tx, &m.product_id, &location, -m.qty)?
            } else {
                vec![(m.batch_id.clone(), m.qty)]
            };
        for (batch_id, qty) in parts {
            written.push(insert(
                tx,
                store_id,
                staff_id,
                &device_id,
                m,
                &location,
                batch_id,
                qty,
                own_changes,
            )?);
        }
    }
    Ok(written)
}

/// Splits a decrease of `qty` over the batches that expire first, the rest unbatched.
pub(super) fn first_expiring(
    conn: &Connection,
    product_id: &str,
    location_id: &str,
    qty: i64,
) -> Result<Vec<(Option<String>, i64)>> {
    // Most items have no batches: a cheap look at the levels spares them the ordered join,
    // which SQLite also re-prepares on each new product id.
    let batched: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM stock_levels WHERE product_id = ?1 AND location_id = ?2
                AND batch_id <> '' AND on_hand > 0)",
        )
        .db()?
        .query_row(params![product_id, location_id], |r| r.get(0))
        .db()?;
    if !batched {
        return Ok(vec![(None, -qty)]);
    }
    let batches: Vec<(String, i64)> = conn
        .prepare_cached(
            "SELECT l.batch_id, l.on_hand FROM stock_levels l JOIN stock_batches b ON b.id = l.batch_id
             WHERE l.product_id = ?1 AND l.location_id = ?2 AND l.batch_id <> '' AND l.on_hand > 0
             ORDER BY b.expires_on IS NULL, b.expires_on, b.created_at",
        )
        .db()?
        .query_map(params![product_id, location_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    let mut left = qty;
    let mut parts = Vec::new();
    for (batch, on_hand) in batches {
        if left == 0 {
            break;
        }
        let take = left.min(on_hand);
        parts.push((Some(batch), -take));
        left -= take;
    }
    if left > 0 {
        parts.push((None, -left));
    }
    Ok(parts)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn insert(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    staff_id: Option<&str>,
    device_id: &str,
    m: &NewMovement,
    location_id: &str,
    batch_id: Option<String>,
    qty: i64,
    own_change: bool,
) -> Result<(Written, MovementRow)> {
    let id = new_id();
    let now = tx.now_ts();
    let reason = m.reason.as_deref().map(str::trim);
    tx.prepare_cached(
        "INSERT INTO stock_movements (id, store_id, product_id, location_id, kind, qty, batch_id, reason,
            ref_type, ref_id, unit_cost_minor, staff_id, device_id, created_at, count_basis)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )
    .db()?
    .execute(params![
        id,
        store_id,
        m.product_id,
        location_id,
        m.kind.as_str(),
        qty,
        batch_id,
        reason,
        m.ref_type,
        m.ref_id,
        m.unit_cost_minor,
        staff_id,
        device_id,
        now,
        m.count_basis
    ])
    .db()?;
    let row = MovementRow {
        id: id.clone(),
        store_id: store_id.to_string(),
        product_id: m.product_id.clone(),
        location_id: location_id.to_string(),
        kind: m.kind.as_str(),
        qty,
        batch_id: batch_id.clone(),
        reason: reason.map(str::to_string),
        ref_type: m.ref_type.clone(),
        ref_id: m.ref_id.clone(),
        unit_cost_minor: m.unit_cost_minor,
        staff_id: staff_id.map(str::to_string),
        device_id: device_id.to_string(),
        created_at: now,
        count_basis: m.count_basis.clone(),
    };
    if own_change {
        tx.record_change("stock_movements", &id, ChangeOp::Insert, &row)?;
    }
    let written = Written {
        id,
        product_id: m.product_id.clone(),
        location_id: location_id.to_string(),
        kind: m.kind,
        qty,
        batch_id,
    };
    Ok((written, row))
}

/// A stock movement as it travels to the server: in its own outbox change, or inside the
/// document (sale, refund) that made it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MovementRow {
    pub id: String,
    pub store_id: String,
    pub product_id: String,
    pub location_id: String,
    pub kind: &'static str,
    pub qty: i64,
    pub batch_id: Option<String>,
    pub reason: Option<String>,
    pub ref_type: Option<String>,
    pub ref_id: Option<String>,
    pub unit_cost_minor: Option<i64>,
    pub staff_id: Option<String>,
    pub device_id: String,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count_basis: Option<String>,
}

// ---------------------------------------------------------------- batches
