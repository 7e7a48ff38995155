//! Bookings: quote, hold, deposit, balance, completion; seats never oversold on one device
//! (shared pools and options included); holds that expire; the waitlist; cancellation fees by
//! the policy; cash on the drawer; and two devices selling the last seats offline, flagged
//! `departure_oversold` on both.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use kassa_domain::ErrorCode;
use kassa_domain::booking::{
    BookingStatus, FeeTable, Share, Traveller, TravellerPrices, TravellerType,
};
use kassa_domain::customer::CustomerData;
use kassa_store::bookings::trips::{self, DepartureData, TripData};
use kassa_store::bookings::{
    self, BookingRequest, BookingTender, CardCapture, allotments, amend, waitlist,
};
use kassa_store::catalog::AuditMode;
use kassa_store::foundation::device::{SetupParams, setup};
use kassa_store::selling::{card_refunds, shift, voucher};
use kassa_store::{Clock, FixedClock, KeySource, Store};
use kassa_sync_protocol::wire::AllotmentResponse;
use std::path::Path;
use std::sync::Arc;
use support::sync::{Log, conflicts, dump, first_device, joined_device, ship};

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
}

/// A store on a clock that stands still: (store, clock, store id, admin id).
fn store_at(dir: &Path) -> (Store, Arc<FixedClock>, String, String) {
    let clock = Arc::new(FixedClock::new(start()));
    let mut store = Store::open(
        dir,
        clock.clone() as Arc<dyn Clock>,
        KeySource::ExplicitKeys {
            device: support::KEY,
            store: support::STORE_KEY,
        },
    )
    .unwrap();
    let out = setup(
        &mut store,
        SetupParams {
            store_name: "Travel Desk".into(),
            store_code: Some("TRVL".into()),
            currency: "EUR".into(),
            device_name: None,
            admin_email: "admin@example.com".into(),
            admin_name: None,
            password: "correct horse battery staple".into(),
            demo: false,
        },
    )
    .unwrap();
    (store, clock, out.store_id, out.admin_id)
}

fn trip_data(code: &str) -> TripData {
    TripData {
        code: code.into(),
        name: format!("Lake Garda by coach ({code})"),
        prices: TravellerPrices {
            adult_minor: 100_000,
            child_minor: Some(60_000),
            senior_minor: Some(90_000),
        },
        deposit: Share::Percent(3000),
        balance_due_days: 30,
        cancellation_policy: FeeTable::parse("60:0,30:25%,10:50%,0:100%").unwrap(),
        hold_minutes: 60,
        documents_required: false,
    }
}

/// A trip and one departure of `seats` seats leaving `days` after `at` (08:00 UTC).
fn trip_with_departure(
    store: &mut Store,
    store_id: &str,
    admin: &str,
    seats: i64,
    at: DateTime<Utc>,
    days: i64,
) -> (String, String) {
    store
        .write(|tx| {
            let t = trips::create_trip(tx, store_id, admin, &trip_data("GARDA"))?;
            let d = trips::add_departure(
                tx,
                store_id,
                admin,
                &DepartureData {
                    trip_id: t.id.clone(),
                    departs_at: at + Duration::days(days),
                    returns_at: Some(at + Duration::days(days + 7)),
                    time_zone: "Europe/Berlin".into(),
                    meeting_point: Some("Central bus station, bay 4".into()),
                    seats: Some(seats),
                    share_with: None,
                },
            )?;
            Ok((t.id, d.id))
        })
        .unwrap()
}

fn customer(store: &mut Store, store_id: &str, admin: &str, name: &str) -> String {
    store
        .write(|tx| {
            kassa_store::customers::create(
                tx,
                store_id,
                admin,
                &CustomerData {
                    name: name.into(),
                    ..Default::default()
                },
                AuditMode::PerProduct,
            )
        })
        .unwrap()
        .id
}

fn adults(n: usize) -> Vec<Traveller> {
    (0..n)
        .map(|i| Traveller {
            traveller_type: TravellerType::Adult,
            full_name: format!("Traveller {i}"),
            date_of_birth: Some("1980-05-17".into()),
            document_number: None,
        })
        .collect()
}

fn request(
    departure: &str,
    customer: Option<&str>,
    staff: &str,
    n: usize,
    hold: bool,
) -> BookingRequest {
    BookingRequest {
        departure_id: departure.into(),
        customer_id: customer.map(str::to_string),
        travellers: adults(n),
        options: vec![],
        note: None,
        staff_id: staff.into(),
        hold,
        waitlist_id: None,
    }
}

fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_booking_goes_from_quote_to_completed_with_its_money_on_the_drawer() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _clock, store_id, admin) = store_at(dir.path());
    let (_, dep) = trip_with_departure(&mut store, &store_id, &admin, 10, start(), 90);
    let cust = customer(&mut store, &store_id, &admin, "Grace Hopper");
    let mut req = request(&dep, Some(&cust), &admin, 2, false);
    req.travellers[1].traveller_type = TravellerType::Child;
    req.note = Some("Window seats please".into());
    let quote = store
        .write(|tx| bookings::create(tx, &store_id, &req))
        .unwrap();
    assert_eq!(quote.status, BookingStatus::Quote);
    assert_eq!(quote.total_minor, 160_000);
    assert_eq!(quote.deposit_minor, 48_000);
    assert_eq!(quote.balance_due_on, "2026-04-30");
    assert!(quote.reference.starts_with("TRVL-"), "{}", quote.reference);
    assert!(quote.reference.contains("-B000001"), "{}", quote.reference);
    assert_eq!(quote.notes.len(), 1);
    // A quote holds no seat and takes no money.
    let a = bookings::availability(store.conn(), &dep, start()).unwrap();
    assert_eq!((a.capacity, a.taken, a.left), (10, 0, 10));
    let e = store
        .write(|tx| bookings::pay(tx, &store_id, &admin, &quote.id, BookingTender::Cash, 1000))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidTransition);

    let held = store
        .write(|tx| bookings::hold(tx, &admin, &quote.reference))
        .unwrap();
    assert_eq!(held.status, BookingStatus::Held);
    assert_eq!(
        held.hold_expires_at.as_deref(),
        Some("2026-03-01T10:00:00.000Z")
    );
    assert_eq!(
        bookings::availability(store.conn(), &dep, start())
            .unwrap()
            .left,
        8
    );

    // Below the deposit: still held.
    let part = store
        .write(|tx| bookings::pay(tx, &store_id, &admin, &held.id, BookingTender::Cash, 20_000))
        .unwrap();
    assert_eq!(part.booking.status, BookingStatus::Held);
    assert!(part.receipt_number.contains("-P000001"));
    // Reaching the deposit confirms it.
    let dep_paid = store
        .write(|tx| bookings::pay(tx, &store_id, &admin, &held.id, BookingTender::Cash, 28_000))
        .unwrap();
    assert_eq!(dep_paid.booking.status, BookingStatus::Confirmed);
    assert_eq!(dep_paid.booking.balance_minor, 112_000);
    // More than the balance is refused and changes nothing.
    let e = store
        .write(|tx| {
            bookings::pay(
                tx,
                &store_id,
                &admin,
                &held.id,
                BookingTender::Cash,
                112_001,
            )
        })
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    let paid = store
        .write(|tx| {
            bookings::pay(
                tx,
                &store_id,
                &admin,
                &held.id,
                BookingTender::Cash,
                112_000,
            )
        })
        .unwrap();
    assert_eq!(paid.booking.status, BookingStatus::Paid);
    assert_eq!(paid.booking.balance_minor, 0);
    let done = store
        .write(|tx| bookings::complete(tx, &admin, &held.id))
        .unwrap();
    assert_eq!(done.status, BookingStatus::Completed);
    let events: Vec<&str> = done.events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        events,
        [
            "create",
            "hold",
            "payment",
            "payment",
            "confirm",
            "payment",
            "pay_in_full",
            "complete"
        ]
    );

    // The cash is on this device's shift: the drawer expects it.
    let device_id: String = store
        .conn()
        .query_row("SELECT id FROM device", [], |r| r.get(0))
        .unwrap();
    let s = shift::open_shift(store.conn(), &device_id)
        .unwrap()
        .unwrap();
    let f = shift::figures(store.conn(), &s.id).unwrap();
    assert_eq!(f.booking_cash_minor, 160_000);
    assert_eq!(f.expected_cash_minor, 160_000);
    // And on the day's Z report, beside (not in) the sales.
    let day = kassa_store::selling::business_date(store.conn(), start()).unwrap();
    let z =
        kassa_store::selling::zreport::figures_for_date(store.conn(), &device_id, &day).unwrap();
    assert_eq!(z.bookings_by_tender.get("cash"), Some(&160_000));
    assert!(z.booking_refunds_by_tender.is_empty());
    assert_eq!(z.gross_minor, 0);
    // Audited, and every write recorded for the other devices.
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM audit_log WHERE action LIKE 'booking.%'"
        ),
        6
    );
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM outbox WHERE entity = 'bookings'"
        ),
        6
    );
    // The balances-due list no longer shows it.
    assert!(
        bookings::balances_due(store.conn(), "2026-03-01")
            .unwrap()
            .is_empty()
    );
}

