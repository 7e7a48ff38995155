//! Taking the money: cash with change, card, voucher or store credit, split over several.

use super::cash::round_cash;
use crate::error::{Error, Result};
use crate::money::{Currency, format_minor};

/// A way to pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TenderKind {
    Cash,
    Card,
    /// A gift voucher or store credit with a balance.
    Voucher,
}

impl TenderKind {
    /// As stored and shown to scripts.
    pub fn as_str(self) -> &'static str {
        match self {
            TenderKind::Cash => "cash",
            TenderKind::Card => "card",
            TenderKind::Voucher => "voucher",
        }
    }

    /// Parses `cash`, `card` or `voucher` (also `store_credit`).
    pub fn parse(s: &str) -> Result<TenderKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cash" => Ok(TenderKind::Cash),
            "card" => Ok(TenderKind::Card),
            "voucher" | "store_credit" | "credit" => Ok(TenderKind::Voucher),
            other => Err(Error::invalid_input(format!(
                "'{other}' is not a tender (cash, card or voucher)"
            ))),
        }
    }
}

/// What the customer hands over with one tender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tendered {
    pub kind: TenderKind,
    /// For cash, the notes and coins handed over; otherwise the amount to charge.
    pub amount_minor: i64,
}

/// How a tender settled: what it paid towards the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    pub kind: TenderKind,
    pub tendered_minor: i64,
    /// What this tender paid towards the order (cash: tendered minus change).
    pub applied_minor: i64,
}

/// The settlement of a sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    pub applied: Vec<Applied>,
    /// Cash rounding added to the total (negative when rounded down).
    pub rounding_minor: i64,
    pub change_minor: i64,
}

/// The most tenders one sale takes.
pub const MAX_TENDERS: usize = 8;

/// The rules for the tenders of one sale: at least one, at most [`MAX_TENDERS`], each kind
/// once, each amount above zero and within [`crate::money::MAX_AMOUNT_MINOR`].
pub fn check_tenders(tenders: &[Tendered]) -> Result<()> {
    if tenders.is_empty() {
        return Err(Error::invalid_input(
            "say how the customer pays (cash, card or voucher)",
        ));
    }
    if tenders.len() > MAX_TENDERS {
        return Err(Error::invalid_input(format!(
            "at most {MAX_TENDERS} tenders per sale"
        )));
    }
    for (i, t) in tenders.iter().enumerate() {
        if tenders[..i].iter().any(|u| u.kind == t.kind) {
            return Err(Error::invalid_input(format!(
                "give the {} amount once",
                t.kind.as_str()
            )));
        }
        crate::money::check_amount(&format!("the {} amount", t.kind.as_str()), t.amount_minor)?;
    }
    Ok(())
}

/// Settles `total` with the tenders: non-cash tenders first (never more than is due), cash
/// covers the rest rounded to `cash_step`, and change comes only from cash.
pub fn settle(
    total: i64,
    tenders: &[Tendered],
    cash_step: i64,
    currency: &Currency,
) -> Result<Settlement> {
    let money = |m: i64| format_minor(m, currency.exponent());
    if tenders.is_empty() {
        return Err(Error::invalid_input("no payment given"));
    }
    if total < 0 {
        return Err(Error::invalid_input("a sale cannot have a negative total"));
    }
    if let Some(t) = tenders.iter().find(|t| t.amount_minor <= 0) {
        return Err(Error::invalid_input(format!(
            "a {} payment must be more than zero",
            t.kind.as_str()
        )));
    }
    let mut remaining = total;
    let mut applied = Vec::new();
    for t in tenders.iter().filter(|t| t.kind != TenderKind::Cash) {
        if t.amount_minor > remaining {
            return Err(Error::invalid_input(format!(
                "the {} payment is more than what is still due",
                t.kind.as_str()
            )));
        }
        remaining -= t.amount_minor;
        applied.push(Applied {
            kind: t.kind,
            tendered_minor: t.amount_minor,
            applied_minor: t.amount_minor,
        });
    }
    let cash: i64 = tenders
        .iter()
        .filter(|t| t.kind == TenderKind::Cash)
        .try_fold(0i64, |acc, t| acc.checked_add(t.amount_minor))
        .ok_or_else(|| Error::invalid_input("the cash amount is too large"))?;
    let mut rounding = 0;
    let mut change = 0;
    if cash > 0 {
        if remaining == 0 {
            return Err(Error::invalid_input(
                "the other payments already cover the total; no cash is needed",
            ));
        }
        let (due, r) = round_cash(remaining, cash_step)?;
        if cash < due {
            return Err(Error::invalid_input(format!(
                "not enough cash: {} is due, {} was given",
                money(due),
                money(cash)
            )));
        }
        rounding = r;
        change = cash - due;
        applied.push(Applied {
            kind: TenderKind::Cash,
            tendered_minor: cash,
            applied_minor: due,
        });
        remaining = 0;
    }
    if remaining > 0 {
        return Err(Error::invalid_input(format!(
            "not fully paid: {} is still due",
            money(remaining)
        )));
    }
    Ok(Settlement {
        applied,
        rounding_minor: rounding,
        change_minor: change,
    })
}

