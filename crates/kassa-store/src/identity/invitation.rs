//! One-time codes handed to a person: an invitation to join the store, or a new authenticator
//! for someone who lost theirs. Only the code's SHA-256 is stored; the code is shown once.

use crate::foundation::secret::{normalize_backup_code, token_hash};
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use crate::identity::auth::{self, Attempt};
use crate::identity::staff::{self, NewCredentials, NewSecondFactor, NewStaff, Staff, StaffStatus};
use crate::{SqlResult, Store, foundation::device, parse_ts, ts};
use chrono::{DateTime, Duration, Utc};
use kassa_domain::password::check_new_password;
use kassa_domain::role::Role;
use kassa_domain::{Error, ErrorCode, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

/// What redeeming the code does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationKind {
    /// Creates the account: the person chooses a password and enrols an authenticator.
    Invite,
    /// Replaces the authenticator and backup codes of an existing account.
    Reenrol,
}

impl InvitationKind {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationKind::Invite => "invite",
            InvitationKind::Reenrol => "reenrol",
        }
    }
}

/// Where an invitation stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    Pending,
    Expired,
    Accepted,
    Revoked,
}

impl InvitationState {
    /// As the API shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationState::Pending => "pending",
            InvitationState::Expired => "expired",
            InvitationState::Accepted => "accepted",
            InvitationState::Revoked => "revoked",
        }
    }
}

/// An invitation or re-enrolment code, without the code.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: String,
    pub store_id: String,
    pub kind: InvitationKind,
    pub email: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub staff_id: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub created_by: String,
    pub created_at: String,
    pub accepted_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl Invitation {
    /// Where it stands at `now`.
    pub fn state(&self, now: DateTime<Utc>) -> InvitationState {
        if self.revoked_at.is_some() {
            InvitationState::Revoked
        } else if self.accepted_at.is_some() {
            InvitationState::Accepted
        } else if self.expires_at <= now {
            InvitationState::Expired
        } else {
            InvitationState::Pending
        }
    }

    /// The fields an audit entry shows: no code, no hash.
    fn public_json(&self) -> serde_json::Value {
        json!({
            "kind": self.kind.as_str(), "email": self.email, "role": self.role.as_str(),
            "display_name": self.display_name, "expires_at": ts(self.expires_at),
        })
    }
}

const COLUMNS: &str = "id, store_id, kind, email, display_name, role, staff_id, expires_at,
    created_by, created_at, accepted_at, revoked_at";

type Row = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
    ))
}

fn to_invitation(row: Row) -> Result<Invitation> {
    let (id, store_id, kind, email, name, role, staff_id, expires, by, created, accepted, revoked) =
        row;
    Ok(Invitation {
        id,
        store_id,
        kind: if kind == "reenrol" {
            InvitationKind::Reenrol
        } else {
            InvitationKind::Invite
        },
        email,
        display_name: name,
        role: Role::parse(&role)?,
        staff_id,
        expires_at: parse_ts(&expires)?,
        created_by: by,
        created_at: created,
        accepted_at: accepted,
        revoked_at: revoked,
    })
}

/// The invitation with this id.
pub fn get(conn: &Connection, id: &str) -> Result<Invitation> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM invitations WHERE id = ?1"),
        [id],
        read_row,
    )
    .optional()
    .db()?
    .map(to_invitation)
    .transpose()?
    .ok_or_else(|| Error::not_found(format!("no invitation with id {id}")))
}

/// The invitation a typed code belongs to, if any (dashes, spaces and case do not matter).
pub fn find_by_code(conn: &Connection, code: &str) -> Result<Option<Invitation>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM invitations WHERE token_hash = ?1"),
        [code_hash(code)],
        read_row,
    )
    .optional()
    .db()?
    .map(to_invitation)
    .transpose()
}

