//! Commissions: an agent earns on the money a booking takes (deposit, then balance) and gives
//! back its share on cancellation, to the minor unit; a cashier earns on a sale line by line
//! and a partial refund takes back its share; the trip's rate outranks the agent's, the
//! agent's the store's default; entries and rates reach a second device as they are; a card
//! declined after a sale takes back its share, once, even when another till refunded the sale
//! before it knew of the decline.

mod support;

use chrono::{Duration, Utc};
use kassa_domain::ErrorCode;
use kassa_domain::booking::{FeeTable, Share, Traveller, TravellerPrices, TravellerType};
use kassa_domain::selling::pricing::Discount;
use kassa_domain::selling::tender::TenderKind;
use kassa_domain::settings::{COMMISSIONS_DEFAULT_BP, SettingValue};
use kassa_store::Store;
use kassa_store::bookings::trips::{self, DepartureData, TripData};
use kassa_store::bookings::{self, BookingRequest, BookingTender, amend};
use kassa_store::catalog::{self, AuditMode, ProductData};
use kassa_store::commissions::rates::{self, RateKind};
use kassa_store::commissions::statement::{per_person, statement};
use kassa_store::commissions::{self, SourceKind};
use kassa_store::foundation::settings;
use kassa_store::reports::Period;
use kassa_store::selling::cards::{self, Outcome, OutcomeStatus};
use kassa_store::selling::checkout::{CardDetails, CheckoutRequest, TenderRequest, checkout};
use kassa_store::selling::refund::{RefundLine, RefundRequest, refund};
use support::sync::{Log, dump, first_device, joined_device, ship};

/// A trip priced 1000.00 an adult, 30 % deposit, free cancellation 60 days out, then 25 %,
/// 50 % and 100 %; one departure `days` from now.
fn trip(store: &mut Store, store_id: &str, admin: &str, code: &str, days: i64) -> (String, String) {
    store
        .write(|tx| {
            let t = trips::create_trip(
                tx,
                store_id,
                admin,
                &TripData {
                    code: code.into(),
                    name: format!("Lake Garda ({code})"),
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
                },
            )?;
            let d = trips::add_departure(
                tx,
                store_id,
                admin,
                &DepartureData {
                    trip_id: t.id.clone(),
                    departs_at: Utc::now() + Duration::days(days),
                    returns_at: None,
                    time_zone: "Europe/Berlin".into(),
                    meeting_point: None,
                    seats: Some(40),
                    share_with: None,
                },
            )?;
            Ok((t.id, d.id))
        })
        .unwrap()
}

