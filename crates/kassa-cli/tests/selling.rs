//! `kassa sell`, `refund`, `report z` and `receipt` as the SPEC's contract has them: the JSON
//! fields scripts rely on, idempotent retries, typed errors that change nothing, and no card
//! number anywhere on disk.

mod common;
use common::*;
use rusqlite::types::ValueRef;
use std::path::Path;

const SALE_TABLES: &[&str] = &[
    "orders",
    "order_lines",
    "payments",
    "refunds",
    "stock_movements",
    "number_series",
    "outbox",
    "audit_log",
];

/// Two oat milks and a tea for cash, under an idempotency key; sent twice, it is one sale.
const FIRST_SALE: &[&str] = &[
    "sell",
    "--line",
    "OAT-1=2",
    "--line",
    "TEA-1=1",
    "--pay",
    "cash=1000",
    "--key",
    "till-0001",
    "--json",
];

/// A store with two products: OAT-1 at 2.49 (10 in stock) and TEA-1 at 4.00 (3 in stock).
fn shop(dir: &Path) {
    signed_in_store(dir);
    for (sku, name, price, stock) in [
        ("OAT-1", "Oat milk 1 l", "249", "10"),
        ("TEA-1", "Green tea", "400", "3"),
    ] {
        let r = kassa(
            dir,
            &[
                "product", "add", "--sku", sku, "--name", name, "--price", price, "--stock", stock,
                "--json",
            ],
        );
        assert!(r.ok, "{}", r.err);
    }
}

fn level(dir: &Path, sku: &str) -> i64 {
    let r = kassa(dir, &["stock", sku, "--json"]);
    assert!(r.ok, "{}", r.err);
    r.out["level"].as_i64().unwrap()
}

