//! Catalog rules: SKUs, barcodes with their check digits, tax classes and their arithmetic.

use crate::error::{Error, Result};

/// What kind of code a barcode is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BarcodeKind {
    /// 13-digit GTIN (EAN-13, also JAN and ISBN-13).
    Ean13,
    /// 12-digit GTIN used in North America.
    UpcA,
    /// 8-digit GTIN for small packs.
    Ean8,
    /// Any other code a shop prints itself: letters, digits and punctuation.
    Other,
}

impl BarcodeKind {
    /// The kind's name on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            BarcodeKind::Ean13 => "ean13",
            BarcodeKind::UpcA => "upca",
            BarcodeKind::Ean8 => "ean8",
            BarcodeKind::Other => "other",
        }
    }
}

/// The GS1 check digit of `body` (the digits without the check digit).
///
/// Weights alternate 3 and 1 from the rightmost digit of the body, which is why one
/// function serves EAN-8, UPC-A and EAN-13.
pub fn gtin_check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(*d) * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Checks a barcode and says what it is.
///
/// A code of 8, 12 or 13 digits is a GTIN and must carry the right check digit, because
/// that is what scanners read and a wrong digit is almost always a typo. Anything else
/// (letters, other lengths) is a free-form code of up to 64 printable characters.
pub fn classify_barcode(code: &str) -> Result<(String, BarcodeKind)> {
    let c = code.trim();
    if c.is_empty() {
        return Err(Error::invalid_input("a barcode cannot be empty"));
    }
    if c.chars().count() > 64 {
        return Err(Error::invalid_input(format!(
            "barcode '{c}' is longer than 64 characters"
        )));
    }
    if c.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
        return Err(Error::invalid_input(format!(
            "barcode '{c}' contains spaces or control characters"
        )));
    }
    if c.bytes().all(|b| b.is_ascii_digit()) {
        let kind = match c.len() {
            13 => Some(BarcodeKind::Ean13),
            12 => Some(BarcodeKind::UpcA),
            8 => Some(BarcodeKind::Ean8),
            _ => None,
        };
        if let Some(kind) = kind {
            let digits: Vec<u8> = c.bytes().map(|b| b - b'0').collect();
            let (body, check) = digits.split_at(digits.len() - 1);
            let want = gtin_check_digit(body);
            if check[0] != want {
                return Err(Error::invalid_input(format!(
                    "barcode {c} is not a valid {}: its check digit should be {want}, not {}",
                    match kind {
                        BarcodeKind::Ean13 => "EAN-13",
                        BarcodeKind::UpcA => "UPC-A",
                        _ => "EAN-8",
                    },
                    check[0]
                )));
            }
            return Ok((c.to_string(), kind));
        }
    }
    Ok((c.to_string(), BarcodeKind::Other))
}

/// The other spelling a scanner may send for the same GTIN: a UPC-A is an EAN-13 with a
/// leading zero, and some scanners add or drop that zero.
pub fn alternate_gtin(code: &str) -> Option<String> {
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match code.len() {
        12 => Some(format!("0{code}")),
        13 if code.starts_with('0') => Some(code[1..].to_string()),
        _ => None,
    }
}

/// Checks a SKU: 1–64 characters, no spaces, no control characters and no `=`
/// (the CLI writes sale lines as `SKU=QTY`).
pub fn validate_sku(sku: &str) -> Result<String> {
    let s = sku.trim();
    if s.is_empty() {
        return Err(Error::invalid_input("the SKU is required"));
    }
    if s.chars().count() > 64 {
        return Err(Error::invalid_input(format!(
            "SKU '{s}' is longer than 64 characters"
        )));
    }
    if s.chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '=')
    {
        return Err(Error::invalid_input(format!(
            "SKU '{s}' may not contain spaces, control characters or '='"
        )));
    }
    Ok(s.to_string())
}

/// Checks a name-like text field: trimmed, 1..=max characters, no control characters.
pub fn validate_text(value: &str, field: &str, max: usize, required: bool) -> Result<String> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(Error::invalid_input(format!("the {field} is required")));
    }
    if v.chars().count() > max {
        return Err(Error::invalid_input(format!(
            "the {field} is longer than {max} characters"
        )));
    }
    if v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::invalid_input(format!(
            "the {field} contains control characters"
        )));
    }
    Ok(v.to_string())
}

/// Checks a price or cost in minor units: not negative, below a trillion major units.
pub fn validate_amount(minor: i64, field: &str) -> Result<i64> {
    if minor < 0 {
        return Err(Error::invalid_input(format!(
            "the {field} cannot be negative"
        )));
    }
    if minor > 100_000_000_000_000 {
        return Err(Error::invalid_input(format!("the {field} is too large")));
    }
    Ok(minor)
}

/// Sold goods or a service (no stock).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProductKind {
    Product,
    Service,
}