/// A colleague of `role`, added beside the admin.
fn colleague(store: &mut Store, store_id: &str, id: &str, role: &str) -> String {
    store
        .conn()
        .execute(
            "INSERT INTO staff (id, store_id, email, display_name, role, status, password_hash, created_at, updated_at)
             VALUES (?1, ?2, ?1 || '@example.com', 'Person ' || ?1, ?3, 'active', 'x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            rusqlite::params![id, store_id, role],
        )
        .unwrap();
    id.to_string()
}

fn book(store: &mut Store, store_id: &str, departure: &str, agent: &str) -> String {
    let req = BookingRequest {
        departure_id: departure.into(),
        customer_id: None,
        travellers: vec![Traveller {
            traveller_type: TravellerType::Adult,
            full_name: "Grace Hopper".into(),
            date_of_birth: None,
            document_number: None,
        }],
        options: vec![],
        note: None,
        staff_id: agent.into(),
        hold: true,
        waitlist_id: None,
    };
    store
        .write(|tx| bookings::create(tx, store_id, &req))
        .unwrap()
        .id
}

fn pay(store: &mut Store, store_id: &str, agent: &str, booking: &str, amount: i64) {
    store
        .write(|tx| bookings::pay(tx, store_id, agent, booking, BookingTender::Cash, amount))
        .unwrap();
}

fn set_rate(
    store: &mut Store,
    store_id: &str,
    admin: &str,
    kind: RateKind,
    subject: &str,
    bp: Option<u32>,
) {
    store
        .write(|tx| rates::set_rate(tx, store_id, admin, kind, subject, bp))
        .unwrap();
}

fn amounts(store: &Store, source: SourceKind, id: &str) -> Vec<i64> {
    commissions::of_source(store.conn(), source, id)
        .unwrap()
        .into_iter()
        .map(|e| e.amount_minor)
        .collect()
}

fn today() -> Period {
    let d = Utc::now().date_naive();
    Period::new(d - Duration::days(2), d + Duration::days(2)).unwrap()
}

#[test]
fn an_agent_earns_on_deposit_and_balance_and_a_full_cancellation_gives_back_exactly_that() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, store_id, admin) = first_device(dir.path());
    let agent = colleague(&mut store, &store_id, "agent-1", "agent");
    // 3.33 %: every amount rounds.
    set_rate(
        &mut store,
        &store_id,
        &admin,
        RateKind::Agent,
        &agent,
        Some(333),
    );
    let (_, dep) = trip(&mut store, &store_id, &admin, "GARDA", 90);
    let b = book(&mut store, &store_id, &dep, &agent);
    // Nothing is earned before money comes in.
    assert!(amounts(&store, SourceKind::Booking, &b).is_empty());

    pay(&mut store, &store_id, &agent, &b, 30_000); // 999.00 → 9.99
    pay(&mut store, &store_id, &agent, &b, 70_000); // 2331.00 → 23.31
    assert_eq!(amounts(&store, SourceKind::Booking, &b), vec![999, 2331]);

    // 90 days out the policy keeps nothing: all 1000.00 comes back, and all 33.30.
    let c = store
        .write(|tx| bookings::cancel(tx, &store_id, &agent, &b, Some("changed plans")))
        .unwrap();
    assert_eq!(c.settlement.refund_minor, 100_000);
    assert_eq!(
        amounts(&store, SourceKind::Booking, &b),
        vec![999, 2331, -3330]
    );

    let s = statement(store.conn(), &agent, today()).unwrap();
    assert_eq!(
        (s.earned_minor, s.reversed_minor, s.net_minor),
        (3330, -3330, 0)
    );
    assert_eq!(s.entries.len(), 3);
    assert!(s.entries[0].source_ref.contains("-B"), "{:?}", s.entries[0]);
    assert!(s.entries[2].cause_ref.contains("-P"), "{:?}", s.entries[2]);
    assert_eq!(s.entries[1].base_minor, 70_000);
    assert_eq!(s.entries[2].base_minor, -100_000);
    // The ledger cannot be edited.
    assert!(
        store
            .conn()
            .execute("UPDATE commission_entries SET amount_minor = 0", [])
            .is_err()
    );
}

#[test]
fn a_cancellation_fee_kept_keeps_its_commission_and_the_refunded_part_is_reversed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, store_id, admin) = first_device(dir.path());
    let agent = colleague(&mut store, &store_id, "agent-1", "agent");
    set_rate(
        &mut store,
        &store_id,
        &admin,
        RateKind::Agent,
        &agent,
        Some(333),
    );
    // 45 days out: the policy keeps 25 %.
    let (_, dep) = trip(&mut store, &store_id, &admin, "GARDA", 45);
    let b = book(&mut store, &store_id, &dep, &agent);
    pay(&mut store, &store_id, &agent, &b, 30_000);
    pay(&mut store, &store_id, &agent, &b, 70_000);
    let c = store
        .write(|tx| bookings::cancel(tx, &store_id, &agent, &b, None))
        .unwrap();
    assert_eq!(c.settlement.fee_minor, 25_000);
    assert_eq!(c.settlement.refund_minor, 75_000);
    // 75 % of 33.30 is 24.975, rounded half up: 24.98 back; 8.32 kept on the 250.00 fee.
    assert_eq!(
        amounts(&store, SourceKind::Booking, &b),
        vec![999, 2331, -2498]
    );
    let s = statement(store.conn(), "agent-1@example.com", today()).unwrap();
    assert_eq!(s.net_minor, 832);
}

