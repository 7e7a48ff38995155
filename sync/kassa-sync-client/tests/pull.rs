//! Pulling and joining against an in-memory server that serves the store's log in small
//! pages: every page applied with its cursor, the counts real, the store free while a page
//! is on its way, and a folder that holds a store never joined to another.

use kassa_domain::{ErrorCode, Result};
use kassa_store::foundation::apply;
use kassa_store::foundation::device::{self, SetupParams, setup};
use kassa_store::foundation::sync_state;
use kassa_store::{KeySource, Store, SystemClock};
use kassa_sync_client::{Transport, join, sync_once, sync_once_with_progress};
use kassa_sync_protocol::wire::{
    DevicesResponse, EmailsResponse, HandshakeRequest, HandshakeResponse, LogEntry, PairRequest,
    PairResponse, PairingCodeResponse, PullResponse, PushRequest, PushResponse, RawPayload,
    StoreKeysResponse,
};
use std::sync::{Arc, Mutex};

const SERVER: &str = "https://sync.example.com";
const PAGE: usize = 7;

fn now() -> String {
    kassa_store::ts(chrono::Utc::now())
}

/// A server holding one store's log, answering pulls `PAGE` changes at a time.
struct LogServer {
    store_id: String,
    log: Vec<LogEntry>,
    pulls: Mutex<Vec<u64>>,
    pairs: Mutex<Vec<PairRequest>>,
    /// The device's store, to check it is free while the server is waited on.
    watched: Mutex<Option<Arc<Mutex<Store>>>>,
    /// For each pull: the cursor the device had applied up to when it asked.
    applied_when_asked: Mutex<Vec<u64>>,
    /// A pull after this cursor fails as if the network dropped.
    drop_after: Mutex<Option<u64>>,
}

impl LogServer {
    fn new(store_id: String, log: Vec<LogEntry>) -> LogServer {
        LogServer {
            store_id,
            log,
            pulls: Mutex::default(),
            pairs: Mutex::default(),
            watched: Mutex::default(),
            applied_when_asked: Mutex::default(),
            drop_after: Mutex::default(),
        }
    }
}

impl Transport for LogServer {
    async fn handshake(&self, _: &HandshakeRequest) -> Result<HandshakeResponse> {
        Ok(HandshakeResponse {
            protocol: 1,
            min_schema_version: 1,
            update_required: false,
            server_time: now(),
            max_push_changes: kassa_sync_protocol::wire::MAX_PUSH_CHANGES as u32,
        })
    }

    async fn pair(&self, req: &PairRequest) -> Result<PairResponse> {
        self.pairs.lock().unwrap().push(req.clone());
        Ok(PairResponse {
            store_id: self.store_id.clone(),
            device_id: req.device_id.clone(),
            device_code: "02".into(),
            token: "token-of-till-2".into(),
            server_time: now(),
            store_key: kassa_store::StoreKey::from_bytes([7; 32]).to_base64(),
        })
    }

    async fn push(&self, _: &str, req: &PushRequest<RawPayload>) -> Result<PushResponse> {
        Ok(PushResponse {
            accepted: req.changes.len() as u64,
            acked_seq: req.changes.last().map_or(0, |c| c.seq),
            server_time: now(),
        })
    }

    async fn pull(&self, token: &str, after: u64, _: u32) -> Result<PullResponse> {
        assert_eq!(token, "token-of-till-2");
        if let Some(store) = self.watched.lock().unwrap().as_ref() {
            let held = store.try_lock();
            assert!(held.is_ok(), "the store is locked across a pull");
            let applied = held.map(|s| apply::cursor(s.conn()).unwrap()).unwrap();
            self.applied_when_asked.lock().unwrap().push(applied);
        }
        self.pulls.lock().unwrap().push(after);
        if *self.drop_after.lock().unwrap() == Some(after) {
            return Err(kassa_domain::Error::new(
                ErrorCode::ServerUnreachable,
                "the connection dropped",
            ));
        }
        let rest: Vec<LogEntry> = self
            .log
            .iter()
            .filter(|e| e.server_seq > after)
            .cloned()
            .collect();
        let page: Vec<LogEntry> = rest.iter().take(PAGE).cloned().collect();
        let cursor = page.last().map_or(after, |e| e.server_seq);
        Ok(PullResponse {
            remaining: (rest.len() - page.len()) as u64,
            changes: page,
            cursor,
            server_time: now(),
            store_key_epoch: 1,
            audit_heads: Vec::new(),
        })
    }

