//! `kassa report bookings|cards`: the bookings and card payments reports from the command
//! line, as JSON, CSV and PDF, with typed errors for bad input.

mod common;

use common::*;
use std::path::Path;

/// A trip with a booking paid its deposit and a sale partly paid by card offline; returns
/// today's business date.
fn desk(d: &Path) -> String {
    signed_in_store(d);
    garda_booked_and_oat_milk(d);
    ok(kassa(
        d,
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
    let z = ok(kassa(d, &["report", "z", "--json"]));
    z["business_date"].as_str().unwrap().to_string()
}

#[test]
fn the_bookings_and_card_reports_come_as_json_csv_and_pdf() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let today = desk(d);
    let b = ok(kassa(
        d,
        &[
            "report", "bookings", "--from", &today, "--to", &today, "--json",
        ],
    ));
    assert_eq!(b["bookings"], 1);
    assert_eq!(b["seats"], 2);
    assert_eq!(b["value_minor"], 200_000);
    assert_eq!(b["money"]["deposits_minor"], 60_000);
    assert_eq!(b["money"]["taken_minor"], 60_000);
    assert_eq!(b["due_minor"], 140_000);
    assert_eq!(b["overdue"], 0);
    let c = ok(kassa(
        d,
        &[
            "report", "cards", "--from", &today, "--to", &today, "--json",
        ],
    ));
    assert_eq!(c["payments"], 1);
    assert_eq!(c["amount_minor"], 249);
    assert_eq!(c["pending"][0]["contact"], "guest@example.com");
    assert_eq!(c["exposure"]["pending_minor"], 249);

    for (report, head) in [
        ("bookings", "section,item,detail,bookings"),
        ("cards", "section,item,detail,contact"),
    ] {
        let csv_path = d.join(format!("{report}.csv"));
        let w = ok(kassa(
            d,
            &[
                "report",
                report,
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
        assert_eq!(w["format"], "csv");
        assert!(
            std::fs::read_to_string(&csv_path)
                .unwrap()
                .starts_with(head),
            "{report}"
        );
        let pdf = d.join(format!("{report}.pdf"));
        ok(kassa(
            d,
            &[
                "report",
                report,
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
    }

    for args in [
        vec!["report", "bookings", "--from", &today, "--json"],
        vec![
            "report",
            "cards",
            "--from",
            "2026-02-30",
            "--to",
            &today,
            "--json",
        ],
        vec![
            "report", "bookings", "--from", &today, "--to", &today, "--format", "pdf", "--json",
        ],
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
