//! Every request's id: the caller's `x-request-id` when it is a sensible one, else a new
//! UUID. It names the request's tracing span (so every log line of the request carries
//! it), comes back in the answer's `x-request-id` header, and in every error body as
//! `error.request_id`.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest request id taken from a caller.
const MAX_LEN: usize = 128;

/// The request's id, for handlers that want it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// A caller's id is kept when it is 1 to 128 characters of letters, digits and `-_.:`;
/// anything else (which could forge log lines) is replaced.
fn acceptable(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    (!s.is_empty()
        && s.len() <= MAX_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':')))
    .then(|| s.to_owned())
}

/// Outermost layer: gives the request its id and span, and the answer its header and, for
/// an error, its body's `request_id`.
pub(crate) async fn assign(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(acceptable)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path(),
    );
    let res = next.run(req).instrument(span).await;
    let mut res = if res.status().is_client_error() || res.status().is_server_error() {
        with_id_in_body(res, &id).await
    } else {
        res
    };
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    res
}

/// Adds `request_id` to an `{"error":{...}}` body (every error body has that shape by now).
async fn with_id_in_body(res: Response, id: &str) -> Response {
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !is_json {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 1024 * 1024)
        .await
        .unwrap_or_default();
    let bytes = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(mut v) => match v.get_mut("error").and_then(|e| e.as_object_mut()) {
            Some(error) => {
                error.insert("request_id".into(), serde_json::Value::String(id.into()));
                serde_json::to_vec(&v).unwrap_or_else(|_| bytes.to_vec())
            }
            None => bytes.to_vec(),
        },
        Err(_) => bytes.to_vec(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sensible_ids_are_taken_from_callers() {
        let ok = HeaderValue::from_static("req-42.a:b_c");
        assert_eq!(acceptable(&ok).as_deref(), Some("req-42.a:b_c"));
        for bad in ["", "with space", "new\tline", &"x".repeat(129)] {
            let v = HeaderValue::from_str(bad).unwrap();
            assert_eq!(acceptable(&v), None, "{bad:?}");
        }
    }
}
