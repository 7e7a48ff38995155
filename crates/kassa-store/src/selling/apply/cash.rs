//! Shifts, cash movements, Z reports, drawer openings, vouchers and receipt emails from other
//! devices.

use super::{cols, combine, need, set, sql_text, text};
use crate::foundation::apply::{Applied, ApplyTx, field, suffixed};
use kassa_domain::{Error, ErrorCode, Result};
use kassa_sync_protocol::Change;
use rusqlite::params;
use rusqlite::types::Value as SqlValue;
use serde_json::{Value, json};

/// What a device keeps of a shift it holds.
struct HeldShift {
    device_id: String,
    status: String,
    closed_by: Option<String>,
    closed_at: Option<String>,
    counted_minor: Option<i64>,
}

/// A shift's `open` or `close` event. A shift belongs to the device that opened it: only that
/// device's changes open or close it; anything else is a conflict and changes nothing.
pub(super) fn apply_shift(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let p = &c.payload;
    let id = c.entity_id.as_str();
    let s = p
        .get("shift")
        .ok_or_else(|| Error::invalid_input("a shift change without its shift"))?;
    let event = need(p, "event", "a shift change")?;
    let held: Option<HeldShift> = tx.row(
        "SELECT device_id, status, closed_by, closed_at, counted_minor FROM shifts WHERE id = ?1",
        [id],
        |r| {
            Ok(HeldShift {
                device_id: r.get(0)?,
                status: r.get(1)?,
                closed_by: r.get(2)?,
                closed_at: r.get(3)?,
                counted_minor: r.get(4)?,
            })
        },
    )?;
    let owner = text(p, "device_id")
        .or_else(|| text(s, "device_id"))
        .map(str::to_string)
        .or_else(|| held.as_ref().map(|h| h.device_id.clone()))
        .ok_or_else(|| Error::invalid_input("a shift change that names no device"))?;
    if owner != c.device_id || held.as_ref().is_some_and(|h| h.device_id != owner) {
        tx.conflict(
            "shift_of_another_device",
            "shifts",
            id,
            json!({"shift_id": id, "owner": held.as_ref().map_or(owner.as_str(), |h| h.device_id.as_str()),
                   "changed_by": c.device_id, "event": event, "kept": "held"}),
        )?;
        return Ok(Applied::Conflict);
    }
    match (event, held) {
        ("open", Some(_)) => Ok(Applied::AlreadyHeld),
        ("open", None) => insert_shift(tx, id, &owner, s, "open"),
        ("close", None) => insert_shift(tx, id, &owner, s, "closed"),
        ("close", Some(h)) if h.status == "open" => {
            tx.exec(
                "UPDATE shifts SET status = 'closed', closed_by = ?2, closed_at = ?3, expected_minor = ?4,
                    counted_minor = ?5, closing_counts = ?6, note = ?7 WHERE id = ?1 AND status = 'open'",
                params![
                    id,
                    field(s, "closed_by"),
                    field(s, "closed_at"),
                    field(s, "expected_minor"),
                    field(s, "counted_minor"),
                    field(s, "closing_counts"),
                    field(s, "note")
                ],
            )?;
            Ok(Applied::Applied)
        }
        ("close", Some(h)) => {
            let same = h.closed_by.as_deref() == text(s, "closed_by")
                && h.closed_at.as_deref() == text(s, "closed_at")
                && h.counted_minor == s.get("counted_minor").and_then(Value::as_i64);
            if same {
                return Ok(Applied::AlreadyHeld);
            }
            tx.conflict(
                "shift_closed_twice",
                "shifts",
                id,
                json!({"shift_id": id, "held": {"closed_by": h.closed_by, "closed_at": h.closed_at,
                       "counted_minor": h.counted_minor}, "incoming": s, "kept": "held"}),
            )?;
            Ok(Applied::Conflict)
        }
        (other, _) => Err(Error::invalid_input(format!(
            "'{other}' is not a shift event"
        ))),
    }
}

