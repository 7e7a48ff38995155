//! Stores, devices, pairing codes and the server's audit trail.

use crate::error::{db, out_of_range, registering};
use crate::sql;
use deadpool_postgres::{Client, GenericClient};
use kassa_server_storage::{
    DeviceAuth, NewPairingCode, OPEN_CARD_STATUSES, PairInput, Paired, Result, RevokeInput,
    SealedStoreKey, ServerAuditEntry, StorageError, StoreHealth,
};
use kassa_sync_protocol::wire::DeviceRecord;
use serde_json::json;

/// Appends one entry to the server's audit trail, inside the caller's transaction.
pub(crate) async fn record_audit(
    tx: &impl GenericClient,
    at: &str,
    store_id: &str,
    action: &str,
    device_id: Option<&str>,
    detail: serde_json::Value,
) -> Result<()> {
    sql::execute(
        tx,
        "INSERT INTO server_audit (at, store_id, action, device_id, detail)
         VALUES ($1, $2, $3, $4, $5)",
        &[&at, &store_id, &action, &device_id, &detail.to_string()],
    )
    .await
    .map_err(db)?;
    Ok(())
}

/// True while `now` is before `expires_at`. Both are RFC 3339; if either does not parse,
/// the texts are compared, which is the same order for the one format the server writes.
fn is_before(now: &str, expires_at: &str) -> bool {
    use chrono::DateTime;
    match (
        DateTime::parse_from_rfc3339(now),
        DateTime::parse_from_rfc3339(expires_at),
    ) {
        (Ok(now), Ok(expires_at)) => now < expires_at,
        _ => now < expires_at,
    }
}

/// A device's code as shown: two digits at least.
fn device_code(number: i32) -> String {
    format!("{number:02}")
}

pub async fn add_pairing_code(client: &mut Client, code: NewPairingCode) -> Result<()> {
    let tx = client.transaction().await.map_err(db)?;
    if let Some(store_id) = &code.store_id {
        let known = sql::query_opt(&tx, "SELECT 1 FROM stores WHERE id = $1", &[store_id])
            .await
            .map_err(db)?;
        if known.is_none() {
            return Err(StorageError::NotFound(format!("store {store_id}")));
        }
    }
    sql::execute(
        &tx,
        "INSERT INTO pairing_codes (code_hash, store_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4)",
        &[
            &code.code_hash,
            &code.store_id,
            &code.created_at,
            &code.expires_at,
        ],
    )
    .await
    .map_err(registering("this pairing code"))?;
    if let Some(store_id) = &code.store_id {
        record_audit(
            &tx,
            &code.created_at,
            store_id,
            "pairing_code.created",
            None,
            json!({ "expires_at": code.expires_at }),
        )
        .await?;
    }
    tx.commit().await.map_err(db)
}

