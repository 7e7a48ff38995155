//! Card payments and the card provider: the terminal's token kept with a sale taken offline,
//! forwarded through the server when the device syncs, and the provider's outcome recorded as
//! a ledger row of its own (`payment_outcomes`), never as a change of the payment.
//!
//! - At checkout a card tender may carry the terminal's token (the provider's PaymentMethod
//!   id, `pm_...`, never a card number: [`check_token`]). A card taken offline keeps it in
//!   `card_tokens`, this device's alone, with the key the server and the provider know the
//!   payment by (the checkout's idempotency key, or the payment's id for a sale without one).
//! - When the device syncs, [`forwardable`] lists what to send; the server's answer is kept by
//!   [`record_outcome`] in one transaction: the outcome row (synced), the token deleted, an
//!   audit entry, and for a decline a `card_declined` task in the manager's conflict inbox with
//!   the customer's contact. A retry sends the same key, so the provider charges once.
//! - A payment's status is its outcome's when it has one ([`EFFECTIVE_STATUS`]); a declined
//!   card leaves the order owing that amount ([`balance_owed`]).

use crate::foundation::apply::{Applied, ApplyTx, conflict_id};
use crate::foundation::ids::new_id;
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use crate::{SqlResult, Store};
use kassa_domain::{Error, Result};
use kassa_sync_protocol::Change;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub use super::checkout::{Captured, ProviderAttempt};

/// The longest token taken (the server takes no longer one).
pub const TOKEN_MAX_CHARS: usize = 128;

/// The outbox entity (and table) of the provider's outcomes.
pub const OUTCOME_ENTITY: &str = "payment_outcomes";

/// The conflict kind of a card the provider declined after the sale: a manager's task.
pub const DECLINED_TASK: &str = "card_declined";
/// The manager's task about a card taken offline beyond the store's limits, which the server
/// charged and marked for review.
pub const REVIEW_TASK: &str = "card_review";

/// SQL giving the status of payment `p` (a `payments` row): its outcome's, else its own.
pub const EFFECTIVE_STATUS: &str =
    "coalesce((SELECT po.status FROM payment_outcomes po WHERE po.payment_id = p.id), p.status)";

/// SQL: payment `p` is a card taken offline that the provider has not answered yet, the one
/// meaning of "pending" every query of cards waiting for the provider shares.
pub fn pending_sql() -> String {
    format!("{EFFECTIVE_STATUS} = 'offline_pending'")
}

/// SQL: booking payment `p` (a `booking_payments` row) is a card taken offline that the
/// provider has not answered yet.
pub const BOOKING_PENDING: &str = "p.status = 'offline_pending'
      AND NOT EXISTS (SELECT 1 FROM payment_outcomes po WHERE po.payment_id = p.id)";

/// Checks a terminal's token: the provider's PaymentMethod id (`pm_` then letters, digits
/// and `_`, at most [`TOKEN_MAX_CHARS`]), never anything that looks like a card number.
pub fn check_token(token: &str) -> Result<()> {
    if kassa_domain::pan::looks_like_pan(token) {
        return Err(Error::invalid_input(
            "the card token looks like a card number; Kassa takes only the terminal's token (pm_...), never the number",
        ));
    }
    let shaped = token.len() > 3
        && token.len() <= TOKEN_MAX_CHARS
        && token.starts_with("pm_")
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !shaped {
        return Err(Error::invalid_input(format!(
            "a card token is the terminal's PaymentMethod id: pm_ followed by letters, digits or _, at most {TOKEN_MAX_CHARS} characters"
        )));
    }
    Ok(())
}

/// Keeps the terminal's token of a card taken offline, in the checkout's transaction.
pub(crate) fn keep_token(
    tx: &WriteTx<'_>,
    payment_id: &str,
    order_id: &str,
    token: &str,
    idempotency_key: &str,
    at: &str,
) -> Result<()> {
    tx.exec(
        "INSERT INTO card_tokens (payment_id, order_id, token, idempotency_key, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![payment_id, order_id, token, idempotency_key, at],
    )?;
    Ok(())
}