#[test]
fn seats_are_never_oversold_and_the_waitlist_is_offered_returned_seats_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _clock, store_id, admin) = store_at(dir.path());
    let (_, dep) = trip_with_departure(&mut store, &store_id, &admin, 3, start(), 90);
    let first = store
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 2, true)))
        .unwrap();
    let before = count(&store, "SELECT count(*) FROM bookings");
    let outbox = count(&store, "SELECT count(*) FROM outbox");
    let e = store
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 2, true)))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientSeats);
    assert!(e.message.contains("only 1 of 3 seats"), "{}", e.message);
    assert_eq!(count(&store, "SELECT count(*) FROM bookings"), before);
    assert_eq!(count(&store, "SELECT count(*) FROM outbox"), outbox);
    // A quote for the same seats is fine: it holds nothing; holding it is refused.
    let q = store
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 2, false)))
        .unwrap();
    let e = store
        .write(|tx| bookings::hold(tx, &admin, &q.id))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientSeats);

    // Two customers wait, in order; a waitlist is refused while the seats are there.
    let c1 = customer(&mut store, &store_id, &admin, "First Waiting");
    let c2 = customer(&mut store, &store_id, &admin, "Second Waiting");
    let w1 = store
        .write(|tx| waitlist::add(tx, &store_id, &admin, &dep, &c1, 2, None))
        .unwrap();
    let w2 = store
        .write(|tx| waitlist::add(tx, &store_id, &admin, &dep, &c2, 2, None))
        .unwrap();
    let e = store
        .write(|tx| waitlist::add(tx, &store_id, &admin, &dep, &c2, 1, None))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    // The first booking is cancelled: 3 seats free, offered first come first served: the
    // first entry's 2, and the second's 2 do not fit in the 1 left.
    store
        .write(|tx| bookings::cancel(tx, &store_id, &admin, &first.id, Some("plans changed")))
        .unwrap();
    let list = waitlist::list(store.conn(), &dep).unwrap();
    assert_eq!(list[0].id, w1.id);
    assert_eq!(list[0].status, "offered");
    assert_eq!(list[1].id, w2.id);
    assert_eq!(list[1].status, "waiting");
    let mut r = request(&dep, Some(&c1), &admin, 2, true);
    r.waitlist_id = Some(w1.id.clone());
    store
        .write(|tx| bookings::create(tx, &store_id, &r))
        .unwrap();
    assert_eq!(
        waitlist::get(store.conn(), &w1.id).unwrap().status,
        "booked"
    );
}

#[test]
fn departures_sharing_a_pool_never_exceed_it_and_options_keep_their_own_capacity() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _clock, store_id, admin) = store_at(dir.path());
    let (trip, seven) = trip_with_departure(&mut store, &store_id, &admin, 4, start(), 60);
    let (fourteen, single) = store
        .write(|tx| {
            let d = trips::add_departure(
                tx,
                &store_id,
                &admin,
                &DepartureData {
                    trip_id: trip.clone(),
                    departs_at: start() + Duration::days(60),
                    returns_at: Some(start() + Duration::days(74)),
                    time_zone: "Europe/Berlin".into(),
                    meeting_point: None,
                    seats: None,
                    share_with: Some(seven.clone()),
                },
            )?;
            let o = trips::add_option(tx, &admin, &trip, "Single room", 25_000, Some(1))?;
            Ok((d.id, o.id))
        })
        .unwrap();
    let mut r = request(&seven, None, &admin, 3, true);
    r.options = vec![(single.clone(), 1)];
    let b = store
        .write(|tx| bookings::create(tx, &store_id, &r))
        .unwrap();
    assert_eq!(b.total_minor, 325_000);
    // The 14-day version shares the coach: 1 seat left.
    assert_eq!(
        bookings::availability(store.conn(), &fourteen, start())
            .unwrap()
            .left,
        1
    );
    let e = store
        .write(|tx| bookings::create(tx, &store_id, &request(&fourteen, None, &admin, 2, true)))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientSeats);
    // The one single room is taken on that departure.
    let mut r = request(&seven, None, &admin, 1, true);
    r.options = vec![(single, 1)];
    let e = store
        .write(|tx| bookings::create(tx, &store_id, &r))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientSeats);
    store
        .write(|tx| bookings::create(tx, &store_id, &request(&fourteen, None, &admin, 1, true)))
        .unwrap();
    assert_eq!(
        bookings::availability(store.conn(), &seven, start())
            .unwrap()
            .left,
        0
    );
    // Capacity cannot go below what is booked.
    let e = store
        .write(|tx| trips::set_capacity(tx, &admin, &seven, 3))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientSeats);
}

#[test]
fn an_expired_hold_releases_its_seats() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, clock, store_id, admin) = store_at(dir.path());
    let (_, dep) = trip_with_departure(&mut store, &store_id, &admin, 2, start(), 30);
    let held = store
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 2, true)))
        .unwrap();
    assert_eq!(
        bookings::availability(store.conn(), &dep, start())
            .unwrap()
            .left,
        0
    );
    clock.advance(Duration::minutes(61));
    // Past its time the hold takes no payment, and its seats are free again.
    let e = store
        .write(|tx| bookings::pay(tx, &store_id, &admin, &held.id, BookingTender::Cash, 100))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidTransition);
    assert!(
        e.message.contains("lapsed") && e.message.contains("make a new booking"),
        "{}",
        e.message
    );
    assert_eq!(
        bookings::availability(store.conn(), &dep, clock.now())
            .unwrap()
            .left,
        2
    );
    // The list says when the hold ends, so a screen can show it lapsed.
    let listed = bookings::lifecycle::list(store.conn(), Some(&dep), None, None, 10).unwrap();
    assert_eq!(listed[0].hold_expires_at, held.hold_expires_at);
    // Booking them expires the old hold in the same transaction.
    store
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 2, true)))
        .unwrap();
    let old = bookings::get(store.conn(), &held.id).unwrap();
    assert_eq!(old.status, BookingStatus::Expired);
    assert_eq!(old.events.last().unwrap().event, "expire");
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM audit_log WHERE action = 'booking.expired'"
        ),
        1
    );
}

#[test]
fn a_cancellation_charges_the_policys_fee_and_refunds_the_rest_or_leaves_a_balance_owed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, clock, store_id, admin) = store_at(dir.path());
    // Departs 2026-04-10 09:00 UTC (11:00 in Berlin).
    let (_, dep) = trip_with_departure(&mut store, &store_id, &admin, 10, start(), 40);
    let b = store
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 1, true)))
        .unwrap();
    store
        .write(|tx| bookings::pay(tx, &store_id, &admin, &b.id, BookingTender::Cash, 100_000))
        .unwrap();
    let other = store
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 1, true)))
        .unwrap();
    store
        .write(|tx| {
            bookings::pay(
                tx,
                &store_id,
                &admin,
                &other.id,
                BookingTender::Cash,
                30_000,
            )
        })
        .unwrap();
    // 10 calendar days before departure in Berlin: 2026-03-31 23:30 Berlin (21:30 UTC).
    clock.set(Utc.with_ymd_and_hms(2026, 3, 31, 21, 30, 0).unwrap());
    let preview = bookings::cancellation_quote(store.conn(), &b.id, clock.now()).unwrap();
    assert_eq!(preview.days_before, 10);
    let c = store
        .write(|tx| bookings::cancel(tx, &store_id, &admin, &b.id, None))
        .unwrap();
    assert_eq!(c.settlement.fee_minor, 50_000);
    assert_eq!(c.settlement.refund_minor, 50_000);
    assert_eq!(c.booking.status, BookingStatus::Cancelled);
    assert_eq!(c.booking.paid_minor, 50_000);
    assert_eq!(c.booking.balance_minor, 0);
    // An hour later it is the 1st of April in Berlin: 9 days, the whole price. 30,000 paid
    // leaves 70,000 owed, never a negative refund.
    clock.advance(Duration::hours(1));
    let c = store
        .write(|tx| bookings::cancel(tx, &store_id, &admin, &other.id, None))
        .unwrap();
    assert_eq!(c.days_before, 9);
    assert_eq!(
        (
            c.settlement.fee_minor,
            c.settlement.refund_minor,
            c.settlement.owed_minor
        ),
        (100_000, 0, 70_000)
    );
    assert_eq!(c.booking.balance_minor, 70_000);
    let due = bookings::balances_due(store.conn(), "2026-04-01").unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].balance_minor, 70_000);
    // The fee still owed can be paid.
    let paid = store
        .write(|tx| {
            bookings::pay(
                tx,
                &store_id,
                &admin,
                &other.id,
                BookingTender::Cash,
                70_000,
            )
        })
        .unwrap();
    assert_eq!(paid.booking.balance_minor, 0);
    // Cash: 100,000 + 30,000 + 70,000 taken, 50,000 refunded.
    let device_id: String = store
        .conn()
        .query_row("SELECT id FROM device", [], |r| r.get(0))
        .unwrap();
    let s = shift::open_shift(store.conn(), &device_id)
        .unwrap()
        .unwrap();
    assert_eq!(
        shift::figures(store.conn(), &s.id)
            .unwrap()
            .booking_cash_minor,
        150_000
    );
    // A cancelled booking cannot be cancelled again.
    let e = store
        .write(|tx| bookings::cancel(tx, &store_id, &admin, &b.id, None))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidTransition);
}

