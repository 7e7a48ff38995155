//! The emails the server sends: kept by pushes, taken by senders, listed for admins.

use crate::error::db;
use crate::sql;
use deadpool_postgres::{Client, GenericClient, Transaction};
use kassa_server_storage::{
    EmailCounts, EmailJob, EmailOutcome, EmailRecord, EmailStatus, INVITATION_EMAIL_KIND, NewEmail,
    PushInput, Result, StorageError, email_facts,
};
use kassa_sync_protocol::wire::{PushedChange, RawPayload};
use tokio_postgres::Row;

/// Inside a push: keeps the emails its new changes queue and the receipt language they set.
pub async fn keep_facts(
    tx: &Transaction<'_>,
    input: &PushInput,
    fresh: &[&PushedChange<RawPayload>],
) -> Result<()> {
    let (emails, settings) = email_facts(&input.store_id, &input.device_id, fresh)?;
    for e in emails {
        sql::execute(
            tx,
            "INSERT INTO emails (store_id, id, device_id, kind, to_address, subject, ref_id,
                                 payload, status, attempts, queued_at, next_attempt_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', 0, $9, $9, $9)
             ON CONFLICT (store_id, id) DO NOTHING",
            &[
                &input.store_id,
                &e.id,
                &input.device_id,
                &e.kind,
                &e.to_address,
                &e.subject,
                &e.ref_id,
                &e.payload.to_string(),
                &input.now,
            ],
        )
        .await
        .map_err(db)?;
    }
    for v in settings {
        let hlc = i64::from_ne_bytes(v.hlc.to_ne_bytes());
        sql::execute(
            tx,
            "INSERT INTO store_settings (store_id, key, value, hlc, device_id)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (store_id, key) DO UPDATE SET
                 value = EXCLUDED.value, hlc = EXCLUDED.hlc, device_id = EXCLUDED.device_id
             WHERE (EXCLUDED.hlc, EXCLUDED.device_id)
                 > (store_settings.hlc, store_settings.device_id)",
            &[&input.store_id, &v.key, &v.value, &hlc, &v.device_id],
        )
        .await
        .map_err(db)?;
    }
    Ok(())
}

const EMAIL_COLUMNS: &str =
    "e.id, e.store_id, e.device_id, e.kind, e.to_address, e.subject, e.ref_id,
     e.status, e.attempts, e.last_error, e.queued_at, e.next_attempt_at, e.sent_at, e.updated_at";

fn record(r: &Row) -> EmailRecord {
    let status: String = r.get(7);
    EmailRecord {
        id: r.get(0),
        store_id: r.get(1),
        device_id: r.get(2),
        kind: r.get(3),
        to_address: r.get(4),
        subject: r.get(5),
        ref_id: r.get(6),
        status: EmailStatus::parse(&status).unwrap_or(EmailStatus::Failed),
        attempts: u32::try_from(r.get::<_, i32>(8)).unwrap_or(0),
        last_error: r.get(9),
        queued_at: r.get(10),
        next_attempt_at: r.get(11),
        sent_at: r.get(12),
        updated_at: r.get(13),
    }
}

pub async fn claim(
    client: &mut Client,
    now: &str,
    lease_until: &str,
    limit: u32,
) -> Result<Vec<EmailJob>> {
    let tx = client.transaction().await.map_err(db)?;
    // Another instance's sender skips the rows this one is taking.
    let rows = sql::query(
        &tx,
        &format!(
            "SELECT {EMAIL_COLUMNS}, e.payload, s.name,
                    (SELECT value FROM store_settings ss
                     WHERE ss.store_id = e.store_id AND ss.key = 'receipt.language')
             FROM emails e JOIN stores s ON s.id = e.store_id
             WHERE e.status IN ('queued', 'sending') AND e.next_attempt_at <= $1
             ORDER BY e.next_attempt_at, e.queued_at, e.id
             LIMIT $2
             FOR UPDATE OF e SKIP LOCKED"
        ),
        &[&now, &i64::from(limit)],
    )
    .await
    .map_err(db)?;
    let mut jobs = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut rec = record(r);
        let payload: String = r.get(14);
        let payload = serde_json::from_str(&payload)
            .map_err(|e| StorageError::Backend(format!("an email's payload: {e}")))?;
        sql::execute(
            &tx,
            "UPDATE emails SET status = 'sending', attempts = attempts + 1,
                               next_attempt_at = $1, updated_at = $2
             WHERE store_id = $3 AND id = $4",
            &[&lease_until, &now, &rec.store_id, &rec.id],
        )
        .await
        .map_err(db)?;
        rec.status = EmailStatus::Sending;
        rec.attempts += 1;
        rec.next_attempt_at = lease_until.to_owned();
        rec.updated_at = now.to_owned();
        jobs.push(EmailJob {
            record: rec,
            payload,
            store_name: r.get(15),
            language: r.get(16),
        });
    }
    tx.commit().await.map_err(db)?;
    Ok(jobs)
}

