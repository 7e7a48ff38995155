//! This device's number series. Each device counts on its own, so offline devices never hand
//! out the same number: the store and device codes make numbers unique across the chain.

use crate::SqlResult;
use crate::foundation::write::WriteTx;
use kassa_domain::{Error, Result};
use rusqlite::params;

/// A series of numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    Sale,
    Refund,
    Z,
    Shift,
}

impl Series {
    fn as_str(self) -> &'static str {
        match self {
            Series::Sale => "sale",
            Series::Refund => "refund",
            Series::Z => "z",
            Series::Shift => "shift",
        }
    }
}

/// The next number of `series` on this device; counted in the caller's transaction, so a
/// rolled-back sale gives its number back.
pub fn next(tx: &mut WriteTx<'_>, series: Series) -> Result<u64> {
    let device_id = tx.device_id()?.to_string();
    let n: i64 = tx
        .prepare_cached(
            "INSERT INTO number_series (device_id, series, last) VALUES (?1, ?2, 1)
             ON CONFLICT(device_id, series) DO UPDATE SET last = last + 1 RETURNING last",
        )
        .db()?
        .query_row(params![device_id, series.as_str()], |r| r.get(0))
        .db()?;
    u64::try_from(n).map_err(|_| Error::internal("number series overflow"))
}

/// The store and device codes that prefix this device's numbers.
pub fn codes(tx: &WriteTx<'_>) -> Result<(String, String)> {
    tx.prepare_cached("SELECT s.code, d.code FROM device d JOIN stores s ON s.id = d.store_id")
        .db()?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .db()
}
