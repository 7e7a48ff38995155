//! Booking documents through the app: the confirmation speaks the store's receipt language.

mod common;

use common::{Device, pdf_text};
use kassa_app::dto::{
    BookingCreateInput, BookingEmailInput, BookingIdInput, BookingPayInput, CustomerFields,
    DepartureAddInput, DepartureDto, NoInput, SettingSetInput, SettingValueDto, ShiftOpenInput,
    TravellerInput, TripCreateInput,
};

/// A coach trip to Lake Garda (30 % deposit, a fee table) and its departure on 10 July 2027.
fn garda_departure(d: &Device) -> DepartureDto {
    let trip = d
        .api
        .trip_create(TripCreateInput {
            code: "GARDA-C".into(),
            name: "Lake Garda by coach".into(),
            adult_minor: 100_000,
            child_minor: Some(60_000),
            senior_minor: None,
            deposit: Some("30%".into()),
            balance_due_days: Some(30),
            cancellation_policy: Some("60:0,30:25%,0:100%".into()),
            hold_minutes: None,
            documents_required: None,
        })
        .unwrap();
    d.api
        .departure_add(DepartureAddInput {
            trip: trip.id.clone(),
            departs_at: "2027-07-10T04:00:00Z".into(),
            returns_at: None,
            time_zone: "Europe/Berlin".into(),
            meeting_point: Some("ZOB, Steig 4".into()),
            seats: Some(40),
            share_with: None,
        })
        .unwrap()
}

#[test]
fn a_booking_confirmation_is_in_the_stores_receipt_language() {
    let d = Device::demo();
    d.sign_in("admin");
    let dep = garda_departure(&d);
    let booking = d
        .api
        .booking_create(BookingCreateInput {
            departure_id: dep.id.clone(),
            customer_id: None,
            travellers: vec![
                TravellerInput {
                    full_name: "Grace Hopper".into(),
                    traveller_type: None,
                    date_of_birth: None,
                    document_number: None,
                },
                TravellerInput {
                    full_name: "Ada Hopper".into(),
                    traveller_type: Some("child".into()),
                    date_of_birth: Some("2018-04-01".into()),
                    document_number: None,
                },
            ],
            options: None,
            note: None,
            hold: Some(true),
            waitlist_id: None,
            payments: None,
        })
        .unwrap();
    let confirmation = |d: &Device| {
        let out = d
            .api
            .booking_confirmation(BookingIdInput {
                booking: booking.reference.clone(),
            })
            .unwrap();
        pdf_text(&out.base64)
    };

    let en = confirmation(&d);
    for want in [
        "Booking confirmation",
        "Status: held",
        "Grace Hopper (adult)",
        "Ada Hopper (child)",
        "2027-07-10 06:00 Europe/Berlin",
        "1600.00 EUR",
        "60 days or more before departure: free",
    ] {
        assert!(en.contains(want), "'{want}' missing from:\n{en}");
    }

    d.api
        .settings_set(SettingSetInput {
            key: "receipt.language".into(),
            value: SettingValueDto::Text("de".into()),
        })
        .unwrap();
    let de = confirmation(&d);
    for want in [
        "Buchungsbestätigung",
        "Status: reserviert",
        "Grace Hopper (Erwachsener)",
        "Ada Hopper (Kind)",
        "10.07.2027 06:00 Europe/Berlin",
        "1600,00 EUR",
        "Anzahlung",
        "Restbetrag fällig am 10.06.2027",
        "60 Tage oder mehr vor Abreise: kostenlos",
        "30 Tage oder mehr vor Abreise: 25 % des Preises",
    ] {
        assert!(de.contains(want), "'{want}' missing from:\n{de}");
    }
    for english in [
        "Booking",
        "Travellers",
        "Balance due",
        "days or more",
        "adult",
    ] {
        assert!(!de.contains(english), "'{english}' in:\n{de}");
    }
}

fn traveller(name: &str) -> TravellerInput {
    TravellerInput {
        full_name: name.into(),
        traveller_type: None,
        date_of_birth: None,
        document_number: None,
    }
}

