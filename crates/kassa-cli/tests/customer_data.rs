//! A customer's data on request from the command line: everything held about them exported
//! as JSON and CSV, and erased with the same checks and audit entry as the customer screen.

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;

fn ok(dir: &Path, args: &[&str]) -> Value {
    let r = kassa(dir, args);
    assert!(r.ok, "{args:?}: {}", r.err);
    r.out
}

#[test]
fn an_admin_exports_a_customers_data_then_erases_it_and_the_sale_stays() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    signed_in_store(d);
    ok(
        d,
        &[
            "product", "add", "--sku", "OAT-1", "--name", "Oat milk", "--price", "249", "--stock",
            "5", "--json",
        ],
    );
    let c = ok(
        d,
        &[
            "customer",
            "add",
            "--name",
            "Erika Mustermann",
            "--email",
            "erika@example.com",
            "--phone",
            "+49 30 1234567",
            "--consent",
            "--json",
        ],
    );
    let id = c["id"].as_str().unwrap().to_string();
    let sale = ok(
        d,
        &[
            "sell",
            "--line",
            "OAT-1=2",
            "--pay",
            "cash=1000",
            "--customer",
            &id,
            "--json",
        ],
    );

    let json_file = d.join("erika.json");
    let out = ok(
        d,
        &[
            "customer",
            "export",
            "erika@example.com",
            "--format",
            "json",
            "--out",
            json_file.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(out["format"], "json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&json_file).unwrap()).unwrap();
    assert_eq!(doc["customer"]["name"], "Erika Mustermann");
    assert_eq!(doc["customer"]["phone"], "+49 30 1234567");
    assert_eq!(doc["orders"][0]["id"], sale["order_id"]);
    assert_eq!(doc["orders"][0]["total_minor"], 498);

    let csv_file = d.join("erika.csv");
    ok(
        d,
        &[
            "customer",
            "export",
            &id,
            "--format",
            "csv",
            "--out",
            csv_file.to_str().unwrap(),
        ],
    );
    let text = std::fs::read_to_string(&csv_file).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(
        rows.iter()
            .any(|r| &r[0] == "customer" && &r[2] == "email" && &r[3] == "erika@example.com")
    );
    assert!(
        rows.iter()
            .any(|r| &r[0] == "order" && &r[2] == "total_minor" && &r[3] == "498")
    );
    // A phone number starting with + is text a spreadsheet would run: it is guarded.
    assert!(
        rows.iter()
            .any(|r| &r[2] == "phone" && &r[3] == "'+49 30 1234567")
    );

    let bad = kassa(d, &["customer", "export", &id, "--format", "xml", "--json"]);
    assert!(!bad.ok);
    assert_eq!(bad.err["error"]["code"], "invalid_input", "{}", bad.err);

    let erased = ok(
        d,
        &[
            "customer",
            "erase",
            &id,
            "--reason",
            "written request",
            "--json",
        ],
    );
    assert_eq!(erased["name"], "");
    assert!(erased["email"].is_null());
    assert!(erased["erased_at"].is_string());
    let again = kassa(d, &["customer", "erase", &id, "--json"]);
    assert!(!again.ok);
    assert_eq!(again.err["error"]["code"], "invalid_input", "{}", again.err);

    // Her sale is still there, without her.
    let doc = ok(
        d,
        &["customer", "export", &id, "--format", "json", "--json"],
    );
    let content: Value = serde_json::from_str(doc["content"].as_str().unwrap()).unwrap();
    assert_eq!(content["orders"][0]["total_minor"], 498);
    assert!(!doc.to_string().contains("Mustermann"));
    let audit = ok(
        d,
        &["audit", "list", "--action", "customer.erased", "--json"],
    );
    assert_eq!(audit["entries"].as_array().unwrap().len(), 1);
}
