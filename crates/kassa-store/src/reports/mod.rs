//! Reports for managers, computed from the local database, so they work offline on what this
//! device holds (its own sales and every other device's synced so far). Sales are counted by
//! business date (the day each sale and refund was booked on, with the store's time zone and
//! cut-off), store-wide; for one business day the totals are the sum of the devices' Z
//! reports. Every query of the reports lives here, beside its tests in `tests/reports.rs`.
//!
//! - `sales`: a period's sales grouped by product, category, staff, tender, customer, device,
//!   hour, day, week or month, with the period's totals; cost and margin only when asked.
//! - `stock`: stock on hand and its value at cost per location, low stock, slow movers.
//! - `staff`: each person's sales, refunds, voids, discounts and drawer openings, and every
//!   override with who approved it.
//! - `bookings`: bookings made by status, money taken for them (deposits, balances, by
//!   tender) and refunded, cancellations with their fees, balances due, seats per departure,
//!   totals per trip and per person.
//! - `cards`: card payments by status and brand, the pending ones with their age, the
//!   declined ones with the customer's contact, and the offline exposure against its limit.
//!
//! Reports read every area's tables and write nothing; no area depends on them.

pub mod bookings;
pub mod cards;
pub mod sales;
pub mod staff;
pub mod stock;

use chrono::NaiveDate;
use kassa_domain::{Error, Result};

/// The longest period a report covers, in days (ten years).
pub const MAX_PERIOD_DAYS: i64 = 3660;

/// Business dates from `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// A period from two dates written `YYYY-MM-DD`; `to` not before `from`, at most
    /// [`MAX_PERIOD_DAYS`] long.
    pub fn parse(from: &str, to: &str) -> Result<Period> {
        let date = |s: &str, what: &str| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
                Error::invalid_input(format!("'{s}' is not a date for {what} (YYYY-MM-DD)"))
            })
        };
        Period::new(date(from, "--from")?, date(to, "--to")?)
    }

    /// A period; `to` not before `from`, at most [`MAX_PERIOD_DAYS`] long.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period> {
        if to < from {
            return Err(Error::invalid_input(format!(
                "the period ends ({to}) before it starts ({from})"
            )));
        }
        if (to - from).num_days() >= MAX_PERIOD_DAYS {
            return Err(Error::invalid_input(format!(
                "a report covers at most {MAX_PERIOD_DAYS} days"
            )));
        }
        Ok(Period { from, to })
    }

    /// The first date as stored (`YYYY-MM-DD`).
    pub fn from_text(&self) -> String {
        self.from.format("%Y-%m-%d").to_string()
    }

    /// The last date as stored (`YYYY-MM-DD`).
    pub fn to_text(&self) -> String {
        self.to.format("%Y-%m-%d").to_string()
    }
}
