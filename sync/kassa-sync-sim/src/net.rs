//! The network between the devices and the server: the real server's router, called in
//! process, with faults a seeded generator chooses (requests lost, answers lost, requests
//! sent twice, held back and delivered late, or cut off), and the server down or restarted.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request};
use kassa_domain::{Error, ErrorCode, Result};
use kassa_sync_client::{SCHEMA_VERSION_HEADER, Transport, server_refusal};
use kassa_sync_protocol::wire::{
    AllotmentRequest, AllotmentResponse, DevicesResponse, EmailsResponse, HandshakeRequest,
    HandshakeResponse, InvitationEmailRequest, InvitationEmailResponse, PairRequest, PairResponse,
    PairingCodeResponse, PullResponse, PushRequest, PushResponse, RawPayload, StoreKeysResponse,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::{Arc, Mutex, MutexGuard};
use tower::ServiceExt;

/// The base URL devices are paired with; no socket is opened, the router answers in process.
pub const SERVER_URL: &str = "http://127.0.0.1:7878";

/// How often, per thousand calls, each fault strikes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    /// The request never reaches the server.
    pub drop_request: u32,
    /// The server acts on the request; its answer is lost.
    pub drop_response: u32,
    /// The request reaches the server twice; the second answer comes back.
    pub duplicate: u32,
    /// The request is held back and reaches the server later, after others; the device
    /// sees a timeout.
    pub delay: u32,
    /// Only the first half of the request's body arrives.
    pub truncate: u32,
}

impl Faults {
    /// A network that always works.
    pub fn none() -> Faults {
        Faults::default()
    }

    /// A bad network: about one call in four meets a fault.
    pub fn harsh() -> Faults {
        Faults {
            drop_request: 60,
            drop_response: 60,
            duplicate: 60,
            delay: 40,
            truncate: 30,
        }
    }
}

/// What the network did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetStats {
    pub calls: u64,
    pub dropped_requests: u64,
    pub dropped_responses: u64,
    pub duplicated: u64,
    pub delayed: u64,
    pub delivered_late: u64,
    pub truncated: u64,
    /// Answers that were a refusal (4xx or 5xx).
    pub refused: u64,
    /// Calls made while the server was down.
    pub server_down: u64,
}

#[derive(Clone)]
struct Call {
    method: Method,
    path: String,
    token: Option<String>,
    body: Option<Vec<u8>>,
}

enum Fault {
    None,
    DropRequest,
    DropResponse,
    Duplicate,
    Delay,
    Truncate,
}

struct Inner {
    router: Option<Router>,
    rng: StdRng,
    faults: Faults,
    delayed: Vec<Call>,
    stats: NetStats,
}

/// The network, shared by every device's transport.
#[derive(Clone)]
pub struct Net(Arc<Mutex<Inner>>);

impl Net {
    /// A network with no server yet and no faults; its faults follow `seed`.
    pub fn new(seed: u64) -> Net {
        Net(Arc::new(Mutex::new(Inner {
            router: None,
            rng: StdRng::seed_from_u64(seed ^ 0x6e65_7477_6f72_6b00),
            faults: Faults::none(),
            delayed: Vec::new(),
            stats: NetStats::default(),
        })))
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The server that answers from now on; `None` takes it down.
    pub fn set_server(&self, router: Option<Router>) {
        self.lock().router = router;
    }

    /// Whether a server answers.
    pub fn server_up(&self) -> bool {
        self.lock().router.is_some()
    }

    pub fn set_faults(&self, faults: Faults) {
        self.lock().faults = faults;
    }

    pub fn stats(&self) -> NetStats {
        self.lock().stats
    }

    /// A device's view of the network.
    pub fn transport(&self) -> SimTransport {
        SimTransport { net: self.clone() }
    }

    /// Delivers every request held back (their answers go nowhere), as a network does once
    /// it calms down. With the server down they are lost.
    pub async fn deliver_all_late(&self) {
        let (due, router) = {
            let mut n = self.lock();
            (std::mem::take(&mut n.delayed), n.router.clone())
        };
        if let Some(router) = router {
            for call in due {
                self.lock().stats.delivered_late += 1;
                let _ = deliver(router.clone(), &call).await;
            }
        }
    }

    /// Delivers some held-back requests before a new call, so they arrive out of order.
    async fn deliver_some_late(&self) {
        let (due, router) = {
            let mut n = self.lock();
            let mut due = Vec::new();
            let mut kept = Vec::new();
            for call in std::mem::take(&mut n.delayed) {
                if n.rng.gen_range(0..3) == 0 {
                    due.push(call);
                } else {
                    kept.push(call);
                }
            }
            n.delayed = kept;
            (due, n.router.clone())
        };
        if let Some(router) = router {
            for call in due {
                self.lock().stats.delivered_late += 1;
                let _ = deliver(router.clone(), &call).await;
            }
        }
    }

    async fn call(&self, call: Call) -> Result<(u16, Vec<u8>)> {
        self.deliver_some_late().await;
        let (router, fault) = {
            let mut n = self.lock();
            n.stats.calls += 1;
            let f = n.faults;
            let roll = n.rng.gen_range(0..1000u32);
            let mut edge = 0;
            let mut pick = |p: u32| {
                edge += p;
                roll < edge
            };
            let fault = if pick(f.drop_request) {
                Fault::DropRequest
            } else if pick(f.drop_response) {
                Fault::DropResponse
            } else if pick(f.duplicate) {
                Fault::Duplicate
            } else if pick(f.delay) {
                Fault::Delay
            } else if pick(f.truncate) && call.body.is_some() {
                Fault::Truncate
            } else {
                Fault::None
            };
            (n.router.clone(), fault)
        };
        let Some(router) = router else {
            self.lock().stats.server_down += 1;
            return Err(unreachable("the server is down"));
        };
        match fault {
            Fault::None => deliver(router, &call).await,
            Fault::DropRequest => {
                self.lock().stats.dropped_requests += 1;
                Err(unreachable("the request was lost"))
            }
            Fault::Delay => {
                let mut n = self.lock();
                n.stats.delayed += 1;
                n.delayed.push(call);
                Err(unreachable("no answer in time"))
            }
            Fault::DropResponse => {
                self.lock().stats.dropped_responses += 1;
                deliver(router, &call).await?;
                Err(unreachable("the answer was lost"))
            }
            Fault::Duplicate => {
                self.lock().stats.duplicated += 1;
                deliver(router.clone(), &call).await?;
                deliver(router, &call).await
            }
            Fault::Truncate => {
                self.lock().stats.truncated += 1;
                let mut cut = call;
                if let Some(b) = cut.body.as_mut() {
                    b.truncate(b.len() / 2);
                }
                deliver(router, &cut).await
            }
        }
    }
}

fn unreachable(why: &str) -> Error {
    Error::new(
        ErrorCode::ServerUnreachable,
        format!("cannot reach the Kassa server at {SERVER_URL} ({why})"),
    )
}

async fn deliver(router: Router, call: &Call) -> Result<(u16, Vec<u8>)> {
    let mut req = Request::builder()
        .method(call.method.clone())
        .uri(format!("/api/v1/{}", call.path));
    if let Some(token) = &call.token {
        req = req
            .header("authorization", format!("Bearer {token}"))
            .header(
                SCHEMA_VERSION_HEADER,
                kassa_store::SCHEMA_VERSION.to_string(),
            );
    }
    let body = match &call.body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            Body::from(b.clone())
        }
        None => Body::empty(),
    };
    let req = req
        .body(body)
        .map_err(|e| Error::internal(format!("request: {e}")))?;
    let resp = match router.oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    let status = resp.status().as_u16();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .map_err(|e| Error::internal(format!("the server's answer broke off: {e}")))?;
    Ok((status, bytes.to_vec()))
}

