//! Every failure as `{"error":{"code","message"}}` with a fitting status, including the
//! framework's own refusals (bad JSON, wrong method, unknown route, oversized body).
//!
//! | status | code | when |
//! |---|---|---|
//! | 400 | `invalid_input` | malformed JSON, wrong types, a field out of bounds, a bad query or path |
//! | 400 | `invalid_pairing_code` | the code is unknown, used or expired (400: the device has no identity yet) |
//! | 401 | `unauthenticated` | no token, or one the server does not know |
//! | 401 | `device_revoked` | the device was revoked |
//! | 404 | `not_found` | no such route, or no such device in the caller's store |
//! | 405 | `method_not_allowed` | the route does not take that method |
//! | 408 | `timeout` | the request took longer than the server's limit |
//! | 409 | `conflict` | a store or device id already paired, a change id already in the log |
//! | 409 | `idempotency_mismatch` | a batch id reused with other changes |
//! | 409 | `sequence_gap` | the batch starts after the device's last acknowledged change + 1 |
//! | 409 | `device_cloned` | the device reused a sequence with another change; it stays blocked |
//! | 409 | `audit_chain_break` | an audit entry of the push does not match its hash or does not continue the device's chain as the server holds it |
//! | 409 | `insufficient_seats` | an allotment above what the store's other devices leave of the pool's capacity; the message names the seats the device holds and those free; nothing changes |
//! | 413 | `payload_too_large` | the body is over `MAX_BODY_BYTES` |
//! | 415 | `invalid_input` | the body is not sent as `application/json` |
//! | 426 | `update_required` | another protocol, or a schema older than the server's minimum |
//! | 400 | `webhook_signature_malformed` | a webhook without a `Stripe-Signature` header of `t=...,v1=...` |
//! | 401 | `webhook_signature_invalid` | no webhook signature matches the raw body under the webhook secret |
//! | 401 | `webhook_signature_expired` | the webhook's signature time is more than 300 s from the server's clock |
//! | 409 | `idempotency_mismatch` | a card payment's idempotency key reused with another request |
//! | 409 | `card_payment_in_progress` | the provider is taking the same payment for another request now |
//! | 404 | `card_payment_unknown` | a card refund names a payment and PaymentIntent the caller's store does not hold |
//! | 409 | `card_payment_not_captured` | a card refund of a payment the provider has not captured |
//! | 409 | `card_refund_in_progress` | the provider is making the same refund for another request now |
//! | 422 | `refund_exceeds_captured` | a card refund above what the PaymentIntent captured less its other refunds; nothing is kept |
//! | 502 | `card_provider_error` | the card provider answered something the server does not understand |
//! | 503 | `card_provider_unreachable` | the card provider cannot be reached (the device may take the card offline) |
//! | 503 | `card_provider_not_configured` | the server has no card provider (or, for webhooks, no webhook secret: `webhooks_not_configured`) |
//! | 500 | `internal` | the database failed (the detail is logged, not sent) |
//! | 500 | `server_key_mismatch` | the server key does not open the store's sealed store key |

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kassa_server_storage::StorageError;
use kassa_sync_protocol::wire::{ErrorBody, ErrorDetail};
use serde::de::DeserializeOwned;

