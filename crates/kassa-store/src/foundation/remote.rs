//! Appliers for the foundation's entities arriving from other devices: the store, its
//! settings and the audit chains (see `foundation::apply`).

use crate::foundation::apply::{Applied, Applier, ApplyTx, field, lacks};
use kassa_domain::{Error, Result};
use kassa_sync_protocol::Change;
use rusqlite::params;
use rusqlite::types::Value as SqlValue;
use serde_json::json;

/// `(entity, applier)` for the foundation's entities.
pub(crate) const APPLIERS: &[(&str, Applier)] = &[
    ("stores", apply_store),
    ("settings", apply_setting),
    ("audit_log", apply_audit_entry),
    (
        crate::foundation::apply::conflicts::ENTITY,
        crate::foundation::apply::conflicts::apply_resolution,
    ),
];

/// The store row: last writer wins per field. Only this device's store is held.
fn apply_store(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    if c.entity_id != tx.store_id() {
        return Ok(tx.park(format!("store {} is not this device's store", c.entity_id)));
    }
    let exists = tx.exists("stores", "id", &c.entity_id)?;
    if !exists && let Some(reason) = lacks(&c.payload, &["code", "name", "currency"]) {
        return Ok(tx.park(reason));
    }
    let won = tx.winning_fields(c)?;
    if won.is_empty() {
        return Ok(Applied::AlreadyHeld);
    }
    if won.contains_key("currency") {
        tx.note_currency(None)?;
    }
    tx.write_reference("stores", c, !exists, &won, &["code", "name", "currency"])?;
    Ok(Applied::Applied)
}

/// A store setting (`store_id:key`): last writer wins on its value.
fn apply_setting(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let (Some(store_id), Some(key)) = (
        c.payload.get("store_id").and_then(|v| v.as_str()),
        c.payload.get("key").and_then(|v| v.as_str()),
    ) else {
        return Err(Error::invalid_input(
            "a setting change names no store or key",
        ));
    };
    if format!("{store_id}:{key}") != c.entity_id {
        return Err(Error::invalid_input(
            "a setting change's id does not match its key",
        ));
    }
    if let Some(reason) = tx.missing_parent(&[("stores", "id", Some(store_id))])? {
        return Ok(tx.park(reason));
    }
    let won = tx.winning_fields(c)?;
    let Some(value) = won.get("value") else {
        return Ok(Applied::AlreadyHeld);
    };
    let stamp = ApplyTx::stamp_ts(c);
    let updated = tx.exec(
        "UPDATE settings SET value = ?3, updated_at = ?4 WHERE store_id = ?1 AND key = ?2",
        params![store_id, key, value.to_string(), stamp],
    )?;
    if updated == 0 {
        tx.exec(
            "INSERT INTO settings (store_id, key, value, updated_at) VALUES (?1, ?2, ?3, ?4)",
            params![store_id, key, value.to_string(), stamp],
        )?;
    }
    Ok(Applied::Applied)
}

/// Another device's audit entry, with its exact hashes, after the entry before it in that
/// device's chain. This device's own chain is never written by a remote change: an entry
/// of it that this device does not hold is a fork, recorded as a conflict.
fn apply_audit_entry(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let p = &c.payload;
    let device_id = p.get("device_id").and_then(|v| v.as_str()).unwrap_or("");
    let seq = p.get("device_seq").and_then(|v| v.as_i64()).unwrap_or(0);
    if device_id.is_empty() || seq < 1 {
        return Err(Error::invalid_input(
            "an audit entry without its device and place",
        ));
    }
    let prev_hash = p.get("prev_hash").and_then(|v| v.as_str()).unwrap_or("");
    let held: Option<String> = tx.row(
        "SELECT id FROM audit_log WHERE device_id = ?1 AND device_seq = ?2",
        params![device_id, seq],
        |r| r.get(0),
    )?;
    let fork = |tx: &mut ApplyTx<'_>, why: &str| -> Result<Applied> {
        tx.conflict(
            "audit_fork",
            "audit_log",
            &c.entity_id,
            json!({"device_id": device_id, "device_seq": seq, "why": why, "incoming": p}),
        )?;
        Ok(Applied::Conflict)
    };
    match held {
        Some(id) if id != c.entity_id => {
            return fork(tx, "another entry holds this place in the chain");
        }
        None if device_id == tx.device_id() => {
            return fork(
                tx,
                "an entry of this device's own chain that it never wrote",
            );
        }
        _ => {}
    }
    if seq > 1 {
        let before: Option<String> = tx.row(
            "SELECT hash FROM audit_log WHERE device_id = ?1 AND device_seq = ?2",
            params![device_id, seq - 1],
            |r| r.get(0),
        )?;
        match before {
            None => return Ok(tx.park(format!("waiting for entry {} of {device_id}", seq - 1))),
            Some(h) if h != prev_hash => return fork(tx, "does not link to the entry before it"),
            Some(_) => {}
        }
    }
    let cols = [
        "device_id",
        "device_seq",
        "at_utc",
        "clock_offset_ms",
        "actor_id",
        "approver_id",
        "action",
        "entity",
        "entity_id",
        "before",
        "after",
        "prev_hash",
        "hash",
    ];
    let row: Vec<(&str, SqlValue)> = cols.iter().map(|c| (*c, field(p, c))).collect();
    let applied = tx.insert_ledger(
        "audit_log",
        &[("id", SqlValue::Text(c.entity_id.clone()))],
        &row,
    )?;
    if p.get("action").and_then(|v| v.as_str()) == Some(STORE_UPDATED) {
        // A change of the store's currency may have arrived here before its audit entry,
        // which tells the currency task what was asked for.
        tx.note_currency(None)?;
    }
    Ok(applied)
}

