//! Selling as stored: carts, checkout, refunds, cash drawer shifts, Z reports, vouchers and
//! receipt emails waiting for the server.
//!
//! Checkout and refunds each run in one write transaction: the order or refund, its lines,
//! payments, stock movements, history event, audit entry and outbox entries commit together
//! or not at all.

pub(crate) mod apply;
pub mod card_findings;
pub mod card_refunds;
pub mod cards;
pub mod cart;
pub mod catalog_port;
pub mod checkout;
pub mod drawer;
pub mod email;
pub mod invitation_email;
pub mod order;
pub mod refund;
pub mod series;
pub mod shift;
pub mod voucher;
pub mod zreport;

use crate::SqlResult;
use crate::foundation::business_day::BusinessDay;
use chrono::{DateTime, NaiveDate, Utc};
use kassa_domain::{Error, Result};
use rusqlite::Connection;

/// The business date of a moment for this device's store: its date in the store's time zone,
/// or the day before when it is before the store's cut-off (`foundation::business_day`).
pub fn business_date(conn: &Connection, t: DateTime<Utc>) -> Result<String> {
    Ok(BusinessDay::of_this_store(conn)?.date_text(t))
}

/// The business day a sale or refund made now on this device belongs to: today's business
/// date, or, once today was closed with a Z report, the day after the last closed one. One Z
/// report closes one business day; what is sold after it counts for the next.
pub fn open_business_date(
    conn: &Connection,
    device_id: &str,
    now: DateTime<Utc>,
) -> Result<String> {
    let today = business_date(conn, now)?;
    let last: Option<String> = conn
        .query_row(
            "SELECT max(business_date) FROM z_reports WHERE device_id = ?1",
            [device_id],
            |r| r.get(0),
        )
        .db()?;
    match last {
        Some(closed) if closed >= today => {
            let day = NaiveDate::parse_from_str(&closed, "%Y-%m-%d")
                .map_err(|_| Error::internal(format!("a Z report has the date '{closed}'")))?;
            let next = day
                .succ_opt()
                .ok_or_else(|| Error::internal("no day follows the last Z report"))?;
            Ok(next.format("%Y-%m-%d").to_string())
        }
        _ => Ok(today),
    }
}

/// An amount as people read it, in the store's currency: `1234` in EUR is `12.34`.
pub(crate) fn money_text(conn: &Connection, store_id: &str, minor: i64) -> Result<String> {
    let code: String = conn
        .query_row(
            "SELECT currency FROM stores WHERE id = ?1",
            [store_id],
            |r| r.get(0),
        )
        .db()?;
    let currency = kassa_domain::money::Currency::from_code(&code)?;
    Ok(kassa_domain::money::format_minor(
        minor,
        currency.exponent(),
    ))
}