#[test]
fn travellers_are_checked_and_a_card_number_is_refused_with_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _clock, store_id, admin) = store_at(dir.path());
    let (_, dep) = trip_with_departure(&mut store, &store_id, &admin, 10, start(), 30);
    let before = count(&store, "SELECT count(*) FROM outbox");
    for t in [
        Traveller {
            traveller_type: TravellerType::Adult,
            full_name: "Ada".into(),
            date_of_birth: None,
            document_number: Some("4111 1111 1111 1111".into()),
        },
        Traveller {
            traveller_type: TravellerType::Adult,
            full_name: "4111-1111-1111-1111".into(),
            date_of_birth: None,
            document_number: None,
        },
        Traveller {
            traveller_type: TravellerType::Adult,
            full_name: "Ada".into(),
            date_of_birth: Some("2030-01-01".into()),
            document_number: None,
        },
    ] {
        let mut r = request(&dep, None, &admin, 1, true);
        r.travellers = vec![t];
        let e = store
            .write(|tx| bookings::create(tx, &store_id, &r))
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{}", e.message);
    }
    let mut r = request(&dep, None, &admin, 1, true);
    r.note = Some("card 4111111111111111".into());
    assert_eq!(
        store
            .write(|tx| bookings::create(tx, &store_id, &r))
            .unwrap_err()
            .code,
        ErrorCode::InvalidInput
    );
    assert_eq!(count(&store, "SELECT count(*) FROM bookings"), 0);
    assert_eq!(count(&store, "SELECT count(*) FROM outbox"), before);
}

/// Two devices of one store, each with the departure's last 2 seats in sight, both offline.
#[test]
fn two_devices_selling_the_last_seats_offline_both_record_departure_oversold() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, store_id, admin) = first_device(da.path());
    let now = Utc::now();
    let (_, dep) = trip_with_departure(&mut a, &store_id, &admin, 3, now, 45);
    let first = a
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 1, true)))
        .unwrap();
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    let r = ship(&mut log, &a, &mut b);
    assert_eq!(r.parked, 0, "{r:?}");
    assert_eq!(bookings::availability(b.conn(), &dep, now).unwrap().left, 2);

    // Offline, each sells the last 2 seats.
    let on_a = a
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 2, true)))
        .unwrap();
    let on_b = b
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 2, true)))
        .unwrap();
    assert_ne!(on_a.reference, on_b.reference);
    // Either device refuses a third booking.
    assert_eq!(
        a.write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 1, true)))
            .unwrap_err()
            .code,
        ErrorCode::InsufficientSeats
    );

    // Back online: both keep both bookings and flag the departure, the same conflict.
    log.push(&b);
    let ra = log.pull(&mut a);
    assert_eq!(ra.parked, 0, "{ra:?}");
    log.push(&a);
    let rb = log.pull(&mut b);
    assert_eq!(rb.parked, 0, "{rb:?}");
    assert_eq!(conflicts(a.conn(), "departure_oversold"), 1);
    assert_eq!(conflicts(b.conn(), "departure_oversold"), 1);
    let detail = |s: &Store| -> (String, String) {
        s.conn()
            .query_row(
                "SELECT id, detail FROM conflicts WHERE kind = 'departure_oversold'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    };
    assert_eq!(detail(&a), detail(&b));
    assert!(detail(&a).1.contains("\"over_by\":2"), "{}", detail(&a).1);
    assert_eq!(dump(a.conn()), dump(b.conn()));
    // Applying the same changes again changes nothing.
    let again = apply_again(&log, &mut b);
    assert_eq!(again, dump(a.conn()));

    // A manager cancels B's booking on A; once B hears of it, neither holds the conflict.
    a.write(|tx| bookings::cancel(tx, &store_id, &admin, &on_b.id, Some("oversold")))
        .unwrap();
    assert_eq!(conflicts(a.conn(), "departure_oversold"), 0);
    ship(&mut log, &a, &mut b);
    assert_eq!(conflicts(b.conn(), "departure_oversold"), 0);
    assert_eq!(
        bookings::get(b.conn(), &on_b.id).unwrap().status,
        BookingStatus::Cancelled
    );
    assert_eq!(
        bookings::get(b.conn(), &first.id).unwrap().status,
        BookingStatus::Held
    );
    assert_eq!(dump(a.conn()), dump(b.conn()));
}

fn apply_again(log: &Log, store: &mut Store) -> Vec<String> {
    let entries = log.entries.clone();
    let end = entries.last().map_or(0, |e| e.server_seq);
    kassa_store::foundation::apply::apply_remote(store, &entries, end).unwrap();
    dump(store.conn())
}

fn travellers_of(store: &Store, booking: &str) -> Vec<(String, Option<String>)> {
    bookings::get(store.conn(), booking)
        .unwrap()
        .travellers
        .into_iter()
        .map(|t| (t.full_name, t.date_of_birth))
        .collect()
}

/// A customer's erasure waits until their bookings have travelled or are cancelled; then it
/// blanks the travellers and notes of their bookings on every device, including a booking and
/// a note another device made offline before it heard of the erasure, whatever the order the
/// changes meet in; and nothing new is booked or noted for them.
#[test]
fn an_erasure_waits_for_trips_to_travel_then_blanks_travellers_and_notes_on_every_device() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, store_id, admin) = first_device(da.path());
    let now = Utc::now();
    let (_, dep) = trip_with_departure(&mut a, &store_id, &admin, 10, now, 45);
    let grace = customer(&mut a, &store_id, &admin, "Grace Hopper");
    let mut req = request(&dep, Some(&grace), &admin, 2, true);
    req.note = Some("Window seats, vegetarian meals".into());
    let booked = a.write(|tx| bookings::create(tx, &store_id, &req)).unwrap();
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    ship(&mut log, &a, &mut b);

    // Everything held about her, the booking included, is in her export.
    let doc = kassa_store::customers::privacy::export(
        a.conn(),
        &store_id,
        &grace,
        "2026-05-03T10:00:00Z",
    )
    .unwrap();
    assert_eq!(doc["bookings"][0]["reference"], booked.reference.as_str());
    assert_eq!(
        doc["bookings"][0]["travellers"][1]["full_name"],
        "Traveller 1"
    );
    assert_eq!(
        doc["bookings"][0]["notes"][0]["note"],
        "Window seats, vegetarian meals"
    );

    // Her trip is still to travel: the erasure is refused and changes nothing.
    let before = count(&a, "SELECT count(*) FROM outbox");
    let refused = a
        .write(|tx| {
            kassa_store::customers::privacy::erase(tx, &store_id, &admin, &grace, "request")
        })
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Conflict);
    assert!(
        refused.message.contains(&booked.reference),
        "{}",
        refused.message
    );
    assert_eq!(count(&a, "SELECT count(*) FROM outbox"), before);
    assert_eq!(travellers_of(&a, &booked.id)[0].0, "Traveller 0");

    // Offline, B adds a note and books her again; A cancels her trip and erases her data.
    b.write(|tx| bookings::add_note(tx, &admin, &booked.id, "Asked for a transfer from Munich"))
        .unwrap();
    let late = b
        .write(|tx| {
            bookings::create(
                tx,
                &store_id,
                &request(&dep, Some(&grace), &admin, 1, false),
            )
        })
        .unwrap();
    a.write(|tx| bookings::cancel(tx, &store_id, &admin, &booked.id, Some("customer request")))
        .unwrap();
    a.write(|tx| kassa_store::customers::privacy::erase(tx, &store_id, &admin, &grace, "request"))
        .unwrap();
    assert_eq!(
        travellers_of(&a, &booked.id),
        vec![(String::new(), None); 2]
    );

    // They meet, B's changes first on the log.
    log.push(&b);
    log.push(&a);
    let ra = log.pull(&mut a);
    assert_eq!(ra.parked, 0, "{ra:?}");
    let rb = log.pull(&mut b);
    assert_eq!(rb.parked, 0, "{rb:?}");
    for s in [&a, &b] {
        assert_eq!(travellers_of(s, &booked.id), vec![(String::new(), None); 2]);
        assert_eq!(travellers_of(s, &late.id), vec![(String::new(), None)]);
        let notes = bookings::get(s.conn(), &booked.id).unwrap().notes;
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(notes.iter().all(|n| n.note.is_empty()), "{notes:?}");
        assert_eq!(conflicts(s.conn(), "ledger_mismatch"), 0);
        // Figures stay: seats, prices and the cancellation.
        assert_eq!(bookings::get(s.conn(), &booked.id).unwrap().seats, 2);
        assert_eq!(
            bookings::get(s.conn(), &booked.id).unwrap().status,
            BookingStatus::Cancelled
        );
    }
    assert_eq!(dump(a.conn()), dump(b.conn()));
    assert_eq!(apply_again(&log, &mut b), dump(a.conn()));

    // A device joining later, taking the whole log, ends the same.
    let dc = tempfile::tempdir().unwrap();
    let mut c = joined_device(dc.path(), &store_id, "03");
    log.pull(&mut c);
    let data = |s: &Store| -> Vec<String> {
        // Its own audit chain (it joined) is the only thing it holds that A has not heard of.
        dump(s.conn())
            .into_iter()
            .filter(|l| !l.starts_with("audit_log"))
            .collect()
    };
    assert_eq!(data(&c), data(&a));

    // Nothing new is booked, waitlisted or noted for her.
    let before = count(&a, "SELECT count(*) FROM outbox");
    for err in [
        a.write(|tx| {
            bookings::create(tx, &store_id, &request(&dep, Some(&grace), &admin, 1, true))
        })
        .map(|_| ())
        .unwrap_err(),
        a.write(|tx| bookings::add_note(tx, &admin, &late.id, "call her"))
            .map(|_| ())
            .unwrap_err(),
        a.write(|tx| waitlist::add(tx, &store_id, &admin, &dep, &grace, 20, None))
            .map(|_| ())
            .unwrap_err(),
    ] {
        assert_eq!(err.code, ErrorCode::InvalidInput, "{err:?}");
        assert!(err.message.contains("erased"), "{}", err.message);
    }
    assert_eq!(count(&a, "SELECT count(*) FROM outbox"), before);
}

