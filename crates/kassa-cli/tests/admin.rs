//! An admin's CLI: settings, locations, tax classes and vouchers through the same app API as
//! the screens (same checks, audit entries and answers), and exact lookups instead of guesses.

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;

fn setting(dir: &Path, key: &str) -> Value {
    let r = kassa(dir, &["settings", "list", "--json"]);
    assert!(r.ok, "{}", r.err);
    r.out["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .cloned()
        .unwrap_or_else(|| panic!("no setting {key} in {}", r.out))
}

fn ok(dir: &Path, args: &[&str]) -> Value {
    let r = kassa(dir, args);
    assert!(r.ok, "{args:?}: {}", r.err);
    r.out
}

#[test]
fn an_admin_lists_and_changes_settings_with_the_screens_checks_and_audit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    signed_in_store(d);
    let idle = setting(d, "security.idle_lock_minutes");
    assert_eq!(
        (idle["min"].as_i64(), idle["max"].as_i64()),
        (Some(1), Some(15))
    );
    assert_eq!(idle["editable"], true);

    let r = ok(
        d,
        &[
            "settings",
            "set",
            "sell.refund_limit_minor",
            "8000",
            "--json",
        ],
    );
    assert_eq!(
        (r["key"].as_str(), r["value"].as_i64()),
        (Some("sell.refund_limit_minor"), Some(8000))
    );
    assert_eq!(setting(d, "sell.refund_limit_minor")["value"], 8000);
    let r = ok(
        d,
        &[
            "settings",
            "set",
            "security.idle_lock_minutes",
            "5",
            "--json",
        ],
    );
    assert_eq!(r["value"], 5);
    let r = ok(
        d,
        &["settings", "set", "stock.allow_negative", "yes", "--json"],
    );
    assert_eq!(r["value"], true);

    // Each change is one audit entry with the value before and after.
    let audit = ok(d, &["audit", "list", "--action", "settings.", "--json"]);
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{audit}");
    let text = audit.to_string();
    assert!(text.contains("sell.refund_limit_minor"), "{text}");

    // Out of bounds, not a number, no such setting: typed errors that change nothing.
    let before = counts(d, &["settings", "audit_log", "outbox"]);
    for (args, code) in [
        (vec!["security.idle_lock_minutes", "99"], "invalid_input"),
        (vec!["security.idle_lock_minutes", "five"], "invalid_input"),
        (vec!["stock.allow_negative", "maybe"], "invalid_input"),
        (vec!["sell.no_such_thing", "1"], "invalid_input"),
    ] {
        let mut all = vec!["settings", "set"];
        all.extend(args.iter());
        all.push("--json");
        let r = kassa(d, &all);
        assert!(!r.ok, "{args:?} was accepted");
        assert_eq!(r.err["error"]["code"], code, "{args:?}: {}", r.err);
    }
    assert_eq!(counts(d, &["settings", "audit_log", "outbox"]), before);
    assert_eq!(setting(d, "security.idle_lock_minutes")["value"], 5);

    // The text says what changed.
    let r = kassa(d, &["settings", "set", "sell.max_discount_bp", "1500"]);
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.stdout.trim(), "sell.max_discount_bp is now 1500.");
}

#[test]
fn a_cashier_may_read_settings_but_not_change_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let demo = ok(d, &["demo", "--json"]);
    let cashier = demo["staff"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["role"] == "cashier")
        .unwrap();
    let r = kassa_env(
        d,
        &[
            "login",
            "--as",
            cashier["email"].as_str().unwrap(),
            "--json",
        ],
        &[
            ("KASSA_PASSWORD", cashier["password"].as_str().unwrap()),
            ("KASSA_OTP", &totp(cashier["totp_secret"].as_str().unwrap())),
        ],
    );
    assert!(r.ok, "{}", r.err);
    assert_eq!(setting(d, "sell.refund_limit_minor")["editable"], false);
    let before = counts(d, &["settings", "audit_log", "outbox"]);
    let r = kassa(
        d,
        &[
            "settings",
            "set",
            "sell.refund_limit_minor",
            "999999",
            "--json",
        ],
    );
    assert_eq!(r.err["error"]["code"], "forbidden", "{}", r.err);
    assert_eq!(counts(d, &["settings", "audit_log", "outbox"]), before);
}

