//! `kassa refund` of a card sale, through `kassa server` and its card provider (localstripe
//! behind its stand-in): paid back to the card at once while the server answers, refunded
//! once however often it is asked, and, with the server stopped, left pending until
//! `kassa sync` sends it.

mod common;
use common::*;
use kassa_localstripe::{refunds_of_blocking, terminal};
use serde_json::Value;
use std::path::Path;

fn sell(d: &Path, key: &str) -> Value {
    ok(kassa(
        d,
        &[
            "sell",
            "--line",
            "OAT-1=1",
            "--pay",
            "card=249",
            "--card-token",
            terminal::VISA,
            "--key",
            key,
            "--json",
        ],
    ))
}

fn refund(d: &Path, number: &str, key: &str) -> Value {
    ok(kassa(
        d,
        &["refund", "--order", number, "--key", key, "--json"],
    ))
}

/// The PaymentIntent the sale's card was captured with.
fn intent(d: &Path, number: &str) -> String {
    let c = rusqlite::Connection::open(d.join("kassa.db")).unwrap();
    c.query_row(
        "SELECT p.provider_ref FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.number = ?1",
        [number],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn a_card_sale_is_refunded_to_the_card_at_once_or_at_the_next_sync() {
    let (till, server) = CardTill::start();
    let d = till.dir();
    let first = sell(d, "sale-1");
    let second = sell(d, "sale-2");
    let (n1, n2) = (
        first["number"].as_str().unwrap().to_owned(),
        second["number"].as_str().unwrap().to_owned(),
    );

    // Online: the card share is paid back to the card right away.
    let back = refund(d, &n1, "back-1");
    assert_eq!(back["tenders"][0]["kind"], "card", "{back}");
    assert_eq!(back["tenders"][0]["status"], "refunded", "{back}");
    assert_eq!(back["status"], "refunded", "{back}");
    // Asked again under its key: the same refund, and the provider refunded once.
    let again = refund(d, &n1, "back-1");
    assert_eq!(again["replayed"], true, "{again}");
    assert_eq!(again["tenders"][0]["status"], "refunded", "{again}");
    ok(kassa(d, &["sync", "--json"]));
    let held = refunds_of_blocking(till.stripe.localstripe_url(), &intent(d, &n1));
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["amount"], 249);

    // The server stops: the refund is written, its card share waits.
    drop(server);
    let waiting = refund(d, &n2, "back-2");
    assert_eq!(waiting["tenders"][0]["status"], "pending", "{waiting}");
    assert!(refunds_of_blocking(till.stripe.localstripe_url(), &intent(d, &n2)).is_empty());

    // The server returns: `kassa sync` sends it and the share is refunded.
    let server = till.restart();
    let synced = ok(kassa(d, &["sync", "--json"]));
    assert_eq!(
        synced["refunds"], 1,
        "the waiting refund went at this sync: {synced}"
    );
    let now = refund(d, &n2, "back-2");
    assert_eq!(now["tenders"][0]["status"], "refunded", "{now}");
    assert_eq!(
        refunds_of_blocking(till.stripe.localstripe_url(), &intent(d, &n2)).len(),
        1
    );
    drop(server);
}
