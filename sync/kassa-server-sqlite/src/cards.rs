//! Card payments and provider events, each operation one SQLite transaction.

use crate::backend;
use kassa_server_storage::{
    CardPayment, CardPaymentUpdate, CardStatus, NewCardPayment, Result, StorageError,
};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};
use serde_json::json;

const COLUMNS: &str = "store_id, device_id, order_id, payment_id, idempotency_key, intent_id,
    amount_minor, currency, status, brand, last4, decline_code, review, created_at, updated_at";

fn row(r: &Row<'_>) -> rusqlite::Result<CardPayment> {
    let status: String = r.get(8)?;
    Ok(CardPayment {
        store_id: r.get(0)?,
        device_id: r.get(1)?,
        order_id: r.get(2)?,
        payment_id: r.get(3)?,
        idempotency_key: r.get(4)?,
        intent_id: r.get(5)?,
        amount_minor: r.get(6)?,
        currency: r.get(7)?,
        // The column only ever holds a status' own text; anything else reads as pending.
        status: CardStatus::parse(&status).unwrap_or(CardStatus::Pending),
        brand: r.get(9)?,
        last4: r.get(10)?,
        decline_code: r.get(11)?,
        review: r.get(12)?,
        created_at: r.get(13)?,
        updated_at: r.get(14)?,
    })
}

fn by_key(tx: &Transaction<'_>, store_id: &str, key: &str) -> Result<Option<CardPayment>> {
    tx.query_row(
        &format!(
            "SELECT {COLUMNS} FROM card_payments WHERE store_id = ?1 AND idempotency_key = ?2"
        ),
        params![store_id, key],
        row,
    )
    .optional()
    .map_err(backend)
}

fn audit(
    tx: &Transaction<'_>,
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
    tx.execute(
        "INSERT INTO audit (store_id, at, action, device_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![p.store_id, at, action, p.device_id, detail.to_string()],
    )
    .map_err(backend)?;
    Ok(())
}

pub(crate) fn begin(c: &mut Connection, input: &NewCardPayment) -> Result<(CardPayment, bool)> {
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    let held: Option<String> = tx
        .query_row(
            "SELECT request_hash FROM card_payments WHERE store_id = ?1 AND idempotency_key = ?2",
            params![input.store_id, input.idempotency_key],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?;
    if let Some(hash) = held {
        return if hash == input.request_hash {
            let payment =
                by_key(&tx, &input.store_id, &input.idempotency_key)?.ok_or_else(|| {
                    StorageError::Backend("the card payment just read is missing".into())
                })?;
            Ok((payment, false))
        } else {
            Err(StorageError::IdempotencyMismatch)
        };
    }
    let other_key = tx
        .query_row(
            "SELECT 1 FROM card_payments WHERE store_id = ?1 AND payment_id = ?2",
            params![input.store_id, input.payment_id],
            |_| Ok(()),
        )
        .optional()
        .map_err(backend)?;
    if other_key.is_some() {
        return Err(StorageError::Conflict(format!(
            "payment {} was asked for with another idempotency key",
            input.payment_id
        )));
    }
    tx.execute(
        "INSERT INTO card_payments (store_id, idempotency_key, device_id, order_id, payment_id,
             request_hash, amount_minor, currency, status, created_at, updated_at, taken_offline_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?9, ?9, ?10)",
        params![
            input.store_id,
            input.idempotency_key,
            input.device_id,
            input.order_id,
            input.payment_id,
            input.request_hash,
            input.amount_minor,
            input.currency,
            input.now,
            input.taken_offline_at
        ],
    )
    .map_err(backend)?;
    let payment = by_key(&tx, &input.store_id, &input.idempotency_key)?
        .ok_or_else(|| StorageError::Backend("the card payment just kept is missing".into()))?;
    audit(
        &tx,
        &payment,
        "card_payment.requested",
        "checkout",
        &input.now,
    )?;
    tx.commit().map_err(backend)?;
    Ok((payment, true))
}

