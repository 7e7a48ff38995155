//! The engine against an in-memory server: pairing as the store's first device, pushing the
//! outbox in batches, replays after a lost answer, and refusals that leave the outbox whole.

use kassa_domain::{Error, ErrorCode, Result};
use kassa_store::foundation::device::{self, SetupParams, setup};
use kassa_store::foundation::{outbox, sync_state};
use kassa_store::{ChangeOp, KeySource, Store, SystemClock};
use kassa_sync_client::{Transport, pair, sync_once};
use kassa_sync_protocol::wire::{
    DeviceRecord, DevicesResponse, EmailsResponse, HandshakeRequest, HandshakeResponse,
    LEGACY_MAX_PUSH_CHANGES, MAX_BODY_BYTES, PairRequest, PairResponse, PairingCodeResponse,
    PullResponse, PushRequest, PushResponse, RawPayload, StoreKeyRecord, StoreKeysResponse,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const SERVER: &str = "https://sync.example.com";

/// What the in-memory server holds and how it misbehaves.
#[derive(Default)]
struct ServerState {
    /// The store's log: (device seq, change id), in the order taken.
    log: Vec<(u64, String)>,
    acked: u64,
    /// Batch id → (its change ids, the first answer).
    batches: HashMap<String, (Vec<String>, PushResponse)>,
    push_sizes: Vec<usize>,
    /// The bytes of each push body taken, as JSON.
    push_bodies: Vec<usize>,
    /// The most changes a push may carry, as the handshake says (0: the field is absent, as
    /// from an older server).
    max_push: u32,
    pair_requests: Vec<PairRequest>,
    device_code: String,
    /// Takes the next batch, then loses the answer on the way back.
    lose_next_answer: bool,
    /// Refuses every push with this error.
    refuse_push: Option<Error>,
    /// Takes changes only up to this sequence.
    ack_cap: Option<u64>,
    update_required: bool,
    /// Answers that it holds this many more changes than it does.
    overclaim: u64,
    /// Answers a pairing with this store key instead of the one the device sent.
    held_store_key: Option<String>,
    revoked: Vec<String>,
    calls: usize,
    /// The store key's epoch every pull answers (0: the first), and the keys it hands out.
    key_epoch: u32,
    store_keys: Vec<StoreKeyRecord>,
}

/// Runs while a push is on its way, as the till goes on selling.
type PushHook = Box<dyn Fn() + Send + Sync>;

#[derive(Default)]
struct FakeServer(Mutex<ServerState>, Mutex<Option<PushHook>>);

impl FakeServer {
    fn new(device_code: &str) -> FakeServer {
        FakeServer(
            Mutex::new(ServerState {
                device_code: device_code.into(),
                ..Default::default()
            }),
            Mutex::new(None),
        )
    }

    fn with<T>(&self, f: impl FnOnce(&mut ServerState) -> T) -> T {
        f(&mut self.0.lock().unwrap())
    }
}

fn now() -> String {
    kassa_store::ts(chrono::Utc::now())
}

impl Transport for FakeServer {
    async fn handshake(&self, _: &HandshakeRequest) -> Result<HandshakeResponse> {
        self.with(|s| {
            s.calls += 1;
            Ok(HandshakeResponse {
                protocol: 1,
                min_schema_version: 1,
                update_required: s.update_required,
                server_time: now(),
                max_push_changes: if s.max_push == 0 {
                    LEGACY_MAX_PUSH_CHANGES as u32
                } else {
                    s.max_push
                },
            })
        })
    }

    async fn pair(&self, req: &PairRequest) -> Result<PairResponse> {
        self.with(|s| {
            s.calls += 1;
            s.pair_requests.push(req.clone());
            let store = req
                .store
                .clone()
                .expect("the first device brings its store");
            Ok(PairResponse {
                store_id: store.id,
                device_id: req.device_id.clone(),
                device_code: s.device_code.clone(),
                token: "secret-device-token".into(),
                server_time: now(),
                store_key: s.held_store_key.clone().unwrap_or_else(|| {
                    req.store_key
                        .clone()
                        .expect("the first device brings its store key")
                }),
            })
        })
    }

    async fn push(&self, token: &str, req: &PushRequest<RawPayload>) -> Result<PushResponse> {
        assert_eq!(token, "secret-device-token");
        if let Some(hook) = self.1.lock().unwrap().as_ref() {
            hook();
        }
        self.with(|s| {
            s.calls += 1;
            if let Some(e) = &s.refuse_push {
                return Err(e.clone());
            }
            let ids: Vec<String> = req
                .changes
                .iter()
                .map(|c| c.change.change_id.clone())
                .collect();
            if let Some((seen, answer)) = s.batches.get(&req.batch_id) {
                return if *seen == ids {
                    Ok(answer.clone())
                } else {
                    Err(Error::new(ErrorCode::IdempotencyMismatch, "another batch"))
                };
            }
            s.push_sizes.push(req.changes.len());
            s.push_bodies.push(serde_json::to_vec(req).unwrap().len());
            let mut accepted = 0;
            for c in &req.changes {
                if c.seq <= s.acked || s.ack_cap.is_some_and(|cap| c.seq > cap) {
                    continue;
                }
                if c.seq != s.acked + 1 {
                    return Err(Error::new(ErrorCode::SequenceGap, "a gap"));
                }
                s.log.push((c.seq, c.change.change_id.clone()));
                s.acked = c.seq;
                accepted += 1;
            }
            let answer = PushResponse {
                accepted,
                acked_seq: s.acked + s.overclaim,
                server_time: now(),
            };
            s.batches
                .insert(req.batch_id.clone(), (ids, answer.clone()));
            if std::mem::take(&mut s.lose_next_answer) {
                return Err(Error::new(ErrorCode::ServerUnreachable, "connection reset"));
            }
            Ok(answer)
        })
    }

    async fn pull(&self, _: &str, after: u64, _: u32) -> Result<PullResponse> {
        Ok(PullResponse {
            changes: Vec::new(),
            cursor: after,
            remaining: 0,
            server_time: now(),
            store_key_epoch: self.with(|s| s.key_epoch.max(1)),
            audit_heads: Vec::new(),
        })
    }

    async fn devices(&self, _: &str) -> Result<DevicesResponse> {
        Ok(DevicesResponse {
            devices: vec![DeviceRecord {
                device_id: "d".into(),
                device_code: "01".into(),
                name: "Till 1".into(),
                paired_at: now(),
                last_sync_at: None,
                acked_seq: self.with(|s| s.acked),
                revoked_at: None,
            }],
        })
    }

    async fn revoke(&self, _: &str, device_id: &str) -> Result<()> {
        self.with(|s| s.revoked.push(device_id.into()));
        Ok(())
    }

    async fn store_keys(&self, _: &str) -> Result<StoreKeysResponse> {
        self.with(|s| {
            if s.store_keys.is_empty() {
                return Err(Error::not_found("this server never rotated the store key"));
            }
            Ok(StoreKeysResponse {
                keys: s.store_keys.clone(),
            })
        })
    }

    async fn pairing_code(&self, _: &str) -> Result<PairingCodeResponse> {
        Ok(PairingCodeResponse {
            code: "7KQ2-M9XD-0RTA-W4HF".into(),
            store_id: "s".into(),
            expires_at: now(),
        })
    }

    async fn emails(&self, _: &str, _: Option<&str>) -> Result<EmailsResponse> {
        // This fake server sends no email.
        Ok(EmailsResponse { emails: vec![] })
    }
}

struct Till {
    store: Arc<Mutex<Store>>,
    admin: String,
    _dir: tempfile::TempDir,
}

fn till() -> Till {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(
        dir.path(),
        Arc::new(SystemClock),
        KeySource::ExplicitKeys {
            device: [3; 32],
            store: [4; 32],
        },
    )
    .unwrap();
    let out = setup(
        &mut store,
        SetupParams {
            store_name: "Corner Shop".into(),
            store_code: None,
            currency: "EUR".into(),
            device_name: None,
            admin_email: "a@example.com".into(),
            admin_name: None,
            password: "correct horse battery staple".into(),
            demo: false,
        },
    )
    .unwrap();
    Till {
        store: Arc::new(Mutex::new(store)),
        admin: out.admin_id,
        _dir: dir,
    }
}

impl Till {
    async fn pair(&self, server: &FakeServer) -> Result<kassa_sync_client::Paired> {
        pair(
            &self.store,
            server,
            SERVER,
            "PAIR-CODE",
            Some("Till 1"),
            Some(&self.admin),
        )
        .await
    }

    /// Makes `n` more changes on this device.
    fn make_changes(&self, n: usize) {
        self.store
            .lock()
            .unwrap()
            .write(|tx| {
                for i in 0..n {
                    tx.record_change(
                        "settings",
                        &format!("k{i}"),
                        ChangeOp::Upsert,
                        &serde_json::json!({"v": i}),
                    )?;
                }
                Ok(())
            })
            .unwrap();
    }

    fn pending(&self) -> Vec<u64> {
        outbox::pending_with_seq(self.store.lock().unwrap().conn(), u32::MAX, usize::MAX)
            .unwrap()
            .iter()
            .map(|(seq, _)| *seq)
            .collect()
    }

    fn state(&self) -> sync_state::SyncState {
        sync_state::state(self.store.lock().unwrap().conn())
            .unwrap()
            .unwrap()
    }
}

#[tokio::test]
async fn a_set_up_device_pairs_as_its_stores_first_device() {
    let t = till();
    let server = FakeServer::new("01");
    let paired = t.pair(&server).await.unwrap();
    assert_eq!(paired.device_code, "01");

    let s = t.store.lock().unwrap();
    let dev = device::device(s.conn()).unwrap().unwrap();
    assert_eq!(paired.device_id, dev.id);
    assert_eq!(paired.store_id, dev.store_id);
    let req = server.with(|s| s.pair_requests[0].clone());
    // The first device brings its store key (base64url of the explicit test key).
    assert_eq!(
        req.store_key.as_deref(),
        Some(s.store_key().unwrap().to_base64().as_str())
    );
    assert_eq!(
        kassa_store::StoreKey::from_base64(req.store_key.as_deref().unwrap())
            .unwrap()
            .to_base64(),
        kassa_store::StoreKey::from_bytes([4; 32]).to_base64()
    );
    let sent = req.store.unwrap();
    assert_eq!(
        (sent.id.as_str(), sent.currency.as_str()),
        (dev.store_id.as_str(), "EUR")
    );
    assert_eq!(req.device_name, "Till 1");
    let state = sync_state::state(s.conn()).unwrap().unwrap();
    assert_eq!(
        (state.server_url.as_str(), state.device_code.as_str()),
        (SERVER, "01")
    );
}

#[tokio::test]
async fn a_server_holding_another_store_key_is_refused_and_nothing_is_kept() {
    let t = till();
    let server = FakeServer::new("01");
    server.with(|s| {
        s.held_store_key = Some(kassa_store::StoreKey::from_bytes([8; 32]).to_base64());
    });
    let err = t.pair(&server).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::StoreKeyMismatch, "{err}");
    let s = t.store.lock().unwrap();
    assert!(sync_state::state(s.conn()).unwrap().is_none());
}

