//! Seats this device holds as an allotment from the sync server.
//!
//! A device never paired holds every seat of its departures and keeps no rows here. Once
//! paired, the server holds each capacity pool's seats and a device sells only seats it holds
//! (`seat_allotments`, device-local): a booking that takes seats counts against the allotment
//! of the device that held it (the device of its first `hold` event), and one beyond what is
//! left is refused with `insufficient_seats`, naming the seats this device holds.
//!
//! The device asks for a holding in all (never a difference) with a version that grows per
//! pool, so a request sent twice or delivered late changes nothing on the server. A lower
//! holding is kept here before it is sent, a higher one only once the server answered, so
//! whatever answer is lost, this device never sells more than the server keeps for it. From
//! the release moment (`bookings.allotment_release_days` calendar days before the departure,
//! in its time zone) the unsold seats are the pool's again: the device stops selling them at
//! once, offline too, and gives them back at its next sync ([`due`]).

use super::trips::{self, Departure};
use crate::foundation::write::{AuditInput, WriteTx};
use crate::{SqlResult, parse_ts, ts};
use chrono::{DateTime, Duration, Utc};
use kassa_domain::settings::ALLOTMENT_RELEASE_DAYS;
use kassa_domain::{Error, ErrorCode, Result};
use kassa_sync_protocol::wire::{AllotmentRequest, AllotmentResponse};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

/// How long seats granted after their release moment stay held: long enough to make the
/// booking they were asked for.
pub const LATE_GRANT_MINUTES: i64 = 15;

/// This device's allotment of one pool, as kept here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allotment {
    pub pool_id: String,
    pub departure_id: String,
    pub seats: i64,
    pub release_at: String,
    pub version: i64,
    /// The server may hold another number; the next sync sends `seats` again.
    pub pending: bool,
    pub updated_at: String,
}

/// Where this device stands with one pool's seats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub pool_id: String,
    /// Seats this device holds.
    pub held: i64,
    /// Seats of bookings this device holds (held, confirmed, paid, completed; a lapsed hold
    /// not counted).
    pub used: i64,
    /// Seats this device may still sell now: 0 from the release moment on.
    pub usable: i64,
    pub release_at: Option<String>,
    pub released: bool,
    pub pending: bool,
}

