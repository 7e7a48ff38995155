//! The stock ledger: append-only movements per item and location; a level is their sum.
//!
//! [`record_movements`] is the one way movements are written. It checks every affected
//! level before writing anything (so a refused sale writes nothing) and runs inside the
//! caller's transaction, so that a sale's order, payment and stock movements commit
//! together. The `stock_levels` table is a derived cache of the sums, maintained by an
//! SQLite trigger on every insert into `stock_movements` (this device's or sync's);
//! [`verify_levels`] recomputes the sums and compares.

use crate::catalog::display_name;
use crate::foundation::ids::new_id;
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use crate::{SqlResult, foundation::settings};
use chrono::NaiveDate;
use kassa_domain::catalog::validate_text;
use kassa_domain::stock::{Bucket, Level, MovementKind, check_level};
use kassa_domain::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;
use std::collections::HashMap;

/// A place stock is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub id: String,
    pub name: String,
    /// The store's main location (the shop floor), where sales take stock from by default.
    pub is_main: bool,
}

/// The main location's id: the store's own id, so every device makes the same one.
pub fn main_location_id(store_id: &str) -> String {
    store_id.to_string()
}

/// Makes the store's main location if this device has not got it yet.
pub fn ensure_main_location(tx: &mut WriteTx<'_>, store_id: &str) -> Result<String> {
    let id = main_location_id(store_id);
    let now = tx.now_ts();
    let added = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO locations (id, store_id, name, created_at, updated_at)
             VALUES (?1, ?1, 'Shop floor', ?2, ?2)",
        )
        .db()?
        .execute(params![id, now])
        .db()?;
    if added == 1 {
        tx.record_change(
            "locations",
            &id,
            ChangeOp::Upsert,
            &json!({"store_id": store_id, "name": "Shop floor"}),
        )?;
    }
    Ok(id)
}

