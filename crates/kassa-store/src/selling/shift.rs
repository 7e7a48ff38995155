//! Cash drawer shifts: open with a float, cash in and out with a reason, the X report at any
//! time, and a close with a count that shows over or short.

use super::series;
use crate::SqlResult;
use crate::foundation::ids::new_id;
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use kassa_domain::money::check_amount;
use kassa_domain::{Error, ErrorCode, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

/// A shift as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub id: String,
    pub store_id: String,
    pub device_id: String,
    pub opening_counts: Option<String>,
    pub note: Option<String>,
    pub number: i64,
    pub status: String,
    pub opened_by: String,
    pub opened_at: String,
    pub opening_float_minor: i64,
    pub closed_by: Option<String>,
    pub closed_at: Option<String>,
    pub expected_minor: Option<i64>,
    pub counted_minor: Option<i64>,
    pub closing_counts: Option<String>,
}

const COLS: &str =
    "id, number, status, opened_by, opened_at, opening_float_minor, closed_by, closed_at,
    expected_minor, counted_minor, closing_counts, store_id, device_id, opening_counts, note";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Shift> {
    Ok(Shift {
        id: r.get(0)?,
        number: r.get(1)?,
        status: r.get(2)?,
        opened_by: r.get(3)?,
        opened_at: r.get(4)?,
        opening_float_minor: r.get(5)?,
        closed_by: r.get(6)?,
        closed_at: r.get(7)?,
        expected_minor: r.get(8)?,
        counted_minor: r.get(9)?,
        closing_counts: r.get(10)?,
        store_id: r.get(11)?,
        device_id: r.get(12)?,
        opening_counts: r.get(13)?,
        note: r.get(14)?,
    })
}

/// The open shift of this device, if any.
pub fn open_shift(conn: &Connection, device_id: &str) -> Result<Option<Shift>> {
    conn.prepare_cached(&format!(
        "SELECT {COLS} FROM shifts WHERE device_id = ?1 AND status = 'open'"
    ))
    .db()?
    .query_row([device_id], from_row)
    .optional()
    .db()
}

/// The shift with `id`.
pub fn get(conn: &Connection, id: &str) -> Result<Shift> {
    conn.query_row(
        &format!("SELECT {COLS} FROM shifts WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
    .db()?
    .ok_or_else(|| Error::not_found(format!("no shift with id {id}")))
}

/// The shifts of this device, newest first.
pub fn recent(conn: &Connection, device_id: &str, limit: u32) -> Result<Vec<Shift>> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {COLS} FROM shifts WHERE device_id = ?1 ORDER BY number DESC LIMIT ?2"
        ))
        .db()?;
    let rows = stmt.query_map(params![device_id, limit], from_row).db()?;
    rows.collect::<rusqlite::Result<Vec<_>>>().db()
}

/// The whole row as it travels in the shift's events: every device rebuilds the same shift.
fn shift_json(s: &Shift) -> Value {
    json!({
        "store_id": s.store_id, "device_id": s.device_id,
        "number": s.number, "status": s.status, "opened_by": s.opened_by, "opened_at": s.opened_at,
        "opening_float_minor": s.opening_float_minor, "opening_counts": s.opening_counts,
        "closed_by": s.closed_by, "closed_at": s.closed_at,
        "expected_minor": s.expected_minor, "counted_minor": s.counted_minor, "closing_counts": s.closing_counts,
        "note": s.note,
    })
}

/// Opens a shift with a float (and the count that made it). One open shift per device.
pub fn open(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    staff_id: &str,
    float_minor: i64,
    counts: Option<&Value>,
    automatic: bool,
) -> Result<Shift> {
    let device_id = tx.device_id()?.to_string();
    if let Some(s) = open_shift(tx, &device_id)? {
        return Err(Error::new(
            ErrorCode::Conflict,
            format!(
                "shift {} is already open on this till; close it first",
                s.number
            ),
        ));
    }
    check_amount("the float", float_minor)?;
    let number = series::next(tx, series::Series::Shift)? as i64;
    let id = new_id();
    let now = tx.now_ts();
    let counts_text = counts.map(Value::to_string);
    tx.exec(
        "INSERT INTO shifts (id, store_id, device_id, number, status, opened_by, opened_at, opening_float_minor, opening_counts)
         VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?6, ?7, ?8)",
        params![id, store_id, device_id, number, staff_id, now, float_minor, counts_text],
    )?;
    let shift = get(tx, &id)?;
    tx.record_change(
        "shifts",
        &id,
        ChangeOp::Event,
        &json!({"event": "open", "shift": shift_json(&shift), "device_id": device_id}),
    )?;
    tx.audit(
        AuditInput::new("shift.opened")
            .by(staff_id)
            .on("shift", &id)
            .after(json!({"number": number, "float_minor": float_minor, "automatic": automatic})),
    )?;
    Ok(shift)
}