#[test]
fn sell_refund_and_z_report_speak_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    shop(d);

    let r = kassa(d, FIRST_SALE);
    assert!(r.ok, "{}", r.err);
    let sale = r.out.clone();
    assert!(sale["order_id"].as_str().is_some_and(|s| !s.is_empty()));
    let number = sale["number"].as_str().unwrap().to_string();
    assert!(number.ends_with("-000001"), "{number}");
    assert_eq!(sale["total_minor"], 898);
    assert_eq!(sale["change_minor"], 102);
    assert_eq!(sale["status"], "paid");
    assert_eq!(sale["replayed"], false);
    assert_eq!(level(d, "OAT-1"), 8);
    assert_eq!(level(d, "TEA-1"), 2);

    // The same key and sale again (a retry after a timeout): the first order, nothing written.
    let before = counts(d, SALE_TABLES);
    let again = kassa(d, FIRST_SALE);
    assert!(again.ok, "{}", again.err);
    assert_eq!(again.out["order_id"], sale["order_id"]);
    assert_eq!(again.out["number"], sale["number"]);
    assert_eq!(again.out["replayed"], true);
    assert_eq!(counts(d, SALE_TABLES), before);
    assert_eq!(level(d, "OAT-1"), 8);

    // The same key with another sale is refused and changes nothing.
    let other = kassa(
        d,
        &[
            "sell",
            "--line",
            "OAT-1=1",
            "--pay",
            "cash=1000",
            "--key",
            "till-0001",
            "--json",
        ],
    );
    assert!(!other.ok);
    assert_eq!(
        other.err["error"]["code"], "idempotency_mismatch",
        "{}",
        other.err
    );
    assert_eq!(counts(d, SALE_TABLES), before);

    // A card sale (taken offline, pending the provider).
    let card = kassa(
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
    );
    assert!(card.ok, "{}", card.err);
    assert_eq!(card.out["total_minor"], 249);
    assert_eq!(card.out["change_minor"], 0);
    assert!(card.out["number"].as_str().unwrap().ends_with("-000002"));

    // Refund one oat milk of the first sale.
    let r = kassa(
        d,
        &[
            "refund", "--order", &number, "--line", "OAT-1=1", "--reason", "leaking", "--json",
        ],
    );
    assert!(r.ok, "{}", r.err);
    assert!(r.out["refund_id"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(r.out["amount_minor"], 249);
    assert_eq!(r.out["status"], "partially_refunded");
    assert_eq!(
        level(d, "OAT-1"),
        8,
        "the returned carton is back on the shelf"
    );

    // Asking for more than is left to return is refused and changes nothing.
    let before = counts(d, SALE_TABLES);
    let too_many = kassa(
        d,
        &["refund", "--order", &number, "--line", "OAT-1=2", "--json"],
    );
    assert!(!too_many.ok);
    assert_eq!(
        too_many.err["error"]["code"], "invalid_input",
        "{}",
        too_many.err
    );
    assert_eq!(counts(d, SALE_TABLES), before);

    let order = kassa(d, &["order", &number, "--json"]);
    assert!(order.ok, "{}", order.err);
    assert_eq!(order.out["refunded_minor"], 249);

    // The day's Z report.
    let z = kassa(d, &["report", "z", "--json"]);
    assert!(z.ok, "{}", z.err);
    assert_eq!(z.out["orders"], 2);
    assert_eq!(z.out["gross_minor"], 898 + 249);
    assert_eq!(
        z.out["tax_minor"], 0,
        "products without a tax class carry no tax"
    );
    assert_eq!(z.out["by_tender"]["cash"], 898);
    assert_eq!(z.out["by_tender"]["card"], 249);
    assert_eq!(z.out["refunds_minor"], 249);
    assert_eq!(z.out["closed"], false);

    // The day closes only with the drawer counted: 8.98 taken in cash, 2.49 given back.
    let early = kassa(d, &["report", "z", "--close", "--json"]);
    assert_eq!(early.err["error"]["code"], "conflict", "{}", early.err);
    let x = kassa(d, &["shift", "status", "--json"]);
    assert!(x.ok, "{}", x.err);
    assert_eq!(x.out["figures"]["expected_cash_minor"], 898 - 249);
    let shut = kassa(d, &["shift", "close", "--count", "1=649", "--json"]);
    assert!(shut.ok, "{}", shut.err);
    assert_eq!(shut.out["recent"][0]["over_short_minor"], 0);

    // Closing the day freezes it under a number.
    let closed = kassa(d, &["report", "z", "--close", "--json"]);
    assert!(closed.ok, "{}", closed.err);
    assert_eq!(closed.out["number"], 1);
    assert_eq!(closed.out["closed"], true);
    let shown = kassa(d, &["report", "z", "--number", "1", "--json"]);
    assert!(shown.ok, "{}", shown.err);
    assert_eq!(shown.out["gross_minor"], 898 + 249);
    assert_eq!(shown.out["intact"], true);
}

#[test]
fn a_sale_beyond_the_stock_is_refused_and_uses_no_number() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    shop(d);
    let before = counts(d, SALE_TABLES);
    let r = kassa(
        d,
        &["sell", "--line", "TEA-1=4", "--pay", "cash=2000", "--json"],
    );
    assert!(!r.ok);
    assert_eq!(r.err["error"]["code"], "insufficient_stock", "{}", r.err);
    assert!(
        r.err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("TEA-1"),
        "the error names the item: {}",
        r.err
    );
    assert_eq!(counts(d, SALE_TABLES), before);
    assert_eq!(level(d, "TEA-1"), 3);

    // Bad input of every kind: a typed error, nothing written.
    for (args, code) in [
        (
            vec!["sell", "--line", "NOPE-1=1", "--pay", "cash=500"],
            "not_found",
        ),
        (
            vec!["sell", "--line", "OAT-1", "--pay", "cash=500"],
            "invalid_input",
        ),
        (
            vec!["sell", "--line", "OAT-1=0", "--pay", "cash=500"],
            "invalid_input",
        ),
        (
            vec!["sell", "--line", "OAT-1=1", "--pay", "cash=2.49"],
            "invalid_input",
        ),
        (
            vec!["sell", "--line", "OAT-1=1", "--pay", "cash=100"],
            "invalid_input",
        ),
        (
            vec!["sell", "--line", "OAT-1=1", "--pay", "bitcoin=249"],
            "invalid_input",
        ),
        (
            vec!["sell", "--line", "OAT-1=1", "--pay", "card=-249"],
            "invalid_input",
        ),
        (vec!["refund", "--order", "CORN-01-999999"], "not_found"),
        (vec!["report", "z", "--date", "2026-13-40"], "invalid_input"),
    ] {
        let mut args = args;
        args.push("--json");
        let r = kassa(d, &args);
        assert!(!r.ok, "{args:?} succeeded: {}", r.stdout);
        assert_eq!(r.err["error"]["code"], code, "{args:?}: {}", r.err);
        assert_eq!(counts(d, SALE_TABLES), before, "{args:?} wrote something");
    }

    // The next sale that succeeds is the first number.
    let r = kassa(
        d,
        &["sell", "--line", "TEA-1=3", "--pay", "cash=1200", "--json"],
    );
    assert!(r.ok, "{}", r.err);
    assert!(r.out["number"].as_str().unwrap().ends_with("-000001"));
    assert_eq!(level(d, "TEA-1"), 0);
}

