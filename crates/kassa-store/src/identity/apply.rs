//! Appliers for the identity entities arriving from other devices (see `foundation::apply`):
//! staff rows, their backup codes, the authenticator steps they used, and invitations.
//!
//! A staff member's TOTP secret is applied as it comes: it is sealed under the store key,
//! which every device of the store holds, so staff enrolled on one device sign in on every
//! other after one sync. A secret sealed again under a newer store-key epoch (`rekey`) is a
//! copy of the version it names, not a new write: it never outranks a change of the secret.
//! The failure count and lock are not in the staff row: they are derived
//! from every device's sign-in events (`lockout`).

use crate::foundation::apply::{Applied, Applier, ApplyTx, Version, field, lacks, suffixed};
use crate::foundation::keys::StoreKey;
use crate::identity::rekey::RESEALED_FROM;
use base64::Engine;
use kassa_domain::{Error, Result};
use kassa_sync_protocol::Change;
use rusqlite::params;
use rusqlite::types::Value as SqlValue;
use serde_json::{Value, json};

/// `(entity, applier)` for every identity entity recorded in the outbox.
pub(crate) const APPLIERS: &[(&str, Applier)] = &[
    ("staff", apply_staff),
    ("backup_codes", apply_backup_code),
    ("totp_steps", apply_totp_step),
    ("invitations", apply_invitation),
    (super::lockout::ENTITY, super::lockout::apply_event),
];

const STAFF_COLUMNS: &[&str] = &[
    "store_id",
    "email",
    "display_name",
    "role",
    "status",
    "password_hash",
    "totp_secret_enc",
    "must_change_password",
    "pin_hash",
];

/// A staff row: last writer wins per field; `totp_last_step` by maximum (a step used on
/// any device stays used); two people made offline with one email are a conflict, and the
/// later one is kept disabled under a marked email.
fn apply_staff(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let exists = tx.exists("staff", "id", &c.entity_id)?;
    if !exists
        && let Some(reason) = lacks(
            &c.payload,
            &["store_id", "email", "display_name", "role", "status"],
        )
    {
        return Ok(tx.park(reason));
    }
    if let Some(base) = c.payload.get(RESEALED_FROM) {
        return apply_reseal(tx, c, base);
    }
    let store_id = c.payload.get("store_id").and_then(Value::as_str);
    if let Some(reason) = tx.missing_parent(&[("stores", "id", store_id)])? {
        return Ok(tx.park(reason));
    }
    let mut won = tx.winning_fields(c)?;
    let mut outcome = Applied::Applied;
    if let Some(step) = c.payload.get("totp_last_step").and_then(Value::as_i64) {
        // Maximum, whatever the versions: applied below even when the field lost.
        won.remove("totp_last_step");
        tx.exec(
            "UPDATE staff SET totp_last_step = ?2 WHERE id = ?1 AND (totp_last_step IS NULL OR totp_last_step < ?2)",
            params![c.entity_id, step],
        )?;
    }
    if let Some(Value::String(sealed)) = won.get("totp_secret_enc") {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(sealed)
            .map_err(|_| Error::invalid_input("a sealed TOTP secret that is not base64"))?;
        tx.exec(
            "UPDATE staff SET totp_secret_enc = ?2 WHERE id = ?1",
            params![c.entity_id, bytes],
        )?;
        won.remove("totp_secret_enc");
    }
    if let Some(Value::String(email)) = won.get("email").cloned() {
        let other: Option<String> = tx.row(
            "SELECT id FROM staff WHERE email = ?1 AND id <> ?2",
            params![email, c.entity_id],
            |r| r.get(0),
        )?;
        if let Some(other) = other {
            let incoming = Version::of(c);
            let (loser, loser_device) = if tx.incoming_loses("staff", "email", &other, &incoming)? {
                (c.entity_id.clone(), c.device_id.clone())
            } else {
                let held = tx
                    .version("staff", &other, "email")?
                    .map(|v| v.device_id)
                    .unwrap_or_default();
                (other.clone(), held)
            };
            let marked = suffixed(&email, &loser_device);
            tx.conflict(
                "duplicate_staff_email",
                "staff",
                &loser,
                json!({"email": email, "kept": if loser == other { &c.entity_id } else { &other },
                       "disabled": loser, "now": marked}),
            )?;
            if loser == c.entity_id {
                won.insert("email".into(), json!(marked));
                let status = tx.version("staff", &c.entity_id, "status")?;
                if status.is_none_or(|v| v <= incoming) {
                    won.insert("status".into(), json!("disabled"));
                    tx.set_version("staff", &c.entity_id, "status", &incoming)?;
                }
            } else {
                tx.exec(
                    "UPDATE staff SET email = ?2 WHERE id = ?1",
                    params![other, marked],
                )?;
                // Disabled as of the email that lost, so a later change of the person's status
                // (an admin enabling them again) wins on every device, in whatever order the
                // two arrive.
                let lost = tx.version("staff", &other, "email")?.unwrap_or(Version {
                    hlc: 0,
                    device_id: String::new(),
                });
                let status = tx.version("staff", &other, "status")?;
                if status.is_none_or(|v| v <= lost) {
                    tx.exec(
                        "UPDATE staff SET status = 'disabled' WHERE id = ?1",
                        [&other],
                    )?;
                    tx.set_version("staff", &other, "status", &lost)?;
                }
            }
            outcome = Applied::Conflict;
        }
    }
    if !exists {
        // A new row: the secret was written above only if it existed, so write it now.
        let sealed = c.payload.get("totp_secret_enc").and_then(Value::as_str);
        tx.write_reference("staff", c, true, &won, STAFF_COLUMNS)?;
        if let Some(s) = sealed {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(s)
                .map_err(|_| Error::invalid_input("a sealed TOTP secret that is not base64"))?;
            tx.exec(
                "UPDATE staff SET totp_secret_enc = ?2 WHERE id = ?1",
                params![c.entity_id, bytes],
            )?;
        }
        if let Some(step) = c.payload.get("totp_last_step").and_then(Value::as_i64) {
            tx.exec(
                "UPDATE staff SET totp_last_step = ?2 WHERE id = ?1",
                params![c.entity_id, step],
            )?;
        }
        return Ok(outcome);
    }
    if won.is_empty() && outcome == Applied::Applied && c.payload.get("totp_last_step").is_none() {
        return Ok(Applied::AlreadyHeld);
    }
    tx.write_reference("staff", c, false, &won, STAFF_COLUMNS)?;
    Ok(outcome)
}