/// The open shift's id; opens one with no float when the till has none, so every sale
/// belongs to a shift.
pub fn ensure_open(tx: &mut WriteTx<'_>, store_id: &str, staff_id: &str) -> Result<String> {
    let device_id = tx.device_id()?.to_string();
    match open_shift(tx, &device_id)? {
        Some(s) => Ok(s.id),
        None => Ok(open(tx, store_id, staff_id, 0, None, true)?.id),
    }
}

/// Puts cash in or takes it out of the open shift's drawer, with a reason.
pub fn cash_move(
    tx: &mut WriteTx<'_>,
    staff_id: &str,
    kind: &str,
    amount_minor: i64,
    reason: &str,
) -> Result<()> {
    if kind != "in" && kind != "out" {
        return Err(Error::invalid_input("cash moves 'in' or 'out'"));
    }
    if check_amount("the amount", amount_minor)? == 0 {
        return Err(Error::invalid_input("the amount must be more than zero"));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(Error::invalid_input(
            "say why the cash moves (at most 200 characters)",
        ));
    }
    if kassa_domain::pan::looks_like_pan(reason) {
        return Err(Error::invalid_input(
            "the reason looks like a card number; never type card numbers into Kassa",
        ));
    }
    let device_id = tx.device_id()?.to_string();
    let shift = open_shift(tx, &device_id)?
        .ok_or_else(|| Error::new(ErrorCode::Conflict, "no shift is open on this till"))?;
    if kind == "out" {
        let f = figures(tx, &shift.id)?;
        if amount_minor > f.expected_cash_minor {
            return Err(Error::invalid_input(format!(
                "the drawer should hold {}; more cannot be taken out",
                super::money_text(tx, &store_id_of(tx)?, f.expected_cash_minor)?
            )));
        }
    }
    let id = new_id();
    let now = tx.now_ts();
    tx.exec(
        "INSERT INTO cash_movements (id, shift_id, kind, amount_minor, reason, staff_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, shift.id, kind, amount_minor, reason, staff_id, now],
    )?;
    tx.record_change(
        "cash_movements",
        &id,
        ChangeOp::Insert,
        &json!({"shift_id": shift.id, "kind": kind, "amount_minor": amount_minor, "reason": reason, "staff_id": staff_id, "created_at": now}),
    )?;
    tx.audit(
        AuditInput::new(if kind == "in" {
            "shift.cash_in"
        } else {
            "shift.cash_out"
        })
        .by(staff_id)
        .on("shift", &shift.id)
        .after(json!({"amount_minor": amount_minor, "reason": reason})),
    )?;
    Ok(())
}

/// The X report: what a shift took, and the cash the drawer should hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShiftFigures {
    pub orders: i64,
    pub sales_minor: i64,
    pub refunds: i64,
    pub refunds_minor: i64,
    pub cash_sales_minor: i64,
    pub card_sales_minor: i64,
    pub voucher_sales_minor: i64,
    pub cash_refunds_minor: i64,
    pub cash_in_minor: i64,
    pub cash_out_minor: i64,
    /// Cash taken for bookings (deposits, balances) less cash refunded on cancellations.
    pub booking_cash_minor: i64,
    pub float_minor: i64,
    /// Float + cash sales − cash refunds + cash in − cash out + booking cash.
    pub expected_cash_minor: i64,
    /// Times the drawer was opened outside a cash sale ("no sale", a reprint with the drawer).
    pub drawer_opens: i64,
    /// Card payments of the shift's sales the card provider declined after the sale: what
    /// those sales still owe.
    pub card_declined_minor: i64,
}

