//! `kassa trip`, `departure`, `book` and `booking`: a trip with a departure, a booking held and
//! paid a deposit in cash, refused beyond the seats left with `insufficient_seats` naming what
//! is left, bad input refused with nothing written, and a cancellation with its fee.

mod common;
use chrono::{Duration, Utc};
use common::*;
use std::path::Path;

const BOOKING_TABLES: &[&str] = &[
    "bookings",
    "booking_travellers",
    "booking_events",
    "booking_payments",
    "outbox",
    "audit_log",
];

/// A trip of 1,000.00 per adult (30 % deposit) and a departure of 4 seats in 90 days.
fn trip_and_departure(d: &Path) -> String {
    let r = kassa(
        d,
        &[
            "trip",
            "add",
            "--code",
            "GARDA",
            "--name",
            "Lake Garda by coach",
            "--adult",
            "100000",
            "--child",
            "60000",
            "--deposit",
            "30%",
            "--cancellation",
            "60:0,30:25%,10:50%,0:100%",
            "--json",
        ],
    );
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["deposit_value"], 3000);
    let departs = (Utc::now() + Duration::days(90)).to_rfc3339();
    let r = kassa(
        d,
        &[
            "departure",
            "add",
            "--trip",
            "GARDA",
            "--departs",
            &departs,
            "--time-zone",
            "Europe/Berlin",
            "--seats",
            "4",
            "--meeting-point",
            "Central bus station",
            "--json",
        ],
    );
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["seats_left"], 4);
    r.out["id"].as_str().unwrap().to_string()
}

#[test]
fn book_pay_a_deposit_and_cancel_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    signed_in_store(d);
    let dep = trip_and_departure(d);
    let r = kassa(d, &["customer", "add", "--name", "Grace Hopper", "--json"]);
    assert!(r.ok, "{}", r.err);
    let customer = r.out["id"].as_str().unwrap().to_string();

    // Three seats, a deposit in cash.
    let r = kassa(
        d,
        &[
            "book",
            "--customer",
            &customer,
            "--departure",
            &dep,
            "--seats",
            "3",
            "--traveller",
            "Grace Hopper",
            "--traveller",
            "Ada Lovelace;adult;1985-03-04",
            "--traveller",
            "Alan Turing;child",
            "--pay",
            "cash=78000",
            "--json",
        ],
    );
    assert!(r.ok, "{}", r.err);
    let b = r.out.clone();
    assert_eq!(b["status"], "confirmed");
    assert_eq!(b["total_minor"], 260_000);
    assert_eq!(b["deposit_minor"], 78_000);
    assert_eq!(b["balance_minor"], 182_000);
    let reference = b["reference"].as_str().unwrap().to_string();
    assert!(reference.contains("-B000001"), "{reference}");

    // The fourth and fifth seat do not exist: refused, naming what is left, nothing written.
    let before = counts(d, BOOKING_TABLES);
    let r = kassa(
        d,
        &[
            "book",
            "--departure",
            &dep,
            "--traveller",
            "One",
            "--traveller",
            "Two",
            "--json",
        ],
    );
    assert!(!r.ok);
    assert_eq!(r.err["error"]["code"], "insufficient_seats", "{}", r.err);
    assert!(
        r.err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("only 1 of 4 seats"),
        "{}",
        r.err
    );
    // A card number as a document number, a bad traveller type, a payment above the balance.
    for args in [
        vec![
            "book",
            "--departure",
            &dep,
            "--traveller",
            "Eve;adult;;4111111111111111",
        ],
        vec!["book", "--departure", &dep, "--traveller", "Eve;pirate"],
        vec![
            "book",
            "--departure",
            &dep,
            "--seats",
            "2",
            "--traveller",
            "Eve",
        ],
    ] {
        let mut a = args.clone();
        a.push("--json");
        let r = kassa(d, &a);
        assert!(!r.ok, "{args:?}");
        assert_eq!(
            r.err["error"]["code"], "invalid_input",
            "{args:?}: {}",
            r.err
        );
    }
    let r = kassa(
        d,
        &[
            "booking",
            "pay",
            &reference,
            "--pay",
            "cash=182001",
            "--json",
        ],
    );
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);
    assert_eq!(counts(d, BOOKING_TABLES), before);

    let r = kassa(d, &["booking", "show", &reference, "--json"]);
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["travellers"].as_array().unwrap().len(), 3);
    assert_eq!(r.out["payments"][0]["amount_minor"], 78_000);
    // The confirmation prints as PDF, any time.
    let pdf = d.join("confirmation.pdf");
    let r = kassa(
        d,
        &[
            "booking",
            "confirmation",
            &reference,
            "--out",
            pdf.to_str().unwrap(),
            "--json",
        ],
    );
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["reference"], reference.as_str());
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    // Its preview as HTML, and the confirmation queued for email (this booking has no
    // customer: the address is given).
    let html = d.join("confirmation.html");
    let r = kassa(
        d,
        &[
            "booking",
            "confirmation",
            &reference,
            "--out",
            html.to_str().unwrap(),
        ],
    );
    assert!(r.ok, "{}", r.err);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.starts_with("<!doctype html>") && page.contains(&reference),
        "{page}"
    );
    let r = kassa(d, &["booking", "email", &reference, "--json"]);
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);
    let r = kassa(
        d,
        &[
            "booking",
            "email",
            &reference,
            "--to",
            "grace@example.com",
            "--json",
        ],
    );
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["to"], "grace@example.com");
    let r = kassa(d, &["booking", "emails", &reference, "--json"]);
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["emails"][0]["kind"], "booking_confirmation");
    assert_eq!(r.out["emails"][0]["status"], "queued");
    let r = kassa(d, &["booking", "balances-due", "--json"]);
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["items"][0]["balance_minor"], 182_000);
    let r = kassa(d, &["booking", "list", "--search", "Lovelace", "--json"]);
    assert_eq!(r.out["items"][0]["reference"], reference.as_str());
    let r = kassa(d, &["departure", "show", &dep, "--json"]);
    assert_eq!(r.out["seats_left"], 1);
    // The deposit is cash in this device's drawer.
    let r = kassa(d, &["shift", "status", "--json"]);
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["figures"]["booking_cash_minor"], 78_000, "{}", r.out);
    assert_eq!(r.out["figures"]["expected_cash_minor"], 78_000, "{}", r.out);

    // 90 days before departure the policy charges nothing: the whole deposit comes back.
    let r = kassa(d, &["booking", "cancel", &reference, "--preview", "--json"]);
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["preview"], true);
    assert_eq!(r.out["booking"]["status"], "confirmed");
    let r = kassa(
        d,
        &[
            "booking",
            "cancel",
            &reference,
            "--reason",
            "plans changed",
            "--json",
        ],
    );
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["fee_minor"], 0);
    assert_eq!(r.out["refund_minor"], 78_000);
    assert_eq!(r.out["booking"]["status"], "cancelled");
    let r = kassa(d, &["departure", "show", &dep, "--json"]);
    assert_eq!(r.out["seats_left"], 4);
    // The drawer took the deposit and gave it back.
    let r = kassa(d, &["shift", "status", "--json"]);
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["figures"]["booking_cash_minor"], 0, "{}", r.out);
}

