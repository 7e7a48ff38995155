//! A failure changes nothing and says so: no database made by looking or by a failed setup,
//! a non-zero exit for a broken audit chain or a dry run with bad rows, usage errors with
//! their detail in the JSON, and money written with the currency's own decimals.

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

const WEAK: &str = "password1234";

fn setup_args(currency: &str) -> Vec<&str> {
    vec![
        "setup",
        "--store",
        "Corner Shop",
        "--currency",
        currency,
        "--admin",
        "a@example.com",
        "--json",
    ]
}

/// A store in `currency` with its admin signed in.
fn signed_in_store_in(dir: &Path, currency: &str) {
    let r = kassa_env(dir, &setup_args(currency), &[("KASSA_PASSWORD", PASSWORD)]);
    assert!(r.ok, "{}", r.err);
    let code = totp(r.out["admin"]["totp_secret"].as_str().unwrap());
    let r = kassa_env(
        dir,
        &["login", "--as", "a@example.com", "--json"],
        &[("KASSA_PASSWORD", PASSWORD), ("KASSA_OTP", &code)],
    );
    assert!(r.ok, "{}", r.err);
}

#[test]
fn status_on_an_empty_folder_makes_no_database() {
    let parent = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let missing = parent.path().join("shop");
    for dir in [empty.path(), missing.as_path()] {
        let r = kassa(dir, &["status", "--json"]);
        assert!(r.ok, "{}", r.err);
        assert_eq!(r.out["set_up"], false, "{}", r.out);
        assert!(
            !dir.join("kassa.db").exists(),
            "status made {}",
            dir.display()
        );
        // Nor does any other command: it says there is no store yet.
        let r = kassa(dir, &["product", "list", "--json"]);
        assert_eq!(r.err["error"]["code"], "not_set_up", "{}", r.err);
        assert!(!dir.join("kassa.db").exists());
    }
    assert!(!missing.exists(), "no folder made either");
    assert_eq!(std::fs::read_dir(empty.path()).unwrap().count(), 0);
}

#[test]
fn a_failed_setup_on_an_empty_folder_leaves_nothing_behind() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("shop");
    let r = kassa_env(&dir, &setup_args("EUR"), &[("KASSA_PASSWORD", WEAK)]);
    assert_eq!(r.err["error"]["code"], "weak_password", "{}", r.err);
    assert!(!dir.exists(), "a failed setup left {}", dir.display());
    let empty = tempfile::tempdir().unwrap();
    let r = kassa_env(
        empty.path(),
        &setup_args("EURO"),
        &[("KASSA_PASSWORD", PASSWORD)],
    );
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);
    assert_eq!(
        std::fs::read_dir(empty.path()).unwrap().count(),
        0,
        "nothing left in the folder"
    );
    // And the folder is as good as new: setup works there afterwards.
    let r = kassa_env(&dir, &setup_args("EUR"), &[("KASSA_PASSWORD", PASSWORD)]);
    assert!(r.ok, "{}", r.err);
    assert!(dir.join("kassa.db").exists());
}

#[test]
fn audit_verify_on_a_broken_chain_exits_non_zero_with_the_report() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let r = kassa(dir.path(), &["audit", "verify", "--json"]);
    assert_eq!((r.ok, r.code), (true, Some(0)), "{}", r.err);
    let db = dir.path().join("kassa.db");
    let status = Command::new("sqlite3")
        .arg(&db)
        // The audit log refuses updates; an intruder with the file drops the guard first.
        .arg("DROP TRIGGER audit_log_immutable; UPDATE audit_log SET after = replace(after, 'Corner', 'CorneR') WHERE action = 'store.created';")
        .status()
        .expect("the sqlite3 tool is installed (scripts/deps.sh installs it)");
    assert!(status.success());
    let r = kassa(dir.path(), &["audit", "verify", "--json"]);
    assert_eq!(r.code, Some(1), "a broken chain fails the command");
    assert_eq!(
        r.out["ok"], false,
        "the report is still on stdout: {}",
        r.out
    );
    assert_eq!(r.out["first_bad"]["reason"], "altered");
    assert_eq!(r.err["error"]["code"], "storage", "{}", r.err);
    assert!(
        r.err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("broken"),
        "{}",
        r.err
    );
    // People see it too.
    let r = kassa(dir.path(), &["audit", "verify"]);
    assert_eq!(r.code, Some(1));
    assert!(r.stdout.contains("AUDIT TRAIL BROKEN"), "{}", r.stdout);
}

