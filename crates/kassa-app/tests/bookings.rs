//! Pricing a booking before it is made: each traveller's fields checked one by one, the price
//! the same as the booking then made, and nothing written.

mod common;

use common::Device;
use kassa_app::dto::{
    BookingCreateInput, BookingIdInput, BookingListInput, BookingPayInput, BookingPriceInput,
    BookingTenderInput, DepartureListInput, TravellerInput, VoucherIssueInput, VoucherRef,
};

fn traveller(name: &str, kind: &str, dob: Option<&str>, doc: Option<&str>) -> TravellerInput {
    TravellerInput {
        full_name: name.into(),
        traveller_type: Some(kind.into()),
        date_of_birth: dob.map(Into::into),
        document_number: doc.map(Into::into),
    }
}

#[test]
fn the_price_names_each_refused_field_and_matches_the_booking_made() {
    let d = Device::demo();
    d.sign_in("manager");
    let departures = d
        .api
        .departure_list(DepartureListInput::default())
        .unwrap()
        .items;
    // Rome needs documents and takes no seniors.
    let rome = departures
        .iter()
        .find(|x| x.trip_name.starts_with("Rome"))
        .expect("the demo's Rome trip");
    let out = d
        .api
        .booking_price(BookingPriceInput {
            departure_id: rome.id.clone(),
            travellers: vec![
                traveller(" ", "adult", None, Some("X1234567")),
                traveller("Ann Senior", "senior", None, Some("Y1234567")),
                traveller("Bob Later", "adult", Some("2999-01-01"), None),
            ],
            options: None,
        })
        .unwrap();
    let mut issues: Vec<(u32, &str)> = out
        .issues
        .iter()
        .map(|i| (i.index, i.field.as_str()))
        .collect();
    issues.sort();
    assert_eq!(
        issues,
        vec![
            (0, "full_name"),
            (1, "traveller_type"),
            (2, "date_of_birth"),
            (2, "document_number"),
        ]
    );
    assert!(out.issues.iter().all(|i| !i.message.is_empty()));

    let lake = departures
        .iter()
        .find(|x| x.trip_name.starts_with("Lake"))
        .expect("the demo's Lake Constance trip");
    let booked = d
        .api
        .booking_list(BookingListInput::default())
        .unwrap()
        .items
        .len();
    let travellers = vec![
        traveller("Jörg Müller", "adult", Some("1970-03-01"), None),
        traveller("Anna Müller", "adult", None, None),
        traveller("Paul Müller", "child", None, None),
    ];
    let price = d
        .api
        .booking_price(BookingPriceInput {
            departure_id: lake.id.clone(),
            travellers: travellers.clone(),
            options: None,
        })
        .unwrap();
    assert!(price.issues.is_empty(), "{:?}", price.issues);
    assert_eq!(price.total_minor, 2 * 34_900 + 19_900);
    assert_eq!(price.deposit_minor, 17_940);
    // The demo's confirmed booking of a company's three staff sits on this departure.
    assert_eq!(price.seats_left, 40 - 3);
    let lines: Vec<(String, i64, i64)> = price
        .travellers
        .iter()
        .map(|l| (l.traveller_type.clone(), l.count, l.total_minor))
        .collect();
    assert_eq!(
        lines,
        vec![("adult".into(), 2, 69_800), ("child".into(), 1, 19_900)]
    );
    // Pricing wrote nothing.
    let after = d.api.booking_list(BookingListInput::default()).unwrap();
    assert_eq!(after.items.len(), booked);

    let made = d
        .api
        .booking_create(BookingCreateInput {
            departure_id: lake.id.clone(),
            customer_id: None,
            travellers,
            options: None,
            note: None,
            hold: Some(true),
            waitlist_id: None,
            payments: None,
        })
        .unwrap();
    assert_eq!(made.total_minor, price.total_minor);
    assert_eq!(made.deposit_minor, price.deposit_minor);
    assert_eq!(made.balance_due_on, price.balance_due_on);
}