#[test]
fn a_booking_balance_is_paid_off_a_voucher_whose_code_never_is_an_argument() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    signed_in_store(d);
    garda_booked_and_oat_milk(d);
    let list = ok(kassa(d, &["booking", "list", "--json"]));
    let reference = list["items"][0]["reference"].as_str().unwrap().to_string();
    let v = ok(kassa(
        d,
        &["voucher", "issue", "--amount", "50000", "--json"],
    ));
    let code = v["code"].as_str().unwrap().to_string();

    // The code in the argument is refused before anything is read or written.
    let r = kassa(
        d,
        &[
            "booking",
            "pay",
            &reference,
            "--pay",
            &format!("voucher:{code}=50000"),
            "--json",
        ],
    );
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);

    let paid = kassa_env(
        d,
        &[
            "booking",
            "pay",
            &reference,
            "--pay",
            "voucher=50000",
            "--json",
        ],
        &[("KASSA_VOUCHER_CODE", &code)],
    );
    assert!(paid.ok, "{}", paid.err);
    assert_eq!(paid.out["booking"]["paid_minor"], 110_000, "{}", paid.out);
    let left = kassa_env(
        d,
        &["voucher", "balance", "--json"],
        &[("KASSA_VOUCHER_CODE", &code)],
    );
    assert_eq!(left.out["balance_minor"], 0, "{}", left.out);
}

