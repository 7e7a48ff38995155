//! Refunds of card payments, each operation one SQLite transaction.

use crate::backend;
use kassa_server_storage::{
    CardRefund, CardRefundUpdate, NewCardRefund, RefundStatus, Result, StorageError,
};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};
use serde_json::json;

const COLUMNS: &str = "store_id, device_id, refund_payment_id, payment_id, intent_id, amount_minor,
    currency, status, provider_refund_id, failure_reason, created_at, updated_at";

fn row(r: &Row<'_>) -> rusqlite::Result<CardRefund> {
    let status: String = r.get(7)?;
    Ok(CardRefund {
        store_id: r.get(0)?,
        device_id: r.get(1)?,
        refund_payment_id: r.get(2)?,
        payment_id: r.get(3)?,
        intent_id: r.get(4)?,
        amount_minor: r.get(5)?,
        currency: r.get(6)?,
        // The column's CHECK allows only a status' own text.
        status: RefundStatus::parse(&status).unwrap_or(RefundStatus::Pending),
        provider_refund_id: r.get(8)?,
        failure_reason: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
    })
}

fn by_id(tx: &Transaction<'_>, store_id: &str, id: &str) -> Result<Option<CardRefund>> {
    tx.query_row(
        &format!(
            "SELECT {COLUMNS} FROM card_refunds WHERE store_id = ?1 AND refund_payment_id = ?2"
        ),
        params![store_id, id],
        row,
    )
    .optional()
    .map_err(backend)
}

fn audit(tx: &Transaction<'_>, r: &CardRefund, action: &str, at: &str) -> Result<()> {
    let detail = json!({
        "refund_payment_id": r.refund_payment_id, "payment_id": r.payment_id,
        "intent_id": r.intent_id, "amount_minor": r.amount_minor, "currency": r.currency,
        "status": r.status.as_str(), "provider_refund_id": r.provider_refund_id,
        "failure_reason": r.failure_reason,
    });
    tx.execute(
        "INSERT INTO audit (store_id, at, action, device_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![r.store_id, at, action, r.device_id, detail.to_string()],
    )
    .map_err(backend)?;
    Ok(())
}

pub(crate) fn begin(c: &mut Connection, input: &NewCardRefund) -> Result<(CardRefund, bool)> {
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    let held: Option<String> = tx
        .query_row(
            "SELECT request_hash FROM card_refunds WHERE store_id = ?1 AND refund_payment_id = ?2",
            params![input.store_id, input.refund_payment_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?;
    if let Some(hash) = held {
        return if hash == input.request_hash {
            let refund = by_id(&tx, &input.store_id, &input.refund_payment_id)?
                .ok_or_else(|| StorageError::Backend("the refund just read is missing".into()))?;
            Ok((refund, false))
        } else {
            Err(StorageError::IdempotencyMismatch)
        };
    }
    let captured: Option<i64> = tx
        .query_row(
            "SELECT amount_minor FROM card_payments
             WHERE store_id = ?1 AND intent_id = ?2 AND payment_id = ?3 AND status = 'captured'",
            params![input.store_id, input.intent_id, input.payment_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?;
    let Some(captured) = captured else {
        return Err(StorageError::NotFound(format!(
            "a captured card payment {} with PaymentIntent {}",
            input.payment_id, input.intent_id
        )));
    };
    let refunded: i64 = tx
        .query_row(
            "SELECT coalesce(sum(amount_minor), 0) FROM card_refunds
             WHERE intent_id = ?1 AND status IN ('pending', 'refunded')",
            [&input.intent_id],
            |r| r.get(0),
        )
        .map_err(backend)?;
    let available = captured - refunded;
    if input.amount_minor > available {
        return Err(StorageError::RefundExceedsCaptured {
            asked_minor: input.amount_minor,
            captured_minor: captured,
            available_minor: available.max(0),
        });
    }
    tx.execute(
        "INSERT INTO card_refunds (store_id, refund_payment_id, device_id, payment_id, intent_id,
             request_hash, amount_minor, currency, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?9, ?9)",
        params![
            input.store_id,
            input.refund_payment_id,
            input.device_id,
            input.payment_id,
            input.intent_id,
            input.request_hash,
            input.amount_minor,
            input.currency,
            input.now
        ],
    )
    .map_err(backend)?;
    let refund = by_id(&tx, &input.store_id, &input.refund_payment_id)?
        .ok_or_else(|| StorageError::Backend("the refund just kept is missing".into()))?;
    audit(&tx, &refund, "card_refund.requested", &input.now)?;
    tx.commit().map_err(backend)?;
    Ok((refund, true))
}

pub(crate) fn finish(c: &mut Connection, u: &CardRefundUpdate) -> Result<CardRefund> {
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    let changed = tx
        .execute(
            "UPDATE card_refunds SET status = ?3,
                 provider_refund_id = COALESCE(?4, provider_refund_id),
                 failure_reason = COALESCE(?5, failure_reason), updated_at = ?6
             WHERE store_id = ?1 AND refund_payment_id = ?2",
            params![
                u.store_id,
                u.refund_payment_id,
                u.status.as_str(),
                u.provider_refund_id,
                u.failure_reason,
                u.now
            ],
        )
        .map_err(backend)?;
    if changed == 0 {
        return Err(StorageError::NotFound(format!(
            "card refund {}",
            u.refund_payment_id
        )));
    }
    let refund = by_id(&tx, &u.store_id, &u.refund_payment_id)?
        .ok_or_else(|| StorageError::Backend("the refund just updated is missing".into()))?;
    audit(
        &tx,
        &refund,
        &format!("card_refund.{}", u.status.as_str()),
        &u.now,
    )?;
    tx.commit().map_err(backend)?;
    Ok(refund)
}

pub(crate) fn of_intent(c: &mut Connection, intent_id: &str) -> Result<Vec<CardRefund>> {
    let mut st = c
        .prepare(&format!(
            "SELECT {COLUMNS} FROM card_refunds WHERE intent_id = ?1
             ORDER BY created_at, refund_payment_id"
        ))
        .map_err(backend)?;
    st.query_map([intent_id], row)
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(backend)
}
