//! Reading the ledger: movements, levels, the ledger check, alerts and valuation.

use super::*;
use crate::catalog::display_name;
use crate::{SqlResult, foundation::settings};
use chrono::NaiveDate;
use kassa_domain::stock::{Level, MovementKind};
use kassa_domain::{Error, Result};
use rusqlite::{Connection, params};

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