    async fn devices(&self, _: &str) -> Result<DevicesResponse> {
        Ok(DevicesResponse { devices: vec![] })
    }

    async fn revoke(&self, _: &str, _: &str) -> Result<()> {
        Ok(())
    }

    async fn store_keys(&self, _: &str) -> Result<StoreKeysResponse> {
        Err(kassa_domain::Error::not_found(
            "this log server never rotates the store key",
        ))
    }

    async fn pairing_code(&self, _: &str) -> Result<PairingCodeResponse> {
        Err(kassa_domain::Error::not_found(
            "this log server makes no codes",
        ))
    }

    async fn emails(&self, _: &str, _: Option<&str>) -> Result<EmailsResponse> {
        // A log server sends no email.
        Ok(EmailsResponse { emails: vec![] })
    }
}

fn open(dir: &std::path::Path, key: u8) -> Store {
    Store::open(
        dir,
        Arc::new(SystemClock),
        KeySource::ExplicitKeys {
            device: [key; 32],
            store: [7; 32],
        },
    )
    .unwrap()
}

/// A set-up store's outbox as the server's log: (store id, log).
fn first_device_log(dir: &std::path::Path) -> (String, Vec<LogEntry>) {
    let mut store = open(dir, 1);
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
    let log = sync_state::pushable(store.conn(), 10_000)
        .unwrap()
        .into_iter()
        .enumerate()
        .map(|(i, c)| LogEntry {
            server_seq: 100 + i as u64,
            change: c.change.map_payload(|p| p.to_value()).unwrap(),
        })
        .collect();
    (out.store_id, log)
}

#[tokio::test]
async fn an_empty_folder_joins_and_downloads_the_store_page_by_page() {
    let a = tempfile::tempdir().unwrap();
    let (store_id, log) = first_device_log(a.path());
    assert!(log.len() > PAGE, "the log spans pages ({})", log.len());
    let server = LogServer::new(store_id.clone(), log);
    let b = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(open(b.path(), 2)));
    *server.watched.lock().unwrap() = Some(Arc::clone(&store));

    let joined = join(&store, &server, SERVER, "CODE-1", Some("Till 2"))
        .await
        .unwrap();
    assert_eq!(joined.store_id, store_id);
    assert_eq!(joined.device_code, "02");
    let pairs = server.pairs.lock().unwrap().clone();
    assert_eq!(pairs.len(), 1);
    assert!(pairs[0].store.is_none(), "a joining device brings no store");
    assert_eq!(pairs[0].device_id, joined.device_id);
    // Pages of PAGE changes, each asked after the previous page's cursor.
    let pulls = server.pulls.lock().unwrap().clone();
    assert_eq!(pulls.len(), server.log.len().div_ceil(PAGE));
    assert_eq!(pulls[0], 0);
    assert!(joined.pulled > 0);
    assert!(joined.pulled <= server.log.len() as u64);

    {
        let s = store.lock().unwrap();
        let last = server.log.last().unwrap().server_seq;
        assert_eq!(apply::cursor(s.conn()).unwrap(), last);
        let dev = device::device(s.conn()).unwrap().unwrap();
        assert_eq!(dev.store_id, store_id);
        assert_eq!(dev.code, "02");
        let st = device::store(s.conn(), &store_id).unwrap();
        assert_eq!(st.name, "Corner Shop");
        let state = sync_state::state(s.conn()).unwrap().unwrap();
        assert_eq!(state.server_url, SERVER);
    }

    // Nothing new: the next sync asks once after the cursor and applies nothing.
    server.pulls.lock().unwrap().clear();
    let again = sync_once(&store, &server).await.unwrap();
    assert_eq!(again.pulled, 0);
    assert_eq!(again.conflicts, 0);
    assert_eq!(
        server.pulls.lock().unwrap().clone(),
        vec![server.log.last().unwrap().server_seq]
    );
}

