//! The `/api/v1` routes: one table that both the router and the OpenAPI document read.

use crate::audit_chain::check_audit;
use crate::auth::{AuthDevice, new_token, sha256_hex};
use crate::error::{ApiError, ApiJson, ApiJsonBody};
use crate::pairing::{code_hash, issue_pairing_code};
use crate::server_key::{ServerKey, decode_store_key, encode_store_key};
use crate::state::{AppState, timestamp};
use crate::validate::{
    MIN_SCHEMA_VERSION, batch_hash, check_allotment, check_pair, check_protocol, check_push,
    check_schema, check_uuid, pull_limit, read_push, rewritten_batch_hash,
};
use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get, post};
use kassa_server_storage::{AllotmentInput, PairInput, PushInput, RevokeInput, StorageError};
use kassa_sync_protocol::wire::{
    AllotmentRequest, AllotmentResponse, DevicesResponse, EmailsResponse, HandshakeRequest,
    HandshakeResponse, MAX_PUSH_CHANGES, PROTOCOL_VERSION, PairRequest, PairResponse,
    PairingCodeResponse, PullResponse, PushRequest, PushResponse, RawPayload, StoreKeyRecord,
    StoreKeysResponse,
};
use serde::Deserialize;
use tracing::Instrument;
use zeroize::Zeroize;

/// One route as the OpenAPI document describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    /// Lower case, as OpenAPI writes it.
    pub method: &'static str,
    /// The full path, with `{param}` as both axum and OpenAPI write it.
    pub path: &'static str,
    pub operation_id: &'static str,
    pub summary: &'static str,
    /// True when the route needs `Authorization: Bearer TOKEN`.
    pub auth: bool,
    /// The request body's schema name in `components.schemas`.
    pub request: Option<&'static str>,
    /// The success answer's schema name, or `None` for a text answer.
    pub response: Option<&'static str>,
}

const fn spec(
    method: &'static str,
    path: &'static str,
    operation_id: &'static str,
    summary: &'static str,
    auth: bool,
    request: Option<&'static str>,
    response: Option<&'static str>,
) -> RouteSpec {
    RouteSpec {
        method,
        path,
        operation_id,
        summary,
        auth,
        request,
        response,
    }
}