fn insert_shift(
    tx: &mut ApplyTx<'_>,
    id: &str,
    device_id: &str,
    s: &Value,
    status: &str,
) -> Result<Applied> {
    let store_id = text(s, "store_id")
        .map(str::to_string)
        .unwrap_or_else(|| tx.store_id().to_string());
    let parents = [
        ("stores", "id", Some(store_id.as_str())),
        ("staff", "id", text(s, "opened_by")),
        ("staff", "id", text(s, "closed_by")),
    ];
    if let Some(reason) = tx.missing_parent(&parents)? {
        return Ok(tx.park(reason));
    }
    let number = s
        .get("number")
        .and_then(Value::as_i64)
        .ok_or_else(|| Error::invalid_input("a shift without its number"))?;
    let clash: bool = tx
        .row(
            "SELECT 1 FROM shifts WHERE device_id = ?1 AND number = ?2 AND id <> ?3",
            params![device_id, number, id],
            |_| Ok(()),
        )?
        .is_some();
    if clash {
        return Err(Error::new(
            ErrorCode::Conflict,
            format!("shift {number} of device {device_id} is held with another id"),
        ));
    }
    if status == "open" {
        let open: Option<String> = tx.row(
            "SELECT id FROM shifts WHERE device_id = ?1 AND status = 'open' AND id <> ?2",
            params![device_id, id],
            |r| r.get(0),
        )?;
        if let Some(other) = open {
            // The device closes one shift before it opens the next: wait for that close.
            return Ok(tx.park(format!("waiting for shift {other} of its device to close")));
        }
    }
    tx.exec(
        "INSERT INTO shifts (id, store_id, device_id, number, status, opened_by, opened_at, opening_float_minor,
            opening_counts, closed_by, closed_at, expected_minor, counted_minor, closing_counts, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            id,
            store_id,
            device_id,
            number,
            status,
            field(s, "opened_by"),
            field(s, "opened_at"),
            field(s, "opening_float_minor"),
            field(s, "opening_counts"),
            field(s, "closed_by"),
            field(s, "closed_at"),
            field(s, "expected_minor"),
            field(s, "counted_minor"),
            field(s, "closing_counts"),
            field(s, "note")
        ],
    )?;
    Ok(Applied::Applied)
}

/// Cash put into or taken out of a shift's drawer (a ledger).
pub(super) fn apply_cash_movement(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let p = &c.payload;
    let parents = [
        ("shifts", "id", text(p, "shift_id")),
        ("staff", "id", text(p, "staff_id")),
    ];
    if let Some(reason) = tx.missing_parent(&parents)? {
        return Ok(tx.park(reason));
    }
    let row = cols(
        p,
        &[
            "shift_id",
            "kind",
            "amount_minor",
            "reason",
            "staff_id",
            "created_at",
        ],
    );
    tx.insert_ledger("cash_movements", &[("id", sql_text(&c.entity_id))], &row)
}

/// A closed Z report of another device: frozen as it was closed, with the exact text of its
/// figures, so its hash still matches.
pub(super) fn apply_z_report(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let p = &c.payload;
    let parents = [
        ("stores", "id", text(p, "store_id")),
        ("staff", "id", text(p, "closed_by")),
    ];
    if let Some(reason) = tx.missing_parent(&parents)? {
        return Ok(tx.park(reason));
    }
    let device = need(p, "device_id", "a Z report")?;
    let number = p.get("number").and_then(Value::as_i64);
    let clash: bool = tx
        .row(
            "SELECT 1 FROM z_reports WHERE device_id = ?1 AND number = ?2 AND id <> ?3",
            params![device, number, c.entity_id],
            |_| Ok(()),
        )?
        .is_some();
    if clash {
        return Err(Error::new(
            ErrorCode::Conflict,
            format!("Z report {number:?} of device {device} is held with another id"),
        ));
    }
    let figures = match (text(p, "figures_text"), p.get("figures")) {
        (Some(t), _) => t.to_string(),
        (None, Some(f)) => f.to_string(),
        (None, None) => return Err(Error::invalid_input("a Z report without its figures")),
    };
    let mut row = cols(
        p,
        &[
            "store_id",
            "device_id",
            "number",
            "period_start",
            "period_end",
            "business_date",
            "figures",
            "figures_hash",
            "closed_by",
            "created_at",
        ],
    );
    set(&mut row, "figures", SqlValue::Text(figures));
    tx.insert_ledger("z_reports", &[("id", sql_text(&c.entity_id))], &row)
}

/// An opening of another device's cash drawer (a ledger).
pub(super) fn apply_drawer_open(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let p = &c.payload;
    let parents = [
        ("shifts", "id", text(p, "shift_id")),
        ("staff", "id", text(p, "staff_id")),
    ];
    if let Some(reason) = tx.missing_parent(&parents)? {
        return Ok(tx.park(reason));
    }
    let row = cols(
        p,
        &[
            "device_id",
            "shift_id",
            "kind",
            "order_id",
            "refund_id",
            "reason",
            "staff_id",
            "business_date",
            "created_at",
        ],
    );
    tx.insert_ledger("drawer_opens", &[("id", sql_text(&c.entity_id))], &row)
}

