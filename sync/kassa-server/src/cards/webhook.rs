//! `POST /api/v1/webhooks/stripe`: the provider says an intent changed.
//!
//! The signature is checked over the raw body first; the event's id is handled once; the
//! event's own copy of the object is not trusted: the intent is fetched again from the
//! provider and its state now is what is kept, so events that arrive twice or out of order
//! end in the provider's state.

use super::pay::{update_from_intent, with_card};
use super::provider::{CardProvider, Intent, ProviderError};
use super::signature::{SignatureError, verify};
use super::{Cards, provider_unavailable};
use crate::error::ApiError;
use crate::state::{AppState, timestamp};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use kassa_server_storage::{CardPayment, Storage, StorageError};
use serde_json::{Value, json};
use tracing::Instrument;

/// The header the provider signs with.
pub const SIGNATURE_HEADER: &str = "stripe-signature";

fn refused(e: SignatureError) -> ApiError {
    match e {
        SignatureError::Missing | SignatureError::Malformed => ApiError::new(
            StatusCode::BAD_REQUEST,
            "webhook_signature_malformed",
            e.to_string(),
        ),
        SignatureError::OutsideTolerance => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "webhook_signature_expired",
            e.to_string(),
        ),
        SignatureError::Mismatch => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "webhook_signature_invalid",
            e.to_string(),
        ),
    }
}

/// Keeps what `intent` says now about the payment it belongs to (found by its id, or by the
/// store and idempotency key Kassa put in its metadata). `None` when no payment of this
/// server is the intent's; a payment already in that state is left as it is.
pub(crate) async fn apply_intent(
    storage: &dyn Storage,
    provider: &dyn CardProvider,
    intent: &Intent,
    source: &str,
    now: &str,
) -> Result<Option<CardPayment>, StorageError> {
    let payment = match storage.card_payment_by_intent(&intent.id).await? {
        Some(p) => p,
        None => {
            let (Some(store), Some(key)) = (
                intent.metadata.get("kassa_store"),
                intent.metadata.get("kassa_key"),
            ) else {
                return Ok(None);
            };
            // Made by this server, which stopped before it kept the intent's id.
            let found = storage.card_payment_by_key(store, key).await?;
            match found {
                Some(p) => p,
                None => return Ok(None),
            }
        }
    };
    if payment.status == intent.status()
        && payment.intent_id.as_deref() == Some(intent.id.as_str())
        && (payment.last4.is_some() || intent.payment_method.is_none())
    {
        return Ok(Some(payment));
    }
    let update = update_from_intent(&payment, intent, source, now);
    let update = with_card(provider, &payment, intent, update).await;
    storage.update_card_payment(update).await.map(Some)
}

/// The PaymentIntent an event is about: the object itself, or the intent of a charge or
/// refund.
fn intent_of(event: &Value) -> Option<&str> {
    let object = &event["data"]["object"];
    let id = object.get("id").and_then(Value::as_str)?;
    if id.starts_with("pi_") {
        return Some(id);
    }
    object.get("payment_intent").and_then(Value::as_str)
}

pub(crate) async fn stripe(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let span = tracing::info_span!("card_webhook", bytes = body.len());
    let answer = handle(&state, &headers, &body).instrument(span).await;
    if let Err(e) = &answer {
        state.metrics.webhook_failure(e.code);
    }
    answer
}

async fn handle(
    state: &AppState,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Json<Value>, ApiError> {
    let cards: std::sync::Arc<Cards> = state.cards.clone().ok_or_else(provider_unavailable)?;
    let Some(secret) = cards.webhook_secret.as_deref() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "webhooks_not_configured",
            "this server has no webhook secret; set KASSA_STRIPE_WEBHOOK_SECRET",
        ));
    };
    let header = headers
        .get(SIGNATURE_HEADER)
        .map(|v| v.to_str().map_err(|_| SignatureError::Malformed))
        .transpose()
        .map_err(refused)?;
    verify(header, body, secret, state.now().timestamp()).map_err(refused)?;
    let event: Value =
        serde_json::from_slice(body).map_err(|_| ApiError::invalid("the event is not JSON"))?;
    let (Some(id), Some(kind)) = (
        event.get("id").and_then(Value::as_str),
        event.get("type").and_then(Value::as_str),
    ) else {
        return Err(ApiError::invalid("the event has no id or type"));
    };
    if id.is_empty() || id.len() > 255 || kind.len() > 255 {
        return Err(ApiError::invalid("the event's id or type is too long"));
    }
    if state.storage.provider_event_seen(id).await? {
        return Ok(Json(json!({"received": true, "duplicate": true})));
    }
    let now = timestamp(state.now());
    let mut outcome = json!({"received": true, "duplicate": false});
    let relevant = kind.starts_with("payment_intent.") || kind.starts_with("charge.");
    if let Some(intent_id) = intent_of(&event).filter(|_| relevant) {
        let intent = match cards.provider.retrieve(intent_id).await {
            Ok(i) => i,
            // Unknown to the provider (another account's test event): nothing to act on.
            Err(ProviderError::Refused { status: 404, .. }) => {
                state.storage.record_provider_event(id, kind, &now).await?;
                return Ok(Json(
                    json!({"received": true, "duplicate": false, "unknown_intent": intent_id}),
                ));
            }
            Err(e) => {
                tracing::warn!(error = %e, "webhook: the intent cannot be fetched again");
                // Not kept as handled: the provider sends it again.
                return Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "card_provider_unreachable",
                    "the card provider cannot be reached to check the event; send it again",
                ));
            }
        };
        let applied =
            apply_intent(&*state.storage, &*cards.provider, &intent, "webhook", &now).await?;
        outcome["status"] = json!(applied.map(|p| p.status.as_str()));
    }
    state.storage.record_provider_event(id, kind, &now).await?;
    Ok(Json(outcome))
}
