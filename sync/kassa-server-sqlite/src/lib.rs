//! The Kassa server's storage on SQLite: one file, WAL, `synchronous=FULL`.
//!
//! One connection writes, each operation in its own `BEGIN IMMEDIATE` transaction; a few
//! read-only connections serve lookups and pulls beside it (WAL lets readers run while the
//! writer commits). All of it runs on tokio's blocking threads so the async runtime never
//! waits on the disk. The log's places are given inside the write transaction, so they
//! follow commit order.

mod allotments;
mod cards;
mod migrate;
mod ops;
mod refunds;

use async_trait::async_trait;
use kassa_server_storage::{
    AllotmentEvent, AllotmentHolding, AllotmentInput, AllotmentState, CardPayment,
    CardPaymentUpdate, CardRefund, CardRefundUpdate, DeviceAuth, EmailCounts, EmailJob,
    EmailOutcome, EmailRecord, NewCardPayment, NewCardRefund, NewEmail, NewPairingCode, Page,
    PairInput, Paired, PushInput, Pushed, Result, RevokeInput, SealedStoreKey, ServerAuditEntry,
    Storage, StorageError, StoreHealth,
};
use kassa_sync_protocol::wire::DeviceRecord;
use rusqlite::{Connection, OptionalExtension};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Read-only connections beside the writer.
const READERS: usize = 4;

/// A server database in one SQLite file.
#[derive(Clone)]
pub struct SqliteStorage {
    conn: Arc<Mutex<Connection>>,
    /// Empty for an in-memory database, whose data only its own connection sees.
    readers: Arc<Vec<Arc<Mutex<Connection>>>>,
    next_reader: Arc<AtomicUsize>,
}

impl std::fmt::Debug for SqliteStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStorage").finish_non_exhaustive()
    }
}

