//! Bookings at the size of a busy tour operator: 20 trips with 10,000 departures in all and
//! 100,000 bookings (two travellers each, every other one with its deposit paid), made through
//! the store's own functions. Measures, with a durable commit (WAL, synchronous=FULL):
//!
//! - creating a held booking on a departure (the write an agent waits for);
//! - the departures calendar for a month: that month's departures and the seats left on each,
//!   what `departure_list` reads for the calendar;
//! - the bookings search (`bookings::list`, 50 rows) by reference, traveller name, trip name
//!   and departure date.
//!
//! `cargo bench -p kassa-store --bench bookings` prints p50/p99 of each
//! (KASSA_BENCH_BOOKINGS to change the number of bookings).

#[path = "../tests/support/mod.rs"]
mod support;

use chrono::{Duration as Days, Utc};
use kassa_domain::booking::{FeeTable, Share, Traveller, TravellerPrices, TravellerType};
use kassa_store::Store;
use kassa_store::bookings::trips::{self, DepartureData, TripData};
use kassa_store::bookings::{self, BookingRequest, BookingTender};
use std::time::{Duration, Instant};

const TRIPS: usize = 20;
const DEPARTURES_PER_TRIP: usize = 500;
const BOOKINGS_DEFAULT: usize = 100_000;
const CREATES: usize = 1_000;
const MONTHS: usize = 12;
const SEARCHES: usize = 50;

/// The k-th search term of one kind.
type SearchTerm<'a> = Box<dyn Fn(usize) -> String + 'a>;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn report(name: &str, mut d: Vec<Duration>) {
    d.sort();
    println!(
        "{name:<52} p50 {:>9.3} ms   p99 {:>9.3} ms   max {:>9.3} ms   (n = {})",
        percentile(&d, 0.50).as_secs_f64() * 1e3,
        percentile(&d, 0.99).as_secs_f64() * 1e3,
        d.last().map(|x| x.as_secs_f64() * 1e3).unwrap_or(0.0),
        d.len()
    );
}

/// A request for a held booking of two adults on `departure`; `n` makes the names differ.
fn request(departure: &str, admin: &str, n: usize) -> BookingRequest {
    let person = |first: &str| Traveller {
        traveller_type: TravellerType::Adult,
        full_name: format!("{first} Traveller{n:06}"),
        date_of_birth: None,
        document_number: None,
    };
    BookingRequest {
        departure_id: departure.to_string(),
        customer_id: None,
        travellers: vec![person("Ada"), person("Grace")],
        options: vec![],
        note: None,
        staff_id: admin.to_string(),
        hold: true,
        waitlist_id: None,
    }
}

/// 20 trips of 500 daily departures from tomorrow, 60 seats each: (trip names, departure ids).
fn seed_departures(store: &mut Store, store_id: &str, admin: &str) -> Vec<String> {
    let start = Utc::now() + Days::days(1);
    let mut departures = Vec::with_capacity(TRIPS * DEPARTURES_PER_TRIP);
    for t in 0..TRIPS {
        let ids = store
            .write(|tx| {
                let trip = trips::create_trip(
                    tx,
                    store_id,
                    admin,
                    &TripData {
                        code: format!("TRIP{t:02}"),
                        name: format!("Lake tour {t:02}"),
                        prices: TravellerPrices {
                            adult_minor: 89_000,
                            child_minor: Some(45_000),
                            senior_minor: None,
                        },
                        deposit: Share::Percent(3000),
                        balance_due_days: 30,
                        cancellation_policy: FeeTable::parse("60:0,30:25%,10:50%,0:100%")
                            .expect("policy"),
                        hold_minutes: 60 * 24 * 90,
                        documents_required: false,
                    },
                )?;
                let mut ids = Vec::with_capacity(DEPARTURES_PER_TRIP);
                for d in 0..DEPARTURES_PER_TRIP {
                    let dep = trips::add_departure(
                        tx,
                        store_id,
                        admin,
                        &DepartureData {
                            trip_id: trip.id.clone(),
                            departs_at: start + Days::days(d as i64),
                            returns_at: None,
                            time_zone: "Europe/Berlin".into(),
                            meeting_point: None,
                            seats: Some(60),
                            share_with: None,
                        },
                    )?;
                    ids.push(dep.id);
                }
                Ok(ids)
            })
            .expect("departures");
        departures.extend(ids);
    }
    departures
}

