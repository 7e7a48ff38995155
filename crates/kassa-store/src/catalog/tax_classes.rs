//! Tax classes: named rates.

use super::*;
use crate::SqlResult;
use crate::foundation::ids::new_id;
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use kassa_domain::catalog::{TaxRate, validate_text};
use kassa_domain::{Error, Result};
use rusqlite::{Connection, params};
use serde_json::json;

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
