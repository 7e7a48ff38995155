//! localstripe for tests, and a stand-in for what it lacks.
//!
//! [`StripeStandIn::start`] starts the real `localstripe` (PyPI; `scripts/deps.sh`'s
//! `ensure_localstripe` installs it in a virtualenv) on a free port, and in front of it a
//! small HTTP stand-in that passes every request through except for the two parts of
//! Stripe's documented API localstripe does not implement:
//!
//! - **`Idempotency-Key`** on `POST`: the first answer for a key is kept and given again to
//!   a request with the same key and body; the same key with another body is refused with
//!   Stripe's `idempotency_error` (400);
//! - **`created[gte|gt|lte|lt]`** on `GET /v1/payment_intents`: every intent is read from
//!   localstripe page by page and the filtered list is answered as one page.
//!
//! The card terminal's part is [`terminal`]: Stripe's test PaymentMethod tokens, which is
//! all a terminal hands Kassa (the card number never reaches it).
//!
//! Tests never skip when localstripe is missing: [`StripeStandIn::start`] panics saying how
//! to install it.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The secret key tests give the server (localstripe takes any `sk_test_` key).
pub const SECRET_KEY: &str = "sk_test_kassa";

/// What a card terminal hands over: Stripe's test PaymentMethod tokens.
pub mod terminal {
    /// A Visa card that is charged.
    pub const VISA: &str = "pm_card_visa";
    /// A Visa card that is refused when charged (`card_declined`; Stripe's
    /// `pm_card_chargeCustomerFail`, which localstripe declines at charge time).
    pub const DECLINED: &str = "pm_card_chargeCustomerFail";
}

