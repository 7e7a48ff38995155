//! What the sync benches share: the server on a loopback listener, the devices (real stores
//! in temporary folders synced by the real engine over a metered `HttpTransport`), and the
//! knobs and number formatting of their output. Used by `sync.rs` and `reports_after_sync.rs`
//! through `mod support;`; a folder of its own so Cargo does not take it for a bench.

#[allow(dead_code)]
#[path = "../../../kassa-server-postgres/tests/postgres/db.rs"]
mod db;

use chrono::Utc;
use kassa_domain::Result as KassaResult;
use kassa_server::{ServerKey, issue_pairing_code, open_storage, serve};
use kassa_server_storage::Storage;
use kassa_store::foundation::device::{SetupParams, setup};
use kassa_store::{Clock, KeySource, Store, SystemClock};
use kassa_sync_client::{HttpTransport, Transport, join, pair, sync_once};
use kassa_sync_protocol::wire::{
    AllotmentRequest, AllotmentResponse, DevicesResponse, EmailsResponse, HandshakeRequest,
    HandshakeResponse, PairRequest, PairResponse, PairingCodeResponse, PullResponse, PushRequest,
    PushResponse, RawPayload, StoreKeysResponse,
};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

/// The server key of the bench's servers.
pub const SERVER_KEY: [u8; 32] = [42; 32];
/// The store key every bench store's devices hold.
pub const STORE_KEY: [u8; 32] = [7; 32];

pub fn knob(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .replace(['_', ','], "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a whole number")),
        Err(_) => default,
    }
}

pub fn text_knob(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

pub fn per_sec(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn rate(n: u64, d: Duration) -> String {
    thousands(per_sec(n, d).round() as u64)
}

// ---------------------------------------------------------------------------------------
// The server

/// A server on a loopback listener over one storage; stopped when dropped (before its
/// PostgreSQL database is dropped).
pub struct Server {
    pub url: String,
    pub storage: Arc<dyn Storage>,
    task: tokio::task::JoinHandle<Result<(), kassa_server::ServerError>>,
    _dir: tempfile::TempDir,
    _db: Option<db::TestDb>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    pub fn parse(s: &str) -> Backend {
        match s.trim() {
            "sqlite" => Backend::Sqlite,
            "postgres" | "postgresql" => Backend::Postgres,
            other => panic!("unknown storage {other:?}: use sqlite or postgres"),
        }
    }
}

pub fn start_server(rt: &Runtime, backend: Backend) -> Server {
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("a folder for the server");
        let (storage, test_db) = match backend {
            Backend::Sqlite => {
                let url = format!("sqlite:{}", dir.path().join("server.db").display());
                let storage = open_storage(Some(&url), dir.path())
                    .await
                    .expect("the SQLite storage opens");
                (storage, None)
            }
            Backend::Postgres => {
                let test_db = db::TestDb::new().await;
                let storage = open_storage(Some(&test_db.url), dir.path())
                    .await
                    .expect("the PostgreSQL storage opens");
                (storage, Some(test_db))
            }
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("the bound address");
        let task = tokio::spawn(serve(
            listener,
            Arc::clone(&storage),
            ServerKey::from_bytes(SERVER_KEY),
            None,
        ));
        Server {
            url: format!("http://{addr}"),
            storage,
            task,
            _dir: dir,
            _db: test_db,
        }
    })
}

pub fn pairing_code(rt: &Runtime, server: &Server, store_id: Option<&str>) -> String {
    rt.block_on(issue_pairing_code(&*server.storage, store_id, Utc::now()))
        .expect("a pairing code")
        .code
}

// ---------------------------------------------------------------------------------------
// The transport, measured

/// How long a device's sync took, and how much of it the device's own thread ran (reading
/// and writing its store, encoding and decoding): the rest it waited on the server.
#[derive(Clone, Copy, Debug)]
pub struct Took {
    pub wall: Duration,
    pub busy: Duration,
}

impl Took {
    /// Runs `work` on this thread and measures it.
    pub fn measure<T>(work: impl FnOnce() -> T) -> (T, Took) {
        let (t, cpu) = (Instant::now(), thread_cpu());
        let out = work();
        let took = Took {
            wall: t.elapsed(),
            busy: thread_cpu().saturating_sub(cpu),
        };
        (out, took)
    }

    /// The time the device did not run: waiting on the server (or for a core).
    pub fn waiting(&self) -> Duration {
        self.wall.saturating_sub(self.busy)
    }
}

/// The CPU time this thread has run, from Linux's per-thread scheduler figures (zero where
/// they cannot be read).
pub fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map(Duration::from_nanos)
        .unwrap_or_default()
}

