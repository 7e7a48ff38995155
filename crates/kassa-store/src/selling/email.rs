//! Emails waiting for the server to send them: receipts and booking confirmations.

use crate::SqlResult;
use crate::foundation::ids::new_id;
use crate::foundation::write::{ChangeOp, WriteTx};
use crate::identity::staff::validate_email;
use kassa_domain::{Error, Result};
use rusqlite::{Connection, params};
use serde_json::json;

/// A document an email carries, as JSON, from which the server renders the PDF it attaches
/// with the same documents crate as the device.
#[derive(Debug, Clone, Copy)]
pub enum Attachment<'a> {
    /// `kassa_documents::Receipt`; kept with the email here too (`receipt_json`).
    Receipt(&'a serde_json::Value),
    /// `kassa_documents::booking::BookingConfirmation`.
    BookingConfirmation(&'a serde_json::Value),
}

/// Queues an email; the server's outbox sends it when this device next syncs, with the PDF
/// of the document it carries, if any.
pub fn queue(
    tx: &mut WriteTx<'_>,
    kind: &str,
    to: &str,
    subject: &str,
    body_html: &str,
    ref_id: Option<&str>,
    attachment: Option<Attachment<'_>>,
) -> Result<String> {
    let to = validate_email(to)?;
    if subject.trim().is_empty() || subject.chars().count() > 200 {
        return Err(Error::invalid_input(
            "an email needs a subject of at most 200 characters",
        ));
    }
    let id = new_id();
    let now = tx.now_ts();
    let (receipt, booking) = match attachment {
        Some(Attachment::Receipt(v)) => (Some(v), None),
        Some(Attachment::BookingConfirmation(v)) => (None, Some(v)),
        None => (None, None),
    };
    let receipt_json = receipt.map(serde_json::Value::to_string);
    tx.exec(
        "INSERT INTO email_outbox (id, kind, to_address, subject, body_html, ref_id, status, created_at, receipt_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?8)",
        params![id, kind, to, subject, body_html, ref_id, now, receipt_json],
    )?;
    let mut payload = json!({"kind": kind, "to_address": to, "subject": subject, "body_html": body_html, "ref_id": ref_id, "status": "queued", "created_at": now, "receipt": receipt});
    if let Some(doc) = booking {
        payload["booking_confirmation"] = doc.clone();
    }
    tx.record_change("email_outbox", &id, ChangeOp::Insert, &payload)?;
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
    /// The server has told this device of it: it holds the email (else it still waits here
    /// for the next sync).
    pub on_server: bool,
}

const SELECT: &str = "SELECT e.id, e.kind, e.to_address, e.subject, COALESCE(d.status, e.status),
        e.ref_id, e.created_at, COALESCE(d.attempts, 0), d.last_error, d.sent_at,
        d.id IS NOT NULL
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
        on_server: r.get(10)?,
    })
}

/// Which emails [`recent`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailFilter {
    All,
    /// Not sent yet and not given up: waiting here or at the server.
    Waiting,
    Sent,
    Failed,
}

impl EmailFilter {
    /// `all`, `waiting`, `sent` or `failed`; anything else is `invalid_input`.
    pub fn parse(s: &str) -> Result<EmailFilter> {
        match s {
            "all" => Ok(EmailFilter::All),
            "waiting" => Ok(EmailFilter::Waiting),
            "sent" => Ok(EmailFilter::Sent),
            "failed" => Ok(EmailFilter::Failed),
            other => Err(Error::invalid_input(format!(
                "'{other}' is no email filter: all, waiting, sent or failed"
            ))),
        }
    }
}

/// How many emails are waiting, sent and failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmailCounts {
    pub waiting: i64,
    pub sent: i64,
    pub failed: i64,
}

/// The newest `limit` emails matching `filter`, newest first, and the counts of all.
pub fn recent(
    conn: &Connection,
    filter: EmailFilter,
    limit: u32,
) -> Result<(Vec<QueuedEmail>, EmailCounts)> {
    let status = "COALESCE(d.status, e.status)";
    let cond = match filter {
        EmailFilter::All => "1 = 1".to_string(),
        EmailFilter::Waiting => format!("{status} NOT IN ('sent', 'failed')"),
        EmailFilter::Sent => format!("{status} = 'sent'"),
        EmailFilter::Failed => format!("{status} = 'failed'"),
    };
    let mut stmt = conn
        .prepare(&format!(
            "{SELECT} WHERE {cond} ORDER BY e.created_at DESC, e.id DESC LIMIT ?1"
        ))
        .db()?;
    let list = stmt
        .query_map([limit], queued_email)
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    let counts = conn
        .query_row(
            &format!(
                "SELECT COALESCE(SUM({status} NOT IN ('sent', 'failed')), 0),
                        COALESCE(SUM({status} = 'sent'), 0), COALESCE(SUM({status} = 'failed'), 0)
                 FROM email_outbox e LEFT JOIN email_delivery d ON d.id = e.id"
            ),
            [],
            |r| {
                Ok(EmailCounts {
                    waiting: r.get(0)?,
                    sent: r.get(1)?,
                    failed: r.get(2)?,
                })
            },
        )
        .db()?;
    Ok((list, counts))
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

/// Whether an email of `kind` was ever queued for `ref_id` (here or on a device whose emails
/// arrived by sync).
pub fn queued_for(conn: &Connection, kind: &str, ref_id: &str) -> Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM email_outbox WHERE kind = ?1 AND ref_id = ?2)",
    )
    .db()?
    .query_row([kind, ref_id], |r| r.get(0))
    .db()
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
