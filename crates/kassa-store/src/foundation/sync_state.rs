//! This device's place with the sync server: the pairing and its sealed token, what the
//! server has acknowledged, and the server's clock as last seen.
//!
//! The sync engine (`kassa-sync-client`) calls these between its network calls. Each is one
//! short transaction, so the store is never held while the network is waited on.

use crate::foundation::outbox;
use crate::foundation::write::{AuditInput, WriteTx};
use crate::{SqlResult, Store, ts};
use chrono::{DateTime, Duration, Utc};
use kassa_domain::hlc::Hlc;
use kassa_domain::{Error, ErrorCode, Result};
use kassa_sync_protocol::wire::{MAX_BODY_BYTES, PushedChange, RawPayload};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

/// How far the server's clock may be ahead of this device's before the device stops
/// following it: a server time further ahead does not move the device's clock stamps.
pub const MAX_SERVER_LEAD: Duration = Duration::minutes(5);

/// The most bytes of changes one push carries: the server's body limit with an eighth to
/// spare for the batch's own fields. A day of large orders made offline goes in more, smaller
/// pushes instead of one the server refuses as too large, again at every sync.
pub const PUSH_BODY_BUDGET: usize = MAX_BODY_BYTES - MAX_BODY_BYTES / 8;

/// What the device's token is sealed to, so a sealed value from another column never opens.
const TOKEN_CONTEXT: &str = "sync_state.token";

/// Where this device stands with the server, once paired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncState {
    pub server_url: String,
    /// The code the server gave this device, unique in its store.
    pub device_code: String,
    pub paired_at: String,
    /// The highest outbox sequence the server holds.
    pub acked_seq: u64,
    pub last_sync_at: Option<String>,
    /// Why the last sync failed, or a warning about the clocks; `None` after a clean sync.
    pub last_error: Option<String>,
}

/// This device's state with the server; `None` before it is paired.
pub fn state(conn: &Connection) -> Result<Option<SyncState>> {
    conn.query_row(
        "SELECT server_url, device_code, paired_at, acked_seq, last_sync_at, last_error
         FROM sync_state WHERE id = 1",
        [],
        |r| {
            Ok(SyncState {
                server_url: r.get(0)?,
                device_code: r.get(1)?,
                paired_at: r.get(2)?,
                acked_seq: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                last_sync_at: r.get(4)?,
                last_error: r.get(5)?,
            })
        },
    )
    .optional()
    .db()
}

/// What the engine needs to call the server: where it is, who this device is, and its token.
#[derive(Clone)]
pub struct Credentials {
    pub server_url: String,
    pub device_id: String,
    pub token: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("server_url", &self.server_url)
            .field("device_id", &self.device_id)
            .field("token", &"<hidden>")
            .finish()
    }
}

/// The error a sync on a device that is not paired answers.
pub fn not_paired() -> Error {
    Error::new(
        ErrorCode::NotPaired,
        "this device is not paired with a server yet; an admin pairs it with `kassa pair --server URL --code CODE`",
    )
}

/// The server, this device's id and its token (opened with the device key); `not_paired`
/// before pairing.
pub fn credentials(store: &Store) -> Result<Credentials> {
    let row: Option<(String, Vec<u8>)> = store
        .conn()
        .query_row(
            "SELECT server_url, token_enc FROM sync_state WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .db()?;
    let (server_url, sealed) = row.ok_or_else(not_paired)?;
    let device_id = crate::foundation::device::device(store.conn())?
        .ok_or_else(|| Error::new(ErrorCode::NotSetUp, "this device has no store yet"))?
        .id;
    let token = String::from_utf8(store.device_key()?.open(&sealed, TOKEN_CONTEXT)?)
        .map_err(|_| Error::new(ErrorCode::Storage, "the kept device token is damaged"))?;
    Ok(Credentials {
        server_url,
        device_id,
        token,
    })
}

/// A pairing the server granted, to keep.
pub struct Pairing<'a> {
    pub server_url: &'a str,
    pub device_code: &'a str,
    pub token: &'a str,
    pub server_time: DateTime<Utc>,
    /// The admin who paired the device, for the audit trail.
    pub actor_id: Option<&'a str>,
}

/// How the device's clock compares with the server's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockCheck {
    /// Device clock minus server clock, in milliseconds.
    pub offset_ms: i64,
    /// Set when the server's clock is so far ahead that the device did not follow it.
    pub warning: Option<String>,
}

/// Keeps a pairing: the server, the token sealed under the device key, the device code the
/// server gave (taken as this device's code), and the server's time; audited as
/// `device.paired` with the server and the code, never the token. One transaction.
///
/// A device that has handed out numbers (receipts, refunds, shifts, Z reports) under its
/// current code keeps it: a different code from the server is `conflict` then, and nothing
/// is kept.
pub fn save_pairing(store: &mut Store, p: &Pairing<'_>) -> Result<ClockCheck> {
    let sealed = store
        .device_key()?
        .seal(p.token.as_bytes(), TOKEN_CONTEXT)?;
    store.write(|tx| {
        let device_id = tx.device_id()?.to_string();
        let current: String = tx
            .row("SELECT code FROM device", [], |r| r.get(0))?
            .unwrap_or_default();
        if current != p.device_code {
            let numbered: bool = tx
                .row(
                    "SELECT EXISTS (SELECT 1 FROM number_series WHERE device_id = ?1)",
                    [&device_id],
                    |r| r.get(0),
                )?
                .unwrap_or(false);
            if numbered {
                return Err(Error::new(
                    ErrorCode::Conflict,
                    format!(
                        "the server gives this device the code {}, but it has already numbered receipts with its code {current}; pair it with a server whose store has no device {current} yet, or pair a fresh device",
                        p.device_code
                    ),
                ));
            }
            tx.exec("UPDATE device SET code = ?1", [p.device_code])?;
        }
        let now = tx.now_ts();
        tx.exec(
            "INSERT OR REPLACE INTO sync_state
                (id, server_url, token_enc, device_code, paired_at, acked_seq, last_sync_at, last_error)
             VALUES (1, ?1, ?2, ?3, ?4, 0, NULL, NULL)",
            params![p.server_url, sealed, p.device_code, now],
        )?;
        let check = note_server_time(tx, p.server_time)?;
        tx.exec("UPDATE sync_state SET last_error = ?1", [&check.warning])?;
        let mut entry = AuditInput::new("device.paired")
            .on("device", &device_id)
            .after(json!({"server_url": p.server_url, "device_code": p.device_code}));
        if current != p.device_code {
            entry = entry.before(json!({"device_code": current}));
        }
        entry.actor_id = p.actor_id;
        tx.audit(entry)?;
        Ok(check)
    })
}