/// Invitations not yet accepted or withdrawn (pending or expired), newest first.
pub fn list_open(conn: &Connection) -> Result<Vec<Invitation>> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM invitations WHERE accepted_at IS NULL AND revoked_at IS NULL
             ORDER BY created_at DESC"
        ))
        .db()?;
    let rows = stmt.query_map([], read_row).db()?;
    let mut out = Vec::new();
    for row in rows {
        out.push(to_invitation(row.db()?)?);
    }
    Ok(out)
}

fn code_hash(code: &str) -> String {
    token_hash(&normalize_backup_code(code))
}

fn valid_hours(conn: &Connection, store_id: &str) -> Result<i64> {
    crate::foundation::settings::get_int(conn, store_id, "security.invitation_valid_hours")
}

fn insert(tx: &mut WriteTx<'_>, inv: &Invitation, code: &str) -> Result<()> {
    let now = tx.now_ts();
    let hash = code_hash(code);
    tx.execute(
        &format!(
            "INSERT INTO invitations ({COLUMNS}, token_hash, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, NULL, ?11, ?10)"
        ),
        params![
            inv.id,
            inv.store_id,
            inv.kind.as_str(),
            inv.email,
            inv.display_name,
            inv.role.as_str(),
            inv.staff_id,
            ts(inv.expires_at),
            inv.created_by,
            now,
            hash,
        ],
    )
    .db()?;
    tx.record_change(
        "invitations",
        &inv.id,
        ChangeOp::Upsert,
        &json!({
            "store_id": inv.store_id, "kind": inv.kind.as_str(), "email": inv.email,
            "display_name": inv.display_name, "role": inv.role.as_str(), "staff_id": inv.staff_id,
            "token_hash": hash, "expires_at": ts(inv.expires_at), "created_by": inv.created_by,
        }),
    )
}

/// Invites `email` with `role`; returns the invitation and its code (shown once).
///
/// Refused with `already_exists` when the email belongs to a staff member or has a pending
/// invitation (resend that one instead).
pub fn invite(
    tx: &mut WriteTx<'_>,
    email: &str,
    display_name: Option<&str>,
    role: Role,
    actor_id: &str,
) -> Result<(Invitation, String)> {
    let email = staff::validate_email(email)?;
    let display_name = display_name
        .filter(|n| !n.trim().is_empty())
        .map(|n| staff::validate_name(n, "name"))
        .transpose()?;
    if staff::find_by_email(tx, &email)?.is_some() {
        return Err(Error::already_exists(format!(
            "{email} already has an account here"
        )));
    }
    let now = tx.now();
    let pending = list_open(tx)?.into_iter().any(|i| {
        i.kind == InvitationKind::Invite
            && i.email.eq_ignore_ascii_case(&email)
            && i.state(now) == InvitationState::Pending
    });
    if pending {
        return Err(Error::already_exists(format!(
            "{email} already has a pending invitation; resend it to get a new code"
        )));
    }
    let store_id = device::device(tx)?
        .ok_or_else(|| Error::new(ErrorCode::NotSetUp, "this device has no store yet"))?
        .store_id;
    let inv = Invitation {
        id: crate::foundation::ids::new_id(),
        expires_at: now + Duration::hours(valid_hours(tx, &store_id)?),
        store_id,
        kind: InvitationKind::Invite,
        email,
        display_name,
        role,
        staff_id: None,
        created_by: actor_id.to_string(),
        created_at: ts(now),
        accepted_at: None,
        revoked_at: None,
    };
    let code = crate::foundation::secret::new_invitation_code();
    insert(tx, &inv, &code)?;
    tx.audit(
        AuditInput::new("staff.invited")
            .by(actor_id)
            .on("invitation", &inv.id)
            .after(inv.public_json()),
    )?;
    Ok((inv, code))
}