#[test]
fn a_card_number_never_reaches_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    shop(d);
    // A test card number, as people type it, in every free-text field that goes with money.
    let pan = "4111 1111 1111 1111";
    let before = counts(d, SALE_TABLES);
    let r = kassa(
        d,
        &[
            "sell",
            "--line",
            "OAT-1=1",
            "--pay",
            "card=249",
            "--contact",
            pan,
            "--json",
        ],
    );
    assert!(!r.ok);
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);
    assert!(
        r.err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("card number")
    );
    assert_eq!(counts(d, SALE_TABLES), before);

    let r = kassa(
        d,
        &[
            "sell",
            "--line",
            "OAT-1=1",
            "--pay",
            "card=249",
            "--contact",
            "+49 30 1234567",
            "--json",
        ],
    );
    assert!(r.ok, "{}", r.err);
    let number = r.out["number"].as_str().unwrap().to_string();
    let r = kassa(
        d,
        &[
            "refund",
            "--order",
            &number,
            "--reason",
            "card 4111-1111-1111-1111",
            "--json",
        ],
    );
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);
    let r = kassa(d, &["shift", "cash-in", "500", "--reason", pan, "--json"]);
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);

    // More card sales, as a day at the counter has them.
    let r = kassa(d, &["stock", "receive", "OAT-1", "50", "--json"]);
    assert!(r.ok, "{}", r.err);
    for _ in 0..20 {
        let r = kassa(
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
        );
        assert!(r.ok, "{}", r.err);
    }

    // Every value of every table: no Luhn-valid run of 13–19 digits at all.
    let db = rusqlite::Connection::open(d.join("kassa.db")).unwrap();
    // Blanking ids leaves a card number beside them to be found.
    let sample = b"\"id\":\"019abc12-3456-7def-8123-456789012345\",\"hash\":\"5cbf2ceed87b3a172db9b84bb4195727956649547527d9165209305d336523b3\",\"note\":\"4111-1111-1111-1111\"";
    assert_eq!(
        kassa_app::kassa_domain::pan::find_pans(&without_ids(sample)),
        ["4111111111111111"]
    );
    let mut scanned = 0;
    for table in &tables(d) {
        let mut st = db.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns: Vec<String> = st.column_names().map(String::from).collect();
        let mut rows = st.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for (i, column) in columns.iter().enumerate() {
                let text = match row.get_ref(i).unwrap() {
                    ValueRef::Text(b) | ValueRef::Blob(b) => without_ids(b),
                    // The hybrid logical clock is a 64-bit counter, not a number anyone typed.
                    ValueRef::Integer(_) if column == "hlc" => continue,
                    ValueRef::Integer(n) => n.to_string().into_bytes(),
                    _ => continue,
                };
                scanned += 1;
                let found = kassa_app::kassa_domain::pan::find_pans(&text);
                assert!(
                    found.is_empty(),
                    "{table}.{column} holds {found:?}: {}",
                    String::from_utf8_lossy(&text)
                );
            }
        }
    }
    assert!(scanned > 1000, "the scan read the sales: {scanned} values");

    // And the files themselves (database, journal, anything else) never saw the typed number.
    for entry in std::fs::read_dir(d).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            for typed in ["4111111111111111", "4111 1111", "4111-1111"] {
                assert!(!text.contains(typed), "{} holds {typed}", path.display());
            }
        }
    }
}

