//! What this device has not yet handed to the server.

use crate::SqlResult;
use kassa_domain::Result;
use kassa_sync_protocol::wire::RawPayload;
use rusqlite::Connection;

/// Counts of changes waiting in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxSummary {
    pub pending: u64,
    /// Bytes of payload waiting.
    pub bytes: u64,
}

/// How much is waiting to be pushed.
pub fn summary(conn: &Connection) -> Result<OutboxSummary> {
    let (n, bytes): (i64, i64) = conn
        .query_row(
            "SELECT count(*), coalesce(sum(length(payload)), 0) FROM outbox",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .db()?;
    Ok(OutboxSummary {
        pending: u64::try_from(n).unwrap_or(0),
        bytes: u64::try_from(bytes).unwrap_or(0),
    })
}

/// One waiting change, for the outbox screen.
#[derive(Debug, Clone)]
pub struct PendingChange {
    pub seq: i64,
    pub entity: String,
    pub entity_id: String,
    pub op: String,
    pub created_at: String,
}

/// The oldest waiting changes first, at most `limit`.
pub fn list(conn: &Connection, limit: u32) -> Result<Vec<PendingChange>> {
    let mut stmt = conn
        .prepare("SELECT seq, entity, entity_id, op, created_at FROM outbox ORDER BY seq LIMIT ?1")
        .db()?;
    let rows = stmt
        .query_map([limit], |r| {
            Ok(PendingChange {
                seq: r.get(0)?,
                entity: r.get(1)?,
                entity_id: r.get(2)?,
                op: r.get(3)?,
                created_at: r.get(4)?,
            })
        })
        .db()?;
    rows.collect::<rusqlite::Result<Vec<_>>>().db()
}

/// The oldest waiting changes as the sync protocol carries them, at most `limit`.
pub fn pending_changes(conn: &Connection, limit: u32) -> Result<Vec<kassa_sync_protocol::Change>> {
    pending_with_seq(conn, limit, usize::MAX)?
        .into_iter()
        .map(|(_, c)| {
            let id = c.change_id.clone();
            c.map_payload(|p| p.to_value())
                .map_err(|_| damaged(&id, "payload"))
        })
        .collect()
}

/// A stored change that does not read as one.
fn damaged(change_id: &str, what: &str) -> kassa_domain::Error {
    kassa_domain::Error::new(
        kassa_domain::ErrorCode::Storage,
        format!("outbox change {change_id} has a damaged {what}"),
    )
}

/// What one change adds to a push body besides its payload and its texts: the field names,
/// quotes and separators, the sequence and the clock stamp (at most 20 digits each), with
/// room to spare.
const CHANGE_ENVELOPE_BYTES: usize = 160;

/// The bytes a change takes in a push body, near enough and never under: its payload as
/// stored (the same JSON the push carries) and its texts, with the envelope.
fn push_bytes(texts: [&str; 5]) -> usize {
    texts.iter().map(|t| t.len()).sum::<usize>() + CHANGE_ENVELOPE_BYTES
}

/// The oldest waiting changes with their outbox sequence: at most `limit`, and no more than
/// fit in `max_bytes` of push body (see [`push_bytes`]), but always the oldest one, so one
/// large change cannot hold the outbox back behind a limit nothing could meet. Payloads are
/// the JSON text the outbox keeps, checked to be JSON: a push carries them as they are.
pub fn pending_with_seq(
    conn: &Connection,
    limit: u32,
    max_bytes: usize,
) -> Result<Vec<(u64, kassa_sync_protocol::Change<RawPayload>)>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT seq, change_id, entity, entity_id, op, payload, hlc, device_id FROM outbox ORDER BY seq LIMIT ?1",
        )
        .db()?;
    let mut rows = stmt.query([limit]).db()?;
    let mut out = Vec::new();
    let mut bytes = 0usize;
    while let Some(r) = rows.next().db()? {
        let (seq, change_id, entity, entity_id, op, payload, hlc, device_id) = (
            r.get::<_, i64>(0).db()?,
            r.get::<_, String>(1).db()?,
            r.get::<_, String>(2).db()?,
            r.get::<_, String>(3).db()?,
            r.get::<_, String>(4).db()?,
            r.get::<_, String>(5).db()?,
            r.get::<_, i64>(6).db()?,
            r.get::<_, String>(7).db()?,
        );
        bytes = bytes.saturating_add(push_bytes([
            &change_id, &entity, &entity_id, &payload, &device_id,
        ]));
        if bytes > max_bytes && !out.is_empty() {
            break;
        }
        let seq = u64::try_from(seq).map_err(|_| damaged(&change_id, "sequence"))?;
        out.push((
            seq,
            kassa_sync_protocol::Change {
                op: kassa_sync_protocol::ChangeOp::parse(&op)
                    .ok_or_else(|| damaged(&change_id, "op"))?,
                payload: RawPayload::from_json(payload)
                    .map_err(|_| damaged(&change_id, "payload"))?,
                hlc: u64::try_from(hlc).map_err(|_| damaged(&change_id, "clock stamp"))?,
                change_id,
                entity,
                entity_id,
                device_id,
            },
        ));
    }
    Ok(out)
}

