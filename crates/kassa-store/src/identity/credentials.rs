//! Changing credentials: a person's own password, PIN and backup codes (each confirmed with
//! the current password), and an admin's reset of someone's password.

use crate::foundation::secret::{hash_secret, new_temporary_password, verify_secret};
use crate::foundation::write::AuditInput;
use crate::identity::auth;
use crate::identity::staff::{self, NewSecondFactor, Staff};
use crate::{SqlResult, Store, foundation::device};
use kassa_domain::password::check_new_password;
use kassa_domain::pin::check_new_pin;
use kassa_domain::{Error, ErrorCode, Result};
use rusqlite::params;
use serde_json::json;

/// Replaces `member`'s password after checking the current one. The new one must meet the
/// password rules and differ from the current one; a forced change is then satisfied. Every
/// other open session of theirs on this device ends; `session_id`, the one asking, stays.
pub fn change_password(
    store: &mut Store,
    member: &Staff,
    session_id: &str,
    current: &str,
    new: &str,
) -> Result<()> {
    auth::confirm_password(store, member, current)?;
    let store_name = device::store(store.conn(), &member.store_id)?.name;
    check_new_password(new, &[&member.email, &member.display_name, &store_name])?;
    if let Some(phc) = &member.password_hash
        && verify_secret(phc, new)?
    {
        return Err(Error::new(
            ErrorCode::WeakPassword,
            "the new password is the current one; choose a different one",
        ));
    }
    let phc = hash_secret(new)?;
    store.write(|tx| {
        tx.execute(
            "UPDATE staff SET password_hash = ?1, must_change_password = 0 WHERE id = ?2",
            params![phc, member.id],
        )
        .db()?;
        staff::touch_fields(
            tx,
            &member.id,
            json!({"password_hash": phc, "must_change_password": false}),
        )?;
        let ended = crate::identity::session::end_others_for(
            tx,
            &member.id,
            session_id,
            "password_changed",
        )?;
        tx.audit(
            AuditInput::new("auth.password_changed")
                .by(&member.id)
                .on("staff", &member.id)
                .after(
                    json!({"forced": member.must_change_password, "sessions_ended": ended.len()}),
                ),
        )?;
        Ok(())
    })
}

/// An admin's reset: a new temporary password (returned, shown once to the admin to pass on)
/// that must be replaced at the next sign-in. Also lifts a lockout and ends the person's
/// sessions on this device.
pub fn reset_password(store: &mut Store, member: &Staff, actor_id: &str) -> Result<String> {
    let temporary = new_temporary_password();
    let phc = hash_secret(&temporary)?;
    store.write(|tx| {
        tx.execute(
            "UPDATE staff SET password_hash = ?1, must_change_password = 1 WHERE id = ?2",
            params![phc, member.id],
        )
        .db()?;
        crate::identity::lockout::clear(tx, &member.id)?;
        staff::touch_fields(
            tx,
            &member.id,
            json!({"password_hash": phc, "must_change_password": true}),
        )?;
        crate::identity::session::end_all_for(tx, &member.id, "password_reset")?;
        tx.audit(
            AuditInput::new("auth.password_reset")
                .by(actor_id)
                .on("staff", &member.id)
                .after(json!({"must_change_password": true})),
        )?;
        Ok(())
    })?;
    Ok(temporary)
}

/// Sets `member`'s quick-unlock PIN after checking their current password.
pub fn set_pin(store: &mut Store, member: &Staff, current: &str, pin: &str) -> Result<()> {
    check_new_pin(pin)?;
    auth::confirm_password(store, member, current)?;
    let phc = hash_secret(pin)?;
    store.write(|tx| {
        tx.execute(
            "UPDATE staff SET pin_hash = ?1 WHERE id = ?2",
            params![phc, member.id],
        )
        .db()?;
        staff::touch_fields(tx, &member.id, json!({"pin_hash": phc}))?;
        tx.audit(
            AuditInput::new("auth.pin_set")
                .by(&member.id)
                .on("staff", &member.id)
                .after(json!({"replaced": member.pin_hash.is_some()})),
        )?;
        Ok(())
    })
}

/// Replaces `member`'s backup codes with ten new ones (returned, shown once) after checking
/// the current password; every unused old code stops working.
pub fn regenerate_backup_codes(
    store: &mut Store,
    member: &Staff,
    current: &str,
) -> Result<Vec<String>> {
    auth::confirm_password(store, member, current)?;
    let set = NewSecondFactor::prepare()?;
    store.write(|tx| {
        let retired = staff::revoke_backup_codes(tx, &member.id)?;
        staff::insert_backup_codes(tx, &member.id, set.backup_hashes())?;
        tx.audit(
            AuditInput::new("auth.backup_codes_regenerated")
                .by(&member.id)
                .on("staff", &member.id)
                .after(json!({"count": set.backup_codes.len(), "retired": retired})),
        )?;
        Ok(())
    })?;
    Ok(set.backup_codes)
}
