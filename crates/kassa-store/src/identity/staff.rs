//! Staff members: who they are, their role, and the verifiers that let them sign in offline.

use crate::{SqlResult, parse_ts};
use chrono::{DateTime, Utc};
use kassa_domain::role::Role;
use kassa_domain::{Error, Result};
use rusqlite::{Connection, OptionalExtension};
use serde_json::{Value, json};

/// Whether a staff member can sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffStatus {
    Invited,
    Active,
    Disabled,
}

impl StaffStatus {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            StaffStatus::Invited => "invited",
            StaffStatus::Active => "active",
            StaffStatus::Disabled => "disabled",
        }
    }

    pub(crate) fn parse(s: &str) -> StaffStatus {
        match s {
            "invited" => StaffStatus::Invited,
            "active" => StaffStatus::Active,
            _ => StaffStatus::Disabled,
        }
    }
}

/// A staff row, verifiers included. Never serialise this whole: see [`Staff::public_json`].
#[derive(Debug, Clone)]
pub struct Staff {
    pub id: String,
    pub store_id: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub status: StaffStatus,
    pub password_hash: Option<String>,
    pub totp_secret_enc: Option<Vec<u8>>,
    pub totp_last_step: Option<u64>,
    pub must_change_password: bool,
    pub failed_attempts: u32,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: String,
    /// The quick-unlock PIN as an argon2id PHC string, when one is set.
    pub pin_hash: Option<String>,
}

impl Staff {
    /// The fields an audit entry or a list may show: no hashes, no secrets.
    pub fn public_json(&self) -> Value {
        json!({
            "id": self.id,
            "email": self.email,
            "display_name": self.display_name,
            "role": self.role.as_str(),
            "status": self.status.as_str(),
        })
    }

    /// The context a sealed TOTP secret is bound to (sealed with the store key, so every
    /// device of the store opens it).
    pub fn totp_context(id: &str) -> String {
        format!("staff.totp_secret:{id}")
    }
}

const COLUMNS: &str =
    "id, store_id, email, display_name, role, status, password_hash, totp_secret_enc,
    totp_last_step, must_change_password,
    ifnull((SELECT l.failed_attempts FROM staff_lockout l WHERE l.staff_id = staff.id), 0),
    (SELECT l.locked_until FROM staff_lockout l WHERE l.staff_id = staff.id), created_at, pin_hash";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Staff, Option<String>, String)> {
    let role: String = r.get(4)?;
    let status: String = r.get(5)?;
    let last: Option<i64> = r.get(8)?;
    let failed: i64 = r.get(10)?;
    let locked: Option<String> = r.get(11)?;
    Ok((
        Staff {
            id: r.get(0)?,
            store_id: r.get(1)?,
            email: r.get(2)?,
            display_name: r.get(3)?,
            // A role the table's CHECK allows always parses; fall back to the least power.
            role: Role::parse(&role).unwrap_or(Role::Cashier),
            status: StaffStatus::parse(&status),
            password_hash: r.get(6)?,
            totp_secret_enc: r.get(7)?,
            totp_last_step: last.and_then(|v| u64::try_from(v).ok()),
            must_change_password: r.get::<_, i64>(9)? != 0,
            failed_attempts: u32::try_from(failed).unwrap_or(u32::MAX),
            locked_until: None,
            created_at: r.get(12)?,
            pin_hash: r.get(13)?,
        },
        locked,
        role,
    ))
}

fn finish(row: Option<(Staff, Option<String>, String)>) -> Result<Option<Staff>> {
    row.map(|(mut s, locked, _)| {
        s.locked_until = locked.as_deref().map(parse_ts).transpose()?;
        Ok(s)
    })
    .transpose()
}

/// The staff member with this email (case-insensitive), if any.
pub fn find_by_email(conn: &Connection, email: &str) -> Result<Option<Staff>> {
    let row = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM staff WHERE email = ?1"),
            [email.trim()],
            from_row,
        )
        .optional()
        .db()?;
    finish(row)
}

/// The staff member with this id.
pub fn get(conn: &Connection, id: &str) -> Result<Staff> {
    let row = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM staff WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()
        .db()?;
    finish(row)?.ok_or_else(|| Error::not_found(format!("no staff member with id {id}")))
}

/// Everyone, by name.
pub fn list(conn: &Connection) -> Result<Vec<Staff>> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM staff ORDER BY display_name COLLATE NOCASE, email"
        ))
        .db()?;
    let rows = stmt.query_map([], from_row).db()?;
    let mut out = Vec::new();
    for row in rows {
        if let Some(s) = finish(Some(row.db()?))? {
            out.push(s);
        }
    }
    Ok(out)
}

pub use kassa_domain::email::validate_email;