pub async fn pair(client: &mut Client, input: PairInput) -> Result<Paired> {
    let tx = client.transaction().await.map_err(db)?;
    // The code's row lock makes a code that two devices redeem at once serve only one.
    let code = sql::query_opt(
        &tx,
        "SELECT store_id, expires_at, used_at FROM pairing_codes
             WHERE code_hash = $1 FOR UPDATE",
        &[&input.code_hash],
    )
    .await
    .map_err(db)?
    .ok_or(StorageError::PairingCodeInvalid)?;
    let code_store: Option<String> = code.get(0);
    let expires_at: String = code.get(1);
    let used_at: Option<String> = code.get(2);
    if used_at.is_some() || !is_before(&input.now, &expires_at) {
        return Err(StorageError::PairingCodeInvalid);
    }

    let store_id = match code_store {
        Some(store_id) => {
            if let Some(record) = &input.store
                && record.id != store_id
            {
                return Err(StorageError::Conflict(
                    "this pairing code is for another store".into(),
                ));
            }
            store_id
        }
        None => {
            let Some(record) = &input.store else {
                return Err(StorageError::Conflict(
                    "this pairing code makes a new store; the device must send its store".into(),
                ));
            };
            let Some(key) = input.sealed_store_key.as_deref().filter(|k| !k.is_empty()) else {
                return Err(StorageError::InvalidInput(
                    "a new store's first device must bring its store key".into(),
                ));
            };
            let created = sql::execute(
                &tx,
                "INSERT INTO stores (id, code, name, currency, created_at, store_key)
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
                &[
                    &record.id,
                    &record.code,
                    &record.name,
                    &record.currency,
                    &input.now,
                    &key,
                ],
            )
            .await
            .map_err(db)?;
            if created == 0 {
                return Err(StorageError::Conflict(format!(
                    "store {} is already registered",
                    record.id
                )));
            }
            record.id.clone()
        }
    };

    // The store's row lock gives its device codes one pairing at a time.
    let locked = sql::query_opt(
        &tx,
        "SELECT store_key FROM stores WHERE id = $1 FOR UPDATE",
        &[&store_id],
    )
    .await
    .map_err(db)?
    .ok_or_else(|| StorageError::NotFound(format!("store {store_id}")))?;
    let mut sealed_store_key: Option<Vec<u8>> = locked.get(0);
    // A store registered before store keys keeps the first key one of its devices brings.
    if sealed_store_key.is_none()
        && let Some(key) = input.sealed_store_key.as_deref().filter(|k| !k.is_empty())
    {
        sql::execute(
            &tx,
            "UPDATE stores SET store_key = $2 WHERE id = $1",
            &[&store_id, &key],
        )
        .await
        .map_err(db)?;
        sealed_store_key = Some(key.to_vec());
    }
    let registered = sql::query_opt(
        &tx,
        "SELECT 1 FROM devices WHERE device_id = $1",
        &[&input.device_id],
    )
    .await
    .map_err(db)?;
    if registered.is_some() {
        return Err(StorageError::Conflict(format!(
            "device {} is already registered",
            input.device_id
        )));
    }
    let number: i32 = sql::query_one(
        &tx,
        "SELECT COALESCE(MAX(code_number), 0) + 1 FROM devices WHERE store_id = $1",
        &[&store_id],
    )
    .await
    .map_err(db)?
    .get(0);
    let code = device_code(number);
    sql::execute(
        &tx,
        "INSERT INTO devices
             (device_id, store_id, device_code, code_number, name, token_hash, paired_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &input.device_id,
            &store_id,
            &code,
            &number,
            &input.device_name,
            &input.token_hash,
            &input.now,
        ],
    )
    .await
    .map_err(registering("this device or its token"))?;
    sql::execute(
        &tx,
        "UPDATE pairing_codes SET used_at = $2, used_by = $3 WHERE code_hash = $1",
        &[&input.code_hash, &input.now, &input.device_id],
    )
    .await
    .map_err(db)?;
    record_audit(
        &tx,
        &input.now,
        &store_id,
        "device.paired",
        Some(&input.device_id),
        json!({ "device_code": code, "name": input.device_name }),
    )
    .await?;
    tx.commit().await.map_err(db)?;
    Ok(Paired {
        store_id,
        device_id: input.device_id,
        device_code: code,
        sealed_store_key,
    })
}

pub async fn authenticate(client: &Client, token_hash: &str) -> Result<Option<DeviceAuth>> {
    let row = sql::query_opt(
        client,
        "SELECT device_id, store_id, device_code,
                    revoked_at IS NOT NULL, blocked_at IS NOT NULL
             FROM devices WHERE token_hash = $1",
        &[&token_hash],
    )
    .await
    .map_err(db)?;
    Ok(row.map(|r| DeviceAuth {
        device_id: r.get(0),
        store_id: r.get(1),
        device_code: r.get(2),
        revoked: r.get(3),
        blocked: r.get(4),
    }))
}

pub async fn touch(client: &Client, device_id: &str, now: &str) -> Result<()> {
    let n = sql::execute(
        client,
        "UPDATE devices SET last_sync_at = $2 WHERE device_id = $1",
        &[&device_id, &now],
    )
    .await
    .map_err(db)?;
    if n == 0 {
        return Err(StorageError::NotFound(format!("device {device_id}")));
    }
    Ok(())
}