/// What a waiting change is about, for people: the outbox screen groups by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OutboxKind {
    Sales,
    Refunds,
    Cash,
    Stock,
    Catalog,
    Customers,
    Vouchers,
    Bookings,
    Staff,
    Settings,
    Emails,
    Conflicts,
    Audit,
    Other,
}

impl OutboxKind {
    /// The kind of an outbox entity (a table's carrier in `foundation::tables`).
    pub fn of(entity: &str) -> OutboxKind {
        match entity {
            "orders" | "payment_outcomes" => OutboxKind::Sales,
            "refunds" | "refund_outcomes" => OutboxKind::Refunds,
            "cash_movements" | "shifts" | "drawer_opens" | "z_reports" => OutboxKind::Cash,
            "stock_movements" | "stock_batches" | "locations" => OutboxKind::Stock,
            "products" | "categories" | "tax_classes" | "price_history" => OutboxKind::Catalog,
            "customers" => OutboxKind::Customers,
            "vouchers" | "voucher_movements" => OutboxKind::Vouchers,
            "bookings" | "trips" | "trip_options" | "capacity_pools" | "departures"
            | "booking_waitlist" => OutboxKind::Bookings,
            "staff" | "invitations" | "backup_codes" | "totp_steps" | "sign_in_events"
            | "commission_entries" => OutboxKind::Staff,
            "settings" | "stores" | "commission_rates" => OutboxKind::Settings,
            "email_outbox" => OutboxKind::Emails,
            "conflict_resolutions" => OutboxKind::Conflicts,
            "audit_log" => OutboxKind::Audit,
            _ => OutboxKind::Other,
        }
    }
}

/// The waiting changes of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxGroup {
    pub kind: OutboxKind,
    /// Changes waiting.
    pub changes: u64,
    /// Distinct records they are about (a sale's document and its later events count once).
    pub records: u64,
    pub oldest_at: String,
    pub newest_at: String,
}

/// The waiting changes grouped by kind, in [`OutboxKind`] order.
pub fn by_kind(conn: &Connection) -> Result<Vec<OutboxGroup>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT entity, count(*), count(DISTINCT entity_id), min(created_at), max(created_at)
             FROM outbox GROUP BY entity",
        )
        .db()?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    let mut groups: std::collections::BTreeMap<OutboxKind, OutboxGroup> = Default::default();
    for (entity, changes, records, oldest, newest) in rows {
        let kind = OutboxKind::of(&entity);
        let g = groups.entry(kind).or_insert_with(|| OutboxGroup {
            kind,
            changes: 0,
            records: 0,
            oldest_at: oldest.clone(),
            newest_at: newest.clone(),
        });
        g.changes += u64::try_from(changes).unwrap_or(0);
        g.records += u64::try_from(records).unwrap_or(0);
        if oldest < g.oldest_at {
            g.oldest_at = oldest;
        }
        if newest > g.newest_at {
            g.newest_at = newest;
        }
    }
    Ok(groups.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::OutboxKind;
    use crate::foundation::tables::TABLES;

    #[test]
    fn every_synced_entity_has_a_kind_people_recognise() {
        for (table, _, carrier) in TABLES {
            if let Some((entity, _)) = carrier {
                assert_ne!(
                    OutboxKind::of(entity),
                    OutboxKind::Other,
                    "the outbox entity {entity} (table {table}) has no kind"
                );
            }
        }
    }
}
