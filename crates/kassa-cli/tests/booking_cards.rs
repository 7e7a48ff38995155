//! Card payments for bookings through `kassa server` and its card provider (localstripe behind
//! its stand-in): a deposit and a balance taken by card while online, charged once however
//! often they are asked, and a declined card refused with nothing written; offline, cards taken
//! within the store's offline limits, charged at the next `kassa sync` (a decline makes the
//! booking owe it again, for a manager to collect); and a cancellation paying the refund back
//! to the cards it came from, at once while the server answers, else at the next sync.

mod common;
use common::*;
use kassa_localstripe::{refunds_of_blocking, terminal};
use serde_json::Value;
use std::path::Path;

/// A paired till with the GARDA departure (1,000.00 a seat, 30 % deposit, 25 % kept from 30
/// days out) leaving in 40 days, known to the server.
fn travel_till() -> (CardTill, Server, String) {
    let (till, server) = CardTill::start();
    let dep = garda_departure(till.dir(), 20, 40);
    ok(kassa(till.dir(), &["sync", "--json"]));
    (till, server, dep)
}

fn book_by_card(d: &Path, dep: &str, key: &str) -> Value {
    ok(kassa(
        d,
        &[
            "book",
            "--departure",
            dep,
            "--traveller",
            "Grace Hopper",
            "--traveller",
            "Alan Turing",
            "--pay",
            "card=60000",
            "--card-token",
            terminal::VISA,
            "--key",
            key,
            "--json",
        ],
    ))
}

/// One traveller booked with a deposit of 300.00 by the card with `token`.
fn book_one_by_card(d: &Path, dep: &str, traveller: &str, token: &str) -> Value {
    ok(kassa(
        d,
        &[
            "book",
            "--departure",
            dep,
            "--traveller",
            traveller,
            "--pay",
            "card=30000",
            "--card-token",
            token,
            "--json",
        ],
    ))
}

fn pay_card(d: &Path, booking: &str, amount: i64, token: &str, key: &str) -> Run {
    kassa(
        d,
        &[
            "booking",
            "pay",
            booking,
            "--pay",
            &format!("card={amount}"),
            "--card-token",
            token,
            "--key",
            key,
            "--json",
        ],
    )
}

fn show(d: &Path, booking: &str) -> Value {
    ok(kassa(d, &["booking", "show", booking, "--json"]))
}