/// A refused request: its status, stable code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 `invalid_input`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_input", message)
    }

    /// 409 `audit_chain_break`.
    pub fn audit_chain_break(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "audit_chain_break", message)
    }

    /// 426 `update_required`.
    pub fn update_required(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UPGRADE_REQUIRED, "update_required", message)
    }

    /// 401 `unauthenticated`.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "a valid device token is required (Authorization: Bearer TOKEN)",
        )
    }

    /// 500 `internal`; the detail goes to the log only.
    pub fn internal(detail: &str) -> Self {
        tracing::error!(detail, "request failed inside the server");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed; try again later",
        )
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        let message = e.to_string();
        match e {
            // 400 rather than 401: the device has no identity yet; the code is what is wrong.
            StorageError::PairingCodeInvalid => {
                Self::new(StatusCode::BAD_REQUEST, "invalid_pairing_code", message)
            }
            StorageError::Conflict(_) => Self::new(StatusCode::CONFLICT, "conflict", message),
            StorageError::IdempotencyMismatch => {
                Self::new(StatusCode::CONFLICT, "idempotency_mismatch", message)
            }
            StorageError::SequenceGap { .. } => {
                Self::new(StatusCode::CONFLICT, "sequence_gap", message)
            }
            StorageError::DeviceCloned { .. } => {
                Self::new(StatusCode::CONFLICT, "device_cloned", message)
            }
            StorageError::AuditChainBreak(_) => Self::audit_chain_break(message),
            StorageError::NotFound(_) => Self::new(StatusCode::NOT_FOUND, "not_found", message),
            StorageError::RefundExceedsCaptured { .. } => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "refund_exceeds_captured",
                message,
            ),
            StorageError::InsufficientSeats { .. } => {
                Self::new(StatusCode::CONFLICT, "insufficient_seats", message)
            }
            StorageError::InvalidInput(_) => Self::invalid(message),
            StorageError::Backend(detail) => Self::internal(&detail),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.into(),
                message: self.message,
                request_id: None,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::MissingJsonContentType(_) => not_json(),
            JsonRejection::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                too_large()
            }
            other => Self::invalid(other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::invalid(r.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        Self::invalid(r.body_text())
    }
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!(
            "the body is larger than {} bytes",
            kassa_sync_protocol::wire::MAX_BODY_BYTES
        ),
    )
}

/// A JSON body whose every rejection is an [`ApiError`]: wrong types are 400, not 422.
///
/// A body is read as plain JSON first; only one that does not read is read again the way
/// axum's `Json` reads it, for its message naming where the body went wrong (tracking that
/// path costs a good part of reading a large push).
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ApiJsonBody(v, _) = ApiJsonBody::from_request(req, state).await?;
        Ok(ApiJson(v))
    }
}

/// An [`ApiJson`] body that keeps the bytes it was read from, for reading them again
/// another way (a push whose hash an earlier server took differently).
pub struct ApiJsonBody<T>(pub T, pub axum::body::Bytes);

impl<T, S> FromRequest<S> for ApiJsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(req.headers()) {
            return Err(not_json());
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|r| ApiError::from(JsonRejection::from(r)))?;
        if let Ok(v) = serde_json::from_slice::<T>(&bytes) {
            return Ok(ApiJsonBody(v, bytes));
        }
        match Json::<T>::from_bytes(&bytes) {
            Ok(Json(v)) => Ok(ApiJsonBody(v, bytes)),
            Err(r) => Err(r.into()),
        }
    }
}

/// Whether the request says its body is JSON, as axum's `Json` asks it:
/// `application/json` or `application/<anything>+json`, parameters allowed.
fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind == "application" && (subtype == "json" || subtype.ends_with("+json"))
}

fn not_json() -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "invalid_input",
        "the body must be JSON with Content-Type: application/json",
    )
}

/// The code for an error status that no handler shaped.
fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::UNAUTHORIZED => "unauthenticated",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::CONFLICT => "conflict",
        s if s.is_server_error() => "internal",
        _ => "invalid_input",
    }
}

/// Gives every error answer that is not JSON yet (the router's 404 and 405, a timeout's
/// 408) the `ErrorBody` shape.
pub async fn shape_errors(res: Response) -> Response {
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_owned();
    let message = if text.is_empty() {
        match status {
            StatusCode::NOT_FOUND => "no such route".to_owned(),
            StatusCode::METHOD_NOT_ALLOWED => "this route does not take that method".to_owned(),
            StatusCode::REQUEST_TIMEOUT => "the request took too long".to_owned(),
            s => s.canonical_reason().unwrap_or("error").to_owned(),
        }
    } else {
        text
    };
    let body = ErrorBody {
        error: ErrorDetail {
            code: code_for(status).into(),
            message,
            request_id: None,
        },
    };
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

/// The answer to a route nobody serves.
pub async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}
