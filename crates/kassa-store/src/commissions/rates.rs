//! Setting and listing commission rates: a trip's (a column of `trips`, synced with the trip),
//! a person's as booking agent or as seller, and a category's (`commission_rates`, reference
//! data). Each change is audited and recorded for the other devices; the store's default for
//! agents is the setting `commissions.default_bp`.

use crate::SqlResult;
use crate::bookings::trips;
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use kassa_domain::commission::MAX_RATE_BP;
use kassa_domain::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

/// The outbox entity of a person's or category's rate.
pub const RATE_ENTITY: &str = "commission_rates";

/// What a rate is set on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateKind {
    /// A trip: its bookings' agents earn at it, before their own rate.
    Trip,
    /// A person as booking agent.
    Agent,
    /// A person as seller at the till.
    Seller,
    /// A category of products, for whoever sells them.
    Category,
}

impl RateKind {
    /// The kind as written (`trip`, `agent`, `seller`, `category`).
    pub fn as_str(self) -> &'static str {
        match self {
            RateKind::Trip => "trip",
            RateKind::Agent => "agent",
            RateKind::Seller => "seller",
            RateKind::Category => "category",
        }
    }

    /// Reads a kind.
    pub fn parse(s: &str) -> Result<RateKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "trip" => Ok(RateKind::Trip),
            "agent" => Ok(RateKind::Agent),
            "seller" => Ok(RateKind::Seller),
            "category" => Ok(RateKind::Category),
            other => Err(Error::invalid_input(format!(
                "'{other}' is not a commission rate's kind (trip, agent, seller or category)"
            ))),
        }
    }
}

/// A rate as set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rate {
    pub kind: RateKind,
    pub subject_id: String,
    /// The trip's, person's or category's name.
    pub name: String,
    pub rate_bp: u32,
}

/// The id and name of what `kind` names by `subject` (an id, or a trip code, an email, a
/// category name).
fn subject(conn: &Connection, kind: RateKind, subject: &str) -> Result<(String, String)> {
    let subject = subject.trim();
    let found: Option<(String, String)> = match kind {
        RateKind::Trip => {
            let t = trips::trip(conn, subject)?;
            Some((t.id, t.name))
        }
        RateKind::Agent | RateKind::Seller => conn
            .prepare_cached(
                "SELECT id, display_name FROM staff WHERE id = ?1 OR email = ?1 ORDER BY id = ?1 DESC LIMIT 1",
            )
            .db()?
            .query_row([subject], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .db()?,
        RateKind::Category => conn
            .prepare_cached(
                "SELECT id, name FROM categories WHERE id = ?1 OR name = ?1 COLLATE NOCASE
                 ORDER BY id = ?1 DESC, id LIMIT 1",
            )
            .db()?
            .query_row([subject], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .db()?,
    };
    found.ok_or_else(|| {
        Error::not_found(format!(
            "there is no {} '{subject}'",
            match kind {
                RateKind::Trip => "trip",
                RateKind::Agent | RateKind::Seller => "staff member",
                RateKind::Category => "category",
            }
        ))
    })
}

/// Sets (or with `None` clears) the rate of a trip, person or category; audited and recorded
/// for the other devices. Answers the rate now in force for it, if any.
pub fn set_rate(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    kind: RateKind,
    subject_ref: &str,
    rate_bp: Option<u32>,
) -> Result<Option<Rate>> {
    if let Some(r) = rate_bp
        && r > MAX_RATE_BP
    {
        return Err(Error::invalid_input(format!(
            "a commission rate is 0 to {MAX_RATE_BP} basis points (500 = 5 %), not {r}"
        )));
    }
    let (id, name) = subject(tx, kind, subject_ref)?;
    let now = tx.now_ts();
    let before: Option<u32> = match kind {
        RateKind::Trip => {
            let before: Option<u32> = tx
                .row(
                    "SELECT commission_bp FROM trips WHERE id = ?1",
                    [&id],
                    |r| r.get(0),
                )?
                .flatten();
            tx.exec(
                "UPDATE trips SET commission_bp = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, rate_bp, now],
            )?;
            tx.record_change(
                "trips",
                &id,
                ChangeOp::Upsert,
                &json!({"commission_bp": rate_bp}),
            )?;
            before
        }
        _ => {
            let key = format!("{}:{id}", kind.as_str());
            let before = super::rate_of(tx, kind.as_str(), &id)?;
            tx.exec(
                "INSERT INTO commission_rates (id, store_id, kind, subject_id, rate_bp, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
                 ON CONFLICT(id) DO UPDATE SET rate_bp = excluded.rate_bp, updated_at = excluded.updated_at",
                params![key, store_id, kind.as_str(), id, rate_bp, now],
            )?;
            tx.record_change(
                RATE_ENTITY,
                &key,
                ChangeOp::Upsert,
                &json!({"store_id": store_id, "kind": kind.as_str(), "subject_id": id, "rate_bp": rate_bp}),
            )?;
            before
        }
    };
    tx.audit(
        AuditInput::new("commission.rate_set")
            .by(actor_id)
            .on(kind.as_str(), &id)
            .before(json!({"rate_bp": before}))
            .after(json!({"rate_bp": rate_bp})),
    )?;
    Ok(rate_bp.map(|r| Rate {
        kind,
        subject_id: id,
        name,
        rate_bp: r,
    }))
}

/// Every rate in force: trips', then people's and categories', by kind and name.
pub fn rates(conn: &Connection) -> Result<Vec<Rate>> {
    let mut st = conn
        .prepare_cached(
            "SELECT 'trip', id, name, commission_bp FROM trips WHERE commission_bp IS NOT NULL
             UNION ALL
             SELECT r.kind, r.subject_id,
                    coalesce(CASE r.kind WHEN 'category' THEN (SELECT c.name FROM categories c WHERE c.id = r.subject_id)
                             ELSE (SELECT s.display_name FROM staff s WHERE s.id = r.subject_id) END, r.subject_id),
                    r.rate_bp
               FROM commission_rates r WHERE r.rate_bp IS NOT NULL
             ORDER BY 1, 3, 2",
        )
        .db()?;
    let rows: Vec<(String, String, String, u32)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    rows.into_iter()
        .map(|(k, id, name, bp)| {
            Ok(Rate {
                kind: RateKind::parse(&k)?,
                subject_id: id,
                name,
                rate_bp: bp,
            })
        })
        .collect()
}
