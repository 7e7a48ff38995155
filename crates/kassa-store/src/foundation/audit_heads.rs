//! The heads of other devices' audit chains as the server publishes them with a pull, and the
//! check that this device holds each of those chains up to exactly its published head.
//!
//! A chain's own entries show an edit or a gap, but not a tail cut off after the last entry
//! still held: the head the server holds shows it. A head is compared only once this device
//! has pulled past its log place (`server_seq`), so a head whose entries are still on their
//! way is never a false alarm. This device's own chain is left out: a server holding more of
//! it than the device (a device restored from a backup) is refused as `device_cloned` at the
//! next push.

use crate::foundation::apply::{conflict_id, cursor};
use crate::{SqlResult, Store};
use kassa_domain::Result;
use kassa_sync_protocol::wire::AuditHead;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

/// The conflict kind of a chain held short of, or other than, its published head.
pub const MISMATCH_KIND: &str = "audit_head_mismatch";

/// Another device's chain as held here, against the head the server published for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadMismatch {
    pub device_id: String,
    pub published_seq: u64,
    pub published_hash: String,
    /// The last entry of the chain held here: its place (0 when none is held), id and hash.
    pub held_seq: u64,
    pub held_id: Option<String>,
    pub held_hash: Option<String>,
}

impl HeadMismatch {
    /// True when the chain held here ends before the published head: its tail was cut off.
    pub fn is_short(&self) -> bool {
        self.held_seq < self.published_seq
    }
}

/// Keeps the heads published with a pull's last page (a head never moves back) and records an
/// `audit_head_mismatch` conflict for each chain that is due and held short of its head or
/// other than it. Returns the conflicts newly recorded.
pub fn record_published(store: &mut Store, heads: &[AuditHead]) -> Result<u64> {
    store.write(|tx| {
        let now = tx.now_ts();
        let own = tx.device_id()?.to_owned();
        for h in heads.iter().filter(|h| h.device_id != own) {
            let (Ok(seq), Ok(server_seq)) = (i64::try_from(h.seq), i64::try_from(h.server_seq))
            else {
                continue;
            };
            tx.exec(
                "INSERT INTO audit_published_heads (device_id, seq, hash, server_seq, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (device_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
                     server_seq = excluded.server_seq, received_at = excluded.received_at
                 WHERE excluded.seq >= audit_published_heads.seq",
                params![h.device_id, seq, h.hash, server_seq, now],
            )?;
        }
        let mut recorded = 0;
        for m in mismatches(tx)? {
            let id = conflict_id(MISMATCH_KIND, "audit_log", &m.device_id);
            let held: Option<String> = tx.row("SELECT id FROM conflicts WHERE id = ?1", [&id], |r| r.get(0))?;
            if held.is_some() {
                continue;
            }
            let detail = json!({
                "device_id": m.device_id,
                "why": if m.is_short() {
                    "this device holds the chain only up to an earlier entry: its tail was cut off here"
                } else {
                    "the chain held here ends with another entry than the one the server holds"
                },
                "published": {"seq": m.published_seq, "hash": m.published_hash},
                "held": {"seq": m.held_seq, "id": m.held_id, "hash": m.held_hash},
            });
            tx.exec(
                "INSERT INTO conflicts (id, kind, entity, entity_id, detail, change_id, hlc, device_id, created_at)
                 VALUES (?1, ?2, 'audit_log', ?3, ?4, '', 0, ?3, ?5)",
                params![id, MISMATCH_KIND, m.device_id, detail.to_string(), now],
            )?;
            recorded += 1;
        }
        Ok(recorded)
    })
}

/// Every chain whose published head this device has pulled past and that it holds short of
/// that head or other than it.
pub fn mismatches(conn: &Connection) -> Result<Vec<HeadMismatch>> {
    let pulled = i64::try_from(cursor(conn)?).unwrap_or(i64::MAX);
    let own: Option<String> = conn
        .query_row("SELECT id FROM device", [], |r| r.get(0))
        .optional()
        .db()?;
    let mut stmt = conn
        .prepare(
            "SELECT device_id, seq, hash FROM audit_published_heads
             WHERE server_seq <= ?1 ORDER BY device_id",
        )
        .db()?;
    let due = stmt
        .query_map([pulled], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    let mut last = conn
        .prepare(
            "SELECT device_seq, id, hash FROM audit_log WHERE device_id = ?1
             ORDER BY device_seq DESC LIMIT 1",
        )
        .db()?;
    let mut out = Vec::new();
    for (device_id, seq, hash) in due {
        if own.as_deref() == Some(device_id.as_str()) {
            continue;
        }
        let held: Option<(i64, String, String)> = last
            .query_row([&device_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()
            .db()?;
        let (held_seq, held_id, held_hash) = match held {
            Some((s, id, h)) => (s, Some(id), Some(h)),
            None => (0, None, None),
        };
        if held_seq == seq && held_hash.as_deref() == Some(hash.as_str()) {
            continue;
        }
        out.push(HeadMismatch {
            device_id,
            published_seq: u64::try_from(seq).unwrap_or(0),
            published_hash: hash,
            held_seq: u64::try_from(held_seq).unwrap_or(0),
            held_id,
            held_hash,
        });
    }
    Ok(out)
}