#[test]
fn the_search_finds_bookings_by_reference_traveller_customer_trip_and_departure_date() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, clock, store_id, admin) = store_at(dir.path());
    let (_, garda) = trip_with_departure(&mut store, &store_id, &admin, 20, start(), 90);
    let alps = store
        .write(|tx| {
            let mut data = trip_data("ALPS");
            data.name = "Alpine rail tour".into();
            let t = trips::create_trip(tx, &store_id, &admin, &data)?;
            trips::add_departure(
                tx,
                &store_id,
                &admin,
                &DepartureData {
                    trip_id: t.id,
                    departs_at: Utc.with_ymd_and_hms(2026, 7, 4, 5, 0, 0).unwrap(),
                    returns_at: None,
                    time_zone: "Europe/Berlin".into(),
                    meeting_point: None,
                    seats: Some(20),
                    share_with: None,
                },
            )
        })
        .unwrap()
        .id;
    let grace = customer(&mut store, &store_id, &admin, "Grace Hopper");
    let mut make = |dep: &str, cust: Option<&str>, who: &str| {
        clock.advance(Duration::minutes(1));
        let mut req = request(dep, cust, &admin, 1, false);
        req.travellers[0].full_name = who.into();
        store
            .write(|tx| bookings::create(tx, &store_id, &req))
            .unwrap()
    };
    let first = make(&garda, Some(&grace), "Ada Lovelace");
    let second = make(&alps, None, "Alan Turing");
    let third = make(&alps, Some(&grace), "Edsger Dijkstra");
    let found = |search: &str, status: Option<&str>, dep: Option<&str>| -> Vec<String> {
        bookings::list(store.conn(), dep, status, Some(search), 50)
            .unwrap()
            .into_iter()
            .map(|b| b.reference)
            .collect()
    };
    let (r1, r2, r3) = (&first.reference, &second.reference, &third.reference);
    // By reference (a part of it), newest first.
    assert_eq!(found(r2, None, None), vec![r2.clone()]);
    assert_eq!(
        found("-B00000", None, None),
        vec![r3.clone(), r2.clone(), r1.clone()]
    );
    // By a traveller's name, in any case.
    assert_eq!(found("lovelace", None, None), vec![r1.clone()]);
    // By the customer's name or id.
    assert_eq!(found("HOPPER", None, None), vec![r3.clone(), r1.clone()]);
    assert_eq!(found(&grace, None, None), vec![r3.clone(), r1.clone()]);
    // By the trip's name.
    assert_eq!(found("alpine", None, None), vec![r3.clone(), r2.clone()]);
    // By the departure's date, and not by a date that is only part of it.
    assert_eq!(
        found("2026-07-04", None, None),
        vec![r3.clone(), r2.clone()]
    );
    assert!(found("07-04", None, None).is_empty());
    // Within one departure or one status only.
    assert_eq!(found("Grace", None, Some(&garda)), vec![r1.clone()]);
    assert!(found("Turing", Some("held"), None).is_empty());
    assert_eq!(found("Turing", Some("quote"), None), vec![r2.clone()]);
    // Nothing else matches.
    assert!(found("Hamilton", None, None).is_empty());
}

#[test]
fn a_deposit_off_a_voucher_and_the_balance_in_cash_go_back_to_each_on_cancellation_on_every_device()
{
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, store_id, admin) = first_device(da.path());
    let now = Utc::now();
    // 90 days ahead: the policy keeps no fee, so a cancellation refunds everything paid.
    let (_, dep) = trip_with_departure(&mut a, &store_id, &admin, 10, now, 90);
    let key = a.store_key().unwrap().clone_key();
    let v = a
        .write(|tx| voucher::issue(tx, &key, &store_id, 50_000, None, None, &admin))
        .unwrap();
    let keyed = voucher::stored_code_key(a.conn(), &key, &v.code).unwrap();
    let booking = a
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 1, true)))
        .unwrap();
    let pay = |s: &mut Store, tender: BookingTender, amount: i64| {
        s.write(|tx| bookings::pay(tx, &store_id, &admin, &booking.id, tender, amount))
    };
    let written = |s: &Store| {
        count(s, "SELECT count(*) FROM booking_payments")
            + count(s, "SELECT count(*) FROM voucher_movements")
    };

    // More than the voucher holds is refused, and nothing is written.
    let before = written(&a);
    let e = pay(&mut a, BookingTender::Voucher(keyed.clone()), 60_000).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput, "{e:?}");
    assert_eq!(written(&a), before);

    // The deposit (30 %) off the voucher confirms the booking; the balance is paid in cash.
    let p = pay(&mut a, BookingTender::Voucher(keyed.clone()), 30_000).unwrap();
    assert_eq!(p.booking.status, BookingStatus::Confirmed);
    assert_eq!(
        p.booking.payments[0].voucher_id.as_deref(),
        Some(v.id.as_str())
    );
    let p = pay(&mut a, BookingTender::Cash, 70_000).unwrap();
    assert_eq!(p.booking.status, BookingStatus::Paid);
    let balance = |s: &Store| {
        voucher::find(s.conn(), &key, &v.code)
            .unwrap()
            .balance_minor
    };
    assert_eq!(balance(&a), 20_000);
    // Only the cash is in the drawer.
    let device_id: String = a
        .conn()
        .query_row("SELECT id FROM device", [], |r| r.get(0))
        .unwrap();
    let s = shift::open_shift(a.conn(), &device_id).unwrap().unwrap();
    assert_eq!(
        shift::figures(a.conn(), &s.id).unwrap().booking_cash_minor,
        70_000
    );

    // Another device hears of the booking and the voucher's spend, and cancels it there: the
    // latest payment first, 70,000 back in cash and 30,000 back onto the voucher.
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    let r = ship(&mut log, &a, &mut b);
    assert_eq!(r.parked, 0, "{r:?}");
    assert_eq!(balance(&b), 20_000);
    let c = b
        .write(|tx| bookings::cancel(tx, &store_id, &admin, &booking.id, None))
        .unwrap();
    assert_eq!(c.settlement.refund_minor, 100_000);
    let refunds: Vec<(String, i64, Option<String>)> = c
        .booking
        .payments
        .iter()
        .filter(|p| p.direction == "refund")
        .map(|p| (p.kind.clone(), p.amount_minor, p.voucher_id.clone()))
        .collect();
    assert_eq!(
        refunds,
        vec![
            ("cash".to_string(), 70_000, None),
            ("voucher".to_string(), 30_000, Some(v.id.clone())),
        ]
    );
    assert_eq!(balance(&b), 50_000);

    // Back on the first device: the same booking, the voucher whole again.
    log.push(&b);
    let r = log.pull(&mut a);
    assert_eq!(r.parked, 0, "{r:?}");
    assert_eq!(balance(&a), 50_000);
    assert_eq!(
        bookings::get(a.conn(), &booking.id).unwrap().status,
        BookingStatus::Cancelled
    );
    assert_eq!(dump(a.conn()), dump(b.conn()));
}

#[test]
fn seats_of_a_hold_that_lapsed_elsewhere_sold_again_are_flagged_at_once_and_cleared_by_its_expiry()
{
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, store_id, admin) = first_device(da.path());
    let now = Utc::now();
    let (_, dep) = trip_with_departure(&mut a, &store_id, &admin, 4, now, 45);
    // A holds 3 of the 4 seats for an hour.
    let held = a
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 3, true)))
        .unwrap();
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    ship(&mut log, &a, &mut b);

    // Two hours later, by B's clock the hold has lapsed; A has not expired it yet. B sells
    // the seats again: the rows now book 6 of 4 seats, and B says so at once, as the merge
    // says it on every device.
    b.set_clock(Arc::new(FixedClock::new(now + Duration::hours(2))));
    b.write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 3, true)))
        .unwrap();
    assert_eq!(conflicts(b.conn(), "departure_oversold"), 1);
    log.push(&b);
    log.pull(&mut a);
    assert_eq!(conflicts(a.conn(), "departure_oversold"), 1);

    // A expires its lapsed hold: the seats were never really sold twice, and the conflict
    // goes on both.
    a.set_clock(Arc::new(FixedClock::new(now + Duration::hours(2))));
    let expired = a.write(|tx| bookings::expire_due(tx, &admin)).unwrap();
    assert_eq!(expired, vec![held.id.clone()]);
    assert_eq!(conflicts(a.conn(), "departure_oversold"), 0);
    log.push(&a);
    log.pull(&mut b);
    assert_eq!(conflicts(b.conn(), "departure_oversold"), 0);
    assert_eq!(dump(a.conn()), dump(b.conn()));
}