pub async fn finish(
    client: &Client,
    store_id: &str,
    id: &str,
    outcome: &EmailOutcome,
    now: &str,
) -> Result<()> {
    let changed = match outcome {
        EmailOutcome::Sent => {
            sql::execute(
                client,
                "UPDATE emails SET status = 'sent', sent_at = $1, updated_at = $1,
                                   payload = CASE WHEN kind = $4 THEN '{}' ELSE payload END
                 WHERE store_id = $2 AND id = $3",
                &[&now, &store_id, &id, &INVITATION_EMAIL_KIND],
            )
            .await
        }
        EmailOutcome::Retry {
            error,
            next_attempt_at,
        } => {
            sql::execute(
                client,
                "UPDATE emails SET status = 'queued', last_error = $1, next_attempt_at = $2,
                                   updated_at = $3
                 WHERE store_id = $4 AND id = $5",
                &[error, next_attempt_at, &now, &store_id, &id],
            )
            .await
        }
        EmailOutcome::Failed { error } => {
            sql::execute(
                client,
                "UPDATE emails SET status = 'failed', last_error = $1, updated_at = $2,
                                   payload = CASE WHEN kind = $5 THEN '{}' ELSE payload END
                 WHERE store_id = $3 AND id = $4",
                &[error, &now, &store_id, &id, &INVITATION_EMAIL_KIND],
            )
            .await
        }
    }
    .map_err(db)?;
    if changed == 0 {
        return Err(StorageError::NotFound(format!("email {id}")));
    }
    Ok(())
}

/// Queues an email a device handed over itself (or keeps it failed, never to be sent); an
/// email already held is left as it is.
pub async fn queue(
    client: &Client,
    store_id: &str,
    device_id: &str,
    email: &NewEmail,
    failed: Option<&str>,
    now: &str,
) -> Result<EmailRecord> {
    let payload = if failed.is_some() {
        "{}".to_owned()
    } else {
        email.payload.to_string()
    };
    sql::execute(
        client,
        "INSERT INTO emails (store_id, id, device_id, kind, to_address, subject, ref_id,
                             payload, status, attempts, last_error, queued_at, next_attempt_at,
                             updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
                 CASE WHEN $9::text IS NULL THEN 'queued' ELSE 'failed' END, 0, $9, $10, $10, $10)
         ON CONFLICT (store_id, id) DO NOTHING",
        &[
            &store_id,
            &email.id,
            &device_id,
            &email.kind,
            &email.to_address,
            &email.subject,
            &email.ref_id,
            &payload,
            &failed,
            &now,
        ],
    )
    .await
    .map_err(db)?;
    let rows = sql::query(
        client,
        &format!("SELECT {EMAIL_COLUMNS} FROM emails e WHERE e.store_id = $1 AND e.id = $2"),
        &[&store_id, &email.id],
    )
    .await
    .map_err(db)?;
    rows.first()
        .map(record)
        .ok_or_else(|| StorageError::NotFound(format!("email {}", email.id)))
}

pub async fn list(
    client: &impl GenericClient,
    store_id: Option<&str>,
    updated_after: Option<&str>,
) -> Result<Vec<EmailRecord>> {
    let rows = sql::query(
        client,
        &format!(
            "SELECT {EMAIL_COLUMNS} FROM emails e
             WHERE ($1::text IS NULL OR e.store_id = $1)
               AND ($2::text IS NULL OR e.updated_at >= $2)
             ORDER BY e.queued_at, e.id"
        ),
        &[&store_id, &updated_after],
    )
    .await
    .map_err(db)?;
    Ok(rows.iter().map(record).collect())
}

pub async fn counts(client: &impl GenericClient) -> Result<EmailCounts> {
    let rows = sql::query(
        client,
        "SELECT status, COUNT(*) FROM emails GROUP BY status",
        &[],
    )
    .await
    .map_err(db)?;
    let mut counts = EmailCounts::default();
    for r in rows {
        let status: String = r.get(0);
        let n = u64::try_from(r.get::<_, i64>(1)).unwrap_or(0);
        match EmailStatus::parse(&status) {
            Some(EmailStatus::Queued) => counts.queued = n,
            Some(EmailStatus::Sending) => counts.sending = n,
            Some(EmailStatus::Sent) => counts.sent = n,
            Some(EmailStatus::Failed) => counts.failed = n,
            None => {}
        }
    }
    Ok(counts)
}
