//! One receipt, three renderings that say the same thing.

use kassa_documents::{
    Labels, Receipt, ReceiptKind, ReceiptLine, ReceiptTax, ReceiptTender, escpos, html, pdf,
};
use kassa_domain::money::Currency;
use std::path::PathBuf;

fn sample(labels: &'static Labels) -> Receipt {
    Receipt {
        kind: ReceiptKind::Sale,
        store_name: "Corner Shop".into(),
        header_lines: vec![
            "Hauptstraße 1, 10115 Berlin".into(),
            "VAT DE123456789".into(),
        ],
        number: "CORN-01-000042".into(),
        refers_to: None,
        date_time: "22.11.2026 14:32".into(),
        staff_name: "Cleo Cashier".into(),
        device_code: "01".into(),
        customer: None,
        currency: Currency::from_code("EUR").unwrap(),
        lines: vec![
            ReceiptLine {
                name: "Oat milk <barista>".into(),
                quantity: 3,
                unit_price_minor: 249,
                discount_minor: 0,
                total_minor: 747,
                tax_letter: 'B',
            },
            ReceiptLine {
                name: "Mug 'Kassa'".into(),
                quantity: 1,
                unit_price_minor: 1999,
                discount_minor: 200,
                total_minor: 1799,
                tax_letter: 'A',
            },
        ],
        subtotal_minor: 2746,
        discount_minor: 200,
        total_minor: 2546,
        rounding_minor: 0,
        taxes: vec![
            ReceiptTax {
                letter: 'A',
                rate_bp: 1900,
                net_minor: 1512,
                tax_minor: 287,
                gross_minor: 1799,
            },
            ReceiptTax {
                letter: 'B',
                rate_bp: 700,
                net_minor: 698,
                tax_minor: 49,
                gross_minor: 747,
            },
        ],
        tenders: vec![
            ReceiptTender {
                label: "Card".into(),
                amount_minor: 1000,
                detail: Some("VISA •••• 4242 — authorised offline, pending".into()),
            },
            ReceiptTender {
                label: "Cash".into(),
                amount_minor: 2000,
                detail: None,
            },
        ],
        change_minor: 454,
        footer_lines: vec!["Thank you — returns within 30 days with this receipt.".into()],
        labels,
    }
}

fn out_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/documents");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn escpos_bytes_select_pc858_print_bold_totals_a_barcode_and_cut() {
    let r = sample(&Labels::EN);
    let bytes = escpos::render(&r, true).unwrap();
    std::fs::write(out_dir().join("receipt.escpos"), &bytes).unwrap();
    assert!(bytes.starts_with(&[0x1b, b'@']), "initialise first");
    assert!(
        contains(&bytes, &[0x1b, b't', 19]),
        "code page PC858 (with the euro sign)"
    );
    assert!(contains(&bytes, &[0x1b, b'p', 0]), "drawer pulse on pin 2");
    assert!(contains(&bytes, &[0x1b, b'E', 1]), "bold on");
    assert!(contains(&bytes, &[0x1d, b'k']), "a barcode");
    assert!(contains(&bytes, b"CORN-01-000042"));
    assert!(contains(&bytes, b"TOTAL EUR"));
    assert!(contains(&bytes, b"25.46"));
    assert!(contains(&bytes, b"4.54"), "change");
    assert!(
        contains(
            &bytes,
            &[
                b'H', b'a', b'u', b'p', b't', b's', b't', b'r', b'a', 0xe1, b'e'
            ]
        ),
        "ß in PC858"
    );
    assert!(contains(&bytes, &[b'-'; 48]), "rules are plain hyphens");
    let cut = [0x1d, b'V'];
    let last_cut = bytes.windows(2).rposition(|w| w == cut).expect("a cut");
    assert!(last_cut > bytes.len() - 8, "the cut comes last");
    // Characters outside the code page are replaced, not sent as UTF-8.
    assert!(contains(
        &bytes,
        b"VISA **** 4242 - authorised offline, pending"
    ));
    assert!(!contains(&bytes, "•".as_bytes()));
    // No line is wider than the paper: lines end with "print and feed one line" (ESC d 1).
    let text: Vec<u8> = bytes
        .iter()
        .map(|b| if *b == 0x1b { b'\n' } else { *b })
        .collect();
    for line in text.split(|b| *b == b'\n') {
        let printable = line.iter().filter(|b| **b >= 0x20 && **b < 0x7f).count();
        assert!(
            printable <= 48 + 2,
            "line too wide: {}",
            String::from_utf8_lossy(line)
        );
    }
}