/// A staff member's TOTP secret sealed again under a newer store-key epoch by another device
/// (`rekey`): the same secret as the version `base` it names, so it is no new write. Applied
/// only while this device holds that version of the secret or an older one, and then held as
/// of `base`; a newer version held (a re-enrolment the sealing device had not seen) stays.
/// Two copies of one version keep the one under the newer epoch, then the greater bytes: the
/// same choice on every device, in whatever order they arrive.
fn apply_reseal(tx: &mut ApplyTx<'_>, c: &Change, base: &Value) -> Result<Applied> {
    let base = Version {
        hlc: base
            .get("hlc")
            .and_then(Value::as_u64)
            .ok_or_else(|| Error::invalid_input("a sealed-again TOTP secret without its stamp"))?,
        device_id: base
            .get("device_id")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::invalid_input("a sealed-again TOTP secret without its device"))?
            .to_string(),
    };
    let sealed = c
        .payload
        .get("totp_secret_enc")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::invalid_input("a sealed-again TOTP secret without the secret"))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(sealed)
        .map_err(|_| Error::invalid_input("a sealed TOTP secret that is not base64"))?;
    let held = tx.version("staff", &c.entity_id, "totp_secret_enc")?;
    if held.as_ref().is_some_and(|h| *h > base) {
        return Ok(Applied::AlreadyHeld);
    }
    if held.as_ref() == Some(&base) {
        let current: Option<Vec<u8>> = tx
            .row(
                "SELECT totp_secret_enc FROM staff WHERE id = ?1",
                [&c.entity_id],
                |r| r.get(0),
            )?
            .flatten();
        if let Some(current) = current {
            let rank = |b: &[u8]| (StoreKey::sealed_epoch(b), b.to_vec());
            if rank(&bytes) <= rank(&current) {
                return Ok(Applied::AlreadyHeld);
            }
        }
    }
    tx.exec(
        "UPDATE staff SET totp_secret_enc = ?2 WHERE id = ?1",
        params![c.entity_id, bytes],
    )?;
    tx.set_version("staff", &c.entity_id, "totp_secret_enc", &base)?;
    Ok(Applied::Applied)
}