pub(crate) fn update(c: &mut Connection, u: &CardPaymentUpdate) -> Result<CardPayment> {
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    let changed = tx
        .execute(
            "UPDATE card_payments SET
                 intent_id = COALESCE(?3, intent_id), status = ?4,
                 brand = COALESCE(?5, brand), last4 = COALESCE(?6, last4),
                 decline_code = COALESCE(?7, decline_code), review = COALESCE(?8, review),
                 updated_at = ?9
             WHERE store_id = ?1 AND idempotency_key = ?2",
            params![
                u.store_id,
                u.idempotency_key,
                u.intent_id,
                u.status.as_str(),
                u.brand,
                u.last4,
                u.decline_code,
                u.review,
                u.now
            ],
        )
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                StorageError::Conflict("that PaymentIntent belongs to another payment".into())
            }
            other => backend(other),
        })?;
    if changed == 0 {
        return Err(StorageError::NotFound(format!(
            "card payment {}",
            u.idempotency_key
        )));
    }
    let payment = by_key(&tx, &u.store_id, &u.idempotency_key)?
        .ok_or_else(|| StorageError::Backend("the card payment just updated is missing".into()))?;
    audit(&tx, &payment, &u.action, &u.source, &u.now)?;
    tx.commit().map_err(backend)?;
    Ok(payment)
}

pub(crate) fn by_store_key(
    c: &mut Connection,
    store_id: &str,
    key: &str,
) -> Result<Option<CardPayment>> {
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Deferred)
        .map_err(backend)?;
    by_key(&tx, store_id, key)
}

pub(crate) fn by_intent(c: &mut Connection, intent_id: &str) -> Result<Option<CardPayment>> {
    c.query_row(
        &format!("SELECT {COLUMNS} FROM card_payments WHERE intent_id = ?1"),
        [intent_id],
        row,
    )
    .optional()
    .map_err(backend)
}

pub(crate) fn between(c: &mut Connection, from: &str, to: &str) -> Result<Vec<CardPayment>> {
    let mut st = c
        .prepare(&format!(
            "SELECT {COLUMNS} FROM card_payments WHERE created_at >= ?1 AND created_at < ?2
             ORDER BY created_at, store_id, idempotency_key"
        ))
        .map_err(backend)?;
    st.query_map(params![from, to], row)
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(backend)
}

pub(crate) fn offline_exposure(
    c: &mut Connection,
    store_id: &str,
    device_id: &str,
    taken_at: &str,
    forwarded_after: &str,
    except_key: &str,
) -> Result<i64> {
    c.query_row(
        "SELECT coalesce(sum(amount_minor), 0) FROM card_payments
         WHERE store_id = ?1 AND device_id = ?2 AND taken_offline_at IS NOT NULL
           AND taken_offline_at <= ?3 AND created_at > ?4 AND idempotency_key <> ?5",
        params![store_id, device_id, taken_at, forwarded_after, except_key],
        |r| r.get(0),
    )
    .map_err(backend)
}

pub(crate) fn event_seen(c: &mut Connection, id: &str) -> Result<bool> {
    c.query_row(
        "SELECT 1 FROM provider_events WHERE event_id = ?1",
        [id],
        |_| Ok(()),
    )
    .optional()
    .map(|r| r.is_some())
    .map_err(backend)
}

pub(crate) fn record_event(c: &mut Connection, id: &str, kind: &str, now: &str) -> Result<bool> {
    let n = c
        .execute(
            "INSERT INTO provider_events (event_id, kind, received_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (event_id) DO NOTHING",
            params![id, kind, now],
        )
        .map_err(backend)?;
    Ok(n == 1)
}

/// A setting's newest change. The entity is a literal: the log's partial index of settings
/// (`0010_log_lookups.sql`) serves only a query that names it.
pub(crate) const SETTING_SQL: &str = "SELECT payload FROM log
     WHERE store_id = ?1 AND entity = 'settings' AND entity_id = ?2
     ORDER BY hlc DESC, device_id DESC LIMIT 1";

pub(crate) fn latest_setting(
    c: &mut Connection,
    store_id: &str,
    key: &str,
) -> Result<Option<serde_json::Value>> {
    let payload: Option<String> = c
        .query_row(
            SETTING_SQL,
            params![store_id, format!("{store_id}:{key}")],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?;
    Ok(payload
        .and_then(|p| serde_json::from_str::<serde_json::Value>(&p).ok())
        .and_then(|v| v.get("value").cloned()))
}