impl ProductKind {
    /// The kind's name on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ProductKind::Product => "product",
            ProductKind::Service => "service",
        }
    }

    /// Parses `product` or `service`.
    pub fn parse(s: &str) -> Result<ProductKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "product" | "" => Ok(ProductKind::Product),
            "service" => Ok(ProductKind::Service),
            other => Err(Error::invalid_input(format!(
                "'{other}' is not a kind of item (product or service)"
            ))),
        }
    }
}

/// A tax rate in basis points (1900 = 19 %) and whether shelf prices include it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxRate {
    pub basis_points: i64,
    /// True: the price is what the customer pays, tax included (shelf price).
    pub inclusive: bool,
}

impl TaxRate {
    /// Checks the rate: 0 to 10,000 basis points (0 % to 100 %).
    pub fn new(basis_points: i64, inclusive: bool) -> Result<TaxRate> {
        if !(0..=10_000).contains(&basis_points) {
            return Err(Error::invalid_input(format!(
                "a tax rate must be between 0 and 10000 basis points (100 %), not {basis_points}"
            )));
        }
        Ok(TaxRate {
            basis_points,
            inclusive,
        })
    }

    /// The tax part of `price_minor` and the gross the customer pays, rounded half away
    /// from zero to the minor unit: an inclusive price already holds its tax, an exclusive
    /// one gets it added.
    pub fn split(self, price_minor: i64) -> (i64, i64) {
        let bp = i128::from(self.basis_points);
        let p = i128::from(price_minor);
        let tax = if self.inclusive {
            div_round(p * bp, 10_000 + bp)
        } else {
            div_round(p * bp, 10_000)
        };
        // Both fit: |tax| <= |price| for rates up to 100 % of an i64 price.
        let tax = i64::try_from(tax).unwrap_or(i64::MAX);
        let gross = if self.inclusive {
            price_minor
        } else {
            price_minor.saturating_add(tax)
        };
        (tax, gross)
    }
}

fn div_round(n: i128, d: i128) -> i128 {
    let q = n / d;
    let r = n % d;
    if 2 * r.abs() >= d { q + n.signum() } else { q }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_gtins_pass_and_a_changed_digit_is_caught() {
        for (code, kind) in [
            ("4006381333931", BarcodeKind::Ean13),
            ("4000417025005", BarcodeKind::Ean13),
            ("036000291452", BarcodeKind::UpcA),
            ("96385074", BarcodeKind::Ean8),
            ("SHOP-0042", BarcodeKind::Other),
            ("12345", BarcodeKind::Other),
        ] {
            assert_eq!(classify_barcode(code).unwrap(), (code.to_string(), kind));
        }
        for bad in ["4006381333932", "036000291453", "96385075"] {
            let e = classify_barcode(bad).unwrap_err();
            assert_eq!(e.code, crate::ErrorCode::InvalidInput);
            assert!(e.message.contains("check digit"), "{}", e.message);
        }
        assert!(classify_barcode("").is_err());
        assert!(classify_barcode("12 34").is_err());
        assert!(classify_barcode(&"9".repeat(65)).is_err());
    }

    #[test]
    fn every_single_digit_error_in_an_ean13_is_detected() {
        let good = b"4006381333931";
        for pos in 0..13 {
            for d in b'0'..=b'9' {
                if d == good[pos] {
                    continue;
                }
                let mut c = good.to_vec();
                c[pos] = d;
                let s = String::from_utf8(c).unwrap();
                assert!(classify_barcode(&s).is_err(), "{s} passed");
            }
        }
    }

    #[test]
    fn upc_a_and_its_ean13_spelling_are_alternates() {
        assert_eq!(
            alternate_gtin("036000291452").as_deref(),
            Some("0036000291452")
        );
        assert_eq!(
            alternate_gtin("0036000291452").as_deref(),
            Some("036000291452")
        );
        assert_eq!(alternate_gtin("4006381333931"), None);
        assert_eq!(alternate_gtin("ABC"), None);
    }

    #[test]
    fn skus_refuse_spaces_and_equals() {
        assert_eq!(validate_sku(" CAF-001 ").unwrap(), "CAF-001");
        assert!(validate_sku("").is_err());
        assert!(validate_sku("A B").is_err());
        assert!(validate_sku("A=B").is_err());
    }

    #[test]
    fn tax_is_split_out_of_inclusive_prices_and_added_to_exclusive_ones() {
        let vat19 = TaxRate::new(1900, true).unwrap();
        // 2.49 incl. 19 %: tax 249 × 19/119 = 39.76 cents, rounded to 40; net 2.09.
        assert_eq!(vat19.split(249), (40, 249));
        let vat7 = TaxRate::new(700, true).unwrap();
        assert_eq!(vat7.split(107), (7, 107));
        let excl = TaxRate::new(1900, false).unwrap();
        assert_eq!(excl.split(1000), (190, 1190));
        assert_eq!(excl.split(-1000), (-190, -1190));
        assert_eq!(TaxRate::new(0, true).unwrap().split(500), (0, 500));
        assert!(TaxRate::new(10_001, true).is_err());
        assert!(TaxRate::new(-1, true).is_err());
    }
}
