//! `POST /api/v1/payments/refund`: a device's refund of a card payment, paid back through
//! the provider.
//!
//! The refund is kept (`pending`) before the provider is asked, under the device's refund
//! payment id, which is also the provider's `Idempotency-Key`: a retry after a crash on either
//! side finds the same refund and the provider refunds once. It must fit in what the intent
//! captured minus what its other refunds (pending or done) take; storage checks that in the
//! transaction that keeps it, so two refunds racing never both fit.

use super::pay::provider_failed;
use super::provider::ProviderError;
use super::{Cards, provider_unavailable};
use crate::auth::{AuthDevice, sha256_hex};
use crate::error::{ApiError, ApiJson};
use crate::state::{AppState, timestamp};
use crate::validate::check_uuid;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kassa_domain::money::{Currency, MAX_AMOUNT_MINOR};
use kassa_server_storage::{CardRefund, CardRefundUpdate, CardStatus, NewCardRefund, RefundStatus};
use kassa_sync_protocol::wire::{CardRefundRequest, CardRefundResponse};
use tracing::Instrument;

/// The longest provider id taken.
const MAX_ID_CHARS: usize = 255;

/// The answer a refund row gives.
fn response(r: &CardRefund) -> CardRefundResponse {
    CardRefundResponse {
        refund_payment_id: r.refund_payment_id.clone(),
        payment_id: r.payment_id.clone(),
        intent_id: r.intent_id.clone(),
        status: r.status.as_str().to_owned(),
        amount_minor: r.amount_minor,
        currency: r.currency.clone(),
        provider_refund_id: r.provider_refund_id.clone(),
        failure_reason: r.failure_reason.clone(),
    }
}

/// Checks every field; the first that is wrong is a 400 `invalid_input`.
pub fn check_refund_request(req: &CardRefundRequest) -> Result<(), ApiError> {
    check_uuid("refund_payment_id", &req.refund_payment_id)?;
    check_uuid("payment_id", &req.payment_id)?;
    let id = &req.intent_id;
    if !(id.starts_with("pi_")
        && id.len() <= MAX_ID_CHARS
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    {
        return Err(ApiError::invalid(
            "intent_id must be the provider's PaymentIntent id (pi_..., letters, digits and _)",
        ));
    }
    if !(1..=MAX_AMOUNT_MINOR).contains(&req.amount_minor) {
        return Err(ApiError::invalid(format!(
            "amount_minor must be between 1 and {MAX_AMOUNT_MINOR}"
        )));
    }
    match Currency::from_code(&req.currency) {
        Ok(c) if c.code() == req.currency => Ok(()),
        _ => Err(ApiError::invalid(
            "currency must be an ISO 4217 code in upper case, e.g. EUR",
        )),
    }
}

/// The hash that tells a retry from another request under the same refund payment id.
fn request_hash(req: &CardRefundRequest) -> String {
    let canonical = serde_json::json!([
        req.refund_payment_id,
        req.payment_id,
        req.intent_id,
        req.amount_minor,
        req.currency,
    ]);
    sha256_hex(canonical.to_string().as_bytes())
}

/// The provider's refund of `refund`, kept.
async fn pay_back(
    state: &AppState,
    cards: &Cards,
    refund: CardRefund,
) -> Result<CardRefund, ApiError> {
    let asked = cards
        .provider
        .refund(
            &refund.intent_id,
            Some(refund.amount_minor),
            &refund.refund_payment_id,
        )
        .await;
    let (status, provider_refund_id, failure_reason) = match asked {
        // A refund the provider is still paying out (`pending`) is accepted: the money is on
        // its way to the card.
        Ok(r) if matches!(r.status.as_str(), "succeeded" | "pending") => {
            (RefundStatus::Refunded, Some(r.id), None)
        }
        Ok(r) => (
            RefundStatus::Failed,
            Some(r.id),
            Some(format!("the provider's refund is {}", r.status)),
        ),
        Err(ProviderError::Refused { status: 409, .. }) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "card_refund_in_progress",
                "this refund is being made right now; ask again for its outcome",
            ));
        }
        // The server's own key or account is refused: nothing is wrong with the refund.
        Err(
            e @ ProviderError::Refused {
                status: 401 | 403, ..
            },
        ) => return Err(provider_failed(e)),
        Err(ProviderError::Refused { code, message, .. }) => (
            RefundStatus::Failed,
            None,
            Some(match code {
                Some(code) => format!("{code}: {message}"),
                None => message,
            }),
        ),
        Err(e) => return Err(provider_failed(e)),
    };
    let failure_reason: Option<String> = failure_reason.map(|r| r.chars().take(500).collect());
    Ok(state
        .storage
        .finish_card_refund(CardRefundUpdate {
            store_id: refund.store_id.clone(),
            refund_payment_id: refund.refund_payment_id.clone(),
            status,
            provider_refund_id,
            failure_reason,
            now: timestamp(state.now()),
        })
        .await?)
}

pub(crate) async fn refund(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    ApiJson(req): ApiJson<CardRefundRequest>,
) -> Result<Json<CardRefundResponse>, ApiError> {
    let span = tracing::info_span!(
        "card_refund",
        store = %device.store_id,
        device = %device.device_id,
        refund_payment = %req.refund_payment_id,
    );
    refund_in(state, device, req).instrument(span).await
}

async fn refund_in(
    state: AppState,
    device: kassa_server_storage::DeviceAuth,
    req: CardRefundRequest,
) -> Result<Json<CardRefundResponse>, ApiError> {
    let cards = state.cards.clone().ok_or_else(provider_unavailable)?;
    check_refund_request(&req)?;
    // Only the device's own store's payments: another store's intent is as unknown as none.
    let payment = state
        .storage
        .card_payment_by_intent(&req.intent_id)
        .await?
        .filter(|p| p.store_id == device.store_id && p.payment_id == req.payment_id)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "card_payment_unknown",
                "this store has no card payment with that id and PaymentIntent",
            )
        })?;
    if payment.currency != req.currency {
        return Err(ApiError::invalid(format!(
            "the payment was taken in {}, not {}",
            payment.currency, req.currency
        )));
    }
    if payment.status != CardStatus::Captured {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "card_payment_not_captured",
            format!(
                "the card payment is {}, not captured: there is nothing to refund yet",
                payment.status.as_str()
            ),
        ));
    }
    let (kept, _new) = state
        .storage
        .begin_card_refund(NewCardRefund {
            store_id: device.store_id.clone(),
            device_id: device.device_id.clone(),
            refund_payment_id: req.refund_payment_id.clone(),
            payment_id: req.payment_id.clone(),
            intent_id: req.intent_id.clone(),
            amount_minor: req.amount_minor,
            currency: req.currency.clone(),
            request_hash: request_hash(&req),
            now: timestamp(state.now()),
        })
        .await?;
    if kept.status.is_final() {
        return Ok(Json(response(&kept)));
    }
    let done = pay_back(&state, &cards, kept).await?;
    tracing::info!(store = %done.store_id, refund = %done.refund_payment_id, payment = %done.payment_id, status = done.status.as_str(), "card refund");
    Ok(Json(response(&done)))
}
