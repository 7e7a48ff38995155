//! Card refunds and the card provider: the card share of a refund (a `refund_payments` row of
//! a card, written `pending`) is paid back through the server, and the provider's answer is a
//! ledger row of its own (`refund_outcomes`), never a change of the refund payment.
//!
//! - [`forwardable`] lists this device's card shares the provider can be asked for: the card
//!   payment was captured and its PaymentIntent id is known (from checkout online, or from
//!   the payment's outcome). A card taken offline whose outcome is not known yet waits: its
//!   share is forwarded once the payment is captured.
//! - The server's answer is kept by [`record_outcome`] in one transaction: the outcome row
//!   (synced), an audit entry, and for a refusal a `card_refund_failed` task in the manager's
//!   conflict inbox, so someone pays the customer back another way. The refund payment's id is
//!   the provider's idempotency key: a retry never refunds twice.
//! - A card the provider declined was never charged: its share never goes to the provider. Its
//!   status is `not_charged`, and it lowers what the sale still owes for the declined card
//!   ([`super::cards::balance_owed`]).
//! - A refund payment's status is [`EFFECTIVE_STATUS`]: its outcome's when it has one
//!   (`refunded`, `failed`), `not_charged` for a declined card, else its own (`pending`,
//!   `paid_out`).

use crate::foundation::apply::{Applied, ApplyTx, conflict_id};
use crate::foundation::write::{AuditInput, ChangeOp};
use crate::{SqlResult, Store};
use kassa_domain::{Error, Result};
use kassa_sync_protocol::Change;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

/// The outbox entity (and table) of the provider's answers about card refunds.
pub const OUTCOME_ENTITY: &str = "refund_outcomes";

/// The conflict kind of a card refund the provider refused: a manager's task.
pub const FAILED_TASK: &str = "card_refund_failed";

/// SQL giving the effective status of the card payment a refund payment `rp` refunds.
const PAYMENT_STATUS: &str = "(SELECT coalesce(po.status, p.status) FROM payments p
      LEFT JOIN payment_outcomes po ON po.payment_id = p.id WHERE p.id = rp.payment_id)";

/// SQL giving the PaymentIntent id of the card payment a refund payment `rp` refunds, if known.
const PAYMENT_INTENT: &str = "(SELECT coalesce(po.intent_id, p.provider_ref) FROM payments p
      LEFT JOIN payment_outcomes po ON po.payment_id = p.id WHERE p.id = rp.payment_id)";

/// SQL giving the status of refund payment `rp` (a `refund_payments` row): its outcome's,
/// `not_charged` for a pending share of a declined card, else its own.
pub const EFFECTIVE_STATUS: &str = "coalesce(
      (SELECT ro.status FROM refund_outcomes ro WHERE ro.refund_payment_id = rp.id),
      CASE WHEN rp.kind = 'card' AND rp.status = 'pending' AND (SELECT coalesce(po.status, p.status)
                FROM payments p LEFT JOIN payment_outcomes po ON po.payment_id = p.id
                WHERE p.id = rp.payment_id) = 'declined'
           THEN 'not_charged' ELSE rp.status END)";

/// The effective status of one refund payment.
pub fn status(conn: &Connection, refund_payment_id: &str) -> Result<String> {
    conn.query_row(
        &format!("SELECT {EFFECTIVE_STATUS} FROM refund_payments rp WHERE rp.id = ?1"),
        [refund_payment_id],
        |r| r.get(0),
    )
    .optional()
    .db()?
    .ok_or_else(|| Error::not_found(format!("no refund payment {refund_payment_id}")))
}

/// The card share of a refund, ready to be paid back through the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    /// The refund payment's id, also the provider's idempotency key.
    pub refund_payment_id: String,
    pub refund_id: String,
    pub payment_id: String,
    pub order_id: String,
    pub intent_id: String,
    pub amount_minor: i64,
    pub currency: String,
}

