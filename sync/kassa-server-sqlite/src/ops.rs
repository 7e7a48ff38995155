//! Each storage operation as one SQLite transaction.

use crate::backend;
use kassa_server_storage::{
    AuditLink, DeviceAuth, EmailCounts, EmailJob, EmailOutcome, EmailRecord, EmailStatus,
    INVITATION_EMAIL_KIND, NewEmail, NewPairingCode, OPEN_CARD_STATUSES, Page, PairInput, Paired,
    PushInput, Pushed, Result, RevokeInput, SealedStoreKey, ServerAuditEntry, StorageError,
    StoreHealth, email_facts, link_audit,
};
use kassa_sync_protocol::wire::{
    AuditHead, DeviceRecord, LogEntry, MAX_PAGE_BYTES, PushedChange, RawPayload,
};
use kassa_sync_protocol::{Change, ChangeOp};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

fn write_tx(c: &mut Connection) -> Result<Transaction<'_>> {
    c.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)
}

fn read_tx(c: &mut Connection) -> Result<Transaction<'_>> {
    c.transaction_with_behavior(TransactionBehavior::Deferred)
        .map_err(backend)
}

/// SQLite integers are signed; the protocol's numbers are unsigned.
fn to_i64(n: u64, what: &str) -> Result<i64> {
    i64::try_from(n).map_err(|_| StorageError::Conflict(format!("{what} {n} is too large")))
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn is_constraint(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation)
}

fn audit_entry(
    tx: &Transaction<'_>,
    store_id: &str,
    at: &str,
    action: &str,
    device_id: Option<&str>,
    detail: serde_json::Value,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO audit (store_id, at, action, device_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut st| st.execute(params![store_id, at, action, device_id, detail.to_string()]))
    .map_err(backend)?;
    Ok(())
}

fn store_exists(tx: &Transaction<'_>, store_id: &str) -> Result<bool> {
    tx.query_row("SELECT 1 FROM stores WHERE id = ?1", [store_id], |_| Ok(()))
        .optional()
        .map(|r| r.is_some())
        .map_err(backend)
}

pub(crate) fn add_pairing_code(c: &mut Connection, code: &NewPairingCode) -> Result<()> {
    let tx = write_tx(c)?;
    if let Some(store_id) = &code.store_id
        && !store_exists(&tx, store_id)?
    {
        return Err(StorageError::NotFound(format!("store {store_id}")));
    }
    tx.execute(
        "INSERT INTO pairing_codes (code_hash, store_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![code.code_hash, code.store_id, code.created_at, code.expires_at],
    )
    .map_err(|e| {
        if is_constraint(&e) {
            StorageError::Conflict("this pairing code exists already".into())
        } else {
            backend(e)
        }
    })?;
    if let Some(store_id) = &code.store_id {
        let detail = serde_json::json!({ "expires_at": code.expires_at });
        audit_entry(
            &tx,
            store_id,
            &code.created_at,
            "pairing_code.created",
            None,
            detail,
        )?;
    }
    tx.commit().map_err(backend)
}

