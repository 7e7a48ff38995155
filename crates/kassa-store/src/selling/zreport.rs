//! Z reports: a day's close for this device. The figures come from the orders, refunds and
//! payments of the period; once closed, a Z report is frozen (triggers refuse changes, and the
//! hash of its figures shows any change made around them).

use super::series;
use crate::SqlResult;
use crate::foundation::ids::new_id;
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use kassa_domain::{Error, ErrorCode, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Tax collected at one rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxFigure {
    pub rate_bp: u32,
    pub net_minor: i64,
    pub tax_minor: i64,
    pub gross_minor: i64,
}

/// What a period took.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub orders: i64,
    /// What customers paid, cash rounding included.
    pub gross_minor: i64,
    pub discount_minor: i64,
    pub tax_minor: i64,
    pub rounding_minor: i64,
    pub refunds: i64,
    pub refunds_minor: i64,
    pub refunds_tax_minor: i64,
    pub voids: i64,
    /// Times the drawer was opened outside a cash sale.
    pub drawer_opens: i64,
    /// Sales by tender: `cash`, `card`, `voucher`.
    pub by_tender: BTreeMap<String, i64>,
    /// Refunds by tender.
    pub refunds_by_tender: BTreeMap<String, i64>,
    pub by_tax: Vec<TaxFigure>,
    /// Money taken for bookings (deposits, balances) by tender, and refunded on their
    /// cancellation: not sales, but in the drawer.
    pub bookings_by_tender: BTreeMap<String, i64>,
    pub booking_refunds_by_tender: BTreeMap<String, i64>,
    /// Card payments of the period's sales the card provider declined after the sale: what
    /// those sales still owe.
    pub card_declined_minor: i64,
}

impl Figures {
    /// Sales less refunds.
    pub fn net_sales_minor(&self) -> i64 {
        self.gross_minor - self.refunds_minor
    }

    /// The figures as stored in a closed Z report.
    pub fn to_json(&self) -> Value {
        json!({
            "orders": self.orders, "gross_minor": self.gross_minor, "discount_minor": self.discount_minor,
            "tax_minor": self.tax_minor, "rounding_minor": self.rounding_minor, "refunds": self.refunds,
            "refunds_minor": self.refunds_minor, "refunds_tax_minor": self.refunds_tax_minor, "voids": self.voids,
            "drawer_opens": self.drawer_opens,
            "by_tender": self.by_tender, "refunds_by_tender": self.refunds_by_tender,
            "bookings_by_tender": self.bookings_by_tender,
            "booking_refunds_by_tender": self.booking_refunds_by_tender,
            "card_declined_minor": self.card_declined_minor,
            "by_tax": self.by_tax.iter().map(|t| json!({"rate_bp": t.rate_bp, "net_minor": t.net_minor, "tax_minor": t.tax_minor, "gross_minor": t.gross_minor})).collect::<Vec<_>>(),
        })
    }