/// Every route the server serves, with its handler.
pub(crate) fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![
        (
            spec(
                "get",
                "/api/v1/updates/{target}/{arch}/{current_version}",
                "update_manifest",
                "The newest signed app release for a platform, or 204 when the caller has it",
                false,
                None,
                Some("UpdateManifest"),
            ),
            get(crate::updates::manifest),
        ),
        (
            spec(
                "get",
                "/api/v1/update-files/{version}/{platform}/{file}",
                "update_artifact",
                "One release artifact, as signed (the app checks the signature)",
                false,
                None,
                None,
            ),
            get(crate::updates::artifact),
        ),
        (
            spec(
                "post",
                "/api/v1/handshake",
                "handshake",
                "Compare protocol and schema versions",
                false,
                Some("HandshakeRequest"),
                Some("HandshakeResponse"),
            ),
            post(handshake),
        ),
        (
            spec(
                "post",
                "/api/v1/pair",
                "pair",
                "Redeem a one-time pairing code for a device token",
                false,
                Some("PairRequest"),
                Some("PairResponse"),
            ),
            post(pair),
        ),
        (
            spec(
                "post",
                "/api/v1/push",
                "push",
                "Send a batch of outbox changes (idempotent by batch_id); its audit entries must continue the device's chain",
                true,
                Some("PushRequest"),
                Some("PushResponse"),
            ),
            post(push),
        ),
        (
            spec(
                "get",
                "/api/v1/pull",
                "pull",
                "Read the store's log after a cursor, with every device's audit head",
                true,
                None,
                Some("PullResponse"),
            ),
            get(pull),
        ),
        (
            spec(
                "get",
                "/api/v1/devices",
                "listDevices",
                "List the store's devices",
                true,
                None,
                Some("DevicesResponse"),
            ),
            get(devices),
        ),
        (
            spec(
                "post",
                "/api/v1/devices/{id}/revoke",
                "revokeDevice",
                "Revoke a device of the store",
                true,
                None,
                Some("DevicesResponse"),
            ),
            post(revoke),
        ),
        (
            spec(
                "get",
                "/api/v1/store-keys",
                "storeKeys",
                "Every epoch of the store's key, for a device of the store that is not revoked",
                true,
                None,
                Some("StoreKeysResponse"),
            ),
            get(store_keys),
        ),
        (
            spec(
                "post",
                "/api/v1/pairing-codes",
                "issuePairingCode",
                "Make a one-time code for another device to join this device's store",
                true,
                None,
                Some("PairingCodeResponse"),
            ),
            post(pairing_code),
        ),
        // Email: what the server sends for the store.
        (
            spec(
                "get",
                "/api/v1/emails",
                "listEmails",
                "The emails of the device's store the server sends, with their status, attempts and last error",
                true,
                None,
                Some("EmailsResponse"),
            ),
            get(emails),
        ),
        (
            spec(
                "post",
                "/api/v1/emails/invitation",
                "sendInvitationEmail",
                "Hand over a staff invitation's one-time code for the server to email to the person, once per email id (a retry answers the email as held); or, with `withdrawn`, keep the email as failed without a code. The code is blanked once the email is sent or failed",
                true,
                Some("InvitationEmailRequest"),
                Some("InvitationEmailResponse"),
            ),
            post(crate::email::invitation::send_invitation),
        ),
        (
            spec(
                "post",
                "/api/v1/payments/card",
                "payCard",
                "Take a card payment through the card provider (create and confirm a PaymentIntent under the checkout's idempotency key); a retry answers the first outcome",
                true,
                Some("CardPaymentRequest"),
                Some("CardPaymentResponse"),
            ),
            post(crate::cards::pay),
        ),
        (
            spec(
                "post",
                "/api/v1/payments/refund",
                "refundCard",
                "Pay a refund back to the card it was paid with, through the card provider, at most what the PaymentIntent captured less its other refunds; the refund payment id is the provider's idempotency key, so a retry answers the first outcome",
                true,
                Some("CardRefundRequest"),
                Some("CardRefundResponse"),
            ),
            post(crate::cards::refund),
        ),
        (
            spec(
                "get",
                "/api/v1/payments/findings",
                "cardFindings",
                "What the server found about the device's store's card payments, newest first (at most 200): reconciliation's fixes (recorded, status_reconciled, amount_differs) and payments taken offline beyond the store's limits (offline_limits_broken)",
                true,
                None,
                Some("CardFindingsResponse"),
            ),
            get(crate::cards::findings),
        ),
        // Seats: each departure's capacity pool, held by the store's devices.
        (
            spec(
                "post",
                "/api/v1/allotments",
                "setAllotment",
                "Set how many seats of a capacity pool this device holds, in all: more only while the store's other devices leave them free (else 409 insufficient_seats, naming the seats held and free), less always; a version at or below the one held changes nothing and answers the holding as it stands",
                true,
                Some("AllotmentRequest"),
                Some("AllotmentResponse"),
            ),
            post(set_allotment),
        ),
        (
            spec(
                "post",
                "/api/v1/webhooks/stripe",
                "stripeWebhook",
                "The card provider's event, signed (Stripe-Signature: t=...,v1=... over \"{t}.{body}\", 300 s tolerance); handled once per event id, the intent fetched again",
                false,
                Some("ProviderEvent"),
                Some("WebhookReceipt"),
            ),
            post(crate::cards::stripe_webhook),
        ),
        (
            spec(
                "get",
                "/api/v1/health",
                "health",
                "Liveness",
                false,
                None,
                Some("Health"),
            ),
            get(health),
        ),
        (
            spec(
                "get",
                "/api/v1/metrics",
                "metrics",
                "Prometheus metrics",
                false,
                None,
                None,
            ),
            get(metrics),
        ),
        (
            spec(
                "get",
                "/api/v1/openapi.json",
                "openapi",
                "This document",
                false,
                None,
                None,
            ),
            get(openapi),
        ),
    ]
}