/// The key and ids a checkout under `idempotency_key` takes the card `token` to the provider
/// with: made and kept the first time, the same every time after (a retry after a crash or
/// with the server out of reach sends the very request the provider knows). The sale's first
/// card goes under the checkout's own key (when the provider takes it as a key); another card
/// for the same sale (after a decline) under a key made from both. Every card of one checkout
/// names the same order.
pub fn attempt(store: &mut Store, idempotency_key: &str, token: &str) -> Result<ProviderAttempt> {
    attempt_on(store, idempotency_key, token, None)
}

/// [`attempt`] for a payment on booking `booking_id`: the provider knows the payment by the
/// booking (as it knows a sale's by the order), and the payment id made here is the booking
/// payment's own.
pub fn attempt_for_booking(
    store: &mut Store,
    idempotency_key: &str,
    token: &str,
    booking_id: &str,
) -> Result<ProviderAttempt> {
    attempt_on(store, idempotency_key, token, Some(booking_id))
}

fn attempt_on(
    store: &mut Store,
    idempotency_key: &str,
    token: &str,
    document: Option<&str>,
) -> Result<ProviderAttempt> {
    check_token(token)?;
    store.write(|tx| {
        if let Some((provider_key, order_id, payment_id)) = tx.row(
            "SELECT provider_key, order_id, payment_id FROM card_attempts WHERE idempotency_key = ?1 AND token = ?2",
            params![idempotency_key, token],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )? {
            return Ok(ProviderAttempt {
                provider_key,
                order_id,
                payment_id,
                captured: None,
            });
        }
        let earlier: Option<String> = tx.row(
            "SELECT order_id FROM card_attempts WHERE idempotency_key = ?1 LIMIT 1",
            [idempotency_key],
            |r| r.get(0),
        )?;
        let usable = idempotency_key.len() <= TOKEN_MAX_CHARS
            && idempotency_key.bytes().all(|b| b.is_ascii_graphic());
        let provider_key = if earlier.is_none() && usable {
            idempotency_key.to_owned()
        } else {
            let mut h = Sha256::new();
            h.update(idempotency_key.as_bytes());
            h.update([0]);
            h.update(token.as_bytes());
            format!("kassa-card-{}", hex::encode(&h.finalize()[..16]))
        };
        let order_id = earlier
            .or_else(|| document.map(str::to_owned))
            .unwrap_or_else(new_id);
        let payment_id = new_id();
        tx.exec(
            "INSERT INTO card_attempts (idempotency_key, token, provider_key, order_id, payment_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![idempotency_key, token, provider_key, order_id, payment_id, tx.now_ts()],
        )?;
        Ok(ProviderAttempt {
            provider_key,
            order_id,
            payment_id,
            captured: None,
        })
    })
}

/// How long an attempt whose sale was written is kept: long enough for a retry of the same
/// checkout (which finds the sale by its key) to be answered from it.
pub const ATTEMPT_KEEP_DAYS_AFTER_SALE: i64 = 1;
/// How long an attempt whose sale was never written is kept: a checkout abandoned after its
/// card was charged is found by the server's reconciliation, not by a retry weeks later.
pub const ATTEMPT_KEEP_DAYS: i64 = 30;

/// Forgets the card attempts no checkout will retry any more (device-local rows; nothing
/// syncs): those whose sale was written over [`ATTEMPT_KEEP_DAYS_AFTER_SALE`] ago, and any
/// over [`ATTEMPT_KEEP_DAYS`] old. Answers how many went.
pub fn prune_attempts(conn: &Connection, now: chrono::DateTime<chrono::Utc>) -> Result<u64> {
    let sold_before = crate::ts(now - chrono::Duration::days(ATTEMPT_KEEP_DAYS_AFTER_SALE));
    let before = crate::ts(now - chrono::Duration::days(ATTEMPT_KEEP_DAYS));
    let n = conn
        .execute(
            "DELETE FROM card_attempts
              WHERE created_at < ?2
                 OR (created_at < ?1 AND EXISTS (SELECT 1 FROM orders o WHERE o.id = card_attempts.order_id))",
            params![sold_before, before],
        )
        .db()?;
    Ok(n as u64)
}

