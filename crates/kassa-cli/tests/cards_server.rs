//! `kassa server` with a card provider: the reconciliation command against localstripe, on
//! the server's SQLite database, after a device paired with the running server.

mod common;
use common::*;
use kassa_localstripe::{SECRET_KEY, StripeStandIn, plant_blocking, terminal};
use serde_json::Value;
use std::path::Path;

fn reconcile(data: &Path, database: &str, base: &str, extra: &[&str]) -> Run {
    let mut args = vec!["server", "reconcile", "--database", database, "--json"];
    args.extend_from_slice(extra);
    kassa_env(
        data,
        &args,
        &[
            ("KASSA_STRIPE_SECRET_KEY", SECRET_KEY),
            ("KASSA_STRIPE_API_BASE", base),
        ],
    )
}

fn kinds(report: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["mismatches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap().to_owned(),
                m["fix"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn reconcile_records_a_payment_the_server_missed_and_reports_strangers() {
    let stripe = StripeStandIn::start();
    let server_data = tempfile::tempdir().unwrap();
    let device = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", server_data.path().join("server.db").display());
    let server = Server::start("127.0.0.1:0", &database, server_data.path());
    let set_up = setup(device.path());
    let store_id = set_up["store_id"].as_str().unwrap().to_owned();
    let secret = set_up["admin"]["totp_secret"].as_str().unwrap().to_owned();
    ok(kassa_env(
        device.path(),
        &["login", "--as", "a@example.com", "--json"],
        &[("KASSA_PASSWORD", PASSWORD), ("KASSA_OTP", &totp(&secret))],
    ));
    let code = pairing_code(server_data.path(), &database, None);
    let paired = ok(kassa(
        device.path(),
        &["pair", "--server", &server.url(), "--code", &code, "--json"],
    ));
    let device_id = paired["device_id"].as_str().unwrap().to_owned();

    // The till's payment reached the provider, but the server never kept it; and an intent
    // made elsewhere, naming no store of this server.
    let (order, payment, key) = (
        "0190a000-0000-7000-8000-0000000000c1",
        "0190a000-0000-7000-8000-0000000000c2",
        "till-key-1",
    );
    let (status, ours) = plant_blocking(
        stripe.localstripe_url(),
        "/v1/payment_intents",
        &[
            ("amount", "2490"),
            ("currency", "eur"),
            ("payment_method", terminal::VISA),
            ("confirm", "true"),
            ("metadata[kassa_store]", &store_id),
            ("metadata[kassa_device]", &device_id),
            ("metadata[kassa_order]", order),
            ("metadata[kassa_payment]", payment),
            ("metadata[kassa_key]", key),
        ],
    );
    assert_eq!(status, 200, "{ours}");
    let (status, stranger) = plant_blocking(
        stripe.localstripe_url(),
        "/v1/payment_intents",
        &[
            ("amount", "100"),
            ("currency", "eur"),
            ("payment_method", terminal::VISA),
            ("confirm", "true"),
        ],
    );
    assert_eq!(status, 200, "{stranger}");

    let today = "2000-01-01";
    let far = "2100-01-01";
    let report = ok(reconcile(
        server_data.path(),
        &database,
        stripe.base_url(),
        &["--from", today, "--to", far],
    ));
    assert_eq!(
        kinds(&report),
        [
            (
                "missing".to_owned(),
                "none: the intent names no store, device and payment of this server".to_owned()
            ),
            ("missing".to_owned(), "recorded".to_owned()),
        ],
        "{report}"
    );
    assert_eq!(report["fixed"], 1, "{report}");
    assert_eq!(report["provider_intents"], 2, "{report}");

    // Run again: the recorded payment now matches; the stranger is still reported.
    let again = ok(reconcile(
        server_data.path(),
        &database,
        stripe.base_url(),
        &["--from", today, "--to", far],
    ));
    assert_eq!(again["fixed"], 0, "{again}");
    assert_eq!(again["server_payments"], 1, "{again}");
    assert_eq!(again["mismatches"].as_array().unwrap().len(), 1, "{again}");
    drop(server);
}

#[test]
fn reconcile_refuses_bad_periods_and_a_missing_provider_with_typed_errors() {
    let data = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", data.path().join("server.db").display());
    for (from, to) in [
        ("2026-12-04", "2026-12-01"),
        ("yesterday", "2026-12-01"),
        ("2026-12-01", "2026-13-01"),
    ] {
        let r = reconcile(
            data.path(),
            &database,
            "http://127.0.0.1:9",
            &["--from", from, "--to", to],
        );
        assert!(!r.ok, "{from}..{to} accepted");
        assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);
    }
    let r = kassa_env(
        data.path(),
        &[
            "server",
            "reconcile",
            "--database",
            &database,
            "--from",
            "2026-12-01",
            "--to",
            "2026-12-02",
            "--json",
        ],
        &[("KASSA_STRIPE_SECRET_KEY", "")],
    );
    assert!(!r.ok);
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);
    // A secret in an argument is refused, naming the variable to use.
    let r = kassa(
        data.path(),
        &[
            "server",
            "reconcile",
            "--database",
            &database,
            "--from",
            "2026-12-01",
            "--to",
            "2026-12-02",
            "--stripe-secret-key",
            SECRET_KEY,
            "--json",
        ],
    );
    assert!(!r.ok);
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);
    assert!(
        r.err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("KASSA_STRIPE_SECRET_KEY"),
        "{}",
        r.err
    );
    // A provider that cannot be reached is said so.
    let r = reconcile(
        data.path(),
        &database,
        "http://127.0.0.1:9",
        &["--from", "2026-12-01", "--to", "2026-12-02"],
    );
    assert!(!r.ok);
    assert_eq!(
        r.err["error"]["code"], "card_provider_unreachable",
        "{}",
        r.err
    );
}