#[tokio::test]
async fn a_new_device_code_from_the_server_becomes_the_devices_code() {
    let t = till();
    t.pair(&FakeServer::new("07")).await.unwrap();
    let s = t.store.lock().unwrap();
    assert_eq!(device::device(s.conn()).unwrap().unwrap().code, "07");
}

#[tokio::test]
async fn the_outbox_is_pushed_in_batches_and_drains_as_the_server_acknowledges() {
    let t = till();
    let server = FakeServer::new("01");
    t.pair(&server).await.unwrap();
    // The server says how many changes a push may carry; the device keeps to it.
    const ADVERTISED: usize = 400;
    server.with(|s| s.max_push = ADVERTISED as u32);
    t.make_changes(2 * ADVERTISED + 10);
    let waiting = t.pending();
    assert!(waiting.len() > 2 * ADVERTISED);

    let report = sync_once(&t.store, &server).await.unwrap();
    assert_eq!(report.pushed, waiting.len() as u64);
    assert_eq!((report.pulled, report.conflicts), (0, 0));
    let sizes = server.with(|s| s.push_sizes.clone());
    assert_eq!(sizes.len(), 3);
    assert!(sizes.iter().all(|n| *n <= ADVERTISED), "{sizes:?}");
    assert_eq!(sizes.iter().sum::<usize>(), waiting.len());

    assert!(t.pending().is_empty());
    let logged: Vec<u64> = server.with(|s| s.log.iter().map(|(seq, _)| *seq).collect());
    assert_eq!(logged, waiting);
    let state = t.state();
    assert_eq!(state.acked_seq, *waiting.last().unwrap());
    assert!(state.last_sync_at.is_some());
    assert_eq!(state.last_error, None);

    // Nothing left: the next sync pushes nothing.
    assert_eq!(sync_once(&t.store, &server).await.unwrap().pushed, 0);
}

