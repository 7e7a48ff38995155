//! Sessions on this device: opened by a full sign-in, locked when idle or on request (a PIN
//! or the full credentials unlock them), ended by logout, a switch of user or an admin.

use crate::foundation::keys::DeviceKey;
use crate::foundation::secret::token_hash;
use crate::foundation::write::WriteTx;
use crate::{SqlResult, foundation::ids::new_id, parse_ts};
use chrono::{DateTime, Utc};
use kassa_domain::policy::SESSION_TOKEN_BYTES;
use kassa_domain::{Error, ErrorCode, Result};
use rusqlite::{Connection, OptionalExtension, params};

/// Where a session was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Desktop,
    Cli,
}

impl Surface {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Surface::Desktop => "desktop",
            Surface::Cli => "cli",
        }
    }
}

/// An open session.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub staff_id: String,
    pub surface: Surface,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// When the session locked; a locked session keeps its work but acts for nobody.
    pub locked_at: Option<DateTime<Utc>>,
    /// Wrong PINs since the session locked.
    pub pin_failures: u32,
}

/// Opens a session for `staff_id`; returns it and its token (128 random bits), which is
/// never stored, only its hash.
pub fn open(tx: &mut WriteTx<'_>, staff_id: &str, surface: Surface) -> Result<(Session, String)> {
    let token = DeviceKey::random_token(SESSION_TOKEN_BYTES);
    let id = new_id();
    let now = tx.now_ts();
    let device_id = tx.device_id()?.to_string();
    tx.execute(
        "INSERT INTO sessions (id, staff_id, device_id, surface, token_hash, created_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![id, staff_id, device_id, surface.as_str(), token_hash(&token), now],
    )
    .db()?;
    Ok((
        Session {
            id,
            staff_id: staff_id.to_string(),
            surface,
            created_at: tx.now(),
            last_seen_at: tx.now(),
            locked_at: None,
            pin_failures: 0,
        },
        token,
    ))
}

const SESSION_COLUMNS: &str =
    "id, staff_id, surface, created_at, last_seen_at, locked_at, pin_failures";

type SessionRow = (String, String, String, String, String, Option<String>, i64);

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn to_session(row: SessionRow) -> Result<Session> {
    let (id, staff_id, surface, created, seen, locked, failures) = row;
    Ok(Session {
        id,
        staff_id,
        surface: if surface == "cli" {
            Surface::Cli
        } else {
            Surface::Desktop
        },
        created_at: parse_ts(&created)?,
        last_seen_at: parse_ts(&seen)?,
        locked_at: locked.as_deref().map(parse_ts).transpose()?,
        pin_failures: u32::try_from(failures).unwrap_or(u32::MAX),
    })
}

/// The open session holding `token`, if any.
pub fn find_by_token(conn: &Connection, token: &str) -> Result<Option<Session>> {
    conn.query_row(
        &format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = ?1 AND ended_at IS NULL"
        ),
        [token_hash(token)],
        read_row,
    )
    .optional()
    .db()?
    .map(to_session)
    .transpose()
}

/// The open session with this id, if any.
pub fn find_open(conn: &Connection, session_id: &str) -> Result<Option<Session>> {
    conn.query_row(
        &format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1 AND ended_at IS NULL"),
        [session_id],
        read_row,
    )
    .optional()
    .db()?
    .map(to_session)
    .transpose()
}

/// Locks an open session; returns false when it was already locked or has ended.
pub fn lock(tx: &mut WriteTx<'_>, session_id: &str) -> Result<bool> {
    let now = tx.now_ts();
    let n = tx
        .execute(
            "UPDATE sessions SET locked_at = ?1, pin_failures = 0
             WHERE id = ?2 AND ended_at IS NULL AND locked_at IS NULL",
            params![now, session_id],
        )
        .db()?;
    Ok(n > 0)
}

