//! Card payments and provider events, each operation one transaction.

use crate::error::db;
use crate::registry::record_audit;
use crate::sql;
use deadpool_postgres::{Client, GenericClient};
use kassa_server_storage::{
    CardPayment, CardPaymentUpdate, CardStatus, NewCardPayment, Result, StorageError,
};
use serde_json::json;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;

const COLUMNS: &str = "store_id, device_id, order_id, payment_id, idempotency_key, intent_id,
    amount_minor, currency, status, brand, last4, decline_code, review, created_at, updated_at";

fn row(r: &Row) -> CardPayment {
    let status: String = r.get(8);
    CardPayment {
        store_id: r.get(0),
        device_id: r.get(1),
        order_id: r.get(2),
        payment_id: r.get(3),
        idempotency_key: r.get(4),
        intent_id: r.get(5),
        amount_minor: r.get(6),
        currency: r.get(7),
        // The column only ever holds a status' own text; anything else reads as pending.
        status: CardStatus::parse(&status).unwrap_or(CardStatus::Pending),
        brand: r.get(9),
        last4: r.get(10),
        decline_code: r.get(11),
        review: r.get(12),
        created_at: r.get(13),
        updated_at: r.get(14),
    }
}

async fn by_key(c: &impl GenericClient, store_id: &str, key: &str) -> Result<Option<CardPayment>> {
    Ok(sql::query_opt(
        c,
        &format!(
            "SELECT {COLUMNS} FROM card_payments WHERE store_id = $1 AND idempotency_key = $2"
        ),
        &[&store_id, &key],
    )
    .await
    .map_err(db)?
    .map(|r| row(&r)))
}

async fn audit(
    tx: &impl GenericClient,
    p: &CardPayment,
    action: &str,
    source: &str,
    at: &str,
) -> Result<()> {
    let detail = json!({
        "payment_id": p.payment_id, "order_id": p.order_id, "intent_id": p.intent_id,
        "amount_minor": p.amount_minor, "currency": p.currency, "status": p.status.as_str(),
        "review": p.review, "source": source,
    });
    record_audit(tx, at, &p.store_id, action, Some(&p.device_id), detail).await
}

fn missing() -> StorageError {
    StorageError::Backend("the card payment just written is missing".into())
}

pub async fn begin(client: &mut Client, input: NewCardPayment) -> Result<(CardPayment, bool)> {
    let tx = client.transaction().await.map_err(db)?;
    let inserted = sql::execute(
        &tx,
        "INSERT INTO card_payments (store_id, idempotency_key, device_id, order_id, payment_id,
             request_hash, amount_minor, currency, status, created_at, updated_at, taken_offline_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $9, $10)
         ON CONFLICT (store_id, idempotency_key) DO NOTHING",
        &[
            &input.store_id,
            &input.idempotency_key,
            &input.device_id,
            &input.order_id,
            &input.payment_id,
            &input.request_hash,
            &input.amount_minor,
            &input.currency,
            &input.now,
            &input.taken_offline_at,
        ],
    )
    .await
    .map_err(|e| {
        if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            StorageError::Conflict(format!(
                "payment {} was asked for with another idempotency key",
                input.payment_id
            ))
        } else {
            db(e)
        }
    })?;
    if inserted == 0 {
        let hash: String = sql::query_one(
            &tx,
            "SELECT request_hash FROM card_payments WHERE store_id = $1 AND idempotency_key = $2",
            &[&input.store_id, &input.idempotency_key],
        )
        .await
        .map_err(db)?
        .get(0);
        if hash != input.request_hash {
            return Err(StorageError::IdempotencyMismatch);
        }
        let payment = by_key(&tx, &input.store_id, &input.idempotency_key)
            .await?
            .ok_or_else(missing)?;
        tx.commit().await.map_err(db)?;
        return Ok((payment, false));
    }
    let payment = by_key(&tx, &input.store_id, &input.idempotency_key)
        .await?
        .ok_or_else(missing)?;
    audit(
        &tx,
        &payment,
        "card_payment.requested",
        "checkout",
        &input.now,
    )
    .await?;
    tx.commit().await.map_err(db)?;
    Ok((payment, true))
}