#[test]
fn a_booking_is_paid_off_a_voucher_by_its_code_and_bad_voucher_payments_change_nothing() {
    let d = Device::demo();
    d.sign_in("manager");
    let lake = d
        .api
        .departure_list(DepartureListInput::default())
        .unwrap()
        .items
        .into_iter()
        .find(|x| x.trip_name.starts_with("Lake"))
        .expect("the demo's Lake Constance trip");
    let voucher = d
        .api
        .voucher_issue(VoucherIssueInput {
            amount_minor: 10_000,
            customer_id: None,
            approval: None,
        })
        .unwrap();
    let tender = |kind: &str, amount: i64, code: Option<&str>| BookingTenderInput {
        kind: kind.into(),
        amount_minor: amount,
        voucher_code: code.map(Into::into),
        card_token: None,
        idempotency_key: None,
    };
    // The deposit (179.40) as 100.00 off the voucher and the rest in cash.
    let made = d
        .api
        .booking_create(BookingCreateInput {
            departure_id: lake.id.clone(),
            customer_id: None,
            travellers: vec![
                traveller("Jörg Müller", "adult", None, None),
                traveller("Anna Müller", "adult", None, None),
                traveller("Paul Müller", "child", None, None),
            ],
            options: None,
            note: None,
            hold: None,
            waitlist_id: None,
            payments: Some(vec![
                tender("voucher", 10_000, Some(&voucher.code)),
                tender("cash", 7_940, None),
            ]),
        })
        .unwrap();
    assert_eq!(made.status, "confirmed");
    assert_eq!(made.paid_minor, 17_940);
    let kinds: Vec<(&str, i64)> = made
        .payments
        .iter()
        .map(|p| (p.kind.as_str(), p.amount_minor))
        .collect();
    assert_eq!(kinds, vec![("voucher", 10_000), ("cash", 7_940)]);
    let left = |code: &str| {
        d.api
            .voucher_get(VoucherRef { code: code.into() })
            .unwrap()
            .balance_minor
    };
    assert_eq!(left(&voucher.code), 0);

    // An empty voucher, a code without a voucher payment, a voucher payment without a code,
    // an unknown code: each refused, the booking as it was.
    let pay = |kind: &str, code: Option<&str>| {
        d.api
            .booking_pay(BookingPayInput {
                booking: made.reference.clone(),
                kind: kind.into(),
                amount_minor: 1_000,
                voucher_code: code.map(Into::into),
                card_token: None,
                idempotency_key: None,
            })
            .unwrap_err()
            .code
    };
    assert_eq!(pay("voucher", Some(&voucher.code)), "invalid_input");
    assert_eq!(pay("cash", Some(&voucher.code)), "invalid_input");
    assert_eq!(pay("voucher", None), "invalid_input");
    assert_eq!(pay("voucher", Some("NOPE-NOPE-NOPE")), "not_found");
    let again = d
        .api
        .booking_get(BookingIdInput {
            booking: made.reference.clone(),
        })
        .unwrap();
    assert_eq!(again.paid_minor, 17_940);
    assert_eq!(again.payments.len(), 2);
}

#[test]
fn the_demo_store_has_a_booking_in_each_state_paid_in_cash_on_its_closed_days() {
    let d = Device::demo();
    d.sign_in("manager");
    let list = d
        .api
        .booking_list(BookingListInput::default())
        .unwrap()
        .items;
    let mut states: Vec<&str> = list.iter().map(|b| b.status.as_str()).collect();
    states.sort();
    assert_eq!(
        states,
        vec![
            "cancelled",
            "completed",
            "confirmed",
            "expired",
            "held",
            "paid",
            "quote"
        ]
    );
    let get = |status: &str| {
        let id = &list.iter().find(|b| b.status == status).unwrap().booking_id;
        d.api
            .booking_get(BookingIdInput {
                booking: id.clone(),
            })
            .unwrap()
    };
    // Made by the demo's agent, for customers of the demo's catalog.
    assert!(list.iter().all(|b| b.customer_name.is_some()));
    // The completed trip took place; the others are still to come.
    let completed = list.iter().find(|b| b.status == "completed").unwrap();
    assert!(completed.departs_at.as_str() < "2026-11-22");
    assert!(
        list.iter()
            .filter(|b| b.status != "completed")
            .all(|b| b.departs_at.as_str() > "2026-11-22")
    );
    // Paid in full in two payments, a deposit and the balance.
    let paid = get("paid");
    assert_eq!((paid.paid_minor, paid.balance_minor), (paid.total_minor, 0));
    assert_eq!(paid.payments.len(), 2);
    // The deposit confirms; the hold waits a day; a quote holds nothing.
    let confirmed = get("confirmed");
    assert_eq!(confirmed.paid_minor, confirmed.deposit_minor);
    let held = get("held");
    assert_eq!(held.paid_minor, 0);
    assert!(held.hold_expires_at.as_deref() > Some("2026-11-22"));
    assert!(get("quote").hold_expires_at.is_none());
    // Cancelled 30 to 60 days before departure: the policy keeps a quarter, the rest went back in
    // cash.
    let cancelled = get("cancelled");
    let refund: Vec<(&str, &str, i64)> = cancelled
        .payments
        .iter()
        .filter(|p| p.direction == "refund")
        .map(|p| (p.direction.as_str(), p.kind.as_str(), p.amount_minor))
        .collect();
    assert_eq!(
        refund,
        vec![("refund", "cash", cancelled.total_minor * 3 / 4)]
    );
    assert_eq!(cancelled.paid_minor, cancelled.total_minor / 4);
    assert_eq!(cancelled.balance_minor, 0);
    // Every booking payment is cash on a day of the history, each day closed with its Z
    // report, which counts it.
    let zs = d
        .api
        .z_list(kassa_app::dto::NoInput::default())
        .unwrap()
        .reports;
    let mut taken = 0;
    let mut refunded = 0;
    for b in &list {
        for p in &get(&b.status).payments {
            assert_eq!(p.kind, "cash");
            if p.direction == "payment" {
                taken += p.amount_minor;
            } else {
                refunded += p.amount_minor;
            }
        }
    }
    assert!(taken > 0 && refunded > 0);
    let z_taken: i64 = zs
        .iter()
        .map(|z| z.bookings_by_tender.get("cash").copied().unwrap_or(0))
        .sum();
    let z_refunded: i64 = zs
        .iter()
        .map(|z| {
            z.booking_refunds_by_tender
                .get("cash")
                .copied()
                .unwrap_or(0)
        })
        .sum();
    assert_eq!((z_taken, z_refunded), (taken, refunded));
}
