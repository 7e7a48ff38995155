//! `kassa report sales|stock|staff`: a manager's reports from the command line, as JSON, CSV
//! and PDF files, with the totals of the Z report and typed errors for bad input.

mod common;

use common::*;
use std::path::Path;

/// A store with two products, two sales and a refund; returns today's business date.
fn day(dir: &Path) -> String {
    signed_in_store(dir);
    for (sku, name, price, stock) in [
        ("OAT-1", "Oat milk 1 l", "249", "10"),
        ("TEA-1", "Green tea", "400", "3"),
    ] {
        ok(kassa(
            dir,
            &[
                "product", "add", "--sku", sku, "--name", name, "--price", price, "--stock", stock,
                "--json",
            ],
        ));
    }
    let customer = ok(kassa(
        dir,
        &["customer", "add", "--name", "=cmd|' /C calc'!A0", "--json"],
    ));
    let customer = customer["id"].as_str().unwrap().to_string();
    let sale = ok(kassa(
        dir,
        &[
            "sell",
            "--line",
            "OAT-1=2",
            "--line",
            "TEA-1=1",
            "--pay",
            "cash=2000",
            "--customer",
            &customer,
            "--json",
        ],
    ));
    ok(kassa(
        dir,
        &[
            "sell",
            "--line",
            "OAT-1=1",
            "--pay",
            "card=249",
            "--contact",
            "guest@example.com",
            "--json",
        ],
    ));
    let number = sale["number"].as_str().unwrap().to_string();
    ok(kassa(
        dir,
        &["refund", "--order", &number, "--line", "OAT-1=1", "--json"],
    ));
    let z = ok(kassa(dir, &["report", "z", "--json"]));
    z["business_date"].as_str().unwrap().to_string()
}

#[test]
fn the_sales_report_comes_as_json_csv_and_pdf_with_the_z_reports_totals() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let today = day(d);
    let z = ok(kassa(d, &["report", "z", "--json"]));
    let r = ok(kassa(
        d,
        &[
            "report", "sales", "--from", &today, "--to", &today, "--by", "product", "--json",
        ],
    ));
    assert_eq!(r["by"], "product");
    assert_eq!(r["totals"]["gross_minor"], z["gross_minor"]);
    assert_eq!(r["totals"]["refunds_minor"], z["refunds_minor"]);
    assert_eq!(r["totals"]["net_minor"], z["net_sales_minor"]);
    assert_eq!(r["rows"].as_array().unwrap().len(), 2);

    let csv_path = d.join("sales.csv");
    let w = ok(kassa(
        d,
        &[
            "report",
            "sales",
            "--from",
            &today,
            "--to",
            &today,
            "--by",
            "product",
            "--format",
            "csv",
            "--out",
            csv_path.to_str().unwrap(),
            "--json",
        ],
    ));
    assert_eq!(w["rows"], 2);
    let text = std::fs::read_to_string(&csv_path).unwrap();
    assert!(
        text.starts_with("key,product,orders,quantity,gross"),
        "{text}"
    );
    assert!(text.contains("4.98"), "money in major units: {text}");
    let by_customer = d.join("customers.csv");
    ok(kassa(
        d,
        &[
            "report",
            "sales",
            "--from",
            &today,
            "--to",
            &today,
            "--by",
            "customer",
            "--format",
            "csv",
            "--out",
            by_customer.to_str().unwrap(),
        ],
    ));
    let customers = std::fs::read_to_string(&by_customer).unwrap();
    assert!(
        customers.contains(",'=cmd|"),
        "a formula-looking name stays text: {customers}"
    );

    let none = kassa(
        d,
        &[
            "report", "sales", "--from", &today, "--to", &today, "--format", "pdf", "--json",
        ],
    );
    assert!(!none.ok);
    assert_eq!(none.err["error"]["code"], "invalid_input");

    let pdf = d.join("sales.pdf");
    ok(kassa(
        d,
        &[
            "report",
            "sales",
            "--from",
            &today,
            "--to",
            &today,
            "--by",
            "tender",
            "--format",
            "pdf",
            "--out",
            pdf.to_str().unwrap(),
            "--json",
        ],
    ));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
}

#[test]
fn stock_and_staff_reports_and_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let today = day(d);
    let s = ok(kassa(d, &["report", "stock", "--json"]));
    // 10 + 3 received, 3 + 1 sold, 1 back on the shelf.
    assert_eq!(s["units"], 10);
    let staff = ok(kassa(
        d,
        &[
            "report", "staff", "--from", &today, "--to", &today, "--json",
        ],
    ));
    let people = staff["people"].as_array().unwrap();
    assert_eq!(people.len(), 1);
    assert_eq!(people[0]["orders"], 2);
    assert_eq!(people[0]["refunds"], 1);
    let csv_path = d.join("staff.csv");
    ok(kassa(
        d,
        &[
            "report",
            "staff",
            "--from",
            &today,
            "--to",
            &today,
            "--format",
            "csv",
            "--out",
            csv_path.to_str().unwrap(),
        ],
    ));
    assert!(
        std::fs::read_to_string(&csv_path)
            .unwrap()
            .starts_with("name,role,orders")
    );
    for args in [
        vec![
            "report",
            "sales",
            "--from",
            "2026-13-01",
            "--to",
            "2026-12-01",
            "--json",
        ],
        vec![
            "report", "sales", "--from", &today, "--to", &today, "--by", "colour", "--json",
        ],
        vec![
            "report", "sales", "--from", &today, "--to", &today, "--format", "xls", "--json",
        ],
        vec!["report", "staff", "--from", &today, "--json"],
    ] {
        let r = kassa(d, &args);
        assert!(!r.ok, "{args:?}");
        assert_eq!(
            r.err["error"]["code"], "invalid_input",
            "{args:?}: {}",
            r.err
        );
    }
}
