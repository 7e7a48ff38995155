//! Commission arithmetic: rates in basis points, earnings rounded half up per entry, and
//! reversals in proportion to the money given back, so that giving back everything received
//! reverses exactly what was earned, to the minor unit.

use crate::{Error, Result};

/// The largest rate: 10000 basis points, all of it.
pub const MAX_RATE_BP: u32 = 10_000;

/// Checks a rate in basis points (0 to 10000).
pub fn check_rate(rate_bp: i64) -> Result<u32> {
    u32::try_from(rate_bp)
        .ok()
        .filter(|r| *r <= MAX_RATE_BP)
        .ok_or_else(|| {
            Error::invalid_input(format!(
                "a commission rate is 0 to {MAX_RATE_BP} basis points (500 = 5 %), not {rate_bp}"
            ))
        })
}

/// `numerator / denominator` rounded half away from zero (`denominator > 0`).
fn div_half_up(numerator: i128, denominator: i128) -> i128 {
    let half = denominator / 2;
    if numerator >= 0 {
        (numerator + half) / denominator
    } else {
        -((-numerator + half) / denominator)
    }
}

/// The commission on `base_minor` at `rate_bp`, rounded half up (away from zero).
pub fn earned(base_minor: i64, rate_bp: u32) -> i64 {
    let v = div_half_up(i128::from(base_minor) * i128::from(rate_bp), 10_000);
    i64::try_from(v).unwrap_or(if base_minor < 0 { i64::MIN } else { i64::MAX })
}

/// How much of `earned_minor` stands reversed once `given_back_minor` of `received_minor` has
/// been given back in all: in proportion, rounded half up, and all of it once everything
/// received was given back. Each reversal entry is this minus what earlier entries reversed,
/// so the entries of partial refunds add up to the full amount at the last one.
pub fn reversed_after(earned_minor: i64, given_back_minor: i64, received_minor: i64) -> i64 {
    if earned_minor <= 0 || given_back_minor <= 0 || received_minor <= 0 {
        return 0;
    }
    if given_back_minor >= received_minor {
        return earned_minor;
    }
    let v = div_half_up(
        i128::from(earned_minor) * i128::from(given_back_minor),
        i128::from(received_minor),
    );
    i64::try_from(v).unwrap_or(earned_minor).min(earned_minor)
}

/// Which rate a booking's agent earns at: the trip's if it has one, else the agent's, else the
/// store's default (0 there means none).
pub fn booking_rate(trip_bp: Option<u32>, agent_bp: Option<u32>, store_default_bp: u32) -> u32 {
    trip_bp.or(agent_bp).unwrap_or(store_default_bp)
}

/// Which rate a seller earns on a sale's line: the line's category's if it has one, else the
/// seller's own; none (0) unless the store set one of them.
pub fn sale_rate(category_bp: Option<u32>, seller_bp: Option<u32>) -> u32 {
    category_bp.or(seller_bp).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn earnings_round_half_up_per_entry() {
        assert_eq!(earned(10_000, 500), 500);
        assert_eq!(earned(10, 500), 1); // 0.5 rounds up
        assert_eq!(earned(9, 500), 0); // 0.45 rounds down
        assert_eq!(earned(33_333, 250), 833); // 833.325
        assert_eq!(earned(-10, 500), -1);
        assert_eq!(earned(0, 500), 0);
    }

    #[test]
    fn the_trip_outranks_the_agent_and_the_agent_the_store() {
        assert_eq!(booking_rate(Some(700), Some(500), 300), 700);
        assert_eq!(booking_rate(Some(0), Some(500), 300), 0);
        assert_eq!(booking_rate(None, Some(500), 300), 500);
        assert_eq!(booking_rate(None, None, 300), 300);
        assert_eq!(booking_rate(None, None, 0), 0);
        assert_eq!(sale_rate(Some(200), Some(100)), 200);
        assert_eq!(sale_rate(None, Some(100)), 100);
        assert_eq!(sale_rate(None, None), 0);
    }

    #[test]
    fn rates_outside_0_to_10000_are_refused() {
        assert_eq!(check_rate(500).unwrap(), 500);
        assert!(check_rate(-1).is_err());
        assert!(check_rate(10_001).is_err());
    }

    proptest! {
        /// Payments earn entry by entry; refunds in any steps reverse in proportion, never
        /// more than was earned, and giving everything back reverses exactly what was earned.
        #[test]
        fn refunds_in_any_steps_reverse_exactly_what_was_earned(
            payments in proptest::collection::vec(1i64..5_000_000, 1..4),
            rate in 0u32..=10_000,
            cuts in proptest::collection::vec(1u32..100, 0..5),
        ) {
            let received: i64 = payments.iter().sum();
            let earned_total: i64 = payments.iter().map(|p| earned(*p, rate)).sum();
            let mut given_back = 0;
            let mut reversed = 0;
            for c in cuts {
                let left = received - given_back;
                let step = (left * i64::from(c) / 100).max(1).min(left);
                if step == 0 { break; }
                given_back += step;
                let entry = reversed_after(earned_total, given_back, received) - reversed;
                prop_assert!(entry >= 0);
                reversed += entry;
                prop_assert!(reversed <= earned_total);
            }
            let last = reversed_after(earned_total, received, received) - reversed;
            reversed += last;
            prop_assert_eq!(reversed, earned_total);
        }
    }
}
