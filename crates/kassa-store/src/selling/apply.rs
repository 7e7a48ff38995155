//! Appliers for selling's documents arriving from other devices (orders, refunds, shifts,
//! Z reports, vouchers, drawer openings, cash movements, receipt emails). See
//! `foundation::apply` for the rules: ledgers insert if absent (`ApplyTx::insert_ledger`),
//! lifecycle documents fold their events in `(hlc, device)` order, and what the rules cannot
//! accept is a conflict row, never a dropped or overwritten one.
//!
//! - `orders` ([`orders`]): the checkout document (the order, its lines, taxes, payments, stock
//!   movements and `pay` event, with the ids the selling device gave them) and later events
//!   (fulfil, refund, void) as ledger rows; the order's status is folded from all its events.
//!   A receipt number held by another order is a `receipt_number_clash`: the later order (by
//!   id) gets a visible suffix on every device.
//! - `refunds` ([`orders`]): the refund with its lines, payments and stock movements. Refunds
//!   of one order that together return more than was sold or paid (`refund_exceeds_paid`), or
//!   a void beside another refund (`void_races_refund`), are kept and flagged.
//! - `shifts`, `cash_movements`, `z_reports`, `drawer_opens`, `vouchers`,
//!   `voucher_movements`, `email_outbox` ([`cash`]). A voucher whose ledger goes below zero
//!   keeps every movement and is flagged `voucher_overspent`.
//! - `payment_outcomes` ([`super::cards`]): the card provider's outcome of a payment taken
//!   offline; a decline opens a `card_declined` task for a manager.
//! - `refund_outcomes` ([`super::card_refunds`]): the card provider's answer about a card
//!   refund; a refusal opens a `card_refund_failed` task for a manager.

mod cash;
mod orders;

use crate::foundation::apply::{Applied, Applier, field};
use kassa_domain::{Error, Result};
use rusqlite::types::Value as SqlValue;
use serde_json::Value;

/// `(entity, applier)` for every entity selling records in the outbox.
pub(crate) const APPLIERS: &[(&str, Applier)] = &[
    ("orders", orders::apply_order),
    ("refunds", orders::apply_refund),
    ("shifts", cash::apply_shift),
    ("cash_movements", cash::apply_cash_movement),
    ("z_reports", cash::apply_z_report),
    ("drawer_opens", cash::apply_drawer_open),
    ("vouchers", cash::apply_voucher),
    ("voucher_movements", cash::apply_voucher_movement),
    ("email_outbox", cash::apply_email),
    (super::cards::OUTCOME_ENTITY, super::cards::apply_outcome),
    (
        super::card_refunds::OUTCOME_ENTITY,
        super::card_refunds::apply_outcome,
    ),
];

/// A text field of a payload object.
fn text<'a>(p: &'a Value, name: &str) -> Option<&'a str> {
    p.get(name).and_then(Value::as_str)
}

/// A text field the change cannot do without.
fn need<'a>(p: &'a Value, name: &str, what: &str) -> Result<&'a str> {
    text(p, name).ok_or_else(|| Error::invalid_input(format!("{what} lacks '{name}'")))
}

/// The items of an array field (none when absent).
fn items<'a>(p: &'a Value, name: &str) -> &'a [Value] {
    p.get(name)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The payload's fields as columns of the same names.
fn cols(p: &Value, names: &[&'static str]) -> Vec<(&'static str, SqlValue)> {
    names.iter().map(|n| (*n, field(p, n))).collect()
}

fn sql_text(s: &str) -> SqlValue {
    SqlValue::Text(s.to_string())
}

/// Sets `column` in a row about to be inserted or compared.
fn set(row: &mut [(&'static str, SqlValue)], column: &str, value: SqlValue) {
    if let Some(slot) = row.iter_mut().find(|(c, _)| *c == column) {
        slot.1 = value;
    }
}

/// What several writes of one change did together: a conflict above all, then anything
/// written; held only when every part was held.
fn combine(a: Applied, b: Applied) -> Applied {
    use crate::foundation::apply::Applied as A;
    match (a, b) {
        (A::Parked, _) | (_, A::Parked) => A::Parked,
        (A::Conflict, _) | (_, A::Conflict) => A::Conflict,
        (A::Applied, _) | (_, A::Applied) => A::Applied,
        _ => A::AlreadyHeld,
    }
}