#[tokio::test]
async fn large_changes_go_in_bodies_the_server_reads_and_an_older_server_gets_its_own_limit() {
    let t = till();
    let server = FakeServer::new("01");
    t.pair(&server).await.unwrap();
    // A server whose handshake names no limit takes the one every server takes.
    server.with(|s| s.max_push = 0);
    // Ten changes of just under 1 MB each: more than one body the server reads.
    let large = "x".repeat(kassa_sync_protocol::wire::MAX_CHANGE_BYTES - 64);
    t.store
        .lock()
        .unwrap()
        .write(|tx| {
            for i in 0..10 {
                tx.record_change(
                    "settings",
                    &format!("large{i}"),
                    ChangeOp::Upsert,
                    &serde_json::json!({ "v": large }),
                )?;
            }
            Ok(())
        })
        .unwrap();
    t.make_changes(LEGACY_MAX_PUSH_CHANGES + 1);
    let waiting = t.pending();

    let report = sync_once(&t.store, &server).await.unwrap();
    assert_eq!(report.pushed, waiting.len() as u64);
    let (sizes, bodies) = server.with(|s| (s.push_sizes.clone(), s.push_bodies.clone()));
    assert!(
        bodies.iter().all(|b| *b <= MAX_BODY_BYTES),
        "every push body is one the server reads: {bodies:?}"
    );
    assert!(
        sizes.iter().all(|n| *n <= LEGACY_MAX_PUSH_CHANGES),
        "{sizes:?}"
    );
    assert!(sizes.len() >= 3, "{sizes:?}");
    assert!(t.pending().is_empty());
    let logged: Vec<u64> = server.with(|s| s.log.iter().map(|(seq, _)| *seq).collect());
    assert_eq!(logged, waiting);
}

