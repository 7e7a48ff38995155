//! A store's change log: pushes append to it, pulls page through it.

use crate::error::{db, out_of_range};
use crate::registry::record_audit;
use crate::sql;
use deadpool_postgres::{Client, Transaction};
use kassa_server_storage::{AuditLink, Page, PushInput, Pushed, Result, StorageError, link_audit};
use kassa_sync_protocol::wire::{AuditHead, LogEntry, MAX_PAGE_BYTES, PushedChange, RawPayload};
use kassa_sync_protocol::{Change, ChangeOp};
use serde_json::json;
use std::collections::HashMap;
use tokio_postgres::error::SqlState;
use tokio_postgres::{IsolationLevel, Row};

/// A device sequence as the database keeps it; a larger one is refused as the SQLite
/// backend refuses it.
fn seq_to_db(seq: u64) -> Result<i64> {
    i64::try_from(seq).map_err(|_| StorageError::Conflict(format!("seq {seq} is too large")))
}

/// A stored count or place as the protocol carries it.
fn seq_from_db(what: &str, value: i64) -> Result<u64> {
    u64::try_from(value).map_err(|_| out_of_range(what, value))
}

/// The HLC stamp's 64 bits kept in a BIGINT unchanged, so every stamp comes back as it was.
fn hlc_to_db(hlc: u64) -> i64 {
    i64::from_ne_bytes(hlc.to_ne_bytes())
}

fn hlc_from_db(hlc: i64) -> u64 {
    u64::from_ne_bytes(hlc.to_ne_bytes())
}

pub async fn push(client: &mut Client, input: PushInput) -> Result<Pushed> {
    let tx = client.transaction().await.map_err(db)?;
    // The store's counter row is the lock that orders this store's pushes: the next push
    // reads the counter only once this one has committed, so places follow commit order.
    let last_seq: i64 = sql::query_opt(
        &tx,
        "SELECT last_seq FROM stores WHERE id = $1 FOR UPDATE",
        &[&input.store_id],
    )
    .await
    .map_err(db)?
    .ok_or_else(|| StorageError::NotFound(format!("store {}", input.store_id)))?
    .get(0);

    let replay = sql::query_opt(
        &tx,
        "SELECT batch_hash, accepted, acked_seq FROM push_batches
             WHERE device_id = $1 AND batch_id = $2",
        &[&input.device_id, &input.batch_id],
    )
    .await
    .map_err(db)?;
    if let Some(row) = replay {
        let hash: String = row.get(0);
        if hash != input.batch_hash {
            return Err(StorageError::IdempotencyMismatch);
        }
        return Ok(Pushed {
            accepted: seq_from_db("accepted", row.get(1))?,
            acked_seq: seq_from_db("acked_seq", row.get(2))?,
        });
    }

    let acked: i64 = sql::query_opt(
        &tx,
        "SELECT acked_seq FROM devices WHERE device_id = $1 AND store_id = $2",
        &[&input.device_id, &input.store_id],
    )
    .await
    .map_err(db)?
    .ok_or_else(|| StorageError::NotFound(format!("device {} in this store", input.device_id)))?
    .get(0);
    let acked = seq_from_db("acked_seq", acked)?;

    let (resent, fresh): (
        Vec<&PushedChange<RawPayload>>,
        Vec<&PushedChange<RawPayload>>,
    ) = input.changes.iter().partition(|c| c.seq <= acked);
    if let Some(forked) = first_differing(&tx, &input.device_id, &resent).await? {
        block_device(&tx, &input, forked).await?;
        tx.commit().await.map_err(db)?;
        return Err(StorageError::DeviceCloned { seq: forked.seq });
    }
    if let Some(first) = fresh.first()
        && first.seq != acked + 1
    {
        return Err(StorageError::SequenceGap {
            acked_seq: acked,
            first_seq: first.seq,
        });
    }
    // The HTTP layer checks this too; the log's places depend on it.
    if fresh.windows(2).any(|w| w[1].seq != w[0].seq + 1) {
        return Err(StorageError::Conflict(
            "the batch's sequences are not consecutive".into(),
        ));
    }

    // The batch's new audit entries must continue the chain the server holds.
    let fresh_audit: Vec<&AuditLink> = input
        .audit
        .iter()
        .filter(|l| l.outbox_seq > acked)
        .collect();
    if let Some(last) = fresh_audit.last() {
        let head = sql::query_opt(
            &tx,
            "SELECT seq, hash FROM audit_heads WHERE device_id = $1",
            &[&input.device_id],
        )
        .await
        .map_err(db)?
        .map(|r| (r.get::<_, i64>(0), r.get::<_, String>(1)));
        let head = match &head {
            Some((seq, hash)) => Some((seq_from_db("audit seq", *seq)?, hash.as_str())),
            None => None,
        };
        link_audit(head, &fresh_audit)?;
        // The head's log place: the fresh changes take `last_seq + 1` on, in order.
        let offset = fresh
            .iter()
            .position(|c| c.seq == last.outbox_seq)
            .ok_or_else(|| {
                StorageError::Conflict("an audit entry is not among the batch's changes".into())
            })?;
        let place = last_seq + seq_to_db(offset as u64 + 1)?;
        sql::execute(
            &tx,
            "INSERT INTO audit_heads (device_id, store_id, seq, hash, server_seq)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (device_id) DO UPDATE SET
                 seq = EXCLUDED.seq, hash = EXCLUDED.hash, server_seq = EXCLUDED.server_seq",
            &[
                &input.device_id,
                &input.store_id,
                &seq_to_db(last.device_seq)?,
                &last.hash,
                &place,
            ],
        )
        .await
        .map_err(db)?;
    }

    let accepted = fresh.len() as u64;
    let acked_now = fresh.last().map_or(acked, |c| c.seq);
    if !fresh.is_empty() {
        append(&tx, &input, last_seq, &fresh).await?;
        crate::email::keep_facts(&tx, &input, &fresh).await?;
        sql::execute(
            &tx,
            "UPDATE stores SET last_seq = last_seq + $2 WHERE id = $1",
            &[&input.store_id, &seq_to_db(accepted)?],
        )
        .await
        .map_err(db)?;
    }
    let acked_db = seq_to_db(acked_now)?;
    sql::execute(
        &tx,
        "UPDATE devices SET acked_seq = $2, last_sync_at = $3 WHERE device_id = $1",
        &[&input.device_id, &acked_db, &input.now],
    )
    .await
    .map_err(db)?;
    sql::execute(
        &tx,
        "INSERT INTO push_batches
             (device_id, batch_id, batch_hash, accepted, acked_seq, pushed_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &input.device_id,
            &input.batch_id,
            &input.batch_hash,
            &seq_to_db(accepted)?,
            &acked_db,
            &input.now,
        ],
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(Pushed {
        accepted,
        acked_seq: acked_now,
    })
}

/// The first resent change that is not the very change held at its sequence, if any.
async fn first_differing<'a>(
    tx: &Transaction<'_>,
    device_id: &str,
    resent: &[&'a PushedChange<RawPayload>],
) -> Result<Option<&'a PushedChange<RawPayload>>> {
    if resent.is_empty() {
        return Ok(None);
    }
    let seqs = resent
        .iter()
        .map(|c| seq_to_db(c.seq))
        .collect::<Result<Vec<i64>>>()?;
    let held: HashMap<i64, String> = sql::query(
        tx,
        "SELECT device_seq, change_id FROM change_log
             WHERE device_id = $1 AND device_seq = ANY($2)",
        &[&device_id, &seqs],
    )
    .await
    .map_err(db)?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    Ok(resent
        .iter()
        .zip(&seqs)
        .find(|(c, seq)| held.get(seq) != Some(&c.change.change_id))
        .map(|(c, _)| *c))
}

