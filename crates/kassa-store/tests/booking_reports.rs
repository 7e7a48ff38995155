//! The bookings and card payments reports: every figure of a store with bookings made,
//! paid, cancelled (free, with a fee refunding the rest, with a fee still owed) and quoted,
//! and card payments captured, declined and pending; the rows add up to the totals.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use kassa_domain::booking::{FeeTable, Share, Traveller, TravellerPrices, TravellerType};
use kassa_domain::customer::CustomerData;
use kassa_domain::selling::pricing::Discount;
use kassa_domain::selling::tender::TenderKind;
use kassa_domain::settings::SettingValue;
use kassa_store::bookings::trips::{self, DepartureData, TripData};
use kassa_store::bookings::{self, BookingRequest, BookingTender};
use kassa_store::catalog::AuditMode;
use kassa_store::foundation::device::{SetupParams, setup};
use kassa_store::foundation::settings;
use kassa_store::reports::Period;
use kassa_store::reports::bookings::{
    AgentTotals, BookingMoney, CancellationTotals, StatusCount, TenderMoney, TripTotals,
};
use kassa_store::reports::cards::{CardBrandRow, CardStatusRow};
use kassa_store::selling::checkout::{CardDetails, CheckoutRequest, TenderRequest, checkout};
use kassa_store::{Clock, FixedClock, KeySource, Store};
use std::sync::Arc;

fn at(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, hour, minute, 0)
        .unwrap()
}

fn period(from: &str, to: &str) -> Period {
    Period::parse(from, to).unwrap()
}

fn add_agent(store: &Store, store_id: &str) {
    store
        .conn()
        .execute(
            "INSERT INTO staff (id, store_id, email, display_name, role, status, password_hash, created_at, updated_at)
             VALUES ('agent-1', ?1, 'agent@example.com', 'Ada Agent', 'cashier', 'active', 'x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            [store_id],
        )
        .unwrap();
}

fn set_utc(store: &mut Store, store_id: &str, admin: &str) {
    store
        .write(|tx| {
            settings::set(
                tx,
                store_id,
                "store.time_zone",
                SettingValue::Text("UTC".into()),
                admin,
            )
            .map(|_| ())
        })
        .unwrap();
}

fn trip(store: &mut Store, store_id: &str, admin: &str, code: &str) -> String {
    let data = TripData {
        code: code.into(),
        name: format!("Trip {code}"),
        prices: TravellerPrices {
            adult_minor: 100_000,
            child_minor: None,
            senior_minor: None,
        },
        deposit: Share::Percent(3000),
        balance_due_days: 30,
        cancellation_policy: FeeTable::parse("60:0,30:25%,10:50%,0:100%").unwrap(),
        hold_minutes: 60,
        documents_required: false,
    };
    store
        .write(|tx| trips::create_trip(tx, store_id, admin, &data))
        .unwrap()
        .id
}

fn departure(
    store: &mut Store,
    store_id: &str,
    admin: &str,
    trip_id: &str,
    when: DateTime<Utc>,
    seats: i64,
) -> String {
    store
        .write(|tx| {
            trips::add_departure(
                tx,
                store_id,
                admin,
                &DepartureData {
                    trip_id: trip_id.into(),
                    departs_at: when,
                    returns_at: None,
                    time_zone: "Europe/Berlin".into(),
                    meeting_point: None,
                    seats: Some(seats),
                    share_with: None,
                },
            )
        })
        .unwrap()
        .id
}

struct Desk {
    store: Store,
    clock: Arc<FixedClock>,
    store_id: String,
    admin: String,
    _dir: tempfile::TempDir,
}

impl Desk {
    fn book(
        &mut self,
        t: DateTime<Utc>,
        staff: &str,
        dep: &str,
        seats: usize,
        hold: bool,
    ) -> String {
        self.clock.set(t);
        let req = BookingRequest {
            departure_id: dep.into(),
            customer_id: None,
            travellers: (0..seats)
                .map(|i| Traveller {
                    traveller_type: TravellerType::Adult,
                    full_name: format!("Traveller {i}"),
                    date_of_birth: None,
                    document_number: None,
                })
                .collect(),
            options: vec![],
            note: None,
            staff_id: staff.into(),
            hold,
            waitlist_id: None,
        };
        let sid = self.store_id.clone();
        self.store
            .write(|tx| bookings::create(tx, &sid, &req))
            .unwrap()
            .id
    }

    fn pay(&mut self, t: DateTime<Utc>, staff: &str, id: &str, amount: i64) {
        self.clock.set(t);
        let sid = self.store_id.clone();
        self.store
            .write(|tx| bookings::pay(tx, &sid, staff, id, BookingTender::Cash, amount))
            .unwrap();
    }

    fn cancel(&mut self, t: DateTime<Utc>, staff: &str, id: &str) {
        self.clock.set(t);
        let sid = self.store_id.clone();
        self.store
            .write(|tx| bookings::cancel(tx, &sid, staff, id, None))
            .unwrap();
    }
}

fn desk() -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(at(3, 1, 9, 0)));
    let mut store = Store::open(
        dir.path(),
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
            admin_name: Some("Max Manager".into()),
            password: "correct horse battery staple".into(),
            demo: false,
        },
    )
    .unwrap();
    add_agent(&store, &out.store_id);
    set_utc(&mut store, &out.store_id, &out.admin_id);
    Desk {
        store,
        clock,
        store_id: out.store_id,
        admin: out.admin_id,
        _dir: dir,
    }
}