#[test]
fn commissions_follow_a_booking_through_deposit_amendments_and_cancellation_to_the_minor_unit() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, store_id, admin) = first_device(dir.path());
    let agent = colleague(&mut store, &store_id, "agent-1", "agent");
    set_rate(
        &mut store,
        &store_id,
        &admin,
        RateKind::Agent,
        &agent,
        Some(333),
    );
    // 45 days out: the policy keeps 25 %.
    let (_, dep) = trip(&mut store, &store_id, &admin, "GARDA", 45);
    let b = book(&mut store, &store_id, &dep, &agent);
    pay(&mut store, &store_id, &agent, &b, 30_000); // 999.00 at 3.33 % → 9.99
    // A second traveller: nothing is earned until the money comes in.
    let added = store
        .write(|tx| {
            amend::amend(
                tx,
                &store_id,
                &agent,
                &b,
                &amend::Amendment {
                    add: vec![Traveller {
                        traveller_type: TravellerType::Adult,
                        full_name: "Alan Turing".into(),
                        date_of_birth: None,
                        document_number: None,
                    }],
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert_eq!(added.booking.total_minor, 200_000);
    assert_eq!(amounts(&store, SourceKind::Booking, &b), vec![999]);
    pay(&mut store, &store_id, &agent, &b, 170_000); // 5661.00 → 56.61
    assert_eq!(amounts(&store, SourceKind::Booking, &b), vec![999, 5661]);
    // The traveller taken off again: 1000.00 of 2000.00 paid goes back, and half of 66.60.
    let alan = added
        .booking
        .travellers
        .iter()
        .find(|t| t.full_name == "Alan Turing")
        .unwrap()
        .id
        .clone();
    let smaller = store
        .write(|tx| {
            amend::amend(
                tx,
                &store_id,
                &agent,
                &b,
                &amend::Amendment {
                    remove: vec![alan],
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert_eq!(smaller.preview.refund_minor, 100_000);
    assert_eq!(
        amounts(&store, SourceKind::Booking, &b),
        vec![999, 5661, -3330]
    );
    // Cancelled: the 25 % fee on 1000.00 keeps its 8.33 share (8.325 rounds to 8.32 kept,
    // 24.98 back), as a booking never amended would.
    let c = store
        .write(|tx| bookings::cancel(tx, &store_id, &agent, &b, None))
        .unwrap();
    assert_eq!(c.settlement.fee_minor, 25_000);
    assert_eq!(c.settlement.refund_minor, 75_000);
    assert_eq!(
        amounts(&store, SourceKind::Booking, &b),
        vec![999, 5661, -3330, -2498]
    );
    let s = statement(store.conn(), &agent, today()).unwrap();
    assert_eq!(s.net_minor, 832);
}

#[test]
fn a_sale_earns_line_by_line_and_refunds_take_back_each_lines_share_to_the_minor_unit() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, store_id, admin, skus) = support::shop(dir.path(), 50);
    let cashier = colleague(&mut store, &store_id, "cashier-1", "cashier");
    // A sale earns nothing until the store sets a rate.
    let sell = |store: &mut Store, lines| {
        checkout(
            store,
            CheckoutRequest {
                lines,
                order_discount: Discount::None,
                order_discount_approver_id: None,
                customer_id: None,
                tenders: vec![TenderRequest {
                    kind: TenderKind::Cash,
                    amount_minor: 100_000,
                    card: None,
                    voucher_code: None,
                }],
                idempotency_key: None,
                staff_id: "cashier-1".into(),
                cart_id: None,
            },
        )
        .unwrap()
        .order_id
    };
    let plain = support::lines(&store, &store_id, &skus[..1], 1);
    let first = sell(&mut store, plain);
    assert!(amounts(&store, SourceKind::Sale, &first).is_empty());

    // Books are a category at 10 %; everything else earns the cashier's own 2.5 %.
    let (books, tax) = store
        .write(|tx| {
            let c = catalog::create_category(tx, &store_id, &admin, "Books", None)?;
            let tax: String = tx
                .query_row("SELECT id FROM tax_classes LIMIT 1", [], |r| r.get(0))
                .unwrap();
            Ok((c, tax))
        })
        .unwrap();
    store
        .write(|tx| {
            let mut d = ProductData::new("BOOK-1", "A novel", 1_999);
            d.category_id = Some(books.clone());
            d.tax_class_id = Some(tax.clone());
            d.stock_tracked = false;
            d.kind = kassa_domain::catalog::ProductKind::Service;
            catalog::create(tx, &store_id, &admin, &d, AuditMode::Batch)
        })
        .unwrap();
    set_rate(
        &mut store,
        &store_id,
        &admin,
        RateKind::Category,
        "books",
        Some(1000),
    );
    set_rate(
        &mut store,
        &store_id,
        &admin,
        RateKind::Seller,
        &cashier,
        Some(250),
    );

    let mut lines = support::lines(&store, &store_id, &["BOOK-1".to_string()], 3);
    lines.extend(support::lines(&store, &store_id, &skus[1..2], 1));
    let order = sell(&mut store, lines);
    // 3 × 19.99 = 59.97 at 10 % = 5.997 → 6.00; 12.99 at 2.5 % = 0.32475 → 0.32.
    assert_eq!(amounts(&store, SourceKind::Sale, &order), vec![600, 32]);

    let line_ids: Vec<String> = store
        .conn()
        .prepare("SELECT id FROM order_lines WHERE order_id = ?1 ORDER BY position")
        .unwrap()
        .query_map([&order], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let back = |store: &mut Store, line: &str, qty: i64| {
        refund(
            store,
            RefundRequest {
                order_id: order.clone(),
                lines: vec![RefundLine {
                    order_line_id: line.to_string(),
                    quantity: qty,
                    restock: false,
                }],
                reason: Some("returned".into()),
                staff_id: admin.clone(),
                approver: None,
                idempotency_key: None,
                void: false,
            },
        )
        .unwrap()
    };
    // One book of three back: a third of 6.00.
    back(&mut store, &line_ids[0], 1);
    assert_eq!(
        amounts(&store, SourceKind::Sale, &order),
        vec![600, 32, -200]
    );
    // The other two: exactly what is left, 4.00; the cashier, not who refunds, gives it back.
    back(&mut store, &line_ids[0], 2);
    assert_eq!(
        amounts(&store, SourceKind::Sale, &order),
        vec![600, 32, -200, -400]
    );
    let s = statement(store.conn(), &cashier, today()).unwrap();
    assert_eq!(
        (s.earned_minor, s.reversed_minor, s.net_minor),
        (632, -600, 32)
    );
    let people = per_person(store.conn(), today()).unwrap();
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].staff_id, cashier);
    assert_eq!(people[0].entries, 4);
}

#[test]
fn the_trips_rate_outranks_the_agents_and_the_agents_the_stores_default() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, store_id, admin) = first_device(dir.path());
    let agent = colleague(&mut store, &store_id, "agent-1", "agent");
    let (trip_id, dep) = trip(&mut store, &store_id, &admin, "GARDA", 90);
    // Off by default: no rate, no entry.
    let b0 = book(&mut store, &store_id, &dep, &agent);
    pay(&mut store, &store_id, &agent, &b0, 10_000);
    assert!(amounts(&store, SourceKind::Booking, &b0).is_empty());

    store
        .write(|tx| {
            settings::set(
                tx,
                &store_id,
                COMMISSIONS_DEFAULT_BP,
                SettingValue::Int(100),
                &admin,
            )
        })
        .unwrap();
    let b1 = book(&mut store, &store_id, &dep, &agent);
    pay(&mut store, &store_id, &agent, &b1, 10_000);
    set_rate(
        &mut store,
        &store_id,
        &admin,
        RateKind::Agent,
        &agent,
        Some(200),
    );
    let b2 = book(&mut store, &store_id, &dep, &agent);
    pay(&mut store, &store_id, &agent, &b2, 10_000);
    set_rate(
        &mut store,
        &store_id,
        &admin,
        RateKind::Trip,
        "GARDA",
        Some(300),
    );
    let b3 = book(&mut store, &store_id, &dep, &agent);
    pay(&mut store, &store_id, &agent, &b3, 10_000);
    // A trip rate of 0 is a rate: the trip pays no commission whatever the agent's.
    set_rate(
        &mut store,
        &store_id,
        &admin,
        RateKind::Trip,
        &trip_id,
        Some(0),
    );
    let b4 = book(&mut store, &store_id, &dep, &agent);
    pay(&mut store, &store_id, &agent, &b4, 10_000);
    let rates_of = |b: &str| -> Vec<u32> {
        commissions::of_source(store.conn(), SourceKind::Booking, b)
            .unwrap()
            .into_iter()
            .map(|e| e.rate_bp)
            .collect()
    };
    assert_eq!(rates_of(&b1), vec![100]);
    assert_eq!(rates_of(&b2), vec![200]);
    assert_eq!(rates_of(&b3), vec![300]);
    assert!(rates_of(&b4).is_empty());
    assert_eq!(amounts(&store, SourceKind::Booking, &b3), vec![300]);
    // Rates already written do not change with the rates.
    assert_eq!(amounts(&store, SourceKind::Booking, &b1), vec![100]);

    // Setting a rate is audited; a rate out of bounds, or for no one, changes nothing.
    let audited: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'commission.rate_set'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 3);
    let before: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .unwrap();
    let e = store
        .write(|tx| rates::set_rate(tx, &store_id, &admin, RateKind::Agent, &agent, Some(10_001)))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    let e = store
        .write(|tx| rates::set_rate(tx, &store_id, &admin, RateKind::Seller, "nobody", Some(100)))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    let after: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(before, after);
    let listed = rates::rates(store.conn()).unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|r| (r.kind, r.rate_bp))
            .collect::<Vec<_>>(),
        vec![(RateKind::Agent, 200), (RateKind::Trip, 0)]
    );
}

