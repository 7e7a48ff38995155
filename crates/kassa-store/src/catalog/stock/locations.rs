//! Stock locations: the main one (its id is the store's, so offline devices agree) and more.

use crate::SqlResult;
use crate::foundation::ids::new_id;
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use kassa_domain::catalog::validate_text;
use kassa_domain::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

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

pub(super) fn location_name(conn: &Connection, store_id: &str, id: &str) -> Result<String> {
    conn.prepare_cached("SELECT name FROM locations WHERE id = ?1 AND store_id = ?2")
        .db()?
        .query_row(params![id, store_id], |r| r.get(0))
        .optional()
        .db()?
        .ok_or_else(|| Error::not_found(format!("no location with id {id}")))
}
