//! The order lifecycle as an explicit state machine, and receipt numbers.

use crate::error::{Error, ErrorCode, Result};

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    Draft,
    Paid,
    Fulfilled,
    PartiallyRefunded,
    Refunded,
    Voided,
}

impl OrderStatus {
    /// Every status.
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Draft,
        OrderStatus::Paid,
        OrderStatus::Fulfilled,
        OrderStatus::PartiallyRefunded,
        OrderStatus::Refunded,
        OrderStatus::Voided,
    ];

    /// As stored and shown to scripts.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Draft => "draft",
            OrderStatus::Paid => "paid",
            OrderStatus::Fulfilled => "fulfilled",
            OrderStatus::PartiallyRefunded => "partially_refunded",
            OrderStatus::Refunded => "refunded",
            OrderStatus::Voided => "voided",
        }
    }

    /// Parses a stored status.
    pub fn parse(s: &str) -> Result<OrderStatus> {
        OrderStatus::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| Error::invalid_input(format!("'{s}' is not an order status")))
    }
}

/// Something that happens to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderEvent {
    /// Checkout took the money.
    Pay,
    /// The goods were handed over.
    Fulfil,
    /// Some of it was returned; `fully` when nothing is left to return.
    Refund { fully: bool },
    /// Cancelled: money back, stock back.
    Void,
}

impl OrderEvent {
    /// The event's name, for history entries.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderEvent::Pay => "pay",
            OrderEvent::Fulfil => "fulfil",
            OrderEvent::Refund { fully: false } => "refund_partial",
            OrderEvent::Refund { fully: true } => "refund_full",
            OrderEvent::Void => "void",
        }
    }
}

/// The status after `event`, or `invalid_transition` saying why it cannot happen.
pub fn transition(from: OrderStatus, event: OrderEvent) -> Result<OrderStatus> {
    use OrderEvent::*;
    use OrderStatus::*;
    let to = match (from, event) {
        (Draft, Pay) => Some(Paid),
        (Paid, Fulfil) => Some(Fulfilled),
        (Paid | Fulfilled | PartiallyRefunded, Refund { fully: false }) => Some(PartiallyRefunded),
        (Paid | Fulfilled | PartiallyRefunded, Refund { fully: true }) => Some(Refunded),
        (Draft | Paid, Void) => Some(Voided),
        _ => None,
    };
    to.ok_or_else(|| {
        let why = match (from, event) {
            (Voided, _) => "it was voided".to_string(),
            (Refunded, _) => "it was refunded in full".to_string(),
            (_, Void) => "only an order that is not yet handed over or refunded can be voided; refund it instead".to_string(),
            (_, Pay) => "it is already paid".to_string(),
            (_, Fulfil) => "only a paid order can be handed over".to_string(),
            (Draft, Refund { .. }) => "it was never paid".to_string(),
            _ => "the order's state does not allow it".to_string(),
        };
        Error::new(
            ErrorCode::InvalidTransition,
            format!("cannot {} an order that is {}: {why}", event.as_str().replace('_', " "), from.as_str().replace('_', " ")),
        )
    })
}

/// A receipt number from this device's own series: `STORE-DEVICE-000042`.
pub fn receipt_number(store_code: &str, device_code: &str, counter: u64) -> String {
    format!("{store_code}-{device_code}-{counter:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_allows_exactly_these_moves() {
        use OrderEvent::*;
        use OrderStatus::*;
        let allowed = [
            (Draft, Pay, Paid),
            (Paid, Fulfil, Fulfilled),
            (Paid, Refund { fully: false }, PartiallyRefunded),
            (Paid, Refund { fully: true }, Refunded),
            (Fulfilled, Refund { fully: false }, PartiallyRefunded),
            (Fulfilled, Refund { fully: true }, Refunded),
            (
                PartiallyRefunded,
                Refund { fully: false },
                PartiallyRefunded,
            ),
            (PartiallyRefunded, Refund { fully: true }, Refunded),
            (Draft, Void, Voided),
            (Paid, Void, Voided),
        ];
        let events = [
            Pay,
            Fulfil,
            Refund { fully: false },
            Refund { fully: true },
            Void,
        ];
        for from in OrderStatus::ALL {
            for ev in events {
                let expected = allowed
                    .iter()
                    .find(|(f, e, _)| *f == from && *e == ev)
                    .map(|(_, _, t)| *t);
                match (transition(from, ev), expected) {
                    (Ok(to), Some(t)) => assert_eq!(to, t),
                    (Err(e), None) => {
                        assert_eq!(e.code, ErrorCode::InvalidTransition, "{from:?} {ev:?}")
                    }
                    (got, want) => panic!("{from:?} + {ev:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn refusals_say_why() {
        let e = transition(OrderStatus::Refunded, OrderEvent::Void).unwrap_err();
        assert!(e.message.contains("refunded in full"), "{}", e.message);
    }

    #[test]
    fn receipt_numbers_carry_store_device_and_counter() {
        assert_eq!(receipt_number("CORN", "01", 42), "CORN-01-000042");
        assert_eq!(receipt_number("CORN", "01", 1_234_567), "CORN-01-1234567");
    }
}