#[tokio::test]
async fn a_lost_answer_is_replayed_on_retry_and_every_change_is_on_the_server_once() {
    let t = till();
    let server = FakeServer::new("01");
    t.pair(&server).await.unwrap();
    let waiting = t.pending();
    server.with(|s| s.lose_next_answer = true);

    let err = sync_once(&t.store, &server).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ServerUnreachable);
    assert_eq!(
        t.pending(),
        waiting,
        "nothing leaves the outbox without an answer"
    );
    assert!(
        t.state()
            .last_error
            .unwrap()
            .starts_with("server_unreachable")
    );

    let report = sync_once(&t.store, &server).await.unwrap();
    assert_eq!(report.pushed, waiting.len() as u64);
    assert!(t.pending().is_empty());
    let logged: Vec<u64> = server.with(|s| s.log.iter().map(|(seq, _)| *seq).collect());
    assert_eq!(
        logged, waiting,
        "the retry was a replay, not a second batch"
    );
    assert_eq!(server.with(|s| s.push_sizes.len()), 1);
    assert_eq!(t.state().last_error, None);
}

#[tokio::test]
async fn only_the_acknowledged_changes_leave_the_outbox() {
    let t = till();
    let server = FakeServer::new("01");
    t.pair(&server).await.unwrap();
    let waiting = t.pending();
    let cap = waiting[4];
    server.with(|s| s.ack_cap = Some(cap));

    let err = sync_once(&t.store, &server).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unavailable);
    assert_eq!(t.pending(), waiting[5..]);
    assert_eq!(t.state().acked_seq, cap);
}

#[tokio::test]
async fn a_refused_push_leaves_the_outbox_whole_and_the_error_kept() {
    for code in [
        ErrorCode::SequenceGap,
        ErrorCode::DeviceCloned,
        ErrorCode::DeviceRevoked,
    ] {
        let t = till();
        let server = FakeServer::new("01");
        t.pair(&server).await.unwrap();
        let waiting = t.pending();
        server.with(|s| s.refuse_push = Some(Error::new(code, "refused")));

        let err = sync_once(&t.store, &server).await.unwrap_err();
        assert_eq!(err.code, code);
        assert_eq!(t.pending(), waiting, "{code}");
        let kept = t.state().last_error.unwrap();
        assert!(kept.starts_with(code.as_str()), "{kept}");
        assert_eq!(t.state().acked_seq, 0);
    }
}

