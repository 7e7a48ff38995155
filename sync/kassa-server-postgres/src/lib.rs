//! The Kassa server's PostgreSQL backend.
//!
//! [`PostgresStorage`] implements [`Storage`] over a pool of `tokio-postgres`
//! connections. Each operation is one transaction, and nothing is kept in the process
//! between calls, so several server instances can share one database. The schema is the
//! crate's own (`migrations/`), applied by [`connect`].
//!
//! Pushes to one store are serialised by a row lock on the store's log counter: places in
//! the log are given in commit order, so a device paging by `server_seq > cursor` never
//! skips a change that committed late.

mod allotments;
mod cards;
mod email;
mod error;
mod log;
mod migrate;
mod refunds;
mod registry;
mod sql;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use kassa_server_storage::{
    AllotmentEvent, AllotmentHolding, AllotmentInput, AllotmentState, CardPayment,
    CardPaymentUpdate, CardRefund, CardRefundUpdate, DeviceAuth, EmailCounts, EmailJob,
    EmailOutcome, EmailRecord, NewCardPayment, NewCardRefund, NewEmail, NewPairingCode, Page,
    PairInput, Paired, PushInput, Pushed, Result, RevokeInput, SealedStoreKey, ServerAuditEntry,
    Storage, StorageError, StoreHealth,
};
use kassa_sync_protocol::wire::DeviceRecord;
use tokio_postgres::NoTls;

pub use migrate::latest_version as schema_version;

/// The most connections one server instance opens.
const POOL_SIZE: usize = 16;

/// The server's storage in a PostgreSQL database.
#[derive(Clone)]
pub struct PostgresStorage {
    pool: Pool,
}

impl std::fmt::Debug for PostgresStorage {
    // The pool's configuration holds the connection URL, which may carry a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStorage").finish_non_exhaustive()
    }
}

/// Connects to the database at `url` (`postgres://user@host:port/db`) and brings its
/// schema up to date. Connections are plain TCP or a Unix socket, without TLS: the
/// database belongs on the server's own host or private network (`sslmode=require` fails).
pub async fn connect(url: &str) -> Result<PostgresStorage> {
    let config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| StorageError::Backend(format!("the PostgreSQL URL is not valid: {e}")))?;
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    let pool = Pool::builder(manager)
        .max_size(POOL_SIZE)
        .build()
        .map_err(|e| StorageError::Backend(format!("could not make a connection pool: {e}")))?;
    let mut client = pool.get().await.map_err(error::pool)?;
    migrate::migrate(&mut client).await?;
    Ok(PostgresStorage { pool })
}

impl PostgresStorage {
    /// A pooled connection.
    async fn client(&self) -> Result<deadpool_postgres::Client> {
        self.pool.get().await.map_err(error::pool)
    }
}

#[async_trait]
impl Storage for PostgresStorage {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn add_pairing_code(&self, code: NewPairingCode) -> Result<()> {
        let mut client = self.client().await?;
        registry::add_pairing_code(&mut client, code).await
    }

    async fn pair(&self, input: PairInput) -> Result<Paired> {
        let mut client = self.client().await?;
        registry::pair(&mut client, input).await
    }

    async fn authenticate(&self, token_hash: &str) -> Result<Option<DeviceAuth>> {
        let client = self.client().await?;
        registry::authenticate(&client, token_hash).await
    }

    async fn push(&self, input: PushInput) -> Result<Pushed> {
        let mut client = self.client().await?;
        log::push(&mut client, input).await
    }

    async fn pull(
        &self,
        store_id: &str,
        reader_device: &str,
        after: u64,
        limit: u32,
    ) -> Result<Page> {
        let mut client = self.client().await?;
        log::pull(&mut client, store_id, reader_device, after, limit).await
    }

    async fn touch(&self, device_id: &str, now: &str) -> Result<()> {
        let client = self.client().await?;
        registry::touch(&client, device_id, now).await
    }

    async fn devices(&self, store_id: &str) -> Result<Vec<DeviceRecord>> {
        let client = self.client().await?;
        registry::devices(&client, store_id).await
    }

    async fn revoke(&self, input: RevokeInput) -> Result<Option<u32>> {
        let mut client = self.client().await?;
        registry::revoke(&mut client, &input).await
    }

    async fn a_sealed_store_key(&self) -> Result<Option<(String, Vec<u8>)>> {
        let client = self.client().await?;
        Ok(sql::query_opt(
            &client,
            "SELECT id, store_key FROM stores WHERE store_key IS NOT NULL ORDER BY id LIMIT 1",
            &[],
        )
        .await
        .map_err(error::db)?
        .map(|r| (r.get(0), r.get(1))))
    }

