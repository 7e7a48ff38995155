//! A server on a real listener and devices that talk to it.

use chrono::Utc;
use kassa_server::{ServerKey, issue_pairing_code, serve};
use kassa_server_storage::Storage;
use kassa_sync_protocol::wire::{ErrorBody, PairResponse, PullResponse, PushedChange};
use kassa_sync_protocol::{Change, ChangeOp};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;

pub struct Server {
    pub base: String,
    pub http: Client,
    pub storage: Arc<dyn Storage>,
}

/// The server key the test servers share (several instances on one database share one).
pub const TEST_SERVER_KEY: [u8; 32] = [42; 32];

/// The store key every test store's first device sends (base64url of 32 bytes of 7).
pub const TEST_STORE_KEY: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc";

pub async fn start(storage: Arc<dyn Storage>) -> Server {
    start_with_key(storage, ServerKey::from_bytes(TEST_SERVER_KEY)).await
}

pub async fn start_with_key(storage: Arc<dyn Storage>, key: ServerKey) -> Server {
    // reqwest's TLS is built without a crypto provider (the device's client installs ring);
    // a client made without one refuses to start, so the tests install the same.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, Arc::clone(&storage), key, None));
    Server {
        base: format!("http://{addr}/api/v1"),
        http: Client::new(),
        storage,
    }
}

pub fn uuid() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub fn change(device: &str, seq: u64) -> PushedChange {
    PushedChange {
        seq,
        change: Change {
            change_id: uuid(),
            entity: "products".into(),
            entity_id: uuid(),
            op: ChangeOp::Upsert,
            payload: json!({"name": format!("Tea {seq}"), "price_minor": 250}),
            hlc: 1 << 20 | seq,
            device_id: device.into(),
        },
    }
}

/// A paired device: its id, store and token.
pub struct Device {
    pub id: String,
    pub store_id: String,
    pub code: String,
    pub token: String,
    /// The store key the server handed out at pairing.
    pub store_key: String,
}

impl Server {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Pairs with `code`; a device that sends its store sends the test store key with it.
    pub async fn pair_with(&self, code: &str, store: Option<Value>) -> (StatusCode, Value) {
        let mut body = json!({"code": code, "protocol": 1, "schema_version": 7, "device_id": uuid(),
            "device_name": "Till", "store": store});
        if body["store"].is_object() {
            body["store_key"] = json!(TEST_STORE_KEY);
        }
        self.call(Method::POST, "/pair", None, Some(body)).await
    }

    /// Pairs the first device of a new store.
    pub async fn new_store(&self) -> Device {
        let code = issue_pairing_code(&*self.storage, None, Utc::now())
            .await
            .unwrap();
        let store_id = uuid();
        let store = json!({"id": store_id, "code": "S1", "name": "Corner shop", "currency": "EUR"});
        let (status, body) = self.pair_with(&code.code, Some(store)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        device(body)
    }

    /// Pairs another device into `store_id`, typing the code in lower case with spaces.
    pub async fn join(&self, store_id: &str) -> Device {
        let code = issue_pairing_code(&*self.storage, Some(store_id), Utc::now())
            .await
            .unwrap();
        let typed = code.code.to_lowercase().replace('-', " ");
        let (status, body) = self.pair_with(&typed, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        device(body)
    }

    pub async fn push(
        &self,
        d: &Device,
        batch_id: &str,
        changes: &[PushedChange],
    ) -> (StatusCode, Value) {
        let body = json!({"batch_id": batch_id, "changes": changes});
        self.call(Method::POST, "/push", Some(&d.token), Some(body))
            .await
    }

    pub async fn pull(&self, d: &Device, after: u64) -> PullResponse {
        let (status, body) = self
            .call(
                Method::GET,
                &format!("/pull?after={after}"),
                Some(&d.token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_value(body).unwrap()
    }
}

pub fn device(body: Value) -> Device {
    let r: PairResponse = serde_json::from_value(body).unwrap();
    Device {
        id: r.device_id,
        store_id: r.store_id,
        code: r.device_code,
        token: r.token,
        store_key: r.store_key,
    }
}

pub fn error_code(body: &Value) -> String {
    let e: ErrorBody =
        serde_json::from_value(body.clone()).unwrap_or_else(|_| panic!("not an ErrorBody: {body}"));
    assert!(!e.error.message.is_empty());
    e.error.code
}

/// One device's audit chain as a test writes it: the place and hash of its last entry.
pub struct Chain {
    pub device: String,
    pub seq: u64,
    pub head: [u8; 32],
}

impl Chain {
    pub fn new(device: &str) -> Chain {
        Chain {
            device: device.into(),
            seq: 0,
            head: kassa_domain::audit::GENESIS,
        }
    }

    /// The chain's next entry as the device's outbox carries it at `outbox_seq`; the chain
    /// moves on to it.
    pub fn next(&mut self, outbox_seq: u64) -> PushedChange {
        let (change, hash) = audit_entry(&self.device, outbox_seq, self.seq + 1, self.head, |_| {});
        self.seq += 1;
        self.head = hash;
        change
    }
}

/// An audit entry of `device` at `device_seq` after `prev`, carried at `outbox_seq`, hashed
/// after `edit` changes the entry (so its hash is its own); returns it and its hash.
pub fn audit_entry(
    device: &str,
    outbox_seq: u64,
    device_seq: u64,
    prev: [u8; 32],
    edit: impl FnOnce(&mut kassa_domain::audit::AuditEntry),
) -> (PushedChange, [u8; 32]) {
    let mut e = kassa_domain::audit::AuditEntry {
        id: uuid(),
        device_id: device.into(),
        device_seq,
        at_utc: "2026-12-03T10:00:00.000Z".into(),
        clock_offset_ms: -12,
        actor_id: Some(uuid()),
        approver_id: None,
        action: "sale.checkout".into(),
        entity: Some("orders".into()),
        entity_id: Some(uuid()),
        before: None,
        after: Some(format!("{{\"total_minor\":{}}}", 250 * device_seq)),
    };
    edit(&mut e);
    let hash = kassa_domain::audit::entry_hash(&prev, &e);
    let payload = json!({
        "device_id": e.device_id, "device_seq": e.device_seq, "at_utc": e.at_utc,
        "clock_offset_ms": e.clock_offset_ms, "actor_id": e.actor_id, "approver_id": e.approver_id,
        "action": e.action, "entity": e.entity, "entity_id": e.entity_id, "before": e.before,
        "after": e.after, "prev_hash": hex::encode(prev), "hash": hex::encode(hash),
    });
    let change = PushedChange {
        seq: outbox_seq,
        change: Change {
            change_id: uuid(),
            entity: "audit_log".into(),
            entity_id: e.id,
            op: ChangeOp::Insert,
            payload,
            hlc: 1 << 20 | outbox_seq,
            device_id: device.into(),
        },
    };
    (change, hash)
}