#[test]
fn locations_and_tax_classes_are_added_listed_and_used_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    signed_in_store(d);
    let l = ok(d, &["location", "add", "--name", "Back room", "--json"]);
    assert_eq!(
        (l["name"].as_str(), l["is_main"].as_bool()),
        (Some("Back room"), Some(false))
    );
    let list = ok(d, &["location", "list", "--json"]);
    let names: Vec<&str> = list["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Shop floor", "Back room"]);
    let again = kassa(d, &["location", "add", "--name", "back room", "--json"]);
    assert_eq!(
        again.err["error"]["code"], "already_exists",
        "{}",
        again.err
    );

    let t = ok(
        d,
        &[
            "tax-class",
            "add",
            "--name",
            "Reduced 7%",
            "--rate",
            "7",
            "--json",
        ],
    );
    assert_eq!(
        (t["rate_bp"].as_i64(), t["inclusive"].as_bool()),
        (Some(700), Some(true))
    );
    let t = ok(
        d,
        &[
            "tax-class",
            "add",
            "--name",
            "Services",
            "--rate",
            "7.7",
            "--exclusive",
            "--json",
        ],
    );
    assert_eq!(
        (t["rate_bp"].as_i64(), t["inclusive"].as_bool()),
        (Some(770), Some(false))
    );
    let bad = kassa(
        d,
        &[
            "tax-class",
            "add",
            "--name",
            "Odd",
            "--rate",
            "7.775",
            "--json",
        ],
    );
    assert_eq!(bad.err["error"]["code"], "invalid_input", "{}", bad.err);
    let list = ok(d, &["tax-class", "list", "--json"]);
    assert_eq!(list["tax_classes"].as_array().unwrap().len(), 2, "{list}");

    // A product takes both by name; its stock moves to the new location.
    let p = ok(
        d,
        &[
            "product",
            "add",
            "--sku",
            "OAT-1",
            "--name",
            "Oat milk 1 l",
            "--price",
            "229",
            "--stock",
            "10",
            "--tax-class",
            "reduced 7%",
            "--category",
            "Drinks > Plant milk",
            "--json",
        ],
    );
    let shown = ok(d, &["product", "show", "OAT-1", "--json"]);
    assert_eq!(shown["product"]["tax_rate_bp"], 700, "{shown}");
    assert_eq!(
        shown["product"]["category_path"], "Drinks > Plant milk",
        "{shown}"
    );
    assert!(p["product_id"].is_string());
    let moved = ok(
        d,
        &[
            "stock",
            "transfer",
            "OAT-1",
            "6",
            "--from",
            "Shop floor",
            "--to",
            "Back room",
            "--json",
        ],
    );
    assert_eq!(
        (
            moved["from"]["on_hand"].as_i64(),
            moved["to"]["on_hand"].as_i64()
        ),
        (Some(4), Some(6))
    );
}

#[test]
fn a_refused_product_leaves_no_category_behind() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    signed_in_store(d);
    let before = counts(d, &["categories", "products", "audit_log", "outbox"]);
    // A barcode with a wrong check digit: the product is refused, and so is its new category.
    let r = kassa(
        d,
        &[
            "product",
            "add",
            "--sku",
            "JUICE-1",
            "--name",
            "Apple juice",
            "--price",
            "199",
            "--barcode",
            "4006381333932",
            "--category",
            "Drinks > Juice",
            "--json",
        ],
    );
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);
    assert_eq!(
        counts(d, &["categories", "products", "audit_log", "outbox"]),
        before
    );
    // An unknown tax class is not found, naming the ones there are, and changes nothing.
    ok(
        d,
        &[
            "tax-class",
            "add",
            "--name",
            "Standard 19%",
            "--rate",
            "19",
            "--json",
        ],
    );
    let before = counts(d, &["categories", "products", "audit_log", "outbox"]);
    let r = kassa(
        d,
        &[
            "product",
            "add",
            "--sku",
            "JUICE-1",
            "--name",
            "Apple juice",
            "--price",
            "199",
            "--tax-class",
            "Reduced",
            "--category",
            "Drinks > Juice",
            "--json",
        ],
    );
    assert_eq!(r.err["error"]["code"], "not_found", "{}", r.err);
    assert!(
        r.err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Standard 19%"),
        "{}",
        r.err
    );
    assert_eq!(
        counts(d, &["categories", "products", "audit_log", "outbox"]),
        before
    );
}