#[test]
fn commission_entries_and_rates_reach_a_second_device_once() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, store_id, admin) = first_device(da.path());
    set_rate(
        &mut a,
        &store_id,
        &admin,
        RateKind::Agent,
        &admin,
        Some(500),
    );
    let (trip_id, dep) = trip(&mut a, &store_id, &admin, "GARDA", 45);
    let booking = book(&mut a, &store_id, &dep, &admin);
    pay(&mut a, &store_id, &admin, &booking, 30_000);
    a.write(|tx| bookings::cancel(tx, &store_id, &admin, &booking, None))
        .unwrap();

    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    let r = ship(&mut log, &a, &mut b);
    assert_eq!(r.parked, 0, "{r:?}");
    assert_eq!(
        amounts(&b, SourceKind::Booking, &booking),
        amounts(&a, SourceKind::Booking, &booking)
    );
    // 15.00 earned on the 300.00 deposit; the fee keeps 250.00, so a sixth comes back.
    assert_eq!(amounts(&b, SourceKind::Booking, &booking), vec![1500, -250]);

    // A rate set on the second device reaches the first, and so does what it earns.
    set_rate(
        &mut b,
        &store_id,
        &admin,
        RateKind::Trip,
        &trip_id,
        Some(700),
    );
    let other = book(&mut b, &store_id, &dep, &admin);
    pay(&mut b, &store_id, &admin, &other, 30_000);
    let r = ship(&mut log, &b, &mut a);
    assert_eq!(r.parked, 0, "{r:?}");
    assert_eq!(amounts(&a, SourceKind::Booking, &other), vec![2100]);
    let on_a = statement(a.conn(), &admin, today()).unwrap();
    let on_b = statement(b.conn(), &admin, today()).unwrap();
    assert_eq!(on_a, on_b);
    assert_eq!(on_a.net_minor, 1250 + 2100);
    let commission_rows = |s: &Store| -> Vec<String> {
        dump(s.conn())
            .into_iter()
            .filter(|r| r.starts_with("commission_") || r.starts_with("trips:"))
            .collect()
    };
    assert_eq!(commission_rows(&a), commission_rows(&b));

    // Shipping again changes nothing.
    let again = ship(&mut log, &a, &mut b);
    assert_eq!(again.parked, 0);
    assert_eq!(commission_rows(&a), commission_rows(&b));
}

