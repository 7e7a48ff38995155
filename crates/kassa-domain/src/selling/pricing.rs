//! Cart pricing: line and order discounts, inclusive and exclusive tax, and rounding that
//! reconciles to the minor unit.
//!
//! Each line is rounded once, half away from zero, and everything else is a sum of lines:
//! the receipt's lines add up to its total, and for every tax rate net + tax = gross exactly.
//! An order discount is shared over the lines in proportion to what each line costs the
//! customer (largest remainder), so the shares add up to the discount exactly.

use super::{allocate, div_round};
use crate::error::{Error, Result};

/// 100 % in basis points.
pub const FULL_BP: i64 = 10_000;

/// A line's tax: its rate in basis points of 100 % (1900 = 19 %) and whether the shelf price
/// includes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tax {
    pub rate_bp: u32,
    pub inclusive: bool,
}

impl Tax {
    /// No tax at all (a product without a tax class).
    pub const NONE: Tax = Tax {
        rate_bp: 0,
        inclusive: true,
    };
}

/// A discount: a share in basis points, or an amount in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Discount {
    #[default]
    None,
    /// 1000 = 10 %.
    Percent(u32),
    /// Minor units off.
    Amount(i64),
}

/// A cart line as priced: shelf unit price, quantity, tax and discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineInput {
    /// The shelf price of one unit: with tax when `tax.inclusive`, without otherwise.
    pub unit_price_minor: i64,
    pub quantity: i64,
    pub tax: Tax,
    pub discount: Discount,
}

/// A priced line. All amounts are minor units; `total = net + tax`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PricedLine {
    /// What the line costs the customer before any discount.
    pub gross_minor: i64,
    /// The line's own discount, in what the customer pays.
    pub line_discount_minor: i64,
    /// The line's share of the order discount, in what the customer pays.
    pub order_discount_minor: i64,
    pub net_minor: i64,
    pub tax_minor: i64,
    /// What the customer pays for the line.
    pub total_minor: i64,
}

/// Tax collected at one rate, for the receipt's tax table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxLine {
    pub rate_bp: u32,
    pub net_minor: i64,
    pub tax_minor: i64,
    pub gross_minor: i64,
}

/// A priced cart.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PricedCart {
    pub lines: Vec<PricedLine>,
    /// Sum of the lines' gross before discounts.
    pub subtotal_minor: i64,
    /// Line and order discounts together.
    pub discount_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    /// One entry per tax rate, lowest rate first.
    pub taxes: Vec<TaxLine>,
}

fn overflow() -> Error {
    Error::invalid_input("the amounts are too large")
}

fn to_i64(v: i128) -> Result<i64> {
    i64::try_from(v).map_err(|_| overflow())
}

/// Tax on a net amount.
fn tax_on_net(net: i64, rate_bp: u32) -> Result<i64> {
    to_i64(div_round(
        i128::from(net) * i128::from(rate_bp),
        i128::from(FULL_BP),
    ))
}

/// Tax contained in a gross amount.
fn tax_in_gross(gross: i64, rate_bp: u32) -> Result<i64> {
    let rate = i128::from(rate_bp);
    to_i64(div_round(
        i128::from(gross) * rate,
        i128::from(FULL_BP) + rate,
    ))
}

/// What `amount` in the line's price basis costs the customer.
fn payable(amount: i64, tax: Tax) -> Result<i64> {
    if tax.inclusive {
        Ok(amount)
    } else {
        amount
            .checked_add(tax_on_net(amount, tax.rate_bp)?)
            .ok_or_else(overflow)
    }
}

