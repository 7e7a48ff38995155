//! Stock as a manager reads it: what is on hand and what it is worth at cost at each location,
//! what is low, and what has not sold for a while (`reports.slow_mover_days`).

use crate::SqlResult;
use crate::catalog::display_name;
use crate::catalog::stock::{self, LowStock};
use crate::foundation::settings;
use chrono::NaiveDate;
use kassa_domain::Result;
use kassa_domain::settings::REPORTS_SLOW_MOVER_DAYS;
use rusqlite::{Connection, params};

/// Stock at one location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationStock {
    pub location_id: String,
    pub name: String,
    /// Units on hand (items below zero count as none).
    pub units: i64,
    /// Their value at today's cost prices.
    pub value_minor: i64,
}

/// An item in stock that has not sold for the slow-mover days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlowMover {
    pub product_id: String,
    pub sku: String,
    pub name: String,
    pub on_hand: i64,
    /// The business date of its last sale; none if it never sold.
    pub last_sold: Option<String>,
    /// What it holds at cost; none without a cost price.
    pub value_minor: Option<i64>,
}

/// The stock report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockReport {
    /// The business date the report was made for.
    pub as_of: String,
    pub locations: Vec<LocationStock>,
    pub units: i64,
    pub value_minor: i64,
    /// Items on hand without a cost price: their value is unknown, not zero.
    pub items_without_cost: i64,
    pub low: Vec<LowStock>,
    pub slow_mover_days: i64,
    pub slow_movers: Vec<SlowMover>,
}

/// The stock of store `store_id` on business date `today`. It shows cost values: whether the
/// person may see them is the caller's check.
pub fn stock(conn: &Connection, store_id: &str, today: NaiveDate) -> Result<StockReport> {
    let valuation = stock::valuation(conn, store_id)?;
    let alerts = stock::alerts(conn, store_id, today)?;
    let days = settings::get_int(conn, store_id, REPORTS_SLOW_MOVER_DAYS)?;
    let since = (today - chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string();
    let slow_movers = conn
        .prepare_cached(
            "WITH held AS (SELECT l.product_id, sum(l.on_hand) AS qty FROM stock_levels l
                           JOIN products p ON p.id = l.product_id WHERE p.store_id = ?1 AND p.active = 1
                           GROUP BY 1 HAVING qty > 0),
                  last AS (SELECT h.product_id, h.qty,
                                  (SELECT max(o.business_date) FROM order_lines ol JOIN orders o ON o.id = ol.order_id
                                   WHERE ol.product_id = h.product_id) AS last_sold
                           FROM held h)
             SELECT p.id, p.sku, p.name, p.variant, last.qty, last.last_sold, last.qty * p.cost_minor
             FROM last JOIN products p ON p.id = last.product_id
             WHERE last.last_sold IS NULL OR last.last_sold < ?2
             ORDER BY last.last_sold IS NOT NULL, last.last_sold, p.name COLLATE NOCASE LIMIT 500",
        )
        .db()?
        .query_map(params![store_id, since], |r| {
            let name: String = r.get(2)?;
            let variant: String = r.get(3)?;
            Ok(SlowMover {
                product_id: r.get(0)?,
                sku: r.get(1)?,
                name: display_name(&name, &variant),
                on_hand: r.get(4)?,
                last_sold: r.get(5)?,
                value_minor: r.get(6)?,
            })
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    Ok(StockReport {
        as_of: today.format("%Y-%m-%d").to_string(),
        locations: valuation
            .by_location
            .into_iter()
            .map(|(l, value_minor, units)| LocationStock {
                location_id: l.id,
                name: l.name,
                units,
                value_minor,
            })
            .collect(),
        units: valuation.units,
        value_minor: valuation.total_minor,
        items_without_cost: valuation.items_without_cost,
        low: alerts.low,
        slow_mover_days: days,
        slow_movers,
    })
}