#[test]
fn the_bookings_report_counts_every_booking_payment_cancellation_balance_and_seat() {
    let mut d = desk();
    let (sid, admin) = (d.store_id.clone(), d.admin.clone());
    let agent = "agent-1";
    let garda = trip(&mut d.store, &sid, &admin, "GARDA");
    let alps = trip(&mut d.store, &sid, &admin, "ALPS");
    // GARDA leaves in the period; ALPS twice after it.
    let d1 = departure(&mut d.store, &sid, &admin, &garda, at(3, 31, 9, 0), 10);
    let d2 = departure(&mut d.store, &sid, &admin, &alps, at(4, 20, 9, 0), 4);
    let d3 = departure(&mut d.store, &sid, &admin, &alps, at(5, 20, 9, 0), 6);

    // Before the period: b6 made and its deposit paid.
    let b6 = d.book(at(3, 1, 9, 30), &admin, &d3, 1, true);
    d.pay(at(3, 1, 9, 31), &admin, &b6, 30_000);
    // In the period.
    let b1 = d.book(at(3, 2, 10, 0), &admin, &d1, 2, true);
    d.pay(at(3, 2, 10, 1), &admin, &b1, 60_000);
    d.pay(at(3, 2, 10, 2), &admin, &b1, 140_000);
    let b2 = d.book(at(3, 2, 10, 10), agent, &d1, 1, true);
    d.pay(at(3, 2, 10, 11), agent, &b2, 50_000);
    let _b3 = d.book(at(3, 2, 10, 20), agent, &d2, 1, false);
    let b4 = d.book(at(3, 2, 10, 30), &admin, &d2, 2, true);
    d.pay(at(3, 2, 10, 31), &admin, &b4, 60_000);
    // A hold with less than the deposit paid is cancelled free: all of it comes back.
    let b5 = d.book(at(3, 2, 10, 40), &admin, &d1, 1, true);
    d.pay(at(3, 2, 10, 41), &admin, &b5, 10_000);
    d.cancel(at(3, 2, 10, 45), &admin, &b5);
    // A payment beyond the deposit already paid is balance.
    d.pay(at(3, 3, 9, 0), &admin, &b6, 20_000);
    // 41 days before: 25 % of 200,000 kept from 60,000 paid, 10,000 back.
    d.cancel(at(3, 10, 9, 0), &admin, &b4);
    // 6 days before: the whole 100,000; 30,000 paid is kept and 70,000 is still owed.
    let b7 = d.book(at(3, 25, 9, 0), agent, &d1, 1, true);
    d.pay(at(3, 25, 9, 1), agent, &b7, 30_000);
    d.cancel(at(3, 25, 9, 30), agent, &b7);

    let r = kassa_store::reports::bookings::bookings(
        d.store.conn(),
        &sid,
        period("2026-03-02", "2026-03-31"),
        at(3, 26, 10, 0),
    )
    .unwrap();
    assert_eq!(r.today, "2026-03-26");
    assert_eq!((r.bookings, r.seats, r.value_minor), (6, 8, 800_000));
    let status = |s: &str, bookings, seats, value_minor| StatusCount {
        status: s.into(),
        bookings,
        seats,
        value_minor,
    };
    assert_eq!(
        r.by_status,
        vec![
            status("quote", 1, 1, 100_000),
            status("held", 0, 0, 0),
            status("confirmed", 1, 1, 100_000),
            status("paid", 1, 2, 200_000),
            status("completed", 0, 0, 0),
            status("cancelled", 3, 4, 400_000),
            status("expired", 0, 0, 0),
        ]
    );
    assert_eq!(
        r.by_status.iter().map(|s| s.bookings).sum::<i64>(),
        r.bookings
    );
    assert_eq!(
        r.by_status.iter().map(|s| s.value_minor).sum::<i64>(),
        r.value_minor
    );

    assert_eq!(
        r.money,
        BookingMoney {
            payments: 7,
            deposits_minor: 190_000,
            balances_minor: 180_000,
            taken_minor: 370_000,
            refunds: 2,
            refunded_minor: 20_000,
            net_minor: 350_000,
            by_tender: vec![TenderMoney {
                tender: "cash".into(),
                taken_minor: 370_000,
                refunded_minor: 20_000,
                net_minor: 350_000,
            }],
        }
    );
    assert_eq!(
        r.money.deposits_minor + r.money.balances_minor,
        r.money.taken_minor
    );

    let cancelled: Vec<_> = r
        .cancellations
        .iter()
        .map(|c| {
            (
                c.booking_id.as_str(),
                c.business_date.as_str(),
                c.staff_name.as_str(),
                c.fee_minor,
                c.kept_minor,
                c.refund_minor,
                c.owed_minor,
            )
        })
        .collect();
    assert_eq!(
        cancelled,
        vec![
            (b5.as_str(), "2026-03-02", "Max Manager", 0, 0, 10_000, 0),
            (
                b4.as_str(),
                "2026-03-10",
                "Max Manager",
                50_000,
                50_000,
                10_000,
                0
            ),
            (
                b7.as_str(),
                "2026-03-25",
                "Ada Agent",
                100_000,
                30_000,
                0,
                70_000
            ),
        ]
    );
    assert_eq!(
        r.cancellation_totals,
        CancellationTotals {
            count: 3,
            fee_minor: 150_000,
            kept_minor: 80_000,
            refund_minor: 20_000,
            owed_minor: 70_000,
        }
    );
    // Every refund in the period was a cancellation's.
    assert_eq!(r.cancellation_totals.refund_minor, r.money.refunded_minor);

    let due: Vec<_> = r
        .balances_due
        .iter()
        .map(|b| {
            (
                b.booking_id.as_str(),
                b.due_on.as_str(),
                b.balance_minor,
                b.overdue,
                b.trip_name.as_str(),
            )
        })
        .collect();
    assert_eq!(
        due,
        vec![
            (b2.as_str(), "2026-03-02", 50_000, true, "Trip GARDA"),
            (b7.as_str(), "2026-03-25", 70_000, true, "Trip GARDA"),
            (b6.as_str(), "2026-04-20", 50_000, false, "Trip ALPS"),
        ]
    );
    assert_eq!(
        (r.due_minor, r.overdue, r.overdue_minor),
        (170_000, 2, 120_000)
    );

    // Only GARDA leaves in the period: b1's two seats and b2's one; the cancelled gave theirs back.
    assert_eq!(r.departures.len(), 1);
    let dep = &r.departures[0];
    assert_eq!(
        (
            dep.departure_id.as_str(),
            dep.trip_code.as_str(),
            dep.capacity,
            dep.booked,
            dep.left,
            dep.load_bp
        ),
        (d1.as_str(), "GARDA", 10, 3, 7, 3000)
    );

    let trip_row = |id: &str, code: &str, bookings, seats, value_minor, cancelled| TripTotals {
        trip_id: id.into(),
        code: code.into(),
        name: format!("Trip {code}"),
        bookings,
        seats,
        value_minor,
        cancelled,
    };
    assert_eq!(
        r.trips,
        vec![
            trip_row(&garda, "GARDA", 4, 5, 500_000, 2),
            trip_row(&alps, "ALPS", 2, 3, 300_000, 1),
        ]
    );
    assert_eq!(
        r.trips.iter().map(|t| t.value_minor).sum::<i64>(),
        r.value_minor
    );

    assert_eq!(
        r.agents,
        vec![
            AgentTotals {
                staff_id: admin.clone(),
                name: "Max Manager".into(),
                bookings: 3,
                seats: 5,
                value_minor: 500_000,
                cancelled: 2,
                taken_minor: 290_000,
            },
            AgentTotals {
                staff_id: agent.into(),
                name: "Ada Agent".into(),
                bookings: 3,
                seats: 3,
                value_minor: 300_000,
                cancelled: 1,
                taken_minor: 80_000,
            },
        ]
    );
    assert_eq!(
        r.agents.iter().map(|a| a.taken_minor).sum::<i64>(),
        r.money.taken_minor
    );
    assert_eq!(r.agents.iter().map(|a| a.bookings).sum::<i64>(), r.bookings);

    // A period with nothing in it: zeros, the same balances due.
    let quiet = kassa_store::reports::bookings::bookings(
        d.store.conn(),
        &sid,
        period("2026-02-01", "2026-02-28"),
        at(3, 26, 10, 0),
    )
    .unwrap();
    assert_eq!((quiet.bookings, quiet.money.taken_minor), (0, 0));
    assert!(quiet.cancellations.is_empty() && quiet.departures.is_empty());
    assert_eq!(quiet.due_minor, 170_000);
}

