//! A manager takes the reports home: the sales report as CSV reads back to the same totals
//! with a hostile customer name kept as text, the PDF says the totals and the filters, and a
//! cashier who may not see cost prices is refused the margin.

mod common;

use common::Device;
use kassa_app::dto::*;
use std::collections::BTreeMap;

fn cash(amount: i64) -> TenderInput {
    TenderInput {
        kind: "cash".into(),
        amount_minor: amount,
        card_brand: None,
        card_last4: None,
        customer_contact: None,
        card_token: None,
        voucher_code: None,
    }
}

fn sell(d: &Device, code: &str, quantity: i64, customer_id: Option<String>) -> CheckoutOutput {
    d.api
        .sell(SellInput {
            lines: vec![SellLineInput {
                code: code.into(),
                quantity,
            }],
            tenders: vec![cash(1_000_000)],
            customer_id,
            idempotency_key: None,
        })
        .unwrap()
}

const TODAY: &str = "2026-11-22";

fn sales_input(by: &str, with_cost: bool) -> SalesReportInput {
    SalesReportInput {
        from: TODAY.into(),
        to: TODAY.into(),
        by: Some(by.into()),
        with_cost: Some(with_cost),
    }
}

/// A demo store with a day of sales, one to a customer whose name looks like a formula.
fn day_of_sales() -> Device {
    let d = Device::demo();
    d.sign_in("manager");
    let hostile = d
        .api
        .customer_create(CustomerFields {
            name: "=HYPERLINK(\"http://x\",\"win\")".into(),
            email: None,
            phone: None,
            notes: None,
            marketing_consent: None,
            tags: None,
            addresses: None,
        })
        .unwrap();
    sell(&d, "DRK-WAT-05", 3, Some(hostile.id.clone()));
    sell(&d, "COF-BEANS-1K", 1, None);
    sell(&d, "PAN-SPA-500", 2, Some(hostile.id));
    d
}

#[test]
fn a_cashier_may_read_the_days_sales_but_is_refused_the_margin() {
    let d = day_of_sales();
    d.sign_in("cashier");
    let err = d
        .api
        .report_sales(sales_input("product", true))
        .unwrap_err();
    assert_eq!(err.code, "forbidden", "{}", err.message);
    let err = d
        .api
        .report_export(ReportExportInput {
            language: None,
            report: "sales".into(),
            format: "csv".into(),
            from: Some(TODAY.into()),
            to: Some(TODAY.into()),
            by: Some("product".into()),
            with_cost: Some(true),
            as_of: None,
        })
        .unwrap_err();
    assert_eq!(err.code, "forbidden");
    let r = d.api.report_sales(sales_input("product", false)).unwrap();
    assert_eq!(r.totals.orders, 3);
    assert!(
        r.rows
            .iter()
            .all(|x| x.cost_minor.is_none() && x.margin_minor.is_none())
    );
    let err = d
        .api
        .report_staff(StaffReportInput {
            from: TODAY.into(),
            to: TODAY.into(),
        })
        .unwrap_err();
    assert_eq!(err.code, "forbidden");
    // A manager sees cost and margin.
    d.sign_in("manager");
    let r = d.api.report_sales(sales_input("product", true)).unwrap();
    assert!(r.totals.margin_minor.is_some());
}

#[test]
fn the_day_report_equals_the_z_report_and_bad_input_is_refused() {
    let d = day_of_sales();
    let r = d.api.report_sales(sales_input("day", false)).unwrap();
    let z = d
        .api
        .z_report(ZReportInput {
            date: Some(TODAY.into()),
            number: None,
        })
        .unwrap();
    assert_eq!(r.rows.len(), 1);
    assert_eq!(
        (
            r.totals.orders,
            r.totals.gross_minor,
            r.totals.tax_minor,
            r.totals.net_minor
        ),
        (z.orders, z.gross_minor, z.tax_minor, z.net_sales_minor)
    );
    assert_eq!(r.totals.by_tender, z.by_tender);
    assert_eq!(r.basis.currency, "EUR");
    for (from, to, by) in [
        ("2026-11-31", TODAY, "day"),
        (TODAY, "2026-11-01", "day"),
        (TODAY, TODAY, "colour"),
    ] {
        let err = d
            .api
            .report_sales(SalesReportInput {
                from: from.into(),
                to: to.into(),
                by: Some(by.into()),
                with_cost: None,
            })
            .unwrap_err();
        assert_eq!(err.code, "invalid_input", "{from} {to} {by}");
    }
}

fn export(d: &Device, format: &str) -> ReportFileDto {
    d.api
        .report_export(ReportExportInput {
            language: None,
            report: "sales".into(),
            format: format.into(),
            from: Some(TODAY.into()),
            to: Some(TODAY.into()),
            by: Some("customer".into()),
            with_cost: Some(true),
            as_of: None,
        })
        .unwrap()
}