/// Time spent waiting on the server's answers to pushes, and the first sync's progress as a
/// person would see it.
#[derive(Default)]
pub struct Meter {
    pub push_calls: u64,
    pub push_wait: Duration,
    pub pull_calls: u64,
    pub pulled: u64,
    progress: Option<Progress>,
}

pub struct Progress {
    started: Instant,
    last_print: Instant,
    total: Option<u64>,
}

/// `HttpTransport` with a stopwatch on its calls.
pub struct Metered {
    inner: HttpTransport,
    meter: Mutex<Meter>,
}

impl Metered {
    pub fn new(url: &str) -> Metered {
        Metered {
            inner: HttpTransport::new(url).expect("the server URL"),
            meter: Mutex::default(),
        }
    }

    pub fn take(&self) -> Meter {
        std::mem::take(&mut *self.meter.lock().expect("the meter"))
    }

    pub fn show_progress(&self) {
        let now = Instant::now();
        self.meter.lock().expect("the meter").progress = Some(Progress {
            started: now,
            last_print: now,
            total: None,
        });
    }
}

impl Transport for Metered {
    async fn handshake(&self, req: &HandshakeRequest) -> KassaResult<HandshakeResponse> {
        self.inner.handshake(req).await
    }

    async fn pair(&self, req: &PairRequest) -> KassaResult<PairResponse> {
        self.inner.pair(req).await
    }

    async fn push(&self, token: &str, req: &PushRequest<RawPayload>) -> KassaResult<PushResponse> {
        let t = Instant::now();
        let answer = self.inner.push(token, req).await;
        let mut m = self.meter.lock().expect("the meter");
        m.push_calls += 1;
        m.push_wait += t.elapsed();
        answer
    }

    // Not timed: the engine asks for the next page before it applies the one it holds, so
    // the time a pull takes includes applying. What a device waits is [`Took::waiting`].
    async fn pull(&self, token: &str, after: u64, limit: u32) -> KassaResult<PullResponse> {
        let answer = self.inner.pull(token, after, limit).await;
        let mut m = self.meter.lock().expect("the meter");
        m.pull_calls += 1;
        if let Ok(page) = &answer {
            m.pulled += page.changes.len() as u64;
            let (pages, pulled) = (m.pull_calls, m.pulled);
            if let Some(p) = m.progress.as_mut() {
                let total = *p
                    .total
                    .get_or_insert(page.remaining + page.changes.len() as u64);
                let now = Instant::now();
                if now - p.last_print >= Duration::from_secs(3) || page.remaining == 0 {
                    p.last_print = now;
                    let elapsed = now - p.started;
                    let done = total.saturating_sub(page.remaining);
                    let eta = elapsed.as_secs_f64() * page.remaining as f64 / done.max(1) as f64;
                    println!(
                        "    page {pages:4}: {} of {} changes received ({:5.1} %), {} left, {:6.1} s, ETA {:4.0} s",
                        thousands(pulled),
                        thousands(total),
                        100.0 * done as f64 / total.max(1) as f64,
                        thousands(page.remaining),
                        elapsed.as_secs_f64(),
                        eta
                    );
                }
            }
        }
        answer
    }

    async fn devices(&self, token: &str) -> KassaResult<DevicesResponse> {
        self.inner.devices(token).await
    }

    async fn revoke(&self, token: &str, device_id: &str) -> KassaResult<()> {
        self.inner.revoke(token, device_id).await
    }

