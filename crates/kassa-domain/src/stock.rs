//! Stock rules: the kinds of movement, which way each moves stock, and when a level may
//! not go below zero.

use crate::error::{Error, ErrorCode, Result};

/// Why stock moved. Each movement is a row in an append-only ledger; a level is their sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MovementKind {
    /// Goods received from a supplier.
    Receipt,
    /// Goods sold.
    Sale,
    /// Goods a customer brought back.
    Return,
    /// A correction with a reason (breakage, theft, found goods).
    Adjustment,
    /// The difference a stock count found.
    Count,
    /// Goods leaving this location for another.
    TransferOut,
    /// Goods arriving from another location.
    TransferIn,
    /// Goods held for an open cart or booking; they stay on the shelf but are not available.
    Reservation,
    /// A hold given back.
    Release,
}

/// Which sum a movement counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// What is physically at the location.
    OnHand,
    /// What is held for carts and bookings.
    Reserved,
}

impl MovementKind {
    /// Every kind, in ledger order.
    pub const ALL: [MovementKind; 9] = [
        MovementKind::Receipt,
        MovementKind::Sale,
        MovementKind::Return,
        MovementKind::Adjustment,
        MovementKind::Count,
        MovementKind::TransferOut,
        MovementKind::TransferIn,
        MovementKind::Reservation,
        MovementKind::Release,
    ];

    /// The kind's name on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::Receipt => "receipt",
            MovementKind::Sale => "sale",
            MovementKind::Return => "return",
            MovementKind::Adjustment => "adjustment",
            MovementKind::Count => "count",
            MovementKind::TransferOut => "transfer_out",
            MovementKind::TransferIn => "transfer_in",
            MovementKind::Reservation => "reservation",
            MovementKind::Release => "release",
        }
    }

    /// Parses a kind's name.
    pub fn parse(s: &str) -> Result<MovementKind> {
        MovementKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Error::invalid_input(format!("'{s}' is not a kind of stock movement")))
    }

    /// The sum this kind counts in.
    pub fn bucket(self) -> Bucket {
        match self {
            MovementKind::Reservation | MovementKind::Release => Bucket::Reserved,
            _ => Bucket::OnHand,
        }
    }

    /// The sign a stored quantity of this kind must have: +1, -1, or 0 for either.
    ///
    /// A reservation adds to the reserved sum and a release takes from it, so that the
    /// reserved quantity is the plain sum of those rows too.
    pub fn sign(self) -> i8 {
        match self {
            MovementKind::Receipt
            | MovementKind::Return
            | MovementKind::TransferIn
            | MovementKind::Reservation => 1,
            MovementKind::Sale | MovementKind::TransferOut | MovementKind::Release => -1,
            MovementKind::Adjustment | MovementKind::Count => 0,
        }
    }

    /// Checks a stored quantity for this kind: never zero, and of the kind's sign.
    pub fn check_qty(self, qty: i64) -> Result<()> {
        if qty == 0 {
            return Err(Error::invalid_input(
                "a stock movement needs a quantity other than 0",
            ));
        }
        if qty.unsigned_abs() > MAX_QTY as u64 {
            return Err(Error::invalid_input(format!(
                "a quantity of {qty} is more than Kassa counts in one movement ({MAX_QTY})"
            )));
        }
        let ok = match self.sign() {
            1 => qty > 0,
            -1 => qty < 0,
            _ => true,
        };
        if ok {
            Ok(())
        } else {
            Err(Error::invalid_input(format!(
                "a {} cannot have the quantity {qty}",
                self.as_str().replace('_', " ")
            )))
        }
    }

    /// Whether a person must say why (an adjustment always needs a reason).
    pub fn needs_reason(self) -> bool {
        matches!(self, MovementKind::Adjustment)
    }
}

/// The largest quantity one movement may carry; keeps every sum far from overflow.
pub const MAX_QTY: i64 = 1_000_000_000;

/// Stock of one item at one place: on hand, and how much of it is held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Level {
    pub on_hand: i64,
    pub reserved: i64,
}

impl Level {
    /// What may still be sold or reserved.
    pub fn available(self) -> i64 {
        self.on_hand - self.reserved
    }

    /// The level after a movement of `kind` and stored quantity `qty`.
    pub fn apply(self, kind: MovementKind, qty: i64) -> Level {
        match kind.bucket() {
            Bucket::OnHand => Level {
                on_hand: self.on_hand + qty,
                ..self
            },
            Bucket::Reserved => Level {
                reserved: self.reserved + qty,
                ..self
            },
        }
    }
}

/// Refuses a change that leaves less than nothing available, unless negatives are allowed.
///
/// Only a change that lowers what is available is checked: a receipt into a negative level
/// or a release is always fine.
pub fn check_level(item: &str, before: Level, after: Level, allow_negative: bool) -> Result<()> {
    if after.reserved < 0 && after.reserved < before.reserved {
        return Err(Error::invalid_input(format!(
            "cannot release more of {item} than is held: {} held",
            before.reserved.max(0)
        )));
    }
    if allow_negative || after.available() >= before.available() || after.available() >= 0 {
        return Ok(());
    }
    let wanted = before.available() - after.available();
    Err(Error::new(
        ErrorCode::InsufficientStock,
        format!(
            "not enough stock of {item}: {} available, {wanted} wanted",
            before.available().max(0)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_fixed_signs() {
        assert!(MovementKind::Sale.check_qty(-2).is_ok());
        assert!(MovementKind::Sale.check_qty(2).is_err());
        assert!(MovementKind::Receipt.check_qty(-1).is_err());
        assert!(MovementKind::Adjustment.check_qty(-3).is_ok());
        assert!(MovementKind::Adjustment.check_qty(0).is_err());
        assert!(MovementKind::Count.check_qty(MAX_QTY + 1).is_err());
        for k in MovementKind::ALL {
            assert_eq!(MovementKind::parse(k.as_str()).unwrap(), k);
        }
    }

    #[test]
    fn reservations_lower_what_is_available_not_what_is_on_hand() {
        let l = Level {
            on_hand: 5,
            reserved: 0,
        }
        .apply(MovementKind::Reservation, 2)
        .apply(MovementKind::Sale, -1);
        assert_eq!(
            l,
            Level {
                on_hand: 4,
                reserved: 2
            }
        );
        assert_eq!(l.available(), 2);
    }

    #[test]
    fn selling_more_than_is_available_names_the_item_and_the_level() {
        let before = Level {
            on_hand: 3,
            reserved: 0,
        };
        let after = before.apply(MovementKind::Sale, -5);
        let e = check_level("Oat milk 1 l (OAT-1)", before, after, false).unwrap_err();
        assert_eq!(e.code, ErrorCode::InsufficientStock);
        assert_eq!(
            e.message,
            "not enough stock of Oat milk 1 l (OAT-1): 3 available, 5 wanted"
        );
        assert!(check_level("x", before, after, true).is_ok());
        // Receiving into a negative level is never refused.
        let neg = Level {
            on_hand: -4,
            reserved: 0,
        };
        assert!(check_level("x", neg, neg.apply(MovementKind::Receipt, 1), false).is_ok());
        // A hold cannot be given back twice.
        let held = Level {
            on_hand: 5,
            reserved: 1,
        };
        let e = check_level("x", held, held.apply(MovementKind::Release, -2), true).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput);
    }
}