/// localstripe's executable: `KASSA_LOCALSTRIPE`, else the virtualenv `scripts/deps.sh`
/// makes, else `localstripe` on the `PATH`.
pub fn localstripe_program() -> PathBuf {
    if let Some(p) = std::env::var_os("KASSA_LOCALSTRIPE") {
        return PathBuf::from(p);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
    if let Some(venv) = cache.map(|c| c.join("kassa/localstripe-venv/bin/localstripe"))
        && venv.exists()
    {
        return venv;
    }
    PathBuf::from("localstripe")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port on 127.0.0.1")
}

/// A kept answer to an idempotent request.
#[derive(Clone)]
struct Kept {
    request: String,
    status: StatusCode,
    body: Bytes,
}

struct Proxy {
    upstream: String,
    http: reqwest::Client,
    /// Keyed by the caller's key and its `Authorization`, as Stripe keys them per account.
    kept: tokio::sync::Mutex<HashMap<(String, String), Kept>>,
}

/// localstripe and the stand-in in front of it, stopped when dropped.
pub struct StripeStandIn {
    base: String,
    upstream: String,
    child: Child,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StripeStandIn {
    /// Starts localstripe on a free port and the stand-in on another; returns once both
    /// answer. Panics (never skips) when localstripe cannot be started.
    pub fn start() -> StripeStandIn {
        let program = localstripe_program();
        let port = free_port();
        let child = Command::new(&program)
            .args(["--port", &port.to_string(), "--from-scratch"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start localstripe ({}): {e}; install it with `source scripts/deps.sh; ensure_localstripe` or set KASSA_LOCALSTRIPE",
                    program.display()
                )
            });
        let mut me = StripeStandIn {
            base: String::new(),
            upstream: format!("http://127.0.0.1:{port}"),
            child,
            stop: None,
            thread: None,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = me.child.try_wait() {
                panic!("localstripe stopped at start: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "localstripe did not listen on {addr} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let proxy = Arc::new(Proxy {
            upstream: me.upstream.clone(),
            http: reqwest::Client::new(),
            kept: tokio::sync::Mutex::new(HashMap::new()),
        });
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the stand-in");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        me.base = format!(
            "http://{}",
            listener.local_addr().expect("stand-in address")
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        me.stop = Some(stop);
        me.thread = Some(std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("the stand-in's runtime");
            rt.block_on(async move {
                let listener =
                    tokio::net::TcpListener::from_std(listener).expect("the stand-in's listener");
                let app = Router::new().fallback(forward).with_state(proxy);
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
            });
        }));
        me
    }

    /// The base URL the server is given (the stand-in's).
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// localstripe's own base URL, to plant data behind the server's back.
    pub fn localstripe_url(&self) -> &str {
        &self.upstream
    }
}

impl Drop for StripeStandIn {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn answer(status: StatusCode, body: Bytes) -> Response {
    (status, [("content-type", "application/json")], body).into_response()
}

fn stripe_error(status: StatusCode, kind: &str, message: &str) -> Response {
    let body = json!({"error": {"type": kind, "message": message}});
    answer(status, Bytes::from(body.to_string()))
}

async fn pass(
    proxy: &Proxy,
    method: Method,
    path_and_query: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Bytes), Response> {
    let mut req = proxy
        .http
        .request(method, format!("{}{path_and_query}", proxy.upstream))
        .body(body);
    for name in ["authorization", "content-type"] {
        if let Some(v) = headers.get(name) {
            req = req.header(name, v);
        }
    }
    let res = req.send().await.map_err(|e| {
        stripe_error(
            StatusCode::BAD_GATEWAY,
            "api_error",
            &format!("localstripe: {e}"),
        )
    })?;
    let status = res.status();
    let bytes = res.bytes().await.map_err(|e| {
        stripe_error(
            StatusCode::BAD_GATEWAY,
            "api_error",
            &format!("localstripe: {e}"),
        )
    })?;
    Ok((status, bytes))
}

/// `created[op]=N` filters of a query, and the rest of it.
fn created_filters(query: &str) -> (Vec<(String, i64)>, Vec<String>) {
    let mut filters = Vec::new();
    let mut rest = Vec::new();
    for part in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let key = k.replace("%5B", "[").replace("%5D", "]");
        match key
            .strip_prefix("created[")
            .and_then(|k| k.strip_suffix(']'))
        {
            Some(op) => {
                if let Ok(n) = v.parse() {
                    filters.push((op.to_owned(), n));
                }
            }
            None if key == "starting_after" || key == "limit" => {}
            None => rest.push(part.to_owned()),
        }
    }
    (filters, rest)
}

async fn list_created(proxy: &Proxy, headers: &HeaderMap, filters: &[(String, i64)]) -> Response {
    let mut all: Vec<Value> = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut q = "/v1/payment_intents?limit=100".to_owned();
        if let Some(a) = &after {
            q.push_str(&format!("&starting_after={a}"));
        }
        let (status, body) = match pass(proxy, Method::GET, &q, headers, Bytes::new()).await {
            Ok(r) => r,
            Err(r) => return r,
        };
        if !status.is_success() {
            return answer(status, body);
        }
        let page: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let data = page["data"].as_array().cloned().unwrap_or_default();
        let more = page["has_more"].as_bool().unwrap_or(false);
        let last = data
            .last()
            .and_then(|v| v["id"].as_str())
            .map(str::to_owned);
        all.extend(data);
        match (more, last) {
            (true, Some(l)) if after.as_deref() != Some(l.as_str()) => after = Some(l),
            _ => break,
        }
    }
    all.retain(|v| {
        let c = v["created"].as_i64().unwrap_or(0);
        filters.iter().all(|(op, n)| match op.as_str() {
            "gte" => c >= *n,
            "gt" => c > *n,
            "lte" => c <= *n,
            "lt" => c < *n,
            _ => true,
        })
    });
    // Stripe lists newest first.
    all.sort_by_key(|v| std::cmp::Reverse(v["created"].as_i64().unwrap_or(0)));
    let body =
        json!({"object": "list", "url": "/v1/payment_intents", "has_more": false, "data": all});
    answer(StatusCode::OK, Bytes::from(body.to_string()))
}

async fn forward(
    State(proxy): State<Arc<Proxy>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let query = uri.query().unwrap_or("");
    if method == Method::GET && path == "/v1/payment_intents" {
        let (filters, _) = created_filters(query);
        if !filters.is_empty() {
            return list_created(&proxy, &headers, &filters).await;
        }
    }
    let path_and_query = uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| path.to_owned());
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match (method == Method::POST, key) {
        (true, Some(key)) => {
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let request = hex::encode(Sha256::digest([path.as_bytes(), b"\n", &body].concat()));
            // Held across the call: a second request with the key waits for the first.
            let mut kept = proxy.kept.lock().await;
            if let Some(k) = kept.get(&(auth.clone(), key.clone())) {
                return if k.request == request {
                    answer(k.status, k.body.clone())
                } else {
                    stripe_error(
                        StatusCode::BAD_REQUEST,
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same parameters they were first used with.",
                    )
                };
            }
            match pass(&proxy, method, &path_and_query, &headers, body).await {
                Ok((status, bytes)) => {
                    // Stripe keeps every answer but a 5xx (the request may be retried).
                    if !status.is_server_error() {
                        kept.insert(
                            (auth, key),
                            Kept {
                                request,
                                status,
                                body: bytes.clone(),
                            },
                        );
                    }
                    answer(status, bytes)
                }
                Err(r) => r,
            }
        }
        _ => match pass(&proxy, method, &path_and_query, &headers, body).await {
            Ok((status, bytes)) => answer(status, bytes),
            Err(r) => r,
        },
    }
}

/// For tests that plant data in localstripe: a form POST to it, answered as JSON.
pub async fn plant(base: &str, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let body: Vec<String> = form
        .iter()
        .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
        .collect();
    let res = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .bearer_auth(SECRET_KEY)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.join("&"))
        .send()
        .await
        .expect("localstripe answers");
    let status = res.status().as_u16();
    let v = res.json().await.unwrap_or(Value::Null);
    (status, v)
}

/// For tests that read what localstripe holds: a GET of `path` (with its query), answered as
/// JSON.
pub async fn read(base: &str, path: &str) -> (u16, Value) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let res = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(SECRET_KEY)
        .send()
        .await
        .expect("localstripe answers");
    let status = res.status().as_u16();
    let v = res.json().await.unwrap_or(Value::Null);
    (status, v)
}

/// The refunds localstripe holds for a PaymentIntent, newest first.
pub async fn refunds_of(base: &str, intent_id: &str) -> Vec<Value> {
    let (status, v) = read(
        base,
        &format!("/v1/refunds?payment_intent={intent_id}&limit=100"),
    )
    .await;
    assert_eq!(status, 200, "localstripe lists refunds: {v}");
    v["data"].as_array().cloned().unwrap_or_default()
}

/// [`refunds_of`] for tests without a runtime of their own.
pub fn refunds_of_blocking(base: &str, intent_id: &str) -> Vec<Value> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(refunds_of(base, intent_id))
}

/// [`plant`] for tests without a runtime of their own.
pub fn plant_blocking(base: &str, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(plant(base, path, form))
}

fn escape(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
