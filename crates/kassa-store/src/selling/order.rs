//! Orders as stored: reading one back with its lines, payments and history, finding them, and
//! the transitions that are not refunds.

use crate::SqlResult;
use crate::foundation::ids::new_id;
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use kassa_domain::selling::order::{OrderEvent, OrderStatus, transition};
use kassa_domain::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;
use std::collections::HashMap;

/// A sold line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    pub id: String,
    pub position: i64,
    pub product_id: String,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub price_includes_tax: bool,
    pub tax_rate_bp: u32,
    pub cost_minor: Option<i64>,
    pub stock_tracked: bool,
    pub gross_minor: i64,
    pub discount_minor: i64,
    pub net_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    pub price_changed: bool,
    /// Units returned so far.
    pub returned: i64,
}

/// A payment of the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub id: String,
    pub kind: String,
    pub tendered_minor: i64,
    pub amount_minor: i64,
    pub status: String,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    pub voucher_id: Option<String>,
    pub refunded_minor: i64,
}

/// One step of the order's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEventRow {
    pub event: String,
    pub from_status: String,
    pub to_status: String,
    pub actor_id: String,
    pub approver_id: Option<String>,
    pub reason: Option<String>,
    pub created_at: String,
}

/// Tax at one rate of the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderTax {
    pub rate_bp: u32,
    pub net_minor: i64,
    pub tax_minor: i64,
    pub gross_minor: i64,
}

/// An order with everything that belongs to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: String,
    pub device_id: String,
    pub number: String,
    pub status: OrderStatus,
    pub customer_id: Option<String>,
    pub staff_id: String,
    pub shift_id: Option<String>,
    pub currency: String,
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    pub rounding_minor: i64,
    pub change_minor: i64,
    pub business_date: String,
    pub created_at: String,
    pub lines: Vec<OrderLine>,
    pub taxes: Vec<OrderTax>,
    pub payments: Vec<Payment>,
    pub events: Vec<OrderEventRow>,
    /// Refunded so far, in minor units.
    pub refunded_minor: i64,
    /// What the order still owes because the card provider declined a card after the sale.
    pub balance_owed_minor: i64,
}

/// The id of the order with receipt number `number` (case-insensitive).
pub fn id_by_number(conn: &Connection, number: &str) -> Result<String> {
    conn.query_row(
        "SELECT id FROM orders WHERE number = ?1 COLLATE NOCASE",
        [number.trim()],
        |r| r.get(0),
    )
    .optional()
    .db()?
    .ok_or_else(|| Error::not_found(format!("no sale has the receipt number {}", number.trim())))
}

/// The id of the order recorded with idempotency key `key`, if any.
pub fn id_by_key(conn: &Connection, key: &str) -> Result<Option<String>> {
    conn.query_row(
        "SELECT id FROM orders WHERE idempotency_key = ?1",
        [key],
        |r| r.get(0),
    )
    .optional()
    .db()
}

/// Units returned per order line.
pub fn returned(conn: &Connection, order_id: &str) -> Result<HashMap<String, i64>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT rl.order_line_id, sum(rl.quantity) FROM refund_lines rl JOIN refunds r ON r.id = rl.refund_id
             WHERE r.order_id = ?1 GROUP BY rl.order_line_id",
        )
        .db()?;
    let rows = stmt
        .query_map([order_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })
        .db()?;
    rows.collect::<rusqlite::Result<HashMap<_, _>>>().db()
}

