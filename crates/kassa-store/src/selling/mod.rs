//! Selling as stored: carts, checkout, refunds, cash drawer shifts, Z reports, vouchers and
//! receipt emails waiting for the server.
//!
//! Checkout and refunds each run in one write transaction: the order or refund, its lines,
//! payments, stock movements, history event, audit entry and outbox entries commit together
//! or not at all.

pub mod cart;
pub mod catalog_port;
pub mod checkout;
pub mod email;
pub mod order;
pub mod refund;
pub mod series;
pub mod shift;
pub mod voucher;
pub mod zreport;

use chrono::{DateTime, Local, Utc};

/// The business date of a moment: the device's local calendar date.
pub fn business_date(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d").to_string()
}