#[test]
fn without_a_drawer_pulse_the_drawer_stays_shut() {
    let bytes = escpos::render(&sample(&Labels::EN), false).unwrap();
    assert!(!contains(&bytes, &[0x1b, b'p', 0]));
}

#[test]
fn html_preview_escapes_names_and_draws_the_barcode() {
    let r = sample(&Labels::DE);
    let page = html::render(&r).unwrap();
    std::fs::write(out_dir().join("receipt.html"), &page).unwrap();
    assert!(
        page.contains("Oat milk &lt;barista&gt;"),
        "names are escaped"
    );
    assert!(!page.contains("<barista>"));
    assert!(page.contains("SUMME EUR"));
    assert!(page.contains("25,46"), "German decimal comma");
    assert!(
        page.contains("<svg") && page.contains("<rect"),
        "barcode drawn"
    );
    assert!(page.contains("Rückgeld"));
}

#[test]
fn pdf_holds_the_same_text() {
    let r = sample(&Labels::EN);
    let bytes = pdf::render(&r).unwrap();
    let path = out_dir().join("receipt.pdf");
    std::fs::write(&path, &bytes).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let text = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by scripts/deps.sh");
    assert!(text.status.success(), "pdftotext could read the PDF");
    let text = String::from_utf8_lossy(&text.stdout);
    for needle in [
        "Corner Shop",
        "CORN-01-000042",
        "TOTAL EUR",
        "25.46",
        "Oat milk <barista>",
        "Change",
        "4.54",
        "Hauptstraße",
    ] {
        assert!(text.contains(needle), "the PDF lacks '{needle}':\n{text}");
    }
}

#[test]
fn a_refund_receipt_shows_negative_amounts_and_the_original() {
    let mut r = sample(&Labels::EN);
    r.kind = ReceiptKind::Refund;
    r.refers_to = Some("CORN-01-000041".into());
    r.change_minor = 0;
    let page = html::render(&r).unwrap();
    assert!(page.contains("Refund CORN-01-000042"));
    assert!(page.contains("Refund of receipt CORN-01-000041"));
    assert!(page.contains("-25.46"));
}

#[test]
fn the_receipts_words_come_from_its_language_value() {
    use kassa_documents::receipt::Language;
    for (code, lang) in [
        ("de", Language::De),
        ("de-AT", Language::De),
        (" DE ", Language::De),
        ("en", Language::En),
        ("fr", Language::En),
        ("", Language::En),
    ] {
        assert_eq!(Language::from_code(code), lang, "{code:?}");
        assert_eq!(Labels::for_language(code).language, lang);
    }
    let de = Language::De.labels();
    assert_eq!(
        [de.tender("cash"), de.tender("card"), de.tender("voucher")],
        ["Bar", "Karte", "Gutschein"]
    );
    let en = Language::En.labels();
    assert_eq!(
        [en.tender("cash"), en.tender("card"), en.tender("voucher")],
        ["Cash", "Card", "Voucher"]
    );
    // A copy of the German words is still German: nothing compares addresses.
    let copy = de.clone();
    assert_eq!(copy.language, Language::De);
}

/// A receipt travels as JSON (an emailed receipt, whose PDF the server renders) and comes back
/// the same: currency, language and every line.
#[test]
fn a_receipt_comes_back_whole_from_its_json() {
    for labels in [Labels::for_language("en"), Labels::for_language("de")] {
        let r = sample(labels);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["currency"], "EUR");
        assert_eq!(
            json["language"],
            if labels.decimal == ',' { "de" } else { "en" }
        );
        let back: Receipt = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
        assert_eq!(html::render(&back).unwrap(), html::render(&r).unwrap());
    }
    let mut bad = serde_json::to_value(sample(Labels::for_language("en"))).unwrap();
    bad["currency"] = serde_json::json!("XYZ");
    assert!(serde_json::from_value::<Receipt>(bad).is_err());
}