/// The routes' descriptions alone.
pub fn route_specs() -> Vec<RouteSpec> {
    routes().into_iter().map(|(s, _)| s).collect()
}

async fn handshake(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<HandshakeRequest>,
) -> Result<Json<HandshakeResponse>, ApiError> {
    check_protocol(req.protocol)?;
    Ok(Json(HandshakeResponse {
        protocol: PROTOCOL_VERSION,
        min_schema_version: MIN_SCHEMA_VERSION,
        update_required: req.schema_version < MIN_SCHEMA_VERSION,
        server_time: timestamp(state.now()),
        max_push_changes: MAX_PUSH_CHANGES as u32,
    }))
}

async fn pair(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<PairRequest>,
) -> Result<Json<PairResponse>, ApiError> {
    check_pair(&req)?;
    // A device that brings its store brings its store key: the server keeps it sealed.
    let sealed_store_key = match (&req.store, req.store_key.as_deref()) {
        (Some(store), Some(text)) => {
            let key = decode_store_key(text)?;
            Some(state.server_key.seal_store_key(&store.id, &key)?)
        }
        (Some(_), None) => {
            return Err(ApiError::invalid(
                "a device that sends its store must send its store_key (32 bytes, base64url)",
            ));
        }
        (None, Some(_)) => {
            return Err(ApiError::invalid(
                "store_key is sent only with the store it belongs to",
            ));
        }
        (None, None) => None,
    };
    let token = new_token();
    let now = timestamp(state.now());
    let paired = state
        .storage
        .pair(PairInput {
            code_hash: code_hash(&req.code),
            device_id: req.device_id,
            device_name: req.device_name.trim().to_owned(),
            store: req.store,
            token_hash: sha256_hex(token.as_bytes()),
            sealed_store_key,
            now: now.clone(),
        })
        .await?;
    let Some(sealed) = paired.sealed_store_key.as_deref() else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "this store has no store key on the server yet: pair one of its existing devices again first",
        ));
    };
    let store_key = encode_store_key(&state.server_key.open_store_key(&paired.store_id, sealed)?);
    tracing::info!(store = %paired.store_id, device = %paired.device_id, code = %paired.device_code, "device paired");
    Ok(Json(PairResponse {
        store_id: paired.store_id,
        device_id: paired.device_id,
        device_code: paired.device_code,
        token,
        server_time: now,
        store_key,
    }))
}

/// The header a device may send with a push to say its schema version (the push body
/// does not carry it).
pub const SCHEMA_VERSION_HEADER: &str = "kassa-schema-version";

