//! Refunds of card payments, each operation one transaction. A new refund locks its card
//! payment's row first, so two refunds of one intent never both fit in what it captured.

use crate::error::db;
use crate::registry::record_audit;
use crate::sql;
use deadpool_postgres::{Client, GenericClient};
use kassa_server_storage::{
    CardRefund, CardRefundUpdate, NewCardRefund, RefundStatus, Result, StorageError,
};
use serde_json::json;
use tokio_postgres::Row;

const COLUMNS: &str = "store_id, device_id, refund_payment_id, payment_id, intent_id, amount_minor,
    currency, status, provider_refund_id, failure_reason, created_at, updated_at";

fn row(r: &Row) -> CardRefund {
    let status: String = r.get(7);
    CardRefund {
        store_id: r.get(0),
        device_id: r.get(1),
        refund_payment_id: r.get(2),
        payment_id: r.get(3),
        intent_id: r.get(4),
        amount_minor: r.get(5),
        currency: r.get(6),
        // The column's CHECK allows only a status' own text.
        status: RefundStatus::parse(&status).unwrap_or(RefundStatus::Pending),
        provider_refund_id: r.get(8),
        failure_reason: r.get(9),
        created_at: r.get(10),
        updated_at: r.get(11),
    }
}

async fn by_id(c: &impl GenericClient, store_id: &str, id: &str) -> Result<Option<CardRefund>> {
    Ok(sql::query_opt(
        c,
        &format!(
            "SELECT {COLUMNS} FROM card_refunds WHERE store_id = $1 AND refund_payment_id = $2"
        ),
        &[&store_id, &id],
    )
    .await
    .map_err(db)?
    .map(|r| row(&r)))
}

async fn audit(tx: &impl GenericClient, r: &CardRefund, action: &str, at: &str) -> Result<()> {
    let detail = json!({
        "refund_payment_id": r.refund_payment_id, "payment_id": r.payment_id,
        "intent_id": r.intent_id, "amount_minor": r.amount_minor, "currency": r.currency,
        "status": r.status.as_str(), "provider_refund_id": r.provider_refund_id,
        "failure_reason": r.failure_reason,
    });
    record_audit(tx, at, &r.store_id, action, Some(&r.device_id), detail).await
}

fn missing() -> StorageError {
    StorageError::Backend("the card refund just written is missing".into())
}

pub async fn begin(client: &mut Client, input: NewCardRefund) -> Result<(CardRefund, bool)> {
    let tx = client.transaction().await.map_err(db)?;
    // The payment's row is the lock every refund through its intent takes.
    let payment = sql::query_opt(
        &tx,
        "SELECT amount_minor, payment_id, status FROM card_payments
         WHERE store_id = $1 AND intent_id = $2 FOR UPDATE",
        &[&input.store_id, &input.intent_id],
    )
    .await
    .map_err(db)?;
    let held: Option<String> = sql::query_opt(
        &tx,
        "SELECT request_hash FROM card_refunds WHERE store_id = $1 AND refund_payment_id = $2",
        &[&input.store_id, &input.refund_payment_id],
    )
    .await
    .map_err(db)?
    .map(|r| r.get(0));
    if let Some(hash) = held {
        if hash != input.request_hash {
            return Err(StorageError::IdempotencyMismatch);
        }
        let refund = by_id(&tx, &input.store_id, &input.refund_payment_id)
            .await?
            .ok_or_else(missing)?;
        tx.commit().await.map_err(db)?;
        return Ok((refund, false));
    }
    let captured = payment.and_then(|r| {
        let (amount, payment_id, status): (i64, String, String) = (r.get(0), r.get(1), r.get(2));
        (payment_id == input.payment_id && status == "captured").then_some(amount)
    });
    let Some(captured) = captured else {
        return Err(StorageError::NotFound(format!(
            "a captured card payment {} with PaymentIntent {}",
            input.payment_id, input.intent_id
        )));
    };
    let refunded: i64 = sql::query_one(
        &tx,
        "SELECT coalesce(sum(amount_minor), 0)::BIGINT FROM card_refunds
         WHERE intent_id = $1 AND status IN ('pending', 'refunded')",
        &[&input.intent_id],
    )
    .await
    .map_err(db)?
    .get(0);
    let available = captured - refunded;
    if input.amount_minor > available {
        return Err(StorageError::RefundExceedsCaptured {
            asked_minor: input.amount_minor,
            captured_minor: captured,
            available_minor: available.max(0),
        });
    }
    sql::execute(
        &tx,
        "INSERT INTO card_refunds (store_id, refund_payment_id, device_id, payment_id, intent_id,
             request_hash, amount_minor, currency, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $9)",
        &[
            &input.store_id,
            &input.refund_payment_id,
            &input.device_id,
            &input.payment_id,
            &input.intent_id,
            &input.request_hash,
            &input.amount_minor,
            &input.currency,
            &input.now,
        ],
    )
    .await
    .map_err(db)?;
    let refund = by_id(&tx, &input.store_id, &input.refund_payment_id)
        .await?
        .ok_or_else(missing)?;
    audit(&tx, &refund, "card_refund.requested", &input.now).await?;
    tx.commit().await.map_err(db)?;
    Ok((refund, true))
}

pub async fn finish(client: &mut Client, u: CardRefundUpdate) -> Result<CardRefund> {
    let tx = client.transaction().await.map_err(db)?;
    let changed = sql::execute(
        &tx,
        "UPDATE card_refunds SET status = $3,
             provider_refund_id = COALESCE($4, provider_refund_id),
             failure_reason = COALESCE($5, failure_reason), updated_at = $6
         WHERE store_id = $1 AND refund_payment_id = $2",
        &[
            &u.store_id,
            &u.refund_payment_id,
            &u.status.as_str(),
            &u.provider_refund_id,
            &u.failure_reason,
            &u.now,
        ],
    )
    .await
    .map_err(db)?;
    if changed == 0 {
        return Err(StorageError::NotFound(format!(
            "card refund {}",
            u.refund_payment_id
        )));
    }
    let refund = by_id(&tx, &u.store_id, &u.refund_payment_id)
        .await?
        .ok_or_else(missing)?;
    audit(
        &tx,
        &refund,
        &format!("card_refund.{}", u.status.as_str()),
        &u.now,
    )
    .await?;
    tx.commit().await.map_err(db)?;
    Ok(refund)
}

pub async fn of_intent(client: &Client, intent_id: &str) -> Result<Vec<CardRefund>> {
    Ok(sql::query(
        client,
        &format!(
            "SELECT {COLUMNS} FROM card_refunds WHERE intent_id = $1
             ORDER BY created_at, refund_payment_id"
        ),
        &[&intent_id],
    )
    .await
    .map_err(db)?
    .iter()
    .map(row)
    .collect())
}
