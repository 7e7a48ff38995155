//! Refunds and voids: never more than was paid per line, money back to the original tenders,
//! stock back on the shelf (or written off as damaged), all in one transaction.

use super::checkout::cash_step;
use super::order::{self, Order, record_transition};
use super::{catalog_port, open_business_date, series, shift, voucher};
use crate::foundation::ids::new_id;
use crate::foundation::write::{ChangeOp, WriteTx};
use crate::identity::approval::{self, Approver};
use crate::{SqlResult, Store, foundation::settings, identity::staff};
use kassa_domain::money::Currency;
use kassa_domain::role::{Permission, allows};
use kassa_domain::selling::cash::round_cash;
use kassa_domain::selling::order::{OrderEvent, OrderStatus, transition};
use kassa_domain::selling::refund::{PaidTender, line_refund, refund_to_tenders};
use kassa_domain::{Error, ErrorCode, Result};
use rusqlite::{OptionalExtension, params};
use serde_json::json;
use sha2::{Digest, Sha256};

/// A line to take back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundLine {
    pub order_line_id: String,
    pub quantity: i64,
    /// False: the item is damaged and is written off instead of going back on the shelf.
    pub restock: bool,
}

/// A refund (or a void) of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    pub order_id: String,
    /// Empty: everything not yet returned.
    pub lines: Vec<RefundLine>,
    pub reason: Option<String>,
    pub staff_id: String,
    /// A manager's approval, for a void or a refund that takes the order's refunds above
    /// `sell.refund_limit_minor` when the person's role does not allow it. Used up in the
    /// refund's transaction; ignored (and left unused) when the role allows it anyway.
    pub approver: Option<Approver>,
    pub idempotency_key: Option<String>,
    /// Cancel the whole sale instead of refunding it.
    pub void: bool,
}

/// Money going back on one tender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundTender {
    pub kind: String,
    pub amount_minor: i64,
    /// `paid_out` (cash handed back, voucher credited), or for a card its effective status
    /// (`super::card_refunds`): `pending` (waiting for the provider), `refunded`, `failed` (the
    /// provider refused: pay back another way) or `not_charged` (the card was declined).
    pub status: String,
}

/// What a refund did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundOutcome {
    pub refund_id: String,
    pub number: String,
    pub amount_minor: i64,
    pub rounding_minor: i64,
    pub status: OrderStatus,
    pub tenders: Vec<RefundTender>,
    pub replayed: bool,
}

/// A planned line: what it refunds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedLine {
    pub order_line_id: String,
    pub product_id: String,
    pub stock_tracked: bool,
    pub quantity: i64,
    pub amount_minor: i64,
    pub tax_minor: i64,
    pub restock: bool,
}

/// What a refund of `lines` would pay back, line by line; refuses more than is left.
pub fn plan(order: &Order, lines: &[RefundLine]) -> Result<(Vec<PlannedLine>, i64, i64, bool)> {
    let wanted: Vec<RefundLine> = if lines.is_empty() {
        order
            .lines
            .iter()
            .filter(|l| l.quantity > l.returned)
            .map(|l| RefundLine {
                order_line_id: l.id.clone(),
                quantity: l.quantity - l.returned,
                restock: true,
            })
            .collect()
    } else {
        lines.to_vec()
    };
    if wanted.is_empty() {
        return Err(Error::invalid_input(format!(
            "everything on {} was already returned",
            order.number
        )));
    }
    let mut planned: Vec<PlannedLine> = Vec::new();
    for w in &wanted {
        let l = order
            .lines
            .iter()
            .find(|l| l.id == w.order_line_id)
            .ok_or_else(|| {
                Error::not_found(format!("{} has no line {}", order.number, w.order_line_id))
            })?;
        let already = l.returned
            + planned
                .iter()
                .filter(|p| p.order_line_id == l.id)
                .map(|p| p.quantity)
                .sum::<i64>();
        let amount = line_refund(l.total_minor, l.quantity, already, w.quantity)
            .map_err(|e| Error::invalid_input(format!("{} ({}): {}", l.name, l.sku, e.message)))?;
        let tax = line_refund(l.tax_minor, l.quantity, already, w.quantity)?;
        planned.push(PlannedLine {
            order_line_id: l.id.clone(),
            product_id: l.product_id.clone(),
            stock_tracked: l.stock_tracked,
            quantity: w.quantity,
            amount_minor: amount,
            tax_minor: tax,
            restock: w.restock,
        });
    }
    let amount: i64 = planned.iter().map(|p| p.amount_minor).sum();
    let tax: i64 = planned.iter().map(|p| p.tax_minor).sum();
    let fully = order.lines.iter().all(|l| {
        l.returned
            + planned
                .iter()
                .filter(|p| p.order_line_id == l.id)
                .map(|p| p.quantity)
                .sum::<i64>()
            >= l.quantity
    });
    Ok((planned, amount, tax, fully))
}