#[test]
fn new_terms_apply_to_bookings_made_after_them_on_every_device_and_earlier_bookings_keep_theirs() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, store_id, admin) = first_device(da.path());
    let now = Utc::now();
    let (trip, dep) = trip_with_departure(&mut a, &store_id, &admin, 10, now, 45);
    // Made under the trip's first terms (25 % from 30 days, 30 % deposit) and confirmed.
    let before = a
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 1, true)))
        .unwrap();
    a.write(|tx| {
        bookings::pay(
            tx,
            &store_id,
            &admin,
            &before.id,
            BookingTender::Cash,
            30_000,
        )
    })
    .unwrap();
    let outbox_before = count(&a, "SELECT count(*) FROM outbox");

    // Stricter terms: half the price as deposit, 75 % fee from 60 days.
    let stricter = trips::TripPolicy {
        deposit: Share::Percent(5000),
        balance_due_days: 50,
        cancellation_policy: FeeTable::parse("90:0,60:75%,0:100%").unwrap(),
        hold_minutes: 60,
    };
    let t = a
        .write(|tx| trips::set_policy(tx, &admin, &trip, &stricter))
        .unwrap();
    assert_eq!(t.policy(), stricter);
    // One change with only the fields that changed, and one audit entry with both sides.
    let (payload, audit): (String, String) = a
        .conn()
        .query_row(
            "SELECT o.payload, (SELECT before || ' -> ' || after FROM audit_log WHERE action = 'trip.policy_changed')
               FROM outbox o WHERE o.entity = 'trips' ORDER BY o.seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
    let mut keys: Vec<&str> = payload
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "balance_due_days",
            "cancellation_policy",
            "deposit_kind",
            "deposit_value"
        ]
    );
    assert!(
        audit.contains("0:100%,10:50%,30:25%,60:0") && audit.contains("0:100%,60:75%,90:0"),
        "{audit}"
    );
    // The same terms again write nothing; bad terms are refused and change nothing.
    let outbox_after = count(&a, "SELECT count(*) FROM outbox");
    a.write(|tx| trips::set_policy(tx, &admin, &trip, &stricter))
        .unwrap();
    assert_eq!(count(&a, "SELECT count(*) FROM outbox"), outbox_after);
    assert!(outbox_after > outbox_before);
    for bad in [
        trips::TripPolicy {
            hold_minutes: 0,
            ..stricter.clone()
        },
        trips::TripPolicy {
            deposit: Share::Percent(10_001),
            ..stricter.clone()
        },
        trips::TripPolicy {
            balance_due_days: 4000,
            ..stricter.clone()
        },
    ] {
        let e = a
            .write(|tx| trips::set_policy(tx, &admin, &trip, &bad))
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput);
    }
    assert_eq!(count(&a, "SELECT count(*) FROM outbox"), outbox_after);
    assert_eq!(trips::trip(a.conn(), &trip).unwrap().policy(), stricter);

    // A booking made now asks for the new deposit.
    let after = a
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 1, true)))
        .unwrap();
    assert_eq!(after.deposit_minor, 50_000);
    assert_eq!(before.deposit_minor, 30_000);

    // Another device hears the trip's new terms and both bookings with the terms each was
    // made under: 45 days out, the first costs 25 % to cancel, the second 75 %.
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    let r = ship(&mut log, &a, &mut b);
    assert_eq!(r.parked, 0, "{r:?}");
    assert_eq!(trips::trip(b.conn(), &trip).unwrap().policy(), stricter);
    for s in [&a, &b] {
        let q = bookings::cancellation_quote(s.conn(), &before.id, now).unwrap();
        assert_eq!(q.settlement.fee_minor, 25_000);
        assert_eq!(
            bookings::lifecycle::terms(s.conn(), &before.id)
                .unwrap()
                .to_text(),
            "0:100%,10:50%,30:25%,60:0"
        );
        assert_eq!(
            bookings::lifecycle::terms(s.conn(), &after.id)
                .unwrap()
                .to_text(),
            "0:100%,60:75%,90:0"
        );
    }
    let q = bookings::cancellation_quote(b.conn(), &after.id, now).unwrap();
    // A hold is cancelled free: nothing was agreed before the deposit.
    assert_eq!(q.settlement.fee_minor, 0);
    let r = ship(&mut log, &b, &mut a);
    assert_eq!(r.parked, 0, "{r:?}");
    assert_eq!(dump(a.conn()), dump(b.conn()));
}

#[test]
fn the_store_booking_policy_is_where_new_trips_start_and_is_checked_when_set() {
    use kassa_store::foundation::settings;
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _clock, store_id, admin) = store_at(dir.path());
    let p = trips::default_policy(store.conn(), &store_id).unwrap();
    assert_eq!(p.deposit, Share::Percent(2000));
    assert_eq!(p.balance_due_days, 30);
    assert_eq!(
        p.cancellation_policy.to_text(),
        "0:100%,10:50%,30:25%,60:0%"
    );
    assert_eq!(p.hold_minutes, 1440);
    store
        .write(|tx| {
            settings::set(
                tx,
                &store_id,
                "bookings.policy.cancellation",
                kassa_domain::settings::SettingValue::Text("45:10%, 0:80%".into()),
                &admin,
            )
        })
        .unwrap();
    let p = trips::default_policy(store.conn(), &store_id).unwrap();
    assert_eq!(p.cancellation_policy.to_text(), "0:80%,45:10%");
    for (key, bad) in [
        ("bookings.policy.cancellation", "45:10%"),
        ("bookings.policy.cancellation", "4111 1111 1111 1111"),
        ("bookings.policy.deposit", "120%"),
        ("bookings.policy.deposit", "a lot"),
    ] {
        let e = store
            .write(|tx| {
                settings::set(
                    tx,
                    &store_id,
                    key,
                    kassa_domain::settings::SettingValue::Text(bad.into()),
                    &admin,
                )
            })
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{key} {bad}");
    }
    assert_eq!(
        trips::default_policy(store.conn(), &store_id)
            .unwrap()
            .cancellation_policy
            .to_text(),
        "0:80%,45:10%"
    );
}

/// Keeps a pairing as the sync engine does, so seats come from allotments.
fn pair(store: &mut Store, admin: &str) {
    let now = store.clock().now();
    kassa_store::foundation::sync_state::save_pairing(
        store,
        &kassa_store::foundation::sync_state::Pairing {
            server_url: "https://sync.example.com",
            device_code: "01",
            token: "device-token",
            server_time: now,
            actor_id: Some(admin),
        },
    )
    .unwrap();
}

/// What the server answers when it grants what `out` asked for.
fn granted(out: &allotments::Outgoing) -> AllotmentResponse {
    AllotmentResponse {
        pool_id: out.request.pool_id.clone(),
        seats: out.request.seats,
        version: out.request.version,
        release_at: Some(out.request.release_at.clone()),
        capacity: 10,
        held: out.request.seats,
        free: 10 - out.request.seats,
    }
}

#[test]
fn a_paired_device_sells_only_the_seats_it_holds_and_gives_back_unsold_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, clock, store_id, admin) = store_at(dir.path());
    let (_, dep) = trip_with_departure(&mut store, &store_id, &admin, 10, start(), 30);
    // Never paired: every seat of its departures is this device's.
    let before_pairing = store
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 2, true)))
        .unwrap();
    pair(&mut store, &admin);

    // Paired: the server holds the seats, and this device holds none yet.
    let e = store
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 1, true)))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientSeats);
    assert!(
        e.message.contains("this device holds 0 seats") && e.message.contains("2 booked here"),
        "{}",
        e.message
    );
    // Its bookings from before the pairing are claimed at the next sync.
    let due = store.write(allotments::due).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!((due[0].request.seats, due[0].request.version), (2, 1));
    store
        .write(|tx| allotments::accept(tx, None, &due[0], &granted(&due[0])))
        .unwrap();

    // Asking for 4 more: held only once the server answers.
    let out = store.write(|tx| allotments::request(tx, &dep, 4)).unwrap();
    assert_eq!((out.request.seats, out.request.version), (6, 2));
    // Released 7 days before the departure's date, at midnight in Berlin.
    assert_eq!(out.request.release_at, "2026-03-23T23:00:00.000Z");
    let d = trips::departure(store.conn(), &dep).unwrap();
    let s = allotments::standing(store.conn(), &d, start())
        .unwrap()
        .unwrap();
    assert_eq!((s.held, s.used, s.usable, s.pending), (2, 2, 0, true));
    let a = store
        .write(|tx| allotments::accept(tx, Some(&admin), &out, &granted(&out)))
        .unwrap();
    assert_eq!((a.seats, a.version, a.pending), (6, 2, false));
    assert_eq!(
        count(
            &store,
            &format!(
                "SELECT count(*) FROM audit_log WHERE action = 'allotment.granted' AND entity_id = '{dep}'"
            )
        ),
        2
    );

    let three = store
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 3, true)))
        .unwrap();
    let e = store
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 2, true)))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientSeats);
    assert!(
        e.message.contains("holds 6 seats") && e.message.contains("5 booked here, 1 left"),
        "{}",
        e.message
    );

    // Only unsold seats go back, and this device stops selling them before the server hears.
    let e = store
        .write(|tx| allotments::give_back(tx, &dep, 2))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    let back = store
        .write(|tx| allotments::give_back(tx, &dep, 1))
        .unwrap();
    assert_eq!((back.request.seats, back.request.version), (5, 3));
    let s = allotments::standing(store.conn(), &d, start())
        .unwrap()
        .unwrap();
    assert_eq!((s.held, s.usable, s.pending), (5, 0, true));

    // The answer is lost: the next sync sends the holding kept here again, newer.
    let again = store.write(allotments::due).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].request.seats, again[0].request.version), (5, 4));
    store
        .write(|tx| allotments::accept(tx, None, &again[0], &granted(&again[0])))
        .unwrap();
    // A late answer to the older request changes nothing.
    let a = store
        .write(|tx| allotments::accept(tx, None, &back, &granted(&back)))
        .unwrap();
    assert_eq!((a.seats, a.version, a.pending), (5, 4, false));
    assert!(store.write(allotments::due).unwrap().is_empty());

    // A cancellation gives its seats back to this device's allotment.
    store
        .write(|tx| bookings::cancel(tx, &store_id, &admin, &three.id, None))
        .unwrap();
    let s = allotments::standing(store.conn(), &d, start())
        .unwrap()
        .unwrap();
    assert_eq!((s.held, s.used, s.usable), (5, 2, 3));

    // At the release moment the unsold seats are the pool's again, offline too: nothing more
    // is sold, and the next sync gives them back.
    clock.set(Utc.with_ymd_and_hms(2026, 3, 23, 23, 0, 0).unwrap());
    let e = store
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 1, true)))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientSeats);
    assert!(e.message.contains("went back to the pool"), "{}", e.message);
    let release = store.write(allotments::due).unwrap();
    assert_eq!(release.len(), 1);
    // The booking made before pairing was only held, and its hold lapsed long ago: it takes
    // no seat either, so every seat goes back.
    assert_eq!(before_pairing.status, BookingStatus::Held);
    assert_eq!(release[0].request.seats, 0);
    let a = store
        .write(|tx| allotments::accept(tx, None, &release[0], &granted(&release[0])))
        .unwrap();
    assert_eq!(a.seats, 0);
    assert_eq!(
        count(
            &store,
            &format!(
                "SELECT count(*) FROM audit_log WHERE action = 'allotment.returned' AND entity_id = '{dep}'"
            )
        ),
        2
    );
}

