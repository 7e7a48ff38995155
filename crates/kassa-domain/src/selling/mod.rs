//! Selling's rules: pricing and tax, tenders, the order lifecycle, refunds and the cash drawer.

pub mod cash;
pub mod order;
pub mod pricing;
pub mod refund;
pub mod tender;

use crate::error::{Error, Result};

/// The most of one item on one line (and in one refund line).
pub const MAX_QUANTITY: i64 = 100_000;

/// `Ok` when `1 ≤ qty ≤ MAX_QUANTITY`.
pub fn check_quantity(qty: i64) -> Result<()> {
    if (1..=MAX_QUANTITY).contains(&qty) {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "the quantity must be between 1 and {MAX_QUANTITY}"
        )))
    }
}

/// `n / d` rounded to the nearest integer, halves away from zero. `d` must be positive.
pub(crate) fn div_round(n: i128, d: i128) -> i128 {
    debug_assert!(d > 0);
    let q = n / d;
    let r = n % d;
    if 2 * r.abs() >= d { q + n.signum() } else { q }
}

/// Splits `total` over `weights` in proportion, so the parts add up to `total` exactly
/// (largest remainder method; ties go to the earlier weight). Weights must be ≥ 0.
pub fn allocate(total: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
    if sum == 0 {
        let mut out = vec![0; weights.len()];
        if let Some(first) = out.first_mut() {
            *first = total;
        }
        return out;
    }
    let total_i = i128::from(total);
    let mut parts: Vec<(usize, i128, i128)> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let exact = total_i * i128::from(*w);
            (i, exact.div_euclid(sum), exact.rem_euclid(sum))
        })
        .collect();
    let given: i128 = parts.iter().map(|p| p.1).sum();
    let mut left = total_i - given;
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| parts[*b].2.cmp(&parts[*a].2).then(a.cmp(b)));
    for i in order {
        if left == 0 {
            break;
        }
        parts[i].1 += 1;
        left -= 1;
    }
    parts
        .into_iter()
        .map(|p| i64::try_from(p.1).unwrap_or(i64::MAX))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rounds_halves_away_from_zero() {
        assert_eq!(div_round(5, 2), 3);
        assert_eq!(div_round(4, 2), 2);
        assert_eq!(div_round(7, 3), 2);
        assert_eq!(div_round(-5, 2), -3);
        assert_eq!(div_round(-7, 3), -2);
    }

    proptest! {
        #[test]
        fn allocation_adds_up_and_stays_near_proportion(total in 0i64..1_000_000, weights in proptest::collection::vec(0i64..100_000, 1..12)) {
            let parts = allocate(total, &weights);
            prop_assert_eq!(parts.iter().sum::<i64>(), total);
            let sum: i64 = weights.iter().sum();
            if sum > 0 {
                for (p, w) in parts.iter().zip(&weights) {
                    let exact = total as f64 * *w as f64 / sum as f64;
                    prop_assert!((*p as f64 - exact).abs() < 1.0 + 1e-9);
                }
            }
        }
    }
}
