//! `kassa payments pending`: the card payments a till took offline, waiting for the provider.

mod common;
use common::*;

#[test]
fn a_card_taken_offline_is_listed_as_pending_with_its_contact_and_the_limits() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    signed_in_store(d);
    ok(kassa(
        d,
        &[
            "product",
            "add",
            "--sku",
            "OAT-1",
            "--name",
            "Oat milk 1 l",
            "--price",
            "249",
            "--stock",
            "10",
            "--json",
        ],
    ));
    let empty = ok(kassa(d, &["payments", "pending", "--json"]));
    assert_eq!(empty["payments"].as_array().unwrap().len(), 0, "{empty}");
    assert_eq!(empty["exposure_minor"], 0);

    let sale = ok(kassa(
        d,
        &[
            "sell",
            "--line",
            "OAT-1=1",
            "--pay",
            "card=249",
            "--contact",
            "nia@example.com",
            "--json",
        ],
    ));
    let pending = ok(kassa(d, &["payments", "pending", "--json"]));
    let payments = pending["payments"].as_array().unwrap();
    assert_eq!(payments.len(), 1, "{pending}");
    assert_eq!(payments[0]["number"], sale["number"]);
    assert_eq!(payments[0]["amount_minor"], 249);
    assert_eq!(payments[0]["customer_contact"], "nia@example.com");
    assert_eq!(payments[0]["overdue"], false);
    assert_eq!(pending["exposure_minor"], 249);
    assert_eq!(pending["per_payment_limit_minor"], 15_000);
    assert_eq!(pending["exposure_limit_minor"], 100_000);
    assert_eq!(pending["max_age_hours"], 48);

    let human = kassa(d, &["payments", "pending"]);
    assert!(human.ok);
    assert!(human.stdout.contains("nia@example.com"), "{}", human.stdout);
}