#[test]
fn seats_asked_for_after_the_release_moment_are_held_for_minutes() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, clock, store_id, admin) = store_at(dir.path());
    // Leaves in 3 days: 7 days before is already past.
    let (_, dep) = trip_with_departure(&mut store, &store_id, &admin, 10, start(), 3);
    pair(&mut store, &admin);
    let out = store.write(|tx| allotments::request(tx, &dep, 2)).unwrap();
    assert_eq!(out.request.release_at, "2026-03-01T09:15:00.000Z");
    store
        .write(|tx| allotments::accept(tx, None, &out, &granted(&out)))
        .unwrap();
    store
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 1, true)))
        .unwrap();
    clock.set(start() + Duration::minutes(15));
    let e = store
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 1, true)))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientSeats);
    let due = store.write(allotments::due).unwrap();
    assert_eq!(due[0].request.seats, 1);
}

fn traveller(name: &str, kind: TravellerType) -> Traveller {
    Traveller {
        traveller_type: kind,
        full_name: name.into(),
        date_of_birth: None,
        document_number: None,
    }
}

#[test]
fn an_amendment_reprices_keeps_agreed_prices_shows_the_difference_and_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _clock, store_id, admin) = store_at(dir.path());
    let (trip, dep) = trip_with_departure(&mut store, &store_id, &admin, 4, start(), 90);
    let (room, later) = store
        .write(|tx| {
            let room = trips::add_option(tx, &admin, &trip, "Single room", 25_000, Some(2))?;
            let later = trips::add_departure(
                tx,
                &store_id,
                &admin,
                &DepartureData {
                    trip_id: trip.clone(),
                    departs_at: start() + Duration::days(120),
                    returns_at: None,
                    time_zone: "Europe/Berlin".into(),
                    meeting_point: None,
                    seats: Some(2),
                    share_with: None,
                },
            )?;
            Ok((room.id, later.id))
        })
        .unwrap();
    let b = store
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 2, true)))
        .unwrap();
    store
        .write(|tx| bookings::pay(tx, &store_id, &admin, &b.id, BookingTender::Cash, 60_000))
        .unwrap();
    // The trip's adult price rose since the booking was made.
    store
        .conn()
        .execute(
            "UPDATE trips SET adult_minor = 110000, child_minor = 70000",
            [],
        )
        .unwrap();

    let change = amend::Amendment {
        add: vec![traveller("Ada Lovelace", TravellerType::Child)],
        options: Some(vec![(room.clone(), 1)]),
        ..Default::default()
    };
    let p = amend::preview(store.conn(), &b.id, &change, start()).unwrap();
    // The two adults keep 1,000.00 each; the child and the room are priced now.
    assert_eq!(
        (p.total_before, p.total_after, p.difference_minor),
        (200_000, 295_000, 95_000)
    );
    assert_eq!((p.seats_before, p.seats_after), (2, 3));
    assert_eq!(
        (p.deposit_after, p.refund_minor, p.balance_after),
        (88_500, 0, 235_000)
    );
    let done = store
        .write(|tx| amend::amend(tx, &store_id, &admin, &b.id, &change))
        .unwrap();
    assert_eq!(done.booking.total_minor, 295_000);
    assert_eq!(done.booking.seats, 3);
    assert_eq!(done.booking.status, BookingStatus::Confirmed);
    assert_eq!(done.booking.balance_minor, 235_000);
    assert_eq!(done.booking.items.len(), 1);
    assert_eq!(
        bookings::availability(store.conn(), &dep, start())
            .unwrap()
            .left,
        1
    );
    let audit: String = store
        .conn()
        .query_row(
            "SELECT after FROM audit_log WHERE action = 'booking.amended'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(audit.contains("\"difference_minor\":95000"), "{audit}");

    // Two more seats do not fit the departure; nothing changes.
    let e = store
        .write(|tx| {
            amend::amend(
                tx,
                &store_id,
                &admin,
                &b.id,
                &amend::Amendment {
                    add: vec![
                        traveller("Alan Turing", TravellerType::Adult),
                        traveller("Grace Hopper", TravellerType::Adult),
                    ],
                    ..Default::default()
                },
            )
        })
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientSeats);
    assert_eq!(bookings::get(store.conn(), &b.id).unwrap().seats, 3);
    // Nor do three travellers fit the later departure's two seats.
    let moved = amend::Amendment {
        departure_id: Some(later.clone()),
        ..Default::default()
    };
    let e = store
        .write(|tx| amend::amend(tx, &store_id, &admin, &b.id, &moved))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientSeats);

    // Paid in full, then a traveller and the room taken off: the difference goes back in cash.
    store
        .write(|tx| bookings::pay(tx, &store_id, &admin, &b.id, BookingTender::Cash, 235_000))
        .unwrap();
    let child = done
        .booking
        .travellers
        .iter()
        .find(|t| t.full_name == "Ada Lovelace")
        .unwrap()
        .id
        .clone();
    let smaller = amend::Amendment {
        remove: vec![child],
        options: Some(vec![]),
        departure_id: Some(later.clone()),
        ..Default::default()
    };
    let p = amend::preview(store.conn(), &b.id, &smaller, start()).unwrap();
    assert_eq!(
        (p.total_after, p.refund_minor, p.balance_after),
        (200_000, 95_000, 0)
    );
    let done = store
        .write(|tx| amend::amend(tx, &store_id, &admin, &b.id, &smaller))
        .unwrap();
    assert_eq!(done.booking.status, BookingStatus::Paid);
    assert_eq!(done.booking.departure_id, later);
    assert_eq!(done.booking.paid_minor, 200_000);
    assert_eq!(done.booking.travellers.len(), 2);
    assert!(done.booking.items.is_empty());
    assert_eq!(
        bookings::availability(store.conn(), &dep, start())
            .unwrap()
            .left,
        4
    );
    assert_eq!(
        bookings::availability(store.conn(), &later, start())
            .unwrap()
            .left,
        0
    );
    // The refund is cash from this device's drawer.
    assert_eq!(
        count(
            &store,
            "SELECT coalesce(sum(amount_minor), 0) FROM booking_payments WHERE direction = 'refund' AND kind = 'cash'"
        ),
        95_000
    );

    // A paid booking whose total rises owes a balance again.
    let grown = store
        .write(|tx| {
            amend::amend(
                tx,
                &store_id,
                &admin,
                &b.id,
                &amend::Amendment {
                    departure_id: Some(dep.clone()),
                    add: vec![traveller("Alan Turing", TravellerType::Adult)],
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert_eq!(grown.booking.status, BookingStatus::Confirmed);
    assert_eq!(grown.booking.balance_minor, 110_000);
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM booking_events WHERE event = 'reopen'"
        ),
        1
    );
    // Nothing to change, and a stranger's traveller, are refused.
    for bad in [
        amend::Amendment::default(),
        amend::Amendment {
            remove: vec!["nobody".into()],
            ..Default::default()
        },
    ] {
        assert!(
            store
                .write(|tx| amend::amend(tx, &store_id, &admin, &b.id, &bad))
                .is_err()
        );
    }
}

#[test]
fn two_devices_amending_one_booking_offline_end_the_same_and_flag_it() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, store_id, admin) = first_device(da.path());
    let now = Utc::now();
    let (_, dep) = trip_with_departure(&mut a, &store_id, &admin, 8, now, 45);
    let booked = a
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 3, true)))
        .unwrap();
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    ship(&mut log, &a, &mut b);
    let t: Vec<String> = booked.travellers.iter().map(|t| t.id.clone()).collect();
    // Offline, A adds a traveller and takes the third off; B takes the first and the third off.
    a.write(|tx| {
        amend::amend(
            tx,
            &store_id,
            &admin,
            &booked.id,
            &amend::Amendment {
                add: vec![traveller("Alan Turing", TravellerType::Adult)],
                remove: vec![t[2].clone()],
                ..Default::default()
            },
        )
    })
    .unwrap();
    b.write(|tx| {
        amend::amend(
            tx,
            &store_id,
            &admin,
            &booked.id,
            &amend::Amendment {
                remove: vec![t[0].clone(), t[2].clone()],
                ..Default::default()
            },
        )
    })
    .unwrap();
    log.push(&b);
    log.pull(&mut a);
    log.push(&a);
    log.pull(&mut b);
    for s in [&a, &b] {
        let now_held = bookings::get(s.conn(), &booked.id).unwrap();
        assert_eq!(now_held.seats, 2, "both amendments hold");
        assert_eq!(now_held.total_minor, 200_000);
        let names: Vec<&str> = now_held
            .travellers
            .iter()
            .map(|t| t.full_name.as_str())
            .collect();
        assert_eq!(names, ["Traveller 1", "Alan Turing"]);
        assert_eq!(conflicts(s.conn(), "booking_amended_twice"), 1);
    }
    // The third traveller, taken off by both, is marked by the same amendment everywhere.
    assert_eq!(dump(a.conn()), dump(b.conn()));
}