/// A backup code (a ledger row), or an event on it: used (the first use by time stands; a
/// second use on another device is a conflict) or retired.
fn apply_backup_code(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let p = &c.payload;
    match c.op {
        kassa_sync_protocol::ChangeOp::Insert => {
            let staff_id = p.get("staff_id").and_then(Value::as_str);
            if let Some(reason) = tx.missing_parent(&[("staff", "id", staff_id)])? {
                return Ok(tx.park(reason));
            }
            tx.insert_ledger_with(
                "backup_codes",
                &[("id", SqlValue::Text(c.entity_id.clone()))],
                &[
                    ("staff_id", field(p, "staff_id")),
                    ("code_hash", field(p, "code_hash")),
                ],
                &[("created_at", SqlValue::Text(ApplyTx::stamp_ts(c)))],
            )
        }
        _ => {
            let held: Option<(Option<String>, Option<String>, Option<String>)> = tx.row(
                "SELECT used_at, used_device, revoked_at FROM backup_codes WHERE id = ?1",
                [&c.entity_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let Some((used_at, used_device, revoked_at)) = held else {
                return Ok(tx.park(format!("waiting for backup code {}", c.entity_id)));
            };
            let mut outcome = Applied::AlreadyHeld;
            if let Some(at) = p.get("used_at").and_then(Value::as_str) {
                let device = p.get("used_device").and_then(Value::as_str).unwrap_or("");
                let incoming = (at.to_string(), device.to_string());
                match used_at {
                    None => {
                        tx.exec(
                            "UPDATE backup_codes SET used_at = ?2, used_device = ?3 WHERE id = ?1",
                            params![c.entity_id, at, device],
                        )?;
                        outcome = Applied::Applied;
                    }
                    Some(h) if (h.clone(), used_device.clone().unwrap_or_default()) != incoming => {
                        let first = std::cmp::min(
                            (h.clone(), used_device.clone().unwrap_or_default()),
                            incoming.clone(),
                        );
                        tx.conflict(
                            "backup_code_reused",
                            "backup_codes",
                            &c.entity_id,
                            json!({"held": {"used_at": h, "used_device": used_device},
                                   "incoming": {"used_at": at, "used_device": device},
                                   "kept": {"used_at": first.0, "used_device": first.1}}),
                        )?;
                        tx.exec(
                            "UPDATE backup_codes SET used_at = ?2, used_device = ?3 WHERE id = ?1",
                            params![c.entity_id, first.0, first.1],
                        )?;
                        outcome = Applied::Conflict;
                    }
                    Some(_) => {}
                }
            }
            if let Some(at) = p.get("revoked_at").and_then(Value::as_str)
                && revoked_at.as_deref().is_none_or(|h| at < h)
            {
                tx.exec(
                    "UPDATE backup_codes SET revoked_at = ?2 WHERE id = ?1",
                    params![c.entity_id, at],
                )?;
                if outcome == Applied::AlreadyHeld {
                    outcome = Applied::Applied;
                }
            }
            Ok(outcome)
        }
    }
}

/// An authenticator step used on another device. The row a step keeps is its first use by
/// `(used_at, device)`, the same on every device; a second use of one code on another device
/// (two devices offline, one code typed on both) is a conflict.
fn apply_totp_step(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let p = &c.payload;
    if let Some(reason) = lacks(p, &["staff_id", "step", "used_at", "device_id"]) {
        return Err(Error::invalid_input(format!(
            "a used authenticator step: {reason}"
        )));
    }
    let staff_id = p.get("staff_id").and_then(Value::as_str);
    if let Some(reason) = tx.missing_parent(&[("staff", "id", staff_id)])? {
        return Ok(tx.park(reason));
    }
    let text = |k: &str| {
        p.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let incoming = (text("used_at"), text("device_id"));
    let step = p.get("step").and_then(Value::as_i64).unwrap_or_default();
    if c.entity_id != format!("{}:{step}", text("staff_id")) {
        return Err(Error::invalid_input(format!(
            "the used authenticator step {} does not name its person and step",
            c.entity_id
        )));
    }
    let held: Option<(String, String)> = tx.row(
        "SELECT used_at, device_id FROM totp_steps WHERE id = ?1",
        [&c.entity_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    match held {
        None => {
            tx.exec(
                "INSERT INTO totp_steps (id, staff_id, step, used_at, device_id) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![c.entity_id, text("staff_id"), step, incoming.0, incoming.1],
            )?;
            Ok(Applied::Applied)
        }
        Some(h) if h == incoming => Ok(Applied::AlreadyHeld),
        Some(h) => {
            let first = std::cmp::min(h.clone(), incoming.clone());
            tx.conflict(
                "totp_code_used_twice",
                "totp_steps",
                &c.entity_id,
                json!({"held": {"used_at": h.0, "device_id": h.1},
                       "incoming": {"used_at": incoming.0, "device_id": incoming.1},
                       "kept": {"used_at": first.0, "device_id": first.1}}),
            )?;
            tx.exec(
                "UPDATE totp_steps SET used_at = ?2, device_id = ?3 WHERE id = ?1",
                params![c.entity_id, first.0, first.1],
            )?;
            Ok(Applied::Conflict)
        }
    }
}

const INVITATION_COLUMNS: &[&str] = &[
    "store_id",
    "kind",
    "email",
    "display_name",
    "role",
    "staff_id",
    "token_hash",
    "expires_at",
    "created_by",
    "accepted_at",
    "revoked_at",
];

/// An invitation: last writer wins per field, except its acceptance: the first acceptance by
/// `(hlc, device)` stands and a second one is a conflict.
fn apply_invitation(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let p = &c.payload;
    let exists = tx.exists("invitations", "id", &c.entity_id)?;
    if !exists
        && let Some(reason) = lacks(
            p,
            &[
                "store_id",
                "kind",
                "email",
                "role",
                "token_hash",
                "expires_at",
                "created_by",
            ],
        )
    {
        return Ok(tx.park(reason));
    }
    let parents = [
        ("stores", "id", p.get("store_id").and_then(Value::as_str)),
        ("staff", "id", p.get("created_by").and_then(Value::as_str)),
        ("staff", "id", p.get("staff_id").and_then(Value::as_str)),
    ];
    if let Some(reason) = tx.missing_parent(&parents)? {
        return Ok(tx.park(reason));
    }
    let held_acceptance: Option<(Option<String>, Option<String>)> = tx.row(
        "SELECT accepted_at, staff_id FROM invitations WHERE id = ?1",
        [&c.entity_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let held_version = tx.version("invitations", &c.entity_id, "accepted_at")?;
    let mut won = tx.winning_fields(c)?;
    let mut outcome = Applied::Applied;
    if let (Some(Value::String(_)), Some((Some(at), staff))) =
        (p.get("accepted_at"), &held_acceptance)
        && p.get("staff_id").and_then(Value::as_str) != staff.as_deref()
        && p.get("staff_id").is_some()
    {
        let first_is_held = held_version.as_ref().is_some_and(|h| *h < Version::of(c));
        tx.conflict(
            "invitation_accepted_twice",
            "invitations",
            &c.entity_id,
            json!({"held": {"accepted_at": at, "staff_id": staff}, "incoming": p,
                   "kept": if first_is_held { "held" } else { "incoming" }}),
        )?;
        let keep = if first_is_held {
            won.remove("accepted_at");
            won.remove("staff_id");
            held_version
        } else {
            for f in ["accepted_at", "staff_id"] {
                if let Some(v) = p.get(f) {
                    won.insert(f.into(), v.clone());
                }
            }
            Some(Version::of(c))
        };
        if let Some(v) = &keep {
            for f in ["accepted_at", "staff_id"] {
                tx.set_version("invitations", &c.entity_id, f, v)?;
            }
        }
        outcome = Applied::Conflict;
    }
    if exists && won.is_empty() {
        return Ok(if outcome == Applied::Conflict {
            outcome
        } else {
            Applied::AlreadyHeld
        });
    }
    tx.write_reference("invitations", c, !exists, &won, INVITATION_COLUMNS)?;
    Ok(outcome)
}