/// A card payment this device took offline, ready to be forwarded to the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    pub payment_id: String,
    pub order_id: String,
    pub token: String,
    pub idempotency_key: String,
    pub amount_minor: i64,
    pub currency: String,
    /// When the card was taken (RFC 3339).
    pub taken_at: String,
    pub attempts: i64,
}

/// Every card payment of this device with a token and no outcome yet, a sale's (its order as
/// `order_id`) or a booking's (the booking's id), oldest first.
pub fn forwardable(conn: &Connection) -> Result<Vec<Forward>> {
    let mut stmt = conn
        .prepare(
            "SELECT * FROM (
               SELECT t.payment_id, t.order_id, t.token, t.idempotency_key, p.amount_minor, o.currency,
                      p.created_at, t.attempts
               FROM card_tokens t JOIN payments p ON p.id = t.payment_id JOIN orders o ON o.id = p.order_id
               WHERE NOT EXISTS (SELECT 1 FROM payment_outcomes po WHERE po.payment_id = t.payment_id)
               UNION ALL
               SELECT t.payment_id, t.order_id, t.token, t.idempotency_key, p.amount_minor, b.currency,
                      p.created_at, t.attempts
               FROM card_tokens t JOIN booking_payments p ON p.id = t.payment_id JOIN bookings b ON b.id = p.booking_id
               WHERE NOT EXISTS (SELECT 1 FROM payment_outcomes po WHERE po.payment_id = t.payment_id))
             ORDER BY 7, 1",
        )
        .db()?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Forward {
                payment_id: r.get(0)?,
                order_id: r.get(1)?,
                token: r.get(2)?,
                idempotency_key: r.get(3)?,
                amount_minor: r.get(4)?,
                currency: r.get(5)?,
                taken_at: r.get(6)?,
                attempts: r.get(7)?,
            })
        })
        .db()?;
    rows.collect::<rusqlite::Result<Vec<_>>>().db()
}

/// What the provider finally decided about a card payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeStatus {
    Captured,
    Declined,
}

impl OutcomeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeStatus::Captured => "captured",
            OutcomeStatus::Declined => "declined",
        }
    }

    /// The provider's final statuses; anything else (`authorized`, `processing`, `pending`)
    /// is not an outcome yet.
    pub fn parse(s: &str) -> Option<OutcomeStatus> {
        match s {
            "captured" => Some(OutcomeStatus::Captured),
            "declined" | "canceled" => Some(OutcomeStatus::Declined),
            _ => None,
        }
    }
}

/// The server's answer about one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: OutcomeStatus,
    pub intent_id: Option<String>,
    pub brand: Option<String>,
    pub last4: Option<String>,
    pub decline_code: Option<String>,
    /// Why the server wants a manager to look at this payment (a card taken offline beyond
    /// the store's limits, charged all the same).
    pub review: Option<String>,
}

/// What the manager's task about a card payment the server marked for review says: the sale,
/// the amount, who took it, the server's reason, and `what` to do about it (by default, for a
/// card taken beyond the store's offline limits).
pub(crate) fn review_detail_for(
    conn: &Connection,
    payment_id: &str,
    review: &str,
    what: &str,
) -> Result<Value> {
    let mut detail = review_detail(conn, payment_id, review)?;
    detail["what"] = json!(what);
    Ok(detail)
}

/// [`review_detail_for`] a card taken offline beyond the store's limits.
pub(crate) fn review_detail(conn: &Connection, payment_id: &str, review: &str) -> Result<Value> {
    if let Some(mut detail) = booking_card_detail(conn, payment_id)? {
        detail["review"] = json!(review);
        detail["what"] = json!(
            "this card was taken offline for a booking beyond the store's offline card limits; the server charged it all the same: check the device's settings and who took it"
        );
        return Ok(detail);
    }
    conn.query_row(
        "SELECT o.id, o.number, p.amount_minor, o.currency, p.customer_contact,
                (SELECT display_name FROM staff WHERE id = o.staff_id)
         FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.id = ?1",
        [payment_id],
        |r| {
            Ok(json!({
                "order_id": r.get::<_, String>(0)?, "number": r.get::<_, String>(1)?,
                "payment_id": payment_id, "amount_minor": r.get::<_, i64>(2)?,
                "currency": r.get::<_, String>(3)?, "customer_contact": r.get::<_, Option<String>>(4)?,
                "cashier": r.get::<_, Option<String>>(5)?,
                "review": review,
                "what": "this card was taken offline beyond the store's offline card limits; the server charged it all the same: check the till's settings and who took it",
            }))
        },
    )
    .optional()
    .db()?
    .ok_or_else(|| Error::not_found(format!("no payment {payment_id}")))
}