#[test]
fn a_booking_paid_by_two_cards_and_cash_goes_back_to_each_card_and_the_providers_answers_reach_every_device()
 {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, store_id, admin) = first_device(da.path());
    let now = Utc::now();
    // 90 days ahead: the policy keeps no fee, so a cancellation refunds everything paid.
    let (_, dep) = trip_with_departure(&mut a, &store_id, &admin, 10, now, 90);
    let booking = a
        .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 1, true)))
        .unwrap();
    let card = |payment: &str, intent: &str| CardCapture {
        payment_id: payment.into(),
        intent_id: intent.into(),
        brand: Some("visa".into()),
        last4: Some("4242".into()),
    };
    let (first, second) = (
        "0193a1b2-0000-7000-8000-000000000001",
        "0193a1b2-0000-7000-8000-000000000002",
    );
    let pay = |s: &mut Store, tender: BookingTender, amount: i64| {
        s.write(|tx| bookings::pay(tx, &store_id, &admin, &booking.id, tender, amount))
            .unwrap()
    };
    let p = pay(&mut a, BookingTender::Card(card(first, "pi_first")), 30_000);
    assert_eq!(p.booking.status, BookingStatus::Confirmed);
    assert_eq!(p.payment_id, first);
    // The same captured card again (an answer lost): the payment written first answers.
    let again = pay(&mut a, BookingTender::Card(card(first, "pi_first")), 30_000);
    assert_eq!(again.receipt_number, p.receipt_number);
    assert_eq!(count(&a, "SELECT count(*) FROM booking_payments"), 1);
    pay(&mut a, BookingTender::Cash, 20_000);
    let p = pay(
        &mut a,
        BookingTender::Card(card(second, "pi_second")),
        50_000,
    );
    assert_eq!(p.booking.status, BookingStatus::Paid);
    let cards: Vec<(String, Option<String>, Option<String>)> = p
        .booking
        .payments
        .iter()
        .filter(|p| p.kind == "card")
        .map(|p| (p.id.clone(), p.provider_ref.clone(), p.card_last4.clone()))
        .collect();
    assert_eq!(
        cards,
        vec![
            (first.into(), Some("pi_first".into()), Some("4242".into())),
            (second.into(), Some("pi_second".into()), Some("4242".into())),
        ]
    );
    // Card money is not in the drawer.
    let device_id: String = a
        .conn()
        .query_row("SELECT id FROM device", [], |r| r.get(0))
        .unwrap();
    let s = shift::open_shift(a.conn(), &device_id).unwrap().unwrap();
    assert_eq!(
        shift::figures(a.conn(), &s.id).unwrap().booking_cash_minor,
        20_000
    );

    // Another device cancels it: the latest payment first, each card paid back its own share
    // (pending until the provider answers), the cash from this device's drawer.
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    let r = ship(&mut log, &a, &mut b);
    assert_eq!(r.parked, 0, "{r:?}");
    let c = b
        .write(|tx| bookings::cancel(tx, &store_id, &admin, &booking.id, None))
        .unwrap();
    let refunds: Vec<(String, i64, Option<String>, Option<String>)> = c
        .booking
        .payments
        .iter()
        .filter(|p| p.direction == "refund")
        .map(|p| {
            (
                p.kind.clone(),
                p.amount_minor,
                p.refunds_payment_id.clone(),
                p.card_refund_status.clone(),
            )
        })
        .collect();
    assert_eq!(
        refunds,
        vec![
            (
                "card".into(),
                50_000,
                Some(second.into()),
                Some("pending".into())
            ),
            ("cash".into(), 20_000, None, None),
            (
                "card".into(),
                30_000,
                Some(first.into()),
                Some("pending".into())
            ),
        ]
    );
    // The device that cancelled sends the card refunds, each to its card's PaymentIntent.
    assert!(
        card_refunds::forwardable(a.conn(), None)
            .unwrap()
            .is_empty()
    );
    let sent = card_refunds::forwardable(b.conn(), Some(&booking.id)).unwrap();
    let to: Vec<(&str, i64, &str, &str)> = sent
        .iter()
        .map(|f| {
            (
                f.intent_id.as_str(),
                f.amount_minor,
                f.payment_id.as_str(),
                f.currency.as_str(),
            )
        })
        .collect();
    assert_eq!(
        to,
        vec![
            ("pi_second", 50_000, second, "EUR"),
            ("pi_first", 30_000, first, "EUR")
        ]
    );
    assert!(
        sent.iter()
            .all(|f| f.order_id == booking.id && f.refund_id == booking.id)
    );
    // The provider pays one back and refuses the other: a manager's task.
    let answer = |status, reason: Option<&str>| card_refunds::Outcome {
        status,
        intent_id: None,
        provider_refund_id: Some("re_1".into()),
        failure_reason: reason.map(str::to_owned),
    };
    assert!(
        card_refunds::record_outcome(
            &mut b,
            &sent[0].refund_payment_id,
            &answer(card_refunds::OutcomeStatus::Refunded, None)
        )
        .unwrap()
    );
    assert!(
        card_refunds::record_outcome(
            &mut b,
            &sent[1].refund_payment_id,
            &answer(card_refunds::OutcomeStatus::Failed, Some("expired_card"))
        )
        .unwrap()
    );
    assert!(
        card_refunds::forwardable(b.conn(), None)
            .unwrap()
            .is_empty()
    );
    let statuses = |s: &Store| -> Vec<Option<String>> {
        bookings::get(s.conn(), &booking.id)
            .unwrap()
            .payments
            .into_iter()
            .filter(|p| p.direction == "refund")
            .map(|p| p.card_refund_status)
            .collect()
    };
    let want = vec![
        Some("refunded".to_string()),
        None,
        Some("failed".to_string()),
    ];
    assert_eq!(statuses(&b), want);
    assert_eq!(conflicts(b.conn(), card_refunds::FAILED_TASK), 1);

    // Back on the first device: the same refunds with the provider's answers, and the task.
    log.push(&b);
    let r = log.pull(&mut a);
    assert_eq!(r.parked, 0, "{r:?}");
    assert_eq!(statuses(&a), want);
    assert_eq!(conflicts(a.conn(), card_refunds::FAILED_TASK), 1);
    let task: String = a
        .conn()
        .query_row(
            "SELECT detail FROM conflicts WHERE kind = ?1",
            [card_refunds::FAILED_TASK],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        task.contains(&booking.reference) && task.contains("30000"),
        "{task}"
    );
    assert_eq!(
        bookings::get(a.conn(), &booking.id).unwrap().status,
        BookingStatus::Cancelled
    );
    assert_eq!(dump(a.conn()), dump(b.conn()));
}

