//! Orders and refunds from other devices: the checkout document, later order events, refund
//! documents, and the order's status folded from every device's events.

use super::{cols, combine, items, need, set, sql_text, text};
use crate::foundation::apply::{Applied, ApplyTx, Version, field, suffixed};
use crate::selling::catalog_port;
use crate::selling::order::EVENT_STAMP;
use kassa_domain::selling::order::{OrderEvent, OrderStatus, transition};
use kassa_domain::{Error, Result};
use kassa_sync_protocol::Change;
use rusqlite::params;
use rusqlite::types::Value as SqlValue;
use serde_json::{Value, json};

const ORDER_COLUMNS: &[&str] = &[
    "store_id",
    "device_id",
    "number",
    "customer_id",
    "staff_id",
    "shift_id",
    "currency",
    "subtotal_minor",
    "discount_minor",
    "tax_minor",
    "total_minor",
    "rounding_minor",
    "change_minor",
    "idempotency_key",
    "request_hash",
    "business_date",
    "created_at",
];

const LINE_COLUMNS: &[&str] = &[
    "position",
    "product_id",
    "sku",
    "name",
    "quantity",
    "unit_price_minor",
    "price_includes_tax",
    "tax_rate_bp",
    "cost_minor",
    "stock_tracked",
    "gross_minor",
    "line_discount_minor",
    "order_discount_minor",
    "net_minor",
    "tax_minor",
    "total_minor",
    "price_changed",
    "discount_approver_id",
];

const PAYMENT_COLUMNS: &[&str] = &[
    "position",
    "kind",
    "tendered_minor",
    "amount_minor",
    "status",
    "voucher_id",
    "card_brand",
    "card_last4",
    "customer_contact",
    "provider_ref",
];

const REFUND_COLUMNS: &[&str] = &[
    "order_id",
    "device_id",
    "number",
    "amount_minor",
    "tax_minor",
    "rounding_minor",
    "reason",
    "kind",
    "staff_id",
    "approver_id",
    "shift_id",
    "idempotency_key",
    "request_hash",
    "business_date",
    "created_at",
];

/// An `orders` change: the checkout document or a later event of the order.
pub(super) fn apply_order(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    match text(&c.payload, "event") {
        Some("checkout") => apply_checkout(tx, c),
        Some(_) => apply_order_event(tx, c),
        None => Err(Error::invalid_input(format!(
            "order change {} names no event",
            c.change_id
        ))),
    }
}

/// The parents of stock movements carried by a document.
fn movement_parents(movements: &[Value]) -> Vec<(&'static str, &'static str, Option<&str>)> {
    let mut out = Vec::new();
    for m in movements {
        out.push(("products", "id", text(m, "product_id")));
        out.push(("locations", "id", text(m, "location_id")));
        out.push(("stock_batches", "id", text(m, "batch_id")));
    }
    out
}

/// Inserts a document's stock movements once each; the level trigger counts each once.
fn insert_movements(tx: &mut ApplyTx<'_>, movements: &[Value]) -> Result<Applied> {
    let mut outcome = Applied::AlreadyHeld;
    for m in movements {
        let id = need(m, "id", "a stock movement")?;
        outcome = combine(outcome, catalog_port::apply_movement(tx, id, m)?);
    }
    Ok(outcome)
}