/// `bytes` with every identifier blanked: hex digests (runs of 32 or more hex digits, such as
/// the audit chain's SHA-256 hashes) and UUIDs (8-4-4-4-12 hex digits). An id's digits are not
/// a card's, and a card number typed as people type it has neither shape.
fn without_ids(bytes: &[u8]) -> Vec<u8> {
    const SHAPE: [usize; 5] = [8, 4, 4, 4, 12];
    let mut out = bytes.to_vec();
    for run in out.split_mut(|b| !b.is_ascii_hexdigit()) {
        if run.len() >= 32 {
            run.fill(b' ');
        }
    }
    let mut i = 0;
    'scan: while i + 36 <= out.len() {
        let mut j = i;
        for (k, len) in SHAPE.iter().enumerate() {
            if !out[j..j + len].iter().all(u8::is_ascii_hexdigit) {
                i += 1;
                continue 'scan;
            }
            j += len;
            if k < 4 {
                if out[j] != b'-' {
                    i += 1;
                    continue 'scan;
                }
                j += 1;
            }
        }
        out[i..j].fill(b' ');
        i = j;
    }
    out
}

#[test]
fn a_void_from_the_command_line_needs_its_approval_too() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let demo = kassa(d, &["demo", "--json"]);
    assert!(demo.ok, "{}", demo.err);
    let person = |role: &str| {
        demo.out["staff"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["role"] == role)
            .unwrap()
            .clone()
    };
    let (cashier, manager) = (person("cashier"), person("manager"));
    let s = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap().to_string();
    let r = kassa_env(
        d,
        &["login", "--as", &s(&cashier, "email"), "--json"],
        &[
            ("KASSA_PASSWORD", &s(&cashier, "password")),
            ("KASSA_OTP", &totp(&s(&cashier, "totp_secret"))),
        ],
    );
    assert!(r.ok, "{}", r.err);
    let sale = kassa(
        d,
        &[
            "sell",
            "--line",
            "DRK-WAT-05=1",
            "--pay",
            "cash=500",
            "--json",
        ],
    );
    assert!(sale.ok, "{}", sale.err);
    let number = s(&sale.out, "number");
    let void = |env: &[(&str, &str)]| {
        kassa_env(
            d,
            &[
                "void",
                "--order",
                &number,
                "--reason",
                "rang up twice",
                "--json",
            ],
            env,
        )
    };
    let r = void(&[]);
    assert_eq!(r.err["error"]["code"], "forbidden", "{}", r.err);
    let r = kassa(d, &["order", &number, "--json"]);
    assert_eq!(r.out["status"], "paid", "{}", r.out);
    let r = void(&[
        ("KASSA_APPROVER_EMAIL", &s(&manager, "email")),
        ("KASSA_APPROVER_PASSWORD", &s(&manager, "password")),
        ("KASSA_APPROVER_OTP", &totp(&s(&manager, "totp_secret"))),
    ]);
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["status"], "voided", "{}", r.out);
}