struct Till {
    store: Store,
    clock: Arc<FixedClock>,
    store_id: String,
    skus: Vec<String>,
    admin: String,
    _dir: tempfile::TempDir,
}

impl Till {
    /// A sale of one mug at `t`: `card` minor units on a card of `brand`, the rest in cash.
    fn sell(
        &mut self,
        t: DateTime<Utc>,
        card: i64,
        brand: Option<&str>,
        contact: Option<&str>,
        customer: Option<&str>,
    ) -> String {
        self.clock.set(t);
        let lines = support::lines(&self.store, &self.store_id, &self.skus[1..=1], 1);
        let req = CheckoutRequest {
            lines,
            order_discount: Discount::None,
            order_discount_approver_id: None,
            customer_id: customer.map(str::to_string),
            tenders: vec![
                TenderRequest {
                    kind: TenderKind::Card,
                    amount_minor: card,
                    card: Some(CardDetails {
                        brand: brand.map(str::to_string),
                        last4: Some("4242".into()),
                        customer_contact: contact.map(str::to_string),
                        token: None,
                        attempt: None,
                    }),
                    voucher_code: None,
                },
                TenderRequest {
                    kind: TenderKind::Cash,
                    amount_minor: 100_000,
                    card: None,
                    voucher_code: None,
                },
            ],
            idempotency_key: None,
            staff_id: self.admin.clone(),
            cart_id: None,
        };
        checkout(&mut self.store, req).unwrap().order_id
    }