/// Prices a cart: each line's discount, then the order discount shared over the lines.
pub fn price_cart(lines: &[LineInput], order_discount: Discount) -> Result<PricedCart> {
    struct Step {
        tax: Tax,
        gross: i64,
        after_line_basis: i64,
        line_discount: i64,
        payable: i64,
    }
    let mut steps = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let n = i + 1;
        if l.quantity <= 0 {
            return Err(Error::invalid_input(format!(
                "line {n}: the quantity must be at least 1"
            )));
        }
        if l.unit_price_minor < 0 {
            return Err(Error::invalid_input(format!(
                "line {n}: the price cannot be negative"
            )));
        }
        if i64::from(l.tax.rate_bp) > FULL_BP {
            return Err(Error::invalid_input(format!(
                "line {n}: a tax rate above 100 % is not a tax rate"
            )));
        }
        let base = l
            .unit_price_minor
            .checked_mul(l.quantity)
            .ok_or_else(overflow)?;
        let off_basis = match l.discount {
            Discount::None => 0,
            Discount::Percent(bp) if i64::from(bp) <= FULL_BP => to_i64(div_round(
                i128::from(base) * i128::from(bp),
                i128::from(FULL_BP),
            ))?,
            Discount::Percent(_) => {
                return Err(Error::invalid_input(format!(
                    "line {n}: a discount cannot be more than 100 %"
                )));
            }
            Discount::Amount(a) if (0..=base).contains(&a) => a,
            Discount::Amount(_) => {
                return Err(Error::invalid_input(format!(
                    "line {n}: the discount must be between 0 and the line's price"
                )));
            }
        };
        let after = base - off_basis;
        let gross = payable(base, l.tax)?;
        let payable_after = payable(after, l.tax)?;
        steps.push(Step {
            tax: l.tax,
            gross,
            after_line_basis: after,
            line_discount: gross - payable_after,
            payable: payable_after,
        });
    }
    let payable_sum: i64 = steps
        .iter()
        .try_fold(0i64, |acc, s| acc.checked_add(s.payable))
        .ok_or_else(overflow)?;
    let order_off = match order_discount {
        Discount::None => 0,
        Discount::Percent(bp) if i64::from(bp) <= FULL_BP => to_i64(div_round(
            i128::from(payable_sum) * i128::from(bp),
            i128::from(FULL_BP),
        ))?,
        Discount::Percent(_) => {
            return Err(Error::invalid_input(
                "an order discount cannot be more than 100 %",
            ));
        }
        Discount::Amount(a) if (0..=payable_sum).contains(&a) => a,
        Discount::Amount(_) => {
            return Err(Error::invalid_input(
                "the order discount must be between 0 and the order's total",
            ));
        }
    };
    let shares = allocate(
        order_off,
        &steps.iter().map(|s| s.payable).collect::<Vec<_>>(),
    );

    let mut cart = PricedCart::default();
    for (s, share) in steps.iter().zip(shares) {
        let (net, tax, total) = if share == 0 && !s.tax.inclusive {
            // Tax-exclusive prices: tax on the net, as on an invoice.
            let net = s.after_line_basis;
            let tax = tax_on_net(net, s.tax.rate_bp)?;
            (net, tax, net + tax)
        } else {
            // What the customer pays is fixed; the tax is the part of it at this rate.
            let total = s.payable - share;
            let tax = tax_in_gross(total, s.tax.rate_bp)?;
            (total - tax, tax, total)
        };
        cart.lines.push(PricedLine {
            gross_minor: s.gross,
            line_discount_minor: s.line_discount,
            order_discount_minor: share,
            net_minor: net,
            tax_minor: tax,
            total_minor: total,
        });
    }
    for (l, s) in cart.lines.iter().zip(&steps) {
        cart.subtotal_minor = cart
            .subtotal_minor
            .checked_add(l.gross_minor)
            .ok_or_else(overflow)?;
        cart.discount_minor += l.line_discount_minor + l.order_discount_minor;
        cart.tax_minor += l.tax_minor;
        cart.total_minor = cart
            .total_minor
            .checked_add(l.total_minor)
            .ok_or_else(overflow)?;
        match cart.taxes.iter_mut().find(|t| t.rate_bp == s.tax.rate_bp) {
            Some(t) => {
                t.net_minor += l.net_minor;
                t.tax_minor += l.tax_minor;
                t.gross_minor += l.total_minor;
            }
            None => cart.taxes.push(TaxLine {
                rate_bp: s.tax.rate_bp,
                net_minor: l.net_minor,
                tax_minor: l.tax_minor,
                gross_minor: l.total_minor,
            }),
        }
    }
    cart.taxes.sort_by_key(|t| t.rate_bp);
    Ok(cart)
}