/// Starts a re-enrolment for `member` (who lost their authenticator): their TOTP secret and
/// unused backup codes stop working at once, their sessions end, and a code is returned that
/// they redeem with their current password to enrol a new authenticator.
pub fn start_reenrol(
    tx: &mut WriteTx<'_>,
    member: &Staff,
    actor_id: &str,
) -> Result<(Invitation, String)> {
    let now = tx.now();
    let earlier: Vec<String> = list_open(tx)?
        .into_iter()
        .filter(|i| i.kind == InvitationKind::Reenrol && i.staff_id.as_deref() == Some(&member.id))
        .map(|i| i.id)
        .collect();
    for id in earlier {
        mark_revoked(tx, &id)?;
    }
    tx.execute(
        "UPDATE staff SET totp_secret_enc = NULL WHERE id = ?1",
        [&member.id],
    )
    .db()?;
    staff::touch_fields(tx, &member.id, json!({"totp_secret_enc": null}))?;
    let revoked = staff::revoke_backup_codes(tx, &member.id)?;
    crate::identity::session::end_all_for(tx, &member.id, "reenrol")?;
    let inv = Invitation {
        id: crate::foundation::ids::new_id(),
        expires_at: now + Duration::hours(valid_hours(tx, &member.store_id)?),
        store_id: member.store_id.clone(),
        kind: InvitationKind::Reenrol,
        email: member.email.clone(),
        display_name: Some(member.display_name.clone()),
        role: member.role,
        staff_id: Some(member.id.clone()),
        created_by: actor_id.to_string(),
        created_at: ts(now),
        accepted_at: None,
        revoked_at: None,
    };
    let code = crate::foundation::secret::new_invitation_code();
    insert(tx, &inv, &code)?;
    tx.audit(
        AuditInput::new("auth.reenrol_started")
            .by(actor_id)
            .on("staff", &member.id)
            .after(json!({"invitation_id": inv.id, "expires_at": ts(inv.expires_at), "backup_codes_retired": revoked})),
    )?;
    Ok((inv, code))
}

fn mark_revoked(tx: &mut WriteTx<'_>, id: &str) -> Result<()> {
    let now = tx.now_ts();
    tx.execute(
        "UPDATE invitations SET revoked_at = ?1, updated_at = ?1 WHERE id = ?2 AND revoked_at IS NULL AND accepted_at IS NULL",
        params![now, id],
    )
    .db()?;
    tx.record_change(
        "invitations",
        id,
        ChangeOp::Upsert,
        &json!({"revoked_at": now}),
    )
}

fn require_open(inv: &Invitation, now: DateTime<Utc>) -> Result<()> {
    match inv.state(now) {
        InvitationState::Accepted => Err(Error::new(
            ErrorCode::InvalidTransition,
            "this invitation was already accepted",
        )),
        InvitationState::Revoked => Err(Error::new(
            ErrorCode::InvalidTransition,
            "this invitation was withdrawn",
        )),
        InvitationState::Pending | InvitationState::Expired => Ok(()),
    }
}

/// Gives a pending or expired invitation a new code and a new expiry; the old code stops working.
pub fn resend(tx: &mut WriteTx<'_>, id: &str, actor_id: &str) -> Result<(Invitation, String)> {
    let mut inv = get(tx, id)?;
    let now = tx.now();
    require_open(&inv, now)?;
    inv.expires_at = now + Duration::hours(valid_hours(tx, &inv.store_id)?);
    let code = crate::foundation::secret::new_invitation_code();
    let hash = code_hash(&code);
    tx.execute(
        "UPDATE invitations SET token_hash = ?1, expires_at = ?2, updated_at = ?3 WHERE id = ?4",
        params![hash, ts(inv.expires_at), ts(now), inv.id],
    )
    .db()?;
    tx.record_change(
        "invitations",
        &inv.id,
        ChangeOp::Upsert,
        &json!({"token_hash": hash, "expires_at": ts(inv.expires_at)}),
    )?;
    tx.audit(
        AuditInput::new("staff.invitation_resent")
            .by(actor_id)
            .on("invitation", &inv.id)
            .after(inv.public_json()),
    )?;
    Ok((inv, code))
}

