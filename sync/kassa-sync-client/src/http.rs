//! The transport over HTTP (reqwest, rustls): the server's base URL, checked, and the
//! server's refusals as typed errors.

use crate::transport::Transport;
use kassa_domain::{Error, ErrorCode, Result};
use kassa_sync_protocol::wire::{
    AllotmentRequest, AllotmentResponse, CardFindingsResponse, CardPaymentRequest,
    CardPaymentResponse, CardRefundRequest, CardRefundResponse, DevicesResponse, EmailsResponse,
    ErrorBody, HandshakeRequest, HandshakeResponse, InvitationEmailRequest,
    InvitationEmailResponse, PairRequest, PairResponse, PairingCodeResponse, PullResponse,
    PushRequest, PushResponse, RawPayload, StoreKeysResponse,
};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::net::IpAddr;
use std::time::Duration;

/// The header every authenticated call carries the device's schema version in; the server
/// refuses a push from a schema it no longer syncs with (`update_required`).
pub const SCHEMA_VERSION_HEADER: &str = "kassa-schema-version";

/// How long to wait for a connection, and for a whole exchange.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Checks a server's base URL and gives it back in one spelling (no trailing slash).
///
/// `https://` is taken for any host; plain `http://` only for this machine (`localhost`,
/// `127.0.0.1`, `::1`), because the device's token and every change travel in it.
pub fn validate_server_url(text: &str) -> Result<String> {
    let url = Url::parse(text.trim()).map_err(|e| {
        Error::invalid_input(format!(
            "the server URL '{text}' is not a URL ({e}); write it like https://kassa.example.com"
        ))
    })?;
    let host = url.host_str().unwrap_or_default();
    if host.is_empty() {
        return Err(Error::invalid_input(format!(
            "the server URL '{text}' names no host"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid_input(
            "the server URL must not carry a user name or password",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid_input(
            "the server URL must not carry a query or a fragment",
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => {
            return Err(Error::invalid_input(format!(
                "plain http:// is only allowed for a server on this machine (localhost); use https://{host} so the device's token and data travel encrypted"
            )));
        }
        other => {
            return Err(Error::invalid_input(format!(
                "the server URL must start with https:// (it starts with {other}://)"
            )));
        }
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// The server's API over HTTP(S).
#[derive(Debug, Clone)]
pub struct HttpTransport {
    base: String,
    client: reqwest::Client,
}

impl HttpTransport {
    /// A transport to the server at `server_url` (checked by [`validate_server_url`]).
    pub fn new(server_url: &str) -> Result<HttpTransport> {
        let base = validate_server_url(server_url)?;
        // reqwest is built without a crypto provider of its own; ring is Kassa's. Installing
        // fails harmlessly when this process already has one.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("kassa/", env!("CARGO_PKG_VERSION")))
            // The token goes only where the admin pointed the device: a redirect is not
            // followed (it answers as a server that is not Kassa's).
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::internal(format!("the HTTP client cannot start: {e}")))?;
        Ok(HttpTransport { base, client })
    }

    /// The server's base URL as checked.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
    ) -> Result<Option<T>> {
        let url = format!("{}/api/v1/{path}", self.base);
        let mut req = self.client.request(method, &url);
        if let Some(token) = token {
            req = req.bearer_auth(token).header(
                SCHEMA_VERSION_HEADER,
                kassa_store::SCHEMA_VERSION.to_string(),
            );
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.map_err(|e| unreachable(&self.base, &e))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| unreachable(&self.base, &e))?;
        if !status.is_success() {
            return Err(refusal(&self.base, status, &bytes));
        }
        if status == StatusCode::NO_CONTENT || bytes.is_empty() {
            return Ok(None);
        }
        serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            Error::new(
                ErrorCode::Unavailable,
                format!(
                    "the server at {} gave an answer Kassa cannot read ({e}); is it a Kassa server of this version?",
                    self.base
                ),
            )
        })
    }

    async fn expect<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
    ) -> Result<T> {
        self.call(method, path, token, body).await?.ok_or_else(|| {
            Error::new(
                ErrorCode::Unavailable,
                format!("the server at {} gave an empty answer", self.base),
            )
        })
    }
}

impl HttpTransport {
    /// `POST /payments/card`: the server takes a card payment through the card provider
    /// and answers its outcome (`captured` or `declined`). The server or the provider out
    /// of reach is `server_unreachable` or `unavailable`: the till takes the card offline.
    pub async fn pay_card(
        &self,
        token: &str,
        req: &CardPaymentRequest,
    ) -> Result<CardPaymentResponse> {
        self.expect(Method::POST, "payments/card", Some(token), Some(req))
            .await
    }

    /// `POST /payments/refund`: the server pays a refund back to the card through the card
    /// provider and answers its outcome (`refunded` or `failed`). More than the payment
    /// captured less its other refunds is `invalid_input`, and nothing is kept.
    pub async fn refund_card(
        &self,
        token: &str,
        req: &CardRefundRequest,
    ) -> Result<CardRefundResponse> {
        self.expect(Method::POST, "payments/refund", Some(token), Some(req))
            .await
    }
}

impl Transport for HttpTransport {
    async fn pay_card(&self, token: &str, req: &CardPaymentRequest) -> Result<CardPaymentResponse> {
        HttpTransport::pay_card(self, token, req).await
    }

    async fn refund_card(
        &self,
        token: &str,
        req: &CardRefundRequest,
    ) -> Result<CardRefundResponse> {
        HttpTransport::refund_card(self, token, req).await
    }

    async fn handshake(&self, req: &HandshakeRequest) -> Result<HandshakeResponse> {
        self.expect(Method::POST, "handshake", None, Some(req))
            .await
    }

    async fn pair(&self, req: &PairRequest) -> Result<PairResponse> {
        self.expect(Method::POST, "pair", None, Some(req)).await
    }

    async fn push(&self, token: &str, req: &PushRequest<RawPayload>) -> Result<PushResponse> {
        self.expect(Method::POST, "push", Some(token), Some(req))
            .await
    }

    async fn pull(&self, token: &str, after: u64, limit: u32) -> Result<PullResponse> {
        let path = format!("pull?after={after}&limit={limit}");
        self.expect::<(), _>(Method::GET, &path, Some(token), None)
            .await
    }

    async fn devices(&self, token: &str) -> Result<DevicesResponse> {
        self.expect::<(), _>(Method::GET, "devices", Some(token), None)
            .await
    }

    async fn revoke(&self, token: &str, device_id: &str) -> Result<()> {
        // A device id is a UUID; anything else must not reach the path.
        if device_id.is_empty()
            || !device_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(Error::invalid_input(format!(
                "'{device_id}' is not a device id"
            )));
        }
        let path = format!("devices/{device_id}/revoke");
        self.call::<(), serde_json::Value>(Method::POST, &path, Some(token), None)
            .await
            .map(|_| ())
    }

    async fn store_keys(&self, token: &str) -> Result<StoreKeysResponse> {
        self.expect::<(), _>(Method::GET, "store-keys", Some(token), None)
            .await
    }

    async fn pairing_code(&self, token: &str) -> Result<PairingCodeResponse> {
        self.expect::<(), _>(Method::POST, "pairing-codes", Some(token), None)
            .await
    }

    async fn emails(&self, token: &str, updated_after: Option<&str>) -> Result<EmailsResponse> {
        let path = match updated_after {
            Some(t) => format!("emails?updated_after={}", query_text(t)?),
            None => "emails".to_owned(),
        };
        self.expect::<(), _>(Method::GET, &path, Some(token), None)
            .await
    }

    async fn card_findings(&self, token: &str) -> Result<CardFindingsResponse> {
        self.expect::<(), _>(Method::GET, "payments/findings", Some(token), None)
            .await
    }

    async fn send_invitation_email(
        &self,
        token: &str,
        req: &InvitationEmailRequest,
    ) -> Result<InvitationEmailResponse> {
        self.expect(Method::POST, "emails/invitation", Some(token), Some(req))
            .await
    }

    async fn set_allotment(
        &self,
        token: &str,
        req: &AllotmentRequest,
    ) -> Result<AllotmentResponse> {
        self.expect(Method::POST, "allotments", Some(token), Some(req))
            .await
    }
}

/// A time as it may stand in a query: RFC 3339 text needs no escaping, anything else is
/// refused before it reaches the URL.
fn query_text(t: &str) -> Result<&str> {
    if !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '.'))
    {
        Ok(t)
    } else {
        Err(Error::invalid_input(format!("'{t}' is not a time")))
    }
}