/// The share, in basis points, that the line and order discounts together take off the
/// undiscounted cart: what `sell.max_discount_bp` limits.
pub fn combined_discount_bp(lines: &[LineInput], order_discount: Discount) -> Result<i64> {
    let priced = price_cart(lines, order_discount)?;
    Ok(discount_share_bp(
        priced.discount_minor,
        priced.subtotal_minor,
    ))
}

/// The share of `whole` that a discount of `discount_minor` is, in basis points (rounded up),
/// for comparing against a discount limit.
pub fn discount_share_bp(discount_minor: i64, whole_minor: i64) -> i64 {
    if whole_minor <= 0 || discount_minor <= 0 {
        return 0;
    }
    let n = i128::from(discount_minor) * i128::from(FULL_BP);
    let d = i128::from(whole_minor);
    i64::try_from((n + d - 1) / d).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VAT19: Tax = Tax {
        rate_bp: 1900,
        inclusive: true,
    };
    const VAT7: Tax = Tax {
        rate_bp: 700,
        inclusive: true,
    };
    const NET19: Tax = Tax {
        rate_bp: 1900,
        inclusive: false,
    };

    fn line(price: i64, qty: i64, tax: Tax) -> LineInput {
        LineInput {
            unit_price_minor: price,
            quantity: qty,
            tax,
            discount: Discount::None,
        }
    }

    fn reconciles(c: &PricedCart) {
        assert_eq!(
            c.lines.iter().map(|l| l.total_minor).sum::<i64>(),
            c.total_minor
        );
        assert_eq!(
            c.lines.iter().map(|l| l.tax_minor).sum::<i64>(),
            c.tax_minor
        );
        assert_eq!(
            c.taxes.iter().map(|t| t.tax_minor).sum::<i64>(),
            c.tax_minor
        );
        assert_eq!(
            c.taxes.iter().map(|t| t.gross_minor).sum::<i64>(),
            c.total_minor
        );
        for t in &c.taxes {
            assert_eq!(t.net_minor + t.tax_minor, t.gross_minor);
        }
        for l in &c.lines {
            assert_eq!(l.net_minor + l.tax_minor, l.total_minor);
            assert_eq!(
                l.gross_minor - l.line_discount_minor - l.order_discount_minor,
                l.total_minor
            );
        }
        assert_eq!(c.subtotal_minor - c.discount_minor, c.total_minor);
    }

    #[test]
    fn a_five_line_sale_with_mixed_tax_classes_reconciles_to_the_cent() {
        let c = price_cart(
            &[
                line(249, 3, VAT7),     // oat milk 3 × 2.49, 7 % incl.
                line(1999, 1, VAT19),   // mug 19.99, 19 % incl.
                line(333, 2, VAT19),    // 2 × 3.33
                line(1000, 1, NET19),   // service 10.00 + 19 %
                line(99, 7, Tax::NONE), // stamps, no tax
            ],
            Discount::None,
        )
        .unwrap();
        reconciles(&c);
        assert_eq!(c.lines[0].total_minor, 747);
        assert_eq!(c.lines[0].tax_minor, 49); // 747 × 7/107 = 48.87
        assert_eq!(c.lines[1].tax_minor, 319); // 1999 × 19/119 = 319.17
        assert_eq!(c.lines[3].net_minor, 1000);
        assert_eq!(c.lines[3].tax_minor, 190);
        assert_eq!(c.lines[3].total_minor, 1190);
        assert_eq!(c.lines[4].tax_minor, 0);
        assert_eq!(c.total_minor, 747 + 1999 + 666 + 1190 + 693);
        assert_eq!(c.taxes.len(), 3);
    }

    #[test]
    fn discounts_apply_per_line_then_to_the_order() {
        let c = price_cart(
            &[
                LineInput {
                    discount: Discount::Percent(1000),
                    ..line(1000, 2, VAT19)
                },
                LineInput {
                    discount: Discount::Amount(50),
                    ..line(500, 1, VAT7)
                },
            ],
            Discount::Amount(100),
        )
        .unwrap();
        reconciles(&c);
        assert_eq!(c.lines[0].line_discount_minor, 200);
        assert_eq!(c.lines[1].line_discount_minor, 50);
        assert_eq!(
            c.lines[0].order_discount_minor + c.lines[1].order_discount_minor,
            100
        );
        assert_eq!(c.total_minor, 1800 + 450 - 100);
        assert_eq!(c.discount_minor, 350);
    }

    #[test]
    fn exclusive_lines_take_their_order_discount_share_including_tax() {
        let c = price_cart(
            &[line(1000, 1, NET19), line(1190, 1, VAT19)],
            Discount::Percent(5000),
        )
        .unwrap();
        reconciles(&c);
        assert_eq!(c.total_minor, 1190);
        assert_eq!(c.lines[0].total_minor, 595);
    }

    #[test]
    fn impossible_lines_and_discounts_are_refused() {
        assert!(price_cart(&[line(100, 0, VAT19)], Discount::None).is_err());
        assert!(price_cart(&[line(-1, 1, VAT19)], Discount::None).is_err());
        assert!(
            price_cart(
                &[LineInput {
                    discount: Discount::Amount(101),
                    ..line(100, 1, VAT19)
                }],
                Discount::None
            )
            .is_err()
        );
        assert!(
            price_cart(
                &[LineInput {
                    discount: Discount::Percent(10_001),
                    ..line(100, 1, VAT19)
                }],
                Discount::None
            )
            .is_err()
        );
        assert!(price_cart(&[line(100, 1, VAT19)], Discount::Amount(101)).is_err());
        assert!(price_cart(&[line(i64::MAX, 2, VAT19)], Discount::None).is_err());
        assert!(
            price_cart(
                &[line(
                    100,
                    1,
                    Tax {
                        rate_bp: 20_000,
                        inclusive: true
                    }
                )],
                Discount::None
            )
            .is_err()
        );
    }

    #[test]
    fn discount_share_rounds_up_so_limits_are_not_dodged() {
        assert_eq!(discount_share_bp(100, 1000), 1000);
        assert_eq!(discount_share_bp(101, 1000), 1010);
        assert_eq!(discount_share_bp(1, 3), 3334);
        assert_eq!(discount_share_bp(0, 1000), 0);
    }

    fn arb_tax() -> impl Strategy<Value = Tax> {
        (
            prop_oneof![
                Just(0u32),
                Just(250),
                Just(700),
                Just(770),
                Just(1900),
                Just(2000),
                Just(2500)
            ],
            any::<bool>(),
        )
            .prop_map(|(rate_bp, inclusive)| Tax { rate_bp, inclusive })
    }

    fn arb_line() -> impl Strategy<Value = LineInput> {
        (0i64..100_000, 1i64..50, arb_tax(), 0u32..3, 0u32..10_001).prop_map(
            |(p, q, tax, kind, pct)| {
                let discount = match kind {
                    0 => Discount::None,
                    1 => Discount::Percent(pct),
                    _ => Discount::Amount((p * q) * i64::from(pct) / 10_000),
                };
                LineInput {
                    unit_price_minor: p,
                    quantity: q,
                    tax,
                    discount,
                }
            },
        )
    }

    proptest! {
        #[test]
        fn every_cart_reconciles(lines in proptest::collection::vec(arb_line(), 1..12), pct in 0u32..10_001, amount_frac in 0i64..=100, kind in 0u32..3) {
            let undiscounted = price_cart(&lines, Discount::None).unwrap();
            let od = match kind {
                0 => Discount::None,
                1 => Discount::Percent(pct),
                _ => Discount::Amount(undiscounted.total_minor * amount_frac / 100),
            };
            let c = price_cart(&lines, od).unwrap();
            reconciles(&c);
            for (l, input) in c.lines.iter().zip(&lines) {
                // Each line's tax is its rate's share of what it costs, to within one minor unit.
                let r = i128::from(input.tax.rate_bp);
                let exact = i128::from(l.total_minor) * r * 2 / (10_000 + r);
                prop_assert!((i128::from(l.tax_minor) * 2 - exact).abs() <= 2 + r / 2000, "line tax off: {:?}", l);
                prop_assert!(l.total_minor >= 0);
            }
        }
    }
}
