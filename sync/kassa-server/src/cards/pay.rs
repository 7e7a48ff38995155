//! `POST /api/v1/payments/card`: a device's card payment, taken through the provider.
//!
//! The payment is kept (`pending`) before the provider is asked, under the checkout's
//! idempotency key, which is also the PaymentIntent's `Idempotency-Key`: a retry after a
//! crash on either side finds the same payment and the same intent, never a second charge.

use super::provider::{CardProvider, Intent, NewIntent, ProviderError};
use super::{Cards, provider_unavailable};
use crate::auth::{AuthDevice, sha256_hex};
use crate::error::{ApiError, ApiJson};
use crate::state::{AppState, timestamp};
use crate::validate::check_uuid;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use kassa_domain::money::{Currency, MAX_AMOUNT_MINOR, format_minor};
use kassa_server_storage::{CardPayment, CardPaymentUpdate, CardStatus, NewCardPayment};
use kassa_sync_protocol::wire::{CardPaymentRequest, CardPaymentResponse};
use std::collections::BTreeMap;
use tracing::Instrument;

/// The longest idempotency key or PaymentMethod token taken.
const MAX_KEY_CHARS: usize = 128;

/// The answer a payment row gives.
pub(crate) fn response(p: &CardPayment) -> CardPaymentResponse {
    CardPaymentResponse {
        payment_id: p.payment_id.clone(),
        intent_id: p.intent_id.clone(),
        status: p.status.as_str().to_owned(),
        amount_minor: p.amount_minor,
        currency: p.currency.clone(),
        brand: p.brand.clone(),
        last4: p.last4.clone(),
        decline_code: p.decline_code.clone(),
        review: p.review.clone(),
    }
}

/// Checks every field; the first that is wrong is a 400 `invalid_input`.
pub fn check_request(req: &CardPaymentRequest, now: DateTime<Utc>) -> Result<(), ApiError> {
    let pm = &req.payment_method;
    if !(pm.starts_with("pm_")
        && pm.len() <= MAX_KEY_CHARS
        && pm.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    {
        return Err(ApiError::invalid(
            "payment_method must be the provider's PaymentMethod token (pm_..., letters, digits and _), never a card number",
        ));
    }
    if kassa_domain::pan::looks_like_pan(pm) {
        return Err(ApiError::invalid(
            "payment_method holds what looks like a card number; send the provider's token",
        ));
    }
    if !(1..=MAX_AMOUNT_MINOR).contains(&req.amount_minor) {
        return Err(ApiError::invalid(format!(
            "amount_minor must be between 1 and {MAX_AMOUNT_MINOR}"
        )));
    }
    match Currency::from_code(&req.currency) {
        Ok(c) if c.code() == req.currency => {}
        _ => {
            return Err(ApiError::invalid(
                "currency must be an ISO 4217 code in upper case, e.g. EUR",
            ));
        }
    }
    check_uuid("order_id", &req.order_id)?;
    check_uuid("payment_id", &req.payment_id)?;
    let key = &req.idempotency_key;
    if key.is_empty() || key.len() > MAX_KEY_CHARS || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::invalid(format!(
            "idempotency_key must be 1 to {MAX_KEY_CHARS} visible ASCII characters"
        )));
    }
    if let Some(at) = &req.taken_offline_at {
        let at = DateTime::parse_from_rfc3339(at)
            .map_err(|_| ApiError::invalid("taken_offline_at must be an RFC 3339 time"))?;
        if at.with_timezone(&Utc) > now + chrono::Duration::minutes(5) {
            return Err(ApiError::invalid("taken_offline_at is in the future"));
        }
    }
    Ok(())
}