    async fn store_keys(&self, store_id: &str) -> Result<Vec<SealedStoreKey>> {
        let mut client = self.client().await?;
        registry::store_keys(&mut client, store_id).await
    }

    async fn audit(&self, store_id: &str) -> Result<Vec<ServerAuditEntry>> {
        let client = self.client().await?;
        registry::audit(&client, store_id).await
    }

    async fn begin_card_payment(&self, input: NewCardPayment) -> Result<(CardPayment, bool)> {
        let mut client = self.client().await?;
        cards::begin(&mut client, input).await
    }

    async fn update_card_payment(&self, update: CardPaymentUpdate) -> Result<CardPayment> {
        let mut client = self.client().await?;
        cards::update(&mut client, update).await
    }

    async fn card_payment_by_key(&self, store_id: &str, key: &str) -> Result<Option<CardPayment>> {
        let client = self.client().await?;
        cards::by_store_key(&client, store_id, key).await
    }

    async fn card_payment_by_intent(&self, intent_id: &str) -> Result<Option<CardPayment>> {
        let client = self.client().await?;
        cards::by_intent(&client, intent_id).await
    }

    async fn card_payments_between(&self, from: &str, to: &str) -> Result<Vec<CardPayment>> {
        let client = self.client().await?;
        cards::between(&client, from, to).await
    }

    async fn begin_card_refund(&self, input: NewCardRefund) -> Result<(CardRefund, bool)> {
        let mut client = self.client().await?;
        refunds::begin(&mut client, input).await
    }

    async fn finish_card_refund(&self, update: CardRefundUpdate) -> Result<CardRefund> {
        let mut client = self.client().await?;
        refunds::finish(&mut client, update).await
    }

    async fn card_refunds_of_intent(&self, intent_id: &str) -> Result<Vec<CardRefund>> {
        let client = self.client().await?;
        refunds::of_intent(&client, intent_id).await
    }

    async fn provider_event_seen(&self, event_id: &str) -> Result<bool> {
        let client = self.client().await?;
        cards::event_seen(&client, event_id).await
    }

    async fn record_provider_event(&self, event_id: &str, kind: &str, now: &str) -> Result<bool> {
        let client = self.client().await?;
        cards::record_event(&client, event_id, kind, now).await
    }

    async fn offline_card_exposure(
        &self,
        store_id: &str,
        device_id: &str,
        taken_at: &str,
        forwarded_after: &str,
        except_key: &str,
    ) -> Result<i64> {
        let client = self.client().await?;
        cards::offline_exposure(
            &client,
            store_id,
            device_id,
            taken_at,
            forwarded_after,
            except_key,
        )
        .await
    }

    async fn latest_setting(&self, store_id: &str, key: &str) -> Result<Option<serde_json::Value>> {
        let client = self.client().await?;
        cards::latest_setting(&client, store_id, key).await
    }

    async fn claim_emails(
        &self,
        now: &str,
        lease_until: &str,
        limit: u32,
    ) -> Result<Vec<EmailJob>> {
        let mut client = self.client().await?;
        email::claim(&mut client, now, lease_until, limit).await
    }

    async fn finish_email(
        &self,
        store_id: &str,
        id: &str,
        outcome: EmailOutcome,
        now: &str,
    ) -> Result<()> {
        let client = self.client().await?;
        email::finish(&client, store_id, id, &outcome, now).await
    }

    async fn emails(
        &self,
        store_id: Option<&str>,
        updated_after: Option<&str>,
    ) -> Result<Vec<EmailRecord>> {
        let client = self.client().await?;
        email::list(&client, store_id, updated_after).await
    }

    async fn email_counts(&self) -> Result<EmailCounts> {
        let client = self.client().await?;
        email::counts(&client).await
    }

    async fn queue_email(
        &self,
        store_id: &str,
        device_id: &str,
        email: NewEmail,
        failed: Option<String>,
        now: &str,
    ) -> Result<EmailRecord> {
        let client = self.client().await?;
        email::queue(&client, store_id, device_id, &email, failed.as_deref(), now).await
    }

    async fn store_health(&self) -> Result<Vec<StoreHealth>> {
        let client = self.client().await?;
        registry::store_health(&client).await
    }

    async fn set_allotment(&self, input: AllotmentInput) -> Result<AllotmentState> {
        let mut client = self.client().await?;
        allotments::set(&mut client, input).await
    }

    async fn allotments(&self, store_id: &str, pool_id: &str) -> Result<Vec<AllotmentHolding>> {
        let client = self.client().await?;
        allotments::list(&client, store_id, pool_id).await
    }

    async fn allotment_events(&self, store_id: &str, pool_id: &str) -> Result<Vec<AllotmentEvent>> {
        let client = self.client().await?;
        allotments::events(&client, store_id, pool_id).await
    }
}