#[test]
fn a_trips_terms_and_the_stores_booking_policy_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    signed_in_store(d);
    // The store's policy, set as settings, is where a trip with no terms of its own starts.
    let r = kassa(d, &["settings", "set", "bookings.policy.deposit", "15%"]);
    assert!(r.ok, "{}", r.err);
    let r = kassa(
        d,
        &[
            "settings",
            "set",
            "bookings.policy.cancellation",
            "21:0,0:100%",
        ],
    );
    assert!(r.ok, "{}", r.err);
    let r = kassa(d, &["trip", "policy", "--json"]);
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["deposit"], "15%");
    assert_eq!(r.out["cancellation_policy"], "0:100%,21:0");
    let r = kassa(
        d,
        &[
            "trip", "add", "--code", "ALPS", "--name", "Alps", "--adult", "50000", "--json",
        ],
    );
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["deposit_value"], 1500);
    assert_eq!(r.out["cancellation_policy"], "0:100%,21:0");

    // New terms for one trip; a bad table is refused and nothing is written.
    let r = kassa(
        d,
        &[
            "trip",
            "terms",
            "ALPS",
            "--cancellation",
            "30:20%,0:100%",
            "--json",
        ],
    );
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["cancellation_policy"], "0:100%,30:20%");
    assert_eq!(r.out["deposit_value"], 1500);
    let before = counts(d, &["trips", "outbox", "audit_log"]);
    let r = kassa(
        d,
        &[
            "trip",
            "terms",
            "ALPS",
            "--cancellation",
            "30:20%",
            "--json",
        ],
    );
    assert!(!r.ok);
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);
    assert_eq!(counts(d, &["trips", "outbox", "audit_log"]), before);
    let r = kassa(d, &["trip", "terms", "ALPS", "--store-policy", "--json"]);
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["cancellation_policy"], "0:100%,21:0");
}

#[test]
fn amend_a_booking_through_the_cli_shows_the_difference_and_refunds_the_excess() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    signed_in_store(d);
    let dep = trip_and_departure(d);
    let r = kassa(
        d,
        &[
            "book",
            "--departure",
            &dep,
            "--traveller",
            "Grace Hopper",
            "--traveller",
            "Alan Turing;child",
            "--pay",
            "cash=160000",
            "--json",
        ],
    );
    assert!(r.ok, "{}", r.err);
    let reference = r.out["reference"].as_str().unwrap().to_string();
    assert_eq!(r.out["status"], "paid", "{}", r.out);
    let child = r.out["travellers"][1]["id"].as_str().unwrap().to_string();

    // A preview changes nothing.
    let before = counts(d, BOOKING_TABLES);
    let p = kassa(
        d,
        &[
            "booking",
            "amend",
            &reference,
            "--add-traveller",
            "Ada Lovelace",
            "--preview",
            "--json",
        ],
    );
    assert!(p.ok, "{}", p.err);
    assert_eq!(p.out["preview"], true);
    assert_eq!(p.out["difference_minor"], 100_000);
    assert_eq!(p.out["balance_after"], 100_000);
    assert_eq!(counts(d, BOOKING_TABLES), before);

    // The child taken off a paid booking: 600.00 back in cash, audited.
    let r = kassa(
        d,
        &[
            "booking",
            "amend",
            &reference,
            "--remove-traveller",
            &child,
            "--json",
        ],
    );
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["refund_minor"], 60_000);
    assert_eq!(r.out["booking"]["total_minor"], 100_000);
    assert_eq!(r.out["booking"]["seats"], 1);
    assert_eq!(r.out["booking"]["status"], "paid");
    let shown = kassa(d, &["booking", "show", &reference]);
    assert!(shown.ok, "{}", shown.err);
    assert!(!shown.stdout.contains("Alan Turing"), "{}", shown.stdout);
    assert_eq!(
        counts(d, &["audit_log WHERE action = 'booking.amended'"]),
        vec![1]
    );

    // Bad input is refused with a clear error and writes nothing.
    let before = counts(d, BOOKING_TABLES);
    for args in [
        vec!["booking", "amend", &reference, "--json"],
        vec![
            "booking",
            "amend",
            &reference,
            "--remove-traveller",
            "nobody",
            "--json",
        ],
        vec![
            "booking", "amend", &reference, "--option", "nothing", "--json",
        ],
        vec![
            "booking",
            "amend",
            &reference,
            "--add-traveller",
            "Card;adult;1980-01-01;4111111111111111",
            "--json",
        ],
    ] {
        let r = kassa(d, &args);
        assert!(!r.ok, "{args:?}: {}", r.stdout);
        assert!(r.err["error"]["code"].is_string(), "{}", r.err);
    }
    assert_eq!(counts(d, BOOKING_TABLES), before);
}