/// The order with `id`, complete.
pub fn load(conn: &Connection, id: &str) -> Result<Order> {
    let mut order = conn
        .query_row(
            "SELECT id, device_id, number, status, customer_id, staff_id, shift_id, currency, subtotal_minor, discount_minor,
                    tax_minor, total_minor, rounding_minor, change_minor, business_date, created_at
             FROM orders WHERE id = ?1",
            [id],
            |r| {
                let status: String = r.get(3)?;
                Ok((
                    status,
                    Order {
                        id: r.get(0)?,
                        device_id: r.get(1)?,
                        number: r.get(2)?,
                        status: OrderStatus::Draft,
                        customer_id: r.get(4)?,
                        staff_id: r.get(5)?,
                        shift_id: r.get(6)?,
                        currency: r.get(7)?,
                        subtotal_minor: r.get(8)?,
                        discount_minor: r.get(9)?,
                        tax_minor: r.get(10)?,
                        total_minor: r.get(11)?,
                        rounding_minor: r.get(12)?,
                        change_minor: r.get(13)?,
                        business_date: r.get(14)?,
                        created_at: r.get(15)?,
                        lines: Vec::new(),
                        taxes: Vec::new(),
                        payments: Vec::new(),
                        events: Vec::new(),
                        refunded_minor: 0,
                        balance_owed_minor: 0,
                    },
                ))
            },
        )
        .optional()
        .db()?
        .map(|(status, mut o)| -> Result<Order> {
            o.status = OrderStatus::parse(&status)?;
            Ok(o)
        })
        .transpose()?
        .ok_or_else(|| Error::not_found(format!("no order with id {id}")))?;
    let back = returned(conn, id)?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, position, product_id, sku, name, quantity, unit_price_minor, price_includes_tax, tax_rate_bp, cost_minor,
                    gross_minor, line_discount_minor + order_discount_minor, net_minor, tax_minor, total_minor, price_changed,
                    stock_tracked
             FROM order_lines WHERE order_id = ?1 ORDER BY position",
        )
        .db()?;
    order.lines = stmt
        .query_map([id], |r| {
            let line_id: String = r.get(0)?;
            Ok(OrderLine {
                returned: 0,
                position: r.get(1)?,
                product_id: r.get(2)?,
                sku: r.get(3)?,
                name: r.get(4)?,
                quantity: r.get(5)?,
                unit_price_minor: r.get(6)?,
                price_includes_tax: r.get::<_, i64>(7)? != 0,
                tax_rate_bp: u32::try_from(r.get::<_, i64>(8)?).unwrap_or(0),
                cost_minor: r.get(9)?,
                gross_minor: r.get(10)?,
                discount_minor: r.get(11)?,
                net_minor: r.get(12)?,
                tax_minor: r.get(13)?,
                total_minor: r.get(14)?,
                price_changed: r.get::<_, i64>(15)? != 0,
                stock_tracked: r.get::<_, i64>(16)? != 0,
                id: line_id,
            })
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    for l in &mut order.lines {
        l.returned = back.get(&l.id).copied().unwrap_or(0);
    }
    let mut stmt = conn
        .prepare_cached("SELECT rate_bp, net_minor, tax_minor, gross_minor FROM order_taxes WHERE order_id = ?1 ORDER BY rate_bp")
        .db()?;
    order.taxes = stmt
        .query_map([id], |r| {
            Ok(OrderTax {
                rate_bp: u32::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                net_minor: r.get(1)?,
                tax_minor: r.get(2)?,
                gross_minor: r.get(3)?,
            })
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT p.id, p.kind, p.tendered_minor, p.amount_minor, coalesce(po.status, p.status),
                    coalesce(p.card_brand, po.card_brand), coalesce(p.card_last4, po.card_last4), p.voucher_id,
                    (SELECT coalesce(sum(rp.amount_minor), 0) FROM refund_payments rp WHERE rp.payment_id = p.id)
             FROM payments p LEFT JOIN payment_outcomes po ON po.payment_id = p.id
             WHERE p.order_id = ?1 ORDER BY p.position",
        )
        .db()?;
    order.payments = stmt
        .query_map([id], |r| {
            Ok(Payment {
                id: r.get(0)?,
                kind: r.get(1)?,
                tendered_minor: r.get(2)?,
                amount_minor: r.get(3)?,
                status: r.get(4)?,
                card_brand: r.get(5)?,
                card_last4: r.get(6)?,
                voucher_id: r.get(7)?,
                refunded_minor: r.get(8)?,
            })
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT event, from_status, to_status, actor_id, approver_id, reason, created_at FROM order_events
             WHERE order_id = ?1 ORDER BY id",
        )
        .db()?;
    order.events = stmt
        .query_map([id], |r| {
            Ok(OrderEventRow {
                event: r.get(0)?,
                from_status: r.get(1)?,
                to_status: r.get(2)?,
                actor_id: r.get(3)?,
                approver_id: r.get(4)?,
                reason: r.get(5)?,
                created_at: r.get(6)?,
            })
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    order.refunded_minor = conn
        .query_row(
            "SELECT coalesce(sum(amount_minor), 0) FROM refunds WHERE order_id = ?1",
            [id],
            |r| r.get(0),
        )
        .db()?;
    order.balance_owed_minor = super::cards::balance_owed(conn, id)?;
    Ok(order)
}

/// Where an order event's `(hlc, device)` is kept (`field_versions`, entity and field): order
/// events from every device fold into the order's status in that order.
pub(crate) const EVENT_STAMP: (&str, &str) = ("order_events", "stamp");

/// Records a transition: the new status, a history event, the outbox event and the audit entry.
#[allow(clippy::too_many_arguments)]
pub fn record_transition(
    tx: &mut WriteTx<'_>,
    order_id: &str,
    from: OrderStatus,
    event: OrderEvent,
    actor_id: &str,
    approver_id: Option<&str>,
    reason: Option<&str>,
    extra: serde_json::Value,
) -> Result<OrderStatus> {
    let to = transition(from, event)?;
    let n = tx
        .execute(
            "UPDATE orders SET status = ?1 WHERE id = ?2 AND status = ?3",
            params![to.as_str(), order_id, from.as_str()],
        )
        .db()?;
    if n == 0 {
        return Err(Error::new(
            kassa_domain::ErrorCode::Conflict,
            "the order changed meanwhile; look at it again",
        ));
    }
    let now = tx.now_ts();
    let event_id = new_id();
    tx.exec(
        "INSERT INTO order_events (id, order_id, event, from_status, to_status, actor_id, approver_id, reason, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![event_id, order_id, event.as_str(), from.as_str(), to.as_str(), actor_id, approver_id, reason, now],
    )?;
    // Every device folds the order's events in `(hlc, device)` order: this one follows every
    // event held here, also one stamped by a clock running ahead.
    let newest: Option<i64> = tx
        .query_row(
            "SELECT max(v.hlc) FROM order_events e
             JOIN field_versions v ON v.entity = ?2 AND v.entity_id = e.id AND v.field = ?3
             WHERE e.order_id = ?1",
            params![order_id, EVENT_STAMP.0, EVENT_STAMP.1],
            |r| r.get(0),
        )
        .db()?;
    tx.record_change_after(
        "orders",
        order_id,
        ChangeOp::Event,
        &json!({"event": event.as_str(), "event_id": event_id, "from": from.as_str(), "to": to.as_str(),
                "actor_id": actor_id, "approver_id": approver_id, "reason": reason, "at": now, "detail": extra}),
        newest,
    )?;
    // The event's place among every device's events of this order: its change's stamp.
    tx.exec(
        "INSERT INTO field_versions (entity, entity_id, field, hlc, device_id)
         SELECT ?1, ?2, ?3, hlc, device_id FROM outbox ORDER BY seq DESC LIMIT 1",
        params![EVENT_STAMP.0, event_id, EVENT_STAMP.1],
    )?;
    let mut a = AuditInput::new(match event {
        OrderEvent::Pay => "order.paid",
        OrderEvent::Fulfil => "order.fulfilled",
        OrderEvent::Refund { .. } => "order.refunded",
        OrderEvent::Void => "order.voided",
    })
    .by(actor_id)
    .on("order", order_id)
    .before(json!({"status": from.as_str()}))
    .after(json!({"status": to.as_str(), "reason": reason, "detail": extra}));
    if let Some(ap) = approver_id {
        a = a.approved_by(ap);
    }
    tx.audit(a)?;
    Ok(to)
}

/// Marks a paid order as handed over.
pub fn fulfil(tx: &mut WriteTx<'_>, order_id: &str, staff_id: &str) -> Result<OrderStatus> {
    let status: String = tx
        .query_row("SELECT status FROM orders WHERE id = ?1", [order_id], |r| {
            r.get(0)
        })
        .optional()
        .db()?
        .ok_or_else(|| Error::not_found(format!("no order with id {order_id}")))?;
    record_transition(
        tx,
        order_id,
        OrderStatus::parse(&status)?,
        OrderEvent::Fulfil,
        staff_id,
        None,
        None,
        json!({}),
    )
}

/// An order in a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSummary {
    pub id: String,
    pub number: String,
    pub status: String,
    pub total_minor: i64,
    pub customer_id: Option<String>,
    pub staff_id: String,
    pub created_at: String,
}

/// Recent orders, newest first; `customer_id` narrows to one customer's purchases.
pub fn recent(
    conn: &Connection,
    customer_id: Option<&str>,
    limit: u32,
) -> Result<Vec<OrderSummary>> {
    let mut stmt = conn
        .prepare(
            "SELECT id, number, status, total_minor + rounding_minor, customer_id, staff_id, created_at FROM orders
             WHERE (?1 IS NULL OR customer_id = ?1) ORDER BY created_at DESC LIMIT ?2",
        )
        .db()?;
    let rows = stmt
        .query_map(params![customer_id, limit], |r| {
            Ok(OrderSummary {
                id: r.get(0)?,
                number: r.get(1)?,
                status: r.get(2)?,
                total_minor: r.get(3)?,
                customer_id: r.get(4)?,
                staff_id: r.get(5)?,
                created_at: r.get(6)?,
            })
        })
        .db()?;
    rows.collect::<rusqlite::Result<Vec<_>>>().db()
}
