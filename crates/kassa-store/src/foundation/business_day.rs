//! The store's business day as this device computes it: the store's time zone
//! (`store.time_zone`, empty for the device's own) and cut-off (`store.day_cutoff`), with the
//! rule itself in `kassa_domain::business_day`. Sales, refunds, drawer openings, Z reports and
//! the reports' hours all read the day and the wall clock from here.

use crate::SqlResult;
use crate::foundation::settings;
use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, Timelike, Utc};
use kassa_domain::business_day::{date_of, parse_cutoff};
use kassa_domain::settings::{STORE_DAY_CUTOFF, STORE_TIME_ZONE};
use kassa_domain::{Error, Result};
use rusqlite::Connection;

#[derive(Debug, Clone)]
enum Zone {
    /// The device's own zone, as the operating system says.
    Device,
    Named(jiff::tz::TimeZone),
}

/// How a moment maps to the store's wall clock and business date.
#[derive(Debug, Clone)]
pub struct BusinessDay {
    zone: Zone,
    cutoff_minutes: u32,
}

/// The time zone named `name` from the time zone database, or `invalid_input`.
fn zone(name: &str) -> Result<Zone> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(Zone::Device);
    }
    kassa_domain::business_day::check_time_zone_name(name)?;
    jiff::tz::TimeZone::get(name).map(Zone::Named).map_err(|_| {
        Error::invalid_input(format!(
            "there is no time zone '{name}' in the time zone database (e.g. Europe/Berlin, America/New_York, UTC)"
        ))
    })
}

/// The time zone named `name` (not empty) from the time zone database, or `invalid_input`: a
/// departure's days are counted in its own zone.
pub fn zone_of(name: &str) -> Result<jiff::tz::TimeZone> {
    match zone(name)? {
        Zone::Named(z) => Ok(z),
        Zone::Device => Err(Error::invalid_input(
            "name a time zone (e.g. Europe/Berlin, America/New_York, UTC)",
        )),
    }
}

/// Checks that a time zone name exists, before it is stored.
pub fn check_zone(name: &str) -> Result<()> {
    zone(name).map(|_| ())
}

impl BusinessDay {
    /// A business day in zone `time_zone` (empty: the device's) ending at `cutoff` (`HH:MM`).
    pub fn new(time_zone: &str, cutoff: &str) -> Result<BusinessDay> {
        Ok(BusinessDay {
            zone: zone(time_zone)?,
            cutoff_minutes: parse_cutoff(cutoff)?,
        })
    }

    /// The business day of the store `store_id`, from its settings. A zone this device's time
    /// zone database does not know (set on a device with a newer one) falls back to the
    /// device's own zone, and a damaged cut-off to midnight: selling never stops for it.
    pub fn of_store(conn: &Connection, store_id: &str) -> Result<BusinessDay> {
        let name = settings::get_text(conn, store_id, STORE_TIME_ZONE)?;
        let cutoff = settings::get_text(conn, store_id, STORE_DAY_CUTOFF)?;
        let zone = zone(&name).unwrap_or_else(|e| {
            tracing::warn!("store.time_zone: {}; using this device's zone", e.message);
            Zone::Device
        });
        Ok(BusinessDay {
            zone,
            cutoff_minutes: parse_cutoff(&cutoff).unwrap_or(0),
        })
    }

    /// The business day of this device's store.
    pub fn of_this_store(conn: &Connection) -> Result<BusinessDay> {
        let store_id: String = conn
            .query_row("SELECT store_id FROM device", [], |r| r.get(0))
            .db()?;
        BusinessDay::of_store(conn, &store_id)
    }

    /// The store's wall-clock time at `t`.
    pub fn local(&self, t: DateTime<Utc>) -> NaiveDateTime {
        match &self.zone {
            Zone::Device => t.with_timezone(&Local).naive_local(),
            Zone::Named(tz) => {
                let offset = jiff::Timestamp::from_second(t.timestamp())
                    .map(|ts| tz.to_offset(ts).seconds())
                    .unwrap_or(0);
                t.naive_utc() + chrono::Duration::seconds(i64::from(offset))
            }
        }
    }

    /// The business date `t` belongs to: its local date, or the day before when it is before
    /// the cut-off.
    pub fn date_of(&self, t: DateTime<Utc>) -> NaiveDate {
        let local = self.local(t);
        let minutes = local.hour() * 60 + local.minute();
        let date = local.date();
        let (y, m, d) = date_of(
            (
                chrono::Datelike::year(&date),
                chrono::Datelike::month(&date),
                chrono::Datelike::day(&date),
            ),
            minutes,
            self.cutoff_minutes,
        );
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(date)
    }

    /// [`BusinessDay::date_of`] as `YYYY-MM-DD`.
    pub fn date_text(&self, t: DateTime<Utc>) -> String {
        self.date_of(t).format("%Y-%m-%d").to_string()
    }
}