/// A voucher issued on another device. Two devices that drew one code (a chance in 2^50)
/// keep both vouchers: the later id's code gets a suffix and the clash is recorded.
pub(super) fn apply_voucher(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let p = &c.payload;
    let id = c.entity_id.as_str();
    let parents = [
        ("stores", "id", text(p, "store_id")),
        ("staff", "id", text(p, "created_by")),
        ("customers", "id", text(p, "customer_id")),
    ];
    if let Some(reason) = tx.missing_parent(&parents)? {
        return Ok(tx.park(reason));
    }
    let mut row = cols(
        p,
        &[
            "store_id",
            "code",
            "customer_id",
            "created_by",
            "created_at",
        ],
    );
    let code = need(p, "code", "a voucher")?;
    let held: Option<String> = tx.row("SELECT code FROM vouchers WHERE id = ?1", [id], |r| {
        r.get(0)
    })?;
    let mut clashed = false;
    match held {
        Some(h) => set(&mut row, "code", SqlValue::Text(h)),
        None => {
            let other: Option<String> = tx.row(
                "SELECT id FROM vouchers WHERE code = ?1 AND id <> ?2",
                params![code, id],
                |r| r.get(0),
            )?;
            if let Some(other) = other {
                let (kept, renamed) = if id > other.as_str() {
                    (other.clone(), id.to_string())
                } else {
                    (id.to_string(), other.clone())
                };
                let marked = suffixed(code, &renamed);
                if renamed == id {
                    set(&mut row, "code", SqlValue::Text(marked.clone()));
                } else {
                    tx.exec(
                        "UPDATE vouchers SET code = ?2 WHERE id = ?1",
                        params![other, marked],
                    )?;
                }
                tx.conflict(
                    "duplicate_voucher_code",
                    "vouchers",
                    &renamed,
                    json!({"kept_by": kept, "renamed": renamed}),
                )?;
                clashed = true;
            }
        }
    }
    let done = tx.insert_ledger("vouchers", &[("id", sql_text(id))], &row)?;
    Ok(if clashed {
        combine(done, Applied::Conflict)
    } else {
        done
    })
}

/// A movement of a voucher's ledger. Every movement is kept; a voucher that two offline
/// devices spent below zero is flagged `voucher_overspent`, the same on every device.
pub(super) fn apply_voucher_movement(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let p = &c.payload;
    let voucher = need(p, "voucher_id", "a voucher movement")?;
    let parents = [
        ("vouchers", "id", Some(voucher)),
        ("staff", "id", text(p, "staff_id")),
    ];
    if let Some(reason) = tx.missing_parent(&parents)? {
        return Ok(tx.park(reason));
    }
    let row = cols(
        p,
        &[
            "voucher_id",
            "kind",
            "amount_minor",
            "ref_id",
            "staff_id",
            "created_at",
        ],
    );
    let done = tx.insert_ledger("voucher_movements", &[("id", sql_text(&c.entity_id))], &row)?;
    if done != Applied::Applied {
        return Ok(done);
    }
    let balance: i64 = tx
        .row(
            "SELECT coalesce(sum(amount_minor), 0) FROM voucher_movements WHERE voucher_id = ?1",
            [voucher],
            |r| r.get(0),
        )?
        .unwrap_or(0);
    if balance >= 0 {
        return Ok(done);
    }
    let movements: Vec<Value> = {
        let mut st = tx
            .prepare_cached(
                "SELECT id, kind, amount_minor, ref_id FROM voucher_movements WHERE voucher_id = ?1 ORDER BY id",
            )
            .map_err(crate::sql_err)?;
        st.query_map([voucher], |r| {
            Ok(json!({"id": r.get::<_, String>(0)?, "kind": r.get::<_, String>(1)?,
                      "amount_minor": r.get::<_, i64>(2)?, "ref_id": r.get::<_, Option<String>>(3)?}))
        })
        .map_err(crate::sql_err)?
        .collect::<rusqlite::Result<_>>()
        .map_err(crate::sql_err)?
    };
    tx.conflict(
        "voucher_overspent",
        "vouchers",
        voucher,
        json!({"voucher_id": voucher, "balance_minor": balance, "movements": movements, "kept": "all"}),
    )?;
    Ok(Applied::Conflict)
}

/// A receipt email another device queued; the server sends it.
pub(super) fn apply_email(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let p = &c.payload;
    let row = cols(
        p,
        &[
            "kind",
            "to_address",
            "subject",
            "body_html",
            "ref_id",
            "created_at",
        ],
    );
    let status = text(p, "status").unwrap_or("queued");
    // The receipt's document travels as JSON and is kept as its text.
    let receipt = match p.get("receipt") {
        Some(v) if !v.is_null() => sql_text(&v.to_string()),
        _ => SqlValue::Null,
    };
    tx.insert_ledger_with(
        "email_outbox",
        &[("id", sql_text(&c.entity_id))],
        &row,
        &[("status", sql_text(status)), ("receipt_json", receipt)],
    )
}