/// Unlocks a session and marks it used now.
pub fn unlock(tx: &mut WriteTx<'_>, session_id: &str) -> Result<()> {
    let now = tx.now_ts();
    tx.execute(
        "UPDATE sessions SET locked_at = NULL, pin_failures = 0, last_seen_at = ?1
         WHERE id = ?2 AND ended_at IS NULL",
        params![now, session_id],
    )
    .db()?;
    Ok(())
}

/// Counts a wrong PIN against a locked session; returns the count so far.
pub fn count_pin_failure(tx: &mut WriteTx<'_>, session_id: &str) -> Result<u32> {
    let n: i64 = tx
        .query_row(
            "UPDATE sessions SET pin_failures = pin_failures + 1 WHERE id = ?1 RETURNING pin_failures",
            [session_id],
            |r| r.get(0),
        )
        .db()?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Ends every open session of `staff_id` on this device (suspension, password reset, new
/// authenticator); returns the ids ended.
pub fn end_all_for(tx: &mut WriteTx<'_>, staff_id: &str, reason: &str) -> Result<Vec<String>> {
    let ids: Vec<String> = tx
        .prepare("SELECT id FROM sessions WHERE staff_id = ?1 AND ended_at IS NULL")
        .db()?
        .query_map([staff_id], |r| r.get(0))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    for id in &ids {
        end(tx, id, reason)?;
    }
    Ok(ids)
}

/// Ends every open session of `staff_id` on this device but `keep` (one's own password
/// change ends one's other sessions); returns the ids ended.
pub fn end_others_for(
    tx: &mut WriteTx<'_>,
    staff_id: &str,
    keep: &str,
    reason: &str,
) -> Result<Vec<String>> {
    let ids: Vec<String> = tx
        .prepare("SELECT id FROM sessions WHERE staff_id = ?1 AND id <> ?2 AND ended_at IS NULL")
        .db()?
        .query_map(params![staff_id, keep], |r| r.get(0))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    for id in &ids {
        end(tx, id, reason)?;
    }
    Ok(ids)
}

/// Marks the session as used now, which pushes back its idle lock.
pub fn touch(tx: &mut WriteTx<'_>, session_id: &str) -> Result<()> {
    let now = tx.now_ts();
    tx.execute(
        "UPDATE sessions SET last_seen_at = ?1 WHERE id = ?2",
        params![now, session_id],
    )
    .db()?;
    Ok(())
}

/// Ends a session for good (`logout`, `idle`, `revoked`...). Ending an ended session is a no-op.
pub fn end(tx: &mut WriteTx<'_>, session_id: &str, reason: &str) -> Result<()> {
    let now = tx.now_ts();
    tx.execute(
        "UPDATE sessions SET ended_at = ?1, end_reason = ?2 WHERE id = ?3 AND ended_at IS NULL",
        params![now, reason, session_id],
    )
    .db()?;
    tx.execute(
        "DELETE FROM cli_session WHERE session_id = ?1",
        [session_id],
    )
    .db()?;
    Ok(())
}

/// Keeps the CLI's token, sealed under the device key, so later commands act in the session.
pub fn save_cli_token(
    tx: &mut WriteTx<'_>,
    key: &DeviceKey,
    session_id: &str,
    token: &str,
) -> Result<()> {
    let sealed = key.seal(token.as_bytes(), "cli_session")?;
    tx.execute(
        "INSERT INTO cli_session (id, session_id, token_enc) VALUES (1, ?1, ?2)
         ON CONFLICT(id) DO UPDATE SET session_id = excluded.session_id, token_enc = excluded.token_enc",
        params![session_id, sealed],
    )
    .db()?;
    Ok(())
}

/// The CLI's kept token, if a CLI session is open.
pub fn load_cli_token(conn: &Connection, key: &DeviceKey) -> Result<Option<String>> {
    let sealed: Option<Vec<u8>> = conn
        .query_row("SELECT token_enc FROM cli_session WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()
        .db()?;
    sealed
        .map(|s| {
            let bytes = key.open(&s, "cli_session")?;
            String::from_utf8(bytes)
                .map_err(|_| Error::new(ErrorCode::Storage, "the kept CLI session is damaged"))
        })
        .transpose()
}