#[test]
fn a_deposit_taken_offline_by_card_counts_until_declined_then_the_booking_owes_it_on_every_device()
{
    use kassa_domain::settings::{COMMISSIONS_DEFAULT_BP, SettingValue};
    use kassa_store::bookings::OfflineCard;
    use kassa_store::foundation::settings;
    use kassa_store::selling::{cards, checkout};

    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, store_id, admin) = first_device(da.path());
    let set = |s: &mut Store, key: &str, v: i64| {
        s.write(|tx| settings::set(tx, &store_id, key, SettingValue::Int(v), &admin))
            .unwrap();
    };
    set(&mut a, COMMISSIONS_DEFAULT_BP, 1_000);
    let now = Utc::now();
    // 90 days ahead: the policy keeps no fee, so a cancellation refunds everything paid.
    let (_, dep) = trip_with_departure(&mut a, &store_id, &admin, 10, now, 90);
    let cust = a
        .write(|tx| {
            kassa_store::customers::create(
                tx,
                &store_id,
                &admin,
                &CustomerData {
                    name: "Ada Lovelace".into(),
                    email: Some("ada@example.com".into()),
                    ..Default::default()
                },
                AuditMode::PerProduct,
            )
        })
        .unwrap()
        .id;
    let book = |s: &mut Store| {
        s.write(|tx| bookings::create(tx, &store_id, &request(&dep, Some(&cust), &admin, 1, true)))
            .unwrap()
    };
    let offline = |payment: &str| {
        BookingTender::OfflineCard(OfflineCard {
            payment_id: payment.into(),
            token: "pm_card_visa".into(),
            provider_key: format!("key-{payment}"),
        })
    };
    let pay = |s: &mut Store, booking: &str, tender: BookingTender, amount: i64| {
        s.write(|tx| bookings::pay(tx, &store_id, &admin, booking, tender, amount))
    };
    let booking = book(&mut a);
    let deposit = "0193a1b2-0000-7000-8000-0000000000d1";

    // Above the store's cap for one offline card (150.00 by default): refused, nothing kept.
    let e = pay(&mut a, &booking.id, offline(deposit), 30_000).unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");
    assert!(e.message.contains("150.00"), "{}", e.message);
    assert_eq!(count(&a, "SELECT count(*) FROM booking_payments"), 0);
    assert_eq!(count(&a, "SELECT count(*) FROM card_tokens"), 0);

    // Within the limits: written pending, it confirms the booking and counts as paid.
    set(&mut a, "payments.offline_card_max_minor", 50_000);
    let p = pay(&mut a, &booking.id, offline(deposit), 30_000).unwrap();
    assert_eq!(p.payment_id, deposit);
    assert_eq!(p.booking.status, BookingStatus::Confirmed);
    assert_eq!(p.booking.paid_minor, 30_000);
    assert_eq!(
        p.booking.payments[0].card_status.as_deref(),
        Some("offline_pending")
    );
    // Asked again (an answer lost): the same payment answers, written once.
    let again = pay(&mut a, &booking.id, offline(deposit), 30_000).unwrap();
    assert_eq!(again.receipt_number, p.receipt_number);
    assert_eq!(count(&a, "SELECT count(*) FROM booking_payments"), 1);
    pay(&mut a, &booking.id, BookingTender::Cash, 20_000).unwrap();
    // It is this device's offline exposure, and the next sync forwards it under its key.
    assert_eq!(checkout::offline_card_exposure(a.conn()).unwrap().0, 30_000);
    let pending = checkout::pending_cards(a.conn()).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].payment_id, deposit);
    assert_eq!(
        (
            pending[0].number.as_str(),
            pending[0].customer_contact.as_deref()
        ),
        (booking.reference.as_str(), Some("ada@example.com"))
    );
    let fwd = cards::forwardable(a.conn()).unwrap();
    assert_eq!(fwd.len(), 1);
    assert_eq!(
        (
            fwd[0].payment_id.as_str(),
            fwd[0].order_id.as_str(),
            fwd[0].amount_minor,
            fwd[0].currency.as_str(),
            fwd[0].token.as_str(),
            fwd[0].idempotency_key.as_str()
        ),
        (
            deposit,
            booking.id.as_str(),
            30_000,
            "EUR",
            "pm_card_visa",
            format!("key-{deposit}").as_str()
        )
    );
    let commission = |s: &Store| {
        count(
            s,
            &format!(
                "SELECT coalesce(sum(amount_minor), 0) FROM commission_entries WHERE source_id = '{}'",
                booking.id
            ),
        )
    };
    assert_eq!(commission(&a), 5_000);

    // The second device sees it pending too, but forwards nothing: it is the first's card.
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    let r = ship(&mut log, &a, &mut b);
    assert_eq!(r.parked, 0, "{r:?}");
    let on_b = bookings::get(b.conn(), &booking.id).unwrap();
    assert_eq!(on_b.paid_minor, 50_000);
    assert!(cards::forwardable(b.conn()).unwrap().is_empty());
    assert_eq!(checkout::offline_card_exposure(b.conn()).unwrap().0, 0);

    // The provider declines it: the booking owes it again, the agent's commission on it goes
    // back, and a manager is asked to get the customer to pay.
    let declined = cards::Outcome {
        status: cards::OutcomeStatus::Declined,
        intent_id: Some("pi_declined".into()),
        brand: Some("visa".into()),
        last4: Some("0002".into()),
        decline_code: Some("insufficient_funds".into()),
        review: None,
    };
    assert!(cards::record_outcome(&mut a, deposit, &declined).unwrap());
    assert!(!cards::record_outcome(&mut a, deposit, &declined).unwrap());
    let after = bookings::get(a.conn(), &booking.id).unwrap();
    assert_eq!(after.status, BookingStatus::Confirmed);
    assert_eq!((after.paid_minor, after.balance_minor), (20_000, 80_000));
    let card = &after.payments[0];
    assert_eq!(card.card_status.as_deref(), Some("declined"));
    assert_eq!(card.card_last4.as_deref(), Some("0002"));
    assert!(!card.counts());
    assert_eq!(commission(&a), 2_000);
    assert_eq!(checkout::offline_card_exposure(a.conn()).unwrap().0, 0);
    assert!(cards::forwardable(a.conn()).unwrap().is_empty());
    assert_eq!(count(&a, "SELECT count(*) FROM card_tokens"), 0);
    assert_eq!(conflicts(a.conn(), cards::DECLINED_TASK), 1);
    let task: String = a
        .conn()
        .query_row(
            "SELECT detail FROM conflicts WHERE kind = ?1",
            [cards::DECLINED_TASK],
            |r| r.get(0),
        )
        .unwrap();
    for part in [
        &booking.reference,
        "30000",
        "ada@example.com",
        "insufficient_funds",
    ] {
        assert!(task.contains(part), "{part} missing from {task}");
    }
    let listed = bookings::list(a.conn(), None, None, Some(&booking.reference), 5).unwrap();
    assert_eq!(listed[0].paid_minor, 20_000);
    // The card payments report names it among the declined ones, with the booking's reference
    // and the customer to call, and this device has nothing pending any more.
    let today = card.business_date.clone();
    let report = kassa_store::reports::cards::cards(
        a.conn(),
        &store_id,
        kassa_store::reports::Period::parse(&today, &today).unwrap(),
        Utc::now(),
    )
    .unwrap();
    let declined: Vec<(&str, i64, Option<&str>)> = report
        .declined
        .iter()
        .map(|r| {
            (
                r.number.as_str(),
                r.amount_minor,
                r.customer_email.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        declined,
        vec![(booking.reference.as_str(), 30_000, Some("ada@example.com"))]
    );
    assert_eq!(
        (report.exposure.pending, report.exposure.pending_minor),
        (0, 0)
    );
    // The bookings report counts the cash as money taken, not the declined card.
    let money = kassa_store::reports::bookings::bookings(
        a.conn(),
        &store_id,
        kassa_store::reports::Period::parse(&today, &today).unwrap(),
        Utc::now(),
    )
    .unwrap()
    .money;
    assert_eq!((money.payments, money.taken_minor), (1, 20_000));

    // Cancelled: only the cash goes back; nothing to the card that brought nothing in.
    let c = a
        .write(|tx| bookings::cancel(tx, &store_id, &admin, &booking.id, None))
        .unwrap();
    let refunds: Vec<(String, i64)> = c
        .booking
        .payments
        .iter()
        .filter(|p| p.direction == "refund")
        .map(|p| (p.kind.clone(), p.amount_minor))
        .collect();
    assert_eq!(refunds, vec![("cash".to_string(), 20_000)]);
    assert_eq!((c.booking.paid_minor, c.booking.balance_minor), (0, 0));
    assert_eq!(commission(&a), 0);

    // The second device ends the same, with the task.
    let r = ship(&mut log, &a, &mut b);
    assert_eq!(r.parked, 0, "{r:?}");
    assert_eq!(conflicts(b.conn(), cards::DECLINED_TASK), 1);
    let on_b = bookings::get(b.conn(), &booking.id).unwrap();
    assert_eq!(on_b.payments[0].card_status.as_deref(), Some("declined"));
    assert_eq!((on_b.paid_minor, on_b.balance_minor), (0, 0));
    let r = ship(&mut log, &b, &mut a);
    assert_eq!(r.parked, 0, "{r:?}");
    assert_eq!(dump(a.conn()), dump(b.conn()));
}

#[test]
fn a_card_taken_offline_is_paid_back_once_captured_and_never_once_declined() {
    use kassa_store::bookings::OfflineCard;
    use kassa_store::selling::cards;

    let dir = tempfile::tempdir().unwrap();
    let (mut a, store_id, admin) = first_device(dir.path());
    let now = Utc::now();
    let (_, dep) = trip_with_departure(&mut a, &store_id, &admin, 10, now, 90);
    let mut taken = Vec::new();
    for (n, payment) in [
        "0193a1b2-0000-7000-8000-0000000000e1",
        "0193a1b2-0000-7000-8000-0000000000e2",
    ]
    .into_iter()
    .enumerate()
    {
        let b = a
            .write(|tx| bookings::create(tx, &store_id, &request(&dep, None, &admin, 1, true)))
            .unwrap();
        let tender = BookingTender::OfflineCard(OfflineCard {
            payment_id: payment.into(),
            token: format!("pm_card_{n}"),
            provider_key: format!("key-{n}"),
        });
        a.write(|tx| bookings::pay(tx, &store_id, &admin, &b.id, tender, 10_000))
            .unwrap();
        // Cancelled before the provider answered: the refund waits for the card's outcome.
        let c = a
            .write(|tx| bookings::cancel(tx, &store_id, &admin, &b.id, None))
            .unwrap();
        let refund = c.booking.payments.last().unwrap();
        assert_eq!(
            (
                refund.direction.as_str(),
                refund.card_refund_status.as_deref()
            ),
            ("refund", Some("pending"))
        );
        assert!(
            card_refunds::forwardable(a.conn(), Some(&b.id))
                .unwrap()
                .is_empty()
        );
        taken.push((b.id, payment));
    }
    let outcome = |status, intent: &str| cards::Outcome {
        status,
        intent_id: Some(intent.into()),
        brand: Some("visa".into()),
        last4: Some("4242".into()),
        decline_code: None,
        review: None,
    };
    // Captured: the refund goes to the PaymentIntent the outcome names.
    let (first, first_payment) = &taken[0];
    cards::record_outcome(
        &mut a,
        first_payment,
        &outcome(cards::OutcomeStatus::Captured, "pi_late"),
    )
    .unwrap();
    let sent = card_refunds::forwardable(a.conn(), Some(first)).unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].intent_id.as_str(), sent[0].amount_minor),
        ("pi_late", 10_000)
    );
    let b = bookings::get(a.conn(), first).unwrap();
    assert_eq!(b.payments[0].card_status.as_deref(), Some("captured"));
    assert_eq!((b.paid_minor, b.balance_minor), (0, 0));
    // Declined: nothing was charged, so nothing goes back and nothing is owed.
    let (second, second_payment) = &taken[1];
    cards::record_outcome(
        &mut a,
        second_payment,
        &outcome(cards::OutcomeStatus::Declined, "pi_no"),
    )
    .unwrap();
    assert!(
        card_refunds::forwardable(a.conn(), Some(second))
            .unwrap()
            .is_empty()
    );
    let b = bookings::get(a.conn(), second).unwrap();
    assert_eq!(
        b.payments.last().unwrap().card_refund_status.as_deref(),
        Some("not_charged")
    );
    assert_eq!((b.paid_minor, b.balance_minor), (0, 0));
}
