//! Card payments as the server keeps them: one row per payment a device asked the card
//! provider for, and the provider's webhook events already handled.

/// Where a card payment stands, as the server last learned it from the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CardStatus {
    /// Asked for; the provider has not answered yet (or could not be reached).
    Pending,
    /// The provider is still working on it.
    Processing,
    /// Authorised, waiting to be captured.
    Authorized,
    /// The money is taken.
    Captured,
    /// The card was refused.
    Declined,
    /// Cancelled before the money was taken.
    Canceled,
}

impl CardStatus {
    /// Every status, in a fixed order.
    pub const ALL: [CardStatus; 6] = [
        CardStatus::Pending,
        CardStatus::Processing,
        CardStatus::Authorized,
        CardStatus::Captured,
        CardStatus::Declined,
        CardStatus::Canceled,
    ];

    /// The stable text stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            CardStatus::Pending => "pending",
            CardStatus::Processing => "processing",
            CardStatus::Authorized => "authorized",
            CardStatus::Captured => "captured",
            CardStatus::Declined => "declined",
            CardStatus::Canceled => "canceled",
        }
    }

    /// The status a stored text names.
    pub fn parse(text: &str) -> Option<CardStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// True once the provider's answer is final for the checkout (captured, declined,
    /// canceled): a retry answers from the row without asking the provider again.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            CardStatus::Captured | CardStatus::Declined | CardStatus::Canceled
        )
    }
}

/// One card payment as kept. Only the provider's ids, the brand and the last four digits
/// of the card are kept, never a card number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardPayment {
    pub store_id: String,
    pub device_id: String,
    pub order_id: String,
    pub payment_id: String,
    /// The checkout's idempotency key, which is also the PaymentIntent's.
    pub idempotency_key: String,
    /// The provider's PaymentIntent id, once it made one.
    pub intent_id: Option<String>,
    pub amount_minor: i64,
    /// ISO 4217, upper case.
    pub currency: String,
    pub status: CardStatus,
    pub brand: Option<String>,
    pub last4: Option<String>,
    /// The provider's reason for a decline (`card_declined`, ...).
    pub decline_code: Option<String>,
    /// Set when a manager must look at this payment (the provider holds another amount).
    pub review: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A card payment a device asks for, as the HTTP layer has checked it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCardPayment {
    pub store_id: String,
    pub device_id: String,
    pub order_id: String,
    pub payment_id: String,
    pub idempotency_key: String,
    pub amount_minor: i64,
    pub currency: String,
    /// SHA-256 (hex) of everything the request said: the same key with another request is
    /// `IdempotencyMismatch`.
    pub request_hash: String,
    /// When the device took the card while the provider could not be reached (RFC 3339 as
    /// the server writes its own times), for a payment forwarded later; `None` online.
    pub taken_offline_at: Option<String>,
    pub now: String,
}

/// What the provider said about a payment, to be kept with an audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardPaymentUpdate {
    pub store_id: String,
    pub idempotency_key: String,
    pub intent_id: Option<String>,
    pub status: CardStatus,
    /// `None` keeps what is held.
    pub brand: Option<String>,
    /// `None` keeps what is held.
    pub last4: Option<String>,
    /// `None` keeps what is held.
    pub decline_code: Option<String>,
    /// `None` keeps what is held.
    pub review: Option<String>,
    /// The server audit action that records this update (`card_payment.captured`, ...).
    pub action: String,
    /// Who or what learned it: `checkout`, `webhook`, `reconciliation`.
    pub source: String,
    pub now: String,
}

/// Where a refund of a card payment stands at the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundStatus {
    /// Asked for; the provider has not answered yet (or could not be reached).
    Pending,
    /// The provider paid the money back to the card.
    Refunded,
    /// The provider refused the refund; someone pays the customer another way.
    Failed,
}

impl RefundStatus {
    /// Every status, in a fixed order.
    pub const ALL: [RefundStatus; 3] = [
        RefundStatus::Pending,
        RefundStatus::Refunded,
        RefundStatus::Failed,
    ];

    /// The stable text stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Pending => "pending",
            RefundStatus::Refunded => "refunded",
            RefundStatus::Failed => "failed",
        }
    }

    /// The status a stored text names.
    pub fn parse(text: &str) -> Option<RefundStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// True once the provider's answer is final: a retry answers from the row.
    pub fn is_final(self) -> bool {
        !matches!(self, RefundStatus::Pending)
    }
}

/// One refund of a card payment as kept, keyed by the device's refund payment id (which is
/// also the provider's idempotency key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRefund {
    pub store_id: String,
    pub device_id: String,
    /// The device's `refund_payments` id.
    pub refund_payment_id: String,
    /// The card payment refunded.
    pub payment_id: String,
    pub intent_id: String,
    pub amount_minor: i64,
    /// ISO 4217, upper case.
    pub currency: String,
    pub status: RefundStatus,
    /// The provider's refund id, once it made one.
    pub provider_refund_id: Option<String>,
    /// The provider's reason for refusing it.
    pub failure_reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A refund a device asks for, as the HTTP layer has checked it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCardRefund {
    pub store_id: String,
    pub device_id: String,
    pub refund_payment_id: String,
    pub payment_id: String,
    pub intent_id: String,
    pub amount_minor: i64,
    pub currency: String,
    /// SHA-256 (hex) of everything the request said: the same refund payment id with
    /// another request is `IdempotencyMismatch`.
    pub request_hash: String,
    pub now: String,
}

/// What the provider said about a refund, to be kept with an audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRefundUpdate {
    pub store_id: String,
    pub refund_payment_id: String,
    pub status: RefundStatus,
    pub provider_refund_id: Option<String>,
    pub failure_reason: Option<String>,
    pub now: String,
}