#[test]
fn a_csv_export_reads_back_to_the_same_totals_and_keeps_formulas_as_text() {
    let d = day_of_sales();
    let r = d.api.report_sales(sales_input("customer", true)).unwrap();
    let file = export(&d, "csv");
    assert_eq!(
        file.file_name,
        "sales-by-customer-2026-11-22-2026-11-22.csv"
    );
    let text = file.csv.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    let minor = |s: &str| kassa_app::kassa_domain::money::parse_major(s, 2).unwrap();
    let mut sums: BTreeMap<&str, i64> = BTreeMap::new();
    for row in &rows {
        for name in ["gross", "tax", "net", "margin"] {
            *sums.entry(name).or_default() += minor(&row[col(name)]);
        }
        // Money in major units with a dot.
        assert!(row[col("gross")].contains('.'), "{:?}", row);
    }
    assert_eq!(sums["gross"], r.totals.gross_minor);
    assert_eq!(sums["tax"], r.totals.tax_minor);
    assert_eq!(sums["net"], r.totals.net_minor);
    assert_eq!(Some(sums["margin"]), r.totals.margin_minor);
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r.get(col("customer")).unwrap())
        .collect();
    assert!(
        names.contains(&"'=HYPERLINK(\"http://x\",\"win\")"),
        "{names:?}"
    );
    assert!(names.contains(&"(no customer)"));
    assert_eq!(kassa_app::formula_safe("@SUM(A1)"), "'@SUM(A1)");
    assert_eq!(kassa_app::formula_safe("-2+3"), "'-2+3");
    assert_eq!(kassa_app::formula_safe("\tx"), "'\tx");
    assert_eq!(kassa_app::formula_safe("Anna"), "Anna");
}

#[test]
fn a_pdf_export_says_the_totals_and_the_filters() {
    let d = day_of_sales();
    let r = d.api.report_sales(sales_input("customer", true)).unwrap();
    let file = export(&d, "pdf");
    let text = common::pdf_text(&file.base64.unwrap());
    let money = |m: i64| kassa_app::kassa_domain::money::format_minor(m, 2);
    for want in [
        "Sales by customer".to_string(),
        "Period: 2026-11-22 to 2026-11-22".into(),
        "Grouped by: customer".into(),
        "Currency: EUR".into(),
        money(r.totals.gross_minor),
        money(r.totals.net_minor),
        money(r.totals.tax_minor),
        money(r.totals.margin_minor.unwrap()),
        "(no customer)".into(),
    ] {
        assert!(text.contains(&want), "'{want}' missing from:\n{text}");
    }
}

#[test]
fn a_pdf_export_speaks_the_persons_language_and_a_csv_keeps_its_keys_and_dots() {
    let d = day_of_sales();
    let r = d.api.report_sales(sales_input("customer", true)).unwrap();
    let de_money = |m: i64| kassa_app::kassa_domain::money::format_minor(m, 2).replace('.', ",");
    let file = |report: &str, format: &str, language: &str| {
        d.api
            .report_export(ReportExportInput {
                language: Some(language.into()),
                report: report.into(),
                format: format.into(),
                from: Some(TODAY.into()),
                to: Some(TODAY.into()),
                by: Some("customer".into()),
                with_cost: Some(true),
                as_of: None,
            })
            .unwrap()
    };
    let text = common::pdf_text(&file("sales", "pdf", "de").base64.unwrap());
    for want in [
        "Umsatz nach Kunde".to_string(),
        "Zeitraum: 22.11.2026 bis 22.11.2026".into(),
        "Gruppiert nach: Kunde".into(),
        "Summen".into(),
        "Brutto".into(),
        "Marge".into(),
        "(kein Kunde)".into(),
        de_money(r.totals.gross_minor),
        de_money(r.totals.net_minor),
    ] {
        assert!(text.contains(&want), "'{want}' missing from:\n{text}");
    }
    // Every report's PDF: its own words in German, none of the English ones left.
    for report in [
        "sales",
        "stock",
        "staff",
        "bookings",
        "cards",
        "commissions",
    ] {
        let text = common::pdf_text(&file(report, "pdf", "de").base64.unwrap());
        assert!(text.contains("Summen"), "{report}:\n{text}");
        assert!(text.contains("Datenstand"), "{report}:\n{text}");
        for english in [
            "Totals",
            "Period",
            "Currency:",
            "Data as of",
            "Gross",
            "Refunded",
            "Nothing in this period",
            "never synced",
            "(no ",
        ] {
            assert!(
                !text.contains(english),
                "{report}: '{english}' in the German PDF:\n{text}"
            );
        }
    }
    // A CSV keeps its column keys and a dot in its numbers, for spreadsheets.
    let csv = file("sales", "csv", "de").csv.unwrap();
    assert!(csv.starts_with("key,customer,orders"), "{csv}");
    assert!(
        csv.contains(&kassa_app::kassa_domain::money::format_minor(
            r.totals.gross_minor,
            2
        )) || r.rows.len() > 1,
        "{csv}"
    );
    // No language given: the store's receipt language.
    let text = common::pdf_text(&export(&d, "pdf").base64.unwrap());
    assert!(text.contains("Totals") && text.contains("Period: 2026-11-22 to 2026-11-22"));
}