#[test]
fn a_dry_run_with_bad_rows_exits_non_zero_and_one_without_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    signed_in_store(d);
    let bad = d.join("bad.csv");
    std::fs::write(
        &bad,
        "sku,name,price\nOAT-1,Oat milk,2.49\nBAD,Broken,two euros\n",
    )
    .unwrap();
    let r = kassa(
        d,
        &[
            "product",
            "import",
            bad.to_str().unwrap(),
            "--dry-run",
            "--json",
        ],
    );
    assert_eq!(r.code, Some(1), "{}", r.out);
    assert_eq!(
        r.out["errors"][0]["line"], 3,
        "the report is on stdout: {}",
        r.out
    );
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);
    let customers = d.join("customers.csv");
    std::fs::write(&customers, "name,email\nJörg Müller,not-an-email\n").unwrap();
    let r = kassa(
        d,
        &[
            "customer",
            "import",
            customers.to_str().unwrap(),
            "--dry-run",
            "--json",
        ],
    );
    assert_eq!(r.code, Some(1), "{}", r.out);
    let good = d.join("good.csv");
    std::fs::write(&good, "sku,name,price\nOAT-1,Oat milk,2.49\n").unwrap();
    let r = kassa(
        d,
        &[
            "product",
            "import",
            good.to_str().unwrap(),
            "--dry-run",
            "--json",
        ],
    );
    assert_eq!(r.code, Some(0), "{}", r.err);
    assert_eq!(r.out["created"], 1);
}

#[test]
fn a_usage_error_keeps_its_detail_in_the_json_error() {
    let dir = tempfile::tempdir().unwrap();
    let r = kassa(dir.path(), &["--json", "setup", "--store", "Corner Shop"]);
    assert_eq!(r.code, Some(2));
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);
    let message = r.err["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("--currency") && message.contains("--admin"),
        "{message}"
    );
    let r = kassa(
        dir.path(),
        &["--json", "shift", "cash-in", "lots", "--reason", "x"],
    );
    let message = r.err["error"]["message"].as_str().unwrap();
    assert!(message.contains("'lots'"), "{message}");
    assert!(!message.contains("Usage:"), "{message}");
    assert!(!dir.path().join("kassa.db").exists());
}

/// The text `kassa product add` prints for an item at 229 minor units in `currency`.
fn added_text(currency: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    signed_in_store_in(d, currency);
    let r = kassa(
        d,
        &[
            "product", "add", "--sku", "OAT-1", "--name", "Oat milk", "--price", "229", "--stock",
            "20",
        ],
    );
    assert!(r.ok, "{}", r.err);
    let list = kassa(d, &["product", "list"]);
    let sold = kassa(d, &["sell", "--line", "OAT-1=2", "--pay", "cash=1000"]);
    assert!(sold.ok, "{}", sold.err);
    format!("{}\n{}\n{}", r.stdout, list.stdout, sold.stdout)
}

#[test]
fn money_is_written_with_the_currency_s_own_decimals() {
    let eur = added_text("EUR");
    assert!(eur.contains("at 2.29;"), "{eur}");
    assert!(eur.contains("total 4.58, change 5.42"), "{eur}");
    let jpy = added_text("JPY");
    assert!(jpy.contains("at 229;"), "{jpy}");
    assert!(jpy.contains("total 458, change 542"), "{jpy}");
    let kwd = added_text("KWD");
    assert!(kwd.contains("at 0.229;"), "{kwd}");
    assert!(kwd.contains("total 0.458, change 0.542"), "{kwd}");
}