pub async fn devices(client: &Client, store_id: &str) -> Result<Vec<DeviceRecord>> {
    let rows = sql::query(
        client,
        "SELECT device_id, device_code, name, paired_at, last_sync_at, acked_seq, revoked_at
             FROM devices WHERE store_id = $1 ORDER BY code_number",
        &[&store_id],
    )
    .await
    .map_err(db)?;
    rows.iter()
        .map(|r| {
            let acked: i64 = r.get(5);
            Ok(DeviceRecord {
                device_id: r.get(0),
                device_code: r.get(1),
                name: r.get(2),
                paired_at: r.get(3),
                last_sync_at: r.get(4),
                acked_seq: u64::try_from(acked).map_err(|_| out_of_range("acked_seq", acked))?,
                revoked_at: r.get(6),
            })
        })
        .collect()
}

/// Every store's figures for the metrics ([`kassa_server_storage::Storage::store_health`]).
pub async fn store_health(client: &Client) -> Result<Vec<StoreHealth>> {
    let rows = sql::query(
        client,
        "SELECT s.id,
                (SELECT count(*) FROM devices d WHERE d.store_id = s.id AND d.revoked_at IS NULL),
                (SELECT min(coalesce(d.last_sync_at, d.paired_at)) FROM devices d
                  WHERE d.store_id = s.id AND d.revoked_at IS NULL)
           FROM stores s ORDER BY s.id",
        &[],
    )
    .await
    .map_err(db)?;
    let mut out: Vec<StoreHealth> = rows
        .iter()
        .map(|r| StoreHealth {
            store_id: r.get(0),
            devices: u64::try_from(r.get::<_, i64>(1)).unwrap_or(0),
            oldest_sync_at: r.get(2),
            open_cards: Vec::new(),
        })
        .collect();
    let statuses: Vec<&str> = OPEN_CARD_STATUSES.iter().map(|s| s.as_str()).collect();
    let rows = sql::query(
        client,
        "SELECT store_id, currency, count(*), sum(amount_minor)::BIGINT FROM card_payments
          WHERE status = ANY($1) GROUP BY store_id, currency ORDER BY store_id, currency",
        &[&statuses],
    )
    .await
    .map_err(db)?;
    for r in &rows {
        let store: String = r.get(0);
        if let Some(h) = out.iter_mut().find(|h| h.store_id == store) {
            h.open_cards.push((
                r.get(1),
                u64::try_from(r.get::<_, i64>(2)).unwrap_or(0),
                r.get(3),
            ));
        }
    }
    Ok(out)
}

/// The store key's current epoch: its newest later epoch, else the first.
pub(crate) async fn key_epoch(tx: &impl GenericClient, store_id: &str) -> Result<u32> {
    let epoch: i32 = sql::query_one(
        tx,
        "SELECT coalesce(max(epoch), 1) FROM store_key_epochs WHERE store_id = $1",
        &[&store_id],
    )
    .await
    .map_err(db)?
    .get(0);
    u32::try_from(epoch).map_err(|_| out_of_range("epoch", i64::from(epoch)))
}