/// One device's transport over the simulated network.
#[derive(Clone)]
pub struct SimTransport {
    net: Net,
}

impl SimTransport {
    async fn exchange<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: String,
        token: Option<&str>,
        body: Option<&B>,
    ) -> Result<Option<T>> {
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| Error::internal(format!("request body: {e}")))?;
        let (status, bytes) = self
            .net
            .call(Call {
                method,
                path,
                token: token.map(str::to_string),
                body,
            })
            .await?;
        if !(200..300).contains(&status) {
            self.net.lock().stats.refused += 1;
            return Err(server_refusal(SERVER_URL, status, &bytes));
        }
        if bytes.is_empty() {
            return Ok(None);
        }
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| Error::internal(format!("the server's answer does not read: {e}")))
    }

    async fn expect<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: String,
        token: Option<&str>,
        body: Option<&B>,
    ) -> Result<T> {
        self.exchange(method, path, token, body)
            .await?
            .ok_or_else(|| Error::internal("the server gave an empty answer"))
    }
}

impl Transport for SimTransport {
    async fn handshake(&self, req: &HandshakeRequest) -> Result<HandshakeResponse> {
        self.expect(Method::POST, "handshake".into(), None, Some(req))
            .await
    }

    async fn pair(&self, req: &PairRequest) -> Result<PairResponse> {
        self.expect(Method::POST, "pair".into(), None, Some(req))
            .await
    }

    async fn push(&self, token: &str, req: &PushRequest<RawPayload>) -> Result<PushResponse> {
        self.expect(Method::POST, "push".into(), Some(token), Some(req))
            .await
    }

    async fn pull(&self, token: &str, after: u64, limit: u32) -> Result<PullResponse> {
        self.expect::<(), _>(
            Method::GET,
            format!("pull?after={after}&limit={limit}"),
            Some(token),
            None,
        )
        .await
    }

    async fn devices(&self, token: &str) -> Result<DevicesResponse> {
        self.expect::<(), _>(Method::GET, "devices".into(), Some(token), None)
            .await
    }

    async fn revoke(&self, token: &str, device_id: &str) -> Result<()> {
        self.exchange::<(), serde_json::Value>(
            Method::POST,
            format!("devices/{device_id}/revoke"),
            Some(token),
            None,
        )
        .await
        .map(|_| ())
    }

    async fn store_keys(&self, token: &str) -> Result<StoreKeysResponse> {
        self.expect::<(), _>(Method::GET, "store-keys".into(), Some(token), None)
            .await
    }

    async fn pairing_code(&self, token: &str) -> Result<PairingCodeResponse> {
        self.expect::<(), _>(Method::POST, "pairing-codes".into(), Some(token), None)
            .await
    }

    async fn emails(&self, token: &str, updated_after: Option<&str>) -> Result<EmailsResponse> {
        let path = match updated_after {
            Some(t) => format!("emails?updated_after={t}"),
            None => "emails".to_owned(),
        };
        self.expect::<(), _>(Method::GET, path, Some(token), None)
            .await
    }

    async fn send_invitation_email(
        &self,
        token: &str,
        req: &InvitationEmailRequest,
    ) -> Result<InvitationEmailResponse> {
        self.expect(
            Method::POST,
            "emails/invitation".into(),
            Some(token),
            Some(req),
        )
        .await
    }

    async fn set_allotment(
        &self,
        token: &str,
        req: &AllotmentRequest,
    ) -> Result<AllotmentResponse> {
        self.expect(Method::POST, "allotments".into(), Some(token), Some(req))
            .await
    }
}