#[test]
fn a_booking_confirmation_is_emailed_to_its_customer_with_its_document() {
    let d = Device::demo();
    d.sign_in("admin");
    let dep = garda_departure(&d);
    let customer = d
        .api
        .customer_create(CustomerFields {
            name: "Grace Hopper".into(),
            email: Some("grace@example.com".into()),
            phone: None,
            notes: None,
            marketing_consent: None,
            tags: None,
            addresses: None,
        })
        .unwrap();
    let book = |customer_id: Option<String>| {
        d.api
            .booking_create(BookingCreateInput {
                departure_id: dep.id.clone(),
                customer_id,
                travellers: vec![traveller("Grace Hopper")],
                options: None,
                note: None,
                hold: Some(true),
                waitlist_id: None,
                payments: None,
            })
            .unwrap()
    };
    let booking = book(Some(customer.id.clone()));
    let emails = |b: &str| {
        d.api
            .booking_emails(BookingIdInput { booking: b.into() })
            .unwrap()
            .emails
    };
    assert!(emails(&booking.booking_id).is_empty());

    // No address given: the booking's customer's.
    let out = d
        .api
        .booking_email(BookingEmailInput {
            booking: booking.reference.clone(),
            to: None,
        })
        .unwrap();
    assert_eq!(out.to, "grace@example.com");
    let listed = emails(&booking.reference);
    assert_eq!(listed.len(), 1, "{listed:?}");
    let e = &listed[0];
    assert_eq!(
        (
            e.id.as_str(),
            e.kind.as_str(),
            e.to.as_str(),
            e.status.as_str(),
            e.on_server
        ),
        (
            out.email_id.as_str(),
            "booking_confirmation",
            "grace@example.com",
            "queued",
            false
        )
    );
    assert!(e.subject.contains(&booking.reference), "{}", e.subject);

    // What syncs carries the confirmation, from which the server renders the same PDF.
    let db = rusqlite::Connection::open(d.data_dir().join("kassa.db")).unwrap();
    let payload: String = db
        .query_row(
            "SELECT payload FROM outbox WHERE entity = 'email_outbox' AND entity_id = ?1",
            [&out.email_id],
            |r| r.get(0),
        )
        .unwrap();
    let payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
    let doc: kassa_documents::booking::BookingConfirmation =
        serde_json::from_value(payload["booking_confirmation"].clone()).unwrap();
    assert_eq!(doc.reference, booking.reference);
    assert_eq!(doc.customer.as_deref(), Some("Grace Hopper"));
    assert!(
        payload["body_html"]
            .as_str()
            .unwrap()
            .contains(&booking.reference)
    );
    let pdf = kassa_documents::booking::pdf(&doc).unwrap();
    assert!(pdf.starts_with(b"%PDF"));

    // The preview is the same confirmation as HTML.
    let shown = d
        .api
        .booking_confirmation(BookingIdInput {
            booking: booking.booking_id.clone(),
        })
        .unwrap();
    assert!(shown.html.contains(&booking.reference));
    assert!(
        shown.html.contains("Grace Hopper (adult)"),
        "{}",
        shown.html
    );

    // Another address when one is given; a bad one, or none for a booking without a
    // customer, is refused and queues nothing.
    d.api
        .booking_email(BookingEmailInput {
            booking: booking.booking_id.clone(),
            to: Some(" office@example.org ".into()),
        })
        .unwrap();
    assert_eq!(emails(&booking.booking_id).len(), 2);
    let bad = d
        .api
        .booking_email(BookingEmailInput {
            booking: booking.booking_id.clone(),
            to: Some("not an address".into()),
        })
        .unwrap_err();
    assert_eq!(bad.code, "invalid_input");
    let walk_in = book(None);
    let none = d
        .api
        .booking_email(BookingEmailInput {
            booking: walk_in.booking_id.clone(),
            to: None,
        })
        .unwrap_err();
    assert_eq!(none.code, "invalid_input");
    assert!(
        none.message.contains(&walk_in.reference),
        "{}",
        none.message
    );
    assert!(emails(&walk_in.booking_id).is_empty());
    assert_eq!(emails(&booking.booking_id).len(), 2);
    let sent: i64 = db
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'booking.emailed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(sent, 2);
}