/// The limits on card payments taken while the provider cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfflineCardLimits {
    /// Largest single offline card payment.
    pub per_payment_minor: i64,
    /// Largest total of offline card payments not yet confirmed.
    pub total_exposure_minor: i64,
}

/// Refuses an offline card payment over a limit; the message names the limit.
pub fn check_offline_card(
    amount: i64,
    pending_exposure: i64,
    limits: OfflineCardLimits,
    currency: &Currency,
) -> Result<()> {
    let money = |m: i64| format_minor(m, currency.exponent());
    if amount > limits.per_payment_minor {
        return Err(Error::new(
            crate::ErrorCode::Forbidden,
            format!(
                "the card cannot be authorised offline above {} per payment; take cash or wait for the network",
                money(limits.per_payment_minor)
            ),
        ));
    }
    if pending_exposure.saturating_add(amount) > limits.total_exposure_minor {
        return Err(Error::new(
            crate::ErrorCode::Forbidden,
            format!(
                "offline card payments waiting for the provider would exceed {} in total; take cash or wait for the network",
                money(limits.total_exposure_minor)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        Currency::from_code("EUR").unwrap()
    }

    fn cash(a: i64) -> Tendered {
        Tendered {
            kind: TenderKind::Cash,
            amount_minor: a,
        }
    }
    fn card(a: i64) -> Tendered {
        Tendered {
            kind: TenderKind::Card,
            amount_minor: a,
        }
    }

    #[test]
    fn cash_gives_change() {
        let s = settle(1234, &[cash(2000)], 1, &eur()).unwrap();
        assert_eq!(s.change_minor, 766);
        assert_eq!(s.applied[0].applied_minor, 1234);
    }

    #[test]
    fn split_card_then_cash_rounds_only_the_cash_part() {
        let s = settle(1233, &[card(1000), cash(500)], 5, &eur()).unwrap();
        assert_eq!(s.rounding_minor, 2); // 2.33 cash due becomes 2.35
        assert_eq!(s.change_minor, 265);
        assert_eq!(s.applied.iter().map(|a| a.applied_minor).sum::<i64>(), 1235);
    }

    #[test]
    fn card_never_exceeds_what_is_due_and_short_payments_are_refused() {
        assert!(settle(1000, &[card(1001)], 1, &eur()).is_err());
        assert!(settle(1000, &[card(999)], 1, &eur()).is_err());
        assert!(settle(1000, &[cash(999)], 1, &eur()).is_err());
        assert!(settle(1000, &[card(1000), cash(10)], 1, &eur()).is_err());
        assert!(settle(1000, &[cash(0)], 1, &eur()).is_err());
        assert!(settle(1000, &[], 1, &eur()).is_err());
        assert!(settle(1000, &[card(1000)], 1, &eur()).is_ok());
    }

    #[test]
    fn offline_card_limits_hold() {
        let l = OfflineCardLimits {
            per_payment_minor: 10_000,
            total_exposure_minor: 25_000,
        };
        assert!(check_offline_card(10_000, 15_000, l, &eur()).is_ok());
        assert!(check_offline_card(10_001, 0, l, &eur()).is_err());
        assert!(check_offline_card(10_000, 15_001, l, &eur()).is_err());
    }

    #[test]
    fn tender_names_parse() {
        assert_eq!(TenderKind::parse("CASH").unwrap(), TenderKind::Cash);
        assert_eq!(
            TenderKind::parse("store_credit").unwrap(),
            TenderKind::Voucher
        );
        assert!(TenderKind::parse("iou").is_err());
    }
}