/// Withdraws a pending or expired invitation; its code stops working.
pub fn revoke(tx: &mut WriteTx<'_>, id: &str, actor_id: &str) -> Result<Invitation> {
    let inv = get(tx, id)?;
    require_open(&inv, tx.now())?;
    mark_revoked(tx, &inv.id)?;
    tx.audit(
        AuditInput::new("staff.invitation_revoked")
            .by(actor_id)
            .on("invitation", &inv.id)
            .before(inv.public_json()),
    )?;
    get(tx, id)
}

/// The pending invitation a typed code belongs to, or why it cannot be used.
pub fn check(conn: &Connection, code: &str, now: DateTime<Utc>) -> Result<Invitation> {
    let inv = find_by_code(conn, code)?.ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidCredentials,
            "this code is not valid; check it, or ask for a new one",
        )
    })?;
    match inv.state(now) {
        InvitationState::Pending => Ok(inv),
        InvitationState::Expired => Err(Error::new(
            ErrorCode::InvalidCredentials,
            format!(
                "this code expired at {}; ask for a new one",
                inv.expires_at
                    .with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M")
            ),
        )),
        InvitationState::Accepted => Err(Error::new(
            ErrorCode::InvalidCredentials,
            "this code was already used",
        )),
        InvitationState::Revoked => Err(Error::new(
            ErrorCode::InvalidCredentials,
            "this code was withdrawn; ask for a new one",
        )),
    }
}

/// What accepting a code made: the account and its new second factor, shown once.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub staff_id: String,
    pub email: String,
    pub kind: InvitationKind,
    pub totp_secret: Vec<u8>,
    pub backup_codes: Vec<String>,
}

/// Redeems a code. For an invitation, `password` is the new password (the password rules
/// apply) and the account is created with an authenticator and backup codes; for a
/// re-enrolment, `password` is the current one (a wrong one counts as a failed attempt) and
/// the authenticator and backup codes are replaced. Nothing changes on failure.
pub fn accept(
    store: &mut Store,
    code: &str,
    password: &str,
    display_name: Option<&str>,
) -> Result<Accepted> {
    auth::check_clock(store)?;
    let now = store.clock().now();
    let inv = match check(store.conn(), code, now) {
        Ok(inv) => inv,
        Err(e) => {
            let reason = match find_by_code(store.conn(), code)? {
                Some(i) => i.state(now).as_str(),
                None => "unknown_code",
            };
            store.write(|tx| {
                tx.audit(
                    AuditInput::new("auth.invitation_refused").after(json!({"reason": reason})),
                )
            })?;
            return Err(e);
        }
    };
    match inv.kind {
        InvitationKind::Invite => accept_invite(store, &inv, password, display_name),
        InvitationKind::Reenrol => accept_reenrol(store, &inv, password),
    }
}

