//! Reading the audit trail back: verification of every device's chain, and listing.

use crate::foundation::write::{hex, unhex};
use crate::{SqlResult, sql_err};
use kassa_domain::Result;
use kassa_domain::audit::{
    AuditEntry, BadEntry, Break, StoredEntry, entry_hash, verify_chain_after,
};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

/// The outcome of verifying the whole audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub ok: bool,
    /// Entries verified, over all devices: walked now, or (incremental) before.
    pub entries: u64,
    /// Entries this verification walked and hashed.
    pub walked: u64,
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

/// How much of each chain a verification walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyMode {
    /// Every entry of every chain, from its first.
    Full,
    /// Only the entries after the last one verified here (`audit_verified`), after checking
    /// that that entry is still as it was verified.
    Incremental,
}

/// Verifies every device's whole chain and reports the first broken entry.
///
/// A stored hash that is not even hex is reported as an altered entry, not as a failure to read.
pub fn verify(conn: &Connection) -> Result<ChainReport> {
    verify_with(conn, VerifyMode::Full)
}

/// Verifies every device's chain as `mode` says, then that each other device's chain reaches
/// exactly the head the server published for it (`audit_heads`). Each chain that verifies
/// keeps its last entry as the place the next incremental verification starts after.
pub fn verify_with(conn: &Connection, mode: VerifyMode) -> Result<ChainReport> {
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
        .prepare(
            "SELECT * FROM audit_log WHERE device_id = ?1 AND device_seq > ?2 ORDER BY device_seq",
        )
        .db()?;
    let (mut total, mut walked) = (0u64, 0u64);
    let broken = |total, walked, bad| {
        Ok(ChainReport {
            ok: false,
            entries: total,
            walked,
            first_bad: Some(bad),
        })
    };
    for device in devices {
        let start = match mode {
            VerifyMode::Full => None,
            VerifyMode::Incremental => match checkpoint(conn, &device)? {
                Checkpoint::None => None,
                Checkpoint::Entry(e) => Some(*e),
                Checkpoint::Broken(bad) => return broken(total, walked + 1, bad),
            },
        };
        let after = start.as_ref().map_or(0, |s| s.entry.device_seq);
        let mut chain = Vec::new();
        let rows = stmt
            .query_map(
                params![device, i64::try_from(after).unwrap_or(i64::MAX)],
                row_to_stored,
            )
            .map_err(sql_err)?;
        for row in rows {
            let (entry, prev_hex, hash_hex) = row.db()?;
            let (id, device_seq) = (entry.id.clone(), entry.device_seq);
            let Some(s) = stored(entry, &prev_hex, &hash_hex) else {
                let bad = BadEntry {
                    id,
                    device_id: device.clone(),
                    device_seq,
                    reason: Break::Altered,
                };
                let n = chain.len() as u64 + 1;
                return broken(total + after + n, walked + n, bad);
            };
            chain.push(s);
        }
        // Places run from 1 without a gap up to the checkpoint, as verified before.
        total += after + chain.len() as u64;
        walked += chain.len() as u64;
        let own_head = own.as_ref().filter(|(id, _, _)| *id == device);
        let head = own_head.map(|(_, seq, _)| u64::try_from(*seq).unwrap_or(0));
        if let Some(bad) = verify_chain_after(start.as_ref(), &chain, head) {
            return broken(total, walked, bad);
        }
        let last = chain.last().or(start.as_ref());
        // The chain checks itself up to its last entry; the head this device keeps apart from
        // the log catches a last entry rewritten with a freshly computed hash.
        if let (Some((_, _, head_hex)), Some(last)) = (own_head, last)
            && unhex(head_hex).ok() != Some(last.hash)
        {
            return broken(
                total,
                walked,
                BadEntry {
                    id: last.entry.id.clone(),
                    device_id: last.entry.device_id.clone(),
                    device_seq: last.entry.device_seq,
                    reason: Break::Altered,
                },
            );
        }
        if let Some(last) = chain.last() {
            keep_checkpoint(conn, last)?;
        }
    }
    // Entries cut from the end of another device's chain leave no trace in what is left; the
    // head the server published for it does.
    if let Some(m) = crate::foundation::audit_heads::mismatches(conn)?
        .into_iter()
        .next()
    {
        let reason = if m.is_short() {
            Break::TailMissing
        } else {
            Break::DiffersFromServer
        };
        return broken(
            total,
            walked,
            BadEntry {
                id: m.held_id.unwrap_or_default(),
                device_id: m.device_id,
                device_seq: m.held_seq,
                reason,
            },
        );
    }
    Ok(ChainReport {
        ok: true,
        entries: total,
        walked,
        first_bad: None,
    })
}

/// An entry with its stored hashes parsed; `None` when one is not 64 hex digits.
fn stored(entry: AuditEntry, prev_hex: &str, hash_hex: &str) -> Option<StoredEntry> {
    match (unhex(prev_hex), unhex(hash_hex)) {
        (Ok(prev_hash), Ok(hash)) => Some(StoredEntry {
            entry,
            prev_hash,
            hash,
        }),
        _ => None,
    }
}

/// Where an incremental verification of a chain starts.
enum Checkpoint {
    /// Nothing verified yet: from the first entry.
    None,
    /// After this entry, which is still as it was verified.
    Entry(Box<StoredEntry>),
    /// The entry verified last has changed or gone since.
    Broken(BadEntry),
}

fn checkpoint(conn: &Connection, device: &str) -> Result<Checkpoint> {
    let mark: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_verified WHERE device_id = ?1",
            [device],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .db()?;
    let Some((seq, mark_hash)) = mark else {
        return Ok(Checkpoint::None);
    };
    let row = conn
        .query_row(
            "SELECT * FROM audit_log WHERE device_id = ?1 AND device_seq = ?2",
            params![device, seq],
            row_to_stored,
        )
        .optional()
        .db()?;
    let bad = |id: String, reason| {
        Checkpoint::Broken(BadEntry {
            id,
            device_id: device.to_owned(),
            device_seq: u64::try_from(seq).unwrap_or(0),
            reason,
        })
    };
    let Some((entry, prev_hex, hash_hex)) = row else {
        return Ok(bad(String::new(), Break::Missing));
    };
    let id = entry.id.clone();
    match stored(entry, &prev_hex, &hash_hex) {
        Some(s) if hash_hex == mark_hash && entry_hash(&s.prev_hash, &s.entry) == s.hash => {
            Ok(Checkpoint::Entry(Box::new(s)))
        }
        _ => Ok(bad(id, Break::Altered)),
    }
}

fn keep_checkpoint(conn: &Connection, last: &StoredEntry) -> Result<()> {
    conn.execute(
        "INSERT INTO audit_verified (device_id, seq, hash) VALUES (?1, ?2, ?3)
         ON CONFLICT (device_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        params![
            last.entry.device_id,
            i64::try_from(last.entry.device_seq).unwrap_or(i64::MAX),
            hex(&last.hash),
        ],
    )
    .db()?;
    Ok(())
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