    /// The provider's answer for the sale's card payment, recorded as the sync records it
    /// (an outcome of its own; the payment row stays as taken).
    fn answer(&mut self, order_id: &str, status: &str) {
        use kassa_store::selling::cards::{Outcome, OutcomeStatus, record_outcome};
        let payment_id: String = self
            .store
            .conn()
            .query_row(
                "SELECT id FROM payments WHERE order_id = ?1 AND kind = 'card'",
                [order_id],
                |r| r.get(0),
            )
            .unwrap();
        let outcome = Outcome {
            status: match status {
                "captured" => OutcomeStatus::Captured,
                _ => OutcomeStatus::Declined,
            },
            intent_id: Some(format!("pi_{order_id}")),
            brand: None,
            last4: Some("4242".into()),
            decline_code: (status == "declined").then(|| "card_declined".to_string()),
            review: None,
        };
        assert!(record_outcome(&mut self.store, &payment_id, &outcome).unwrap());
    }
}

#[test]
fn the_card_report_shows_captured_pending_and_declined_payments_and_the_offline_exposure() {
    let dir = tempfile::tempdir().unwrap();
    let (store, store_id, admin, skus) = support::shop(dir.path(), 500);
    drop(store);
    let clock = Arc::new(FixedClock::new(at(11, 20, 9, 0)));
    let mut store = Store::open(
        dir.path(),
        clock.clone() as Arc<dyn Clock>,
        KeySource::ExplicitKeys {
            device: support::KEY,
            store: support::STORE_KEY,
        },
    )
    .unwrap();
    set_utc(&mut store, &store_id, &admin);
    store
        .conn()
        .execute(
            "UPDATE device SET created_at = '2026-01-01T00:00:00.000Z'",
            [],
        )
        .unwrap();
    let eva = store
        .write(|tx| {
            kassa_store::customers::create(
                tx,
                &store_id,
                &admin,
                &CustomerData {
                    name: "Eva Example".into(),
                    email: Some("eva@example.com".into()),
                    phone: Some("+49 170 1234567".into()),
                    ..Default::default()
                },
                AuditMode::PerProduct,
            )
        })
        .unwrap()
        .id;
    let mut till = Till {
        store,
        clock,
        store_id: store_id.clone(),
        skus,
        admin,
        _dir: dir,
    };
    let captured = till.sell(at(11, 20, 10, 0), 500, Some("VISA"), None, None);
    let declined = till.sell(
        at(11, 20, 11, 0),
        400,
        Some("MASTERCARD"),
        Some("+49 170 7654321"),
        Some(&eva),
    );
    let pending_a = till.sell(
        at(11, 21, 10, 0),
        300,
        Some("VISA"),
        Some("a@example.com"),
        None,
    );
    let pending_b = till.sell(at(11, 21, 12, 0), 200, None, None, None);
    till.answer(&captured, "captured");
    till.answer(&declined, "declined");
    // After the period: pending, in the exposure only.
    till.sell(at(11, 23, 9, 0), 450, Some("VISA"), None, None);

    let now = at(11, 23, 10, 0);
    let r = kassa_store::reports::cards::cards(
        till.store.conn(),
        &store_id,
        period("2026-11-20", "2026-11-22"),
        now,
    )
    .unwrap();
    let status = |s: &str, payments, amount_minor| CardStatusRow {
        status: s.into(),
        payments,
        amount_minor,
    };
    assert_eq!(
        r.by_status,
        vec![
            status("captured", 1, 500),
            status("offline_pending", 2, 500),
            status("declined", 1, 400),
        ]
    );
    assert_eq!((r.payments, r.amount_minor), (4, 1400));
    let brand = |b: &str, payments, amount_minor, captured, pending, declined| CardBrandRow {
        brand: b.into(),
        payments,
        amount_minor,
        captured_minor: captured,
        pending_minor: pending,
        declined_minor: declined,
    };
    assert_eq!(
        r.by_brand,
        vec![
            brand("VISA", 2, 800, 500, 300, 0),
            brand("MASTERCARD", 1, 400, 0, 0, 400),
            brand("", 1, 200, 0, 200, 0),
        ]
    );
    assert_eq!(
        r.by_brand.iter().map(|b| b.amount_minor).sum::<i64>(),
        r.amount_minor
    );
    assert_eq!(
        r.by_brand.iter().map(|b| b.payments).sum::<i64>(),
        r.payments
    );
    for b in &r.by_brand {
        assert_eq!(
            b.captured_minor + b.pending_minor + b.declined_minor,
            b.amount_minor
        );
    }

    let pending: Vec<_> = r
        .pending
        .iter()
        .map(|p| {
            (
                p.order_id.as_str(),
                p.amount_minor,
                p.age_minutes,
                p.contact.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        pending,
        vec![
            (pending_a.as_str(), 300, 48 * 60, Some("a@example.com")),
            (pending_b.as_str(), 200, 46 * 60, None),
        ]
    );
    assert_eq!(r.declined.len(), 1);
    let d = &r.declined[0];
    assert_eq!(d.order_id, declined);
    assert_eq!(d.amount_minor, 400);
    assert_eq!(d.contact.as_deref(), Some("+49 170 7654321"));
    assert_eq!(d.customer_name.as_deref(), Some("Eva Example"));
    assert_eq!(d.customer_email.as_deref(), Some("eva@example.com"));
    assert_eq!(d.customer_phone.as_deref(), Some("+49 170 1234567"));
    assert_eq!(d.age_minutes, (now - at(11, 20, 11, 0)).num_minutes());
    assert!(!d.number.is_empty());

    let e = &r.exposure;
    assert_eq!((e.pending, e.pending_minor), (3, 950));
    assert_eq!((e.limit_minor, e.left_minor), (100_000, 99_050));
    assert_eq!((e.per_payment_minor, e.max_age_hours), (15_000, 48));
    assert_eq!(e.oldest_at.as_deref(), Some("2026-11-21T10:00:00.000Z"));
    assert_eq!(e.oldest_age_minutes, Some(48 * 60));
    assert_eq!((e.store_pending, e.store_pending_minor), (3, 950));

    // A lower limit than what is out leaves nothing to take, never less than nothing.
    let (sid, admin) = (till.store_id.clone(), till.admin.clone());
    till.store
        .write(|tx| {
            settings::set(
                tx,
                &sid,
                "payments.offline_card_exposure_minor",
                SettingValue::Int(900),
                &admin,
            )
            .map(|_| ())
        })
        .unwrap();
    let r = kassa_store::reports::cards::cards(
        till.store.conn(),
        &store_id,
        period("2026-11-20", "2026-11-22"),
        now + Duration::minutes(1),
    )
    .unwrap();
    assert_eq!((r.exposure.limit_minor, r.exposure.left_minor), (900, 0));
}