#[tokio::test]
async fn a_server_that_needs_a_newer_kassa_changes_nothing() {
    let t = till();
    let server = FakeServer::new("01");
    t.pair(&server).await.unwrap();
    let waiting = t.pending();
    server.with(|s| s.update_required = true);

    let err = sync_once(&t.store, &server).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::UpdateRequired);
    assert_eq!(t.pending(), waiting);
    assert!(server.with(|s| s.push_sizes.is_empty()));
    assert!(t.state().last_error.unwrap().starts_with("update_required"));

    // Pairing is refused the same way, before the code is spent.
    let fresh = till();
    let err = fresh.pair(&server).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::UpdateRequired);
    assert!(server.with(|s| s.pair_requests.len()) == 1);
}

#[tokio::test]
async fn an_unpaired_device_does_not_sync_and_keeps_its_outbox() {
    let t = till();
    let server = FakeServer::new("01");
    let before = outbox::summary(t.store.lock().unwrap().conn()).unwrap();
    let err = sync_once(&t.store, &server).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NotPaired);
    assert_eq!(
        outbox::summary(t.store.lock().unwrap().conn()).unwrap(),
        before
    );
    assert_eq!(server.with(|s| s.calls), 0);
}

#[tokio::test]
async fn revoking_a_device_is_audited_here() {
    let t = till();
    let server = FakeServer::new("01");
    t.pair(&server).await.unwrap();
    let listed = kassa_sync_client::devices(&t.store, &server).await.unwrap();
    assert_eq!(listed.len(), 1);
    kassa_sync_client::revoke(&t.store, &server, "0190-other", Some(&t.admin))
        .await
        .unwrap();
    assert_eq!(server.with(|s| s.revoked.clone()), ["0190-other"]);
    let s = t.store.lock().unwrap();
    let n: i64 = s
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'device.revoked' AND entity_id = '0190-other'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn the_same_batch_always_has_the_same_id() {
    let t = till();
    let batch = sync_state::pushable(t.store.lock().unwrap().conn(), 5).unwrap();
    let a = kassa_sync_client::batch_id("dev", &batch);
    assert_eq!(a, kassa_sync_client::batch_id("dev", &batch));
    assert_ne!(a, kassa_sync_client::batch_id("dev", &batch[..4]));
    assert_ne!(a, kassa_sync_client::batch_id("other", &batch));
}

/// The in-memory server, checking on every call that the engine does not hold the store.
struct LockProbe<'a> {
    server: &'a FakeServer,
    store: &'a Mutex<Store>,
    calls_with_store_held: Mutex<usize>,
}

impl LockProbe<'_> {
    fn check(&self) {
        if self.store.try_lock().is_err() {
            *self.calls_with_store_held.lock().unwrap() += 1;
        }
    }
}

impl Transport for LockProbe<'_> {
    async fn handshake(&self, req: &HandshakeRequest) -> Result<HandshakeResponse> {
        self.check();
        self.server.handshake(req).await
    }
    async fn pair(&self, req: &PairRequest) -> Result<PairResponse> {
        self.check();
        self.server.pair(req).await
    }
    async fn push(&self, token: &str, req: &PushRequest<RawPayload>) -> Result<PushResponse> {
        self.check();
        self.server.push(token, req).await
    }
    async fn pull(&self, token: &str, after: u64, limit: u32) -> Result<PullResponse> {
        self.check();
        self.server.pull(token, after, limit).await
    }
    async fn devices(&self, token: &str) -> Result<DevicesResponse> {
        self.check();
        self.server.devices(token).await
    }
    async fn revoke(&self, token: &str, device_id: &str) -> Result<()> {
        self.check();
        self.server.revoke(token, device_id).await
    }
    async fn store_keys(&self, token: &str) -> Result<StoreKeysResponse> {
        self.check();
        self.server.store_keys(token).await
    }
    async fn pairing_code(&self, token: &str) -> Result<PairingCodeResponse> {
        self.check();
        self.server.pairing_code(token).await
    }

    async fn emails(&self, token: &str, updated_after: Option<&str>) -> Result<EmailsResponse> {
        self.check();
        self.server.emails(token, updated_after).await
    }
}

