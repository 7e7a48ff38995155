//! `kassa product` and `kassa stock` as the SPEC's contract has them, and CSV through the CLI.

mod common;
use common::*;
use std::path::Path;

/// Row counts of what catalog commands write.
fn rows(dir: &Path) -> Vec<i64> {
    counts(
        dir,
        &[
            "products",
            "stock_movements",
            "outbox",
            "audit_log",
            "customers",
        ],
    )
}

#[test]
fn product_add_and_stock_speak_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    signed_in_store(d);
    let r = kassa(
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
            "--barcode",
            "4006381333931",
            "--stock",
            "10",
            "--json",
        ],
    );
    assert!(r.ok, "{}", r.err);
    assert_eq!(
        r.out["product_id"].as_str().map(str::len),
        Some(36),
        "{}",
        r.out
    );
    let r = kassa(d, &["stock", "OAT-1", "--json"]);
    assert_eq!(
        (r.out["sku"].as_str(), r.out["level"].as_i64()),
        (Some("OAT-1"), Some(10)),
        "{}",
        r.out
    );
    // The barcode finds it too, and an adjustment with a reason takes it to 8.
    let r = kassa(
        d,
        &[
            "--json",
            "stock",
            "adjust",
            "4006381333931",
            "-2",
            "--reason",
            "two dented cartons",
        ],
    );
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["level"], 8);
    let r = kassa(d, &["stock", "movements", "OAT-1", "--json"]);
    let kinds: Vec<&str> = r.out["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["adjustment", "receipt"]);
    assert_eq!(r.out["items"][0]["reason"], "two dented cartons");
    // A service carries no stock.
    let r = kassa(
        d,
        &[
            "product",
            "add",
            "--sku",
            "GIFT",
            "--name",
            "Gift wrapping",
            "--price",
            "200",
            "--service",
            "--json",
        ],
    );
    assert!(r.ok, "{}", r.err);
    let r = kassa(d, &["stock", "GIFT", "--json"]);
    assert_eq!(
        (r.out["level"].as_i64(), r.out["stock_tracked"].as_bool()),
        (Some(0), Some(false))
    );
}

#[test]
fn bad_input_is_a_typed_error_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    signed_in_store(d);
    assert!(
        kassa(
            d,
            &[
                "product", "add", "--sku", "OAT-1", "--name", "Oat milk", "--price", "249",
                "--stock", "3", "--json"
            ]
        )
        .ok
    );
    let before = rows(d);
    for (args, code) in [
        (
            vec![
                "product",
                "add",
                "--sku",
                "X",
                "--name",
                "X",
                "--price",
                "100",
                "--barcode",
                "4006381333932",
            ],
            "invalid_input",
        ),
        (
            vec![
                "product", "add", "--sku", "oat-1", "--name", "Again", "--price", "100",
            ],
            "already_exists",
        ),
        (
            vec![
                "product", "add", "--sku", "Y", "--name", "Y", "--price", "-5",
            ],
            "invalid_input",
        ),
        (
            vec![
                "product", "add", "--sku", "Y", "--name", "Y", "--price", "ten",
            ],
            "invalid_input",
        ),
        (
            vec![
                "product",
                "add",
                "--sku",
                "Y",
                "--name",
                "Y",
                "--price",
                "100",
                "--tax-class",
                "Luxury",
            ],
            "not_found",
        ),
        (
            vec!["stock", "adjust", "OAT-1", "-5", "--reason", "broken"],
            "insufficient_stock",
        ),
        (
            vec!["stock", "adjust", "OAT-1", "-1", "--reason", " "],
            "invalid_input",
        ),
        (vec!["stock", "receive", "OAT-1", "0"], "invalid_input"),
        (vec!["stock", "NOPE"], "not_found"),
        (vec!["stock", "count", "--line", "OAT-1"], "invalid_input"),
        (
            vec![
                "stock",
                "transfer",
                "OAT-1",
                "1",
                "--from",
                "Shop floor",
                "--to",
                "Moon",
            ],
            "not_found",
        ),
    ] {
        let mut all = args.clone();
        all.push("--json");
        let r = kassa(d, &all);
        assert!(!r.ok, "{args:?} succeeded");
        assert_eq!(r.err["error"]["code"], code, "{args:?}: {}", r.err);
        assert_eq!(r.stdout, "", "nothing on stdout for {args:?}");
    }
    let r = kassa(
        d,
        &[
            "stock", "adjust", "OAT-1", "-5", "--reason", "broken", "--json",
        ],
    );
    assert!(
        r.err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Oat milk (SKU OAT-1): 3 available, 5 wanted"),
        "{}",
        r.err
    );
    assert_eq!(rows(d), before);
}