/// Whether this device is paired with a server, so its seats come from allotments.
pub fn paired(conn: &Connection) -> Result<bool> {
    Ok(crate::foundation::sync_state::state(conn)?.is_some())
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Allotment> {
    Ok(Allotment {
        pool_id: r.get(0)?,
        departure_id: r.get(1)?,
        seats: r.get(2)?,
        release_at: r.get(3)?,
        version: r.get(4)?,
        pending: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

const COLS: &str = "pool_id, departure_id, seats, release_at, version, pending, updated_at";

/// This device's allotment of a pool, when it ever asked for one.
pub fn get(conn: &Connection, pool_id: &str) -> Result<Option<Allotment>> {
    conn.prepare_cached(&format!(
        "SELECT {COLS} FROM seat_allotments WHERE pool_id = ?1"
    ))
    .db()?
    .query_row([pool_id], row)
    .optional()
    .db()
}

/// Every allotment this device keeps, by release moment.
pub fn list(conn: &Connection) -> Result<Vec<Allotment>> {
    conn.prepare_cached(&format!(
        "SELECT {COLS} FROM seat_allotments ORDER BY release_at, pool_id"
    ))
    .db()?
    .query_map([], row)
    .db()?
    .collect::<rusqlite::Result<Vec<_>>>()
    .db()
}

/// Seats of the pool taken by bookings this device holds: those whose first `hold` event (in
/// the order the fold reads them) was written here. With `now`, a lapsed hold does not count.
pub fn used_here(
    conn: &Connection,
    pool_id: &str,
    device_id: &str,
    now: Option<&str>,
) -> Result<i64> {
    conn.prepare_cached(
        "SELECT coalesce(sum(b.seats), 0) FROM bookings b JOIN departures d ON d.id = b.departure_id
          WHERE d.pool_id = ?1 AND b.status IN ('held', 'confirmed', 'paid', 'completed')
            AND NOT (?3 IS NOT NULL AND b.status = 'held' AND b.hold_expires_at <= ?3)
            AND (SELECT e.device_id FROM booking_events e WHERE e.booking_id = b.id AND e.event = 'hold'
                  ORDER BY e.seq, e.device_id, e.id LIMIT 1) = ?2",
    )
    .db()?
    .query_row(params![pool_id, device_id, now], |r| r.get(0))
    .db()
}

/// The device whose allotment a booking's seats count against: that of its first `hold`
/// event, as [`used_here`] counts them.
pub fn holder(conn: &Connection, booking_id: &str) -> Result<Option<String>> {
    conn.prepare_cached(
        "SELECT device_id FROM booking_events WHERE booking_id = ?1 AND event = 'hold'
          ORDER BY seq, device_id, id LIMIT 1",
    )
    .db()?
    .query_row([booking_id], |r| r.get(0))
    .optional()
    .db()
}

fn this_device(conn: &Connection) -> Result<String> {
    conn.query_row("SELECT id FROM device LIMIT 1", [], |r| r.get(0))
        .optional()
        .db()?
        .ok_or_else(|| Error::new(ErrorCode::NotSetUp, "this data folder has no store yet"))
}

/// This device's standing with the pool of `dep` at `now`; `None` when it is not paired
/// (it then holds every seat).
pub fn standing(
    conn: &Connection,
    dep: &Departure,
    now: DateTime<Utc>,
) -> Result<Option<Standing>> {
    if !paired(conn)? {
        return Ok(None);
    }
    let device_id = this_device(conn)?;
    let now_ts = ts(now);
    let a = get(conn, &dep.pool_id)?;
    let used = used_here(conn, &dep.pool_id, &device_id, Some(&now_ts))?;
    let held = a.as_ref().map_or(0, |a| a.seats);
    let released = a
        .as_ref()
        .is_some_and(|a| parse_ts(&a.release_at).is_ok_and(|t| t <= now));
    Ok(Some(Standing {
        pool_id: dep.pool_id.clone(),
        held,
        used,
        usable: if released { 0 } else { (held - used).max(0) },
        release_at: a.as_ref().map(|a| a.release_at.clone()),
        released,
        pending: a.is_some_and(|a| a.pending),
    }))
}

/// How many more seats of a departure's pool this device must hold to sell `seats` now: 0
/// when it holds enough, or when it is not paired (it then holds every seat).
pub fn shortfall(
    conn: &Connection,
    departure_id: &str,
    seats: i64,
    now: DateTime<Utc>,
) -> Result<i64> {
    let dep = trips::departure(conn, departure_id)?;
    Ok(standing(conn, &dep, now)?.map_or(0, |s| (seats - s.usable).max(0)))
}

/// Refuses with `insufficient_seats` when this device is paired and `seats` more do not fit
/// what it holds of the departure's pool now; the message names the seats it holds.
pub(crate) fn check(tx: &WriteTx<'_>, dep: &Departure, seats: i64) -> Result<()> {
    let Some(s) = standing(tx, dep, tx.now())? else {
        return Ok(());
    };
    if seats <= s.usable {
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::InsufficientSeats,
        refusal(dep, &s, seats),
    ))
}

/// Why this device cannot sell `wanted` seats of `dep`, in words.
pub fn refusal(dep: &Departure, s: &Standing, wanted: i64) -> String {
    let what = format!(
        "this device holds {} seat{} of the departure of {} at {} ({} booked here, {} left to sell); {wanted} wanted",
        s.held,
        if s.held == 1 { "" } else { "s" },
        dep.trip_name,
        dep.departs_at,
        s.used,
        s.usable,
    );
    if s.released {
        format!(
            "{what}; its unsold seats went back to the pool at {}, ask the server for seats while online",
            s.release_at.as_deref().unwrap_or_default()
        )
    } else {
        format!("{what}; ask the server for more seats while online (kassa allotment request)")
    }
}

/// The moment the unsold seats of `dep` go back to the pool under the store's setting, or
/// [`LATE_GRANT_MINUTES`] from `now` once that moment has passed.
pub fn release_at(conn: &Connection, dep: &Departure, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let store_id: String = conn
        .query_row(
            "SELECT store_id FROM capacity_pools WHERE id = ?1",
            [&dep.pool_id],
            |r| r.get(0),
        )
        .db()?;
    let days = crate::foundation::settings::get_int(conn, &store_id, ALLOTMENT_RELEASE_DAYS)?;
    let zone = crate::foundation::business_day::zone_of(&dep.time_zone)?;
    let departs = super::lifecycle::jiff_ts(dep.departs()?)?;
    let moment =
        kassa_domain::booking::release_moment(departs, &zone, u32::try_from(days).unwrap_or(0));
    let moment = DateTime::<Utc>::from_timestamp_millis(moment.as_millisecond())
        .ok_or_else(|| Error::invalid_input("the release moment is out of range"))?;
    Ok(if moment <= now {
        now + Duration::minutes(LATE_GRANT_MINUTES)
    } else {
        moment
    })
}

/// A request to send to the server, its version taken (and kept) here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub request: AllotmentRequest,
    /// Seats held before the request, for the audit.
    pub before: i64,
}

/// Takes the next version for the pool and keeps a lower holding at once; a higher one waits
/// for the server's answer ([`accept`]).
fn prepare(
    tx: &mut WriteTx<'_>,
    dep: &Departure,
    seats: i64,
    release_at: &str,
) -> Result<Outgoing> {
    let now = tx.now_ts();
    let current = get(tx, &dep.pool_id)?;
    let before = current.as_ref().map_or(0, |a| a.seats);
    let version = current.as_ref().map_or(0, |a| a.version) + 1;
    let kept = seats.min(before);
    tx.exec(
        "INSERT INTO seat_allotments (pool_id, departure_id, seats, release_at, version, pending, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)
         ON CONFLICT(pool_id) DO UPDATE SET departure_id = ?2, seats = ?3, release_at = ?4, version = ?5,
             pending = 1, updated_at = ?6",
        params![dep.pool_id, dep.id, kept, release_at, version, now],
    )?;
    Ok(Outgoing {
        request: AllotmentRequest {
            pool_id: dep.pool_id.clone(),
            departure_id: dep.id.clone(),
            seats,
            version,
            release_at: release_at.to_string(),
        },
        before,
    })
}

fn check_count(seats: i64) -> Result<()> {
    if !(1..=100_000).contains(&seats) {
        return Err(Error::invalid_input(
            "ask for or return from 1 to 100000 seats",
        ));
    }
    Ok(())
}

/// A request for `more` seats of a departure's pool on top of what this device holds (and of
/// what its bookings already take, when they take more than it holds).
pub fn request(tx: &mut WriteTx<'_>, departure_id: &str, more: i64) -> Result<Outgoing> {
    check_count(more)?;
    if !paired(tx)? {
        return Err(not_paired());
    }
    let dep = trips::departure(tx, departure_id)?;
    let now = tx.now();
    if dep.departs()? <= now {
        return Err(Error::invalid_input("this departure has already left"));
    }
    let device_id = tx.device_id()?.to_string();
    let used = used_here(tx, &dep.pool_id, &device_id, Some(&ts(now)))?;
    let held = get(tx, &dep.pool_id)?.map_or(0, |a| a.seats);
    let release = ts(release_at(tx, &dep, now)?);
    prepare(tx, &dep, held.max(used) + more, &release)
}

/// A return of `fewer` unsold seats of a departure's pool; never the seats bookings take.
pub fn give_back(tx: &mut WriteTx<'_>, departure_id: &str, fewer: i64) -> Result<Outgoing> {
    check_count(fewer)?;
    if !paired(tx)? {
        return Err(not_paired());
    }
    let dep = trips::departure(tx, departure_id)?;
    let device_id = tx.device_id()?.to_string();
    let used = used_here(tx, &dep.pool_id, &device_id, Some(&tx.now_ts()))?;
    let a = get(tx, &dep.pool_id)?;
    let held = a.as_ref().map_or(0, |a| a.seats);
    let unsold = (held - used).max(0);
    if fewer > unsold {
        return Err(Error::invalid_input(format!(
            "this device holds {held} seats of this departure and its bookings take {used}; it can give back at most {unsold}"
        )));
    }
    let release = a.map_or_else(|| tx.now_ts(), |a| a.release_at);
    prepare(tx, &dep, held - fewer, &release)
}

/// Keeps the server's answer to `out`, audited on the departure. An answer to a request older
/// than the newest one sent leaves the row waiting for the next sync.
pub fn accept(
    tx: &mut WriteTx<'_>,
    staff_id: Option<&str>,
    out: &Outgoing,
    answer: &AllotmentResponse,
) -> Result<Allotment> {
    let current = get(tx, &out.request.pool_id)?
        .ok_or_else(|| Error::internal("an allotment answer for a pool never asked for"))?;
    if answer.version >= current.version {
        tx.exec(
            "UPDATE seat_allotments SET seats = ?2, release_at = coalesce(?3, release_at), version = ?4,
                 pending = 0, updated_at = ?5 WHERE pool_id = ?1",
            params![
                out.request.pool_id,
                answer.seats,
                answer.release_at,
                answer.version,
                tx.now_ts()
            ],
        )?;
    }
    if answer.seats != out.before {
        let action = if answer.seats > out.before {
            "allotment.granted"
        } else {
            "allotment.returned"
        };
        let mut audit = AuditInput::new(action)
            .on("departure", &out.request.departure_id)
            .before(json!({"seats": out.before}))
            .after(json!({
                "seats": answer.seats, "release_at": answer.release_at, "pool_id": answer.pool_id,
                "pool_capacity": answer.capacity, "pool_free": answer.free,
            }));
        if let Some(s) = staff_id {
            audit = audit.by(s);
        }
        tx.audit(audit)?;
    }
    get(tx, &out.request.pool_id)?.ok_or_else(|| Error::internal("the allotment went away"))
}

/// What the next sync sends for the pools of this device: a holding whose answer was lost
/// (sent again as held here), the unsold seats of a pool past its release moment, and seats
/// its bookings take beyond what it holds (bookings made before the device was paired).
pub fn due(tx: &mut WriteTx<'_>) -> Result<Vec<Outgoing>> {
    if !paired(tx)? {
        return Ok(Vec::new());
    }
    let device_id = tx.device_id()?.to_string();
    let now = tx.now();
    let now_ts = ts(now);
    let mut out = Vec::new();
    let held = list(tx)?;
    for a in &held {
        let used = used_here(tx, &a.pool_id, &device_id, Some(&now_ts))?;
        let released = parse_ts(&a.release_at).is_ok_and(|t| t <= now);
        let target = if released { used } else { a.seats.max(used) };
        if a.pending || target != a.seats {
            let dep = trips::departure(tx, &a.departure_id)?;
            out.push(prepare(tx, &dep, target, &a.release_at)?);
        }
    }
    // Pools whose bookings here take seats though this device never asked for any.
    let unclaimed = tx
        .prepare_cached(
            "SELECT d.pool_id, min(d.id) FROM bookings b JOIN departures d ON d.id = b.departure_id
              WHERE b.status IN ('held', 'confirmed', 'paid', 'completed') AND d.departs_at > ?1
                AND d.pool_id NOT IN (SELECT pool_id FROM seat_allotments)
              GROUP BY d.pool_id ORDER BY d.pool_id",
        )
        .db()?
        .query_map([&now_ts], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    for (pool_id, departure_id) in unclaimed {
        let used = used_here(tx, &pool_id, &device_id, Some(&now_ts))?;
        if used == 0 {
            continue;
        }
        let dep = trips::departure(tx, &departure_id)?;
        let release = ts(release_at(tx, &dep, now)?);
        out.push(prepare(tx, &dep, used, &release)?);
    }
    Ok(out)
}

fn not_paired() -> Error {
    Error::new(
        ErrorCode::NotPaired,
        "this device is not paired with a server: it holds every seat of its departures",
    )
}