/// The booking card payment `payment_id`, if it is one, as the manager's tasks about it name
/// it: the booking, the amount, the customer and how to reach them, and the agent.
fn booking_card_detail(conn: &Connection, payment_id: &str) -> Result<Option<Value>> {
    conn.query_row(
        "SELECT b.id, b.reference, p.amount_minor, b.currency, c.name, coalesce(c.email, c.phone),
                (SELECT display_name FROM staff WHERE id = p.staff_id)
         FROM booking_payments p JOIN bookings b ON b.id = p.booking_id
         LEFT JOIN customers c ON c.id = b.customer_id
         WHERE p.id = ?1 AND p.kind = 'card' AND p.direction = 'payment'",
        [payment_id],
        |r| {
            Ok(json!({
                "booking_id": r.get::<_, String>(0)?, "reference": r.get::<_, String>(1)?,
                "payment_id": payment_id, "amount_minor": r.get::<_, i64>(2)?,
                "currency": r.get::<_, String>(3)?, "customer": r.get::<_, Option<String>>(4)?,
                "customer_contact": r.get::<_, Option<String>>(5)?,
                "agent": r.get::<_, Option<String>>(6)?,
            }))
        },
    )
    .optional()
    .db()
}

/// What the manager's task about a declined card says: the sale (or booking), the amount it
/// still owes and how to reach the customer.
fn declined_detail(
    conn: &Connection,
    payment_id: &str,
    decline_code: Option<&str>,
) -> Result<Value> {
    if let Some(mut detail) = booking_card_detail(conn, payment_id)? {
        detail["decline_code"] = json!(decline_code);
        detail["what"] = json!(
            "the card provider declined this card, taken offline for the booking; the booking owes this amount again: ask the customer to pay it"
        );
        return Ok(detail);
    }
    conn.query_row(
        "SELECT o.id, o.number, p.amount_minor, o.currency, p.customer_contact, p.card_brand, p.card_last4
         FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.id = ?1",
        [payment_id],
        |r| {
            Ok(json!({
                "order_id": r.get::<_, String>(0)?, "number": r.get::<_, String>(1)?,
                "payment_id": payment_id, "amount_minor": r.get::<_, i64>(2)?,
                "currency": r.get::<_, String>(3)?, "customer_contact": r.get::<_, Option<String>>(4)?,
                "card_brand": r.get::<_, Option<String>>(5)?, "card_last4": r.get::<_, Option<String>>(6)?,
                "decline_code": decline_code,
                "what": "the card provider declined this card after the sale; the sale owes this amount: ask the customer to pay it",
            }))
        },
    )
    .optional()
    .db()?
    .ok_or_else(|| Error::not_found(format!("no payment {payment_id}")))
}

fn check_card_text(outcome: &Outcome) -> Result<()> {
    if let Some(l4) = &outcome.last4
        && (l4.len() != 4 || !l4.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(Error::invalid_input(
            "the server's last four digits are not 4 digits",
        ));
    }
    for t in [&outcome.intent_id, &outcome.brand, &outcome.decline_code]
        .into_iter()
        .flatten()
    {
        if t.len() > 200 || t.chars().any(char::is_control) {
            return Err(Error::invalid_input(
                "the server's answer about a card holds an unreadable field",
            ));
        }
    }
    if let Some(r) = &outcome.review
        && (r.len() > 1000 || r.chars().any(char::is_control))
    {
        return Err(Error::invalid_input(
            "the server's answer about a card holds an unreadable field",
        ));
    }
    Ok(())
}

