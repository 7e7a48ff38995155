//! The store's devices as this device last heard them from the server (`known_devices`,
//! device-local, replaced whole), so the devices list still shows, with the time it was
//! heard, while the server cannot be reached. The sync engine refreshes it.

use crate::{SqlResult, Store, parse_ts, ts};
use chrono::{DateTime, Duration, Utc};
use kassa_domain::{Error, Result};
use kassa_sync_protocol::wire::DeviceRecord;
use rusqlite::{Connection, OptionalExtension, params};

/// How long a list heard at a sync stands before a sync asks the server again.
pub const REFRESH_AFTER: Duration = Duration::minutes(10);

/// The store's devices as last heard, and when; `heard_at` is `None` if never.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownDevices {
    pub devices: Vec<DeviceRecord>,
    pub heard_at: Option<String>,
}

/// Keeps `devices` as the store's devices, heard now (device-local: no outbox change).
pub fn replace(store: &mut Store, devices: &[DeviceRecord]) -> Result<()> {
    let heard_at = ts(store.clock().now());
    store.write(|tx| {
        tx.exec("DELETE FROM known_devices", [])?;
        for d in devices {
            let acked = i64::try_from(d.acked_seq).map_err(|_| {
                Error::invalid_input(format!(
                    "the server says device {} acknowledged sequence {}, beyond any sequence",
                    d.device_id, d.acked_seq
                ))
            })?;
            tx.exec(
                "INSERT INTO known_devices (device_id, device_code, name, paired_at,
                     last_sync_at, acked_seq, revoked_at, heard_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    d.device_id,
                    d.device_code,
                    d.name,
                    d.paired_at,
                    d.last_sync_at,
                    acked,
                    d.revoked_at,
                    heard_at
                ],
            )?;
        }
        Ok(())
    })
}

/// The devices as last heard, by device code.
pub fn list(conn: &Connection) -> Result<KnownDevices> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT device_id, device_code, name, paired_at, last_sync_at, acked_seq,
                    revoked_at, heard_at
             FROM known_devices ORDER BY device_code, device_id",
        )
        .db()?;
    let mut heard_at = None;
    let devices = stmt
        .query_map([], |r| {
            Ok((
                DeviceRecord {
                    device_id: r.get(0)?,
                    device_code: r.get(1)?,
                    name: r.get(2)?,
                    paired_at: r.get(3)?,
                    last_sync_at: r.get(4)?,
                    acked_seq: u64::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
                    revoked_at: r.get(6)?,
                },
                r.get::<_, String>(7)?,
            ))
        })
        .db()?
        .map(|row| {
            row.map(|(d, at)| {
                heard_at = Some(at);
                d
            })
        })
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    Ok(KnownDevices { devices, heard_at })
}

/// Whether the list is older than [`REFRESH_AFTER`] at `now`, or was never heard.
pub fn stale(conn: &Connection, now: DateTime<Utc>) -> Result<bool> {
    let heard: Option<String> = conn
        .query_row("SELECT MAX(heard_at) FROM known_devices", [], |r| r.get(0))
        .optional()
        .db()?
        .flatten();
    Ok(match heard {
        None => true,
        Some(at) => now - parse_ts(&at)? >= REFRESH_AFTER,
    })
}