/// A network failure: the server was not reached or the exchange broke off.
fn unreachable(base: &str, e: &reqwest::Error) -> Error {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    Error::new(
        ErrorCode::ServerUnreachable,
        format!(
            "cannot reach the Kassa server at {base} ({text}); the device keeps working offline"
        ),
    )
}

/// The server's refusal (an HTTP status and its body) as the typed error the engine sees,
/// for a transport that reaches the server some other way than over the network (the
/// simulation's in-process server).
pub fn server_refusal(base: &str, status: u16, body: &[u8]) -> Error {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    refusal(base, status, body)
}

/// The server's refusal as a typed error: its `ErrorBody` code mapped to Kassa's codes.
fn refusal(base: &str, status: StatusCode, body: &[u8]) -> Error {
    let Ok(ErrorBody { error }) = serde_json::from_slice::<ErrorBody>(body) else {
        return match status {
            StatusCode::UPGRADE_REQUIRED => update_required(base, "it needs a newer Kassa"),
            s if s.is_server_error() => Error::new(
                ErrorCode::Unavailable,
                format!("the server at {base} failed ({s}); try again shortly"),
            ),
            s => Error::new(
                ErrorCode::ServerUnreachable,
                format!(
                    "the server at {base} answered {s}, which is not a Kassa server's answer; check the URL"
                ),
            ),
        };
    };
    let said = error.message;
    let (code, text) = match error.code.as_str() {
        "unauthenticated" => (
            ErrorCode::Unauthenticated,
            format!(
                "the server does not know this device's token ({said}); an admin pairs it again"
            ),
        ),
        "device_revoked" => (
            ErrorCode::DeviceRevoked,
            format!(
                "an admin revoked this device on the server ({said}); it syncs again once paired again"
            ),
        ),
        "device_cloned" => (
            ErrorCode::DeviceCloned,
            format!(
                "the server refuses this device because its history went back, as a copied or restored data folder does ({said}); an admin pairs it again"
            ),
        ),
        "sequence_gap" => (
            ErrorCode::SequenceGap,
            format!(
                "the server is missing changes this device sent before ({said}); nothing was lost here, the changes stay in the outbox"
            ),
        ),
        "audit_chain_break" => (
            ErrorCode::Conflict,
            format!(
                "the server refuses this device's audit trail: it does not continue the chain the server holds ({said}); the changes stay in the outbox; `kassa audit verify` shows where the chain breaks"
            ),
        ),
        "update_required" => return update_required(base, &said),
        "invalid_pairing_code" => (
            ErrorCode::InvalidCredentials,
            format!("the pairing code is wrong, used or expired ({said}); ask for a new one"),
        ),
        "idempotency_mismatch" => (ErrorCode::IdempotencyMismatch, said),
        "conflict" => (ErrorCode::Conflict, said),
        "already_exists" => (ErrorCode::AlreadyExists, said),
        "forbidden" => (ErrorCode::Forbidden, said),
        "card_provider_unreachable" | "card_provider_not_configured" => (
            ErrorCode::Unavailable,
            format!(
                "the card provider cannot be reached through the server ({said}); the card can be taken offline"
            ),
        ),
        "refund_exceeds_captured" => (
            ErrorCode::InvalidInput,
            format!("the server refuses this card refund: {said}"),
        ),
        // The server's message names the seats this device holds and those still free.
        "insufficient_seats" => (ErrorCode::InsufficientSeats, said),
        "card_payment_unknown" => (ErrorCode::NotFound, said),
        "not_found" => (ErrorCode::NotFound, said),
        "invalid_input" | "payload_too_large" => (ErrorCode::InvalidInput, said),
        other => (
            if status.is_server_error() {
                ErrorCode::Unavailable
            } else {
                ErrorCode::Conflict
            },
            format!("the server refused ({other}): {said}"),
        ),
    };
    Error::new(code, text)
}