    async fn store_keys(&self, token: &str) -> KassaResult<StoreKeysResponse> {
        self.inner.store_keys(token).await
    }

    async fn pairing_code(&self, token: &str) -> KassaResult<PairingCodeResponse> {
        self.inner.pairing_code(token).await
    }

    async fn emails(
        &self,
        token: &str,
        updated_after: Option<&str>,
    ) -> KassaResult<EmailsResponse> {
        self.inner.emails(token, updated_after).await
    }

    async fn set_allotment(
        &self,
        token: &str,
        req: &AllotmentRequest,
    ) -> KassaResult<AllotmentResponse> {
        self.inner.set_allotment(token, req).await
    }
}

// ---------------------------------------------------------------------------------------
// Devices

/// A device: a real store in a temporary folder.
pub struct Device {
    pub store: Mutex<Store>,
    pub transport: Metered,
    pub store_id: String,
    pub admin_id: Option<String>,
    _dir: tempfile::TempDir,
}

pub fn open_store(dir: &Path, device_key: u8) -> Store {
    open_store_with(dir, device_key, Arc::new(SystemClock))
}

/// [`open_store`] reading the time from `clock`.
pub fn open_store_with(dir: &Path, device_key: u8, clock: Arc<dyn Clock>) -> Store {
    Store::open(
        dir,
        clock,
        KeySource::ExplicitKeys {
            device: [device_key; 32],
            store: STORE_KEY,
        },
    )
    .expect("the device's store opens")
}

/// The device runtime: the engine runs on one thread, as the app and the CLI run it.
pub fn device_runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the device runtime")
}

/// Device A: a new store, set up and paired as the store's first device, its setup pushed.
pub fn first_device(rt: &Runtime, dev: &Runtime, server: &Server) -> Device {
    first_device_with(rt, dev, server, Arc::new(SystemClock))
}

/// [`first_device`] reading the time from `clock` (set up and paired at its time).
pub fn first_device_with(
    rt: &Runtime,
    dev: &Runtime,
    server: &Server,
    clock: Arc<dyn Clock>,
) -> Device {
    let dir = tempfile::tempdir().expect("a folder for device A");
    let mut store = open_store_with(dir.path(), 1, clock);
    let out = setup(
        &mut store,
        SetupParams {
            store_name: "Bench Shop".into(),
            store_code: None,
            currency: "EUR".into(),
            device_name: Some("Till 1".into()),
            admin_email: "bench@example.com".into(),
            admin_name: None,
            password: "correct horse battery staple".into(),
            demo: false,
        },
    )
    .expect("setup");
    let device = Device {
        store: Mutex::new(store),
        transport: Metered::new(&server.url),
        store_id: out.store_id,
        admin_id: Some(out.admin_id),
        _dir: dir,
    };
    let code = pairing_code(rt, server, None);
    dev.block_on(pair(
        &device.store,
        &device.transport,
        &server.url,
        &code,
        Some("Till 1"),
        device.admin_id.as_deref(),
    ))
    .expect("device A pairs");
    dev.block_on(sync_once(&device.store, &device.transport))
        .expect("device A pushes its setup");
    device.transport.take();
    device
}

/// A device joining the store from an empty folder: pairing and its first sync.
pub fn joining_device(
    rt: &Runtime,
    dev: &Runtime,
    server: &Server,
    store_id: &str,
    key: u8,
    progress: bool,
) -> (Device, u64, Took) {
    let dir = tempfile::tempdir().expect("a folder for the joining device");
    let device = Device {
        store: Mutex::new(open_store(dir.path(), key)),
        transport: Metered::new(&server.url),
        store_id: store_id.to_string(),
        admin_id: None,
        _dir: dir,
    };
    let code = pairing_code(rt, server, Some(store_id));
    if progress {
        device.transport.show_progress();
    }
    let (joined, took) = Took::measure(|| {
        dev.block_on(join(
            &device.store,
            &device.transport,
            &server.url,
            &code,
            Some("Till 2"),
        ))
        .expect("the device joins")
    });
    (device, joined.pulled, took)
}
