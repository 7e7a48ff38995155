//! After the store key is rotated (a device of the store was revoked): keeping the new
//! epochs and sealing every staff TOTP secret again under the newest, so a revoked device's
//! keys open none of what syncs from now on.

use crate::SqlResult;
use crate::foundation::key_epochs;
use crate::foundation::keys::{FIRST_EPOCH, StoreKey};
use crate::foundation::write::{AuditInput, WriteTx};
use crate::identity::staff::{Staff, touch_fields};
use crate::{Store, foundation::device};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kassa_domain::{Error, ErrorCode, Result};
use serde_json::json;
use zeroize::Zeroize;

/// What keeping newer store-key epochs did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rekeyed {
    /// The epochs this device did not hold before.
    pub added: Vec<u32>,
    /// The newest epoch held now: what seals from now on.
    pub epoch: u32,
    /// Staff TOTP secrets sealed again under it (each recorded as a staff change).
    pub resealed: u32,
}

/// Keeps the epochs of `received` this device lacks and, in the same transaction, seals
/// every staff TOTP secret still sealed under an older epoch again under the newest, each
/// recorded as a staff change so the new blobs sync. Several devices may do this at once:
/// the plaintext is the same, and the staff row's last writer wins.
pub fn install_store_key_epochs(store: &mut Store, received: &StoreKey) -> Result<Rekeyed> {
    let dev = device::device(store.conn())?
        .ok_or_else(|| Error::new(ErrorCode::NotSetUp, "this device has no store yet"))?;
    let held = store.store_key()?.clone_key();
    let device_key = store.device_key()?.clone_key();
    let mut ring = held.clone_key();
    ring.add(received);
    let sealer = ring.clone_key();
    let out = store.write(|tx| {
        let added = key_epochs::keep(tx, &device_key, &dev.store_id, &held, received)?;
        let resealed = reseal(tx, &sealer)?;
        if !added.is_empty() {
            tx.audit(
                AuditInput::new("store_key.epoch_received")
                    .on("store", &dev.store_id)
                    .after(json!({"epochs": added, "epoch": sealer.epoch(), "resealed": resealed})),
            )?;
        }
        Ok(Rekeyed {
            added,
            epoch: sealer.epoch(),
            resealed,
        })
    })?;
    store.replace_store_key(ring);
    Ok(out)
}

/// Seals every staff TOTP secret still sealed under an older epoch than the newest held
/// again under the newest (those pulled from a device that had not rotated yet, too).
pub fn reseal_staff_secrets(store: &mut Store) -> Result<u32> {
    let key = store.store_key()?.clone_key();
    if key.epoch() == FIRST_EPOCH {
        return Ok(0);
    }
    store.write(|tx| reseal(tx, &key))
}

fn reseal(tx: &mut WriteTx<'_>, key: &StoreKey) -> Result<u32> {
    if key.epoch() == FIRST_EPOCH {
        return Ok(0);
    }
    let header = key.epoch_header();
    let old: Vec<(String, Vec<u8>)> = {
        let mut st = tx
            .prepare(
                "SELECT id, totp_secret_enc FROM staff
                 WHERE totp_secret_enc IS NOT NULL AND substr(totp_secret_enc, 1, ?1) <> ?2",
            )
            .db()?;
        st.query_map(rusqlite::params![header.len() as i64, header], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?
    };
    let mut n = 0;
    for (id, blob) in old {
        let context = Staff::totp_context(&id);
        let Ok(mut plain) = key.open(&blob, &context) else {
            tracing::warn!(staff = %id, "a TOTP secret no held store key opens stays as it was");
            continue;
        };
        let resealed = key.seal(&plain, &context);
        plain.zeroize();
        let resealed = resealed?;
        tx.execute(
            "UPDATE staff SET totp_secret_enc = ?1 WHERE id = ?2",
            rusqlite::params![resealed, id],
        )
        .db()?;
        touch_fields(
            tx,
            &id,
            json!({"totp_secret_enc": STANDARD.encode(&resealed)}),
        )?;
        n += 1;
    }
    Ok(n)
}
