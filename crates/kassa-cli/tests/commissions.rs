//! `kassa commission`: rates set from the command line (managers and admins, audited), and a
//! person's statement as JSON, CSV and PDF, with typed errors for bad input.

mod common;

use common::*;

#[test]
fn rates_set_from_the_cli_earn_on_a_booking_and_a_sale_and_the_statement_comes_as_json_csv_and_pdf()
{
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    signed_in_store(d);
    ok(kassa(
        d,
        &[
            "commission",
            "rate",
            "set",
            "--agent",
            "a@example.com",
            "--bp",
            "500",
            "--json",
        ],
    ));
    ok(kassa(
        d,
        &[
            "commission",
            "rate",
            "set",
            "--seller",
            "a@example.com",
            "--bp",
            "1000",
            "--json",
        ],
    ));
    garda_booked_and_oat_milk(d);
    ok(kassa(
        d,
        &["sell", "--line", "OAT-1=2", "--pay", "cash=1000", "--json"],
    ));
    let rates = ok(kassa(d, &["commission", "rate", "list", "--json"]));
    assert_eq!(rates["rates"].as_array().unwrap().len(), 2, "{rates}");
    let z = ok(kassa(d, &["report", "z", "--json"]));
    let today = z["business_date"].as_str().unwrap().to_string();

    // 600.00 deposit at 5 % is 30.00; 4.98 of oat milk at 10 % is 0.498, half up 0.50.
    let s = ok(kassa(
        d,
        &[
            "commission",
            "statement",
            "--staff",
            "a@example.com",
            "--from",
            &today,
            "--to",
            &today,
            "--json",
        ],
    ));
    assert_eq!(s["earned_minor"], 3050, "{s}");
    assert_eq!(s["reversed_minor"], 0);
    assert_eq!(s["net_minor"], 3050);
    let entries = s["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["source_kind"], "booking");
    assert_eq!(entries[0]["base_minor"], 60_000);
    assert_eq!(entries[1]["source_kind"], "sale");
    // Without --staff: one's own.
    let mine = ok(kassa(
        d,
        &[
            "commission",
            "statement",
            "--from",
            &today,
            "--to",
            &today,
            "--json",
        ],
    ));
    assert_eq!(mine["net_minor"], 3050);

    let csv_path = d.join("statement.csv");
    let w = ok(kassa(
        d,
        &[
            "commission",
            "statement",
            "--staff",
            "a@example.com",
            "--from",
            &today,
            "--to",
            &today,
            "--format",
            "csv",
            "--out",
            csv_path.to_str().unwrap(),
            "--json",
        ],
    ));
    assert_eq!(w["rows"], 2);
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "key,date,source,reference,entry,receipt,base,rate,commission"
    );
    let booking_row = lines.next().unwrap();
    assert!(booking_row.contains(",booking,"), "{booking_row}");
    assert!(
        booking_row.ends_with(",600.00,5.00 %,30.00"),
        "{booking_row}"
    );
    let sale_row = lines.next().unwrap();
    assert!(sale_row.ends_with(",4.98,10.00 %,0.50"), "{sale_row}");

    let pdf = d.join("statement.pdf");
    ok(kassa(
        d,
        &[
            "commission",
            "statement",
            "--from",
            &today,
            "--to",
            &today,
            "--format",
            "pdf",
            "--out",
            pdf.to_str().unwrap(),
            "--json",
        ],
    ));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    let people = ok(kassa(
        d,
        &[
            "report",
            "commissions",
            "--from",
            &today,
            "--to",
            &today,
            "--json",
        ],
    ));
    assert_eq!(people["people"][0]["earned_minor"], 3050);

    for (args, code) in [
        (
            vec![
                "commission",
                "rate",
                "set",
                "--trip",
                "GARDA",
                "--bp",
                "10001",
                "--json",
            ],
            "invalid_input",
        ),
        (
            vec![
                "commission",
                "rate",
                "set",
                "--category",
                "Nothing",
                "--bp",
                "100",
                "--json",
            ],
            "not_found",
        ),
        (
            vec![
                "commission",
                "statement",
                "--staff",
                "nobody@example.com",
                "--from",
                &today,
                "--to",
                &today,
                "--json",
            ],
            "not_found",
        ),
        (
            vec![
                "commission",
                "statement",
                "--from",
                &today,
                "--to",
                &today,
                "--format",
                "xml",
                "--json",
            ],
            "invalid_input",
        ),
    ] {
        let r = kassa(d, &args);
        assert!(!r.ok, "{args:?}");
        assert_eq!(r.err["error"]["code"], code, "{args:?}: {}", r.err);
    }
}