/// The oldest changes waiting for the server, with their outbox sequence: at most `limit`,
/// and no more than a push body of [`PUSH_BODY_BUDGET`] bytes holds (but always the oldest,
/// whatever its size: the server says plainly if it is too large to take).
pub fn pushable(conn: &Connection, limit: usize) -> Result<Vec<PushedChange<RawPayload>>> {
    let limit = u32::try_from(limit).unwrap_or(u32::MAX);
    Ok(outbox::pending_with_seq(conn, limit, PUSH_BODY_BUDGET)?
        .into_iter()
        .map(|(seq, change)| PushedChange { seq, change })
        .collect())
}

/// The server holds every change up to `acked_seq`: they leave the outbox, and the sync
/// state moves on, in one transaction. Answers how many changes left the outbox.
///
/// The outbox's sequence is AUTOINCREMENT, so deleting acknowledged rows never lets a later
/// change take a number again: what stays is still consecutive.
pub fn acknowledge(store: &mut Store, acked_seq: u64) -> Result<u64> {
    let acked = i64::try_from(acked_seq)
        .map_err(|_| Error::invalid_input("the server acknowledged an impossible sequence"))?;
    store.write(|tx| {
        let now = tx.now_ts();
        let updated = tx.exec(
            "UPDATE sync_state SET acked_seq = max(acked_seq, ?1), last_sync_at = ?2 WHERE id = 1",
            params![acked, now],
        )?;
        if updated == 0 {
            return Err(not_paired());
        }
        let dropped = tx.exec("DELETE FROM outbox WHERE seq <= ?1", [acked])?;
        Ok(dropped as u64)
    })
}

/// Ends a good sync: keeps the server's time (see [`ClockCheck`]), the time of the sync, and
/// clears the last error (or keeps the clock warning in its place).
pub fn record_server_time(store: &mut Store, server_time: DateTime<Utc>) -> Result<ClockCheck> {
    store.write(|tx| {
        let check = note_server_time(tx, server_time)?;
        let now = tx.now_ts();
        tx.exec(
            "UPDATE sync_state SET last_sync_at = ?1, last_error = ?2 WHERE id = 1",
            params![now, check.warning],
        )?;
        Ok(check)
    })
}

/// Keeps why a sync failed, for the status screen. Does nothing on a device not paired.
pub fn record_error(store: &mut Store, error: &Error) -> Result<()> {
    let text = format!("{}: {}", error.code, error.message);
    store.write(|tx| {
        tx.exec("UPDATE sync_state SET last_error = ?1 WHERE id = 1", [text])?;
        Ok(())
    })
}

/// Keeps the earlier of the server's time and the device's as the device's last confirmed time
/// (sign-in refuses a device clock behind it, `identity::auth::check_clock`), the device's
/// offset from the server, and moves
/// the device's clock stamp past the server's so its changes never sort before what the
/// server has seen.
fn note_server_time(tx: &mut WriteTx<'_>, server: DateTime<Utc>) -> Result<ClockCheck> {
    let now = tx.now();
    let offset_ms = (now - server).num_milliseconds();
    // What is confirmed is the earlier of the two clocks: that moment has passed for sure. A
    // device whose clock runs a few minutes slow, or a server whose clock runs fast, must not
    // lock every sign-in out; a device clock set back after this sync is still caught. The
    // confirmed time only moves forward: an answer from a server whose clock lags must not let
    // a device clock that was set back pass again.
    let confirmed = server.min(now);
    tx.exec(
        "UPDATE device SET last_server_time = ?1
         WHERE last_server_time IS NULL OR last_server_time < ?1",
        [ts(confirmed)],
    )?;
    tx.set_clock_offset(offset_ms)?;
    // Drift is bounded: one server with a clock far in the future would otherwise drag every
    // device's stamps there for good, and their later edits would lose to none. Such a time
    // is kept as a warning and leaves the clock stamps where they are.
    if server > now + MAX_SERVER_LEAD {
        return Ok(ClockCheck {
            offset_ms,
            warning: Some(format!(
                "the server's clock ({}) is more than {} minutes ahead of this device's ({}); this device's change stamps did not follow it; check the date and time here and on the server",
                ts(server),
                MAX_SERVER_LEAD.num_minutes(),
                ts(now)
            )),
        });
    }
    let server_ms = u64::try_from(server.timestamp_millis()).unwrap_or(0);
    tx.receive_clock(Hlc::from_packed(server_ms << 16))?;
    Ok(ClockCheck {
        offset_ms,
        warning: None,
    })
}