async fn push(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    headers: HeaderMap,
    ApiJsonBody(req, body): ApiJsonBody<PushRequest<RawPayload>>,
) -> Result<Json<PushResponse>, ApiError> {
    if let Some(v) = headers.get(SCHEMA_VERSION_HEADER) {
        let version = v
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<u32>().ok())
            .ok_or_else(|| {
                ApiError::invalid(format!("{SCHEMA_VERSION_HEADER} must be a number"))
            })?;
        check_schema(version)?;
    }
    check_push(&req, &device.device_id)?;
    let audit = check_audit(&req.changes, &device.device_id)?;
    let hash = batch_hash(&req.changes)?;
    let carries_email = req
        .changes
        .iter()
        .any(|c| c.change.entity == kassa_server_storage::EMAIL_ENTITY);
    let now = timestamp(state.now());
    let span = tracing::info_span!(
        "push",
        store = %device.store_id,
        device = %device.device_id,
        changes = req.changes.len(),
    );
    let input = |req: PushRequest<RawPayload>, batch_hash: String| PushInput {
        store_id: device.store_id.clone(),
        device_id: device.device_id.clone(),
        batch_id: req.batch_id,
        batch_hash,
        audit: audit.clone(),
        changes: req.changes,
        now: now.clone(),
    };
    let pushed = match state
        .storage
        .push(input(req, hash.clone()))
        .instrument(span.clone())
        .await
    {
        Err(StorageError::IdempotencyMismatch) => {
            // A server before this one may have stored this very batch under the hash of
            // its payloads rewritten: the device is sending it again, its answer lost.
            let rewritten = rewritten_batch_hash(&body)?;
            if rewritten == hash {
                return Err(StorageError::IdempotencyMismatch.into());
            }
            state
                .storage
                .push(input(read_push(&body)?, rewritten))
                .instrument(span.clone())
                .await?
        }
        answer => answer?,
    };
    span.in_scope(|| {
        tracing::debug!(
            accepted = pushed.accepted,
            acked_seq = pushed.acked_seq,
            "pushed"
        )
    });
    state.metrics.changes_accepted.inc_by(pushed.accepted);
    if pushed.accepted > 0 && carries_email {
        state.mail_wake.notify_one();
    }
    Ok(Json(PushResponse {
        accepted: pushed.accepted,
        acked_seq: pushed.acked_seq,
        server_time: now,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PullParams {
    after: Option<u64>,
    limit: Option<u32>,
}

async fn pull(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    params: Result<Query<PullParams>, QueryRejection>,
) -> Result<Json<PullResponse<RawPayload>>, ApiError> {
    let Query(params) = params?;
    let limit = pull_limit(params.limit)?;
    let after = params.after.unwrap_or(0);
    let span = tracing::info_span!(
        "pull",
        store = %device.store_id,
        device = %device.device_id,
        after,
    );
    let page = state
        .storage
        .pull(&device.store_id, &device.device_id, after, limit)
        .instrument(span.clone())
        .await?;
    span.in_scope(|| {
        tracing::debug!(
            changes = page.changes.len(),
            remaining = page.remaining,
            "pulled"
        )
    });
    let now = timestamp(state.now());
    state.storage.touch(&device.device_id, &now).await?;
    state.metrics.pulls.inc();
    state
        .metrics
        .changes_pulled
        .inc_by(page.changes.len() as u64);
    Ok(Json(PullResponse {
        changes: page.changes,
        cursor: page.cursor,
        remaining: page.remaining,
        server_time: now,
        store_key_epoch: page.store_key_epoch,
        audit_heads: page.audit_heads,
    }))
}

async fn devices(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
) -> Result<Json<DevicesResponse>, ApiError> {
    Ok(Json(DevicesResponse {
        devices: state.storage.devices(&device.store_id).await?,
    }))
}

async fn revoke(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<DevicesResponse>, ApiError> {
    let Path(id) = id?;
    check_uuid("the device id", &id)?;
    let now = timestamp(state.now());
    // The next epoch of the store key, so the revoked device opens nothing sealed from now
    // on; kept only if this revocation is the device's first.
    let mut next = ServerKey::new_store_key();
    let sealed = state.server_key.seal_store_key(&device.store_id, &next);
    next.zeroize();
    let rotated = state
        .storage
        .revoke(RevokeInput {
            store_id: device.store_id.clone(),
            device_id: id.clone(),
            by_device: device.device_id.clone(),
            next_store_key: sealed?,
            now,
        })
        .await?;
    tracing::info!(store = %device.store_id, device = %id, by = %device.device_id, "device revoked");
    if let Some(epoch) = rotated {
        tracing::info!(store = %device.store_id, epoch, "store key rotated");
    }
    Ok(Json(DevicesResponse {
        devices: state.storage.devices(&device.store_id).await?,
    }))
}

async fn store_keys(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
) -> Result<Json<StoreKeysResponse>, ApiError> {
    let sealed = state.storage.store_keys(&device.store_id).await?;
    let mut keys = Vec::with_capacity(sealed.len());
    for k in sealed {
        let mut key = state
            .server_key
            .open_store_key(&device.store_id, &k.sealed)?;
        keys.push(StoreKeyRecord {
            epoch: k.epoch,
            key: encode_store_key(&key),
        });
        key.zeroize();
    }
    Ok(Json(StoreKeysResponse { keys }))
}

async fn pairing_code(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
) -> Result<Json<PairingCodeResponse>, ApiError> {
    let issued = issue_pairing_code(&*state.storage, Some(&device.store_id), state.now())
        .await
        .map_err(|e| match e {
            crate::ServerError::Storage(e) => ApiError::from(e),
            other => ApiError::internal(&other.to_string()),
        })?;
    tracing::info!(store = %device.store_id, by = %device.device_id, "pairing code issued");
    Ok(Json(PairingCodeResponse {
        code: issued.code,
        store_id: device.store_id,
        expires_at: issued.expires_at,
    }))
}

async fn set_allotment(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    ApiJson(req): ApiJson<AllotmentRequest>,
) -> Result<Json<AllotmentResponse>, ApiError> {
    check_allotment(&req)?;
    let span = tracing::info_span!(
        "allotment",
        store = %device.store_id,
        device = %device.device_id,
        pool = %req.pool_id,
        seats = req.seats,
        version = req.version,
    );
    let kept = state
        .storage
        .set_allotment(AllotmentInput {
            store_id: device.store_id,
            device_id: device.device_id,
            pool_id: req.pool_id,
            departure_id: req.departure_id,
            seats: req.seats,
            version: req.version,
            release_at: req.release_at,
            now: timestamp(state.now()),
        })
        .instrument(span.clone())
        .await;
    let kept = match kept {
        Ok(kept) => kept,
        Err(e) => {
            if let StorageError::InsufficientSeats { holding, free, .. } = &e {
                span.in_scope(|| tracing::info!(holding, free, "allotment refused"));
            }
            return Err(e.into());
        }
    };
    span.in_scope(|| {
        tracing::info!(
            holding = kept.seats,
            held = kept.held,
            free = kept.free,
            "allotment set"
        )
    });
    Ok(Json(AllotmentResponse {
        pool_id: kept.pool_id,
        seats: kept.seats,
        version: kept.version,
        release_at: kept.release_at,
        capacity: kept.capacity,
        held: kept.held,
        free: kept.free,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailsParams {
    updated_after: Option<String>,
}

async fn emails(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    params: Result<Query<EmailsParams>, QueryRejection>,
) -> Result<Json<EmailsResponse>, ApiError> {
    let Query(params) = params?;
    if let Some(t) = &params.updated_after {
        chrono::DateTime::parse_from_rfc3339(t).map_err(|_| {
            ApiError::invalid(
                "updated_after must be an RFC 3339 time, e.g. 2026-12-03T18:00:00.000Z",
            )
        })?;
    }
    let emails = state
        .storage
        .emails(Some(&device.store_id), params.updated_after.as_deref())
        .await?;
    Ok(Json(EmailsResponse {
        emails: emails.into_iter().map(crate::email::state_of).collect(),
    }))
}

async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "backend": state.storage.backend() }))
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    // The queue is the storage's, shared by every instance: read it now.
    match state.storage.email_counts().await {
        Ok(counts) => state.metrics.set_email_counts(&counts),
        Err(e) => tracing::error!(error = %e, "cannot count the email queue"),
    }
    match state.storage.store_health().await {
        Ok(stores) => state.metrics.set_store_health(&stores, state.now()),
        Err(e) => tracing::error!(error = %e, "cannot read the stores' figures"),
    }
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}

async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}
