//! Card payments through the card provider (Stripe's PaymentIntents API): the adapter
//! behind [`CardProvider`], the device's payment and refund endpoints, the provider's
//! webhooks and the reconciliation of the provider's records with the server's.

mod findings;
mod pay;
pub mod provider;
pub mod reconcile;
mod refund;
pub mod signature;
pub mod stripe;
mod webhook;

pub(crate) use findings::findings;
pub use pay::check_request;
pub(crate) use pay::pay;
pub use provider::{CardDetails, CardProvider, Intent, NewIntent, ProviderError, Refund};
pub use reconcile::{Mismatch, ReconcileError, ReconcileReport, reconcile};
pub use refund::check_refund_request;
pub(crate) use refund::refund;
pub use signature::{WEBHOOK_TOLERANCE_SECS, sign as sign_webhook};
pub use stripe::{STRIPE_API_BASE, Stripe, StripeConfig};
pub use webhook::SIGNATURE_HEADER;
pub(crate) use webhook::stripe as stripe_webhook;

use crate::error::ApiError;
use axum::http::StatusCode;
use std::sync::Arc;
use std::time::Duration;

/// The card provider the server uses, and the secret its webhooks are signed with.
#[derive(Clone)]
pub struct Cards {
    pub provider: Arc<dyn CardProvider>,
    pub webhook_secret: Option<String>,
}

impl std::fmt::Debug for Cards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cards")
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "<hidden>"),
            )
            .finish_non_exhaustive()
    }
}

/// How `kassa server` takes card payments: Stripe's API (or a stand-in at another base
/// URL), the webhook secret, and how often the reconciliation job runs.
#[derive(Debug, Clone)]
pub struct CardOptions {
    pub stripe: StripeConfig,
    pub webhook_secret: Option<String>,
    /// `None`: no periodic reconciliation (`kassa server reconcile` still runs one).
    pub reconcile_every: Option<Duration>,
}

impl CardOptions {
    /// The provider and webhook secret these options name.
    pub fn cards(&self) -> Result<Cards, ProviderError> {
        Ok(Cards {
            provider: Arc::new(Stripe::new(self.stripe.clone())?),
            webhook_secret: self.webhook_secret.clone(),
        })
    }
}

/// 503 `card_provider_not_configured`.
pub(crate) fn provider_unavailable() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "card_provider_not_configured",
        "this server takes no card payments: it has no card provider configured",
    )
}