/// A display name: trimmed, 1 to 80 characters, no control characters.
pub fn validate_name(name: &str, what: &str) -> Result<String> {
    let n = name.trim();
    if n.is_empty() {
        return Err(Error::invalid_input(format!("the {what} is empty")));
    }
    if n.chars().count() > 80 {
        return Err(Error::invalid_input(format!(
            "the {what} is longer than 80 characters"
        )));
    }
    if n.chars().any(char::is_control) {
        return Err(Error::invalid_input(format!(
            "the {what} contains control characters"
        )));
    }
    Ok(n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shapes() {
        assert!(validate_email("a@example.com").is_ok());
        for bad in [
            "",
            "a",
            "a@b",
            "@example.com",
            "a@.com",
            "a b@example.com",
            "a@example..com",
            "a@@x.com",
        ] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
    }
}

/// Credentials for a new account, prepared before the write transaction (hashing is slow).
pub struct NewCredentials {
    pub password_hash: String,
    pub totp_secret: [u8; kassa_domain::totp::SECRET_BYTES],
    /// The codes as printed; shown once, stored only as hashes.
    pub backup_codes: Vec<String>,
    backup_hashes: Vec<String>,
}

impl NewCredentials {
    /// Hashes `password` (which must already meet the password rules), draws a TOTP secret
    /// and ten backup codes.
    pub fn prepare(password: &str) -> Result<NewCredentials> {
        let second = NewSecondFactor::prepare()?;
        Ok(NewCredentials {
            password_hash: crate::foundation::secret::hash_secret(password)?,
            totp_secret: second.totp_secret,
            backup_codes: second.backup_codes,
            backup_hashes: second.backup_hashes,
        })
    }
}

/// A new authenticator secret and a new set of backup codes (re-enrolment, or new codes only).
pub struct NewSecondFactor {
    pub totp_secret: [u8; kassa_domain::totp::SECRET_BYTES],
    /// The codes as printed; shown once, stored only as hashes.
    pub backup_codes: Vec<String>,
    backup_hashes: Vec<String>,
}

impl NewSecondFactor {
    /// Draws the secret and ten codes and hashes the codes (slow: do it before the write).
    pub fn prepare() -> Result<NewSecondFactor> {
        let backup_codes = crate::foundation::secret::new_backup_codes();
        let backup_hashes = backup_codes
            .iter()
            .map(|c| {
                crate::foundation::secret::hash_secret(
                    &crate::foundation::secret::normalize_backup_code(c),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(NewSecondFactor {
            totp_secret: crate::foundation::secret::new_totp_secret(),
            backup_codes,
            backup_hashes,
        })
    }

    /// The hashes of the codes, as stored.
    pub(crate) fn backup_hashes(&self) -> &[String] {
        &self.backup_hashes
    }
}

/// Stores hashed backup codes for `staff_id`, each synced as its own row.
pub(crate) fn insert_backup_codes(
    tx: &mut crate::WriteTx<'_>,
    staff_id: &str,
    hashes: &[String],
) -> Result<()> {
    use crate::foundation::write::ChangeOp;
    let now = tx.now_ts();
    for h in hashes {
        let code_id = crate::foundation::ids::new_id();
        tx.execute(
            "INSERT INTO backup_codes (id, staff_id, code_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![code_id, staff_id, h, now],
        )
        .db()?;
        tx.record_change(
            "backup_codes",
            &code_id,
            ChangeOp::Insert,
            &json!({"staff_id": staff_id, "code_hash": h}),
        )?;
    }
    Ok(())
}

/// Retires every unused backup code of `staff_id`; returns how many.
pub(crate) fn revoke_backup_codes(tx: &mut crate::WriteTx<'_>, staff_id: &str) -> Result<u32> {
    use crate::foundation::write::ChangeOp;
    let now = tx.now_ts();
    let ids: Vec<String> = tx
        .prepare(
            "UPDATE backup_codes SET revoked_at = ?1
             WHERE staff_id = ?2 AND used_at IS NULL AND revoked_at IS NULL RETURNING id",
        )
        .db()?
        .query_map(rusqlite::params![now, staff_id], |r| r.get(0))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    for id in &ids {
        tx.record_change(
            "backup_codes",
            id,
            ChangeOp::Event,
            &json!({"revoked_at": now}),
        )?;
    }
    Ok(u32::try_from(ids.len()).unwrap_or(u32::MAX))
}

/// Unused, unretired backup codes left for `staff_id`.
pub fn backup_codes_left(conn: &Connection, staff_id: &str) -> Result<u32> {
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM backup_codes WHERE staff_id = ?1 AND used_at IS NULL AND revoked_at IS NULL",
            [staff_id],
            |r| r.get(0),
        )
        .db()?;
    Ok(u32::try_from(n).unwrap_or(0))
}

/// Records a change of some of a staff member's fields (last writer wins per field) and
/// stamps the row's `updated_at`.
pub(crate) fn touch_fields(
    tx: &mut crate::WriteTx<'_>,
    staff_id: &str,
    fields: Value,
) -> Result<()> {
    let now = tx.now_ts();
    tx.execute(
        "UPDATE staff SET updated_at = ?1 WHERE id = ?2",
        rusqlite::params![now, staff_id],
    )
    .db()?;
    tx.record_change(
        "staff",
        staff_id,
        crate::foundation::write::ChangeOp::Upsert,
        &fields,
    )
}

/// Changes a staff member's role; audited with before and after by `actor_id`.
pub fn set_role(
    tx: &mut crate::WriteTx<'_>,
    member: &Staff,
    role: Role,
    actor_id: &str,
) -> Result<()> {
    tx.execute(
        "UPDATE staff SET role = ?1 WHERE id = ?2",
        rusqlite::params![role.as_str(), member.id],
    )
    .db()?;
    touch_fields(tx, &member.id, json!({"role": role.as_str()}))?;
    tx.audit(
        crate::AuditInput::new("staff.role_changed")
            .by(actor_id)
            .on("staff", &member.id)
            .before(json!({"role": member.role.as_str()}))
            .after(json!({"role": role.as_str()})),
    )?;
    Ok(())
}

/// Suspends (`active` false) or reactivates a staff member. Suspending ends their open
/// sessions on this device at once.
pub fn set_active(
    tx: &mut crate::WriteTx<'_>,
    member: &Staff,
    active: bool,
    actor_id: &str,
) -> Result<()> {
    let status = if active {
        StaffStatus::Active
    } else {
        StaffStatus::Disabled
    };
    tx.execute(
        "UPDATE staff SET status = ?1 WHERE id = ?2",
        rusqlite::params![status.as_str(), member.id],
    )
    .db()?;
    touch_fields(tx, &member.id, json!({"status": status.as_str()}))?;
    if !active {
        crate::identity::session::end_all_for(tx, &member.id, "suspended")?;
    }
    tx.audit(
        crate::AuditInput::new(if active {
            "staff.reactivated"
        } else {
            "staff.suspended"
        })
        .by(actor_id)
        .on("staff", &member.id)
        .before(json!({"status": member.status.as_str()}))
        .after(json!({"status": status.as_str()})),
    )?;
    Ok(())
}

/// Lifts a lockout: clears the failure count and the lock. `entry` says who did it (and who
/// approved, for a manager override); this fills in the record, so one entry names both.
pub fn unlock(
    tx: &mut crate::WriteTx<'_>,
    member: &Staff,
    entry: crate::AuditInput<'_>,
) -> Result<()> {
    // A clearing event, synced: the account is unlocked on every device that receives it.
    crate::identity::lockout::clear(tx, &member.id)?;
    tx.audit(
        entry
            .on("staff", &member.id)
            .before(json!({
                "failed_attempts": member.failed_attempts,
                "locked_until": member.locked_until.map(crate::ts),
            }))
            .after(json!({"failed_attempts": 0, "locked_until": null})),
    )?;
    Ok(())
}

/// Who a new active staff member is.
#[derive(Debug, Clone)]
pub struct NewStaff<'a> {
    pub store_id: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: Role,
}

/// Inserts an active staff member with their credentials, the outbox entries and the audit
/// entries (created, TOTP enrolled, backup codes issued). Returns the new id.
pub fn insert_active(
    tx: &mut crate::WriteTx<'_>,
    key: &crate::StoreKey,
    who: &NewStaff<'_>,
    creds: &NewCredentials,
    actor_id: Option<&str>,
) -> Result<String> {
    use crate::foundation::write::{AuditInput, ChangeOp};
    use base64::Engine;
    let id = crate::foundation::ids::new_id();
    let now = tx.now_ts();
    let totp_enc = key.seal(&creds.totp_secret, &Staff::totp_context(&id))?;
    tx.execute(
        "INSERT INTO staff (id, store_id, email, display_name, role, status, password_hash,
            totp_secret_enc, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'active', ?6, ?7, ?8, ?8)",
        rusqlite::params![
            id,
            who.store_id,
            who.email,
            who.display_name,
            who.role.as_str(),
            creds.password_hash,
            totp_enc,
            now
        ],
    )
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Error::already_exists(format!(
                "a staff member with the email {} already exists",
                who.email
            ))
        }
        other => crate::sql_err(other),
    })?;
    tx.record_change(
        "staff",
        &id,
        ChangeOp::Upsert,
        &json!({
            "store_id": who.store_id, "email": who.email, "display_name": who.display_name,
            "role": who.role.as_str(), "status": "active", "password_hash": creds.password_hash,
            "totp_secret_enc": base64::engine::general_purpose::STANDARD.encode(&totp_enc),
        }),
    )?;
    insert_backup_codes(tx, &id, &creds.backup_hashes)?;
    let actor = actor_id.or(Some(id.as_str()));
    tx.audit(AuditInput {
        actor_id: actor,
        action: "staff.created",
        entity: Some("staff"),
        entity_id: Some(&id),
        after: Some(json!({"email": who.email, "display_name": who.display_name, "role": who.role.as_str(), "status": "active"})),
        ..Default::default()
    })?;
    tx.audit(AuditInput {
        actor_id: actor,
        action: "auth.totp_enrolled",
        entity: Some("staff"),
        entity_id: Some(&id),
        ..Default::default()
    })?;
    tx.audit(AuditInput {
        actor_id: actor,
        action: "auth.backup_codes_issued",
        entity: Some("staff"),
        entity_id: Some(&id),
        after: Some(json!({"count": creds.backup_codes.len()})),
        ..Default::default()
    })?;
    Ok(id)
}