/// The shift's figures so far.
pub fn figures(conn: &Connection, shift_id: &str) -> Result<ShiftFigures> {
    let shift = get(conn, shift_id)?;
    let (orders, sales): (i64, i64) = conn
        .query_row(
            "SELECT count(*), coalesce(sum(total_minor + rounding_minor), 0) FROM orders WHERE shift_id = ?1",
            [shift_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .db()?;
    let by_kind = |kind: &str| -> Result<i64> {
        conn.query_row(
            "SELECT coalesce(sum(p.amount_minor), 0) FROM payments p JOIN orders o ON o.id = p.order_id
             WHERE o.shift_id = ?1 AND p.kind = ?2",
            params![shift_id, kind],
            |r| r.get(0),
        )
        .db()
    };
    let (refunds, refunds_minor): (i64, i64) = conn
        .query_row(
            "SELECT count(*), coalesce(sum(amount_minor + rounding_minor), 0) FROM refunds WHERE shift_id = ?1",
            [shift_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .db()?;
    let cash_refunds: i64 = conn
        .query_row(
            "SELECT coalesce(sum(rp.amount_minor), 0) FROM refund_payments rp JOIN refunds r ON r.id = rp.refund_id
             WHERE r.shift_id = ?1 AND rp.kind = 'cash'",
            [shift_id],
            |r| r.get(0),
        )
        .db()?;
    let moved = |kind: &str| -> Result<i64> {
        conn.query_row(
            "SELECT coalesce(sum(amount_minor), 0) FROM cash_movements WHERE shift_id = ?1 AND kind = ?2",
            params![shift_id, kind],
            |r| r.get(0),
        )
        .db()
    };
    let mut f = ShiftFigures {
        orders,
        sales_minor: sales,
        refunds,
        refunds_minor,
        cash_sales_minor: by_kind("cash")?,
        card_sales_minor: by_kind("card")?,
        voucher_sales_minor: by_kind("voucher")?,
        cash_refunds_minor: cash_refunds,
        cash_in_minor: moved("in")?,
        cash_out_minor: moved("out")?,
        // Bookings put their cash on the shift of the device that took it (`bookings`).
        booking_cash_minor: conn
            .query_row(
                "SELECT coalesce(sum(CASE WHEN direction = 'refund' THEN -amount_minor ELSE amount_minor END), 0)
                   FROM booking_payments WHERE shift_id = ?1 AND kind = 'cash'",
                [shift_id],
                |r| r.get(0),
            )
            .db()?,
        float_minor: shift.opening_float_minor,
        card_declined_minor: conn
            .query_row(
                "SELECT coalesce(sum(po.amount_minor), 0) FROM payment_outcomes po JOIN orders o ON o.id = po.order_id
                 WHERE o.shift_id = ?1 AND po.status = 'declined'",
                [shift_id],
                |r| r.get(0),
            )
            .db()?,
        expected_cash_minor: 0,
        drawer_opens: conn
            .query_row(
                "SELECT count(*) FROM drawer_opens WHERE shift_id = ?1 AND kind <> 'sale'",
                [shift_id],
                |r| r.get(0),
            )
            .db()?,
    };
    let too_large = || Error::internal("the shift's cash does not fit in an amount");
    f.expected_cash_minor = f
        .float_minor
        .checked_add(f.cash_sales_minor)
        .and_then(|v| v.checked_sub(f.cash_refunds_minor))
        .and_then(|v| v.checked_add(f.cash_in_minor))
        .and_then(|v| v.checked_sub(f.cash_out_minor))
        .and_then(|v| v.checked_add(f.booking_cash_minor))
        .ok_or_else(too_large)?;
    Ok(f)
}

/// Closes the open shift with the counted cash; returns the shift, its figures and over (+) or
/// short (−).
pub fn close(
    tx: &mut WriteTx<'_>,
    staff_id: &str,
    counted_minor: i64,
    counts: &Value,
    note: Option<&str>,
) -> Result<(Shift, ShiftFigures, i64)> {
    // The count is the notes and coins counted (their sum is checked where it is made); the
    // drawer may hold more than one input's ceiling after a day of takings.
    if counted_minor < 0 {
        return Err(Error::invalid_input("the counted cash cannot be negative"));
    }
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Err(Error::invalid_input("the note has at most 500 characters"));
    }
    let device_id = tx.device_id()?.to_string();
    let shift = open_shift(tx, &device_id)?
        .ok_or_else(|| Error::new(ErrorCode::Conflict, "no shift is open on this till"))?;
    let f = figures(tx, &shift.id)?;
    let now = tx.now_ts();
    tx.exec(
        "UPDATE shifts SET status = 'closed', closed_by = ?1, closed_at = ?2, expected_minor = ?3, counted_minor = ?4,
            closing_counts = ?5, note = ?6 WHERE id = ?7 AND status = 'open'",
        params![staff_id, now, f.expected_cash_minor, counted_minor, counts.to_string(), note, shift.id],
    )?;
    let closed = get(tx, &shift.id)?;
    let over_short = counted_minor - f.expected_cash_minor;
    tx.record_change(
        "shifts",
        &shift.id,
        ChangeOp::Event,
        &json!({"event": "close", "shift": shift_json(&closed), "device_id": device_id}),
    )?;
    tx.audit(
        AuditInput::new("shift.closed")
            .by(staff_id)
            .on("shift", &shift.id)
            .after(json!({"number": closed.number, "expected_minor": f.expected_cash_minor, "counted_minor": counted_minor, "over_short_minor": over_short})),
    )?;
    Ok((closed, f, over_short))
}

fn store_id_of(conn: &Connection) -> Result<String> {
    conn.query_row("SELECT store_id FROM device", [], |r| r.get(0))
        .db()
}