impl SqliteStorage {
    /// Opens (or creates) the database at `path` and brings its schema up to date.
    /// Blocking: call it from a blocking thread or at start-up.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StorageError::Backend(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let conn = Connection::open(path).map_err(backend)?;
        let mut storage = Self::setup(conn)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = Connection::open(path).map_err(backend)?;
            reader
                .pragma_update(None, "query_only", "ON")
                .map_err(backend)?;
            reader
                .busy_timeout(std::time::Duration::from_secs(5))
                .map_err(backend)?;
            readers.push(Arc::new(Mutex::new(reader)));
        }
        storage.readers = Arc::new(readers);
        Ok(storage)
    }

    /// A database that lives in memory only, for tests.
    pub fn open_in_memory() -> Result<Self> {
        Self::setup(Connection::open_in_memory().map_err(backend)?)
    }

    fn setup(mut conn: Connection) -> Result<Self> {
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(backend)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(backend)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(backend)?;
        // What a write removes is zeroed in its page, so a secret blanked (an emailed
        // invitation's code) does not linger in the file's free space.
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(backend)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(backend)?;
        migrate::run(&mut conn)?;
        Ok(SqliteStorage {
            conn: Arc::new(Mutex::new(conn)),
            readers: Arc::new(Vec::new()),
            next_reader: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// Runs `f` on the writing connection on a blocking thread.
    async fn with<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        Self::on(Arc::clone(&self.conn), f).await
    }

    /// Runs `f`, which only reads, on a reading connection (the writer if there is none).
    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let n = self.readers.len();
        let conn = if n == 0 {
            Arc::clone(&self.conn)
        } else {
            Arc::clone(&self.readers[self.next_reader.fetch_add(1, Ordering::Relaxed) % n])
        };
        Self::on(conn, f).await
    }

    async fn on<T, F>(conn: Arc<Mutex<Connection>>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        tokio::task::spawn_blocking(move || {
            // A panic mid-operation dropped its transaction, which rolled it back: the
            // connection is still sound.
            let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| StorageError::Backend(format!("storage task failed: {e}")))?
    }
}

pub(crate) fn backend(e: rusqlite::Error) -> StorageError {
    StorageError::Backend(e.to_string())
}

#[async_trait]
impl Storage for SqliteStorage {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn add_pairing_code(&self, code: NewPairingCode) -> Result<()> {
        self.with(move |c| ops::add_pairing_code(c, &code)).await
    }

    async fn pair(&self, input: PairInput) -> Result<Paired> {
        self.with(move |c| ops::pair(c, &input)).await
    }

    async fn authenticate(&self, token_hash: &str) -> Result<Option<DeviceAuth>> {
        let token_hash = token_hash.to_owned();
        self.read(move |c| ops::authenticate(c, &token_hash)).await
    }

    async fn push(&self, input: PushInput) -> Result<Pushed> {
        self.with(move |c| ops::push(c, &input)).await
    }

    async fn pull(
        &self,
        store_id: &str,
        reader_device: &str,
        after: u64,
        limit: u32,
    ) -> Result<Page> {
        let (store_id, reader) = (store_id.to_owned(), reader_device.to_owned());
        self.read(move |c| ops::pull(c, &store_id, &reader, after, limit))
            .await
    }

    async fn touch(&self, device_id: &str, now: &str) -> Result<()> {
        let (device_id, now) = (device_id.to_owned(), now.to_owned());
        self.with(move |c| ops::touch(c, &device_id, &now)).await
    }

    async fn devices(&self, store_id: &str) -> Result<Vec<DeviceRecord>> {
        let store_id = store_id.to_owned();
        self.read(move |c| ops::devices(c, &store_id)).await
    }

    async fn revoke(&self, input: RevokeInput) -> Result<Option<u32>> {
        self.with(move |c| ops::revoke(c, &input)).await
    }

    async fn a_sealed_store_key(&self) -> Result<Option<(String, Vec<u8>)>> {
        self.read(|c| {
            c.query_row(
                "SELECT id, store_key FROM stores WHERE store_key IS NOT NULL ORDER BY id LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(crate::backend)
        })
        .await
    }

    async fn store_keys(&self, store_id: &str) -> Result<Vec<SealedStoreKey>> {
        let store_id = store_id.to_owned();
        self.read(move |c| ops::store_keys(c, &store_id)).await
    }

    async fn audit(&self, store_id: &str) -> Result<Vec<ServerAuditEntry>> {
        let store_id = store_id.to_owned();
        self.read(move |c| ops::audit(c, &store_id)).await
    }

    async fn begin_card_payment(&self, input: NewCardPayment) -> Result<(CardPayment, bool)> {
        self.with(move |c| cards::begin(c, &input)).await
    }

    async fn update_card_payment(&self, update: CardPaymentUpdate) -> Result<CardPayment> {
        self.with(move |c| cards::update(c, &update)).await
    }

    async fn offline_card_exposure(
        &self,
        store_id: &str,
        device_id: &str,
        taken_at: &str,
        forwarded_after: &str,
        except_key: &str,
    ) -> Result<i64> {
        let args = [store_id, device_id, taken_at, forwarded_after, except_key].map(str::to_owned);
        self.read(move |c| {
            let [store, device, taken, after, except] = &args;
            cards::offline_exposure(c, store, device, taken, after, except)
        })
        .await
    }

    async fn card_payment_by_key(&self, store_id: &str, key: &str) -> Result<Option<CardPayment>> {
        let (store_id, key) = (store_id.to_owned(), key.to_owned());
        self.read(move |c| cards::by_store_key(c, &store_id, &key))
            .await
    }

    async fn card_payment_by_intent(&self, intent_id: &str) -> Result<Option<CardPayment>> {
        let intent_id = intent_id.to_owned();
        self.read(move |c| cards::by_intent(c, &intent_id)).await
    }

    async fn card_payments_between(&self, from: &str, to: &str) -> Result<Vec<CardPayment>> {
        let (from, to) = (from.to_owned(), to.to_owned());
        self.read(move |c| cards::between(c, &from, &to)).await
    }

    async fn begin_card_refund(&self, input: NewCardRefund) -> Result<(CardRefund, bool)> {
        self.with(move |c| refunds::begin(c, &input)).await
    }

    async fn finish_card_refund(&self, update: CardRefundUpdate) -> Result<CardRefund> {
        self.with(move |c| refunds::finish(c, &update)).await
    }

    async fn card_refunds_of_intent(&self, intent_id: &str) -> Result<Vec<CardRefund>> {
        let intent_id = intent_id.to_owned();
        self.read(move |c| refunds::of_intent(c, &intent_id)).await
    }

    async fn provider_event_seen(&self, event_id: &str) -> Result<bool> {
        let id = event_id.to_owned();
        self.read(move |c| cards::event_seen(c, &id)).await
    }

    async fn record_provider_event(&self, event_id: &str, kind: &str, now: &str) -> Result<bool> {
        let (id, kind, now) = (event_id.to_owned(), kind.to_owned(), now.to_owned());
        self.with(move |c| cards::record_event(c, &id, &kind, &now))
            .await
    }

    async fn latest_setting(&self, store_id: &str, key: &str) -> Result<Option<serde_json::Value>> {
        let (store_id, key) = (store_id.to_owned(), key.to_owned());
        self.read(move |c| cards::latest_setting(c, &store_id, &key))
            .await
    }

    async fn claim_emails(
        &self,
        now: &str,
        lease_until: &str,
        limit: u32,
    ) -> Result<Vec<EmailJob>> {
        let (now, lease_until) = (now.to_owned(), lease_until.to_owned());
        self.with(move |c| ops::claim_emails(c, &now, &lease_until, limit))
            .await
    }

    async fn finish_email(
        &self,
        store_id: &str,
        id: &str,
        outcome: EmailOutcome,
        now: &str,
    ) -> Result<()> {
        let (store_id, id, now) = (store_id.to_owned(), id.to_owned(), now.to_owned());
        self.with(move |c| ops::finish_email(c, &store_id, &id, &outcome, &now))
            .await
    }

    async fn emails(
        &self,
        store_id: Option<&str>,
        updated_after: Option<&str>,
    ) -> Result<Vec<EmailRecord>> {
        let store_id = store_id.map(str::to_owned);
        let after = updated_after.map(str::to_owned);
        self.read(move |c| ops::emails(c, store_id.as_deref(), after.as_deref()))
            .await
    }

    async fn email_counts(&self) -> Result<EmailCounts> {
        self.read(ops::email_counts).await
    }

    async fn queue_email(
        &self,
        store_id: &str,
        device_id: &str,
        email: NewEmail,
        failed: Option<String>,
        now: &str,
    ) -> Result<EmailRecord> {
        let (store_id, device_id, now) =
            (store_id.to_owned(), device_id.to_owned(), now.to_owned());
        self.with(move |c| {
            ops::queue_email(c, &store_id, &device_id, &email, failed.as_deref(), &now)
        })
        .await
    }

    async fn store_health(&self) -> Result<Vec<StoreHealth>> {
        self.read(ops::store_health).await
    }

    async fn set_allotment(&self, input: AllotmentInput) -> Result<AllotmentState> {
        self.with(move |c| allotments::set(c, &input)).await
    }

    async fn allotments(&self, store_id: &str, pool_id: &str) -> Result<Vec<AllotmentHolding>> {
        let (store_id, pool_id) = (store_id.to_owned(), pool_id.to_owned());
        self.read(move |c| allotments::list(c, &store_id, &pool_id))
            .await
    }

    async fn allotment_events(&self, store_id: &str, pool_id: &str) -> Result<Vec<AllotmentEvent>> {
        let (store_id, pool_id) = (store_id.to_owned(), pool_id.to_owned());
        self.read(move |c| allotments::events(c, &store_id, &pool_id))
            .await
    }
}