#[tokio::test]
async fn a_folder_that_holds_a_store_is_not_joined_to_another() {
    let a = tempfile::tempdir().unwrap();
    let (store_id, log) = first_device_log(a.path());
    let server = LogServer::new(store_id, log);
    let store = Arc::new(Mutex::new(open(a.path(), 1)));
    let err = join(&store, &server, SERVER, "CODE-1", None)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::AlreadyExists, "{err}");
    assert!(server.pairs.lock().unwrap().is_empty(), "nothing was sent");
    assert!(server.pulls.lock().unwrap().is_empty());
}

/// Till 2, joined while the store's log was one page; the server now holds the whole log,
/// more than `pages` pages of it. Answers the log, the server, Till 2's store and the folders.
async fn joined_on_the_first_page(
    pages: usize,
) -> (
    Vec<LogEntry>,
    LogServer,
    Arc<Mutex<Store>>,
    [tempfile::TempDir; 2],
) {
    let a = tempfile::tempdir().unwrap();
    let (store_id, full) = first_device_log(a.path());
    assert!(
        full.len() > pages * PAGE,
        "the log spans pages ({})",
        full.len()
    );
    let mut server = LogServer::new(store_id, full[..PAGE].to_vec());
    let b = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(open(b.path(), 2)));
    join(&store, &server, SERVER, "CODE-1", None).await.unwrap();
    server.log = full.clone();
    (full, server, store, [a, b])
}

#[tokio::test]
async fn a_long_pull_tells_how_many_changes_are_left_after_each_page() {
    let (full, server, store, _dirs) = joined_on_the_first_page(2).await;

    let seen = Mutex::new(Vec::new());
    let report = sync_once_with_progress(&store, &server, &|left| seen.lock().unwrap().push(left))
        .await
        .unwrap();
    let seen = seen.into_inner().unwrap();
    let rest = (full.len() - PAGE) as u64;
    let want: Vec<u64> = (1..=rest.div_ceil(PAGE as u64))
        .map(|page| rest.saturating_sub(page * PAGE as u64))
        .collect();
    assert_eq!(seen, want, "one report per page, counting down to 0");
    assert!(seen.len() > 1, "{seen:?}");
    assert!(report.pulled > 0);
}

#[tokio::test]
async fn the_next_page_is_asked_for_before_a_page_is_applied_and_a_lost_one_costs_only_itself() {
    let (full, server, store, _dirs) = joined_on_the_first_page(2).await;
    server.pulls.lock().unwrap().clear();
    *server.watched.lock().unwrap() = Some(Arc::clone(&store));
    let cursor_of = |page: usize| full[(page * PAGE).min(full.len()) - 1].server_seq;

    // The pull after page 2 is lost: page 2, asked for before, is applied, the sync fails
    // with the network's error, and nothing of what was applied is undone.
    *server.drop_after.lock().unwrap() = Some(cursor_of(2));
    let err = sync_once(&store, &server).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ServerUnreachable, "{err}");
    assert_eq!(
        server.pulls.lock().unwrap().clone(),
        vec![cursor_of(1), cursor_of(2)]
    );
    // The page after page 2 was asked for while page 2 was still to be applied.
    assert_eq!(
        server.applied_when_asked.lock().unwrap().clone(),
        vec![cursor_of(1), cursor_of(1)]
    );
    assert_eq!(
        apply::cursor(store.lock().unwrap().conn()).unwrap(),
        cursor_of(2)
    );

    // The next sync carries on after page 2 and ends at the log's end, each page once.
    *server.drop_after.lock().unwrap() = None;
    server.pulls.lock().unwrap().clear();
    let report = sync_once(&store, &server).await.unwrap();
    let last = full.last().unwrap().server_seq;
    let pulls = server.pulls.lock().unwrap().clone();
    assert_eq!(pulls.first(), Some(&cursor_of(2)));
    let rest = full.iter().filter(|e| e.server_seq > cursor_of(2)).count();
    assert_eq!(pulls.len(), rest.div_ceil(PAGE), "{pulls:?}");
    assert!(report.pulled > 0);
    assert_eq!(apply::cursor(store.lock().unwrap().conn()).unwrap(), last);
}
