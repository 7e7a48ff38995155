//! What the server found about the store's card payments (`GET /api/v1/payments/findings`):
//! the fixes reconciliation with the card provider made and the payments kept for a manager's
//! review, kept here as last heard (`card_findings`, device-local, replaced whole) so the list
//! shows offline too.
//!
//! A finding that leaves something to review (`amount_differs`: the provider holds another
//! amount; `offline_limits_broken`) about a card payment this device holds opens the
//! manager's `card_review` task here, under the same id on every device that hears it, so a
//! decision taken on one closes it on all.

use super::cards::{OUTCOME_ENTITY, REVIEW_TASK, review_detail_for};
use crate::foundation::apply::conflict_id;
use crate::{SqlResult, Store, parse_ts};
use chrono::{DateTime, Duration, Utc};
use kassa_domain::Result;
use rusqlite::{Connection, OptionalExtension, params};

/// How old the kept list may be before a sync asks the server again.
pub const REFRESH_AFTER: Duration = Duration::minutes(10);

/// One finding, as the server tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub at: String,
    /// `recorded`, `status_reconciled`, `amount_differs` or `offline_limits_broken`.
    pub finding: String,
    pub payment_id: String,
    pub order_id: String,
    pub intent_id: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub review: Option<String>,
}

/// The findings as last heard, newest first, and when they were heard (`None`: never).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heard {
    pub findings: Vec<Finding>,
    pub heard_at: Option<String>,
}

/// What a manager is asked to do about a finding of `kind`.
fn what(kind: &str) -> &'static str {
    match kind {
        "amount_differs" => {
            "the card provider holds another amount for this card payment than the sale recorded: check it with the provider and the customer"
        }
        _ => {
            "this card was taken offline beyond the store's offline card limits; the server charged it all the same: check the till's settings and who took it"
        }
    }
}

/// Keeps `findings` (newest first, as the server answered) in place of the list held, in one
/// transaction, and opens a `card_review` task for each finding to review about a card
/// payment this device holds. Answers how many tasks were opened.
pub fn replace(store: &mut Store, findings: &[Finding]) -> Result<u64> {
    store.write(|tx| {
        let heard_at = tx.now_ts();
        let device_id = tx.device_id()?.to_owned();
        tx.exec("DELETE FROM card_findings", [])?;
        tx.exec(
            "UPDATE sync_state SET findings_heard_at = ?1",
            [&heard_at],
        )?;
        let mut opened = 0;
        for f in findings {
            tx.exec(
                "INSERT OR IGNORE INTO card_findings (at, finding, payment_id, order_id, intent_id,
                    amount_minor, currency, status, review, heard_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    f.at,
                    f.finding,
                    f.payment_id,
                    f.order_id,
                    f.intent_id,
                    f.amount_minor,
                    f.currency,
                    f.status,
                    f.review,
                    heard_at
                ],
            )?;
            let Some(review) = f.review.as_deref() else {
                continue;
            };
            let held = tx
                .row(
                    "SELECT 1 FROM payments WHERE id = ?1 AND kind = 'card'",
                    [&f.payment_id],
                    |_| Ok(()),
                )?
                .is_some();
            if !held {
                continue;
            }
            let id = conflict_id(REVIEW_TASK, OUTCOME_ENTITY, &f.payment_id);
            let detail = review_detail_for(tx, &f.payment_id, review, what(&f.finding))?;
            opened += tx.exec(
                "INSERT INTO conflicts (id, kind, entity, entity_id, detail, change_id, hlc, device_id, created_at)
                 SELECT ?1, ?2, ?3, ?4, ?5, '', 0, ?6, ?7 WHERE NOT EXISTS (SELECT 1 FROM conflicts WHERE id = ?1)",
                params![id, REVIEW_TASK, OUTCOME_ENTITY, f.payment_id, detail.to_string(), device_id, heard_at],
            )? as u64;
        }
        Ok(opened)
    })
}

/// The findings as last heard, newest first.
pub fn list(conn: &Connection) -> Result<Heard> {
    let mut st = conn
        .prepare(
            "SELECT at, finding, payment_id, order_id, intent_id, amount_minor, currency, status,
                    review
             FROM card_findings ORDER BY at DESC, payment_id, finding",
        )
        .db()?;
    let findings = st
        .query_map([], |r| {
            Ok(Finding {
                at: r.get(0)?,
                finding: r.get(1)?,
                payment_id: r.get(2)?,
                order_id: r.get(3)?,
                intent_id: r.get(4)?,
                amount_minor: r.get(5)?,
                currency: r.get(6)?,
                status: r.get(7)?,
                review: r.get(8)?,
            })
        })
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    let heard_at = list_heard_at(conn)?;
    Ok(Heard { findings, heard_at })
}

/// Whether the list is older than [`REFRESH_AFTER`] at `now`, or was never heard.
pub fn stale(conn: &Connection, now: DateTime<Utc>) -> Result<bool> {
    Ok(match list_heard_at(conn)? {
        None => true,
        Some(at) => now - parse_ts(&at)? >= REFRESH_AFTER,
    })
}

fn list_heard_at(conn: &Connection) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT findings_heard_at FROM sync_state", [], |r| {
            r.get::<_, Option<String>>(0)
        })
        .optional()
        .db()?
        .flatten())
}
