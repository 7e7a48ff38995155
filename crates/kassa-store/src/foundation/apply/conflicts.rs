//! The conflicts the merge recorded, for the manager's inbox: listing and resolving.

use crate::foundation::write::AuditInput;
use crate::{SqlResult, Store};
use kassa_domain::{Error, Result};
use rusqlite::{Connection, params};
use serde_json::{Value, json};

/// One conflict the merge found.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub id: String,
    /// What clashed: `duplicate_sku`, `ledger_mismatch`, `clock_ahead`, ...
    pub kind: String,
    pub entity: String,
    pub entity_id: String,
    /// Both sides and what the merge did.
    pub detail: Value,
    /// The change that found it, its stamp and the device that made it.
    pub change_id: String,
    pub hlc: u64,
    pub device_id: String,
    pub created_at: String,
    pub resolved_at: Option<String>,
    pub resolved_by: Option<String>,
    pub resolution: Option<String>,
}

/// Conflicts, the open ones only unless `all`, oldest first, at most `limit`.
pub fn list(conn: &Connection, all: bool, limit: u32) -> Result<Vec<Conflict>> {
    let mut st = conn
        .prepare_cached(
            "SELECT id, kind, entity, entity_id, detail, change_id, hlc, device_id, created_at,
                    resolved_at, resolved_by, resolution
             FROM conflicts WHERE ?1 OR resolved_at IS NULL ORDER BY created_at, id LIMIT ?2",
        )
        .db()?;
    let rows = st
        .query_map(params![all, limit], |r| {
            let detail: String = r.get(4)?;
            Ok(Conflict {
                id: r.get(0)?,
                kind: r.get(1)?,
                entity: r.get(2)?,
                entity_id: r.get(3)?,
                detail: serde_json::from_str(&detail).unwrap_or(Value::String(detail)),
                change_id: r.get(5)?,
                hlc: u64::try_from(r.get::<_, i64>(6)?).unwrap_or(0),
                device_id: r.get(7)?,
                created_at: r.get(8)?,
                resolved_at: r.get(9)?,
                resolved_by: r.get(10)?,
                resolution: r.get(11)?,
            })
        })
        .db()?;
    rows.collect::<rusqlite::Result<_>>().db()
}

/// How many conflicts wait for a manager.
pub fn open_count(conn: &Connection) -> Result<u64> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM conflicts WHERE resolved_at IS NULL")
        .db()?
        .query_row([], |r| r.get(0))
        .db()?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Marks a conflict resolved by `actor_id` with what they decided; audited. The decision
/// itself (keep one count, rename a product) is made with the ordinary commands, which sync.
pub fn resolve(store: &mut Store, id: &str, actor_id: &str, resolution: &str) -> Result<()> {
    let resolution = resolution.trim();
    if resolution.is_empty() || resolution.chars().count() > 500 {
        return Err(Error::invalid_input(
            "say in 1 to 500 characters how the conflict was resolved",
        ));
    }
    store.write(|tx| {
        let now = tx.now_ts();
        let n = tx.exec(
            "UPDATE conflicts SET resolved_at = ?2, resolved_by = ?3, resolution = ?4
             WHERE id = ?1 AND resolved_at IS NULL",
            params![id, now, actor_id, resolution],
        )?;
        if n == 0 {
            return Err(Error::not_found(format!("no open conflict with id {id}")));
        }
        tx.audit(
            AuditInput::new("conflict.resolved")
                .by(actor_id)
                .on("conflict", id)
                .after(json!({"resolution": resolution})),
        )?;
        Ok(())
    })
}