/// This device's card shares of refunds (of refund `refund_id` only, when given) with no
/// outcome yet whose card payment was captured with a known PaymentIntent, oldest first; then
/// this device's card refunds of bookings (the booking's id as `refund_id` and `order_id`; of
/// booking `refund_id` only, when given), whose card was captured when it was taken or, taken
/// offline, once the provider captured it (a declined one's refund never goes out).
pub fn forwardable(conn: &Connection, refund_id: Option<&str>) -> Result<Vec<Forward>> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT * FROM (
               SELECT rp.id, rp.refund_id, rp.payment_id, r.order_id, {PAYMENT_INTENT}, rp.amount_minor, o.currency
               FROM refund_payments rp JOIN refunds r ON r.id = rp.refund_id JOIN orders o ON o.id = r.order_id
               WHERE rp.kind = 'card' AND rp.status = 'pending'
                 AND r.device_id = (SELECT id FROM device)
                 AND (?1 IS NULL OR rp.refund_id = ?1)
                 AND NOT EXISTS (SELECT 1 FROM refund_outcomes ro WHERE ro.refund_payment_id = rp.id)
                 AND {PAYMENT_STATUS} = 'captured' AND {PAYMENT_INTENT} IS NOT NULL
               ORDER BY r.created_at, rp.id)
             UNION ALL
             SELECT * FROM (
               SELECT bp.id, bp.booking_id, bp.refunds_payment_id, bp.booking_id,
                      coalesce(paid.provider_ref, po.intent_id), bp.amount_minor, b.currency
               FROM booking_payments bp JOIN bookings b ON b.id = bp.booking_id
               JOIN booking_payments paid ON paid.id = bp.refunds_payment_id
               LEFT JOIN payment_outcomes po ON po.payment_id = paid.id
               WHERE bp.kind = 'card' AND bp.direction = 'refund'
                 AND bp.device_id = (SELECT id FROM device)
                 AND (?1 IS NULL OR bp.booking_id = ?1)
                 AND NOT EXISTS (SELECT 1 FROM refund_outcomes ro WHERE ro.refund_payment_id = bp.id)
                 AND coalesce(po.status, 'captured') = 'captured'
                 AND coalesce(paid.provider_ref, po.intent_id) IS NOT NULL
               ORDER BY bp.created_at, bp.id)"
        ))
        .db()?;
    let rows = stmt
        .query_map([refund_id], |r| {
            Ok(Forward {
                refund_payment_id: r.get(0)?,
                refund_id: r.get(1)?,
                payment_id: r.get(2)?,
                order_id: r.get(3)?,
                intent_id: r.get(4)?,
                amount_minor: r.get(5)?,
                currency: r.get(6)?,
            })
        })
        .db()?;
    rows.collect::<rusqlite::Result<Vec<_>>>().db()
}

/// What the provider finally decided about a card refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeStatus {
    Refunded,
    Failed,
}

impl OutcomeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeStatus::Refunded => "refunded",
            OutcomeStatus::Failed => "failed",
        }
    }

    /// The provider's final statuses; anything else (`pending`) is not an outcome yet.
    pub fn parse(s: &str) -> Option<OutcomeStatus> {
        match s {
            "refunded" => Some(OutcomeStatus::Refunded),
            "failed" => Some(OutcomeStatus::Failed),
            _ => None,
        }
    }
}

/// The server's answer about one card refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: OutcomeStatus,
    pub intent_id: Option<String>,
    pub provider_refund_id: Option<String>,
    pub failure_reason: Option<String>,
}

fn check_text(outcome: &Outcome) -> Result<()> {
    for t in [
        &outcome.intent_id,
        &outcome.provider_refund_id,
        &outcome.failure_reason,
    ]
    .into_iter()
    .flatten()
    {
        if t.chars().count() > 500 || t.chars().any(char::is_control) {
            return Err(Error::invalid_input(
                "the server's answer about a card refund holds an unreadable field",
            ));
        }
    }
    Ok(())
}