/// The audit action of a change to the store's name or currency.
pub(crate) const STORE_UPDATED: &str = "store.updated";

/// The manager's task when sales were taken in another currency than the store's, or the
/// currency was changed on a device that had not yet heard of them.
pub const CURRENCY_TASK: &str = "currency_kept";

/// The currency cannot change once anything was sold, and devices offline do not know what
/// the others sold: one may change the currency while another sells in the old one. Every
/// device settles it the same way once it holds the same rows: the store's currency is the
/// one its first sale (by time, then id) was taken in, whatever the last writer set, and a
/// `currency_kept` task tells the manager what was kept, how many sales were taken in another
/// currency, and the currency last asked for (the newest audited change: by time, then device
/// and place in its chain) when it is not the one kept. The task follows from the orders and
/// the audit entries alone, never from what a device happened to hold at the end of a page (a
/// device that heard of a change to francs and of the change back to euros in separate pages
/// must not keep a task the others never see): it is withdrawn when the rows no longer call
/// for it. Nothing is sent: each device reaches the same answer from the same rows.
pub(crate) fn settle_currency(tx: &mut ApplyTx<'_>) -> Result<()> {
    let store_id = tx.store_id().to_string();
    let Some(held) = tx.row(
        "SELECT currency FROM stores WHERE id = ?1",
        [&store_id],
        |r| r.get::<_, String>(0),
    )?
    else {
        return Ok(());
    };
    let Some((kept, first_sale)) = tx.row(
        "SELECT currency, number FROM orders ORDER BY created_at, id LIMIT 1",
        [],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
    )?
    else {
        return Ok(());
    };
    let others = tx
        .row(
            "SELECT sum(n), group_concat(currency, ',') FROM
               (SELECT currency, count(*) AS n FROM orders WHERE currency <> ?1
                 GROUP BY currency ORDER BY currency)",
            [&kept],
            |r| {
                Ok((
                    r.get::<_, Option<i64>>(0)?.unwrap_or(0),
                    r.get::<_, Option<String>>(1)?,
                ))
            },
        )?
        .unwrap_or((0, None));
    let asked: Option<String> = tx
        .row(
            "SELECT json_extract(after, '$.currency') FROM audit_log
              WHERE entity = 'store' AND entity_id = ?1 AND action = ?2
                AND json_extract(after, '$.currency') IS NOT NULL
              ORDER BY at_utc DESC, device_id DESC, device_seq DESC LIMIT 1",
            params![store_id, STORE_UPDATED],
            |r| r.get::<_, Option<String>>(0),
        )?
        .flatten();
    let changed_to = asked.filter(|asked| *asked != kept);
    if held != kept {
        tx.exec(
            "UPDATE stores SET currency = ?2 WHERE id = ?1",
            params![store_id, kept],
        )?;
    }
    if changed_to.is_none() && others.0 == 0 {
        return tx.withdraw_conflict_in_family(CURRENCY_TASK, "stores", &store_id);
    }
    let mut detail = json!({
        "kept": kept,
        "first_sale": first_sale,
        "sales_in_other_currencies": others.0,
    });
    if let Some(list) = others.1 {
        detail["other_currencies"] = json!(list);
    }
    if let Some(to) = changed_to {
        detail["changed_to"] = json!(to);
    }
    tx.conflict_in_family(CURRENCY_TASK, CURRENCY_TASK, "stores", &store_id, detail)
}