/// The hash of everything a refund request asks, so a replayed key with any other field
/// changed (a line, the reason, the person) is `idempotency_mismatch`.
fn request_hash(req: &RefundRequest) -> String {
    let lines: Vec<_> = req
        .lines
        .iter()
        .map(|l| json!([l.order_line_id, l.quantity, l.restock]))
        .collect();
    hex::encode(Sha256::digest(
        json!({"order": req.order_id, "lines": lines, "void": req.void, "reason": req.reason,
               "staff": req.staff_id})
        .to_string()
        .as_bytes(),
    ))
}

/// What the order's refunds so far paid back, before cash rounding.
pub fn refunded_minor(conn: &rusqlite::Connection, order_id: &str) -> Result<i64> {
    conn.query_row(
        "SELECT coalesce(sum(amount_minor), 0) FROM refunds WHERE order_id = ?1",
        [order_id],
        |r| r.get(0),
    )
    .db()
}

/// What a refund of `amount` needs beyond the right to refund: the void right for a void, the
/// right above the limit when the order's refunds with this one come to more than
/// `sell.refund_limit_minor` (so a refund split in pieces is held to the same limit).
pub fn approval_needed(
    conn: &rusqlite::Connection,
    store_id: &str,
    order_id: &str,
    amount_minor: i64,
    void: bool,
) -> Result<Option<(Permission, String)>> {
    if void {
        return Ok(Some((Permission::Void, "a void".to_string())));
    }
    let limit = settings::get_int(conn, store_id, "sell.refund_limit_minor")?;
    let before = refunded_minor(conn, order_id)?;
    let total = before
        .checked_add(amount_minor)
        .ok_or_else(|| Error::invalid_input("the refund is too large"))?;
    if total <= limit {
        return Ok(None);
    }
    let money = |m| super::money_text(conn, store_id, m);
    Ok(Some((
        Permission::RefundAboveLimit,
        format!(
            "refunds of this sale coming to {} (limit {}, {} refunded before)",
            money(total)?,
            money(limit)?,
            money(before)?
        ),
    )))
}

/// Checks, inside the refund's transaction, that the person may do it alone or that a fitting
/// approval came with it, and uses the approval up. Returns the approver who allowed it.
fn authorise(
    tx: &mut WriteTx<'_>,
    req: &RefundRequest,
    store_id: &str,
    amount_minor: i64,
) -> Result<Option<String>> {
    let Some((needed, what)) =
        approval_needed(tx, store_id, &req.order_id, amount_minor, req.void)?
    else {
        return Ok(None);
    };
    let role = staff::get(tx, &req.staff_id)?.role;
    if allows(role, needed) {
        return Ok(None);
    }
    match &req.approver {
        Some(a) if allows(a.role, needed) && a.staff_id != req.staff_id => {
            approval::consume(tx, a)?;
            Ok(Some(a.staff_id.clone()))
        }
        Some(a) => Err(Error::forbidden(format!(
            "{} may not approve {}",
            a.email,
            needed.describe()
        ))),
        None => Err(Error::forbidden(format!(
            "a {role} may not do this alone: {what} needs a manager's approval ({})",
            needed.describe()
        ))),
    }
}