/// What the manager's task about a refused card refund says: the sale, the refund, the amount
/// still to pay back and how to reach the customer.
fn failed_detail(
    conn: &Connection,
    refund_payment_id: &str,
    failure_reason: Option<&str>,
) -> Result<Value> {
    conn.query_row(
        "SELECT o.id, o.number, r.id, r.number, rp.amount_minor, o.currency, p.customer_contact,
                coalesce(p.card_brand, po.card_brand), coalesce(p.card_last4, po.card_last4)
         FROM refund_payments rp JOIN refunds r ON r.id = rp.refund_id JOIN orders o ON o.id = r.order_id
         JOIN payments p ON p.id = rp.payment_id LEFT JOIN payment_outcomes po ON po.payment_id = p.id
         WHERE rp.id = ?1",
        [refund_payment_id],
        |r| {
            Ok(json!({
                "order_id": r.get::<_, String>(0)?, "number": r.get::<_, String>(1)?,
                "refund_id": r.get::<_, String>(2)?, "refund_number": r.get::<_, String>(3)?,
                "refund_payment_id": refund_payment_id, "amount_minor": r.get::<_, i64>(4)?,
                "currency": r.get::<_, String>(5)?, "customer_contact": r.get::<_, Option<String>>(6)?,
                "card_brand": r.get::<_, Option<String>>(7)?, "card_last4": r.get::<_, Option<String>>(8)?,
                "failure_reason": failure_reason,
                "what": "the card provider refused to pay this refund back to the card: pay the customer back another way",
            }))
        },
    )
    .optional()
    .db()?
    .map_or_else(
        || booking_failed_detail(conn, refund_payment_id, failure_reason),
        Ok,
    )
}

/// [`failed_detail`] of a booking's card refund: the booking, the amount still to pay back
/// and the customer.
fn booking_failed_detail(
    conn: &Connection,
    refund_payment_id: &str,
    failure_reason: Option<&str>,
) -> Result<Value> {
    conn.query_row(
        "SELECT b.id, b.reference, bp.amount_minor, b.currency, c.name, coalesce(c.email, c.phone),
                coalesce(paid.card_brand, po.card_brand), coalesce(paid.card_last4, po.card_last4)
         FROM booking_payments bp JOIN bookings b ON b.id = bp.booking_id
         JOIN booking_payments paid ON paid.id = bp.refunds_payment_id
         LEFT JOIN payment_outcomes po ON po.payment_id = paid.id
         LEFT JOIN customers c ON c.id = b.customer_id
         WHERE bp.id = ?1",
        [refund_payment_id],
        |r| {
            Ok(json!({
                "booking_id": r.get::<_, String>(0)?, "reference": r.get::<_, String>(1)?,
                "refund_payment_id": refund_payment_id, "amount_minor": r.get::<_, i64>(2)?,
                "currency": r.get::<_, String>(3)?, "customer": r.get::<_, Option<String>>(4)?,
                "customer_contact": r.get::<_, Option<String>>(5)?,
                "card_brand": r.get::<_, Option<String>>(6)?, "card_last4": r.get::<_, Option<String>>(7)?,
                "failure_reason": failure_reason,
                "what": "the card provider refused to pay this booking's refund back to the card: pay the customer back another way",
            }))
        },
    )
    .optional()
    .db()?
    .ok_or_else(|| Error::not_found(format!("no refund payment {refund_payment_id}")))
}

