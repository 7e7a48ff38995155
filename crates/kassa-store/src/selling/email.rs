//! Emails waiting for the server to send them: receipts now, confirmations later.

use crate::SqlResult;
use crate::foundation::ids::new_id;
use crate::foundation::write::{ChangeOp, WriteTx};
use crate::identity::staff::validate_email;
use kassa_domain::{Error, Result};
use rusqlite::{Connection, params};
use serde_json::json;

/// Queues an email; the server's outbox sends it when this device next syncs.
pub fn queue(
    tx: &mut WriteTx<'_>,
    kind: &str,
    to: &str,
    subject: &str,
    body_html: &str,
    ref_id: Option<&str>,
) -> Result<String> {
    let to = validate_email(to)?;
    if subject.trim().is_empty() || subject.chars().count() > 200 {
        return Err(Error::invalid_input(
            "an email needs a subject of at most 200 characters",
        ));
    }
    let id = new_id();
    let now = tx.now_ts();
    tx.exec(
        "INSERT INTO email_outbox (id, kind, to_address, subject, body_html, ref_id, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7)",
        params![id, kind, to, subject, body_html, ref_id, now],
    )?;
    tx.record_change(
        "email_outbox",
        &id,
        ChangeOp::Insert,
        &json!({"kind": kind, "to_address": to, "subject": subject, "body_html": body_html, "ref_id": ref_id, "status": "queued", "created_at": now}),
    )?;
    Ok(id)
}

/// An email in the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedEmail {
    pub id: String,
    pub kind: String,
    pub to_address: String,
    pub subject: String,
    pub status: String,
    pub ref_id: Option<String>,
    pub created_at: String,
}

/// Emails not yet sent, oldest first.
pub fn waiting(conn: &Connection) -> Result<Vec<QueuedEmail>> {
    let mut stmt = conn
        .prepare(
            "SELECT id, kind, to_address, subject, status, ref_id, created_at FROM email_outbox
             WHERE status <> 'sent' ORDER BY created_at",
        )
        .db()?;
    let rows = stmt
        .query_map([], |r| {
            Ok(QueuedEmail {
                id: r.get(0)?,
                kind: r.get(1)?,
                to_address: r.get(2)?,
                subject: r.get(3)?,
                status: r.get(4)?,
                ref_id: r.get(5)?,
                created_at: r.get(6)?,
            })
        })
        .db()?;
    rows.collect::<rusqlite::Result<Vec<_>>>().db()
}
