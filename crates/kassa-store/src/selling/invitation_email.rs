//! Invitation codes the server emails to the person invited (a staff invitation or a
//! re-enrolment, when the admin chose to email it).
//!
//! The code must never travel through sync nor rest in the clear on any device, so an emailed
//! invitation is two rows written in the invitation's transaction:
//!
//! - a synced `email_outbox` row of kind [`KIND`] (the address, a subject, and a body that
//!   says what the email is, **without the code**), so every device's email views show it and
//!   where it stands; the server does not send `email_outbox` rows of this kind;
//! - a device-local `invitation_emails` row with the same id and the code sealed under this
//!   device's key, which the sync engine forwards to the server
//!   (`POST /api/v1/emails/invitation`) and deletes once the server kept it ([`forwarded`]).
//!
//! An invitation withdrawn, accepted, expired or given a new code before its email went out
//! is not sent: [`forwardable`] marks it `withdrawn`, and the server records the email as
//! failed with that reason, without a code.

use crate::SqlResult;
use crate::foundation::device;
use crate::foundation::keys::DeviceKey;
use crate::foundation::settings;
use crate::foundation::write::WriteTx;
use crate::identity::invitation::{self, Invitation, InvitationKind, InvitationState};
use crate::selling::email;
use crate::{Store, ts};
use kassa_domain::{Error, Result};
use rusqlite::{Connection, params};

/// The email's kind, in `email_outbox` and on the server.
pub const KIND: &str = "staff_invitation";

fn context(id: &str) -> String {
    format!("invitation_emails.code:{id}")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The subject of an invitation email in the store's receipt language (`de...` German, else
/// English), as the device shows it; the server writes the letter's subject the same way.
pub fn subject(language: &str, kind: InvitationKind, store_name: &str) -> String {
    let german = language.trim().to_ascii_lowercase().starts_with("de");
    match (kind, german) {
        (InvitationKind::Invite, false) => format!("Your invitation to {store_name}"),
        (InvitationKind::Invite, true) => format!("Ihre Einladung zu {store_name}"),
        (InvitationKind::Reenrol, false) => {
            format!("Your code for a new authenticator at {store_name}")
        }
        (InvitationKind::Reenrol, true) => {
            format!("Ihr Code für einen neuen Authenticator bei {store_name}")
        }
    }
}

/// Queues the email of `inv`'s code `code`, in the invitation's transaction: the synced
/// `email_outbox` row without the code and the device-local row with the code sealed under
/// `key`. Returns the email's id.
pub fn queue(
    tx: &mut WriteTx<'_>,
    key: &DeviceKey,
    inv: &Invitation,
    code: &str,
) -> Result<String> {
    let store_name = device::store(tx, &inv.store_id)?.name;
    let language = settings::get_text(tx, &inv.store_id, "receipt.language")
        .unwrap_or_else(|_| "en".to_string());
    let subject = subject(&language, inv.kind, &store_name);
    let what = match inv.kind {
        InvitationKind::Invite => format!(
            "An invitation to join {} as {}",
            escape(&store_name),
            inv.role.as_str()
        ),
        InvitationKind::Reenrol => {
            format!("A code for a new authenticator at {}", escape(&store_name))
        }
    };
    let body = format!(
        "<p>{what}, valid until {}. The one-time code is in the email to {} only; it is not kept here.</p>",
        ts(inv.expires_at),
        escape(&inv.email)
    );
    let id = email::queue(tx, KIND, &inv.email, &subject, &body, Some(&inv.id), None)?;
    let sealed = key.seal(code.as_bytes(), &context(&id))?;
    let now = tx.now_ts();
    tx.exec(
        "INSERT INTO invitation_emails (id, invitation_id, to_address, code_enc, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, inv.id, inv.email, sealed, now],
    )?;
    Ok(id)
}

/// An invitation email waiting on this device to be forwarded to the server.
#[derive(Clone)]
pub struct Pending {
    /// The email's id (also its `email_outbox` row's).
    pub id: String,
    pub invitation: Invitation,
    pub to_address: String,
    /// The subject of its `email_outbox` row.
    pub subject: String,
    /// The code, opened; `None` when the email must not be sent (see `withdrawn`).
    pub code: Option<String>,
    /// Why it is not sent: the invitation was withdrawn, accepted, expired or given a new
    /// code before its email went out.
    pub withdrawn: Option<String>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("id", &self.id)
            .field("invitation_id", &self.invitation.id)
            .field("to_address", &self.to_address)
            .field("withdrawn", &self.withdrawn)
            .finish_non_exhaustive()
    }
}

/// Every invitation email waiting here, oldest first, with its code opened when it is still
/// the invitation's live code and the invitation is pending; else marked withdrawn.
pub fn forwardable(store: &Store) -> Result<Vec<Pending>> {
    type Row = (String, String, String, Vec<u8>, Option<String>);
    let rows: Vec<Row> = {
        let mut st = store
            .conn()
            .prepare(
                "SELECT i.id, i.invitation_id, i.to_address, i.code_enc, e.subject
                 FROM invitation_emails i LEFT JOIN email_outbox e ON e.id = i.id
                 ORDER BY i.created_at, i.id",
            )
            .db()?;
        st.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?
    };
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let key = store.device_key()?;
    let now = store.clock().now();
    let mut out = Vec::with_capacity(rows.len());
    for (id, invitation_id, to_address, sealed, subject) in rows {
        let inv = invitation::get(store.conn(), &invitation_id)?;
        let code = key
            .open(&sealed, &context(&id))
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        let withdrawn = match &code {
            None => Some("the code kept for this email cannot be opened on this device"),
            Some(_) if inv.state(now) != InvitationState::Pending => Some(match inv.state(now) {
                InvitationState::Accepted => {
                    "the invitation was accepted before its email was sent"
                }
                InvitationState::Expired => "the invitation expired before its email was sent",
                _ => "the invitation was withdrawn before its email was sent",
            }),
            Some(c) => match invitation::find_by_code(store.conn(), c)? {
                Some(found) if found.id == inv.id => None,
                _ => Some("the invitation was given a new code before this email was sent"),
            },
        };
        out.push(Pending {
            id,
            invitation: inv,
            subject: subject.unwrap_or_else(|| KIND.to_owned()),
            to_address,
            code: if withdrawn.is_none() { code } else { None },
            withdrawn: withdrawn.map(str::to_owned),
        });
    }
    Ok(out)
}

/// The server kept the email (or its withdrawal): the local row, and the sealed code with it,
/// is deleted.
pub fn forwarded(conn: &Connection, id: &str) -> Result<()> {
    conn.execute("DELETE FROM invitation_emails WHERE id = ?1", [id])
        .db()?;
    Ok(())
}

/// Notes why the server did not keep the email this time; it is tried again at the next sync.
pub fn record_attempt(conn: &Connection, id: &str, note: &str, at: &str) -> Result<()> {
    conn.execute(
        "UPDATE invitation_emails SET attempts = attempts + 1, last_error = ?2, last_attempt_at = ?3
         WHERE id = ?1",
        params![id, note, at],
    )
    .db()?;
    Ok(())
}

/// How many invitation emails wait on this device for the server.
pub fn waiting(conn: &Connection) -> Result<u64> {
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM invitation_emails", [], |r| r.get(0))
        .db()?;
    u64::try_from(n).map_err(|_| Error::internal("a negative count"))
}
