//! After the store key is rotated (a device of the store was revoked): keeping the new
//! epochs and sealing every staff TOTP secret again under the newest, so a revoked device's
//! keys open none of what syncs from now on.

use crate::SqlResult;
use crate::foundation::apply::{ROW_VERSION, Version};
use crate::foundation::key_epochs;
use crate::foundation::keys::{FIRST_EPOCH, StoreKey};
use crate::foundation::write::{AuditInput, WriteTx};
use crate::identity::staff::Staff;
use crate::{Store, foundation::device};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kassa_domain::{Error, ErrorCode, Result};
use rusqlite::OptionalExtension;
use serde_json::json;
use zeroize::Zeroize;

/// The field of a staff change that marks it as a TOTP secret sealed again: the version
/// `{"hlc", "device_id"}` of the secret it is a copy of. Such a change is not a new write of
/// the secret: a device applies it only while it holds that version of the secret or an
/// older one (`identity::apply`), and the sealing device keeps that version for the field.
pub const RESEALED_FROM: &str = "resealed_from";

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
/// recorded as a staff change so the new blobs sync. The change carries the version of the
/// secret it sealed again ([`RESEALED_FROM`]) rather than a new one, so it never outranks a
/// change of the secret it did not know of; and the nonce comes from the key and the secret
/// ([`StoreKey::reseal`]), so several devices doing this at once make the same bytes.
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
        let resealed = key.reseal(&plain, &context);
        plain.zeroize();
        let resealed = resealed?;
        let base = secret_version(tx, &id)?;
        tx.execute(
            "UPDATE staff SET totp_secret_enc = ?1 WHERE id = ?2",
            rusqlite::params![resealed, id],
        )
        .db()?;
        if let Some(base) = &base {
            // The field keeps the version it had: the same secret, in other bytes.
            let hlc = i64::try_from(base.hlc)
                .map_err(|_| Error::internal("the clock stamp overflowed"))?;
            tx.execute(
                "INSERT INTO field_versions (entity, entity_id, field, hlc, device_id)
                 VALUES ('staff', ?1, 'totp_secret_enc', ?2, ?3)
                 ON CONFLICT (entity, entity_id, field)
                 DO UPDATE SET hlc = excluded.hlc, device_id = excluded.device_id",
                rusqlite::params![id, hlc, base.device_id],
            )
            .db()?;
        }
        // A secret with no version (written before versions were kept) is sealed again as of
        // the zero version, which any real write of it outranks.
        let base = base.unwrap_or(Version {
            hlc: 0,
            device_id: String::new(),
        });
        tx.record_unversioned_change(
            "staff",
            &id,
            &json!({
                "totp_secret_enc": STANDARD.encode(&resealed),
                (RESEALED_FROM): {"hlc": base.hlc, "device_id": base.device_id},
            }),
        )?;
        n += 1;
    }
    Ok(n)
}

/// The version this device holds for a staff member's `totp_secret_enc`: its own, else the
/// row's.
fn secret_version(tx: &WriteTx<'_>, staff_id: &str) -> Result<Option<Version>> {
    tx.query_row(
        "SELECT hlc, device_id FROM field_versions
          WHERE entity = 'staff' AND entity_id = ?1 AND field IN ('totp_secret_enc', ?2)
          ORDER BY field = ?2 LIMIT 1",
        rusqlite::params![staff_id, ROW_VERSION],
        |r| {
            Ok(Version {
                hlc: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                device_id: r.get(1)?,
            })
        },
    )
    .optional()
    .db()
}
