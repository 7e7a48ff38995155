//! Emails waiting for the server to send them: receipts now, confirmations later.

use crate::SqlResult;
use crate::foundation::ids::new_id;
use crate::foundation::write::{ChangeOp, WriteTx};
use crate::identity::staff::validate_email;
use kassa_domain::{Error, Result};
use rusqlite::{Connection, params};
use serde_json::json;

/// Queues an email; the server's outbox sends it when this device next syncs. A receipt's
/// email carries the receipt's document (`receipt`, JSON of `kassa_documents::Receipt`), from
/// which the server renders the PDF it attaches.
pub fn queue(
    tx: &mut WriteTx<'_>,
    kind: &str,
    to: &str,
    subject: &str,
    body_html: &str,
    ref_id: Option<&str>,
    receipt: Option<&serde_json::Value>,
) -> Result<String> {
    let to = validate_email(to)?;
    if subject.trim().is_empty() || subject.chars().count() > 200 {
        return Err(Error::invalid_input(
            "an email needs a subject of at most 200 characters",
        ));
    }
    let id = new_id();
    let now = tx.now_ts();
    let receipt_json = receipt.map(serde_json::Value::to_string);
    tx.exec(
        "INSERT INTO email_outbox (id, kind, to_address, subject, body_html, ref_id, status, created_at, receipt_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?8)",
        params![id, kind, to, subject, body_html, ref_id, now, receipt_json],
    )?;
    tx.record_change(
        "email_outbox",
        &id,
        ChangeOp::Insert,
        &json!({"kind": kind, "to_address": to, "subject": subject, "body_html": body_html, "ref_id": ref_id, "status": "queued", "created_at": now, "receipt": receipt}),
    )?;
    Ok(id)
}

/// An email in the queue, with where it stands on the server as this device last heard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedEmail {
    pub id: String,
    pub kind: String,
    pub to_address: String,
    pub subject: String,
    /// `queued` until the server says otherwise: then `queued`, `sending`, `sent` or
    /// `failed` as the server has it.
    pub status: String,
    pub ref_id: Option<String>,
    pub created_at: String,
    /// Attempts the server made (0 before it told anything).
    pub attempts: u32,
    /// Why the server's last attempt failed; for a failed email, why it gave up.
    pub last_error: Option<String>,
    pub sent_at: Option<String>,
}

const SELECT: &str = "SELECT e.id, e.kind, e.to_address, e.subject, COALESCE(d.status, e.status),
        e.ref_id, e.created_at, COALESCE(d.attempts, 0), d.last_error, d.sent_at
     FROM email_outbox e LEFT JOIN email_delivery d ON d.id = e.id";

fn queued_email(r: &rusqlite::Row<'_>) -> rusqlite::Result<QueuedEmail> {
    Ok(QueuedEmail {
        id: r.get(0)?,
        kind: r.get(1)?,
        to_address: r.get(2)?,
        subject: r.get(3)?,
        status: r.get(4)?,
        ref_id: r.get(5)?,
        created_at: r.get(6)?,
        attempts: u32::try_from(r.get::<_, i64>(7)?).unwrap_or(0),
        last_error: r.get(8)?,
        sent_at: r.get(9)?,
    })
}

/// Emails not yet sent or given up, oldest first.
pub fn waiting(conn: &Connection) -> Result<Vec<QueuedEmail>> {
    let mut stmt = conn
        .prepare(&format!(
            "{SELECT} WHERE COALESCE(d.status, e.status) NOT IN ('sent', 'failed')
             ORDER BY e.created_at, e.id"
        ))
        .db()?;
    let rows = stmt.query_map([], queued_email).db()?;
    rows.collect::<rusqlite::Result<Vec<_>>>().db()
}

/// Every email of an order or refund (`ref_id`), or every email when `None`, oldest first.
pub fn list(conn: &Connection, ref_id: Option<&str>) -> Result<Vec<QueuedEmail>> {
    let mut stmt = conn
        .prepare(&format!(
            "{SELECT} WHERE ?1 IS NULL OR e.ref_id = ?1 ORDER BY e.created_at, e.id"
        ))
        .db()?;
    let rows = stmt.query_map([ref_id], queued_email).db()?;
    rows.collect::<rusqlite::Result<Vec<_>>>().db()
}

/// Where an email stands on the server, as the server tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: String,
    /// `queued`, `sending`, `sent` or `failed`.
    pub status: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub sent_at: Option<String>,
    /// When the server last changed it (RFC 3339): the newer word wins.
    pub updated_at: String,
}

/// Keeps what the server says of its emails, in one transaction (device-local: nothing
/// goes to the outbox). An answer older than the one held changes nothing; a status the
/// device does not know is `invalid_input` and nothing is kept.
pub fn record_deliveries(store: &mut crate::Store, list: &[Delivery]) -> Result<()> {
    if let Some(bad) = list
        .iter()
        .find(|d| !matches!(d.status.as_str(), "queued" | "sending" | "sent" | "failed"))
    {
        return Err(Error::invalid_input(format!(
            "the server says email {} is '{}', which is no email status",
            bad.id, bad.status
        )));
    }
    store.write(|tx| {
        for d in list {
            tx.exec(
                "INSERT INTO email_delivery (id, status, attempts, last_error, sent_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET status = excluded.status,
                     attempts = excluded.attempts, last_error = excluded.last_error,
                     sent_at = excluded.sent_at, updated_at = excluded.updated_at
                 WHERE excluded.updated_at >= email_delivery.updated_at",
                params![
                    d.id,
                    d.status,
                    d.attempts,
                    d.last_error,
                    d.sent_at,
                    d.updated_at
                ],
            )?;
        }
        Ok(())
    })
}

/// The newest change of the server's emails this device has heard of: it asks for what
/// changed from then on.
pub fn deliveries_heard_up_to(conn: &Connection) -> Result<Option<String>> {
    conn.query_row("SELECT MAX(updated_at) FROM email_delivery", [], |r| {
        r.get(0)
    })
    .db()
}