/// A store setting's whole-number value: as the store's devices set it, else its default.
async fn int_setting(state: &AppState, store_id: &str, key: &str) -> Result<i64, ApiError> {
    let def = kassa_domain::settings::SETTINGS
        .iter()
        .find(|d| d.key == key)
        .ok_or_else(|| ApiError::internal(&format!("no setting {key}")))?;
    let set = state.storage.latest_setting(store_id, key).await?;
    let value = set
        .and_then(|v| v.as_i64())
        .and_then(|v| {
            def.validate(kassa_domain::settings::SettingValue::Int(v))
                .ok()
        })
        .unwrap_or_else(|| def.default_value());
    value
        .as_int()
        .ok_or_else(|| ApiError::internal(&format!("setting {key} is not a number")))
}

/// How far back of the time a card was taken offline the server still counts a payment that
/// reached it as pending on the till: the clocks of a till and the server may differ this
/// much, and the server gives the till the benefit of the doubt.
const CLOCK_SLACK_MINUTES: i64 = 5;

/// The store's offline card limits a payment forwarded now broke when the till took it: the
/// per-payment cap, the till's total offline exposure (what it still had pending, as far as
/// the server can tell, with this payment), and the longest an offline payment may wait. The
/// till enforces them before taking a card; a till whose settings were stale or tampered with
/// can still bring one here. The sale was made and the goods are gone, so the card is charged
/// all the same; what is broken is kept for a manager's review.
async fn offline_limits_broken(
    state: &AppState,
    device: &kassa_server_storage::DeviceAuth,
    req: &CardPaymentRequest,
    taken_at: DateTime<Utc>,
) -> Result<Vec<String>, ApiError> {
    let store_id = &device.store_id;
    let money = |minor: i64| {
        let exponent = Currency::from_code(&req.currency).map_or(2, |c| c.exponent());
        format!("{} {}", format_minor(minor, exponent), req.currency)
    };
    let mut broken = Vec::new();
    let cap = int_setting(state, store_id, "payments.offline_card_max_minor").await?;
    if req.amount_minor > cap {
        broken.push(format!(
            "{} is above the cap of {} for one offline card payment",
            money(req.amount_minor),
            money(cap)
        ));
    }
    let exposure_cap = int_setting(state, store_id, "payments.offline_card_exposure_minor").await?;
    let taken = timestamp(taken_at);
    let settled_by = timestamp(taken_at + chrono::Duration::minutes(CLOCK_SLACK_MINUTES));
    let pending = state
        .storage
        .offline_card_exposure(
            store_id,
            &device.device_id,
            &taken,
            &settled_by,
            &req.idempotency_key,
        )
        .await?;
    let exposure = pending.saturating_add(req.amount_minor);
    if exposure > exposure_cap {
        broken.push(format!(
            "the till's offline card payments still pending came to {} with this one, above the cap of {}",
            money(exposure),
            money(exposure_cap)
        ));
    }
    let hours = int_setting(state, store_id, "payments.offline_card_max_age_hours").await?;
    if state.now() - taken_at > chrono::Duration::hours(hours) {
        broken.push(format!(
            "it reached the card provider more than {hours} hours after it was taken"
        ));
    }
    Ok(broken)
}

/// The hash that tells a retry from another request under the same key.
fn request_hash(req: &CardPaymentRequest) -> String {
    let canonical = serde_json::json!([
        req.payment_method,
        req.amount_minor,
        req.currency,
        req.order_id,
        req.payment_id,
        req.taken_offline_at,
    ]);
    sha256_hex(canonical.to_string().as_bytes())
}

/// What an intent says, as an update of its payment.
pub(crate) fn update_from_intent(
    payment: &CardPayment,
    intent: &Intent,
    source: &str,
    now: &str,
) -> CardPaymentUpdate {
    let status = intent.status();
    CardPaymentUpdate {
        store_id: payment.store_id.clone(),
        idempotency_key: payment.idempotency_key.clone(),
        intent_id: Some(intent.id.clone()),
        status,
        brand: None,
        last4: None,
        decline_code: intent.last_error.clone(),
        review: None,
        action: format!("card_payment.{}", status.as_str()),
        source: source.to_owned(),
        now: now.to_owned(),
    }
}