#[test]
fn a_balance_falling_due_is_reminded_once_with_the_confirmation_attached() {
    let d = Device::demo();
    d.sign_in("admin");
    let trip = d
        .api
        .trip_create(TripCreateInput {
            code: "SOON".into(),
            name: "Harz in three weeks".into(),
            adult_minor: 50_000,
            child_minor: None,
            senior_minor: None,
            deposit: Some("20%".into()),
            balance_due_days: Some(30),
            cancellation_policy: Some("0:100%".into()),
            hold_minutes: None,
            documents_required: None,
        })
        .unwrap();
    let departs = chrono::Utc::now() + chrono::Duration::days(21);
    let dep = d
        .api
        .departure_add(DepartureAddInput {
            trip: trip.id.clone(),
            departs_at: departs.to_rfc3339(),
            returns_at: None,
            time_zone: "Europe/Berlin".into(),
            meeting_point: None,
            seats: Some(10),
            share_with: None,
        })
        .unwrap();
    let customer = |name: &str, email: Option<&str>| {
        d.api
            .customer_create(CustomerFields {
                name: name.into(),
                email: email.map(str::to_owned),
                phone: None,
                notes: None,
                marketing_consent: None,
                tags: None,
                addresses: None,
            })
            .unwrap()
            .id
    };
    let book = |customer_id: String, deposit: bool| {
        let b = d
            .api
            .booking_create(BookingCreateInput {
                departure_id: dep.id.clone(),
                customer_id: Some(customer_id),
                travellers: vec![traveller("Traveller")],
                options: None,
                note: None,
                hold: Some(true),
                waitlist_id: None,
                payments: None,
            })
            .unwrap();
        if deposit {
            d.api
                .booking_pay(BookingPayInput {
                    booking: b.booking_id.clone(),
                    kind: "cash".into(),
                    amount_minor: 10_000,
                    voucher_code: None,
                    card_token: None,
                    idempotency_key: None,
                })
                .unwrap();
        }
        b
    };
    // The shift for the cash deposits.
    let _ = d.api.shift_open(ShiftOpenInput { counts: Vec::new() });
    let due = book(customer("Grace Hopper", Some("grace@example.com")), true);
    let no_address = book(customer("Alan Turing", None), true);
    let only_held = book(customer("Ada Lovelace", Some("ada@example.com")), false);

    // Off: nothing is queued.
    d.api
        .settings_set(SettingSetInput {
            key: "bookings.reminder_days".into(),
            value: SettingValueDto::Int(0),
        })
        .unwrap();
    let off = d.api.booking_remind(NoInput::default()).unwrap();
    assert!(off.reminded.is_empty() && off.without_email.is_empty());

    d.api
        .settings_set(SettingSetInput {
            key: "bookings.reminder_days".into(),
            value: SettingValueDto::Int(7),
        })
        .unwrap();
    let out = d.api.booking_remind(NoInput::default()).unwrap();
    let mine: Vec<_> = out
        .reminded
        .iter()
        .filter(|r| r.reference == due.reference)
        .collect();
    assert_eq!(mine.len(), 1, "{out:?}");
    assert_eq!(mine[0].to, "grace@example.com");
    assert_eq!(mine[0].balance_minor, 40_000);
    assert!(
        !out.reminded
            .iter()
            .any(|r| r.reference == only_held.reference),
        "a hold without its deposit is not reminded: {out:?}"
    );
    assert!(out.without_email.contains(&no_address.reference), "{out:?}");
    let emails = d
        .api
        .booking_emails(BookingIdInput {
            booking: due.booking_id.clone(),
        })
        .unwrap()
        .emails;
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].kind, "balance_reminder");
    assert!(
        emails[0].subject.starts_with("Payment reminder"),
        "{}",
        emails[0].subject
    );

    // What syncs carries the sentence and the confirmation for the attached PDF.
    let db = rusqlite::Connection::open(d.data_dir().join("kassa.db")).unwrap();
    let payload: String = db
        .query_row(
            "SELECT payload FROM outbox WHERE entity = 'email_outbox' AND entity_id = ?1",
            [&mine[0].email_id],
            |r| r.get(0),
        )
        .unwrap();
    let payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
    let body = payload["body_html"].as_str().unwrap();
    assert!(body.contains("The balance of 400.00 EUR"), "{body}");
    assert!(body.contains(&due.reference), "{body}");
    let doc: kassa_documents::booking::BookingConfirmation =
        serde_json::from_value(payload["booking_confirmation"].clone()).unwrap();
    assert_eq!(doc.balance, "400.00 EUR");

    // Once per booking: asking again queues nothing more for it.
    let again = d.api.booking_remind(NoInput::default()).unwrap();
    assert!(
        !again.reminded.iter().any(|r| r.reference == due.reference),
        "{again:?}"
    );
    assert_eq!(
        d.api
            .booking_emails(BookingIdInput {
                booking: due.booking_id.clone(),
            })
            .unwrap()
            .emails
            .len(),
        1
    );
}
