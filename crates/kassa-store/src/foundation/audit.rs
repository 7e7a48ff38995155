//! Reading the audit trail back: verification of every device's chain, and listing.

use crate::foundation::write::unhex;
use crate::{SqlResult, sql_err};
use kassa_domain::Result;
use kassa_domain::audit::{AuditEntry, BadEntry, Break, StoredEntry, verify_chain};
use rusqlite::{Connection, params_from_iter};

/// The outcome of verifying the whole audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub ok: bool,
    /// Entries checked, over all devices.
    pub entries: u64,
    pub first_bad: Option<BadEntry>,
}

fn row_to_stored(r: &rusqlite::Row<'_>) -> rusqlite::Result<(AuditEntry, String, String)> {
    let seq: i64 = r.get("device_seq")?;
    Ok((
        AuditEntry {
            id: r.get("id")?,
            device_id: r.get("device_id")?,
            device_seq: u64::try_from(seq).unwrap_or(0),
            at_utc: r.get("at_utc")?,
            clock_offset_ms: r.get("clock_offset_ms")?,
            actor_id: r.get("actor_id")?,
            approver_id: r.get("approver_id")?,
            action: r.get("action")?,
            entity: r.get("entity")?,
            entity_id: r.get("entity_id")?,
            before: r.get("before")?,
            after: r.get("after")?,
        },
        r.get("prev_hash")?,
        r.get("hash")?,
    ))
}

/// Verifies every device's chain and reports the first broken entry.
///
/// A stored hash that is not even hex is reported as an altered entry, not as a failure to read.
pub fn verify(conn: &Connection) -> Result<ChainReport> {
    let own: Option<(String, i64, String)> = conn
        .query_row("SELECT id, audit_seq, audit_head FROM device", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .ok();
    let mut devices: Vec<String> = conn
        .prepare("SELECT DISTINCT device_id FROM audit_log ORDER BY device_id")
        .db()?
        .query_map([], |r| r.get(0))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    if let Some((id, _, _)) = &own
        && !devices.contains(id)
    {
        devices.push(id.clone());
    }
    let mut stmt = conn
        .prepare("SELECT * FROM audit_log WHERE device_id = ?1 ORDER BY device_seq")
        .db()?;
    let mut total = 0u64;
    for device in devices {
        let mut chain = Vec::new();
        let rows = stmt.query_map([&device], row_to_stored).map_err(sql_err)?;
        for row in rows {
            let (entry, prev_hex, hash_hex) = row.db()?;
            let (prev_hash, hash) = match (unhex(&prev_hex), unhex(&hash_hex)) {
                (Ok(p), Ok(h)) => (p, h),
                _ => {
                    return Ok(ChainReport {
                        ok: false,
                        entries: total + chain.len() as u64 + 1,
                        first_bad: Some(BadEntry {
                            id: entry.id,
                            device_id: entry.device_id,
                            device_seq: entry.device_seq,
                            reason: Break::Altered,
                        }),
                    });
                }
            };
            chain.push(StoredEntry {
                entry,
                prev_hash,
                hash,
            });
        }
        total += chain.len() as u64;
        let own_head = own.as_ref().filter(|(id, _, _)| *id == device);
        let head = own_head.map(|(_, seq, _)| u64::try_from(*seq).unwrap_or(0));
        if let Some(bad) = verify_chain(&chain, head) {
            return Ok(ChainReport {
                ok: false,
                entries: total,
                first_bad: Some(bad),
            });
        }
        // The chain checks itself up to its last entry; the head this device keeps apart from
        // the log catches a last entry rewritten with a freshly computed hash.
        if let (Some((_, _, head_hex)), Some(last)) = (own_head, chain.last())
            && unhex(head_hex).ok() != Some(last.hash)
        {
            return Ok(ChainReport {
                ok: false,
                entries: total,
                first_bad: Some(BadEntry {
                    id: last.entry.id.clone(),
                    device_id: last.entry.device_id.clone(),
                    device_seq: last.entry.device_seq,
                    reason: Break::Altered,
                }),
            });
        }
    }
    Ok(ChainReport {
        ok: true,
        entries: total,
        first_bad: None,
    })
}

/// One entry for the audit screen.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub entry: AuditEntry,
    pub actor_email: Option<String>,
    pub approver_email: Option<String>,
}

/// Filters for listing entries; all optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Action prefix, e.g. `auth.` for every sign-in event.
    pub action_prefix: Option<String>,
    pub actor_id: Option<String>,
    /// Entries where this person acted or approved.
    pub person_id: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// RFC 3339 lower bound (inclusive).
    pub since: Option<String>,
    /// RFC 3339 upper bound (exclusive).
    pub until: Option<String>,
    pub limit: u32,
}

/// Lists entries, newest first.
pub fn list(conn: &Connection, f: &AuditFilter) -> Result<Vec<AuditRow>> {
    let mut sql = String::from(
        "SELECT a.*, s1.email AS actor_email, s2.email AS approver_email FROM audit_log a
         LEFT JOIN staff s1 ON s1.id = a.actor_id LEFT JOIN staff s2 ON s2.id = a.approver_id WHERE 1=1",
    );
    let mut args: Vec<String> = Vec::new();
    if let Some(p) = &f.action_prefix {
        args.push(format!("{}%", p.replace('%', "").replace('_', "\\_")));
        sql.push_str(&format!(" AND a.action LIKE ?{} ESCAPE '\\'", args.len()));
    }
    for (col, val) in [
        ("a.actor_id", &f.actor_id),
        ("a.entity", &f.entity),
        ("a.entity_id", &f.entity_id),
    ] {
        if let Some(v) = val {
            args.push(v.clone());
            sql.push_str(&format!(" AND {col} = ?{}", args.len()));
        }
    }
    if let Some(p) = &f.person_id {
        args.push(p.clone());
        sql.push_str(&format!(
            " AND (a.actor_id = ?{n} OR a.approver_id = ?{n})",
            n = args.len()
        ));
    }
    if let Some(s) = &f.since {
        args.push(s.clone());
        sql.push_str(&format!(" AND a.at_utc >= ?{}", args.len()));
    }
    if let Some(u) = &f.until {
        args.push(u.clone());
        sql.push_str(&format!(" AND a.at_utc < ?{}", args.len()));
    }
    let limit = if f.limit == 0 {
        200
    } else {
        f.limit.min(5_000)
    };
    sql.push_str(&format!(
        " ORDER BY a.at_utc DESC, a.device_seq DESC LIMIT {limit}"
    ));
    let mut stmt = conn.prepare(&sql).db()?;
    let rows = stmt
        .query_map(params_from_iter(args.iter()), |r| {
            let (entry, _, _) = row_to_stored(r)?;
            Ok(AuditRow {
                entry,
                actor_email: r.get("actor_email")?,
                approver_email: r.get("approver_email")?,
            })
        })
        .db()?;
    rows.collect::<rusqlite::Result<Vec<_>>>().db()
}