/// A product at 100.00 that earns its seller 10 %, on a till of its own store:
/// (store, store id, admin id); the admin sells.
fn ten_percent_till(dir: &std::path::Path) -> (Store, String, String) {
    let (mut store, store_id, admin) = first_device(dir);
    store
        .write(|tx| {
            let vat = catalog::create_tax_class(
                tx,
                &store_id,
                &admin,
                "Standard",
                kassa_domain::catalog::TaxRate {
                    basis_points: 1900,
                    inclusive: true,
                },
            )?;
            let mut d = ProductData::new("LAMP-1", "Desk lamp", 10_000);
            d.tax_class_id = Some(vat);
            d.stock_tracked = false;
            catalog::create(tx, &store_id, &admin, &d, AuditMode::PerProduct)?;
            Ok(())
        })
        .unwrap();
    set_rate(
        &mut store,
        &store_id,
        &admin,
        RateKind::Seller,
        &admin,
        Some(1000),
    );
    (store, store_id, admin)
}

/// The lamp sold for 40.00 in cash and 60.00 by a card taken offline: (order, card payment).
fn half_by_card(store: &mut Store, store_id: &str, admin: &str) -> (String, String) {
    let lines = support::lines(store, store_id, &["LAMP-1".to_string()], 1);
    let tender = |kind, amount_minor, card| TenderRequest {
        kind,
        amount_minor,
        card,
        voucher_code: None,
    };
    let order = checkout(
        store,
        CheckoutRequest {
            lines,
            order_discount: Discount::None,
            order_discount_approver_id: None,
            customer_id: None,
            tenders: vec![
                tender(TenderKind::Cash, 4_000, None),
                tender(
                    TenderKind::Card,
                    6_000,
                    Some(CardDetails {
                        brand: None,
                        last4: None,
                        customer_contact: None,
                        token: None,
                        attempt: None,
                    }),
                ),
            ],
            idempotency_key: None,
            staff_id: admin.to_string(),
            cart_id: None,
        },
    )
    .unwrap()
    .order_id;
    let payment: String = store
        .conn()
        .query_row(
            "SELECT id FROM payments WHERE order_id = ?1 AND kind = 'card'",
            [&order],
            |r| r.get(0),
        )
        .unwrap();
    (order, payment)
}

