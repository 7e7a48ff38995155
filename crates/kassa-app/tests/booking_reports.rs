//! A manager reads the bookings and card payments reports and takes them home as CSV and PDF;
//! a cashier is refused them, directly and through an export.

mod common;

use common::Device;
use kassa_app::dto::*;
use std::collections::BTreeMap;

const FROM: &str = "2026-11-01";
const TO: &str = "2026-12-31";

fn travellers(n: usize) -> Vec<TravellerInput> {
    (0..n)
        .map(|i| TravellerInput {
            full_name: format!("Traveller {i}"),
            traveller_type: None,
            date_of_birth: None,
            document_number: None,
        })
        .collect()
}

fn book(d: &Device, departure: &str, seats: usize, pay: Option<i64>) -> BookingDto {
    d.api
        .booking_create(BookingCreateInput {
            departure_id: departure.into(),
            customer_id: None,
            travellers: travellers(seats),
            options: None,
            note: None,
            hold: Some(true),
            waitlist_id: None,
            payments: pay.map(|amount_minor| {
                vec![BookingTenderInput {
                    kind: "cash".into(),
                    amount_minor,
                    voucher_code: None,
                    card_token: None,
                    idempotency_key: None,
                }]
            }),
        })
        .unwrap()
}

/// The demo store with a trip, three bookings (one cancelled with a fee still owed) and a
/// card payment taken offline; and the bookings report of the period before them (the demo's
/// own bookings).
fn travel_desk() -> (Device, BookingsReportDto) {
    let d = Device::demo();
    d.sign_in("manager");
    let demo = d.api.report_bookings(period()).unwrap();
    d.api
        .trip_create(TripCreateInput {
            code: "GARDA".into(),
            name: "Lake Garda".into(),
            adult_minor: 100_000,
            child_minor: None,
            senior_minor: None,
            deposit: Some("30%".into()),
            balance_due_days: Some(30),
            cancellation_policy: Some("60:0,30:25%,10:50%,0:100%".into()),
            hold_minutes: None,
            documents_required: None,
        })
        .unwrap();
    let dep = d
        .api
        .departure_add(DepartureAddInput {
            trip: "GARDA".into(),
            departs_at: "2026-12-10T08:00:00Z".into(),
            returns_at: None,
            time_zone: "Europe/Berlin".into(),
            meeting_point: None,
            seats: Some(20),
            share_with: None,
        })
        .unwrap();
    book(&d, &dep.id, 2, Some(60_000));
    book(&d, &dep.id, 1, Some(100_000));
    let c = book(&d, &dep.id, 1, Some(30_000));
    // 18 days before: half the price, 30,000 paid, 20,000 owed.
    let out = d
        .api
        .booking_cancel(BookingCancelInput {
            booking: c.booking_id,
            reason: None,
            preview: None,
        })
        .unwrap();
    assert_eq!((out.fee_minor, out.owed_minor), (50_000, 20_000));
    d.api
        .sell(SellInput {
            lines: vec![SellLineInput {
                code: "DRK-WAT-05".into(),
                quantity: 3,
            }],
            tenders: vec![
                TenderInput {
                    kind: "card".into(),
                    amount_minor: 100,
                    card_brand: Some("VISA".into()),
                    card_last4: Some("4242".into()),
                    customer_contact: Some("guest@example.com".into()),
                    voucher_code: None,
                    card_token: None,
                },
                TenderInput {
                    kind: "cash".into(),
                    amount_minor: 1_000_000,
                    card_brand: None,
                    card_last4: None,
                    customer_contact: None,
                    voucher_code: None,
                    card_token: None,
                },
            ],
            customer_id: None,
            idempotency_key: None,
        })
        .unwrap();
    (d, demo)
}

fn period() -> PeriodReportInput {
    PeriodReportInput {
        from: FROM.into(),
        to: TO.into(),
    }
}

fn export(d: &Device, report: &str, format: &str) -> kassa_app::ApiResult<ReportFileDto> {
    d.api.report_export(ReportExportInput {
        language: None,
        report: report.into(),
        format: format.into(),
        from: Some(FROM.into()),
        to: Some(TO.into()),
        by: None,
        with_cost: None,
        as_of: None,
    })
}