#[test]
fn signed_out_nobody_changes_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    signed_in_store(d);
    assert!(kassa(d, &["logout"]).ok);
    let r = kassa(
        d,
        &[
            "product", "add", "--sku", "A", "--name", "A", "--price", "1", "--json",
        ],
    );
    assert_eq!(r.err["error"]["code"], "unauthenticated");
}

#[test]
fn a_csv_import_checks_every_row_and_imports_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    signed_in_store(d);
    let bad = d.join("bad.csv");
    std::fs::write(&bad, "sku,name,price,barcodes,category\nOAT-1,Oat milk,2.49,4006381333931,Dairy\nBAD,Broken,1.00,4006381333932,\nNOPRICE,No price,,,\n").unwrap();
    let before = rows(d);
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
    // The report lists every bad row, and the command fails so a script stops there.
    assert_eq!(r.code, Some(1), "{}", r.err);
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);
    let lines: Vec<u64> = r.out["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4]);
    let r = kassa(d, &["product", "import", bad.to_str().unwrap(), "--json"]);
    assert!(!r.ok);
    assert_eq!(r.err["error"]["code"], "invalid_input");
    assert!(
        r.err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("line 3 (barcodes)"),
        "{}",
        r.err
    );
    assert_eq!(rows(d), before);

    let good = d.join("good.csv");
    std::fs::write(&good, "sku,name,price,barcodes,category\nOAT-1,Oat milk,2.49,4006381333931,Dairy > Plant milk\nTEA-1,Green tea,3.20,,Drinks\n").unwrap();
    let r = kassa(d, &["product", "import", good.to_str().unwrap(), "--json"]);
    assert_eq!(
        (r.out["created"].as_u64(), r.out["applied"].as_bool()),
        (Some(2), Some(true)),
        "{}",
        r.err
    );
    let out = d.join("export.csv");
    let r = kassa(
        d,
        &[
            "product",
            "export",
            "--out",
            out.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(r.out["rows"], 2);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.starts_with("sku,name,price,barcodes,category,tax_class,cost"),
        "{text}"
    );
    assert!(
        text.contains("OAT-1,Oat milk,2.49,4006381333931,Dairy > Plant milk"),
        "{text}"
    );
}

#[test]
fn customers_are_added_found_merged_and_exported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    signed_in_store(d);
    let a = kassa(
        d,
        &[
            "customer",
            "add",
            "--name",
            "Jörg Müller",
            "--email",
            "joerg@example.com",
            "--tag",
            "regular",
            "--json",
        ],
    );
    let b = kassa(
        d,
        &[
            "customer",
            "add",
            "--name",
            "Joerg Mueller",
            "--phone",
            "+49 176 5550123",
            "--consent",
            "--json",
        ],
    );
    assert!(a.ok && b.ok, "{} {}", a.err, b.err);
    let r = kassa(d, &["customer", "list", "--search", "muller", "--json"]);
    assert_eq!(r.out["items"][0]["name"], "Jörg Müller");
    let r = kassa(
        d,
        &[
            "customer",
            "merge",
            "--keep",
            a.out["id"].as_str().unwrap(),
            "--remove",
            b.out["id"].as_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(r.out["phone"], "+49 176 5550123", "{}", r.err);
    let r = kassa(d, &["customer", "export", "--json"]);
    assert_eq!(r.out["rows"], 1);
    let r = kassa(
        d,
        &[
            "customer", "add", "--name", "X", "--email", "nope", "--json",
        ],
    );
    assert_eq!(r.err["error"]["code"], "invalid_input");
}