pub async fn revoke(client: &mut Client, input: &RevokeInput) -> Result<Option<u32>> {
    let (store_id, device_id, now) = (&input.store_id, &input.device_id, &input.now);
    let tx = client.transaction().await.map_err(db)?;
    // The store's row first, as a push takes it: two revocations of one store then give
    // epochs one after the other, and a push at the same time waits instead of deadlocking.
    sql::query_opt(
        &tx,
        "SELECT id FROM stores WHERE id = $1 FOR UPDATE",
        &[store_id],
    )
    .await
    .map_err(db)?
    .ok_or_else(|| StorageError::NotFound(format!("device {device_id} in this store")))?;
    let revoked_at: Option<String> = sql::query_opt(
        &tx,
        "SELECT revoked_at FROM devices WHERE store_id = $1 AND device_id = $2 FOR UPDATE",
        &[store_id, device_id],
    )
    .await
    .map_err(db)?
    .ok_or_else(|| StorageError::NotFound(format!("device {device_id} in this store")))?
    .get(0);
    if revoked_at.is_some() {
        // Revoked before: the first time stands and was audited (and rotated) then.
        tx.commit().await.map_err(db)?;
        return Ok(None);
    }
    sql::execute(
        &tx,
        "UPDATE devices SET revoked_at = $3 WHERE store_id = $1 AND device_id = $2",
        &[store_id, device_id, now],
    )
    .await
    .map_err(db)?;
    record_audit(
        &tx,
        now,
        store_id,
        "device.revoked",
        Some(device_id),
        json!({ "by_device": input.by_device }),
    )
    .await?;
    let epoch = key_epoch(&tx, store_id).await? + 1;
    let epoch_db = i32::try_from(epoch).map_err(|_| out_of_range("epoch", i64::from(epoch)))?;
    sql::execute(
        &tx,
        "INSERT INTO store_key_epochs (store_id, epoch, sealed_key, created_at)
         VALUES ($1, $2, $3, $4)",
        &[store_id, &epoch_db, &input.next_store_key, now],
    )
    .await
    .map_err(db)?;
    record_audit(
        &tx,
        now,
        store_id,
        "store_key.rotated",
        Some(device_id),
        json!({ "epoch": epoch, "by_device": input.by_device }),
    )
    .await?;
    tx.commit().await.map_err(db)?;
    Ok(Some(epoch))
}

pub async fn store_keys(client: &mut Client, store_id: &str) -> Result<Vec<SealedStoreKey>> {
    let tx = client.transaction().await.map_err(db)?;
    let mut out = Vec::new();
    let first: Option<Vec<u8>> = sql::query_opt(
        &tx,
        "SELECT store_key FROM stores WHERE id = $1",
        &[&store_id],
    )
    .await
    .map_err(db)?
    .and_then(|r| r.get(0));
    if let Some(sealed) = first {
        out.push(SealedStoreKey { epoch: 1, sealed });
    }
    let rows = sql::query(
        &tx,
        "SELECT epoch, sealed_key FROM store_key_epochs WHERE store_id = $1 ORDER BY epoch",
        &[&store_id],
    )
    .await
    .map_err(db)?;
    for r in rows {
        let epoch: i32 = r.get(0);
        out.push(SealedStoreKey {
            epoch: u32::try_from(epoch).map_err(|_| out_of_range("epoch", i64::from(epoch)))?,
            sealed: r.get(1),
        });
    }
    tx.commit().await.map_err(db)?;
    Ok(out)
}

pub async fn audit(client: &Client, store_id: &str) -> Result<Vec<ServerAuditEntry>> {
    let rows = sql::query(
        client,
        "SELECT at, store_id, action, device_id, detail
             FROM server_audit WHERE store_id = $1 ORDER BY id",
        &[&store_id],
    )
    .await
    .map_err(db)?;
    rows.iter()
        .map(|r| {
            let detail: String = r.get(4);
            Ok(ServerAuditEntry {
                at: r.get(0),
                store_id: r.get(1),
                action: r.get(2),
                device_id: r.get(3),
                detail: serde_json::from_str(&detail).map_err(|e| {
                    StorageError::Backend(format!("an audit entry's detail is not JSON: {e}"))
                })?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_codes_have_two_digits_then_three() {
        assert_eq!(device_code(1), "01");
        assert_eq!(device_code(99), "99");
        assert_eq!(device_code(100), "100");
    }

    #[test]
    fn a_code_is_valid_only_before_its_expiry() {
        let expiry = "2026-12-03T08:10:00.000Z";
        assert!(is_before("2026-12-03T08:09:59.999Z", expiry));
        assert!(!is_before("2026-12-03T08:10:00.000Z", expiry));
        assert!(!is_before("2026-12-03T09:10:00.000+01:00", expiry));
        assert!(is_before("2026-12-03T09:09:00.000+01:00", expiry));
    }
}