    /// The figures of a stored Z report.
    pub fn from_json(v: &Value) -> Result<Figures> {
        let bad = || Error::new(ErrorCode::Storage, "a stored Z report is damaged");
        let int = |k: &str| v.get(k).and_then(Value::as_i64).ok_or_else(bad);
        let map = |k: &str| -> Result<BTreeMap<String, i64>> {
            v.get(k)
                .and_then(Value::as_object)
                .ok_or_else(bad)?
                .iter()
                .map(|(k, x)| Ok((k.clone(), x.as_i64().ok_or_else(bad)?)))
                .collect()
        };
        let by_tax = v
            .get("by_tax")
            .and_then(Value::as_array)
            .ok_or_else(bad)?
            .iter()
            .map(|t| {
                let g = |k: &str| t.get(k).and_then(Value::as_i64).ok_or_else(bad);
                Ok(TaxFigure {
                    rate_bp: u32::try_from(g("rate_bp")?).map_err(|_| bad())?,
                    net_minor: g("net_minor")?,
                    tax_minor: g("tax_minor")?,
                    gross_minor: g("gross_minor")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Figures {
            orders: int("orders")?,
            gross_minor: int("gross_minor")?,
            discount_minor: int("discount_minor")?,
            tax_minor: int("tax_minor")?,
            rounding_minor: int("rounding_minor")?,
            refunds: int("refunds")?,
            refunds_minor: int("refunds_minor")?,
            refunds_tax_minor: int("refunds_tax_minor")?,
            voids: int("voids")?,
            // Reports closed before drawer openings were counted have none.
            drawer_opens: v
                .get("drawer_opens")
                .map_or(Ok(0), |x| x.as_i64().ok_or_else(bad))?,
            by_tender: map("by_tender")?,
            refunds_by_tender: map("refunds_by_tender")?,
            by_tax,
            // Reports closed before bookings took money have none.
            bookings_by_tender: if v.get("bookings_by_tender").is_some() {
                map("bookings_by_tender")?
            } else {
                BTreeMap::new()
            },
            booking_refunds_by_tender: if v.get("booking_refunds_by_tender").is_some() {
                map("booking_refunds_by_tender")?
            } else {
                BTreeMap::new()
            },
            // Reports closed before card outcomes were recorded have none.
            card_declined_minor: v
                .get("card_declined_minor")
                .map_or(Ok(0), |x| x.as_i64().ok_or_else(bad))?,
        })
    }
}

/// Which orders and refunds a report covers.
enum Scope<'a> {
    /// The sales and refunds booked on one business day.
    Day(&'a str),
    /// The business days after the first (the last one closed; empty when none was) up to and
    /// including the second: what a Z report closes, so no sale is left out of every report.
    Days(&'a str, &'a str),
}

fn figures(conn: &Connection, device_id: &str, scope: Scope<'_>) -> Result<Figures> {
    let (cond, a, b) = match scope {
        Scope::Day(date) => (
            "o.device_id = ?1 AND o.business_date = ?2 AND ?3 IS NULL",
            date,
            None,
        ),
        Scope::Days(after, through) => (
            "o.device_id = ?1 AND o.business_date > ?2 AND o.business_date <= ?3",
            after,
            Some(through),
        ),
    };
    let mut f = Figures::default();
    (f.orders, f.gross_minor, f.discount_minor, f.tax_minor, f.rounding_minor) = conn
        .query_row(
            &format!(
                "SELECT count(*), coalesce(sum(total_minor + rounding_minor), 0), coalesce(sum(discount_minor), 0),
                        coalesce(sum(tax_minor), 0), coalesce(sum(rounding_minor), 0)
                 FROM orders o WHERE {cond}"
            ),
            params![device_id, a, b],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .db()?;
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT p.kind, sum(p.amount_minor) FROM payments p JOIN orders o ON o.id = p.order_id WHERE {cond} GROUP BY p.kind"
        ))
        .db()?;
    f.by_tender = stmt
        .query_map(params![device_id, a, b], |r| Ok((r.get(0)?, r.get(1)?)))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT t.rate_bp, sum(t.net_minor), sum(t.tax_minor), sum(t.gross_minor)
             FROM order_taxes t JOIN orders o ON o.id = t.order_id WHERE {cond} GROUP BY t.rate_bp ORDER BY t.rate_bp"
        ))
        .db()?;
    f.by_tax = stmt
        .query_map(params![device_id, a, b], |r| {
            Ok(TaxFigure {
                rate_bp: u32::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                net_minor: r.get(1)?,
                tax_minor: r.get(2)?,
                gross_minor: r.get(3)?,
            })
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    let rcond = cond.replace("o.", "x.");
    (f.refunds, f.refunds_minor, f.refunds_tax_minor, f.voids) = conn
        .query_row(
            &format!(
                "SELECT count(*), coalesce(sum(amount_minor + rounding_minor), 0), coalesce(sum(tax_minor), 0),
                        coalesce(sum(kind = 'void'), 0)
                 FROM refunds x WHERE {rcond}"
            ),
            params![device_id, a, b],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .db()?;
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT rp.kind, sum(rp.amount_minor) FROM refund_payments rp JOIN refunds x ON x.id = rp.refund_id
             WHERE {rcond} GROUP BY rp.kind"
        ))
        .db()?;
    f.refunds_by_tender = stmt
        .query_map(params![device_id, a, b], |r| Ok((r.get(0)?, r.get(1)?)))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    f.card_declined_minor = conn
        .query_row(
            &format!(
                "SELECT coalesce(sum(po.amount_minor), 0) FROM payment_outcomes po JOIN orders o ON o.id = po.order_id
                 WHERE {cond} AND po.status = 'declined'"
            ),
            params![device_id, a, b],
            |r| r.get(0),
        )
        .db()?;
    f.drawer_opens = conn
        .query_row(
            &format!("SELECT count(*) FROM drawer_opens x WHERE {rcond} AND x.kind <> 'sale'"),
            params![device_id, a, b],
            |r| r.get(0),
        )
        .db()?;
    // Bookings' payments on this device (the `bookings` area writes them).
    for (direction, into) in [
        ("payment", &mut f.bookings_by_tender),
        ("refund", &mut f.booking_refunds_by_tender),
    ] {
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT x.kind, sum(x.amount_minor) FROM booking_payments x
                  WHERE {rcond} AND x.direction = ?4 GROUP BY x.kind"
            ))
            .db()?;
        *into = stmt
            .query_map(params![device_id, a, b, direction], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()?;
    }
    Ok(f)
}

