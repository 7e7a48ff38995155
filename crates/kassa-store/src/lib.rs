//! Kassa's local store: one SQLite file per device.
//!
//! Five areas, each a folder with its own tests: `foundation` (the file, the write path,
//! outbox, audit, keys, settings, the device), `identity` (staff, sign-in, approvals,
//! sessions), `catalog` (products, categories, tax classes, search, stock, catalog CSV) with
//! `customers`, `selling` (cart, checkout, orders, refunds, shifts, Z reports, vouchers) and
//! `bookings` (trips, departures and their seats, bookings, the waitlist), and
//! `commissions` (rates and the ledger of what agents and sellers earn).
//! Areas depend on `foundation`; `selling` reads the catalog only through
//! `selling::catalog_port`; nothing but `bookings` depends on `selling`.
//!
//! Every write goes through [`Store::write`], whose [`WriteTx`] appends the
//! sync outbox entry and the audit entry in the same transaction as the
//! change, so a change, its record for the server and its audit trail commit
//! together or not at all.

pub mod bookings;
pub mod catalog;
pub mod commissions;
pub mod customers;
pub mod foundation;
pub mod identity;
pub mod reports;
pub mod selling;

pub use foundation::clock::{Clock, FixedClock, SystemClock};
pub use foundation::db::{OutboxListener, SCHEMA_VERSION, Store};
pub use foundation::keys::{DeviceKey, KeySource, StoreKey, StoreKeySource, install_store_key};
pub use foundation::write::{AuditInput, ChangeOp, WriteTx};

pub use kassa_domain::{Error, ErrorCode, Result};
/// The SQLite connection type, for readers that take one.
pub use rusqlite::Connection;

/// Formats a time the way every column stores it: RFC 3339, UTC, milliseconds.
pub fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Parses a stored time.
pub fn parse_ts(s: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| {
            Error::new(
                ErrorCode::Storage,
                format!("stored time '{s}' is not RFC 3339"),
            )
        })
}

/// Maps an SQLite failure to a `storage` error; constraint failures to `conflict`.
pub(crate) fn sql_err(e: rusqlite::Error) -> Error {
    if let rusqlite::Error::SqliteFailure(f, msg) = &e {
        if let Some(field) = msg
            .as_deref()
            .and_then(|m| m.strip_prefix(foundation::card_guard::REFUSED))
        {
            return Error::invalid_input(format!(
                "{field} looks like it holds a card number; card numbers are never stored \
                 (keep only the last four digits)"
            ));
        }
        if f.code == rusqlite::ErrorCode::ConstraintViolation {
            return Error::new(
                ErrorCode::Conflict,
                format!(
                    "the change conflicts with existing data ({})",
                    msg.as_deref().unwrap_or("constraint")
                ),
            );
        }
        if f.code == rusqlite::ErrorCode::DatabaseBusy
            || f.code == rusqlite::ErrorCode::DatabaseLocked
        {
            return Error::new(ErrorCode::Storage, "the database is busy; try again");
        }
    }
    Error::new(ErrorCode::Storage, format!("local database error: {e}"))
}

/// `?`-friendly conversion for rusqlite results.
pub(crate) trait SqlResult<T> {
    fn db(self) -> Result<T>;
}

impl<T> SqlResult<T> for rusqlite::Result<T> {
    fn db(self) -> Result<T> {
        self.map_err(sql_err)
    }
}
