//! A manager's report as PDF: what pdftotext reads back from it.

use kassa_documents::report::{BarChart, Column, ReportDocument, render};

fn doc(rows: usize) -> ReportDocument {
    ReportDocument {
        language: kassa_documents::Language::En,
        store_name: "Corner Shop".into(),
        store_header: vec!["1 Main Street".into()],
        title: "Sales by product".into(),
        filters: vec![("Period".into(), "2026-11-01 to 2026-11-30".into())],
        totals: vec![
            ("Gross".into(), "1234.56".into()),
            ("Net".into(), "-12.00".into()),
        ],
        chart: Some(BarChart {
            title: "Net sales (EUR)".into(),
            bars: (0..rows)
                .map(|i| {
                    (
                        format!("Item {i}"),
                        i as i64 * 100 - 300,
                        format!("{}.00", i as i64 - 3),
                    )
                })
                .collect(),
        }),
        columns: vec![
            Column {
                title: "product".into(),
                numeric: false,
            },
            Column {
                title: "net".into(),
                numeric: true,
            },
        ],
        rows: (0..rows)
            .map(|i| vec![format!("Item {i}"), format!("{}.00", i as i64 - 3)])
            .collect(),
    }
}

fn text_of(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_pdf_has_the_header_filters_totals_and_every_row_over_several_pages() {
    let pdf = render(&doc(120)).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let text = text_of(&pdf);
    for want in [
        "Corner Shop",
        "1 Main Street",
        "Sales by product",
        "Period: 2026-11-01 to 2026-11-30",
        "1234.56",
        "Net sales (EUR)",
        "Item 0",
        "Item 119",
        "116.00",
    ] {
        assert!(text.contains(want), "'{want}' missing from:\n{text}");
    }
    assert!(
        text.matches('\u{c}').count() >= 2,
        "the rows go on over pages"
    );
}