/// The figures of business date `date` (YYYY-MM-DD) on this device: the sales and refunds
/// booked on that business day.
pub fn figures_for_date(conn: &Connection, device_id: &str, date: &str) -> Result<Figures> {
    let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map_err(|_| Error::invalid_input(format!("'{date}' is not a date (YYYY-MM-DD)")))?
        .format("%Y-%m-%d")
        .to_string();
    figures(conn, device_id, Scope::Day(&day))
}

/// A closed Z report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZReport {
    pub id: String,
    pub number: i64,
    pub period_start: String,
    pub period_end: String,
    pub business_date: String,
    pub figures: Figures,
    /// Whether the stored figures still match the hash written with them.
    pub intact: bool,
    pub closed_by: String,
    pub created_at: String,
}

fn hash_figures(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(ZReport, String, String)> {
    Ok((
        ZReport {
            id: r.get(0)?,
            number: r.get(1)?,
            period_start: r.get(2)?,
            period_end: r.get(3)?,
            business_date: r.get(4)?,
            figures: Figures::default(),
            intact: false,
            closed_by: r.get(7)?,
            created_at: r.get(8)?,
        },
        r.get(5)?,
        r.get(6)?,
    ))
}

fn finish((mut z, text, hash): (ZReport, String, String)) -> Result<ZReport> {
    z.intact = hash_figures(&text) == hash;
    let v: Value = serde_json::from_str(&text)
        .map_err(|_| Error::new(ErrorCode::Storage, "a stored Z report is damaged"))?;
    z.figures = Figures::from_json(&v)?;
    Ok(z)
}

const COLS: &str = "id, number, period_start, period_end, business_date, figures, figures_hash, closed_by, created_at";

/// Closed Z reports of this device, newest first.
pub fn list(conn: &Connection, device_id: &str, limit: u32) -> Result<Vec<ZReport>> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {COLS} FROM z_reports WHERE device_id = ?1 ORDER BY number DESC LIMIT ?2"
        ))
        .db()?;
    let rows = stmt
        .query_map(params![device_id, limit], from_row)
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    rows.into_iter().map(finish).collect()
}