fn declined(store: &mut Store, payment: &str) {
    let outcome = Outcome {
        status: OutcomeStatus::Declined,
        intent_id: Some("pi_lamp".into()),
        brand: Some("VISA".into()),
        last4: Some("0002".into()),
        decline_code: Some("insufficient_funds".into()),
        review: None,
    };
    assert!(cards::record_outcome(store, payment, &outcome).unwrap());
}

fn refund_everything(store: &mut Store, order: &str, admin: &str) {
    refund(
        store,
        RefundRequest {
            order_id: order.to_string(),
            lines: Vec::new(),
            reason: Some("returned".into()),
            staff_id: admin.to_string(),
            approver: None,
            idempotency_key: None,
            void: false,
        },
    )
    .unwrap();
}

#[test]
fn a_card_declined_after_the_sale_takes_back_its_share_of_the_commission() {
    let dir = tempfile::tempdir().unwrap();
    let (mut till, store_id, admin) = ten_percent_till(dir.path());
    let (order, card) = half_by_card(&mut till, &store_id, &admin);
    assert_eq!(amounts(&till, SourceKind::Sale, &order), vec![1000]);

    // The 60.00 never came in: six tenths of the 10.00 go back, as a decline of the sale.
    declined(&mut till, &card);
    assert_eq!(amounts(&till, SourceKind::Sale, &order), vec![1000, -600]);
    let s = statement(till.conn(), &admin, today()).unwrap();
    let last = s.entries.last().unwrap();
    assert_eq!(
        (last.cause_kind.as_str(), last.cause_id.as_str()),
        ("decline", card.as_str())
    );
    let number: String = till
        .conn()
        .query_row("SELECT number FROM orders WHERE id = ?1", [&order], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(last.cause_ref, number);
    assert_eq!(
        (s.earned_minor, s.reversed_minor, s.net_minor),
        (1000, -600, 400)
    );

    // Giving the whole sale back reverses the rest, and no more: the 40.00 cash.
    refund_everything(&mut till, &order, &admin);
    assert_eq!(
        amounts(&till, SourceKind::Sale, &order),
        vec![1000, -600, -400]
    );
    // Settling again finds nothing to change.
    assert_eq!(commissions::settle_declines(&mut till).unwrap(), 0);
    assert_eq!(
        statement(till.conn(), &admin, today()).unwrap().net_minor,
        0
    );
}

#[test]
fn a_refund_made_on_another_till_before_it_knew_of_the_decline_is_not_taken_back_twice() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, store_id, admin) = ten_percent_till(da.path());
    let (order, card) = half_by_card(&mut a, &store_id, &admin);
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    assert_eq!(ship(&mut log, &a, &mut b).parked, 0);

    // Offline from each other: the second till refunds the whole sale, and the first learns
    // that its card was declined. Each reverses what it knows of.
    refund_everything(&mut b, &order, &admin);
    assert_eq!(amounts(&b, SourceKind::Sale, &order), vec![1000, -1000]);
    declined(&mut a, &card);
    assert_eq!(amounts(&a, SourceKind::Sale, &order), vec![1000, -600]);

    // Together the two reversed 16.00 of 10.00 earned. The till that recorded the decline
    // gives back the 6.00 reversed twice; the other till writes nothing.
    let r = ship(&mut log, &b, &mut a);
    assert_eq!(r.parked, 0, "{r:?}");
    assert_eq!(
        statement(a.conn(), &admin, today()).unwrap().net_minor,
        -600
    );
    assert_eq!(commissions::settle_declines(&mut a).unwrap(), 1);
    let mut entries = amounts(&a, SourceKind::Sale, &order);
    entries.sort();
    assert_eq!(entries, vec![-1000, -600, 600, 1000]);
    assert_eq!(commissions::settle_declines(&mut a).unwrap(), 0);
    let r = ship(&mut log, &a, &mut b);
    assert_eq!(r.parked, 0, "{r:?}");
    assert_eq!(commissions::settle_declines(&mut b).unwrap(), 0);

    let on_a = statement(a.conn(), &admin, today()).unwrap();
    let on_b = statement(b.conn(), &admin, today()).unwrap();
    assert_eq!(on_a, on_b);
    assert_eq!((on_a.earned_minor, on_a.net_minor), (1000, 0));
}