pub async fn update(client: &mut Client, u: CardPaymentUpdate) -> Result<CardPayment> {
    let tx = client.transaction().await.map_err(db)?;
    let changed = sql::execute(
        &tx,
        "UPDATE card_payments SET
             intent_id = COALESCE($3, intent_id), status = $4,
             brand = COALESCE($5, brand), last4 = COALESCE($6, last4),
             decline_code = COALESCE($7, decline_code), review = COALESCE($8, review),
             updated_at = $9
         WHERE store_id = $1 AND idempotency_key = $2",
        &[
            &u.store_id,
            &u.idempotency_key,
            &u.intent_id,
            &u.status.as_str(),
            &u.brand,
            &u.last4,
            &u.decline_code,
            &u.review,
            &u.now,
        ],
    )
    .await
    .map_err(|e| {
        if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            StorageError::Conflict("that PaymentIntent belongs to another payment".into())
        } else {
            db(e)
        }
    })?;
    if changed == 0 {
        return Err(StorageError::NotFound(format!(
            "card payment {}",
            u.idempotency_key
        )));
    }
    let payment = by_key(&tx, &u.store_id, &u.idempotency_key)
        .await?
        .ok_or_else(missing)?;
    audit(&tx, &payment, &u.action, &u.source, &u.now).await?;
    tx.commit().await.map_err(db)?;
    Ok(payment)
}

pub async fn by_store_key(
    client: &Client,
    store_id: &str,
    key: &str,
) -> Result<Option<CardPayment>> {
    by_key(client, store_id, key).await
}

pub async fn by_intent(client: &Client, intent_id: &str) -> Result<Option<CardPayment>> {
    Ok(sql::query_opt(
        client,
        &format!("SELECT {COLUMNS} FROM card_payments WHERE intent_id = $1"),
        &[&intent_id],
    )
    .await
    .map_err(db)?
    .map(|r| row(&r)))
}

pub async fn between(client: &Client, from: &str, to: &str) -> Result<Vec<CardPayment>> {
    Ok(sql::query(
        client,
        &format!(
            "SELECT {COLUMNS} FROM card_payments WHERE created_at >= $1 AND created_at < $2
             ORDER BY created_at, store_id, idempotency_key"
        ),
        &[&from, &to],
    )
    .await
    .map_err(db)?
    .iter()
    .map(row)
    .collect())
}

pub async fn event_seen(client: &Client, id: &str) -> Result<bool> {
    Ok(sql::query_opt(
        client,
        "SELECT 1 FROM provider_events WHERE event_id = $1",
        &[&id],
    )
    .await
    .map_err(db)?
    .is_some())
}

pub async fn record_event(client: &Client, id: &str, kind: &str, now: &str) -> Result<bool> {
    let n = sql::execute(
        client,
        "INSERT INTO provider_events (event_id, kind, received_at) VALUES ($1, $2, $3)
         ON CONFLICT (event_id) DO NOTHING",
        &[&id, &kind, &now],
    )
    .await
    .map_err(db)?;
    Ok(n == 1)
}

pub async fn offline_exposure(
    client: &Client,
    store_id: &str,
    device_id: &str,
    taken_at: &str,
    forwarded_after: &str,
    except_key: &str,
) -> Result<i64> {
    let sum: i64 = sql::query_one(
        client,
        "SELECT coalesce(sum(amount_minor), 0)::BIGINT FROM card_payments
         WHERE store_id = $1 AND device_id = $2 AND taken_offline_at IS NOT NULL
           AND taken_offline_at <= $3 AND created_at > $4 AND idempotency_key <> $5",
        &[
            &store_id,
            &device_id,
            &taken_at,
            &forwarded_after,
            &except_key,
        ],
    )
    .await
    .map_err(db)?
    .get(0);
    Ok(sum)
}

pub async fn latest_setting(
    client: &Client,
    store_id: &str,
    key: &str,
) -> Result<Option<serde_json::Value>> {
    let entity_id = format!("{store_id}:{key}");
    let payload: Option<String> = sql::query_opt(
        client,
        "SELECT payload FROM change_log WHERE store_id = $1 AND entity = 'settings' AND entity_id = $2
         ORDER BY hlc DESC, device_id DESC LIMIT 1",
        &[&store_id, &entity_id],
    )
    .await
    .map_err(db)?
    .map(|r| r.get(0));
    Ok(payload
        .and_then(|p| serde_json::from_str::<serde_json::Value>(&p).ok())
        .and_then(|v| v.get("value").cloned()))
}