pub(crate) fn pair(c: &mut Connection, input: &PairInput) -> Result<Paired> {
    let tx = write_tx(c)?;
    let code: Option<(Option<String>, String, Option<String>)> = tx
        .query_row(
            "SELECT store_id, expires_at, used_at FROM pairing_codes WHERE code_hash = ?1",
            [&input.code_hash],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(backend)?;
    let code_store = match code {
        Some((store_id, expires_at, None)) if expires_at.as_str() > input.now.as_str() => store_id,
        _ => return Err(StorageError::PairingCodeInvalid),
    };

    let store_id = match (code_store, &input.store) {
        (None, None) => {
            return Err(StorageError::Conflict(
                "a new store's first device must bring its store".into(),
            ));
        }
        (None, Some(store)) => {
            if store_exists(&tx, &store.id)? {
                return Err(StorageError::Conflict(format!(
                    "store {} is already paired",
                    store.id
                )));
            }
            let Some(key) = input.sealed_store_key.as_deref().filter(|k| !k.is_empty()) else {
                return Err(StorageError::InvalidInput(
                    "a new store's first device must bring its store key".into(),
                ));
            };
            tx.execute(
                "INSERT INTO stores (id, code, name, currency, created_at, store_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![store.id, store.code, store.name, store.currency, input.now, key],
            )
            .map_err(backend)?;
            store.id.clone()
        }
        (Some(code_store), Some(store)) if store.id != code_store => {
            return Err(StorageError::Conflict(
                "this pairing code is for another store".into(),
            ));
        }
        (Some(code_store), _) => code_store,
    };
    // A store registered before store keys keeps the first key one of its devices brings.
    if let Some(key) = input.sealed_store_key.as_deref().filter(|k| !k.is_empty()) {
        tx.execute(
            "UPDATE stores SET store_key = ?2 WHERE id = ?1 AND store_key IS NULL",
            params![store_id, key],
        )
        .map_err(backend)?;
    }
    let sealed_store_key: Option<Vec<u8>> = tx
        .query_row(
            "SELECT store_key FROM stores WHERE id = ?1",
            [&store_id],
            |r| r.get(0),
        )
        .map_err(backend)?;

    let registered = tx
        .query_row(
            "SELECT 1 FROM devices WHERE id = ?1",
            [&input.device_id],
            |_| Ok(()),
        )
        .optional()
        .map_err(backend)?;
    if registered.is_some() {
        return Err(StorageError::Conflict(format!(
            "device {} is already paired",
            input.device_id
        )));
    }
    let last: i64 = tx
        .query_row(
            "SELECT COALESCE(MAX(CAST(code AS INTEGER)), 0) FROM devices WHERE store_id = ?1",
            [&store_id],
            |r| r.get(0),
        )
        .map_err(backend)?;
    let device_code = format!("{:02}", last + 1);
    tx.execute(
        "INSERT INTO devices (id, store_id, code, name, token_hash, paired_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![input.device_id, store_id, device_code, input.device_name, input.token_hash, input.now],
    )
    .map_err(|e| {
        if is_constraint(&e) {
            StorageError::Conflict("this device token is taken; pair again".into())
        } else {
            backend(e)
        }
    })?;
    tx.execute(
        "UPDATE pairing_codes SET used_at = ?1, used_by = ?2 WHERE code_hash = ?3",
        params![input.now, input.device_id, input.code_hash],
    )
    .map_err(backend)?;
    let detail = serde_json::json!({ "device_code": device_code, "name": input.device_name });
    audit_entry(
        &tx,
        &store_id,
        &input.now,
        "device.paired",
        Some(&input.device_id),
        detail,
    )?;
    tx.commit().map_err(backend)?;
    Ok(Paired {
        store_id,
        device_id: input.device_id.clone(),
        device_code,
        sealed_store_key,
    })
}

pub(crate) fn authenticate(c: &mut Connection, token_hash: &str) -> Result<Option<DeviceAuth>> {
    c.prepare_cached(
        "SELECT id, store_id, code, revoked_at IS NOT NULL, blocked_at IS NOT NULL
         FROM devices WHERE token_hash = ?1",
    )
    .and_then(|mut st| {
        st.query_row([token_hash], |r| {
            Ok(DeviceAuth {
                device_id: r.get(0)?,
                store_id: r.get(1)?,
                device_code: r.get(2)?,
                revoked: r.get(3)?,
                blocked: r.get(4)?,
            })
        })
        .optional()
    })
    .map_err(backend)
}

pub(crate) fn push(c: &mut Connection, input: &PushInput) -> Result<Pushed> {
    let tx = write_tx(c)?;
    let seen: Option<(String, i64, i64)> = tx
        .prepare_cached(
            "SELECT batch_hash, accepted, acked_seq FROM batches WHERE device_id = ?1 AND batch_id = ?2",
        )
        .and_then(|mut st| {
            st.query_row(params![input.device_id, input.batch_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
        })
        .map_err(backend)?;
    if let Some((hash, accepted, acked_seq)) = seen {
        return if hash == input.batch_hash {
            Ok(Pushed {
                accepted: to_u64(accepted),
                acked_seq: to_u64(acked_seq),
            })
        } else {
            Err(StorageError::IdempotencyMismatch)
        };
    }

    let acked: i64 = tx
        .prepare_cached("SELECT acked_seq FROM devices WHERE id = ?1 AND store_id = ?2")
        .and_then(|mut st| {
            st.query_row(params![input.device_id, input.store_id], |r| r.get(0))
                .optional()
        })
        .map_err(backend)?
        .ok_or_else(|| StorageError::NotFound(format!("device {}", input.device_id)))?;
    let acked = to_u64(acked);

    // Changes the server holds must come back as they were; anything else is a fork.
    for pc in input.changes.iter().filter(|pc| pc.seq <= acked) {
        let held: Option<String> = tx
            .prepare_cached("SELECT change_id FROM log WHERE device_id = ?1 AND device_seq = ?2")
            .and_then(|mut st| {
                st.query_row(
                    params![input.device_id, to_i64(pc.seq, "seq").unwrap_or(-1)],
                    |r| r.get(0),
                )
                .optional()
            })
            .map_err(backend)?;
        if held.as_deref() != Some(pc.change.change_id.as_str()) {
            tx.execute(
                "UPDATE devices SET blocked_at = COALESCE(blocked_at, ?1) WHERE id = ?2",
                params![input.now, input.device_id],
            )
            .map_err(backend)?;
            let detail = serde_json::json!({ "seq": pc.seq, "change_id": pc.change.change_id });
            audit_entry(
                &tx,
                &input.store_id,
                &input.now,
                "device.blocked",
                Some(&input.device_id),
                detail,
            )?;
            tx.commit().map_err(backend)?;
            return Err(StorageError::DeviceCloned { seq: pc.seq });
        }
    }

    let new: Vec<_> = input.changes.iter().filter(|pc| pc.seq > acked).collect();
    if let Some(first) = new.first()
        && first.seq != acked + 1
    {
        return Err(StorageError::SequenceGap {
            acked_seq: acked,
            first_seq: first.seq,
        });
    }
    // The batch's new audit entries must continue the chain the server holds.
    let fresh_audit: Vec<&AuditLink> = input
        .audit
        .iter()
        .filter(|l| l.outbox_seq > acked)
        .collect();
    let head: Option<(i64, String)> = if fresh_audit.is_empty() {
        None
    } else {
        tx.prepare_cached("SELECT seq, hash FROM audit_heads WHERE device_id = ?1")
            .and_then(|mut st| {
                st.query_row([&input.device_id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(backend)?
    };
    link_audit(
        head.as_ref()
            .map(|(seq, hash)| (to_u64(*seq), hash.as_str())),
        &fresh_audit,
    )?;
    let mut next: i64 = tx
        .prepare_cached("SELECT next_seq FROM stores WHERE id = ?1")
        .and_then(|mut st| st.query_row([&input.store_id], |r| r.get(0)).optional())
        .map_err(backend)?
        .ok_or_else(|| StorageError::NotFound(format!("store {}", input.store_id)))?;
    let mut acked_now = acked;
    // The chain's new head is the batch's last audit entry, at the place its change takes.
    let last_audit = fresh_audit.last();
    let mut head_place = None;
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO log (store_id, server_seq, change_id, device_id, device_seq, entity,
                                  entity_id, op, payload, hlc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .map_err(backend)?;
        for pc in &new {
            if pc.seq != acked_now + 1 {
                return Err(StorageError::Conflict(
                    "the batch's sequences are not consecutive".into(),
                ));
            }
            let ch = &pc.change;
            insert
                .execute(params![
                    input.store_id,
                    next,
                    ch.change_id,
                    input.device_id,
                    to_i64(pc.seq, "seq")?,
                    ch.entity,
                    ch.entity_id,
                    ch.op.as_str(),
                    ch.payload.as_str(),
                    to_i64(ch.hlc, "hlc")?,
                ])
                .map_err(|e| {
                    if is_constraint(&e) {
                        StorageError::Conflict(format!(
                            "change {} is already in the log",
                            ch.change_id
                        ))
                    } else {
                        backend(e)
                    }
                })?;
            if last_audit.is_some_and(|l| l.outbox_seq == pc.seq) {
                head_place = Some(next);
            }
            next += 1;
            acked_now = pc.seq;
        }
    }
    if let (Some(l), Some(place)) = (last_audit, head_place) {
        let audit_seq = to_i64(l.device_seq, "audit seq")?;
        tx.prepare_cached(
            "INSERT INTO audit_heads (device_id, store_id, seq, hash, server_seq)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (device_id) DO UPDATE SET
                 seq = excluded.seq, hash = excluded.hash, server_seq = excluded.server_seq",
        )
        .and_then(|mut st| {
            st.execute(params![
                input.device_id,
                input.store_id,
                audit_seq,
                l.hash,
                place
            ])
        })
        .map_err(backend)?;
    }
    keep_email_facts(&tx, input, &new)?;
    let accepted = new.len() as u64;
    let acked_i = to_i64(acked_now, "seq")?;
    tx.prepare_cached("UPDATE stores SET next_seq = ?1 WHERE id = ?2")
        .and_then(|mut st| st.execute(params![next, input.store_id]))
        .map_err(backend)?;
    tx.prepare_cached("UPDATE devices SET acked_seq = ?1, last_sync_at = ?2 WHERE id = ?3")
        .and_then(|mut st| st.execute(params![acked_i, input.now, input.device_id]))
        .map_err(backend)?;
    tx.prepare_cached(
        "INSERT INTO batches (device_id, batch_id, batch_hash, accepted, acked_seq, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut st| {
        st.execute(params![
            input.device_id,
            input.batch_id,
            input.batch_hash,
            accepted as i64,
            acked_i,
            input.now
        ])
    })
    .map_err(backend)?;
    tx.commit().map_err(backend)?;
    Ok(Pushed {
        accepted,
        acked_seq: acked_now,
    })
}

pub(crate) fn pull(
    c: &mut Connection,
    store_id: &str,
    reader: &str,
    after: u64,
    limit: u32,
) -> Result<Page> {
    let tx = read_tx(c)?;
    let after_i = i64::try_from(after).unwrap_or(i64::MAX);
    let mut cursor = after;
    let mut changes = Vec::new();
    {
        let mut st = tx
            .prepare_cached(
                "SELECT server_seq, device_id, change_id, entity, entity_id, op, payload, hlc
                 FROM log WHERE store_id = ?1 AND server_seq > ?2 ORDER BY server_seq LIMIT ?3",
            )
            .map_err(backend)?;
        let mut rows = st
            .query(params![store_id, after_i, i64::from(limit)])
            .map_err(backend)?;
        let mut bytes = 0usize;
        while let Some(r) = rows.next().map_err(backend)? {
            // The page ends with the entry that takes its payloads past the byte limit.
            if bytes > MAX_PAGE_BYTES {
                break;
            }
            let seq = to_u64(r.get(0).map_err(backend)?);
            cursor = seq;
            let payload = r.get_ref(6).map_err(backend)?;
            bytes = bytes.saturating_add(payload.as_bytes().map_or(0, <[u8]>::len));
            let device_id: String = r.get(1).map_err(backend)?;
            // The reader's own changes only move the cursor.
            if device_id == reader {
                continue;
            }
            let op: String = r.get(5).map_err(backend)?;
            let op = ChangeOp::parse(&op).ok_or_else(|| {
                StorageError::Backend(format!("log entry {seq} has an unknown op {op}"))
            })?;
            let payload: String = r.get(6).map_err(backend)?;
            let payload = RawPayload::from_json(payload).map_err(|e| {
                StorageError::Backend(format!("log entry {seq} has a bad payload: {e}"))
            })?;
            let change = Change {
                change_id: r.get(2).map_err(backend)?,
                entity: r.get(3).map_err(backend)?,
                entity_id: r.get(4).map_err(backend)?,
                op,
                payload,
                hlc: to_u64(r.get(7).map_err(backend)?),
                device_id,
            };
            changes.push(LogEntry {
                server_seq: seq,
                change,
            });
        }
    }
    // Places have no holes, so what is left is the last place taken minus the cursor.
    let next: Option<i64> = tx
        .prepare_cached("SELECT next_seq FROM stores WHERE id = ?1")
        .and_then(|mut st| st.query_row([store_id], |r| r.get(0)).optional())
        .map_err(backend)?;
    let last = to_u64(next.unwrap_or(1) - 1);
    let store_key_epoch = key_epoch(&tx, store_id)?;
    let audit_heads = tx
        .prepare_cached(
            "SELECT device_id, seq, hash, server_seq FROM audit_heads
             WHERE store_id = ?1 ORDER BY device_id",
        )
        .and_then(|mut st| {
            st.query_map([store_id], |r| {
                Ok(AuditHead {
                    device_id: r.get(0)?,
                    seq: to_u64(r.get(1)?),
                    hash: r.get(2)?,
                    server_seq: to_u64(r.get(3)?),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(backend)?;
    tx.commit().map_err(backend)?;
    Ok(Page {
        audit_heads,
        changes,
        cursor,
        remaining: last.saturating_sub(cursor),
        store_key_epoch,
    })
}

pub(crate) fn touch(c: &mut Connection, device_id: &str, now: &str) -> Result<()> {
    let tx = write_tx(c)?;
    tx.prepare_cached("UPDATE devices SET last_sync_at = ?1 WHERE id = ?2")
        .and_then(|mut st| st.execute(params![now, device_id]))
        .map_err(backend)?;
    tx.commit().map_err(backend)
}

pub(crate) fn devices(c: &mut Connection, store_id: &str) -> Result<Vec<DeviceRecord>> {
    let mut st = c
        .prepare_cached(
            "SELECT id, code, name, paired_at, last_sync_at, acked_seq, revoked_at
             FROM devices WHERE store_id = ?1 ORDER BY CAST(code AS INTEGER)",
        )
        .map_err(backend)?;
    let rows = st
        .query_map([store_id], |r| {
            Ok(DeviceRecord {
                device_id: r.get(0)?,
                device_code: r.get(1)?,
                name: r.get(2)?,
                paired_at: r.get(3)?,
                last_sync_at: r.get(4)?,
                acked_seq: to_u64(r.get(5)?),
                revoked_at: r.get(6)?,
            })
        })
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
}

/// The store key's current epoch: its newest later epoch, else the first.
fn key_epoch(tx: &Transaction<'_>, store_id: &str) -> Result<u32> {
    let epoch: i64 = tx
        .prepare_cached("SELECT coalesce(max(epoch), 1) FROM store_key_epochs WHERE store_id = ?1")
        .and_then(|mut st| st.query_row([store_id], |r| r.get(0)))
        .map_err(backend)?;
    u32::try_from(epoch).map_err(|_| StorageError::Backend(format!("store key epoch {epoch}")))
}

pub(crate) fn revoke(c: &mut Connection, input: &RevokeInput) -> Result<Option<u32>> {
    let (store_id, device_id, now) = (&input.store_id, &input.device_id, &input.now);
    let tx = write_tx(c)?;
    let revoked_at: Option<Option<String>> = tx
        .query_row(
            "SELECT revoked_at FROM devices WHERE id = ?1 AND store_id = ?2",
            params![device_id, store_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?;
    match revoked_at {
        None => Err(StorageError::NotFound(format!("device {device_id}"))),
        Some(Some(_)) => Ok(None),
        Some(None) => {
            tx.execute(
                "UPDATE devices SET revoked_at = ?1 WHERE id = ?2",
                params![now, device_id],
            )
            .map_err(backend)?;
            let detail = serde_json::json!({ "by_device": input.by_device });
            audit_entry(
                &tx,
                store_id,
                now,
                "device.revoked",
                Some(device_id),
                detail,
            )?;
            let epoch = key_epoch(&tx, store_id)? + 1;
            tx.execute(
                "INSERT INTO store_key_epochs (store_id, epoch, sealed_key, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![store_id, epoch, input.next_store_key, now],
            )
            .map_err(backend)?;
            let detail = serde_json::json!({ "epoch": epoch, "by_device": input.by_device });
            audit_entry(
                &tx,
                store_id,
                now,
                "store_key.rotated",
                Some(device_id),
                detail,
            )?;
            tx.commit().map_err(backend)?;
            Ok(Some(epoch))
        }
    }
}

pub(crate) fn store_keys(c: &mut Connection, store_id: &str) -> Result<Vec<SealedStoreKey>> {
    let tx = read_tx(c)?;
    let mut out = Vec::new();
    let first: Option<Option<Vec<u8>>> = tx
        .query_row(
            "SELECT store_key FROM stores WHERE id = ?1",
            [store_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?;
    if let Some(Some(sealed)) = first {
        out.push(SealedStoreKey { epoch: 1, sealed });
    }
    {
        let mut st = tx
            .prepare_cached(
                "SELECT epoch, sealed_key FROM store_key_epochs WHERE store_id = ?1 ORDER BY epoch",
            )
            .map_err(backend)?;
        let rows = st
            .query_map([store_id], |r| {
                Ok(SealedStoreKey {
                    epoch: r.get(0)?,
                    sealed: r.get(1)?,
                })
            })
            .map_err(backend)?;
        for row in rows {
            out.push(row.map_err(backend)?);
        }
    }
    tx.commit().map_err(backend)?;
    Ok(out)
}

pub(crate) fn audit(c: &mut Connection, store_id: &str) -> Result<Vec<ServerAuditEntry>> {
    let mut st = c
        .prepare_cached(
            "SELECT at, store_id, action, device_id, detail FROM audit
             WHERE store_id = ?1 ORDER BY at, id",
        )
        .map_err(backend)?;
    let rows = st
        .query_map([store_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .map_err(backend)?;
    let mut out = Vec::new();
    for row in rows {
        let (at, store_id, action, device_id, detail) = row.map_err(backend)?;
        let detail = serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail));
        out.push(ServerAuditEntry {
            at,
            store_id,
            action,
            device_id,
            detail,
        });
    }
    Ok(out)
}

/// Keeps the emails a push's new changes queue and the receipt language they set.
fn keep_email_facts(
    tx: &Transaction<'_>,
    input: &PushInput,
    new: &[&PushedChange<RawPayload>],
) -> Result<()> {
    let (emails, settings) = email_facts(&input.store_id, &input.device_id, new)?;
    for e in emails {
        tx.prepare_cached(
            "INSERT INTO emails (store_id, id, device_id, kind, to_address, subject, ref_id,
                                 payload, status, attempts, queued_at, next_attempt_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'queued', 0, ?9, ?9, ?9)
             ON CONFLICT (store_id, id) DO NOTHING",
        )
        .and_then(|mut st| {
            st.execute(params![
                input.store_id,
                e.id,
                input.device_id,
                e.kind,
                e.to_address,
                e.subject,
                e.ref_id,
                e.payload.to_string(),
                input.now
            ])
        })
        .map_err(backend)?;
    }
    for v in settings {
        let hlc = to_i64(v.hlc, "hlc")?;
        tx.prepare_cached(
            "INSERT INTO store_settings (store_id, key, value, hlc, device_id)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (store_id, key) DO UPDATE SET
                 value = excluded.value, hlc = excluded.hlc, device_id = excluded.device_id
             WHERE (excluded.hlc, excluded.device_id) > (store_settings.hlc, store_settings.device_id)",
        )
        .and_then(|mut st| {
            st.execute(params![
                input.store_id,
                v.key,
                v.value,
                hlc,
                v.device_id
            ])
        })
        .map_err(backend)?;
    }
    Ok(())
}

const EMAIL_COLUMNS: &str =
    "e.id, e.store_id, e.device_id, e.kind, e.to_address, e.subject, e.ref_id,
     e.status, e.attempts, e.last_error, e.queued_at, e.next_attempt_at, e.sent_at, e.updated_at";

fn email_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<EmailRecord> {
    let status: String = r.get(7)?;
    Ok(EmailRecord {
        id: r.get(0)?,
        store_id: r.get(1)?,
        device_id: r.get(2)?,
        kind: r.get(3)?,
        to_address: r.get(4)?,
        subject: r.get(5)?,
        ref_id: r.get(6)?,
        status: EmailStatus::parse(&status).unwrap_or(EmailStatus::Failed),
        attempts: u32::try_from(r.get::<_, i64>(8)?).unwrap_or(u32::MAX),
        last_error: r.get(9)?,
        queued_at: r.get(10)?,
        next_attempt_at: r.get(11)?,
        sent_at: r.get(12)?,
        updated_at: r.get(13)?,
    })
}

pub(crate) fn claim_emails(
    c: &mut Connection,
    now: &str,
    lease_until: &str,
    limit: u32,
) -> Result<Vec<EmailJob>> {
    let tx = write_tx(c)?;
    let mut jobs = Vec::new();
    {
        let mut due = tx
            .prepare_cached(&format!(
                "SELECT {EMAIL_COLUMNS}, e.payload, s.name,
                        (SELECT value FROM store_settings ss
                         WHERE ss.store_id = e.store_id AND ss.key = 'receipt.language')
                 FROM emails e JOIN stores s ON s.id = e.store_id
                 WHERE e.status IN ('queued', 'sending') AND e.next_attempt_at <= ?1
                 ORDER BY e.next_attempt_at, e.queued_at, e.id LIMIT ?2"
            ))
            .map_err(backend)?;
        let rows = due
            .query_map(params![now, limit], |r| {
                Ok((
                    email_record(r)?,
                    r.get::<_, String>(14)?,
                    r.get::<_, String>(15)?,
                    r.get::<_, Option<String>>(16)?,
                ))
            })
            .map_err(backend)?;
        for row in rows {
            let (record, payload, store_name, language) = row.map_err(backend)?;
            let payload = serde_json::from_str(&payload)
                .map_err(|e| StorageError::Backend(format!("an email's payload: {e}")))?;
            jobs.push(EmailJob {
                record,
                payload,
                store_name,
                language,
            });
        }
    }
    for job in &mut jobs {
        tx.prepare_cached(
            "UPDATE emails SET status = 'sending', attempts = attempts + 1,
                               next_attempt_at = ?1, updated_at = ?2
             WHERE store_id = ?3 AND id = ?4",
        )
        .and_then(|mut st| {
            st.execute(params![
                lease_until,
                now,
                job.record.store_id,
                job.record.id
            ])
        })
        .map_err(backend)?;
        job.record.status = EmailStatus::Sending;
        job.record.attempts += 1;
        job.record.next_attempt_at = lease_until.to_owned();
        job.record.updated_at = now.to_owned();
    }
    tx.commit().map_err(backend)?;
    Ok(jobs)
}

pub(crate) fn finish_email(
    c: &mut Connection,
    store_id: &str,
    id: &str,
    outcome: &EmailOutcome,
    now: &str,
) -> Result<()> {
    let tx = write_tx(c)?;
    // A staff invitation's payload holds its code: gone once the email is sent or given up.
    let changed = match outcome {
        EmailOutcome::Sent => tx.execute(
            "UPDATE emails SET status = 'sent', sent_at = ?1, updated_at = ?1,
                               payload = CASE WHEN kind = ?4 THEN '{}' ELSE payload END
             WHERE store_id = ?2 AND id = ?3",
            params![now, store_id, id, INVITATION_EMAIL_KIND],
        ),
        EmailOutcome::Retry {
            error,
            next_attempt_at,
        } => tx.execute(
            "UPDATE emails SET status = 'queued', last_error = ?1, next_attempt_at = ?2,
                               updated_at = ?3
             WHERE store_id = ?4 AND id = ?5",
            params![error, next_attempt_at, now, store_id, id],
        ),
        EmailOutcome::Failed { error } => tx.execute(
            "UPDATE emails SET status = 'failed', last_error = ?1, updated_at = ?2,
                               payload = CASE WHEN kind = ?5 THEN '{}' ELSE payload END
             WHERE store_id = ?3 AND id = ?4",
            params![error, now, store_id, id, INVITATION_EMAIL_KIND],
        ),
    }
    .map_err(backend)?;
    if changed == 0 {
        return Err(StorageError::NotFound(format!("email {id}")));
    }
    let secret: bool = tx
        .query_row(
            "SELECT kind = ?3 FROM emails WHERE store_id = ?1 AND id = ?2",
            params![store_id, id, INVITATION_EMAIL_KIND],
            |r| r.get(0),
        )
        .map_err(backend)?;
    tx.commit().map_err(backend)?;
    if secret && !matches!(outcome, EmailOutcome::Retry { .. }) {
        forget_old_pages(c);
    }
    Ok(())
}

/// After a secret left a row: the write-ahead log, which still holds the pages as they were,
/// is written back into the database and emptied (`secure_delete` zeroes what the row left
/// in its page). Best effort: a reader holding an old snapshot keeps the log until the next
/// checkpoint.
fn forget_old_pages(c: &Connection) {
    // A busy database only postpones this to a later checkpoint; the email stays finished.
    let _ = c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
}

/// Queues an email a device handed over itself (or keeps it failed, never to be sent);
/// an email already held is left as it is.
pub(crate) fn queue_email(
    c: &mut Connection,
    store_id: &str,
    device_id: &str,
    email: &NewEmail,
    failed: Option<&str>,
    now: &str,
) -> Result<EmailRecord> {
    let tx = write_tx(c)?;
    let payload = if failed.is_some() {
        "{}".to_owned()
    } else {
        email.payload.to_string()
    };
    tx.execute(
        "INSERT INTO emails (store_id, id, device_id, kind, to_address, subject, ref_id,
                             payload, status, attempts, last_error, queued_at, next_attempt_at,
                             updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, CASE WHEN ?9 IS NULL THEN 'queued' ELSE 'failed' END,
                 0, ?9, ?10, ?10, ?10)
         ON CONFLICT (store_id, id) DO NOTHING",
        params![
            store_id,
            email.id,
            device_id,
            email.kind,
            email.to_address,
            email.subject,
            email.ref_id,
            payload,
            failed,
            now
        ],
    )
    .map_err(backend)?;
    let record = tx
        .query_row(
            &format!("SELECT {EMAIL_COLUMNS} FROM emails e WHERE e.store_id = ?1 AND e.id = ?2"),
            params![store_id, email.id],
            email_record,
        )
        .map_err(backend)?;
    tx.commit().map_err(backend)?;
    Ok(record)
}

pub(crate) fn emails(
    c: &mut Connection,
    store_id: Option<&str>,
    updated_after: Option<&str>,
) -> Result<Vec<EmailRecord>> {
    let tx = read_tx(c)?;
    let mut st = tx
        .prepare_cached(&format!(
            "SELECT {EMAIL_COLUMNS} FROM emails e
             WHERE (?1 IS NULL OR e.store_id = ?1) AND (?2 IS NULL OR e.updated_at >= ?2)
             ORDER BY e.queued_at, e.id"
        ))
        .map_err(backend)?;
    let rows = st
        .query_map(params![store_id, updated_after], email_record)
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
}

pub(crate) fn email_counts(c: &mut Connection) -> Result<EmailCounts> {
    let tx = read_tx(c)?;
    let mut st = tx
        .prepare_cached("SELECT status, COUNT(*) FROM emails GROUP BY status")
        .map_err(backend)?;
    let rows = st
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .map_err(backend)?;
    let mut counts = EmailCounts::default();
    for row in rows {
        let (status, n) = row.map_err(backend)?;
        let n = to_u64(n);
        match EmailStatus::parse(&status) {
            Some(EmailStatus::Queued) => counts.queued = n,
            Some(EmailStatus::Sending) => counts.sending = n,
            Some(EmailStatus::Sent) => counts.sent = n,
            Some(EmailStatus::Failed) => counts.failed = n,
            None => {}
        }
    }
    Ok(counts)
}

pub(crate) fn store_health(c: &mut Connection) -> Result<Vec<StoreHealth>> {
    let tx = read_tx(c)?;
    let mut out: Vec<StoreHealth> = tx
        .prepare_cached(
            "SELECT s.id,
                    (SELECT count(*) FROM devices d WHERE d.store_id = s.id AND d.revoked_at IS NULL),
                    (SELECT min(coalesce(d.last_sync_at, d.paired_at)) FROM devices d
                      WHERE d.store_id = s.id AND d.revoked_at IS NULL)
               FROM stores s ORDER BY s.id",
        )
        .map_err(backend)?
        .query_map([], |r| {
            Ok(StoreHealth {
                store_id: r.get(0)?,
                devices: to_u64(r.get(1)?),
                oldest_sync_at: r.get(2)?,
                open_cards: Vec::new(),
            })
        })
        .map_err(backend)?
        .collect::<rusqlite::Result<_>>()
        .map_err(backend)?;
    let [a, b, c3] = OPEN_CARD_STATUSES.map(|s| s.as_str());
    let mut st = tx
        .prepare_cached(
            "SELECT store_id, currency, count(*), sum(amount_minor) FROM card_payments
              WHERE status IN (?1, ?2, ?3) GROUP BY store_id, currency ORDER BY store_id, currency",
        )
        .map_err(backend)?;
    let rows = st
        .query_map(params![a, b, c3], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })
        .map_err(backend)?;
    for row in rows {
        let (store, currency, n, minor) = row.map_err(backend)?;
        if let Some(h) = out.iter_mut().find(|h| h.store_id == store) {
            h.open_cards.push((currency, to_u64(n), minor));
        }
    }
    Ok(out)
}