/// Blocks a device that showed it was restored or copied, and audits it.
async fn block_device(
    tx: &Transaction<'_>,
    input: &PushInput,
    forked: &PushedChange<RawPayload>,
) -> Result<()> {
    sql::execute(
        tx,
        "UPDATE devices SET blocked_at = COALESCE(blocked_at, $2) WHERE device_id = $1",
        &[&input.device_id, &input.now],
    )
    .await
    .map_err(db)?;
    record_audit(
        tx,
        &input.now,
        &input.store_id,
        "device.blocked",
        Some(&input.device_id),
        json!({ "seq": forked.seq, "change_id": forked.change.change_id }),
    )
    .await
}

/// Appends new changes at the log's next places, in one statement.
async fn append(
    tx: &Transaction<'_>,
    input: &PushInput,
    last_seq: i64,
    fresh: &[&PushedChange<RawPayload>],
) -> Result<()> {
    let mut change_ids = Vec::with_capacity(fresh.len());
    let mut device_seqs = Vec::with_capacity(fresh.len());
    let mut entities = Vec::with_capacity(fresh.len());
    let mut entity_ids = Vec::with_capacity(fresh.len());
    let mut ops = Vec::with_capacity(fresh.len());
    let mut payloads = Vec::with_capacity(fresh.len());
    let mut hlcs = Vec::with_capacity(fresh.len());
    for c in fresh {
        change_ids.push(c.change.change_id.as_str());
        device_seqs.push(seq_to_db(c.seq)?);
        entities.push(c.change.entity.as_str());
        entity_ids.push(c.change.entity_id.as_str());
        ops.push(c.change.op.as_str());
        payloads.push(c.change.payload.as_str());
        hlcs.push(hlc_to_db(c.change.hlc));
    }
    sql::execute(
        tx,
        "INSERT INTO change_log (store_id, server_seq, change_id, device_id, device_seq,
                                 entity, entity_id, op, payload, hlc)
         SELECT $1, $2 + t.n, t.change_id, $3, t.device_seq,
                t.entity, t.entity_id, t.op, t.payload, t.hlc
         FROM UNNEST($4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[],
                     $9::text[], $10::bigint[])
              WITH ORDINALITY AS t(change_id, device_seq, entity, entity_id, op, payload, hlc, n)",
        &[
            &input.store_id,
            &last_seq,
            &input.device_id,
            &change_ids,
            &device_seqs,
            &entities,
            &entity_ids,
            &ops,
            &payloads,
            &hlcs,
        ],
    )
    .await
    .map_err(|e| {
        if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            StorageError::Conflict(
                "a change of this batch is already in the log at another place".into(),
            )
        } else {
            db(e)
        }
    })?;
    Ok(())
}

