//! Cash: rounding totals to the smallest coin in circulation, and counting a drawer.

use crate::error::{Error, Result};
use crate::money::Currency;

/// The cash-rounding step of a currency when a store has not set one: the smallest coin
/// used in practice, in minor units (1 = no rounding).
pub fn default_cash_step(currency: &Currency) -> i64 {
    match currency.code() {
        "CHF" | "CAD" | "AUD" => 5,
        "NZD" => 10,
        "DKK" => 50,
        "SEK" | "NOK" | "CZK" => 100,
        "HUF" => 500,
        _ => 1,
    }
}

/// `amount` rounded to the nearest multiple of `step` (halves up), and the rounding added.
pub fn round_cash(amount: i64, step: i64) -> Result<(i64, i64)> {
    if step <= 0 {
        return Err(Error::invalid_input(
            "the cash rounding step must be at least 1",
        ));
    }
    if step == 1 {
        return Ok((amount, 0));
    }
    let rem = amount.rem_euclid(step);
    let down = amount - rem;
    let rounded = if rem * 2 >= step {
        down.checked_add(step)
            .ok_or_else(|| Error::invalid_input("amount too large"))?
    } else {
        down
    };
    Ok((rounded, rounded - amount))
}

/// The notes and coins of a currency, largest first, in minor units.
pub fn denominations(currency: &Currency) -> Vec<i64> {
    let v: &[i64] = match currency.code() {
        "EUR" => &[
            50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50, 20, 10, 5, 2, 1,
        ],
        "CHF" => &[
            100_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50, 20, 10, 5,
        ],
        "GBP" => &[5_000, 2_000, 1_000, 500, 200, 100, 50, 20, 10, 5, 2, 1],
        "USD" => &[10_000, 5_000, 2_000, 1_000, 500, 200, 100, 25, 10, 5, 1],
        "SEK" => &[
            100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100,
        ],
        "NOK" => &[
            100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 100,
        ],
        "DKK" => &[
            100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50,
        ],
        "PLN" => &[
            50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50, 20, 10, 5, 2, 1,
        ],
        "CZK" => &[
            500_000, 200_000, 100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100,
        ],
        "JPY" => &[10_000, 5_000, 2_000, 1_000, 500, 100, 50, 10, 5, 1],
        _ => {
            // A currency without a table: count in major units and the common fractions.
            let unit = currency.minor_per_major();
            return [100, 50, 20, 10, 5, 2, 1]
                .iter()
                .map(|m| m * unit)
                .chain((unit > 1).then_some(unit / 2))
                .collect();
        }
    };
    v.to_vec()
}

/// The total of a drawer count: (denomination, how many) pairs. Refuses negative counts,
/// denominations the currency does not have, and overflow.
pub fn count_total(currency: &Currency, counts: &[(i64, i64)]) -> Result<i64> {
    let known = denominations(currency);
    let mut total = 0i64;
    for (denom, n) in counts {
        if !known.contains(denom) {
            return Err(Error::invalid_input(format!(
                "{denom} is not a note or coin of {currency}"
            )));
        }
        if *n < 0 {
            return Err(Error::invalid_input("a count cannot be negative"));
        }
        total = denom
            .checked_mul(*n)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| Error::invalid_input("the count is too large"))?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(c: &str) -> Currency {
        Currency::from_code(c).unwrap()
    }

    #[test]
    fn swiss_cash_rounds_to_five_rappen() {
        let step = default_cash_step(&cur("CHF"));
        assert_eq!(round_cash(1231, step).unwrap(), (1230, -1));
        assert_eq!(round_cash(1232, step).unwrap(), (1230, -2));
        assert_eq!(round_cash(1233, step).unwrap(), (1235, 2));
        assert_eq!(round_cash(1234, step).unwrap(), (1235, 1));
        assert_eq!(round_cash(1235, step).unwrap(), (1235, 0));
        assert_eq!(round_cash(1237, 1).unwrap(), (1237, 0));
        assert!(round_cash(10, 0).is_err());
    }

    #[test]
    fn a_count_adds_up_and_refuses_strange_coins() {
        let eur = cur("EUR");
        assert_eq!(
            count_total(&eur, &[(2000, 3), (100, 4), (5, 1)]).unwrap(),
            6405
        );
        assert!(count_total(&eur, &[(300, 1)]).is_err());
        assert!(count_total(&eur, &[(100, -1)]).is_err());
        assert!(count_total(&eur, &[(50_000, i64::MAX)]).is_err());
        assert!(denominations(&cur("ISK")).contains(&100));
    }
}
