//! The demo store's trips: two coach trips with departures in the coming months, so the
//! Bookings screen has something to book from the start.

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use kassa_domain::Result;
use kassa_domain::booking::{FeeTable, Share, TravellerPrices};
use kassa_store::Store;
use kassa_store::bookings::trips::{self, DepartureData, TripData};

struct DemoTrip {
    code: &'static str,
    name: &'static str,
    adult: i64,
    child: Option<i64>,
    senior: Option<i64>,
    deposit: &'static str,
    documents: bool,
    /// Days of the trip (the return is this many days after the departure).
    days: i64,
    seats: i64,
    meeting_point: &'static str,
    options: &'static [(&'static str, i64, Option<i64>)],
}

const TRIPS: &[DemoTrip] = &[
    DemoTrip {
        code: "LAKE-3",
        name: "Lake Constance, 3 days",
        adult: 34_900,
        child: Some(19_900),
        senior: Some(31_900),
        deposit: "20%",
        documents: false,
        days: 2,
        seats: 40,
        meeting_point: "Coach stop, Market Square",
        options: &[
            ("Single room", 6_000, Some(8)),
            ("Travel insurance", 2_900, None),
        ],
    },
    DemoTrip {
        code: "ROME-7",
        name: "Rome by coach, 7 days",
        adult: 89_000,
        child: Some(59_000),
        senior: None,
        deposit: "15000",
        documents: true,
        days: 6,
        seats: 48,
        meeting_point: "Central Station, bus bay 4",
        options: &[("Single room", 21_000, Some(6))],
    },
];

/// Adds the demo trips, each with a departure on a Saturday in each of the next three
/// months (from about three weeks ahead), all in one transaction.
pub(crate) fn seed(
    store: &mut Store,
    now: DateTime<Utc>,
    store_id: &str,
    admin_id: &str,
) -> Result<()> {
    let policy = FeeTable::parse("60:0,30:25%,10:50%,0:100%")?;
    let six = NaiveTime::from_hms_opt(6, 0, 0).unwrap_or_default();
    store.write(|tx| {
        for (n, t) in TRIPS.iter().enumerate() {
            let trip = trips::create_trip(
                tx,
                store_id,
                admin_id,
                &TripData {
                    code: t.code.into(),
                    name: t.name.into(),
                    prices: TravellerPrices {
                        adult_minor: t.adult,
                        child_minor: t.child,
                        senior_minor: t.senior,
                    },
                    deposit: Share::parse(t.deposit)?,
                    balance_due_days: 30,
                    cancellation_policy: policy.clone(),
                    hold_minutes: 1440,
                    documents_required: t.documents,
                },
            )?;
            for (name, price, capacity) in t.options {
                trips::add_option(tx, admin_id, &trip.id, name, *price, *capacity)?;
            }
            for month in 0..3i64 {
                let mut day = (now + Duration::days(21 + 30 * month + 7 * n as i64)).date_naive();
                while day.weekday() != chrono::Weekday::Sat {
                    day += Duration::days(1);
                }
                // 05:00 UTC: 06:00 in Berlin in winter, 07:00 in summer.
                let departs = Utc.from_utc_datetime(&day.and_time(six)) - Duration::hours(1);
                trips::add_departure(
                    tx,
                    store_id,
                    admin_id,
                    &DepartureData {
                        trip_id: trip.id.clone(),
                        departs_at: departs,
                        returns_at: Some(departs + Duration::days(t.days) + Duration::hours(13)),
                        time_zone: "Europe/Berlin".into(),
                        meeting_point: Some(t.meeting_point.into()),
                        seats: Some(t.seats),
                        share_with: None,
                    },
                )?;
            }
        }
        Ok(())
    })
}