/// Keeps the provider's answer about a card refund this device forwarded, in one transaction:
/// the outcome row and its outbox change, an audit entry, and for a refusal the manager's
/// `card_refund_failed` task. An outcome already held changes nothing (answers false).
pub fn record_outcome(
    store: &mut Store,
    refund_payment_id: &str,
    outcome: &Outcome,
) -> Result<bool> {
    check_text(outcome)?;
    store.write(|tx| {
        if tx
            .row(
                "SELECT 1 FROM refund_outcomes WHERE refund_payment_id = ?1",
                [refund_payment_id],
                |_| Ok(()),
            )?
            .is_some()
        {
            return Ok(false);
        }
        // A sale's refund, or a booking's (the booking standing for both refund and order).
        let (refund_id, payment_id, order_id, amount): (String, String, String, i64) = tx
            .row(
                "SELECT rp.refund_id, rp.payment_id, r.order_id, rp.amount_minor
                 FROM refund_payments rp JOIN refunds r ON r.id = rp.refund_id
                 WHERE rp.id = ?1 AND rp.kind = 'card'
                 UNION ALL
                 SELECT booking_id, refunds_payment_id, booking_id, amount_minor FROM booking_payments
                 WHERE id = ?1 AND kind = 'card' AND direction = 'refund' AND refunds_payment_id IS NOT NULL",
                [refund_payment_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?
            .ok_or_else(|| {
                Error::not_found(format!("no card refund payment {refund_payment_id}"))
            })?;
        let device_id = tx.device_id()?.to_owned();
        let at = tx.now_ts();
        tx.exec(
            "INSERT INTO refund_outcomes (refund_payment_id, refund_id, payment_id, order_id, status,
                amount_minor, intent_id, provider_refund_id, failure_reason, device_id, decided_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                refund_payment_id,
                refund_id,
                payment_id,
                order_id,
                outcome.status.as_str(),
                amount,
                outcome.intent_id,
                outcome.provider_refund_id,
                outcome.failure_reason,
                device_id,
                at
            ],
        )?;
        let row = json!({
            "refund_id": refund_id, "payment_id": payment_id, "order_id": order_id,
            "status": outcome.status.as_str(), "amount_minor": amount,
            "intent_id": outcome.intent_id, "provider_refund_id": outcome.provider_refund_id,
            "failure_reason": outcome.failure_reason, "device_id": device_id, "decided_at": at,
        });
        tx.record_change(OUTCOME_ENTITY, refund_payment_id, ChangeOp::Insert, &row)?;
        if outcome.status == OutcomeStatus::Failed {
            let detail = failed_detail(tx, refund_payment_id, outcome.failure_reason.as_deref())?;
            let id = conflict_id(FAILED_TASK, OUTCOME_ENTITY, refund_payment_id);
            tx.exec(
                "INSERT INTO conflicts (id, kind, entity, entity_id, detail, change_id, hlc, device_id, created_at)
                 SELECT ?1, ?2, ?3, ?4, ?5, '', 0, ?6, ?7 WHERE NOT EXISTS (SELECT 1 FROM conflicts WHERE id = ?1)",
                params![id, FAILED_TASK, OUTCOME_ENTITY, refund_payment_id, detail.to_string(), device_id, at],
            )?;
        }
        tx.audit(
            AuditInput::new(match outcome.status {
                OutcomeStatus::Refunded => "card_refund.refunded",
                OutcomeStatus::Failed => "card_refund.failed",
            })
            .on(if refund_id == order_id { "booking" } else { "refund" }, &refund_id)
            .after(json!({"refund_payment_id": refund_payment_id, "payment_id": payment_id,
                "amount_minor": amount, "intent_id": outcome.intent_id,
                "provider_refund_id": outcome.provider_refund_id,
                "failure_reason": outcome.failure_reason})),
        )?;
        Ok(true)
    })
}

/// Another device's outcome of one of its card refunds: a ledger row, inserted if absent; a
/// refusal opens the same `card_refund_failed` task on every device.
pub(crate) fn apply_outcome(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    // The refund payment is a sale refund's share, or a booking's card refund.
    let parent = if tx.exists("booking_payments", "id", &c.entity_id)? {
        "booking_payments"
    } else {
        "refund_payments"
    };
    let applied = tx.insert_outcome(
        c,
        parent,
        OUTCOME_ENTITY,
        "refund_payment_id",
        &[
            "refund_id",
            "payment_id",
            "order_id",
            "status",
            "amount_minor",
            "intent_id",
            "provider_refund_id",
            "failure_reason",
            "device_id",
            "decided_at",
        ],
    )?;
    let p = &c.payload;
    if applied != Applied::Parked && p.get("status").and_then(Value::as_str) == Some("failed") {
        let id = c.entity_id.as_str();
        let reason = p.get("failure_reason").and_then(Value::as_str);
        let detail = failed_detail(tx, id, reason)?;
        tx.conflict(FAILED_TASK, OUTCOME_ENTITY, id, detail)?;
    }
    Ok(applied)
}