#[test]
fn the_demo_store_has_sold_in_each_of_the_last_eight_weeks() {
    let started = std::time::Instant::now();
    let d = Device::demo();
    let made_in = started.elapsed();
    d.sign_in("manager");
    // 2026-11-22 is a Sunday: the eight ISO weeks before it run from 2026-09-28.
    let r = d
        .api
        .report_sales(SalesReportInput {
            from: "2026-09-28".into(),
            to: "2026-11-22".into(),
            by: Some("week".into()),
            with_cost: None,
        })
        .unwrap();
    let weeks: Vec<&str> = r.rows.iter().map(|x| x.key.as_str()).collect();
    assert_eq!(weeks.len(), 8, "{weeks:?}");
    for row in &r.rows {
        assert!(
            row.orders >= 25,
            "week {} has {} orders",
            row.key,
            row.orders
        );
        assert!(row.net_minor > 0);
    }
    // Paid in cash (card payments wait for the card provider), a few refunds, by more than
    // one person.
    assert!(r.totals.by_tender.get("cash").copied().unwrap_or(0) > 0);
    assert_eq!(r.totals.by_tender.get("card").copied().unwrap_or(0), 0);
    assert!(r.totals.refunds > 0);
    let by_staff = d
        .api
        .report_sales(SalesReportInput {
            from: "2026-09-28".into(),
            to: "2026-11-22".into(),
            by: Some("staff".into()),
            with_cost: None,
        })
        .unwrap();
    assert!(by_staff.rows.len() >= 3);
    // Nothing sold today yet, and no card payment left waiting for the provider.
    let today = d.api.report_sales(sales_input("day", false)).unwrap();
    assert_eq!(today.totals.orders, 0);
    let pending = d.api.cards_pending(NoInput::default()).unwrap();
    assert!(pending.payments.is_empty());
    // Every day of the history was closed with its Z report, and the day's sales report
    // has that Z's figures.
    let zs = d.api.z_list(NoInput::default()).unwrap().reports;
    assert_eq!(zs.len(), 56);
    let days = d
        .api
        .report_sales(SalesReportInput {
            from: "2026-09-27".into(),
            to: "2026-11-21".into(),
            by: Some("day".into()),
            with_cost: None,
        })
        .unwrap();
    assert_eq!(days.rows.len(), 56);
    for z in &zs {
        let row = days.rows.iter().find(|r| r.key == z.business_date).unwrap();
        assert_eq!((row.orders, row.gross_minor), (z.orders, z.gross_minor));
    }
    // The shop's counts open today with no shift left open.
    assert!(
        d.api
            .shift_current(NoInput::default())
            .unwrap()
            .shift
            .is_none()
    );
    assert!(made_in.as_secs() < 20, "the demo store took {made_in:?}");
}

#[test]
fn a_saved_export_lands_in_the_folder_under_a_plain_name() {
    let d = day_of_sales();
    let dir = tempfile::tempdir().unwrap();
    let input = |format: &str| ReportExportInput {
        language: None,
        report: "sales".into(),
        format: format.into(),
        from: Some(TODAY.into()),
        to: Some(TODAY.into()),
        by: Some("product".into()),
        with_cost: None,
        as_of: None,
    };
    let csv = d
        .api
        .report_save(input("csv"), &dir.path().join("exports"))
        .unwrap();
    let text = std::fs::read_to_string(&csv.path).unwrap();
    assert!(text.starts_with("key,product,orders"), "{text}");
    assert_eq!(csv.file_name, "sales-by-product-2026-11-22-2026-11-22.csv");
    let pdf = d
        .api
        .report_save(input("pdf"), &dir.path().join("exports"))
        .unwrap();
    assert!(std::fs::read(&pdf.path).unwrap().starts_with(b"%PDF"));
    // A bad format changes nothing on disk.
    assert!(
        d.api
            .report_save(input("xlsx"), &dir.path().join("exports"))
            .is_err()
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("exports"))
            .unwrap()
            .count(),
        2
    );
}
