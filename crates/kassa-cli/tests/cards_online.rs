//! A card at the till with the terminal's token, through `kassa server` and its card provider
//! (localstripe behind its stand-in): taken online at checkout while the server answers,
//! refused on a decline so another payment can be taken, taken offline while the server is
//! stopped and forwarded by `kassa sync` once it is back.

mod common;
use common::*;
use kassa_localstripe::terminal;
use serde_json::Value;
use std::path::Path;

fn sell(d: &Path, pay: &str, token: Option<&str>, key: &str) -> Run {
    let mut args = vec![
        "sell",
        "--line",
        "OAT-1=1",
        "--pay",
        pay,
        "--key",
        key,
        "--contact",
        "nia@example.com",
        "--json",
    ];
    if let Some(t) = token {
        args.extend(["--card-token", t]);
    }
    kassa(d, &args)
}

fn pending(d: &Path) -> Value {
    ok(kassa(d, &["payments", "pending", "--json"]))
}

#[test]
fn a_card_is_taken_online_refused_on_a_decline_and_forwarded_after_the_server_returns() {
    let (till, server) = CardTill::start();
    let d = till.dir();

    // Online: the provider captures the card before the sale is written.
    let paid = ok(sell(d, "card=249", Some(terminal::VISA), "online-1"));
    assert_eq!(paid["card_pending"], false, "{paid}");
    assert_eq!(pending(d)["payments"].as_array().unwrap().len(), 0);
    // The same key again answers the first sale and takes nothing more.
    let again = ok(sell(d, "card=249", Some(terminal::VISA), "online-1"));
    assert_eq!(again["number"], paid["number"]);
    assert_eq!(again["replayed"], true);

    // A declined card sells nothing; the cashier takes cash under the same key.
    let before = counts(d, &["orders", "payments"]);
    let declined = sell(d, "card=249", Some(terminal::DECLINED), "online-2");
    assert!(!declined.ok, "{}", declined.stdout);
    assert_eq!(
        declined.err["error"]["code"], "card_declined",
        "{}",
        declined.err
    );
    assert_eq!(counts(d, &["orders", "payments"]), before);
    let cash = ok(sell(d, "cash=300", None, "online-2"));
    assert_eq!(cash["change_minor"], 51, "{cash}");

    // A card number is refused as a token.
    let pan = sell(d, "card=249", Some("4242424242424242"), "online-3");
    assert_eq!(pan.err["error"]["code"], "invalid_input", "{}", pan.err);

    // The server stops: the card is taken offline under the till's limits.
    drop(server);
    let offline = ok(sell(d, "card=249", Some(terminal::VISA), "offline-1"));
    assert_eq!(offline["card_pending"], true, "{offline}");
    let waiting = pending(d);
    assert_eq!(
        waiting["payments"].as_array().unwrap().len(),
        1,
        "{waiting}"
    );
    assert_eq!(waiting["alarms"], 0, "{waiting}");
    assert_eq!(waiting["alarm_hours"], 20, "{waiting}");

    // The server returns: the next sync forwards the card and the flag clears.
    let server = till.restart();
    let synced = ok(kassa(d, &["sync", "--json"]));
    assert_eq!(
        synced["cards"], 1,
        "the offline card went at this sync: {synced}"
    );
    assert_eq!(
        pending(d)["payments"].as_array().unwrap().len(),
        0,
        "{synced}"
    );
    let order = ok(kassa(
        d,
        &["order", offline["number"].as_str().unwrap(), "--json"],
    ));
    assert_eq!(order["payments"][0]["status"], "captured", "{order}");
    assert_eq!(order["balance_owed_minor"], 0, "{order}");

    // The provider holds one intent per card: the online one, the declined one, the forwarded
    // one; and the server's records match the provider's.
    let report = ok(kassa_env(
        till.server_data.path(),
        &[
            "server",
            "reconcile",
            "--database",
            &till.database,
            "--json",
            "--from",
            "2000-01-01",
            "--to",
            "2100-01-01",
        ],
        &till.env(),
    ));
    assert_eq!(report["provider_intents"], 3, "{report}");
    assert_eq!(
        report["mismatches"].as_array().unwrap().len(),
        0,
        "{report}"
    );
    drop(server);
}

#[test]
fn a_card_taken_offline_under_a_cap_lowered_before_it_was_forwarded_is_charged_and_reviewed() {
    let (till, server) = CardTill::start();
    let d = till.dir();
    assert_eq!(
        ok(kassa(d, &["payments", "findings", "--json"]))["findings"],
        serde_json::json!([]),
        "nothing found yet"
    );

    // Offline, a card of 2.49 under the cap of 150.00; then the cap is lowered to 1.00 before
    // the till reaches the server again. The sync sends the setting first, so the server judges
    // the card against the new cap: charged all the same, and kept for a manager's review.
    drop(server);
    let offline = ok(sell(d, "card=249", Some(terminal::VISA), "stale-1"));
    assert_eq!(offline["card_pending"], true, "{offline}");
    ok(kassa(
        d,
        &[
            "settings",
            "set",
            "payments.offline_card_max_minor",
            "100",
            "--json",
        ],
    ));
    let server = till.restart();
    let synced = ok(kassa(d, &["sync", "--json"]));
    assert_eq!(synced["cards"], 1, "{synced}");
    let number = offline["number"].as_str().unwrap();
    let order = ok(kassa(d, &["order", number, "--json"]));
    assert_eq!(order["payments"][0]["status"], "captured", "{order}");
    assert_eq!(order["balance_owed_minor"], 0, "{order}");

    let tasks = ok(kassa(d, &["conflicts", "--json"]));
    let reviews: Vec<&Value> = tasks["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "card_review")
        .collect();
    assert_eq!(reviews.len(), 1, "{tasks}");
    assert_eq!(reviews[0]["detail"]["number"], number, "{tasks}");
    assert!(
        reviews[0]["detail"]["review"]
            .as_str()
            .is_some_and(|r| r.contains("above the cap of 1.00 EUR")),
        "{tasks}"
    );

    let found = ok(kassa(d, &["payments", "findings", "--json"]));
    let findings = found["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{found}");
    assert_eq!(findings[0]["finding"], "offline_limits_broken", "{found}");
    assert_eq!(findings[0]["number"], number, "{found}");
    assert_eq!(findings[0]["amount_minor"], 249, "{found}");

    assert!(found["heard_at"].is_null(), "heard just now: {found}");

    // Without the server, the findings as last heard, with when.
    drop(server);
    let away = ok(kassa(d, &["payments", "findings", "--json"]));
    assert!(away["heard_at"].is_string(), "{away}");
    assert_eq!(away["findings"], found["findings"], "{away}");
}