#[tokio::test]
async fn the_store_is_free_while_the_server_is_waited_on() {
    let t = till();
    let server = FakeServer::new("01");
    let probe = LockProbe {
        server: &server,
        store: &t.store,
        calls_with_store_held: Mutex::new(0),
    };
    pair(&t.store, &probe, SERVER, "PAIR-CODE", None, Some(&t.admin))
        .await
        .unwrap();
    t.make_changes(LEGACY_MAX_PUSH_CHANGES + 1);
    sync_once(&t.store, &probe).await.unwrap();
    kassa_sync_client::devices(&t.store, &probe).await.unwrap();
    assert!(server.with(|s| s.calls) >= 5);
    assert_eq!(*probe.calls_with_store_held.lock().unwrap(), 0);
}

#[tokio::test]
async fn a_change_made_while_a_batch_travels_stays_whatever_the_server_claims() {
    let t = till();
    let server = FakeServer::new("01");
    t.pair(&server).await.unwrap();
    let sent = t.pending();
    let store = t.store.clone();
    let fired = std::sync::atomic::AtomicBool::new(false);
    *server.1.lock().unwrap() = Some(Box::new(move || {
        if fired.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        store
            .lock()
            .unwrap()
            .write(|tx| {
                tx.record_change("settings", "late", ChangeOp::Upsert, &serde_json::json!({}))
            })
            .unwrap();
    }));
    server.with(|s| s.overclaim = 1_000);

    // The first round sends what waited; the second sends the change made meanwhile.
    let report = sync_once(&t.store, &server).await.unwrap();
    assert_eq!(report.pushed, sent.len() as u64 + 1);
    let logged = server.with(|s| s.log.len());
    assert_eq!(logged, sent.len() + 1, "every change reached the server");
}

fn key_record(epoch: u32, byte: u8) -> StoreKeyRecord {
    StoreKeyRecord {
        epoch,
        key: kassa_store::StoreKey::from_bytes([byte; 32]).to_base64(),
    }
}

fn admin_blob(t: &Till) -> Vec<u8> {
    t.store
        .lock()
        .unwrap()
        .conn()
        .query_row(
            "SELECT totp_secret_enc FROM staff WHERE id = ?1",
            [&t.admin],
            |r| r.get(0),
        )
        .unwrap()
}

#[tokio::test]
async fn a_newer_store_key_epoch_is_fetched_kept_and_the_resealed_secrets_pushed() {
    let t = till();
    let server = FakeServer::new("01");
    t.pair(&server).await.unwrap();
    sync_once(&t.store, &server).await.unwrap();
    let before = server.with(|s| s.log.len());
    // A device of the store was revoked: the server is at epoch 2.
    server.with(|s| {
        s.key_epoch = 2;
        s.store_keys = vec![key_record(1, 4), key_record(2, 5)];
    });
    let report = sync_once(&t.store, &server).await.unwrap();
    let key = t.store.lock().unwrap().store_key().unwrap().clone_key();
    assert_eq!(key.epochs(), vec![1, 2]);
    assert_eq!(kassa_store::StoreKey::sealed_epoch(&admin_blob(&t)), 2);
    // The admin's secret, sealed again, and the audit entry saying so went out in the same
    // sync.
    assert_eq!(report.pushed, 2);
    assert_eq!(server.with(|s| s.log.len()), before + 2);
    assert_eq!(
        outbox::summary(t.store.lock().unwrap().conn())
            .unwrap()
            .pending,
        0
    );
    // Nothing more to do at the next sync.
    let again = sync_once(&t.store, &server).await.unwrap();
    assert_eq!(again.pushed, 0);
}

#[tokio::test]
async fn store_keys_that_do_not_match_what_the_device_holds_are_not_kept() {
    let t = till();
    let server = FakeServer::new("01");
    t.pair(&server).await.unwrap();
    let blob = admin_blob(&t);
    let epochs = |t: &Till| t.store.lock().unwrap().store_key().unwrap().epochs();
    // The server's first epoch is another key than this device's.
    server.with(|s| {
        s.key_epoch = 2;
        s.store_keys = vec![key_record(1, 9), key_record(2, 5)];
    });
    let err = sync_once(&t.store, &server).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::StoreKeyMismatch, "{err}");
    // The server says epoch 3 but hands out only up to 2.
    server.with(|s| {
        s.key_epoch = 3;
        s.store_keys = vec![key_record(1, 4), key_record(2, 5)];
    });
    let err = sync_once(&t.store, &server).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unavailable, "{err}");
    assert_eq!(epochs(&t), vec![1]);
    assert_eq!(admin_blob(&t), blob, "nothing was sealed again");
}