/// The Z report that closed business day `date` on this device, if it was closed.
pub fn for_date(conn: &Connection, device_id: &str, date: &str) -> Result<Option<ZReport>> {
    let row = conn
        .query_row(
            &format!("SELECT {COLS} FROM z_reports WHERE device_id = ?1 AND business_date = ?2 ORDER BY number LIMIT 1"),
            params![device_id, date],
            from_row,
        )
        .optional()
        .db()?;
    row.map(finish).transpose()
}

/// The Z report with `number` on this device.
pub fn get(conn: &Connection, device_id: &str, number: i64) -> Result<ZReport> {
    let row = conn
        .query_row(
            &format!("SELECT {COLS} FROM z_reports WHERE device_id = ?1 AND number = ?2"),
            params![device_id, number],
            from_row,
        )
        .optional()
        .db()?
        .ok_or_else(|| Error::not_found(format!("there is no Z report {number} on this device")))?;
    finish(row)
}

/// Closes the business day: freezes the figures of everything since the last Z report. The
/// till's shift must be closed first, so the drawer was counted. One Z report per business day:
/// once today is closed, what is sold counts for the next day, closed by that day's report.
pub fn close(tx: &mut WriteTx<'_>, staff_id: &str) -> Result<ZReport> {
    let device_id = tx.device_id()?.to_string();
    let today = super::business_date(tx, tx.now())?;
    let day = super::open_business_date(tx, &device_id, tx.now())?;
    if day > today {
        let closed = for_date(tx, &device_id, &today)?;
        return Err(Error::new(
            ErrorCode::Conflict,
            format!(
                "{today} is already closed (Z report {}); what is sold from now on counts for {day} and is closed with its Z report",
                closed.map_or_else(|| "of this day".to_string(), |z| z.number.to_string())
            ),
        ));
    }
    if let Some(s) = super::shift::open_shift(tx, &device_id)? {
        return Err(Error::new(
            ErrorCode::Conflict,
            format!(
                "shift {} is still open; count and close the drawer first",
                s.number
            ),
        ));
    }
    let start: String = match tx
        .query_row(
            "SELECT period_end FROM z_reports WHERE device_id = ?1 ORDER BY number DESC LIMIT 1",
            [&device_id],
            |r| r.get(0),
        )
        .optional()
        .db()?
    {
        Some(end) => end,
        None => tx
            .query_row("SELECT created_at FROM device", [], |r| r.get(0))
            .db()?,
    };
    let end = tx.now_ts();
    if end <= start {
        return Err(Error::new(
            ErrorCode::Conflict,
            "the device clock is behind the last Z report; fix the time first",
        ));
    }
    let last_closed: String = tx
        .query_row(
            "SELECT coalesce(max(business_date), '') FROM z_reports WHERE device_id = ?1",
            [&device_id],
            |r| r.get(0),
        )
        .db()?;
    let f = figures(tx, &device_id, Scope::Days(&last_closed, &day))?;
    let number = series::next(tx, series::Series::Z)? as i64;
    let id = new_id();
    let store_id: String = tx
        .query_row("SELECT store_id FROM device", [], |r| r.get(0))
        .db()?;
    let text = f.to_json().to_string();
    let hash = hash_figures(&text);
    tx.exec(
        "INSERT INTO z_reports (id, store_id, device_id, number, period_start, period_end, business_date, figures, figures_hash, closed_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![id, store_id, device_id, number, start, end, day, text, hash, staff_id, end],
    )?;
    tx.record_change(
        "z_reports",
        &id,
        ChangeOp::Insert,
        &json!({"store_id": store_id, "device_id": device_id, "number": number, "period_start": start, "period_end": end,
                "business_date": day, "figures": f.to_json(), "figures_text": text, "figures_hash": hash, "closed_by": staff_id,
                "created_at": end}),
    )?;
    tx.audit(
        AuditInput::new("z_report.closed")
            .by(staff_id)
            .on("z_report", &id)
            .after(json!({"number": number, "orders": f.orders, "gross_minor": f.gross_minor, "figures_hash": hash})),
    )?;
    get(tx, &device_id, number)
}