/// Adds the card's brand and last four digits when the payment has none yet.
pub(crate) async fn with_card(
    provider: &dyn CardProvider,
    payment: &CardPayment,
    intent: &Intent,
    mut update: CardPaymentUpdate,
) -> CardPaymentUpdate {
    if payment.last4.is_none()
        && let Some(pm) = &intent.payment_method
    {
        match provider.card(pm).await {
            Ok(card) => {
                update.brand = Some(card.brand);
                update.last4 = Some(card.last4);
            }
            // The payment stands without them; the next webhook or reconciliation fills them.
            Err(e) => tracing::warn!(error = %e, "the card's brand and last digits are unknown"),
        }
    }
    update
}

/// The provider's failure (not the card's) as the device is told it.
pub(crate) fn provider_failed(e: ProviderError) -> ApiError {
    match e {
        ProviderError::Unreachable(detail) => {
            tracing::warn!(detail, "card provider unreachable");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "card_provider_unreachable",
                "the card provider cannot be reached; take the card offline or try again",
            )
        }
        other => {
            tracing::error!(error = %other, "card provider failed");
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                "card_provider_error",
                "the card provider's answer was not understood",
            )
        }
    }
}

/// The payment as the provider decided it, kept.
async fn charge(
    state: &AppState,
    cards: &Cards,
    payment: CardPayment,
    req: &CardPaymentRequest,
) -> Result<CardPayment, ApiError> {
    let provider = &*cards.provider;
    let now = || timestamp(state.now());
    // A payment whose intent was made before (a retry) reads it; else the intent is made,
    // once per idempotency key even if this server crashed after making it.
    let made = match &payment.intent_id {
        Some(id) => provider.retrieve(id).await,
        None => {
            let metadata = BTreeMap::from([
                ("kassa_store".to_owned(), payment.store_id.clone()),
                ("kassa_device".to_owned(), payment.device_id.clone()),
                ("kassa_order".to_owned(), payment.order_id.clone()),
                ("kassa_payment".to_owned(), payment.payment_id.clone()),
                ("kassa_key".to_owned(), payment.idempotency_key.clone()),
            ]);
            provider
                .create(&NewIntent {
                    amount_minor: req.amount_minor,
                    currency: req.currency.clone(),
                    payment_method: req.payment_method.clone(),
                    idempotency_key: payment.idempotency_key.clone(),
                    manual_capture: false,
                    metadata,
                })
                .await
        }
    };
    let intent = match made {
        Ok(intent) => intent,
        // Another request with this key is with the provider right now.
        Err(ProviderError::Refused { status: 409, .. }) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "card_payment_in_progress",
                "this payment is being taken right now; ask again for its outcome",
            ));
        }
        // The server's own key or account is refused: nothing is wrong with the card.
        Err(
            e @ ProviderError::Refused {
                status: 401 | 403, ..
            },
        ) => {
            return Err(provider_failed(e));
        }
        Err(ProviderError::Refused {
            code, decline_code, ..
        }) => {
            // The provider will not take this payment (an unknown or unusable card token).
            let update = CardPaymentUpdate {
                store_id: payment.store_id.clone(),
                idempotency_key: payment.idempotency_key.clone(),
                intent_id: None,
                status: CardStatus::Declined,
                brand: None,
                last4: None,
                decline_code: Some(
                    decline_code
                        .or(code)
                        .unwrap_or_else(|| "provider_refused".into()),
                ),
                review: None,
                action: "card_payment.declined".into(),
                source: "checkout".into(),
                now: now(),
            };
            return Ok(state.storage.update_card_payment(update).await?);
        }
        Err(e) => return Err(provider_failed(e)),
    };
    // The intent's id is kept before it is confirmed, so a crash from here on finds it.
    let mut payment = if payment.intent_id.as_deref() != Some(intent.id.as_str()) {
        let update = update_from_intent(&payment, &intent, "checkout", &now());
        state.storage.update_card_payment(update).await?
    } else {
        payment
    };
    let intent = if intent.provider_status == "requires_confirmation" {
        match provider.confirm(&intent.id).await {
            Ok(confirmed) => confirmed,
            Err(e) if e.is_card_error() => {
                let mut declined = provider
                    .retrieve(&intent.id)
                    .await
                    .map_err(provider_failed)?;
                if declined.last_error.is_none()
                    && let ProviderError::Refused {
                        code, decline_code, ..
                    } = e
                {
                    declined.last_error = Some(
                        decline_code
                            .or(code)
                            .unwrap_or_else(|| "card_declined".into()),
                    );
                }
                declined
            }
            Err(e) => return Err(provider_failed(e)),
        }
    } else {
        intent
    };
    if intent.status() != payment.status || payment.last4.is_none() {
        let update = update_from_intent(&payment, &intent, "checkout", &now());
        let update = with_card(provider, &payment, &intent, update).await;
        payment = state.storage.update_card_payment(update).await?;
    }
    Ok(payment)
}