/// Refunds (or voids) in one transaction.
pub fn refund(store: &mut Store, req: RefundRequest) -> Result<RefundOutcome> {
    if req
        .reason
        .as_deref()
        .is_some_and(|r| r.chars().count() > 200)
    {
        return Err(Error::invalid_input(
            "the reason has at most 200 characters",
        ));
    }
    if req
        .reason
        .as_deref()
        .is_some_and(kassa_domain::pan::looks_like_pan)
    {
        return Err(Error::invalid_input(
            "the reason looks like a card number; never type card numbers into Kassa",
        ));
    }
    for l in &req.lines {
        kassa_domain::selling::check_quantity(l.quantity).map_err(|e| {
            Error::invalid_input(format!("line {}: {}", l.order_line_id, e.message))
        })?;
    }
    let hash = request_hash(&req);
    store.write(|tx| {
        if let Some(key) = &req.idempotency_key {
            let found: Option<(String, Option<String>)> = tx
                .query_row("SELECT id, request_hash FROM refunds WHERE idempotency_key = ?1", [key], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
                .db()?;
            if let Some((id, stored)) = found {
                if stored.as_deref() != Some(hash.as_str()) {
                    return Err(Error::new(ErrorCode::IdempotencyMismatch, format!("the key '{key}' was already used for a different refund")));
                }
                return replayed(tx, &id);
            }
        }
        let order = order::load(tx, &req.order_id)?;
        // Say first when the order's state allows no refund or void at all.
        let probe = if req.void { OrderEvent::Void } else { OrderEvent::Refund { fully: true } };
        transition(order.status, probe)?;
        let (planned, amount, tax, fully) = plan(&order, &req.lines)?;
        let event = if req.void { OrderEvent::Void } else { OrderEvent::Refund { fully } };
        // Check the move before writing anything.
        transition(order.status, event)?;
        if req.void && !fully {
            return Err(Error::invalid_input("a void cancels the whole sale; refund single lines instead"));
        }

        let store_id: String = tx.query_row("SELECT store_id FROM device", [], |r| r.get(0)).db()?;
        let approver_id = authorise(tx, &req, &store_id, amount)?;
        let currency = Currency::from_code(&order.currency)?;
        let tenders: Vec<PaidTender> = order
            .payments
            .iter()
            .map(|p| PaidTender { payment_id: p.id.clone(), applied_minor: p.amount_minor, refunded_minor: p.refunded_minor })
            .collect();
        let shares = refund_to_tenders(amount, &tenders)?;
        let step = cash_step(tx, &store_id, &currency)?;

        let refund_id = new_id();
        let (store_code, device_code) = series::codes(tx)?;
        let number = format!("{store_code}-{device_code}-R{:06}", series::next(tx, series::Series::Refund)?);
        let shift_id = shift::ensure_open(tx, &store_id, &req.staff_id)?;
        let now = tx.now_ts();
        let device_id = tx.device_id()?.to_string();
        let mut rounding = 0;
        let mut out_tenders = Vec::new();
        let mut payment_rows = Vec::new();
        for (payment_id, share) in &shares {
            let p = order.payments.iter().find(|p| &p.id == payment_id).ok_or_else(|| Error::internal("payment vanished"))?;
            let (paid, status) = match p.kind.as_str() {
                "cash" => {
                    let (paid, r) = round_cash(*share, step)?;
                    rounding += r;
                    (paid, "paid_out")
                }
                "card" => (*share, "pending"),
                _ => (*share, "paid_out"),
            };
            payment_rows.push((new_id(), p.id.clone(), p.kind.clone(), paid, status, p.voucher_id.clone()));
            out_tenders.push(RefundTender { kind: p.kind.clone(), amount_minor: paid, status: status.to_string() });
        }
        let reason = req.reason.clone().or_else(|| req.void.then(|| "void".to_string()));
        let kind = if req.void { "void" } else { "refund" };
        let day = open_business_date(tx, &device_id, tx.now())?;
        tx.exec(
            "INSERT INTO refunds (id, order_id, device_id, number, amount_minor, tax_minor, rounding_minor, reason, staff_id,
                approver_id, shift_id, idempotency_key, request_hash, business_date, created_at, kind)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                refund_id,
                order.id,
                device_id,
                number,
                amount,
                tax,
                rounding,
                reason,
                req.staff_id,
                approver_id,
                shift_id,
                req.idempotency_key,
                hash,
                day,
                now,
                kind
            ],
        )?;
        let mut lines_json = Vec::new();
        for p in &planned {
            let id = new_id();
            tx.exec(
                "INSERT INTO refund_lines (id, refund_id, order_line_id, quantity, amount_minor, tax_minor, restock)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![id, refund_id, p.order_line_id, p.quantity, p.amount_minor, p.tax_minor, i64::from(p.restock)],
            )?;
            lines_json.push(json!({"id": id, "order_line_id": p.order_line_id, "quantity": p.quantity,
                "amount_minor": p.amount_minor, "tax_minor": p.tax_minor, "restock": p.restock}));
        }
        let mut payments_json = Vec::new();
        for ((id, payment_id, kind, paid, status, voucher_id), out) in payment_rows.iter().zip(out_tenders.iter_mut()) {
            tx.exec(
                "INSERT INTO refund_payments (id, refund_id, payment_id, kind, amount_minor, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, refund_id, payment_id, kind, paid, status],
            )?;
            if kind == "card" {
                // A declined card's share is never paid back: it shows as not charged.
                out.status = super::card_refunds::status(tx, id)?;
            }
            if let Some(v) = voucher_id {
                voucher::credit(tx, v, *paid, &refund_id, &req.staff_id)?;
            }
            payments_json.push(json!({"id": id, "payment_id": payment_id, "kind": kind, "amount_minor": paid, "status": status}));
        }
        crate::commissions::reverse_on_refund(tx, &refund_id)?;
        let back: Vec<(&str, i64, bool)> = planned
            .iter()
            .filter(|p| p.stock_tracked)
            .map(|p| (p.product_id.as_str(), p.quantity, p.restock))
            .collect();
        let movements = if back.is_empty() {
            Vec::new()
        } else {
            catalog_port::take_back(tx, &store_id, &back, &refund_id, &req.staff_id)?
        };
        tx.record_change(
            "refunds",
            &refund_id,
            ChangeOp::Event,
            &json!({"event": "refund", "refund": {"order_id": order.id, "device_id": device_id, "number": number,
                "amount_minor": amount, "tax_minor": tax, "rounding_minor": rounding, "reason": reason, "kind": kind,
                "staff_id": req.staff_id, "approver_id": approver_id, "shift_id": shift_id, "business_date": day, "created_at": now,
                "idempotency_key": req.idempotency_key, "request_hash": hash},
                "lines": lines_json, "payments": payments_json, "stock_movements": movements}),
        )?;
        let status = record_transition(
            tx,
            &order.id,
            order.status,
            event,
            &req.staff_id,
            approver_id.as_deref(),
            reason.as_deref(),
            json!({"refund_id": refund_id, "number": number, "amount_minor": amount}),
        )?;
        Ok(RefundOutcome { refund_id, number, amount_minor: amount, rounding_minor: rounding, status, tenders: out_tenders, replayed: false })
    })
}

