//! Batches with their expiry dates.

use crate::SqlResult;
use crate::foundation::ids::new_id;
use crate::foundation::write::{ChangeOp, WriteTx};
use chrono::NaiveDate;
use kassa_domain::catalog::validate_text;
use kassa_domain::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

/// A batch (lot) of a product, with what is left of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub id: String,
    pub code: String,
    pub expires_on: Option<String>,
    pub on_hand: i64,
}

pub(super) fn batch_of(conn: &Connection, product_id: &str, batch_id: &str) -> Result<()> {
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