pub(crate) async fn pay(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    ApiJson(req): ApiJson<CardPaymentRequest>,
) -> Result<Json<CardPaymentResponse>, ApiError> {
    let span = tracing::info_span!(
        "card_payment",
        store = %device.store_id,
        device = %device.device_id,
        payment = %req.payment_id,
        offline = req.taken_offline_at.is_some(),
    );
    pay_in(state, device, req).instrument(span).await
}

async fn pay_in(
    state: AppState,
    device: kassa_server_storage::DeviceAuth,
    req: CardPaymentRequest,
) -> Result<Json<CardPaymentResponse>, ApiError> {
    let cards = state.cards.clone().ok_or_else(provider_unavailable)?;
    check_request(&req, state.now())?;
    let taken_offline_at = match &req.taken_offline_at {
        Some(at) => Some(
            DateTime::parse_from_rfc3339(at)
                .map_err(|_| ApiError::invalid("taken_offline_at must be an RFC 3339 time"))?
                .with_timezone(&Utc),
        ),
        None => None,
    };
    // The limits are judged once, when the payment is first kept: a retry (after a crash on
    // either side, with the intent perhaps made) finds the payment and its review as they were.
    let held = state
        .storage
        .card_payment_by_key(&device.store_id, &req.idempotency_key)
        .await?;
    let broken = match (taken_offline_at, &held) {
        (Some(at), None) => offline_limits_broken(&state, &device, &req, at).await?,
        _ => Vec::new(),
    };
    let (mut payment, new) = state
        .storage
        .begin_card_payment(NewCardPayment {
            store_id: device.store_id.clone(),
            device_id: device.device_id.clone(),
            order_id: req.order_id.clone(),
            payment_id: req.payment_id.clone(),
            idempotency_key: req.idempotency_key.clone(),
            amount_minor: req.amount_minor,
            currency: req.currency.clone(),
            request_hash: request_hash(&req),
            taken_offline_at: taken_offline_at.map(timestamp),
            now: timestamp(state.now()),
        })
        .await?;
    if new && !broken.is_empty() {
        let review = format!(
            "taken offline beyond the store's limits: {}",
            broken.join("; ")
        );
        tracing::warn!(store = %payment.store_id, device = %payment.device_id, payment = %payment.payment_id, %review, "offline card limits broken");
        state.metrics.offline_card_limits_broken();
        payment = state
            .storage
            .update_card_payment(CardPaymentUpdate {
                store_id: payment.store_id.clone(),
                idempotency_key: payment.idempotency_key.clone(),
                intent_id: None,
                status: payment.status,
                brand: None,
                last4: None,
                decline_code: None,
                review: Some(review),
                action: "card_payment.offline_limits_broken".into(),
                source: "checkout".into(),
                now: timestamp(state.now()),
            })
            .await?;
    }
    if payment.status.is_final() {
        return Ok(Json(response(&payment)));
    }
    let payment = charge(&state, &cards, payment, &req).await?;
    tracing::info!(store = %payment.store_id, payment = %payment.payment_id, status = payment.status.as_str(), "card payment");
    Ok(Json(response(&payment)))
}
