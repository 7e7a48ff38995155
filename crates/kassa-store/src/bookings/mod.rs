//! Bookings for travel agents: trips with departures and seats, bookings with travellers,
//! items, notes, history and payments, holds that expire, the waitlist, balances due.
//!
//! A booking is a lifecycle document: its status is folded from its events (`booking_events`)
//! in `(seq, device, id)` order, the same way on every device ([`fold`]). Seats held by a
//! booking (held, confirmed, paid, completed) count against its departure's capacity pool in
//! the same transaction that takes them, so this device never oversells; two devices booking
//! the last seats offline are both kept, and the merge records `departure_oversold` on every
//! departure of the pool, found the same way on every device (`apply`). Once the store is
//! paired, a device sells only the seats the server granted it ([`allotments`]), so the pool
//! is never oversold, whatever devices do offline.

pub mod allotments;
pub mod amend;
pub(crate) mod apply;
pub mod lifecycle;
pub mod trips;
pub mod waitlist;

pub use lifecycle::*;

use crate::{SqlResult, parse_ts};
use chrono::{DateTime, Utc};
use kassa_domain::booking::{BookingEvent, BookingStatus, transition};
use kassa_domain::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

/// Seats of the pool taken by bookings that hold seats. With `now`, a hold past its expiry
/// does not count (its device releases it when it next runs; until then it is not sold to
/// anyone twice here, and the merge sees its `expire` event when it comes).
pub fn seats_taken(conn: &Connection, pool_id: &str, now: Option<&str>) -> Result<i64> {
    conn.prepare_cached(
        "SELECT coalesce(sum(b.seats), 0) FROM bookings b JOIN departures d ON d.id = b.departure_id
          WHERE d.pool_id = ?1 AND b.status IN ('held', 'confirmed', 'paid', 'completed')
            AND NOT (?2 IS NOT NULL AND b.status = 'held' AND b.hold_expires_at <= ?2)",
    )
    .db()?
    .query_row(params![pool_id, now], |r| r.get(0))
    .db()
}

/// Units of an option taken on one departure by bookings that hold seats.
pub fn option_taken(
    conn: &Connection,
    option_id: &str,
    departure_id: &str,
    now: Option<&str>,
) -> Result<i64> {
    conn.prepare_cached(
        "SELECT coalesce(sum(i.qty), 0) FROM booking_items i JOIN bookings b ON b.id = i.booking_id
          WHERE i.option_id = ?1 AND b.departure_id = ?2 AND i.removed_by IS NULL
            AND b.status IN ('held', 'confirmed', 'paid', 'completed')
            AND NOT (?3 IS NOT NULL AND b.status = 'held' AND b.hold_expires_at <= ?3)",
    )
    .db()?
    .query_row(params![option_id, departure_id, now], |r| r.get(0))
    .db()
}

/// Seats on a departure: its pool's capacity, what is taken, what is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Availability {
    pub capacity: i64,
    pub taken: i64,
    pub left: i64,
}

/// The seats of a departure's pool at `now`.
pub fn availability(
    conn: &Connection,
    departure_id: &str,
    now: DateTime<Utc>,
) -> Result<Availability> {
    let dep = trips::departure(conn, departure_id)?;
    let taken = seats_taken(conn, &dep.pool_id, Some(crate::ts(now).as_str()))?;
    Ok(Availability {
        capacity: dep.capacity,
        taken,
        left: (dep.capacity - taken).max(0),
    })
}

/// A booking's status folded from its events, and the expiry of its hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folded {
    pub status: BookingStatus,
    pub hold_expires_at: Option<String>,
    /// Events the state machine refused, in order: `(event id, event, status it met)`.
    pub rejected: Vec<(String, String, String)>,
}

/// Folds a booking's events in `(seq, device, id)` order, from `quote`. Events that are not
/// transitions (`create`, `payment`, `refund`, `note`) leave the status. The same transition
/// seen twice (two devices expiring one hold) counts once; any other transition the state
/// machine refuses is listed, and the status stays.
pub fn fold(conn: &Connection, booking_id: &str) -> Result<Folded> {
    let events = conn
        .prepare_cached(
            "SELECT id, event, detail FROM booking_events WHERE booking_id = ?1 ORDER BY seq, device_id, id",
        )
        .db()?
        .query_map([booking_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    let mut status = BookingStatus::Quote;
    let mut hold_expires_at = None;
    let mut rejected = Vec::new();
    let mut last: Option<BookingEvent> = None;
    for (id, name, detail) in events {
        let Ok(event) = BookingEvent::parse(&name) else {
            continue;
        };
        match transition(status, event) {
            Ok(next) => {
                if event == BookingEvent::Hold {
                    hold_expires_at = serde_json::from_str::<Value>(&detail)
                        .ok()
                        .and_then(|d| d.get("expires_at")?.as_str().map(str::to_string));
                }
                status = next;
                last = Some(event);
            }
            Err(_) if last == Some(event) => {}
            Err(_) => rejected.push((id, name, status.as_str().to_string())),
        }
    }
    Ok(Folded {
        status,
        hold_expires_at,
        rejected,
    })
}

/// The booking's id for an id or a reference; `not_found` when neither is held.
pub fn resolve(conn: &Connection, id_or_reference: &str) -> Result<String> {
    conn.prepare_cached(
        "SELECT id FROM bookings WHERE id = ?1 OR reference = ?1 ORDER BY id = ?1 DESC, id LIMIT 1",
    )
    .db()?
    .query_row([id_or_reference], |r| r.get(0))
    .optional()
    .db()?
    .ok_or_else(|| Error::not_found(format!("no booking '{id_or_reference}'")))
}

/// Whether a held booking's hold is past `now`.
pub fn hold_expired(b: &Booking, now: DateTime<Utc>) -> bool {
    b.status == BookingStatus::Held
        && b.hold_expires_at
            .as_deref()
            .and_then(|t| parse_ts(t).ok())
            .is_some_and(|t| t <= now)
}
