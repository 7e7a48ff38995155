//! Pricing a booking before it is made: each traveller's fields checked one by one, the price
//! the same as the booking then made, and nothing written.

mod common;

use common::Device;
use kassa_app::dto::{
    BookingCreateInput, BookingListInput, BookingPriceInput, DepartureListInput, TravellerInput,
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
    assert_eq!(price.seats_left, 40);
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
    let none = d.api.booking_list(BookingListInput::default()).unwrap();
    assert!(none.items.is_empty());

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
