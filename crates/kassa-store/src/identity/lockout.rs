//! An account's failed proofs of identity and what cleared the count, from every device of the
//! store (`sign_in_events`, a synced ledger), and the count and lock derived from them
//! (`staff_lockout`, this device's cache; `kassa_domain::policy::derive_lockout` is the rule).
//! Failures are counted per account: ten failures spread over devices that have met lock the
//! account on each of them, and an unlock or a success on one clears it on the others.

use crate::foundation::apply::{Applied, ApplyTx, lacks};
use crate::foundation::ids::new_id;
use crate::{ChangeOp, Connection, SqlResult, WriteTx, parse_ts, ts};
use chrono::{DateTime, TimeZone, Utc};
use kassa_domain::policy::{SignInEvent, derive_lockout};
use kassa_domain::{Error, Result};
use kassa_sync_protocol::Change;
use rusqlite::types::Value as SqlValue;
use rusqlite::{OptionalExtension, params};
use serde_json::{Value, json};

/// The outbox entity of a sign-in event.
pub(crate) const ENTITY: &str = "sign_in_events";

/// An account's failures counted and its lock, as derived from the events held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Count {
    pub failures: u32,
    pub locked_until: Option<DateTime<Utc>>,
}

/// Records one failed proof of identity for `staff_id` on this device; the count after it.
pub(crate) fn record_failure(tx: &mut WriteTx<'_>, staff_id: &str) -> Result<Count> {
    add(tx, staff_id, "failure")?;
    refresh(tx, staff_id)
}

/// Clears the count (a success, an unlock, a new password), when anything is counted.
pub(crate) fn clear(tx: &mut WriteTx<'_>, staff_id: &str) -> Result<()> {
    let counted: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM staff_lockout WHERE staff_id = ?1
               AND (failed_attempts > 0 OR locked_until IS NOT NULL))",
            [staff_id],
            |r| r.get(0),
        )
        .db()?;
    if counted {
        add(tx, staff_id, "cleared")?;
        refresh(tx, staff_id)?;
    }
    Ok(())
}

fn add(tx: &mut WriteTx<'_>, staff_id: &str, kind: &str) -> Result<()> {
    let id = new_id();
    let at = tx.now_ts();
    let device_id = tx.device_id()?.to_string();
    tx.execute(
        "INSERT INTO sign_in_events (id, staff_id, kind, at, device_id) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, staff_id, kind, at, device_id],
    )
    .db()?;
    tx.record_change(
        ENTITY,
        &id,
        ChangeOp::Insert,
        &json!({"staff_id": staff_id, "kind": kind, "at": at, "device_id": device_id}),
    )
}

fn event_kind(kind: &str) -> Option<SignInEvent> {
    match kind {
        "failure" => Some(SignInEvent::Failure),
        "cleared" => Some(SignInEvent::Cleared),
        _ => None,
    }
}

/// Derives `staff_id`'s count and lock from the events held, in `(time, id)` order, and keeps
/// them in `staff_lockout`. A clearing event starts the count again, so only the events from
/// the last one on are read, not the account's whole history.
pub(crate) fn refresh(conn: &Connection, staff_id: &str) -> Result<Count> {
    let last_cleared: (String, String) = conn
        .prepare_cached(
            "SELECT at, id FROM sign_in_events WHERE staff_id = ?1 AND kind = 'cleared'
              ORDER BY at DESC, id DESC LIMIT 1",
        )
        .db()?
        .query_row([staff_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .db()?
        .unwrap_or_default();
    let events: Vec<(String, String)> = conn
        .prepare_cached(
            "SELECT kind, at FROM sign_in_events
              WHERE staff_id = ?1 AND (at, id) >= (?2, ?3) ORDER BY at, id",
        )
        .db()?
        .query_map(params![staff_id, last_cleared.0, last_cleared.1], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    let mut timed = Vec::with_capacity(events.len());
    for (kind, at) in &events {
        let kind = event_kind(kind)
            .ok_or_else(|| Error::internal(format!("'{kind}' is not a sign-in event")))?;
        timed.push((parse_ts(at)?.timestamp_millis(), kind));
    }
    let (failures, until) = derive_lockout(timed);
    let locked_until = until.and_then(|ms| Utc.timestamp_millis_opt(ms).single());
    if failures == 0 && locked_until.is_none() {
        conn.execute("DELETE FROM staff_lockout WHERE staff_id = ?1", [staff_id])
            .db()?;
    } else {
        conn.execute(
            "INSERT INTO staff_lockout (staff_id, failed_attempts, locked_until) VALUES (?1, ?2, ?3)
             ON CONFLICT (staff_id) DO UPDATE SET failed_attempts = excluded.failed_attempts,
                 locked_until = excluded.locked_until",
            params![staff_id, failures, locked_until.map(ts)],
        )
        .db()?;
    }
    Ok(Count {
        failures,
        locked_until,
    })
}

/// Another device's sign-in event: a ledger row, inserted once; the count is derived again.
pub(crate) fn apply_event(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let p = &c.payload;
    if let Some(reason) = lacks(p, &["staff_id", "kind", "at", "device_id"]) {
        return Err(Error::invalid_input(reason));
    }
    let text = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or_default();
    let (staff_id, kind, at) = (text("staff_id"), text("kind"), text("at"));
    if event_kind(kind).is_none() {
        return Err(Error::invalid_input(format!(
            "'{kind}' is not a sign-in event"
        )));
    }
    parse_ts(at).map_err(|_| Error::invalid_input(format!("'{at}' is not a time")))?;
    if let Some(reason) = tx.missing_parent(&[("staff", "id", Some(staff_id))])? {
        return Ok(tx.park(reason));
    }
    let row = ["staff_id", "kind", "at", "device_id"].map(|k| (k, SqlValue::Text(text(k).into())));
    let outcome = tx.insert_ledger(ENTITY, &[("id", SqlValue::Text(c.entity_id.clone()))], &row)?;
    if outcome != Applied::AlreadyHeld {
        refresh(tx, staff_id)?;
    }
    Ok(outcome)
}