fn main() {
    let total: usize = std::env::var("KASSA_BENCH_BOOKINGS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(BOOKINGS_DEFAULT);
    // On the project's disk, not a tmpfs: a booking's commit is durable.
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-bookings");
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).expect("bench folder");
    let (mut store, store_id, admin) = support::sync::first_device(&base.join("store"));

    let seeding = Instant::now();
    store
        .conn()
        .execute_batch("PRAGMA synchronous = OFF")
        .expect("pragma");
    let departures = seed_departures(&mut store, &store_id, &admin);
    let mut made = 0;
    while made < total {
        let batch = (total - made).min(2_000);
        store
            .write(|tx| {
                for i in made..made + batch {
                    // Spread over every departure, ten on each at 100,000.
                    let dep = &departures[i % departures.len()];
                    let b = bookings::create(tx, &store_id, &request(dep, &admin, i))?;
                    if i % 2 == 0 {
                        bookings::pay(tx, &store_id, &admin, &b.id, BookingTender::Cash, 53_400)?;
                    }
                }
                Ok(())
            })
            .expect("bookings");
        made += batch;
    }
    store
        .conn()
        .execute_batch("PRAGMA synchronous = FULL; ANALYZE")
        .expect("pragma");
    println!(
        "seeded {} departures and {total} bookings in {:.1} s",
        departures.len(),
        seeding.elapsed().as_secs_f64()
    );

    // Creating a held booking, on departures spread over the whole range.
    let mut create = Vec::with_capacity(CREATES);
    for k in 0..CREATES {
        let dep = &departures[(k * 7919) % departures.len()];
        let req = request(dep, &admin, total + k);
        let started = Instant::now();
        store
            .write(|tx| bookings::create(tx, &store_id, &req))
            .expect("create");
        create.push(started.elapsed());
    }
    report("create a held booking (2 travellers), durable", create);

    // The calendar: a month's departures and the seats left on each.
    let now = Utc::now();
    let mut calendar = Vec::new();
    let mut shown = 0;
    for _ in 0..3 {
        for m in 0..MONTHS {
            let from = now + Days::days(30 * m as i64);
            let started = Instant::now();
            let month =
                trips::departures(store.conn(), None, Some(from), Some(from + Days::days(30)))
                    .expect("departures");
            for d in &month {
                let a = bookings::availability(store.conn(), &d.id, now).expect("availability");
                shown += a.left;
            }
            calendar.push(started.elapsed());
        }
    }
    report("departures calendar, one month (600 departures)", calendar);

    // The search, by what an agent types.
    let references: Vec<String> = store
        .conn()
        .prepare("SELECT reference FROM bookings ORDER BY id LIMIT ?1")
        .and_then(|mut st| {
            st.query_map([SEARCHES as i64], |r| r.get(0))?
                .collect::<Result<_, _>>()
        })
        .expect("references");
    let day = |k: usize| {
        (now + Days::days(1 + (k * 37 % DEPARTURES_PER_TRIP) as i64))
            .format("%Y-%m-%d")
            .to_string()
    };
    let searches: [(&str, SearchTerm); 4] = [
        (
            "reference",
            Box::new(|k| references[k % references.len()].clone()),
        ),
        (
            "traveller name",
            Box::new(|k| format!("Traveller{:06}", (k * 1_999) % total)),
        ),
        (
            "trip name",
            Box::new(|k| format!("Lake tour {:02}", k % TRIPS)),
        ),
        ("departure date", Box::new(day)),
    ];
    let mut found = 0;
    for (what, term) in &searches {
        let mut took = Vec::with_capacity(SEARCHES);
        for k in 0..SEARCHES {
            let q = term(k);
            let started = Instant::now();
            let rows = bookings::list(store.conn(), None, None, Some(&q), 50).expect("search");
            took.push(started.elapsed());
            found += rows.len();
        }
        report(&format!("search bookings by {what} (50 rows)"), took);
    }
    // Keeps the reads from being optimised away, and shows they found something.
    println!("({shown} seats left across the months read; {found} rows found by the searches)");
}