/// Every location of the store, the main one first.
pub fn locations(conn: &Connection, store_id: &str) -> Result<Vec<Location>> {
    let mut out: Vec<Location> = conn
        .prepare_cached(
            "SELECT id, name FROM locations WHERE store_id = ?1 ORDER BY name COLLATE NOCASE",
        )
        .db()?
        .query_map([store_id], |r| {
            let id: String = r.get(0)?;
            Ok(Location {
                is_main: id == store_id,
                id,
                name: r.get(1)?,
            })
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    out.sort_by_key(|l| !l.is_main);
    Ok(out)
}

/// Adds a location (a back room, a second shop, a van); names are unique in the store.
pub fn create_location(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    name: &str,
) -> Result<String> {
    ensure_main_location(tx, store_id)?;
    let name = validate_text(name, "location name", 80, true)?;
    if locations(tx, store_id)?
        .iter()
        .any(|l| l.name.eq_ignore_ascii_case(&name))
    {
        return Err(Error::already_exists(format!(
            "there is already a location called '{name}'"
        )));
    }
    let id = new_id();
    let now = tx.now_ts();
    tx.execute(
        "INSERT INTO locations (id, store_id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
        params![id, store_id, name, now],
    )
    .db()?;
    let after = json!({"store_id": store_id, "name": name});
    tx.record_change("locations", &id, ChangeOp::Upsert, &after)?;
    tx.audit(
        AuditInput::new("location.created")
            .by(actor_id)
            .on("location", &id)
            .after(after),
    )?;
    Ok(id)
}

fn location_name(conn: &Connection, store_id: &str, id: &str) -> Result<String> {
    conn.prepare_cached("SELECT name FROM locations WHERE id = ?1 AND store_id = ?2")
        .db()?
        .query_row(params![id, store_id], |r| r.get(0))
        .optional()
        .db()?
        .ok_or_else(|| Error::not_found(format!("no location with id {id}")))
}

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

struct Item {
    label: String,
    stock_tracked: bool,
    allow_negative: Option<bool>,
}

fn item(conn: &Connection, store_id: &str, product_id: &str) -> Result<Item> {
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

fn record(
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
fn first_expiring(
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
fn insert(
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
            ref_type, ref_id, unit_cost_minor, staff_id, device_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
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
        now
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
}

// ---------------------------------------------------------------- batches

/// A batch (lot) of a product, with what is left of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub id: String,
    pub code: String,
    pub expires_on: Option<String>,
    pub on_hand: i64,
}

fn batch_of(conn: &Connection, product_id: &str, batch_id: &str) -> Result<()> {
    let found: Option<String> = conn
        .prepare_cached("SELECT id FROM stock_batches WHERE id = ?1 AND product_id = ?2")
        .db()?
        .query_row(params![batch_id, product_id], |r| r.get(0))
        .optional()
        .db()?;
    found
        .map(|_| ())
        .ok_or_else(|| Error::not_found(format!("no batch {batch_id} of this product")))
}

/// Checks a date typed as `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| Error::invalid_input(format!("'{s}' is not a date in the form YYYY-MM-DD")))
}

/// The batch `code` of a product, made if new. An existing code with another expiry date is
/// refused rather than silently re-dated.
pub fn batch_for(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    product_id: &str,
    code: &str,
    expires_on: Option<&str>,
) -> Result<String> {
    let code = validate_text(code, "batch code", 60, true)?;
    let expires = expires_on
        .map(parse_date)
        .transpose()?
        .map(|d| d.format("%Y-%m-%d").to_string());
    let existing: Option<(String, Option<String>)> = tx
        .prepare_cached(
            "SELECT id, expires_on FROM stock_batches WHERE product_id = ?1 AND code = ?2",
        )
        .db()?
        .query_row(params![product_id, code], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .db()?;
    if let Some((id, have)) = existing {
        if expires.is_some() && have != expires {
            return Err(Error::invalid_input(format!(
                "batch {code} already exists with the expiry date {}",
                have.unwrap_or_else(|| "none".into())
            )));
        }
        return Ok(id);
    }
    let id = new_id();
    let now = tx.now_ts();
    tx.execute(
        "INSERT INTO stock_batches (id, store_id, product_id, code, expires_on, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, store_id, product_id, code, expires, now],
    )
    .db()?;
    tx.record_change(
        "stock_batches",
        &id,
        ChangeOp::Insert,
        &json!({"store_id": store_id, "product_id": product_id, "code": code, "expires_on": expires}),
    )?;
    Ok(id)
}

/// The batches of a product with what is left of each, soonest expiry first.
pub fn batches(conn: &Connection, product_id: &str) -> Result<Vec<Batch>> {
    conn.prepare_cached(
        "SELECT b.id, b.code, b.expires_on, ifnull(sum(l.on_hand), 0) FROM stock_batches b
         LEFT JOIN stock_levels l ON l.batch_id = b.id WHERE b.product_id = ?1
         GROUP BY b.id ORDER BY b.expires_on IS NULL, b.expires_on, b.created_at",
    )
    .db()?
    .query_map([product_id], |r| {
        Ok(Batch {
            id: r.get(0)?,
            code: r.get(1)?,
            expires_on: r.get(2)?,
            on_hand: r.get(3)?,
        })
    })
    .db()?
    .collect::<rusqlite::Result<_>>()
    .db()
}

// ---------------------------------------------------------------- operations people do

fn audit_levels(
    tx: &mut WriteTx<'_>,
    action: &str,
    actor_id: &str,
    product_id: &str,
    before: Level,
    after: Level,
    detail: serde_json::Value,
) -> Result<()> {
    let mut after_json = json!({"on_hand": after.on_hand, "reserved": after.reserved});
    if let (Some(a), Some(d)) = (after_json.as_object_mut(), detail.as_object()) {
        a.extend(d.clone());
    }
    tx.audit(
        AuditInput::new(action)
            .by(actor_id)
            .on("product", product_id)
            .before(json!({"on_hand": before.on_hand, "reserved": before.reserved}))
            .after(after_json),
    )?;
    Ok(())
}

/// What a receipt of goods needs.
#[derive(Debug, Clone, Default)]
pub struct Receipt {
    pub product_id: String,
    pub qty: i64,
    pub location_id: Option<String>,
    pub batch_code: Option<String>,
    pub expires_on: Option<String>,
    pub unit_cost_minor: Option<i64>,
    pub note: Option<String>,
}

/// Goods received from a supplier; audited with the level before and after.
pub fn receive(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    r: &Receipt,
) -> Result<Written> {
    if r.qty <= 0 {
        return Err(Error::invalid_input(
            "the quantity received must be 1 or more",
        ));
    }
    if r.expires_on.is_some() && r.batch_code.is_none() {
        return Err(Error::invalid_input("an expiry date needs a batch code"));
    }
    if let Some(c) = r.unit_cost_minor {
        kassa_domain::catalog::validate_amount(c, "unit cost")?;
    }
    let it = item(tx, store_id, &r.product_id)?;
    if !it.stock_tracked {
        return Err(Error::invalid_input(format!(
            "{} is not stock-tracked",
            it.label
        )));
    }
    let batch_id = match &r.batch_code {
        Some(code) => Some(batch_for(
            tx,
            store_id,
            &r.product_id,
            code,
            r.expires_on.as_deref(),
        )?),
        None => None,
    };
    let loc = r.location_id.as_deref();
    let before = level(tx, &r.product_id, loc.or(Some(store_id)))?;
    let m = NewMovement {
        location_id: r.location_id.clone(),
        batch_id: batch_id.clone(),
        reason: r.note.clone(),
        unit_cost_minor: r.unit_cost_minor,
        ..NewMovement::receipt(&r.product_id, r.qty)
    };
    let w = record_movements(tx, store_id, Some(actor_id), &[m])?.remove(0);
    let after = level(tx, &r.product_id, Some(&w.location_id))?;
    audit_levels(
        tx,
        "stock.received",
        actor_id,
        &r.product_id,
        before,
        after,
        json!({"qty": r.qty, "location_id": w.location_id, "batch_id": batch_id}),
    )?;
    Ok(w)
}

/// A correction with a reason (breakage, theft, found goods); audited with before and after.
pub fn adjust(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    product_id: &str,
    delta: i64,
    reason: &str,
    location_id: Option<&str>,
) -> Result<Vec<Written>> {
    let it = item(tx, store_id, product_id)?;
    if !it.stock_tracked {
        return Err(Error::invalid_input(format!(
            "{} is not stock-tracked",
            it.label
        )));
    }
    let loc = location_id
        .map(str::to_string)
        .unwrap_or_else(|| main_location_id(store_id));
    let before = level(tx, product_id, Some(&loc))?;
    let m = NewMovement::adjustment(product_id, delta, reason).at(&loc);
    let w = record_movements(tx, store_id, Some(actor_id), &[m])?;
    let after = level(tx, product_id, Some(&loc))?;
    audit_levels(
        tx,
        "stock.adjusted",
        actor_id,
        product_id,
        before,
        after,
        json!({"delta": delta, "reason": reason.trim(), "location_id": loc}),
    )?;
    Ok(w)
}

/// Moves `qty` from one location to another: a transfer out and a transfer in, with the
/// same batches on both sides, under one transfer id. Returns that id.
pub fn transfer(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    product_id: &str,
    qty: i64,
    from: &str,
    to: &str,
) -> Result<String> {
    if qty <= 0 {
        return Err(Error::invalid_input(
            "the quantity to move must be 1 or more",
        ));
    }
    if from == to {
        return Err(Error::invalid_input(
            "a transfer needs two different locations",
        ));
    }
    ensure_main_location(tx, store_id)?;
    location_name(tx, store_id, from)?;
    location_name(tx, store_id, to)?;
    let it = item(tx, store_id, product_id)?;
    if !it.stock_tracked {
        return Err(Error::invalid_input(format!(
            "{} is not stock-tracked",
            it.label
        )));
    }
    let transfer_id = new_id();
    let out = NewMovement::new(product_id, MovementKind::TransferOut, -qty)
        .at(from)
        .reference("transfer", &transfer_id);
    let written = record_movements(tx, store_id, Some(actor_id), &[out])?;
    let ins: Vec<NewMovement> = written
        .iter()
        .map(|w| NewMovement {
            batch_id: w.batch_id.clone(),
            ..NewMovement::new(product_id, MovementKind::TransferIn, -w.qty)
                .at(to)
                .reference("transfer", &transfer_id)
        })
        .collect();
    record_movements(tx, store_id, Some(actor_id), &ins)?;
    tx.audit(
        AuditInput::new("stock.transferred")
            .by(actor_id)
            .on("product", product_id)
            .after(json!({"transfer_id": transfer_id, "qty": qty, "from": from, "to": to})),
    )?;
    Ok(transfer_id)
}

/// One item's line in a posted count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountLine {
    pub product_id: String,
    pub expected: i64,
    pub counted: i64,
}

/// Posts a stock count at a location: every difference between what was counted and what
/// the ledger says becomes one `count` movement, all under one count id, in one transaction.
pub fn post_count(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    location_id: Option<&str>,
    counted: &[(String, i64)],
) -> Result<(String, Vec<CountLine>)> {
    if counted.is_empty() {
        return Err(Error::invalid_input(
            "a count needs at least one counted item",
        ));
    }
    let loc = match location_id {
        Some(l) => {
            ensure_main_location(tx, store_id)?;
            location_name(tx, store_id, l)?;
            l.to_string()
        }
        None => ensure_main_location(tx, store_id)?,
    };
    // Scanning the same item twice adds up, as counting on a shelf does.
    let mut totals: Vec<(String, i64)> = Vec::new();
    for (pid, n) in counted {
        if *n < 0 {
            return Err(Error::invalid_input(
                "a counted quantity cannot be negative",
            ));
        }
        let it = item(tx, store_id, pid)?;
        if !it.stock_tracked {
            return Err(Error::invalid_input(format!(
                "{} is not stock-tracked",
                it.label
            )));
        }
        match totals.iter_mut().find(|(p, _)| p == pid) {
            Some(t) => t.1 += n,
            None => totals.push((pid.clone(), *n)),
        }
    }
    let count_id = new_id();
    let mut lines = Vec::new();
    let mut moves = Vec::new();
    for (pid, n) in totals {
        let expected = level(tx, &pid, Some(&loc))?.on_hand;
        if n != expected {
            moves.push(
                NewMovement::new(&pid, MovementKind::Count, n - expected)
                    .at(&loc)
                    .reference("count", &count_id),
            );
        }
        lines.push(CountLine {
            product_id: pid,
            expected,
            counted: n,
        });
    }
    record_movements(tx, store_id, Some(actor_id), &moves)?;
    tx.audit(
        AuditInput::new("stock.counted")
            .by(actor_id)
            .on("location", &loc)
            .after(json!({
                "count_id": count_id,
                "lines": lines.iter().map(|l| json!({"product_id": l.product_id, "expected": l.expected, "counted": l.counted})).collect::<Vec<_>>(),
            })),
    )?;
    Ok((count_id, lines))
}

// ---------------------------------------------------------------- reading the ledger

/// One movement as the history shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovementRecord {
    pub id: String,
    pub kind: MovementKind,
    pub qty: i64,
    pub location_id: String,
    pub location_name: String,
    pub batch_code: Option<String>,
    pub reason: Option<String>,
    pub ref_type: Option<String>,
    pub ref_id: Option<String>,
    pub staff_name: Option<String>,
    pub created_at: String,
}

/// An item's movements, newest first.
pub fn movements(
    conn: &Connection,
    product_id: &str,
    location_id: Option<&str>,
    limit: u32,
) -> Result<Vec<MovementRecord>> {
    conn.prepare_cached(
        "SELECT m.id, m.kind, m.qty, m.location_id, l.name, b.code, m.reason, m.ref_type, m.ref_id,
                s.display_name, m.created_at
         FROM stock_movements m JOIN locations l ON l.id = m.location_id
         LEFT JOIN stock_batches b ON b.id = m.batch_id LEFT JOIN staff s ON s.id = m.staff_id
         WHERE m.product_id = ?1 AND (?2 IS NULL OR m.location_id = ?2)
         ORDER BY m.created_at DESC, m.id DESC LIMIT ?3",
    )
    .db()?
    .query_map(
        params![product_id, location_id, i64::from(limit.clamp(1, 5000))],
        |r| {
            let kind: String = r.get(1)?;
            Ok(MovementRecord {
                id: r.get(0)?,
                kind: MovementKind::parse(&kind).unwrap_or(MovementKind::Adjustment),
                qty: r.get(2)?,
                location_id: r.get(3)?,
                location_name: r.get(4)?,
                batch_code: r.get(5)?,
                reason: r.get(6)?,
                ref_type: r.get(7)?,
                ref_id: r.get(8)?,
                staff_name: r.get(9)?,
                created_at: r.get(10)?,
            })
        },
    )
    .db()?
    .collect::<rusqlite::Result<_>>()
    .db()
}

/// An item's level at each location of the store (zero where it has none).
pub fn levels_by_location(
    conn: &Connection,
    store_id: &str,
    product_id: &str,
) -> Result<Vec<(Location, Level)>> {
    locations(conn, store_id)?
        .into_iter()
        .map(|l| {
            let lv = level(conn, product_id, Some(&l.id))?;
            Ok((l, lv))
        })
        .collect()
}

/// Where the cached levels differ from the ledger's sums: `(product, location, batch)` keys.
/// Empty when the cache is right.
pub fn verify_levels(conn: &Connection) -> Result<Vec<(String, String, String)>> {
    let sums = "SELECT product_id, location_id, ifnull(batch_id, '') AS batch_id,
                   sum(CASE WHEN kind IN ('reservation', 'release') THEN 0 ELSE qty END) AS on_hand,
                   sum(CASE WHEN kind IN ('reservation', 'release') THEN qty ELSE 0 END) AS reserved
                FROM stock_movements GROUP BY 1, 2, 3";
    let sql = format!(
        "SELECT product_id, location_id, batch_id FROM (
           SELECT * FROM ({sums}) WHERE on_hand <> 0 OR reserved <> 0
           EXCEPT SELECT product_id, location_id, batch_id, on_hand, reserved FROM stock_levels WHERE on_hand <> 0 OR reserved <> 0)
         UNION
         SELECT product_id, location_id, batch_id FROM (
           SELECT product_id, location_id, batch_id, on_hand, reserved FROM stock_levels WHERE on_hand <> 0 OR reserved <> 0
           EXCEPT SELECT * FROM ({sums}) WHERE on_hand <> 0 OR reserved <> 0)"
    );
    conn.prepare(&sql)
        .db()?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()
}

/// An item at or below its low-stock threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LowStock {
    pub product_id: String,
    pub sku: String,
    pub name: String,
    pub available: i64,
    pub threshold: i64,
}