/// Keeps the provider's outcome of a payment this device forwarded, in one transaction: the
/// outcome row and its outbox change, the token deleted, an audit entry, and for a decline the
/// manager's `card_declined` task. An outcome already held changes nothing (answers false).
pub fn record_outcome(store: &mut Store, payment_id: &str, outcome: &Outcome) -> Result<bool> {
    check_card_text(outcome)?;
    store.write(|tx| {
        if tx
            .row(
                "SELECT 1 FROM payment_outcomes WHERE payment_id = ?1",
                [payment_id],
                |_| Ok(()),
            )?
            .is_some()
        {
            tx.exec("DELETE FROM card_tokens WHERE payment_id = ?1", [payment_id])?;
            return Ok(false);
        }
        let (order_id, amount, booking): (String, i64, bool) = tx
            .row(
                "SELECT order_id, amount_minor, 0 FROM payments WHERE id = ?1 AND kind = 'card'
                 UNION ALL
                 SELECT booking_id, amount_minor, 1 FROM booking_payments
                  WHERE id = ?1 AND kind = 'card' AND direction = 'payment'",
                [payment_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?
            .ok_or_else(|| Error::not_found(format!("no card payment {payment_id}")))?;
        let device_id = tx.device_id()?.to_owned();
        let at = tx.now_ts();
        let brand = outcome.brand.as_ref().map(|b| b.trim().to_ascii_uppercase());
        tx.exec(
            "INSERT INTO payment_outcomes (payment_id, order_id, status, amount_minor, intent_id, card_brand,
                card_last4, decline_code, device_id, decided_at, review)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                payment_id,
                order_id,
                outcome.status.as_str(),
                amount,
                outcome.intent_id,
                brand,
                outcome.last4,
                outcome.decline_code,
                device_id,
                at,
                outcome.review
            ],
        )?;
        let mut row = json!({
            "order_id": order_id, "status": outcome.status.as_str(), "amount_minor": amount,
            "intent_id": outcome.intent_id, "card_brand": brand, "card_last4": outcome.last4,
            "decline_code": outcome.decline_code, "device_id": device_id, "decided_at": at,
        });
        if let Some(review) = &outcome.review {
            row["review"] = json!(review);
        }
        tx.record_change(OUTCOME_ENTITY, payment_id, ChangeOp::Insert, &row)?;
        tx.exec("DELETE FROM card_tokens WHERE payment_id = ?1", [payment_id])?;
        if outcome.status == OutcomeStatus::Declined {
            let detail = declined_detail(tx, payment_id, outcome.decline_code.as_deref())?;
            let id = conflict_id(DECLINED_TASK, OUTCOME_ENTITY, payment_id);
            tx.exec(
                "INSERT INTO conflicts (id, kind, entity, entity_id, detail, change_id, hlc, device_id, created_at)
                 SELECT ?1, ?2, ?3, ?4, ?5, '', 0, ?6, ?7 WHERE NOT EXISTS (SELECT 1 FROM conflicts WHERE id = ?1)",
                params![id, DECLINED_TASK, OUTCOME_ENTITY, payment_id, detail.to_string(), device_id, at],
            )?;
            // The money never came in: the cashier's (or agent's) commission on it goes back.
            if booking {
                crate::commissions::settle_booking_decline(tx, payment_id)?;
            } else {
                crate::commissions::settle_decline(tx, payment_id)?;
            }
        }
        if let Some(review) = &outcome.review {
            let detail = review_detail(tx, payment_id, review)?;
            let id = conflict_id(REVIEW_TASK, OUTCOME_ENTITY, payment_id);
            tx.exec(
                "INSERT INTO conflicts (id, kind, entity, entity_id, detail, change_id, hlc, device_id, created_at)
                 SELECT ?1, ?2, ?3, ?4, ?5, '', 0, ?6, ?7 WHERE NOT EXISTS (SELECT 1 FROM conflicts WHERE id = ?1)",
                params![id, REVIEW_TASK, OUTCOME_ENTITY, payment_id, detail.to_string(), device_id, at],
            )?;
        }
        tx.audit(
            AuditInput::new(match outcome.status {
                OutcomeStatus::Captured => "card_payment.captured",
                OutcomeStatus::Declined => "card_payment.declined",
            })
            .on(if booking { "booking_payment" } else { "payment" }, payment_id)
            .after(json!({"order_id": order_id, "booking": booking, "amount_minor": amount,
                "intent_id": outcome.intent_id, "decline_code": outcome.decline_code,
                "review": outcome.review})),
        )?;
        Ok(true)
    })
}

