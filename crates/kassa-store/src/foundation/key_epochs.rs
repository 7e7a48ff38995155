//! The store key's later epochs on this device: kept in `store_key_epochs`, each sealed
//! under the device key, so they are as safe as the device key (OS keyring or
//! `KASSA_DEVICE_KEY`) and work the same with or without a keyring. The first epoch stays in
//! the keyring entry `store-key:<store id>` (or `KASSA_STORE_KEY`).

use crate::SqlResult;
use crate::foundation::keys::{DeviceKey, FIRST_EPOCH, StoreKey};
use crate::foundation::write::WriteTx;
use kassa_domain::{Error, ErrorCode, Result};
use rusqlite::{Connection, params};
use zeroize::Zeroize;

fn context(store_id: &str, epoch: u32) -> String {
    format!("store-key:{store_id}:{epoch}")
}

/// Every later epoch this device holds, opened with the device key, added to `key`.
pub fn load_into(
    conn: &Connection,
    device_key: &DeviceKey,
    store_id: &str,
    key: &mut StoreKey,
) -> Result<()> {
    let rows: Vec<(u32, Vec<u8>)> = {
        let mut st = conn
            .prepare("SELECT epoch, sealed_key FROM store_key_epochs ORDER BY epoch")
            .db()?;
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()?
    };
    for (epoch, sealed) in rows {
        let mut bytes = device_key
            .open(&sealed, &context(store_id, epoch))
            .map_err(|_| {
                Error::new(
                    ErrorCode::KeyringUnavailable,
                    format!(
                        "the store key's epoch {epoch} kept on this device does not open with this device's key"
                    ),
                )
            })?;
        let k: std::result::Result<[u8; 32], _> = bytes.as_slice().try_into();
        bytes.zeroize();
        let k = k.map_err(|_| {
            Error::new(
                ErrorCode::Storage,
                format!("the store key's epoch {epoch} kept on this device is damaged"),
            )
        })?;
        key.add(&StoreKey::at_epoch(epoch, k));
    }
    Ok(())
}

/// Keeps every epoch of `received` after the first that this device does not hold yet;
/// returns the epochs added.
pub fn keep(
    tx: &mut WriteTx<'_>,
    device_key: &DeviceKey,
    store_id: &str,
    held: &StoreKey,
    received: &StoreKey,
) -> Result<Vec<u32>> {
    let mut added = Vec::new();
    let now = tx.now_ts();
    for epoch in received.epochs() {
        if epoch == FIRST_EPOCH || held.has_epoch(epoch) {
            continue;
        }
        let Some(mut bytes) = received.bytes_of(epoch) else {
            continue;
        };
        let sealed = device_key.seal(&bytes, &context(store_id, epoch));
        bytes.zeroize();
        tx.execute(
            "INSERT OR IGNORE INTO store_key_epochs (epoch, sealed_key, received_at) VALUES (?1, ?2, ?3)",
            params![epoch, sealed?, now],
        )
        .db()?;
        added.push(epoch);
    }
    Ok(added)
}