pub async fn pull(
    client: &mut Client,
    store_id: &str,
    reader_device: &str,
    after: u64,
    limit: u32,
) -> Result<Page> {
    // One snapshot for the page and the count after it.
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(db)?;
    // A cursor past every place a BIGINT holds has nothing after it.
    let after_db = i64::try_from(after).unwrap_or(i64::MAX);
    // The page ends with the entry that takes its payloads past the byte limit: an entry is
    // in it when the payloads before it are within the limit.
    let rows = sql::query(
        &tx,
        "SELECT server_seq, change_id, device_id, entity, entity_id, op, payload, hlc
             FROM (SELECT server_seq, change_id, device_id, entity, entity_id, op, payload, hlc,
                          sum(octet_length(payload)) OVER (ORDER BY server_seq
                              ROWS UNBOUNDED PRECEDING) - octet_length(payload) AS before
                     FROM change_log WHERE store_id = $1 AND server_seq > $2
                     ORDER BY server_seq LIMIT $3) page
             WHERE before <= $4
             ORDER BY server_seq",
        &[
            &store_id,
            &after_db,
            &i64::from(limit),
            &i64::try_from(MAX_PAGE_BYTES).unwrap_or(i64::MAX),
        ],
    )
    .await
    .map_err(db)?;
    let last_seq: i64 = sql::query_opt(
        &tx,
        "SELECT last_seq FROM stores WHERE id = $1",
        &[&store_id],
    )
    .await
    .map_err(db)?
    .map_or(0, |r| r.get(0));
    let store_key_epoch = crate::registry::key_epoch(&tx, store_id).await?;
    let audit_heads = sql::query(
        &tx,
        "SELECT device_id, seq, hash, server_seq FROM audit_heads
             WHERE store_id = $1 ORDER BY device_id",
        &[&store_id],
    )
    .await
    .map_err(db)?
    .iter()
    .map(|r| {
        Ok(AuditHead {
            device_id: r.get(0),
            seq: seq_from_db("audit seq", r.get(1))?,
            hash: r.get(2),
            server_seq: seq_from_db("server_seq", r.get(3))?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    tx.commit().await.map_err(db)?;

    let cursor = match rows.last() {
        Some(r) => seq_from_db("server_seq", r.get(0))?,
        None => after,
    };
    let changes = rows
        .iter()
        .filter(|r| r.get::<_, &str>(2) != reader_device)
        .map(log_entry)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page {
        audit_heads,
        changes,
        cursor,
        remaining: seq_from_db("last_seq", last_seq)?.saturating_sub(cursor),
        store_key_epoch,
    })
}

fn log_entry(r: &Row) -> Result<LogEntry<RawPayload>> {
    let op: &str = r.get(5);
    let payload: String = r.get(6);
    Ok(LogEntry {
        server_seq: seq_from_db("server_seq", r.get(0))?,
        change: Change {
            change_id: r.get(1),
            device_id: r.get(2),
            entity: r.get(3),
            entity_id: r.get(4),
            op: ChangeOp::parse(op)
                .ok_or_else(|| StorageError::Backend(format!("unknown op {op:?} in the log")))?,
            payload: RawPayload::from_json(payload).map_err(|e| {
                StorageError::Backend(format!("a change's payload in the log is not JSON: {e}"))
            })?,
            hlc: hlc_from_db(r.get(7)),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hlc_stamp_survives_the_bigint_column() {
        for hlc in [0, 1, (1_764_000_000_000 << 16) | 7, u64::MAX, 1 << 63] {
            assert_eq!(hlc_from_db(hlc_to_db(hlc)), hlc);
        }
    }
}