/// The PaymentIntents of a booking's card payments, oldest first.
fn intents(d: &Path, booking: &str) -> Vec<String> {
    let c = rusqlite::Connection::open(d.join("kassa.db")).unwrap();
    let mut st = c
        .prepare(
            "SELECT provider_ref FROM booking_payments
             WHERE booking_id = ?1 AND kind = 'card' AND direction = 'payment' ORDER BY created_at, id",
        )
        .unwrap();
    st.query_map([booking], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn payments(b: &Value) -> Vec<(String, String, i64, Option<String>)> {
    b["payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["direction"].as_str().unwrap().to_owned(),
                p["kind"].as_str().unwrap().to_owned(),
                p["amount_minor"].as_i64().unwrap(),
                p["card_refund_status"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// The booking's refunds, as [`payments`] gives them.
fn refunds(b: &Value) -> Vec<(String, String, i64, Option<String>)> {
    payments(b)
        .into_iter()
        .filter(|p| p.0 == "refund")
        .collect()
}

/// A refund of `amount` onto a card, standing `status`.
fn card_back(amount: i64, status: &str) -> (String, String, i64, Option<String>) {
    ("refund".into(), "card".into(), amount, Some(status.into()))
}

#[test]
fn a_booking_is_paid_by_card_online_and_cancelling_pays_the_cards_back() {
    let (till, server, dep) = travel_till();
    let d = till.dir();
    let stripe = till.stripe.localstripe_url();

    // The deposit by card: captured through the server, and the booking confirmed.
    let booked = book_by_card(d, &dep, "deposit-1");
    assert_eq!(booked["status"], "confirmed", "{booked}");
    assert_eq!(booked["balance_minor"], 140_000, "{booked}");
    let id = booked["booking_id"].as_str().unwrap().to_owned();
    let b = show(d, &id);
    assert_eq!(b["payments"][0]["card_brand"], "visa", "{b}");
    assert_eq!(b["payments"][0]["card_last4"], "4242", "{b}");

    // Asked again under its key (the answer was lost): the same payment, written once.
    let again = pay_card(d, &id, 60_000, terminal::VISA, "deposit-1");
    assert!(again.ok, "{}", again.err);
    assert_eq!(
        again.out["receipt_number"], b["payments"][0]["receipt_number"],
        "{}",
        again.out
    );
    assert_eq!(payments(&show(d, &id)).len(), 1);

    // A declined card: refused, nothing taken.
    let declined = pay_card(d, &id, 40_000, terminal::DECLINED, "balance-declined");
    assert!(!declined.ok);
    assert_eq!(
        declined.err["error"]["code"], "card_declined",
        "{}",
        declined.err
    );
    assert_eq!(show(d, &id)["paid_minor"], 60_000);
    // A card number for a token: refused before anything is asked.
    let pan = pay_card(d, &id, 40_000, "4242424242424242", "balance-pan");
    assert_eq!(pan.err["error"]["code"], "invalid_input", "{}", pan.err);

    // More than the balance never reaches the provider.
    let over = pay_card(d, &id, 140_001, terminal::VISA, "balance-over");
    assert_eq!(over.err["error"]["code"], "invalid_input", "{}", over.err);
    let part = pay_card(d, &id, 40_000, terminal::VISA, "balance-1");
    assert!(part.ok, "{}", part.err);
    assert_eq!(part.out["booking"]["paid_minor"], 100_000, "{}", part.out);
    let cards = intents(d, &id);
    assert_eq!(cards.len(), 2, "{cards:?}");

    // Cancelled 40 days out: a quarter of 2,000.00 is kept, 500.00 goes back, the latest
    // card first (400.00), then 100.00 of the deposit's card, both at once.
    let c = ok(kassa(d, &["booking", "cancel", &id, "--json"]));
    assert_eq!(
        (c["fee_minor"].as_i64(), c["refund_minor"].as_i64()),
        (Some(50_000), Some(50_000)),
        "{c}"
    );
    let b = show(d, &id);
    assert_eq!(
        refunds(&b),
        vec![card_back(40_000, "refunded"), card_back(10_000, "refunded")],
        "{b}"
    );
    let deposit_back = refunds_of_blocking(stripe, &cards[0]);
    let balance_back = refunds_of_blocking(stripe, &cards[1]);
    assert_eq!(
        (deposit_back.len(), balance_back.len()),
        (1, 1),
        "{deposit_back:?} {balance_back:?}"
    );
    assert_eq!(deposit_back[0]["amount"], 10_000);
    assert_eq!(balance_back[0]["amount"], 40_000);
    // The human text names the cards and each refund's standing.
    let text = kassa(d, &["booking", "show", &id]).stdout;
    assert!(text.contains("payment card visa 4242 "), "{text}");
    assert!(
        text.contains("refund card visa 4242 ") && text.contains("(refunded)"),
        "{text}"
    );
    // The confirmation names the cards too, the PDF's text included.
    let html = d.join("confirmation.html");
    let pdf = d.join("confirmation.pdf");
    for out in [&html, &pdf] {
        ok(kassa(
            d,
            &[
                "booking",
                "confirmation",
                &id,
                "--out",
                out.to_str().unwrap(),
                "--json",
            ],
        ));
    }
    let page = std::fs::read_to_string(&html).unwrap();
    assert_eq!(page.matches("VISA ****4242").count(), 4, "{page}");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    let out = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("VISA ****4242"), "{text}");
    // The sync after sends no refund twice.
    let synced = ok(kassa(d, &["sync", "--json"]));
    assert_eq!(synced["refunds"], 0, "{synced}");
    assert_eq!(refunds_of_blocking(stripe, &cards[0]).len(), 1);
    drop(server);
}

#[test]
fn offline_a_booking_takes_a_card_within_the_limits_and_the_next_sync_charges_refunds_and_flags_it()
{
    let (till, server, dep) = travel_till();
    let d = till.dir();
    let booked = book_by_card(d, &dep, "deposit-2");
    let id = booked["booking_id"].as_str().unwrap().to_owned();
    let card = intents(d, &id).remove(0);
    // Two more seats held here, to book offline.
    ok(kassa(
        d,
        &[
            "allotment",
            "request",
            "--departure",
            &dep,
            "--seats",
            "2",
            "--json",
        ],
    ));

    // The server stops. Above the store's cap for one offline card (150.00 by default) the
    // card is refused, saying why, and nothing is written.
    drop(server);
    let refused = pay_card(d, &id, 40_000, terminal::VISA, "offline-1");
    assert!(!refused.ok);
    assert_eq!(refused.err["error"]["code"], "forbidden", "{}", refused.err);
    let message = refused.err["error"]["message"].as_str().unwrap();
    assert!(message.contains("150.00 per payment"), "{message}");
    assert_eq!(payments(&show(d, &id)).len(), 1);

    // Within the limits the card is taken offline: it counts as paid, waiting for the provider.
    ok(kassa(
        d,
        &[
            "settings",
            "set",
            "payments.offline_card_max_minor",
            "50000",
            "--json",
        ],
    ));
    let paid = ok(pay_card(d, &id, 40_000, terminal::VISA, "offline-1"));
    let again = ok(pay_card(d, &id, 40_000, terminal::VISA, "offline-1"));
    assert_eq!(paid["receipt_number"], again["receipt_number"], "{again}");
    let b = show(d, &id);
    assert_eq!(b["paid_minor"], 100_000, "{b}");
    assert_eq!(b["payments"][1]["card_status"], "offline_pending", "{b}");
    let text = kassa(d, &["booking", "show", &id]);
    assert!(text.stdout.contains("(offline_pending)"), "{}", text.stdout);
    // A new booking paid by card offline is confirmed by its deposit, and so is one whose
    // card will be declined: nobody can tell until the provider answers.
    let confirmed = book_one_by_card(d, &dep, "Ada Lovelace", terminal::VISA);
    assert_eq!(confirmed["status"], "confirmed", "{confirmed}");
    let doomed = book_one_by_card(d, &dep, "Charles Babbage", terminal::DECLINED);
    assert_eq!(doomed["status"], "confirmed", "{doomed}");
    assert_eq!(doomed["balance_minor"], 70_000, "{doomed}");
    let doomed_id = doomed["booking_id"].as_str().unwrap().to_owned();

    // Cancelled offline: 25 % of 2,000.00 is kept and 500.00 goes back, the latest payment
    // first: 400.00 to the card taken offline, 100.00 to the first card; both pending.
    let c = ok(kassa(d, &["booking", "cancel", &id, "--json"]));
    assert_eq!(c["refund_minor"], 50_000, "{c}");
    let b = show(d, &id);
    assert_eq!(
        refunds(&b),
        vec![card_back(40_000, "pending"), card_back(10_000, "pending")],
        "{b}"
    );
    assert!(refunds_of_blocking(till.stripe.localstripe_url(), &card).is_empty());

    // The server is back: `kassa sync` charges the three offline cards (one declined), then
    // pays both refunds back, the second to the PaymentIntent the offline card got.
    let server = till.restart();
    let synced = ok(kassa(d, &["sync", "--json"]));
    assert_eq!(
        (synced["cards"].as_i64(), synced["refunds"].as_i64()),
        (Some(3), Some(2)),
        "{synced}"
    );
    let b = show(d, &id);
    assert_eq!(b["payments"][1]["card_status"], "captured", "{b}");
    let statuses: Vec<_> = payments(&b).into_iter().filter_map(|p| p.3).collect();
    assert_eq!(statuses, vec!["refunded", "refunded"], "{b}");
    let offline_intent: String = {
        let c = rusqlite::Connection::open(d.join("kassa.db")).unwrap();
        c.query_row(
            "SELECT po.intent_id FROM payment_outcomes po JOIN booking_payments p ON p.id = po.payment_id
              WHERE p.booking_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap()
    };
    let back = refunds_of_blocking(till.stripe.localstripe_url(), &offline_intent);
    assert_eq!(back.len(), 1, "{back:?}");
    assert_eq!(back[0]["amount"], 40_000);
    let back = refunds_of_blocking(till.stripe.localstripe_url(), &card);
    assert_eq!(back.len(), 1, "{back:?}");
    assert_eq!(back[0]["amount"], 10_000);

    // The declined deposit: the booking owes it again and a manager is asked to collect it.
    let b = show(d, &doomed_id);
    assert_eq!(b["payments"][0]["card_status"], "declined", "{b}");
    assert_eq!(
        (b["paid_minor"].as_i64(), b["balance_minor"].as_i64()),
        (Some(0), Some(100_000)),
        "{b}"
    );
    let tasks = ok(kassa(d, &["conflicts", "--json"]));
    let reference = b["reference"].as_str().unwrap().to_owned();
    let declined: Vec<&Value> = tasks["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "card_declined")
        .collect();
    assert_eq!(declined.len(), 1, "{tasks}");
    let task = declined[0].to_string();
    assert!(
        task.contains(&reference) && task.contains("30000"),
        "{task}"
    );
    // Nothing is sent twice.
    let synced = ok(kassa(d, &["sync", "--json"]));
    assert_eq!(
        (synced["cards"].as_i64(), synced["refunds"].as_i64()),
        (Some(0), Some(0)),
        "{synced}"
    );
    drop(server);
}
