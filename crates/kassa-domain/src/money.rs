//! Money as integer minor units of an ISO 4217 currency. There are no floats here.

use crate::error::{Error, Result};
use std::fmt;

/// The largest amount Kassa takes as one input (a price, a tender, a cash movement, a float,
/// a voucher, a discount): 10^12 minor units, ten billion euros or a billion dinars. Sums of
/// bounded inputs stay far inside `i64`, so a shift, a day and a Z report always add up.
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000;

/// `Ok(amount)` when `0 ≤ amount ≤ MAX_AMOUNT_MINOR`, else `invalid_input` naming `what`.
pub fn check_amount(what: &str, amount: i64) -> Result<i64> {
    if amount < 0 {
        return Err(Error::invalid_input(format!("{what} cannot be negative")));
    }
    if amount > MAX_AMOUNT_MINOR {
        return Err(Error::invalid_input(format!(
            "{what} is larger than Kassa accepts ({MAX_AMOUNT_MINOR} minor units)"
        )));
    }
    Ok(amount)
}

/// An ISO 4217 currency that has minor units we can count in (EUR, CHF, JPY...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    inner: iso_currency::Currency,
    exponent: u8,
}

impl Currency {
    /// Parses a three-letter ISO 4217 code such as `EUR`; case-insensitive.
    pub fn from_code(code: &str) -> Result<Currency> {
        let upper = code.trim().to_ascii_uppercase();
        let inner = iso_currency::Currency::from_code(&upper).ok_or_else(|| {
            Error::invalid_input(format!(
                "'{code}' is not an ISO 4217 currency code (for example EUR, USD, CHF)"
            ))
        })?;
        // Funds, metals and testing codes (XAU, XTS...) have no minor unit to sell in.
        let exponent = inner.exponent().ok_or_else(|| {
            Error::invalid_input(format!("{upper} is not a currency a shop can sell in"))
        })?;
        let exponent = u8::try_from(exponent)
            .map_err(|_| Error::invalid_input(format!("{upper} has an unsupported minor unit")))?;
        Ok(Currency { inner, exponent })
    }

    /// The ISO 4217 code, e.g. `EUR`.
    pub fn code(&self) -> &'static str {
        self.inner.code()
    }

    /// Digits after the decimal point: 2 for EUR, 0 for JPY, 3 for KWD.
    pub fn exponent(&self) -> u8 {
        self.exponent
    }

    /// Minor units in one major unit: 100 for EUR, 1 for JPY.
    pub fn minor_per_major(&self) -> i64 {
        10_i64.pow(u32::from(self.exponent))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount in minor units of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    /// An amount of `minor` units of `currency`.
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Money {
        Money::new(0, currency)
    }

    /// Adds two amounts of the same currency; refuses mixed currencies and overflow.
    pub fn checked_add(self, other: Money) -> Result<Money> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or_else(|| Error::invalid_input("amount is too large"))?;
        Ok(Money::new(minor, self.currency))
    }

    /// Subtracts an amount of the same currency; refuses mixed currencies and overflow.
    pub fn checked_sub(self, other: Money) -> Result<Money> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_sub(other.minor)
            .ok_or_else(|| Error::invalid_input("amount is too large"))?;
        Ok(Money::new(minor, self.currency))
    }

    /// Multiplies by a whole quantity; refuses overflow.
    pub fn checked_mul(self, quantity: i64) -> Result<Money> {
        let minor = self
            .minor
            .checked_mul(quantity)
            .ok_or_else(|| Error::invalid_input("amount is too large"))?;
        Ok(Money::new(minor, self.currency))
    }

    fn same_currency(self, other: Money) -> Result<()> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(Error::invalid_input(format!(
                "cannot combine {} with {}",
                self.currency, other.currency
            )))
        }
    }
}

impl fmt::Display for Money {
    /// Plain form for logs and receipts' fallbacks, e.g. `EUR 12.34`; the UI formats by locale.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.currency,
            format_minor(self.minor, self.currency.exponent())
        )
    }
}

/// Renders minor units as a plain decimal string: `1234` with exponent 2 is `12.34`.
pub fn format_minor(minor: i64, exponent: u8) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if exponent == 0 {
        return format!("{sign}{abs}");
    }
    let unit = 10_u64.pow(u32::from(exponent));
    format!(
        "{sign}{}.{:0width$}",
        abs / unit,
        abs % unit,
        width = usize::from(exponent)
    )
}

/// Parses a plain decimal amount (`12.34`, `12`, `-0.5`) into minor units, exactly.
pub fn parse_major(text: &str, exponent: u8) -> Result<i64> {
    let bad = || Error::invalid_input(format!("'{text}' is not an amount"));
    let t = text.trim();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && frac.is_empty() {
        return Err(bad());
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    if frac.len() > usize::from(exponent) {
        return Err(Error::invalid_input(format!(
            "'{text}' has more decimals than the currency allows ({exponent})"
        )));
    }
    let too_large = || Error::invalid_input(format!("'{text}' is too large"));
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_large())?
    };
    let padded = format!("{frac:0<width$}", width = usize::from(exponent));
    let frac: i64 = if padded.is_empty() {
        0
    } else {
        padded.parse().map_err(|_| bad())?
    };
    let minor = whole
        .checked_mul(10_i64.pow(u32::from(exponent)))
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(too_large)?;
    Ok(if negative { -minor } else { minor })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn currencies_know_their_minor_units() {
        assert_eq!(Currency::from_code("eur").unwrap().exponent(), 2);
        assert_eq!(Currency::from_code("JPY").unwrap().exponent(), 0);
        assert_eq!(Currency::from_code("KWD").unwrap().exponent(), 3);
        assert_eq!(
            Currency::from_code("ZZZ").unwrap_err().code,
            crate::ErrorCode::InvalidInput
        );
        assert_eq!(
            Currency::from_code("XAU").unwrap_err().code,
            crate::ErrorCode::InvalidInput
        );
    }

    #[test]
    fn formats_and_parses_minor_units() {
        assert_eq!(format_minor(1234, 2), "12.34");
        assert_eq!(format_minor(-5, 2), "-0.05");
        assert_eq!(format_minor(7, 0), "7");
        assert_eq!(format_minor(1500, 3), "1.500");
        assert_eq!(parse_major("12.34", 2).unwrap(), 1234);
        assert_eq!(parse_major("12.3", 2).unwrap(), 1230);
        assert_eq!(parse_major("-0.05", 2).unwrap(), -5);
        assert_eq!(parse_major("7", 0).unwrap(), 7);
        assert!(parse_major("1.234", 2).is_err());
        assert!(parse_major("1e3", 2).is_err());
        assert!(parse_major("", 2).is_err());
        assert!(parse_major("99999999999999999999", 2).is_err());
    }

    #[test]
    fn refuses_mixed_currencies_and_overflow() {
        let eur = Currency::from_code("EUR").unwrap();
        let chf = Currency::from_code("CHF").unwrap();
        assert!(Money::new(1, eur).checked_add(Money::new(1, chf)).is_err());
        assert!(
            Money::new(i64::MAX, eur)
                .checked_add(Money::new(1, eur))
                .is_err()
        );
        assert!(Money::new(i64::MAX, eur).checked_mul(2).is_err());
    }

    proptest! {
        #[test]
        fn format_then_parse_is_identity(minor in -1_000_000_000_000i64..1_000_000_000_000, exp in 0u8..4) {
            prop_assert_eq!(parse_major(&format_minor(minor, exp), exp).unwrap(), minor);
        }
    }
}
