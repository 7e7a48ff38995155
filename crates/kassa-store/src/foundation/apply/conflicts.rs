//! The conflicts the merge recorded, for the manager's inbox: listing and resolving.

use crate::foundation::apply::{Applied, ApplyTx, lacks};
use crate::foundation::write::AuditInput;
use crate::{ChangeOp, SqlResult, Store};
use kassa_domain::{Error, Result};
use kassa_sync_protocol::Change;
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
            "SELECT c.id, c.kind, c.entity, c.entity_id, c.detail, c.change_id, c.hlc, c.device_id,
                    c.created_at, r.resolved_at, r.resolved_by, r.resolution
             FROM conflicts c LEFT JOIN conflict_resolutions r ON r.conflict_id = c.id
             WHERE ?1 OR r.conflict_id IS NULL ORDER BY c.created_at, c.id LIMIT ?2",
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
        .prepare_cached(
            "SELECT count(*) FROM conflicts c
             WHERE NOT EXISTS (SELECT 1 FROM conflict_resolutions r WHERE r.conflict_id = c.id)",
        )
        .db()?
        .query_row([], |r| r.get(0))
        .db()?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Marks a conflict resolved by `actor_id` with what they decided; audited. The decision
/// syncs (`conflict_resolutions`, keyed by the conflict's id, which every device derives the
/// same way), so the conflict closes on every device. The decision itself (keep one count,
/// rename a product) is made with the ordinary commands, which sync too.
pub fn resolve(store: &mut Store, id: &str, actor_id: &str, resolution: &str) -> Result<()> {
    let resolution = resolution.trim();
    if resolution.is_empty() || resolution.chars().count() > 500 {
        return Err(Error::invalid_input(
            "say in 1 to 500 characters how the conflict was resolved",
        ));
    }
    store.write(|tx| {
        let now = tx.now_ts();
        let open = tx
            .row(
                "SELECT count(*) FROM conflicts c WHERE c.id = ?1 AND NOT EXISTS
                   (SELECT 1 FROM conflict_resolutions r WHERE r.conflict_id = c.id)",
                params![id],
                |r| r.get::<_, i64>(0),
            )?
            .unwrap_or(0);
        if open == 0 {
            return Err(Error::not_found(format!("no open conflict with id {id}")));
        }
        tx.exec(
            "INSERT INTO conflict_resolutions (conflict_id, resolution, resolved_by, resolved_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![id, resolution, actor_id, now],
        )?;
        tx.exec(
            "UPDATE conflicts SET resolved_at = ?2, resolved_by = ?3, resolution = ?4 WHERE id = ?1",
            params![id, now, actor_id, resolution],
        )?;
        tx.record_change(
            ENTITY,
            id,
            ChangeOp::Upsert,
            &json!({"resolution": resolution, "resolved_by": actor_id, "resolved_at": now}),
        )?;
        tx.audit(
            AuditInput::new("conflict.resolved")
                .by(actor_id)
                .on("conflict", id)
                .after(json!({"resolution": resolution})),
        )?;
        Ok(())
    })
}

/// The outbox entity of a conflict's decision.
pub const ENTITY: &str = "conflict_resolutions";

/// Another device's decision on a conflict: the later one wins, its fields together. It is
/// kept even before this device has found the conflict itself (the merge finds it later,
/// already decided).
pub(crate) fn apply_resolution(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    if let Some(reason) = lacks(&c.payload, &["resolution", "resolved_by", "resolved_at"]) {
        return Err(Error::invalid_input(reason));
    }
    let won = tx.winning_fields(c)?;
    if won.is_empty() {
        return Ok(Applied::AlreadyHeld);
    }
    // The three fields travel together and carry one stamp: all win or none do.
    let text = |f: &str| {
        c.payload
            .get(f)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| Error::invalid_input(format!("a conflict decision's {f} is not text")))
    };
    let (resolution, by, at) = (
        text("resolution")?,
        text("resolved_by")?,
        text("resolved_at")?,
    );
    if resolution.trim().is_empty() || resolution.chars().count() > 500 {
        return Err(Error::invalid_input(
            "a conflict decision must say in 1 to 500 characters how it was resolved",
        ));
    }
    let updated = tx.exec(
        "UPDATE conflict_resolutions SET resolution = ?2, resolved_by = ?3, resolved_at = ?4
         WHERE conflict_id = ?1",
        params![c.entity_id, resolution, by, at],
    )?;
    if updated == 0 {
        tx.exec(
            "INSERT INTO conflict_resolutions (conflict_id, resolution, resolved_by, resolved_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![c.entity_id, resolution, by, at],
        )?;
    }
    tx.exec(
        "UPDATE conflicts SET resolved_at = ?2, resolved_by = ?3, resolution = ?4 WHERE id = ?1",
        params![c.entity_id, at, by, resolution],
    )?;
    Ok(Applied::Applied)
}