fn update_required(base: &str, said: &str) -> Error {
    Error::new(
        ErrorCode::UpdateRequired,
        format!(
            "the server at {base} no longer syncs with this Kassa version ({said}); update Kassa to sync again; until then it keeps working offline"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_and_plain_http_only_on_this_machine() {
        assert_eq!(
            validate_server_url("https://kassa.example.com/").unwrap(),
            "https://kassa.example.com"
        );
        assert_eq!(
            validate_server_url("https://example.com/kassa/").unwrap(),
            "https://example.com/kassa"
        );
        for local in [
            "http://127.0.0.1:8080",
            "http://localhost:3000",
            "http://[::1]:9000",
        ] {
            assert!(validate_server_url(local).is_ok(), "{local}");
        }
        for bad in [
            "http://kassa.example.com",
            "http://192.168.1.10:8080",
            "ftp://kassa.example.com",
            "kassa.example.com",
            "https://user:pw@kassa.example.com",
            "https://kassa.example.com/?x=1",
        ] {
            let err = validate_server_url(bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn the_servers_codes_become_typed_errors() {
        let body = |code: &str| {
            serde_json::to_vec(&serde_json::json!({"error": {"code": code, "message": "m"}}))
                .unwrap()
        };
        let b = "https://k.example.com";
        for (code, status, want) in [
            ("device_revoked", 403, ErrorCode::DeviceRevoked),
            ("device_cloned", 409, ErrorCode::DeviceCloned),
            ("sequence_gap", 409, ErrorCode::SequenceGap),
            ("update_required", 426, ErrorCode::UpdateRequired),
            ("unauthenticated", 401, ErrorCode::Unauthenticated),
            ("invalid_pairing_code", 400, ErrorCode::InvalidCredentials),
            ("idempotency_mismatch", 409, ErrorCode::IdempotencyMismatch),
            ("audit_chain_break", 409, ErrorCode::Conflict),
            ("insufficient_seats", 409, ErrorCode::InsufficientSeats),
            ("internal", 500, ErrorCode::Unavailable),
        ] {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(refusal(b, status, &body(code)).code, want, "{code}");
        }
        let full = serde_json::json!({"error": {"code": "insufficient_seats",
            "message": "this device holds 2 of the departure's 2 seats and 0 more are free"}});
        let full = refusal(b, StatusCode::CONFLICT, full.to_string().as_bytes());
        assert_eq!(
            (full.code, full.message.as_str()),
            (
                ErrorCode::InsufficientSeats,
                "this device holds 2 of the departure's 2 seats and 0 more are free"
            )
        );
        let broken = refusal(b, StatusCode::CONFLICT, &body("audit_chain_break"));
        assert!(broken.message.contains("audit trail"), "{}", broken.message);
        assert_eq!(
            refusal(b, StatusCode::UPGRADE_REQUIRED, b"").code,
            ErrorCode::UpdateRequired
        );
        assert_eq!(
            refusal(b, StatusCode::BAD_GATEWAY, b"<html>").code,
            ErrorCode::Unavailable
        );
    }
}
