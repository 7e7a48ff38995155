//! Card-number detection against a corpus of what people type into free-text fields.

use kassa_domain::catalog::gtin_check_digit;
use kassa_domain::pan::{find_pans, looks_like_pan};

/// `text` holds exactly the card number `pan`.
fn check_found(text: &str, pan: &str) {
    let found = find_pans(text.as_bytes());
    assert!(
        found.iter().any(|f| f == pan),
        "'{text}' should reveal {pan}, found {found:?}"
    );
}

/// `text` holds no card number.
fn check_clean(text: &str) {
    let found = find_pans(text.as_bytes());
    assert!(found.is_empty(), "'{text}' is not a card number: {found:?}");
}

/// A valid EAN-13 from its first twelve digits.
fn ean13(body: &str) -> String {
    let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
    format!("{body}{}", gtin_check_digit(&digits))
}

#[test]
fn card_numbers_are_found_however_they_are_typed() {
    for (text, pan) in [
        // One piece, in groups, with every separator people use.
        ("4111111111111111", "4111111111111111"),
        ("4111 1111 1111 1111", "4111111111111111"),
        ("4111  1111  1111  1111", "4111111111111111"),
        ("4111-1111-1111-1111", "4111111111111111"),
        ("4111.1111.1111.1111", "4111111111111111"),
        ("Amex 3782 822463 10005", "378282246310005"),
        ("Diners 3622 720627 1667", "36227206271667"),
        ("JCB 3530 1113 3330 0000", "3530111333300000"),
        ("Discover 6011-1111-1111-1117", "6011111111111117"),
        ("Mastercard 2223 0031 2200 3222", "2223003122003222"),
        ("UnionPay 6205500000000000004", "6205500000000000004"),
        ("old Visa 4222222222222", "4222222222222"),
        // Followed by its expiry date and security code.
        ("4111 1111 1111 1111 12/27", "4111111111111111"),
        ("4111 1111 1111 1111 1227 123", "4111111111111111"),
        ("4111111111111111 12 27 737", "4111111111111111"),
        ("5555555555554444 0330 123", "5555555555554444"),
        // Inside a longer run of digits, before and after other digits.
        ("41111111111111111227123", "4111111111111111"),
        ("ref 99 4111111111111111", "4111111111111111"),
        ("990041111111111111111", "4111111111111111"),
        // Between words and punctuation.
        ("card:4111111111111111;", "4111111111111111"),
        ("x4111111111111111y", "4111111111111111"),
        ("pay with 5555 5555 5555 4444 please", "5555555555554444"),
        (
            "Kunde zahlt mit 4111.1111.1111.1111, Ablauf 12/27",
            "4111111111111111",
        ),
        (
            "line one\n4111 1111 1111 1111\nline three",
            "4111111111111111",
        ),
        // Beside the ids and hashes that are masked, the card is still seen.
        (
            r#"{"id":"019abc12-3456-7def-8123-456789012345","note":"4111-1111-1111-1111"}"#,
            "4111111111111111",
        ),
        // A card is not a phone number just because a `+` comes before it.
        ("+4111111111111111", "4111111111111111"),
    ] {
        check_found(text, pan);
        assert!(looks_like_pan(text), "{text}");
    }
}

#[test]
fn phone_numbers_dates_ids_and_addresses_are_not_cards() {
    let negatives = [
        // Phone numbers, national and international.
        "+49 30 1234567",
        "+49 151 2345 6789",
        "+49 (0)30 1234 5678",
        "0049 151 2345 6789",
        "030 1234 5678",
        "0171 2345678",
        "+1 555 123 4567",
        "+1 (555) 123-4567",
        "1-800-555-0199",
        "+44 20 7946 0958",
        "Tel 030 1234567, mobil 0171 2345678",
        // Dates and times.
        "2026-12-03",
        "03.12.2026",
        "12/27",
        "2026-12-03 14:30",
        "03.12.2026 14.30 Uhr",
        "2026-11-22T10:00:00.000Z",
        "2026-12-03T06:04:20+00:00",
        "from 2026-12-03 to 2026-12-04",
        // Ids and hashes as code writes them.
        "019abc12-3456-7def-8123-456789012345",
        "01234567-8901-2345-6789-012345678901",
        "5cbf2ceed87b3a172db9b84bb4195727956649547527d9165209305d336523b3",
        r#"{"id":"019abc12-3456-7def-8123-456789012345","hash":"5cbf2ceed87b3a172db9b84bb4195727956649547527d9165209305d336523b3"}"#,
        // Order and receipt numbers, amounts, counts.
        "S01-01-000123",
        "CORN-01-000042",
        "order S01-01-000123, refund S01-01-000124",
        "1.234.567,89 EUR",
        "12 x 4.99",
        "123456789012",
        "4242424242424241",
        r#"{"price_minor":1999,"cost_minor":1000,"qty":3}"#,
        // Addresses.
        "Hauptstraße 12, 10115 Berlin",
        "Flat 4, 221B Baker Street, London NW1 6XE",
        "1600 Amphitheatre Parkway, Mountain View, CA 94043",
        "PO Box 1234, 90210",
        // Bank details: IBANs pass their own check and are not cards.
        "IBAN DE89 3704 0044 0532 0130 00",
        "DE89370400440532013000",
        "GB82 WEST 1234 5698 7654 32",
        "sort code 20-00-00 account 12345678",
        // Network and version numbers.
        "192.168.100.200",
        "v1.2.3",
    ];
    for text in negatives {
        check_clean(text);
    }
}

#[test]
fn barcodes_are_product_data_not_cards() {
    // An EAN-13 is 13 digits and about one in ten passes the Luhn check too; a valid
    // GTIN (12, 13 or 14 digits with its GS1 check digit) is read as a barcode.
    let luhn_valid_eans: Vec<String> = (0..200u64)
        .map(|n| ean13(&format!("400638{n:06}")))
        .filter(|c| {
            let d: Vec<u8> = c.bytes().map(|b| b - b'0').collect();
            kassa_domain::pan::luhn_valid(&d)
        })
        .collect();
    assert!(luhn_valid_eans.len() > 5, "{luhn_valid_eans:?}");
    for code in &luhn_valid_eans {
        check_clean(code);
        check_clean(&format!("received {code} damaged"));
    }
    // Several barcodes in a row (as a search index keeps them) are not one long number.
    check_clean(&luhn_valid_eans.join(" "));
    // A card typed beside a barcode is still found.
    check_found(
        &format!("{} 4111 1111 1111 1111", luhn_valid_eans[0]),
        "4111111111111111",
    );
}
