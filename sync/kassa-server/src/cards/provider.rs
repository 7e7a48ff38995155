//! What the server needs from a card provider, whichever it is.

use async_trait::async_trait;
use kassa_server_storage::CardStatus;
use std::collections::BTreeMap;

/// Why a provider call did not give an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The provider could not be reached, timed out or failed (5xx): the device may take
    /// the card offline and the call may be retried.
    #[error("the card provider cannot be reached: {0}")]
    Unreachable(String),
    /// The provider refused the request (4xx); `code` is its error code, `decline_code`
    /// set when a card was declined.
    #[error("the card provider refused the request ({status}): {message}")]
    Refused {
        status: u16,
        code: Option<String>,
        decline_code: Option<String>,
        message: String,
    },
    /// The provider answered something this server does not understand.
    #[error("the card provider's answer is not understood: {0}")]
    Malformed(String),
}

impl ProviderError {
    /// True when the provider refused a card (a decline), not the request.
    pub fn is_card_error(&self) -> bool {
        matches!(self, ProviderError::Refused { status: 402, .. })
    }
}

/// A PaymentIntent as the server reads it: amounts in minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub id: String,
    pub amount_minor: i64,
    /// ISO 4217, upper case.
    pub currency: String,
    /// The provider's own status text (`succeeded`, `requires_payment_method`, ...).
    pub provider_status: String,
    pub payment_method: Option<String>,
    /// Unix seconds.
    pub created: i64,
    /// The code of the last failed attempt (`card_declined`, ...).
    pub last_error: Option<String>,
    pub metadata: BTreeMap<String, String>,
}

impl Intent {
    /// The server's status for the provider's: a failed attempt that left the intent
    /// waiting for another card is a decline.
    pub fn status(&self) -> CardStatus {
        match self.provider_status.as_str() {
            "succeeded" => CardStatus::Captured,
            "requires_capture" => CardStatus::Authorized,
            "canceled" => CardStatus::Canceled,
            "processing" => CardStatus::Processing,
            "requires_payment_method" if self.last_error.is_some() => CardStatus::Declined,
            _ => CardStatus::Pending,
        }
    }
}

/// A PaymentIntent to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIntent {
    pub amount_minor: i64,
    /// ISO 4217, upper case.
    pub currency: String,
    pub payment_method: String,
    /// Sent as the `Idempotency-Key` header: the same key creates one intent only.
    pub idempotency_key: String,
    /// Capture later (`capture_method=manual`) instead of at confirmation.
    pub manual_capture: bool,
    pub metadata: BTreeMap<String, String>,
}

/// A refund the provider made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub id: String,
    pub amount_minor: i64,
    pub status: String,
}

/// The card behind a PaymentMethod: only what Kassa keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardDetails {
    pub brand: String,
    pub last4: String,
}

/// A card provider's PaymentIntents API.
#[async_trait]
pub trait CardProvider: Send + Sync + 'static {
    /// Creates an intent (once per idempotency key).
    async fn create(&self, intent: &NewIntent) -> Result<Intent, ProviderError>;
    /// Confirms an intent: the card is charged (or authorised, with manual capture). A
    /// declined card is `Refused` with status 402.
    async fn confirm(&self, id: &str) -> Result<Intent, ProviderError>;
    /// Captures an authorised intent.
    async fn capture(&self, id: &str) -> Result<Intent, ProviderError>;
    /// Cancels an intent that is not captured.
    async fn cancel(&self, id: &str) -> Result<Intent, ProviderError>;
    /// Refunds `amount_minor` (all when `None`) of a captured intent, once per key.
    async fn refund(
        &self,
        id: &str,
        amount_minor: Option<i64>,
        idempotency_key: &str,
    ) -> Result<Refund, ProviderError>;
    /// The intent as the provider holds it now.
    async fn retrieve(&self, id: &str) -> Result<Intent, ProviderError>;
    /// Every intent created from `from` (included) to `to` (excluded), Unix seconds.
    async fn list_created(&self, from: i64, to: i64) -> Result<Vec<Intent>, ProviderError>;
    /// The brand and last four digits of a PaymentMethod's card.
    async fn card(&self, payment_method: &str) -> Result<CardDetails, ProviderError>;
}
