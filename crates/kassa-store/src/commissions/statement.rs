//! Reading the commission ledger back: one person's statement for a period (every entry with
//! what caused it, and the totals earned, reversed and net), and each person's totals for a
//! period, store-wide by business date.

use crate::SqlResult;
use crate::reports::Period;
use kassa_domain::{Error, Result};
use rusqlite::{Connection, OptionalExtension, Row, params};

/// One ledger entry with the references a person recognises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub staff_id: String,
    pub business_date: String,
    pub created_at: String,
    /// `booking` or `sale`.
    pub source_kind: String,
    pub source_id: String,
    /// The booking's reference or the sale's receipt number.
    pub source_ref: String,
    pub line_id: Option<String>,
    /// `payment` (earned), `refund` (reversed), or `decline` (reversed because a card of the
    /// sale was declined after it; positive when it gives back a reversal a refund made twice).
    pub cause_kind: String,
    pub cause_id: String,
    /// The payment's receipt number, the sale's, or the refund's.
    pub cause_ref: String,
    pub base_minor: i64,
    pub rate_bp: u32,
    pub amount_minor: i64,
}

pub(crate) const ENTRY_SELECT: &str = "SELECT e.id, e.staff_id, e.business_date, e.created_at, e.source_kind, e.source_id,
        coalesce(CASE e.source_kind WHEN 'booking' THEN (SELECT b.reference FROM bookings b WHERE b.id = e.source_id)
                 ELSE (SELECT o.number FROM orders o WHERE o.id = e.source_id) END, e.source_id),
        e.line_id, e.cause_kind, e.cause_id,
        coalesce(CASE WHEN e.source_kind = 'booking' THEN (SELECT p.receipt_number FROM booking_payments p WHERE p.id = e.cause_id)
                      WHEN e.cause_kind = 'refund' THEN (SELECT r.number FROM refunds r WHERE r.id = e.cause_id)
                      WHEN e.cause_kind = 'decline' THEN (SELECT o.number FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.id = e.cause_id)
                      ELSE (SELECT o.number FROM orders o WHERE o.id = e.cause_id) END, e.cause_id),
        e.base_minor, e.rate_bp, e.amount_minor
   FROM commission_entries e";

pub(crate) fn entry_row(r: &Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        id: r.get(0)?,
        staff_id: r.get(1)?,
        business_date: r.get(2)?,
        created_at: r.get(3)?,
        source_kind: r.get(4)?,
        source_id: r.get(5)?,
        source_ref: r.get(6)?,
        line_id: r.get(7)?,
        cause_kind: r.get(8)?,
        cause_id: r.get(9)?,
        cause_ref: r.get(10)?,
        base_minor: r.get(11)?,
        rate_bp: r.get(12)?,
        amount_minor: r.get(13)?,
    })
}

/// One person's commission over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub staff_id: String,
    pub name: String,
    pub period: Period,
    /// Oldest first.
    pub entries: Vec<Entry>,
    pub earned_minor: i64,
    /// What refunds and cancellations took back (zero or negative).
    pub reversed_minor: i64,
    pub net_minor: i64,
}

/// The id and name of a staff member named by id or email.
pub fn person(conn: &Connection, staff: &str) -> Result<(String, String)> {
    conn
        .prepare_cached(
            "SELECT id, display_name FROM staff WHERE id = ?1 OR email = ?1 ORDER BY id = ?1 DESC LIMIT 1",
        )
        .db()?
        .query_row([staff.trim()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .db()?
        .ok_or_else(|| Error::not_found(format!("there is no staff member '{}'", staff.trim())))
}

/// The statement of `staff` (an id or email) for the business dates of `period`.
pub fn statement(conn: &Connection, staff: &str, period: Period) -> Result<Statement> {
    let (staff_id, name) = person(conn, staff)?;
    let mut st = conn
        .prepare_cached(&format!(
            "{ENTRY_SELECT} WHERE e.staff_id = ?1 AND e.business_date BETWEEN ?2 AND ?3
             ORDER BY e.business_date, e.created_at, e.id"
        ))
        .db()?;
    let entries: Vec<Entry> = st
        .query_map(
            params![staff_id, period.from_text(), period.to_text()],
            entry_row,
        )
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    let earned_minor = entries
        .iter()
        .filter(|e| e.cause_kind == "payment")
        .map(|e| e.amount_minor)
        .sum();
    let reversed_minor = entries
        .iter()
        .filter(|e| e.cause_kind != "payment")
        .map(|e| e.amount_minor)
        .sum();
    Ok(Statement {
        staff_id,
        name,
        period,
        entries,
        earned_minor,
        reversed_minor,
        net_minor: earned_minor + reversed_minor,
    })
}

/// One person's totals over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonTotals {
    pub staff_id: String,
    pub name: String,
    pub entries: i64,
    pub earned_minor: i64,
    pub reversed_minor: i64,
    pub net_minor: i64,
}

/// Commissions earned and reversed per person over the business dates of `period`, by name.
pub fn per_person(conn: &Connection, period: Period) -> Result<Vec<PersonTotals>> {
    let mut st = conn
        .prepare_cached(
            "SELECT e.staff_id, coalesce(s.display_name, e.staff_id), count(*),
                    coalesce(sum(CASE WHEN e.cause_kind = 'payment' THEN e.amount_minor END), 0),
                    coalesce(sum(CASE WHEN e.cause_kind <> 'payment' THEN e.amount_minor END), 0)
               FROM commission_entries e LEFT JOIN staff s ON s.id = e.staff_id
              WHERE e.business_date BETWEEN ?1 AND ?2
              GROUP BY e.staff_id ORDER BY 2, 1",
        )
        .db()?;
    st.query_map(params![period.from_text(), period.to_text()], |r| {
        let earned: i64 = r.get(3)?;
        let reversed: i64 = r.get(4)?;
        Ok(PersonTotals {
            staff_id: r.get(0)?,
            name: r.get(1)?,
            entries: r.get(2)?,
            earned_minor: earned,
            reversed_minor: reversed,
            net_minor: earned + reversed,
        })
    })
    .db()?
    .collect::<rusqlite::Result<_>>()
    .db()
}