/// A number another row of `table` holds already: the row with the larger id (the later one)
/// gets the suffix of its device, the same on every device, and the clash is recorded. The
/// number the incoming row gets.
fn settle_number(
    tx: &mut ApplyTx<'_>,
    table: &str,
    id: &str,
    device_id: &str,
    number: &str,
) -> Result<(String, bool)> {
    let other: Option<(String, String)> = tx.row(
        &format!("SELECT id, device_id FROM {table} WHERE number = ?1 AND id <> ?2"),
        params![number, id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let Some((other_id, other_device)) = other else {
        return Ok((number.to_string(), false));
    };
    let (kept, renamed, marked) = if id > other_id.as_str() {
        (
            other_id.clone(),
            id.to_string(),
            suffixed(number, device_id),
        )
    } else {
        (
            id.to_string(),
            other_id.clone(),
            suffixed(number, &other_device),
        )
    };
    if renamed == other_id {
        tx.exec(
            &format!("UPDATE {table} SET number = ?2 WHERE id = ?1"),
            params![other_id, marked],
        )?;
    }
    tx.conflict(
        "receipt_number_clash",
        table,
        number,
        json!({"number": number, "kept_by": kept, "renamed": renamed, "now": marked}),
    )?;
    let incoming = if renamed == id {
        marked
    } else {
        number.to_string()
    };
    Ok((incoming, true))
}

/// Prepares the number and idempotency key of a document row (`orders` or `refunds`): a row
/// held already keeps the values this device gave it; a new one settles clashes first.
/// Whether a clash was recorded.
fn settle_keys(
    tx: &mut ApplyTx<'_>,
    table: &str,
    id: &str,
    row: &mut [(&'static str, SqlValue)],
    doc: &Value,
) -> Result<bool> {
    let held: Option<(String, Option<String>)> = tx.row(
        &format!("SELECT number, idempotency_key FROM {table} WHERE id = ?1"),
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if let Some((number, key)) = held {
        set(row, "number", SqlValue::Text(number));
        set(
            row,
            "idempotency_key",
            key.map_or(SqlValue::Null, SqlValue::Text),
        );
        return Ok(false);
    }
    let number = need(doc, "number", table)?;
    let device = need(doc, "device_id", table)?;
    let (number, mut clashed) = settle_number(tx, table, id, device, number)?;
    set(row, "number", SqlValue::Text(number));
    if let Some(key) = text(doc, "idempotency_key") {
        let other: Option<String> = tx.row(
            &format!("SELECT id FROM {table} WHERE idempotency_key = ?1 AND id <> ?2"),
            params![key, id],
            |r| r.get(0),
        )?;
        if let Some(other) = other {
            // Keys are made by each client; the row keeps its content without the key.
            set(row, "idempotency_key", SqlValue::Null);
            tx.conflict(
                "idempotency_key_clash",
                table,
                id,
                json!({"key": key, "held_by": other, "dropped_from": id}),
            )?;
            clashed = true;
        }
    }
    Ok(clashed)
}

/// The checkout document: the order and everything the sale wrote, with the seller's ids.
fn apply_checkout(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let p = &c.payload;
    let order_id = c.entity_id.as_str();
    let order = p
        .get("order")
        .ok_or_else(|| Error::invalid_input("a checkout document without its order"))?;
    let event_id = need(p, "event_id", "a checkout document")?;
    let (lines, taxes, payments, movements) = (
        items(p, "lines"),
        items(p, "taxes"),
        items(p, "payments"),
        items(p, "stock_movements"),
    );
    let mut parents = vec![
        ("stores", "id", text(order, "store_id")),
        ("staff", "id", text(order, "staff_id")),
        ("shifts", "id", text(order, "shift_id")),
        ("customers", "id", text(order, "customer_id")),
    ];
    parents.extend(
        lines
            .iter()
            .map(|l| ("products", "id", text(l, "product_id"))),
    );
    parents.extend(movement_parents(movements));
    if let Some(reason) = tx.missing_parent(&parents)? {
        return Ok(tx.park(reason));
    }
    tx.note_currency(text(order, "currency"))?;

    let mut row = cols(order, ORDER_COLUMNS);
    let clashed = settle_keys(tx, "orders", order_id, &mut row, order)?;
    let mut outcome = tx.insert_ledger_with(
        "orders",
        &[("id", sql_text(order_id))],
        &row,
        &[("status", field(order, "status"))],
    )?;
    if clashed {
        outcome = combine(outcome, Applied::Conflict);
    }
    for l in lines {
        let id = need(l, "id", "an order line")?;
        let mut row = vec![("order_id", sql_text(order_id))];
        row.extend(cols(l, LINE_COLUMNS));
        let done = tx.insert_ledger("order_lines", &[("id", sql_text(id))], &row)?;
        outcome = combine(outcome, done);
    }
    for t in taxes {
        let key = [
            ("order_id", sql_text(order_id)),
            ("rate_bp", field(t, "rate_bp")),
        ];
        let row = cols(t, &["net_minor", "tax_minor", "gross_minor"]);
        outcome = combine(outcome, tx.insert_ledger("order_taxes", &key, &row)?);
    }
    // The customer's data erased meanwhile: the contact kept for a declined card is blanked
    // before the row is compared or kept, as the erasure blanked it on every device.
    let erased = crate::customers::privacy::is_erased(tx, text(order, "customer_id"))?;
    for pay in payments {
        let id = need(pay, "id", "a payment")?;
        let mut row = vec![("order_id", sql_text(order_id))];
        row.extend(cols(pay, PAYMENT_COLUMNS));
        if erased {
            for (name, value) in row.iter_mut() {
                if *name == "customer_contact" {
                    *value = SqlValue::Null;
                }
            }
        }
        let created = [("created_at", field(order, "created_at"))];
        let done = tx.insert_ledger_with("payments", &[("id", sql_text(id))], &row, &created)?;
        outcome = combine(outcome, done);
    }
    outcome = combine(outcome, insert_movements(tx, movements)?);
    // The `pay` event, with the id the selling device gave it. Documents from before the
    // approver travelled name it on the lines.
    let approver = match p.get("event_approver_id") {
        Some(v) => v.as_str(),
        None => lines.iter().find_map(|l| text(l, "discount_approver_id")),
    };
    let row = [
        ("event", sql_text("pay")),
        ("from_status", sql_text("draft")),
        ("to_status", field(order, "status")),
        ("actor_id", field(order, "staff_id")),
        ("approver_id", approver.map_or(SqlValue::Null, sql_text)),
        ("reason", SqlValue::Null),
        ("created_at", field(order, "created_at")),
    ];
    let key = [("order_id", sql_text(order_id)), ("id", sql_text(event_id))];
    outcome = combine(outcome, tx.insert_ledger("order_events", &key, &row)?);
    tx.set_version(EVENT_STAMP.0, event_id, EVENT_STAMP.1, &Version::of(c))?;
    if outcome != Applied::AlreadyHeld && settle_order(tx, order_id)? {
        outcome = combine(outcome, Applied::Conflict);
    }
    Ok(outcome)
}

/// A later event of an order (fulfil, refund, void): a ledger row with the id its device gave
/// it; the status is folded again from every event held.
fn apply_order_event(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let p = &c.payload;
    let order_id = c.entity_id.as_str();
    let event = need(p, "event", "an order event")?;
    parse_event(event)?;
    let event_id = need(p, "event_id", "an order event")?;
    let parents = [
        ("orders", "id", Some(order_id)),
        ("staff", "id", text(p, "actor_id")),
    ];
    if let Some(reason) = tx.missing_parent(&parents)? {
        return Ok(tx.park(reason));
    }
    let row = [
        ("event", sql_text(event)),
        ("from_status", field(p, "from")),
        ("to_status", field(p, "to")),
        ("actor_id", field(p, "actor_id")),
        ("approver_id", field(p, "approver_id")),
        ("reason", field(p, "reason")),
        ("created_at", field(p, "at")),
    ];
    let key = [("order_id", sql_text(order_id)), ("id", sql_text(event_id))];
    let mut outcome = tx.insert_ledger("order_events", &key, &row)?;
    tx.set_version(EVENT_STAMP.0, event_id, EVENT_STAMP.1, &Version::of(c))?;
    if outcome != Applied::AlreadyHeld && settle_order(tx, order_id)? {
        outcome = combine(outcome, Applied::Conflict);
    }
    Ok(outcome)
}

fn parse_event(name: &str) -> Result<OrderEvent> {
    Ok(match name {
        "pay" => OrderEvent::Pay,
        "fulfil" => OrderEvent::Fulfil,
        "refund_partial" => OrderEvent::Refund { fully: false },
        "refund_full" => OrderEvent::Refund { fully: true },
        "void" => OrderEvent::Void,
        other => {
            return Err(Error::invalid_input(format!(
                "'{other}' is not an order event"
            )));
        }
    })
}

/// The family of an order's refund and void conflicts: one per order, its kind as the rows
/// held now show it.
const ORDER_CLASH: &str = "order_refunds_and_voids";

/// The order's events folded in `(hlc, device)` order (the `pay` event first: every other
/// event was made by a device that held the order).
struct Folded {
    status: OrderStatus,
    /// Events the state machine refused at their place, in fold order.
    rejected: Vec<Value>,
    voids: i64,
    refunds: i64,
    /// Refused events that are neither a void nor a refund (a hand-over racing them).
    others: i64,
}

fn fold_events(tx: &mut ApplyTx<'_>, order_id: &str) -> Result<Folded> {
    let mut events: Vec<(String, String, i64, String)> = {
        let mut st = tx
            .prepare_cached(
                "SELECT e.id, e.event, coalesce(v.hlc, 0), coalesce(v.device_id, '')
                 FROM order_events e
                 LEFT JOIN field_versions v ON v.entity = ?2 AND v.entity_id = e.id AND v.field = ?3
                 WHERE e.order_id = ?1",
            )
            .map_err(crate::sql_err)?;
        st.query_map(params![order_id, EVENT_STAMP.0, EVENT_STAMP.1], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .map_err(crate::sql_err)?
        .collect::<rusqlite::Result<_>>()
        .map_err(crate::sql_err)?
    };
    events.sort_by(|a, b| (a.1 != "pay", a.2, &a.3, &a.0).cmp(&(b.1 != "pay", b.2, &b.3, &b.0)));
    let mut out = Folded {
        status: OrderStatus::Draft,
        rejected: Vec::new(),
        voids: 0,
        refunds: 0,
        others: 0,
    };
    for (id, name, _, _) in &events {
        let event = parse_event(name)?;
        match transition(out.status, event) {
            Ok(next) => out.status = next,
            Err(_) => {
                out.rejected
                    .push(json!({"event_id": id, "event": name, "at_status": out.status.as_str()}));
                if !matches!(event, OrderEvent::Void | OrderEvent::Refund { .. }) {
                    out.others += 1;
                }
            }
        }
        match event {
            OrderEvent::Void => out.voids += 1,
            OrderEvent::Refund { .. } => out.refunds += 1,
            _ => {}
        }
    }
    if out.status == OrderStatus::PartiallyRefunded && fully_returned(tx, order_id)? {
        out.status = OrderStatus::Refunded;
    }
    Ok(out)
}

/// The order's refund and void documents held: what was paid and refunded, how many of each
/// kind, whether a line was returned more often than it was sold, and the list (by id).
struct Returns {
    paid: i64,
    refunded: i64,
    voids: i64,
    refunds: i64,
    over_line: bool,
    list: Vec<Value>,
}

fn returns(tx: &mut ApplyTx<'_>, order_id: &str) -> Result<Returns> {
    let (paid, refunded, voids, refunds): (i64, i64, i64, i64) = tx
        .row(
            "SELECT o.total_minor,
                    (SELECT coalesce(sum(amount_minor), 0) FROM refunds WHERE order_id = o.id),
                    (SELECT count(*) FROM refunds WHERE order_id = o.id AND kind = 'void'),
                    (SELECT count(*) FROM refunds WHERE order_id = o.id AND kind <> 'void')
             FROM orders o WHERE o.id = ?1",
            [order_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?
        .ok_or_else(|| Error::not_found(format!("no order with id {order_id}")))?;
    let over_line: bool = tx
        .row(
            "SELECT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = ?1 AND l.quantity <
                 (SELECT coalesce(sum(rl.quantity), 0) FROM refund_lines rl WHERE rl.order_line_id = l.id))",
            [order_id],
            |r| r.get(0),
        )?
        .unwrap_or(false);
    let list: Vec<Value> = {
        let mut st = tx
            .prepare_cached(
                "SELECT id, number, device_id, kind, amount_minor FROM refunds WHERE order_id = ?1 ORDER BY id",
            )
            .map_err(crate::sql_err)?;
        st.query_map([order_id], |r| {
            Ok(
                json!({"refund_id": r.get::<_, String>(0)?, "number": r.get::<_, String>(1)?,
                      "device_id": r.get::<_, String>(2)?, "kind": r.get::<_, String>(3)?,
                      "amount_minor": r.get::<_, i64>(4)?}),
            )
        })
        .map_err(crate::sql_err)?
        .collect::<rusqlite::Result<_>>()
        .map_err(crate::sql_err)?
    };
    Ok(Returns {
        paid,
        refunded,
        voids,
        refunds,
        over_line,
        list,
    })
}

/// The one judge of an order's refunds and voids, run after every change that brings one of
/// its events or documents: folds the status from the events held and, from those events and
/// the refund documents together, records the order's one conflict, brings its kind and
/// detail up to date, or withdraws it when the rows held no longer clash (a refusal seen while
/// only some rows had arrived). The outcome is a function of the rows held alone, so every
/// device that holds the same rows holds the same conflict, whatever order they came in.
/// Whether the order clashes now.
fn settle_order(tx: &mut ApplyTx<'_>, order_id: &str) -> Result<bool> {
    let folded = fold_events(tx, order_id)?;
    tx.exec(
        "UPDATE orders SET status = ?2 WHERE id = ?1 AND status <> ?2",
        params![order_id, folded.status.as_str()],
    )?;
    let docs = returns(tx, order_id)?;
    // An event and its document arrive as separate changes: count whichever shows more.
    let voids = folded.voids.max(docs.voids);
    let refunds = folded.refunds.max(docs.refunds);
    let over_paid = docs.over_line || docs.refunded > docs.paid;
    let void_clash = voids >= 1 && voids + refunds >= 2;
    if folded.rejected.is_empty() && !over_paid && !void_clash {
        tx.withdraw_conflict_in_family(ORDER_CLASH, "orders", order_id)?;
        return Ok(false);
    }
    // A void beside a refund, or two voids, whatever else happened; refunds that return more
    // than was sold or paid, or refused with nothing else refused; anything else (a hand-over
    // racing a void or a refund) is a transition the order could not make.
    let kind = if void_clash {
        if refunds >= 1 {
            "void_races_refund"
        } else {
            "voided_twice"
        }
    } else if over_paid || (voids == 0 && folded.others == 0) {
        "refund_exceeds_paid"
    } else {
        "order_transition_rejected"
    };
    tx.conflict_in_family(
        ORDER_CLASH,
        kind,
        "orders",
        order_id,
        json!({"order_id": order_id, "status": folded.status.as_str(),
               "paid_minor": docs.paid, "refunded_minor": docs.refunded,
               "refunds": docs.list, "rejected": folded.rejected, "kept": "all"}),
    )?;
    Ok(true)
}

/// Whether every line of the order was taken back, by all refunds held.
fn fully_returned(tx: &ApplyTx<'_>, order_id: &str) -> Result<bool> {
    Ok(tx
        .row(
            "SELECT NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = ?1 AND l.quantity >
                 (SELECT coalesce(sum(rl.quantity), 0) FROM refund_lines rl WHERE rl.order_line_id = l.id))",
            [order_id],
            |r| r.get::<_, bool>(0),
        )?
        .unwrap_or(false))
}

/// A refund (or void) document: the refund, its lines, payments and stock movements with the
/// ids its device gave them. Refunds of one order that together go beyond the sale are all
/// kept and flagged.
pub(super) fn apply_refund(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    let p = &c.payload;
    let refund_id = c.entity_id.as_str();
    let r = p
        .get("refund")
        .ok_or_else(|| Error::invalid_input("a refund document without its refund"))?;
    let order_id = need(r, "order_id", "a refund")?;
    let (lines, payments, movements) = (
        items(p, "lines"),
        items(p, "payments"),
        items(p, "stock_movements"),
    );
    let mut parents = vec![
        ("orders", "id", Some(order_id)),
        ("staff", "id", text(r, "staff_id")),
        ("shifts", "id", text(r, "shift_id")),
    ];
    parents.extend(
        lines
            .iter()
            .map(|l| ("order_lines", "id", text(l, "order_line_id"))),
    );
    parents.extend(
        payments
            .iter()
            .map(|x| ("payments", "id", text(x, "payment_id"))),
    );
    parents.extend(movement_parents(movements));
    if let Some(reason) = tx.missing_parent(&parents)? {
        return Ok(tx.park(reason));
    }
    let mut row = cols(r, REFUND_COLUMNS);
    if text(r, "kind").is_none() {
        set(&mut row, "kind", sql_text("refund"));
    }
    if text(r, "business_date").is_none() {
        // Documents from before the business date travelled: the day of its time.
        let day: String = need(r, "created_at", "a refund")?
            .chars()
            .take(10)
            .collect();
        set(&mut row, "business_date", SqlValue::Text(day));
    }
    let clashed = settle_keys(tx, "refunds", refund_id, &mut row, r)?;
    let mut outcome = tx.insert_ledger("refunds", &[("id", sql_text(refund_id))], &row)?;
    if clashed {
        outcome = combine(outcome, Applied::Conflict);
    }
    for l in lines {
        let id = need(l, "id", "a refund line")?;
        let mut row = vec![("refund_id", sql_text(refund_id))];
        row.extend(cols(
            l,
            &[
                "order_line_id",
                "quantity",
                "amount_minor",
                "tax_minor",
                "restock",
            ],
        ));
        let done = tx.insert_ledger("refund_lines", &[("id", sql_text(id))], &row)?;
        outcome = combine(outcome, done);
    }
    for x in payments {
        let id = need(x, "id", "a refund payment")?;
        let mut row = vec![("refund_id", sql_text(refund_id))];
        row.extend(cols(x, &["payment_id", "kind", "amount_minor", "status"]));
        let done = tx.insert_ledger("refund_payments", &[("id", sql_text(id))], &row)?;
        outcome = combine(outcome, done);
    }
    outcome = combine(outcome, insert_movements(tx, movements)?);
    if outcome != Applied::AlreadyHeld && settle_order(tx, order_id)? {
        outcome = combine(outcome, Applied::Conflict);
    }
    Ok(outcome)
}
