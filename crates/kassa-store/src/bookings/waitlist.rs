//! The waitlist of a full departure: customers in the order they asked, offered seats in that
//! order when seats come back (a cancellation, an expired hold, more capacity).

use super::{seats_taken, trips};
use crate::SqlResult;
use crate::foundation::ids::new_id;
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use kassa_domain::{Error, ErrorCode, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

/// An entry of the waitlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitlistEntry {
    pub id: String,
    pub departure_id: String,
    pub customer_id: String,
    pub seats: i64,
    pub note: Option<String>,
    /// `waiting`, `offered`, `booked` or `withdrawn`.
    pub status: String,
    pub created_at: String,
}

fn set_status(tx: &mut WriteTx<'_>, staff_id: &str, id: &str, status: &str) -> Result<()> {
    tx.exec(
        "UPDATE booking_waitlist SET status = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, status, tx.now_ts()],
    )?;
    tx.record_change(
        "booking_waitlist",
        id,
        ChangeOp::Upsert,
        &json!({"status": status}),
    )?;
    tx.audit(
        AuditInput::new(match status {
            "offered" => "waitlist.offered",
            "booked" => "waitlist.booked",
            _ => "waitlist.withdrawn",
        })
        .by(staff_id)
        .on("waitlist", id),
    )?;
    Ok(())
}

/// Puts a customer on a departure's waitlist for `seats`. Only a departure without those
/// seats left takes a waitlist: otherwise book them.
pub fn add(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    staff_id: &str,
    departure_id: &str,
    customer_id: &str,
    seats: i64,
    note: Option<&str>,
) -> Result<WaitlistEntry> {
    let dep = trips::departure(tx, departure_id)?;
    crate::customers::privacy::refuse_erased(&crate::customers::get(tx, store_id, customer_id)?)?;
    if !(1..=100).contains(&seats) {
        return Err(Error::invalid_input(
            "a waitlist entry is for 1 to 100 seats",
        ));
    }
    let taken = seats_taken(tx, &dep.pool_id, Some(tx.now_ts().as_str()))?;
    if dep.capacity - taken >= seats {
        return Err(Error::new(
            ErrorCode::Conflict,
            format!(
                "{} seats are still left on this departure; book them instead",
                dep.capacity - taken
            ),
        ));
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Err(Error::invalid_input(
            "a waitlist note has at most 500 characters",
        ));
    }
    let id = new_id();
    let now = tx.now_ts();
    tx.exec(
        "INSERT INTO booking_waitlist (id, departure_id, customer_id, seats, note, status, staff_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'waiting', ?6, ?7, ?7)",
        params![id, departure_id, customer_id, seats, note, staff_id, now],
    )?;
    let payload = json!({
        "departure_id": departure_id, "customer_id": customer_id, "seats": seats, "note": note,
        "status": "waiting", "staff_id": staff_id, "created_at": now,
    });
    tx.record_change("booking_waitlist", &id, ChangeOp::Upsert, &payload)?;
    tx.audit(
        AuditInput::new("waitlist.added")
            .by(staff_id)
            .on("waitlist", &id)
            .after(
                json!({"departure_id": departure_id, "customer_id": customer_id, "seats": seats}),
            ),
    )?;
    get(tx, &id)
}

/// Offers the seats free in a pool to the waiting entries of its departures, in the order
/// they were added: each entry whose seats fit what is still free is offered, and those seats
/// count as spoken for when the next one is looked at. Returns the entries offered.
pub fn offer_freed(tx: &mut WriteTx<'_>, staff_id: &str, pool_id: &str) -> Result<Vec<String>> {
    let capacity: i64 = tx
        .row(
            "SELECT seats FROM capacity_pools WHERE id = ?1",
            [pool_id],
            |r| r.get(0),
        )?
        .unwrap_or(0);
    let taken = seats_taken(tx, pool_id, Some(tx.now_ts().as_str()))?;
    let offered: i64 = tx
        .row(
            "SELECT coalesce(sum(w.seats), 0) FROM booking_waitlist w JOIN departures d ON d.id = w.departure_id
              WHERE d.pool_id = ?1 AND w.status = 'offered'",
            [pool_id],
            |r| r.get(0),
        )?
        .unwrap_or(0);
    let mut free = capacity - taken - offered;
    let waiting = tx
        .prepare_cached(
            "SELECT w.id, w.seats FROM booking_waitlist w JOIN departures d ON d.id = w.departure_id
              WHERE d.pool_id = ?1 AND w.status = 'waiting' ORDER BY w.created_at, w.id",
        )
        .db()?
        .query_map([pool_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    let mut out = Vec::new();
    for (id, seats) in waiting {
        if free <= 0 {
            break;
        }
        if seats <= free {
            set_status(tx, staff_id, &id, "offered")?;
            free -= seats;
            out.push(id);
        }
    }
    Ok(out)
}

/// Marks an entry booked (its customer took the seats).
pub(crate) fn mark_booked(
    tx: &mut WriteTx<'_>,
    staff_id: &str,
    id: &str,
    departure_id: &str,
) -> Result<()> {
    let e = get(tx, id)?;
    if e.departure_id != departure_id {
        return Err(Error::invalid_input(
            "the waitlist entry is for another departure",
        ));
    }
    if !matches!(e.status.as_str(), "waiting" | "offered") {
        return Err(Error::new(
            ErrorCode::InvalidTransition,
            format!("the waitlist entry is already {}", e.status),
        ));
    }
    set_status(tx, staff_id, id, "booked")
}

/// Takes an entry off the waitlist.
pub fn withdraw(tx: &mut WriteTx<'_>, staff_id: &str, id: &str) -> Result<WaitlistEntry> {
    let e = get(tx, id)?;
    if !matches!(e.status.as_str(), "waiting" | "offered") {
        return Err(Error::new(
            ErrorCode::InvalidTransition,
            format!("the waitlist entry is already {}", e.status),
        ));
    }
    set_status(tx, staff_id, id, "withdrawn")?;
    get(tx, id)
}

const COLS: &str = "id, departure_id, customer_id, seats, note, status, created_at";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<WaitlistEntry> {
    Ok(WaitlistEntry {
        id: r.get(0)?,
        departure_id: r.get(1)?,
        customer_id: r.get(2)?,
        seats: r.get(3)?,
        note: r.get(4)?,
        status: r.get(5)?,
        created_at: r.get(6)?,
    })
}

/// One entry; `not_found` when there is none.
pub fn get(conn: &Connection, id: &str) -> Result<WaitlistEntry> {
    conn.prepare_cached(&format!(
        "SELECT {COLS} FROM booking_waitlist WHERE id = ?1"
    ))
    .db()?
    .query_row([id], from_row)
    .optional()
    .db()?
    .ok_or_else(|| Error::not_found(format!("no waitlist entry '{id}'")))
}

/// A departure's waitlist in order.
pub fn list(conn: &Connection, departure_id: &str) -> Result<Vec<WaitlistEntry>> {
    conn.prepare_cached(&format!(
        "SELECT {COLS} FROM booking_waitlist WHERE departure_id = ?1 ORDER BY created_at, id"
    ))
    .db()?
    .query_map([departure_id], from_row)
    .db()?
    .collect::<rusqlite::Result<_>>()
    .db()
}