/// A batch that has expired or expires within the warning days, with stock left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expiring {
    pub batch_id: String,
    pub batch_code: String,
    pub expires_on: String,
    pub expired: bool,
    pub product_id: String,
    pub sku: String,
    pub name: String,
    pub on_hand: i64,
}

/// What needs attention: low stock and expiring batches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Alerts {
    pub low: Vec<LowStock>,
    pub expiring: Vec<Expiring>,
}

/// The store's low-stock items (over all locations) and batches expiring by `today` plus
/// the store's `stock.expiry_warning_days`.
pub fn alerts(conn: &Connection, store_id: &str, today: NaiveDate) -> Result<Alerts> {
    let default_threshold = settings::get_int(conn, store_id, "stock.low_threshold_default")?;
    let days = settings::get_int(conn, store_id, "stock.expiry_warning_days")?;
    let low = conn
        .prepare_cached(
            "SELECT p.id, p.sku, p.name, p.variant,
                    ifnull(sum(l.on_hand), 0) - ifnull(sum(l.reserved), 0) AS available,
                    ifnull(p.low_threshold, ?2) AS threshold
             FROM products p LEFT JOIN stock_levels l ON l.product_id = p.id
             WHERE p.store_id = ?1 AND p.stock_tracked = 1 AND p.active = 1
               AND NOT EXISTS (SELECT 1 FROM products v WHERE v.parent_id = p.id)
             GROUP BY p.id HAVING available <= threshold
             ORDER BY available, p.name COLLATE NOCASE LIMIT 500",
        )
        .db()?
        .query_map(params![store_id, default_threshold], |r| {
            let name: String = r.get(2)?;
            let variant: String = r.get(3)?;
            Ok(LowStock {
                product_id: r.get(0)?,
                sku: r.get(1)?,
                name: display_name(&name, &variant),
                available: r.get(4)?,
                threshold: r.get(5)?,
            })
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    let limit = (today + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string();
    let today_s = today.format("%Y-%m-%d").to_string();
    let expiring = conn
        .prepare_cached(
            "SELECT b.id, b.code, b.expires_on, p.id, p.sku, p.name, p.variant, sum(l.on_hand) AS left
             FROM stock_batches b JOIN products p ON p.id = b.product_id
             JOIN stock_levels l ON l.batch_id = b.id
             WHERE b.store_id = ?1 AND b.expires_on IS NOT NULL AND b.expires_on <= ?2
             GROUP BY b.id HAVING left > 0 ORDER BY b.expires_on, p.name LIMIT 500",
        )
        .db()?
        .query_map(params![store_id, limit], |r| {
            let expires_on: String = r.get(2)?;
            let name: String = r.get(5)?;
            let variant: String = r.get(6)?;
            Ok(Expiring {
                batch_id: r.get(0)?,
                batch_code: r.get(1)?,
                expired: expires_on < today_s,
                expires_on,
                product_id: r.get(3)?,
                sku: r.get(4)?,
                name: display_name(&name, &variant),
                on_hand: r.get(7)?,
            })
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    Ok(Alerts { low, expiring })
}

/// What the stock on hand is worth at cost.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Valuation {
    pub total_minor: i64,
    pub units: i64,
    /// Per location: (location, value in minor units, units).
    pub by_location: Vec<(Location, i64, i64)>,
    /// Items with stock on hand but no cost price; their value is unknown, not zero.
    pub items_without_cost: i64,
}

/// The stock on hand valued at each item's current cost price. Negative levels count as zero.
pub fn valuation(conn: &Connection, store_id: &str) -> Result<Valuation> {
    let rows: Vec<(String, i64, i64, i64)> = conn
        .prepare_cached(
            "WITH held AS (SELECT l.location_id, l.product_id, sum(l.on_hand) AS qty FROM stock_levels l
                           JOIN products p ON p.id = l.product_id WHERE p.store_id = ?1
                           GROUP BY 1, 2 HAVING qty > 0)
             SELECT h.location_id, ifnull(sum(h.qty * p.cost_minor), 0), ifnull(sum(h.qty), 0),
                    sum(p.cost_minor IS NULL)
             FROM held h JOIN products p ON p.id = h.product_id GROUP BY h.location_id",
        )
        .db()?
        .query_map([store_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    let mut v = Valuation::default();
    for loc in locations(conn, store_id)? {
        let (value, units, missing) = rows
            .iter()
            .find(|r| r.0 == loc.id)
            .map(|r| (r.1, r.2, r.3))
            .unwrap_or((0, 0, 0));
        v.total_minor = v
            .total_minor
            .checked_add(value)
            .ok_or_else(|| Error::internal("the stock value overflowed"))?;
        v.units += units;
        v.items_without_cost += missing;
        v.by_location.push((loc, value, units));
    }
    Ok(v)
}
