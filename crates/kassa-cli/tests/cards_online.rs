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