#[test]
fn stock_shows_the_exact_level_of_the_item_and_location_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    signed_in_store(d);
    ok(
        d,
        &[
            "product",
            "add",
            "--sku",
            "OAT-1",
            "--name",
            "Oat milk 1 l",
            "--price",
            "229",
            "--stock",
            "10",
            "--json",
        ],
    );
    // Taken off sale, it still has its stock on the shelf: the level is the ledger's, not 0
    // because a search for sale items no longer finds it.
    let csv = d.join("off-sale.csv");
    std::fs::write(
        &csv,
        "sku,name,price,active\nOAT-1,Oat milk 1 l,2.29,false\n",
    )
    .unwrap();
    ok(d, &["product", "import", csv.to_str().unwrap(), "--json"]);
    let r = ok(d, &["stock", "OAT-1", "--json"]);
    assert_eq!(
        (r["level"].as_i64(), r["available"].as_i64()),
        (Some(10), Some(10)),
        "{r}"
    );
    ok(d, &["location", "add", "--name", "Back room", "--json"]);
    ok(
        d,
        &[
            "stock",
            "transfer",
            "OAT-1",
            "3",
            "--from",
            "Shop floor",
            "--to",
            "Back room",
            "--json",
        ],
    );
    let r = ok(d, &["stock", "OAT-1", "--location", "Back room", "--json"]);
    assert_eq!(r["level"], 3, "{r}");
    let r = ok(d, &["stock", "OAT-1", "--location", "shop floor", "--json"]);
    assert_eq!(r["level"], 7, "{r}");
    let r = kassa(d, &["stock", "NOPE-1", "--json"]);
    assert_eq!(r.err["error"]["code"], "not_found", "{}", r.err);
}

#[test]
fn a_voucher_is_issued_checked_and_spent_with_its_code_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    signed_in_store(d);
    ok(
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
    );
    let v = ok(d, &["voucher", "issue", "--amount", "500", "--json"]);
    let code = v["code"].as_str().unwrap().to_string();
    assert_eq!(v["balance_minor"], 500);
    let r = kassa_env(
        d,
        &["voucher", "balance", "--json"],
        &[("KASSA_VOUCHER_CODE", &code)],
    );
    assert_eq!(r.out["balance_minor"], 500, "{}", r.err);

    // The code in an argument is refused, naming the variable, and sells nothing.
    let before = counts(d, &["orders", "payments", "audit_log", "outbox"]);
    let arg = format!("voucher:{code}=500");
    let r = kassa(
        d,
        &[
            "sell", "--line", "OAT-1=4", "--pay", &arg, "--pay", "cash=500", "--json",
        ],
    );
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);
    let message = r.err["error"]["message"].as_str().unwrap();
    assert!(message.contains("KASSA_VOUCHER_CODE"), "{message}");
    assert_eq!(
        counts(d, &["orders", "payments", "audit_log", "outbox"]),
        before
    );

    let r = kassa_env(
        d,
        &[
            "sell",
            "--line",
            "OAT-1=4",
            "--pay",
            "voucher=500",
            "--pay",
            "cash=500",
            "--json",
        ],
        &[("KASSA_VOUCHER_CODE", &code)],
    );
    assert!(r.ok, "{}", r.err);
    assert_eq!(
        (
            r.out["total_minor"].as_i64(),
            r.out["change_minor"].as_i64()
        ),
        (Some(996), Some(4))
    );
    let r = kassa_env(
        d,
        &["voucher", "balance", "--json"],
        &[("KASSA_VOUCHER_CODE", &code)],
    );
    assert_eq!(r.out["balance_minor"], 0, "{}", r.err);
}