fn accept_invite(
    store: &mut Store,
    inv: &Invitation,
    password: &str,
    display_name: Option<&str>,
) -> Result<Accepted> {
    let name = match display_name.filter(|n| !n.trim().is_empty()) {
        Some(n) => staff::validate_name(n, "name")?,
        None => inv
            .display_name
            .clone()
            .unwrap_or_else(|| inv.email.split('@').next().unwrap_or("Staff").to_string()),
    };
    let store_name = device::store(store.conn(), &inv.store_id)?.name;
    check_new_password(password, &[&inv.email, &name, &store_name])?;
    let creds = NewCredentials::prepare(password)?;
    let key = store.store_key()?.clone_key();
    let staff_id = store.write(|tx| {
        let who = NewStaff {
            store_id: &inv.store_id,
            email: &inv.email,
            display_name: &name,
            role: inv.role,
        };
        let id = staff::insert_active(tx, &key, &who, &creds, None)?;
        let now = tx.now_ts();
        let n = tx
            .execute(
                "UPDATE invitations SET accepted_at = ?1, staff_id = ?2, updated_at = ?1
                 WHERE id = ?3 AND accepted_at IS NULL AND revoked_at IS NULL",
                params![now, id, inv.id],
            )
            .db()?;
        if n == 0 {
            return Err(Error::new(
                ErrorCode::InvalidCredentials,
                "this code was already used",
            ));
        }
        tx.record_change(
            "invitations",
            &inv.id,
            ChangeOp::Upsert,
            &json!({"accepted_at": now, "staff_id": id}),
        )?;
        tx.audit(
            AuditInput::new("staff.invitation_accepted")
                .by(&id)
                .on("invitation", &inv.id)
                .after(json!({"staff_id": id, "invited_by": inv.created_by, "role": inv.role.as_str()})),
        )?;
        Ok(id)
    })?;
    Ok(Accepted {
        staff_id,
        email: inv.email.clone(),
        kind: InvitationKind::Invite,
        totp_secret: creds.totp_secret.to_vec(),
        backup_codes: creds.backup_codes,
    })
}

fn accept_reenrol(store: &mut Store, inv: &Invitation, password: &str) -> Result<Accepted> {
    let staff_id = inv
        .staff_id
        .as_deref()
        .ok_or_else(|| Error::internal("a re-enrolment without its staff member"))?;
    let member = staff::get(store.conn(), staff_id)?;
    if member.status != StaffStatus::Active {
        return Err(Error::forbidden(
            "this account is suspended; ask a manager or admin",
        ));
    }
    auth::refuse_if_locked(store, &member, "auth.reenrol_refused_locked", None)?;
    auth::check_password(
        store,
        &member,
        password,
        Attempt {
            action: "auth.reenrol_failed",
            actor_id: None,
            factor: "password",
        },
    )?;
    let second = NewSecondFactor::prepare()?;
    let key = store.store_key()?.clone_key();
    store.write(|tx| {
        let sealed = key.seal(&second.totp_secret, &Staff::totp_context(&member.id))?;
        tx.execute(
            "UPDATE staff SET totp_secret_enc = ?1 WHERE id = ?2",
            params![sealed, member.id],
        )
        .db()?;
        crate::identity::lockout::clear(tx, &member.id)?;
        use base64::Engine;
        staff::touch_fields(
            tx,
            &member.id,
            json!({"totp_secret_enc": base64::engine::general_purpose::STANDARD.encode(&sealed)}),
        )?;
        staff::revoke_backup_codes(tx, &member.id)?;
        staff::insert_backup_codes(tx, &member.id, second.backup_hashes())?;
        let now = tx.now_ts();
        let n = tx
            .execute(
                "UPDATE invitations SET accepted_at = ?1, updated_at = ?1
                 WHERE id = ?2 AND accepted_at IS NULL AND revoked_at IS NULL",
                params![now, inv.id],
            )
            .db()?;
        if n == 0 {
            return Err(Error::new(
                ErrorCode::InvalidCredentials,
                "this code was already used",
            ));
        }
        tx.record_change(
            "invitations",
            &inv.id,
            ChangeOp::Upsert,
            &json!({"accepted_at": now}),
        )?;
        tx.audit(
            AuditInput::new("auth.totp_enrolled")
                .by(&member.id)
                .on("staff", &member.id)
                .after(json!({"invitation_id": inv.id})),
        )?;
        tx.audit(
            AuditInput::new("auth.backup_codes_issued")
                .by(&member.id)
                .on("staff", &member.id)
                .after(json!({"count": second.backup_codes.len()})),
        )?;
        Ok(())
    })?;
    Ok(Accepted {
        staff_id: member.id.clone(),
        email: member.email.clone(),
        kind: InvitationKind::Reenrol,
        totp_secret: second.totp_secret.to_vec(),
        backup_codes: second.backup_codes,
    })
}
