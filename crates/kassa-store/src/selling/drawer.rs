//! The cash drawer's openings. A cash sale opens the drawer once for whoever made it; every
//! other opening (a "no sale", a reprint with the drawer) needs the right to open the drawer,
//! and each one is kept here, audited and counted on the X and Z reports.

use super::{open_business_date, shift};
use crate::SqlResult;
use crate::foundation::ids::new_id;
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use kassa_domain::role::{Permission, allows};
use kassa_domain::{Error, Result};
use rusqlite::{Connection, params};
use serde_json::json;

/// Why the drawer opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenKind {
    /// A cash sale's or cash refund's own opening, once, for the person who made it.
    Sale,
    /// Opened with no sale.
    NoSale,
    /// A receipt printed again with the drawer.
    Reprint,
}

impl OpenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OpenKind::Sale => "sale",
            OpenKind::NoSale => "no_sale",
            OpenKind::Reprint => "reprint",
        }
    }
}

/// What a receipt's drawer opening is: the sale's (or cash refund's) own when it paid cash,
/// was made by `staff_id` and its drawer has not opened yet; a reprint otherwise.
pub fn kind_for_receipt(
    conn: &Connection,
    order_id: Option<&str>,
    refund_id: Option<&str>,
    staff_id: &str,
) -> Result<OpenKind> {
    let own_cash: bool = match (refund_id, order_id) {
        (Some(refund_id), _) => conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM refunds r JOIN refund_payments p ON p.refund_id = r.id
                                WHERE r.id = ?1 AND r.staff_id = ?2 AND p.kind = 'cash')
                    AND NOT EXISTS (SELECT 1 FROM drawer_opens WHERE refund_id = ?1)",
                params![refund_id, staff_id],
                |r| r.get(0),
            )
            .db()?,
        (None, Some(order_id)) => conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM orders o JOIN payments p ON p.order_id = o.id
                                WHERE o.id = ?1 AND o.staff_id = ?2 AND p.kind = 'cash')
                    AND NOT EXISTS (SELECT 1 FROM drawer_opens WHERE order_id = ?1 AND refund_id IS NULL)",
                params![order_id, staff_id],
                |r| r.get(0),
            )
            .db()?,
        (None, None) => false,
    };
    Ok(if own_cash {
        OpenKind::Sale
    } else {
        OpenKind::Reprint
    })
}

/// One opening to record.
#[derive(Debug, Clone, Copy)]
pub struct Opening<'a> {
    pub kind: OpenKind,
    pub order_id: Option<&'a str>,
    pub refund_id: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub staff_id: &'a str,
}

/// Records an opening of the drawer; any but a sale's own needs `open_close_drawer` for the
/// person's role (`forbidden` otherwise, and nothing is written).
pub fn record(tx: &mut WriteTx<'_>, opening: Opening<'_>) -> Result<String> {
    if opening.kind != OpenKind::Sale {
        let role = crate::identity::staff::get(tx, opening.staff_id)?.role;
        if !allows(role, Permission::OpenCloseDrawer) {
            return Err(Error::forbidden(format!(
                "a {role} may not open the cash drawer outside a cash sale: {} needs a role that allows it",
                Permission::OpenCloseDrawer.describe()
            )));
        }
    }
    let reason = opening.reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 200) {
        return Err(Error::invalid_input(
            "the reason has at most 200 characters",
        ));
    }
    if reason.is_some_and(kassa_domain::pan::looks_like_pan) {
        return Err(Error::invalid_input(
            "the reason looks like a card number; never type card numbers into Kassa",
        ));
    }
    let device_id = tx.device_id()?.to_string();
    let shift_id = shift::open_shift(tx, &device_id)?.map(|s| s.id);
    let id = new_id();
    let now = tx.now_ts();
    let day = open_business_date(tx, &device_id, tx.now())?;
    tx.exec(
        "INSERT INTO drawer_opens (id, device_id, shift_id, kind, order_id, refund_id, reason, staff_id, business_date, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![id, device_id, shift_id, opening.kind.as_str(), opening.order_id, opening.refund_id, reason, opening.staff_id, day, now],
    )?;
    let row = json!({"device_id": device_id, "shift_id": shift_id, "kind": opening.kind.as_str(),
        "order_id": opening.order_id, "refund_id": opening.refund_id, "reason": reason,
        "staff_id": opening.staff_id, "business_date": day, "created_at": now});
    tx.record_change("drawer_opens", &id, ChangeOp::Insert, &row)?;
    tx.audit(
        AuditInput::new("drawer.opened")
            .by(opening.staff_id)
            .on("drawer_open", &id)
            .after(row),
    )?;
    Ok(id)
}
