//! Refunds: never more than was paid per line, shared back over the original tenders.

use crate::error::{Error, Result};

/// The part of `line_total` that `units` of `line_qty` units carry, counting from the start.
/// `share(total, n, n) == total`, so returning every unit refunds exactly the line.
fn cumulative(line_total: i64, line_qty: i64, units: i64) -> i64 {
    let v = i128::from(line_total) * i128::from(units) / i128::from(line_qty);
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// What returning `qty` more units of a line refunds, when `already` were returned before.
///
/// The shares of every unit add up to the line's total exactly, so no sequence of partial
/// returns can refund more than the line cost.
pub fn line_refund(line_total: i64, line_qty: i64, already: i64, qty: i64) -> Result<i64> {
    if qty <= 0 {
        return Err(Error::invalid_input(
            "the quantity to return must be at least 1",
        ));
    }
    if line_qty <= 0 || already < 0 {
        return Err(Error::invalid_input("the line has nothing to return"));
    }
    let left = line_qty - already;
    if qty > left {
        return Err(Error::invalid_input(format!(
            "only {left} of {line_qty} can still be returned on this line"
        )));
    }
    Ok(cumulative(line_total, line_qty, already + qty) - cumulative(line_total, line_qty, already))
}

/// A tender of the original sale, with what was already refunded to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidTender {
    pub payment_id: String,
    /// What the tender paid towards the order (cash: net of change).
    pub applied_minor: i64,
    pub refunded_minor: i64,
}

/// Shares a refund over the original tenders, last paid first, never more than each paid.
pub fn refund_to_tenders(amount: i64, tenders: &[PaidTender]) -> Result<Vec<(String, i64)>> {
    if amount < 0 {
        return Err(Error::invalid_input("a refund cannot be negative"));
    }
    let mut left = amount;
    let mut out = Vec::new();
    for t in tenders.iter().rev() {
        if left == 0 {
            break;
        }
        let room = (t.applied_minor - t.refunded_minor).max(0);
        let take = room.min(left);
        if take > 0 {
            out.push((t.payment_id.clone(), take));
            left -= take;
        }
    }
    if left > 0 {
        return Err(Error::invalid_input(
            "the refund is larger than what is left of the payments",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn returning_every_unit_refunds_the_line_exactly() {
        assert_eq!(line_refund(1000, 3, 0, 1).unwrap(), 333);
        assert_eq!(line_refund(1000, 3, 1, 1).unwrap(), 333);
        assert_eq!(line_refund(1000, 3, 2, 1).unwrap(), 334);
        assert_eq!(line_refund(1000, 3, 0, 3).unwrap(), 1000);
        assert!(line_refund(1000, 3, 2, 2).is_err());
        assert!(line_refund(1000, 3, 0, 0).is_err());
    }

    #[test]
    fn refunds_go_back_to_the_last_tender_first_and_never_over() {
        let tenders = vec![
            PaidTender {
                payment_id: "card".into(),
                applied_minor: 1000,
                refunded_minor: 0,
            },
            PaidTender {
                payment_id: "cash".into(),
                applied_minor: 500,
                refunded_minor: 200,
            },
        ];
        assert_eq!(
            refund_to_tenders(700, &tenders).unwrap(),
            vec![("cash".into(), 300), ("card".into(), 400)]
        );
        assert!(refund_to_tenders(1301, &tenders).is_err());
    }

    proptest! {
        #[test]
        fn no_sequence_of_returns_exceeds_the_line(total in 0i64..1_000_000, qty in 1i64..40, cuts in proptest::collection::vec(1i64..5, 0..40)) {
            let mut returned = 0;
            let mut refunded = 0;
            for c in cuts {
                if let Ok(r) = line_refund(total, qty, returned, c) {
                    returned += c;
                    refunded += r;
                    prop_assert!(r >= 0);
                }
            }
            prop_assert!(refunded <= total);
            if returned == qty {
                prop_assert_eq!(refunded, total);
            }
        }
    }
}