fn pdf_text(file: ReportFileDto) -> String {
    common::pdf_text(&file.base64.unwrap())
}

/// The CSV's money column `column` summed per section.
fn sums(text: &str, column: &str) -> BTreeMap<String, i64> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    for row in reader.records() {
        let row = row.unwrap();
        let cell = &row[col(column)];
        if cell.is_empty() {
            continue;
        }
        let minor = kassa_app::kassa_domain::money::parse_major(cell, 2).unwrap();
        *out.entry(row[col("section")].to_string()).or_default() += minor;
    }
    out
}

#[test]
fn a_cashier_is_refused_the_bookings_and_card_reports_and_their_exports() {
    let (d, _) = travel_desk();
    d.sign_in("cashier");
    for err in [
        d.api.report_bookings(period()).map(|_| ()).unwrap_err(),
        d.api.report_cards(period()).map(|_| ()).unwrap_err(),
        export(&d, "bookings", "csv").map(|_| ()).unwrap_err(),
        export(&d, "cards", "pdf").map(|_| ()).unwrap_err(),
    ] {
        assert_eq!(err.code, "forbidden", "{}", err.message);
    }
    d.sign_in("manager");
    for (from, to) in [("2026-11-31", TO), (TO, FROM), ("", TO)] {
        let err = d
            .api
            .report_bookings(PeriodReportInput {
                from: from.into(),
                to: to.into(),
            })
            .unwrap_err();
        assert_eq!(err.code, "invalid_input", "{from} {to}");
        let err = d
            .api
            .report_cards(PeriodReportInput {
                from: from.into(),
                to: to.into(),
            })
            .unwrap_err();
        assert_eq!(err.code, "invalid_input", "{from} {to}");
    }
    let err = d
        .api
        .report_export(ReportExportInput {
            language: None,
            report: "bookings".into(),
            format: "csv".into(),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.code, "invalid_input");
}

#[test]
fn the_bookings_report_adds_up_and_exports_to_csv_and_pdf() {
    let (d, demo) = travel_desk();
    let r = d.api.report_bookings(period()).unwrap();
    // The demo's own bookings are in the period: the Lake Garda bookings add exactly theirs.
    assert!(demo.bookings > 0 && demo.cancellation_totals.count > 0);
    assert_eq!(
        (
            r.bookings - demo.bookings,
            r.seats - demo.seats,
            r.value_minor - demo.value_minor
        ),
        (3, 4, 400_000)
    );
    assert_eq!(
        (
            r.money.deposits_minor - demo.money.deposits_minor,
            r.money.balances_minor - demo.money.balances_minor,
            r.money.taken_minor - demo.money.taken_minor,
            r.money.refunded_minor - demo.money.refunded_minor
        ),
        (120_000, 70_000, 190_000, 0)
    );
    assert_eq!(
        (
            r.cancellation_totals.count - demo.cancellation_totals.count,
            r.cancellation_totals.fee_minor - demo.cancellation_totals.fee_minor,
            r.cancellation_totals.kept_minor - demo.cancellation_totals.kept_minor,
            r.cancellation_totals.owed_minor - demo.cancellation_totals.owed_minor
        ),
        (1, 50_000, 30_000, 20_000)
    );
    assert_eq!(
        (
            r.due_minor - demo.due_minor,
            r.overdue - demo.overdue,
            r.overdue_minor - demo.overdue_minor
        ),
        (160_000, 0, 0)
    );
    let garda: Vec<&DepartureLoadDto> = r
        .departures
        .iter()
        .filter(|x| x.trip_code == "GARDA")
        .collect();
    assert_eq!(garda.len(), 1);
    assert_eq!(
        (
            garda[0].capacity,
            garda[0].booked,
            garda[0].left,
            garda[0].load_bp
        ),
        (20, 3, 17, 1500)
    );
    // The demo's own departures in the period are as the demo left them.
    let others: Vec<(String, i64, i64)> = r
        .departures
        .iter()
        .filter(|x| x.trip_code != "GARDA")
        .map(|x| (x.departure_id.clone(), x.booked, x.left))
        .collect();
    let before: Vec<(String, i64, i64)> = demo
        .departures
        .iter()
        .map(|x| (x.departure_id.clone(), x.booked, x.left))
        .collect();
    assert_eq!(others, before);
    assert!(
        before.iter().any(|(_, booked, _)| *booked > 0),
        "{before:?}"
    );
    assert_eq!(r.basis.currency, "EUR");

    let file = export(&d, "bookings", "csv").unwrap();
    assert_eq!(file.file_name, "bookings-2026-11-01-2026-12-31.csv");
    let text = file.csv.unwrap();
    let amount = sums(&text, "amount");
    assert_eq!(amount["status"], r.value_minor);
    assert_eq!(amount["trip"], r.value_minor);
    assert_eq!(amount["person"], r.value_minor);
    assert_eq!(amount["due"], r.due_minor);
    assert_eq!(amount["tender"], r.money.net_minor);
    assert_eq!(sums(&text, "taken")["person"], r.money.taken_minor);
    assert_eq!(sums(&text, "taken")["tender"], r.money.taken_minor);
    assert_eq!(
        sums(&text, "fee")["cancellation"],
        r.cancellation_totals.fee_minor
    );
    assert_eq!(
        sums(&text, "owed")["cancellation"],
        r.cancellation_totals.owed_minor
    );

    let text = pdf_text(export(&d, "bookings", "pdf").unwrap());
    let money = |m: i64| kassa_app::kassa_domain::money::format_minor(m, 2);
    for want in [
        "Bookings".to_string(),
        "Period: 2026-11-01 to 2026-12-31".into(),
        "Currency: EUR".into(),
        money(r.value_minor),
        money(r.money.taken_minor),
        money(r.due_minor),
        money(r.cancellation_totals.kept_minor),
        "Lake Garda".into(),
    ] {
        assert!(text.contains(&want), "'{want}' missing from:\n{text}");
    }
}

#[test]
fn the_card_report_shows_the_pending_payment_and_exports_to_csv_and_pdf() {
    let (d, _) = travel_desk();
    let r = d.api.report_cards(period()).unwrap();
    assert_eq!((r.payments, r.amount_minor), (1, 100));
    let pending = r
        .by_status
        .iter()
        .find(|s| s.status == "offline_pending")
        .unwrap();
    assert_eq!((pending.payments, pending.amount_minor), (1, 100));
    assert_eq!(r.pending.len(), 1);
    assert_eq!(r.pending[0].contact.as_deref(), Some("guest@example.com"));
    assert!(r.declined.is_empty());
    assert_eq!((r.exposure.pending, r.exposure.pending_minor), (1, 100));
    assert_eq!(
        r.exposure.left_minor,
        r.exposure.limit_minor - r.exposure.pending_minor
    );
    // The same payment through the drawer's list.
    assert_eq!(
        d.api
            .cards_pending(NoInput::default())
            .unwrap()
            .payments
            .len(),
        1
    );

    let text = export(&d, "cards", "csv").unwrap().csv.unwrap();
    let amount = sums(&text, "amount");
    assert_eq!(amount["status"], r.amount_minor);
    assert_eq!(amount["brand"], r.amount_minor);
    assert_eq!(amount["pending"], 100);
    assert!(text.contains("guest@example.com"));

    let text = pdf_text(export(&d, "cards", "pdf").unwrap());
    for want in [
        "Card payments",
        "Period: 2026-11-01 to 2026-12-31",
        "VISA",
        "guest@example.com",
    ] {
        assert!(text.contains(want), "'{want}' missing from:\n{text}");
    }
    for (label, value) in [
        ("Offline exposure:", "1.00"),
        ("Pending offline (1 payments):", "1.00"),
        ("Declined (0 payments):", "0.00"),
    ] {
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with(label) && l.trim_end().ends_with(value)),
            "'{label} {value}' missing from:\n{text}"
        );
    }
}