/// Keeps why a forward did not end in an outcome (the server refused it, or the provider has
/// not decided yet); the token stays and the next sync tries again.
pub fn record_attempt(
    conn: &Connection,
    payment_id: &str,
    error: Option<&str>,
    at: &str,
) -> Result<()> {
    let error: Option<String> = error.map(|e| e.chars().take(500).collect());
    conn.execute(
        "UPDATE card_tokens SET attempts = attempts + 1, last_error = ?2, last_attempt_at = ?3 WHERE payment_id = ?1",
        params![payment_id, error, at],
    )
    .db()?;
    Ok(())
}

/// How many card payments this device took offline have waited for the provider at least the
/// store's `payments.card_alarm_hours` at `now`: the alarm the till shows.
pub fn alarms(conn: &Connection, now: chrono::DateTime<chrono::Utc>) -> Result<u64> {
    let store_id: Option<String> = conn
        .query_row("SELECT store_id FROM device", [], |r| r.get(0))
        .optional()
        .db()?;
    let Some(store_id) = store_id else {
        return Ok(0);
    };
    let hours = crate::foundation::settings::get_int(conn, &store_id, "payments.card_alarm_hours")?;
    let before = crate::ts(now - chrono::Duration::hours(hours));
    let pending = super::checkout::pending_cards(conn)?;
    Ok(pending.iter().filter(|p| p.taken_at <= before).count() as u64)
}

/// What an order still owes because the provider declined a card after the sale: the declined
/// amounts less what refunds took back of them (a declined card was never charged, so its
/// share of a refund is not paid back but no longer owed; see `card_refunds`).
pub fn balance_owed(conn: &Connection, order_id: &str) -> Result<i64> {
    conn.query_row(
        "SELECT coalesce(sum(po.amount_minor - (SELECT coalesce(sum(rp.amount_minor), 0)
                    FROM refund_payments rp WHERE rp.payment_id = po.payment_id)), 0)
         FROM payment_outcomes po WHERE po.order_id = ?1 AND po.status = 'declined'",
        [order_id],
        |r| r.get(0),
    )
    .db()
}

/// Another device's outcome of one of its card payments: a ledger row, inserted if absent; a
/// decline opens the same `card_declined` task on every device.
pub(crate) fn apply_outcome(tx: &mut ApplyTx<'_>, c: &Change) -> Result<Applied> {
    // A booking's card payment is the outcome's parent when it is one (the booking's id is
    // the outcome's `order_id`); else a sale's payment, parked until it arrives.
    let parent = if tx.exists("booking_payments", "id", &c.entity_id)? {
        "booking_payments"
    } else {
        "payments"
    };
    let applied = tx.insert_outcome(
        c,
        parent,
        OUTCOME_ENTITY,
        "payment_id",
        &[
            "order_id",
            "status",
            "amount_minor",
            "intent_id",
            "card_brand",
            "card_last4",
            "decline_code",
            "device_id",
            "decided_at",
            "review",
        ],
    )?;
    let p = &c.payload;
    if applied != Applied::Parked && p.get("status").and_then(Value::as_str) == Some("declined") {
        let id = c.entity_id.as_str();
        let decline = p.get("decline_code").and_then(Value::as_str);
        let detail = declined_detail(tx, id, decline)?;
        tx.conflict(DECLINED_TASK, OUTCOME_ENTITY, id, detail)?;
    }
    if applied != Applied::Parked
        && let Some(review) = p.get("review").and_then(Value::as_str)
    {
        let id = c.entity_id.as_str();
        let detail = review_detail(tx, id, review)?;
        tx.conflict(REVIEW_TASK, OUTCOME_ENTITY, id, detail)?;
    }
    Ok(applied)
}