fn replayed(tx: &WriteTx<'_>, refund_id: &str) -> Result<RefundOutcome> {
    let (number, amount, rounding, order_id): (String, i64, i64, String) = tx
        .query_row(
            "SELECT number, amount_minor, rounding_minor, order_id FROM refunds WHERE id = ?1",
            [refund_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .db()?;
    let status: String = tx
        .query_row(
            "SELECT status FROM orders WHERE id = ?1",
            [&order_id],
            |r| r.get(0),
        )
        .db()?;
    let mut stmt = tx
        .prepare(&format!(
            "SELECT rp.kind, rp.amount_minor, {} FROM refund_payments rp WHERE rp.refund_id = ?1 ORDER BY rp.rowid",
            super::card_refunds::EFFECTIVE_STATUS
        ))
        .db()?;
    let tenders = stmt
        .query_map([refund_id], |r| {
            Ok(RefundTender {
                kind: r.get(0)?,
                amount_minor: r.get(1)?,
                status: r.get(2)?,
            })
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    Ok(RefundOutcome {
        refund_id: refund_id.to_string(),
        number,
        amount_minor: amount,
        rounding_minor: rounding,
        status: OrderStatus::parse(&status)?,
        tenders,
        replayed: true,
    })
}

/// A refund as stored, for its receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRecord {
    pub id: String,
    pub order_id: String,
    pub number: String,
    pub amount_minor: i64,
    pub tax_minor: i64,
    pub rounding_minor: i64,
    pub staff_id: String,
    pub created_at: String,
    /// (order line id, quantity, amount, tax) per line taken back.
    pub lines: Vec<(String, i64, i64, i64)>,
    pub tenders: Vec<RefundTenderRecord>,
}

/// Money that went back on one tender of a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundTenderRecord {
    pub kind: String,
    pub amount_minor: i64,
    pub status: String,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
}

/// The refund with `id`.
pub fn load(conn: &rusqlite::Connection, id: &str) -> Result<RefundRecord> {
    let mut r = conn
        .query_row(
            "SELECT id, order_id, number, amount_minor, tax_minor, rounding_minor, staff_id, created_at FROM refunds WHERE id = ?1",
            [id],
            |x| {
                Ok(RefundRecord {
                    id: x.get(0)?,
                    order_id: x.get(1)?,
                    number: x.get(2)?,
                    amount_minor: x.get(3)?,
                    tax_minor: x.get(4)?,
                    rounding_minor: x.get(5)?,
                    staff_id: x.get(6)?,
                    created_at: x.get(7)?,
                    lines: Vec::new(),
                    tenders: Vec::new(),
                })
            },
        )
        .optional()
        .db()?
        .ok_or_else(|| Error::not_found(format!("no refund with id {id}")))?;
    let mut stmt = conn
        .prepare_cached("SELECT order_line_id, quantity, amount_minor, tax_minor FROM refund_lines WHERE refund_id = ?1")
        .db()?;
    r.lines = stmt
        .query_map([id], |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?, x.get(3)?)))
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT rp.kind, rp.amount_minor, {}, coalesce(p.card_brand, po.card_brand),
                    coalesce(p.card_last4, po.card_last4)
             FROM refund_payments rp JOIN payments p ON p.id = rp.payment_id
             LEFT JOIN payment_outcomes po ON po.payment_id = p.id
             WHERE rp.refund_id = ?1 ORDER BY rp.rowid",
            super::card_refunds::EFFECTIVE_STATUS
        ))
        .db()?;
    r.tenders = stmt
        .query_map([id], |x| {
            Ok(RefundTenderRecord {
                kind: x.get(0)?,
                amount_minor: x.get(1)?,
                status: x.get(2)?,
                card_brand: x.get(3)?,
                card_last4: x.get(4)?,
            })
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    Ok(r)
}
