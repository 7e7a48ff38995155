//! What the Kassa server needs from its database, whatever the database is.
//!
//! The HTTP layer (`kassa-server`) decides who is asking and what is well formed; a
//! backend (`kassa-server-sqlite`, `kassa-server-postgres`) keeps the log, the stores and
//! the devices, and makes each operation below one transaction. Every backend passes the
//! same behaviour tests (`conformance`), so the server acts the same on either.
//!
//! Times are RFC 3339 UTC text with milliseconds, passed in by the caller, so tests can
//! move them.

use async_trait::async_trait;

mod cards;
pub mod conformance;
pub use cards::{
    CardPayment, CardPaymentUpdate, CardRefund, CardRefundUpdate, CardStatus, NewCardPayment,
    NewCardRefund, RefundStatus,
};
use kassa_sync_protocol::wire::{
    AuditHead, DeviceRecord, LogEntry, PushedChange, RawPayload, StoreRecord,
};

/// Why a storage operation did not happen. Each maps to one HTTP status and error code.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The pairing code is unknown, used or expired (one answer for all three).
    #[error("the pairing code is not valid; ask an admin for a new one")]
    PairingCodeInvalid,
    /// A request that does not fit what the server holds (a store paired twice, a
    /// device id already registered, a store record for a code of another store).
    #[error("{0}")]
    Conflict(String),
    /// The batch id was used before with other changes.
    #[error("this batch id was used before with other changes")]
    IdempotencyMismatch,
    /// The batch starts after the device's last acknowledged change: changes are missing.
    #[error("the server holds changes up to {acked_seq}; this batch starts at {first_seq}")]
    SequenceGap { acked_seq: u64, first_seq: u64 },
    /// A sequence number the server holds arrived with another change: the device was
    /// restored or cloned. The device is blocked until an admin pairs it again.
    #[error(
        "change {seq} differs from the one this device sent before; the device was restored or copied and must be paired again"
    )]
    DeviceCloned { seq: u64 },
    /// A new audit entry of the batch does not follow the head of its device's chain that
    /// the server holds (or the genesis, for a chain's first entry). Nothing is stored.
    #[error("{0}")]
    AuditChainBreak(String),
    #[error("{0} was not found")]
    NotFound(String),
    /// A card refund asks for more than its payment's captured amount minus what was
    /// already refunded (or is being refunded) through it. Nothing is kept.
    #[error(
        "a refund of {asked_minor} is more than the {available_minor} left to refund of {captured_minor} captured"
    )]
    RefundExceedsCaptured {
        asked_minor: i64,
        captured_minor: i64,
        available_minor: i64,
    },
    /// A device asked to hold more seats of a capacity pool than the store's other devices
    /// leave it. Nothing changes, and the request's version is not taken.
    #[error(
        "not enough seats are free: this device holds {holding} of the departure's {capacity} seats and {free} more are free ({held} held by the store's devices, {asked} asked for in all)"
    )]
    InsufficientSeats {
        /// The holding asked for, in all.
        asked: i64,
        /// The pool's capacity, as the store's log has it.
        capacity: i64,
        /// The seats every device of the store holds in the pool together.
        held: i64,
        /// The seats the asking device holds.
        holding: i64,
        /// `capacity - held`, never below 0.
        free: i64,
    },
    /// A request the server cannot act on as sent (a new store's first device without its
    /// store key).
    #[error("{0}")]
    InvalidInput(String),
    /// The database failed; the message is for the server's log, not for the device.
    #[error("storage failed: {0}")]
    Backend(String),
}

pub type Result<T> = std::result::Result<T, StorageError>;

/// A one-time pairing code as kept: only its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPairingCode {
    /// SHA-256 of the normalised code, lowercase hex.
    pub code_hash: String,
    /// The store the code joins; `None` for a new store's first device.
    pub store_id: Option<String>,
    pub created_at: String,
    pub expires_at: String,
}

/// A pairing as the HTTP layer has checked it.
#[derive(Debug, Clone, PartialEq)]
pub struct PairInput {
    pub code_hash: String,
    pub device_id: String,
    pub device_name: String,
    /// Required when the code is for a new store; when given for an existing store it must
    /// name that store.
    pub store: Option<StoreRecord>,
    /// SHA-256 of the device token, lowercase hex.
    pub token_hash: String,
    /// The store key as the HTTP layer sealed it under the server key (opaque bytes here).
    /// Required for a new store's first device; for an existing store it is kept only if
    /// the store has none yet (a store registered before store keys), else ignored.
    pub sealed_store_key: Option<Vec<u8>>,
    pub now: String,
}

/// What a pairing made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paired {
    pub store_id: String,
    pub device_id: String,
    /// Unique in the store: `01` for a store's first device, then `02`, `03`...
    pub device_code: String,
    /// The store's sealed store key, as kept (`None` only for a store registered before
    /// store keys whose devices have not brought one yet).
    pub sealed_store_key: Option<Vec<u8>>,
}

/// A device a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAuth {
    pub device_id: String,
    pub store_id: String,
    pub device_code: String,
    /// Set once the device is revoked: it is refused at once.
    pub revoked: bool,
    /// Set when the device showed it was restored or copied: refused until paired again.
    pub blocked: bool,
}

/// A push as the HTTP layer has checked it: every change is the pushing device's own,
/// sequences are consecutive, the batch is not empty.
#[derive(Debug, Clone, PartialEq)]
pub struct PushInput {
    pub store_id: String,
    pub device_id: String,
    pub batch_id: String,
    /// SHA-256 of the batch's JSON, lowercase hex: the idempotency comparison.
    pub batch_hash: String,
    /// The changes with their payloads as the device sent them.
    pub changes: Vec<PushedChange<RawPayload>>,
    /// The batch's audit entries, in order, each already checked against its own hash by
    /// the HTTP layer; the backend links the new ones to the device's head.
    pub audit: Vec<AuditLink>,
    pub now: String,
}

/// One audit entry a push carries: where it sits and the hashes it claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLink {
    /// The outbox sequence of the change that carries it (`PushedChange::seq`).
    pub outbox_seq: u64,
    /// Its place in the device's chain.
    pub device_seq: u64,
    /// Lowercase hex.
    pub prev_hash: String,
    /// Lowercase hex.
    pub hash: String,
}

/// The audit links of a batch's audit entries (changes of entity `audit_log`), in order.
/// An audit entry without its place or hashes is `AuditChainBreak`.
pub fn audit_links(changes: &[PushedChange<RawPayload>]) -> Result<Vec<AuditLink>> {
    Ok(audit_entries(changes)?
        .into_iter()
        .map(|(link, _)| link)
        .collect())
}

/// [`audit_links`], each with its entry's payload read, for checking the entry's hash.
pub fn audit_entries(
    changes: &[PushedChange<RawPayload>],
) -> Result<Vec<(AuditLink, serde_json::Value)>> {
    let hex64 = |v: Option<&serde_json::Value>| {
        v.and_then(|v| v.as_str())
            .filter(|s| s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .map(str::to_owned)
    };
    changes
        .iter()
        .filter(|pc| pc.change.entity == kassa_sync_protocol::wire::AUDIT_ENTITY)
        .map(|pc| {
            let p = pc.change.payload.to_value().map_err(|e| {
                StorageError::AuditChainBreak(format!(
                    "change {} is an audit entry whose payload cannot be read: {e}",
                    pc.seq
                ))
            })?;
            match (
                p.get("device_seq").and_then(|v| v.as_u64()).filter(|s| *s > 0),
                hex64(p.get("prev_hash")),
                hex64(p.get("hash")),
            ) {
                (Some(device_seq), Some(prev_hash), Some(hash)) => Ok((
                    AuditLink {
                        outbox_seq: pc.seq,
                        device_seq,
                        prev_hash,
                        hash,
                    },
                    p,
                )),
                _ => Err(StorageError::AuditChainBreak(format!(
                    "change {} is an audit entry without its place or its hashes (64 lowercase hex digits)",
                    pc.seq
                ))),
            }
        })
        .collect()
}

/// The head of a device's chain as held: `None` before its first entry.
///
/// Checks that `links` (the batch's new entries, in order) continue the chain from `head`:
/// consecutive places, each after the hash before it, the first after `head` (or the
/// genesis at place 1). Every backend calls this inside its push transaction.
pub fn link_audit(head: Option<(u64, &str)>, links: &[&AuditLink]) -> Result<()> {
    let (mut seq, mut hash) = match head {
        Some((seq, hash)) => (seq, hash.to_owned()),
        None => (0, kassa_sync_protocol::wire::AUDIT_GENESIS_HEX.to_owned()),
    };
    for l in links {
        if l.device_seq != seq + 1 {
            return Err(StorageError::AuditChainBreak(format!(
                "audit entry {} of this device comes after entry {seq} the server holds: entries are missing or repeated",
                l.device_seq
            )));
        }
        if l.prev_hash != hash {
            return Err(StorageError::AuditChainBreak(format!(
                "audit entry {} does not link to entry {seq} of this device's chain as the server holds it",
                l.device_seq
            )));
        }
        seq = l.device_seq;
        hash = l.hash.clone();
    }
    Ok(())
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pushed {
    /// Changes this batch took into the log (0 when all were held already). A replayed
    /// batch id answers exactly as the batch did the first time.
    pub accepted: u64,
    /// The device's highest outbox sequence the server holds.
    pub acked_seq: u64,
}

/// One page of a store's log.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Changes after the cursor made by other devices than the one asking, in log order,
    /// with their payloads as they were sent.
    pub changes: Vec<LogEntry<RawPayload>>,
    /// The last log place this page covered (its own changes skipped count as covered).
    pub cursor: u64,
    /// Log entries still after `cursor`.
    pub remaining: u64,
    /// The store key's current epoch (1 until the store's first revocation).
    pub store_key_epoch: u32,
    /// Every device's audit head of the store, read in the same snapshot as the page.
    pub audit_heads: Vec<AuditHead>,
}

/// One epoch of a store's key, as the server keeps it: sealed under the server key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedStoreKey {
    pub epoch: u32,
    /// Opaque here: the HTTP layer seals and opens it.
    pub sealed: Vec<u8>,
}

/// A revocation as the HTTP layer has prepared it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokeInput {
    pub store_id: String,
    pub device_id: String,
    /// The device that asked.
    pub by_device: String,
    /// The store key's next epoch, made and sealed by the HTTP layer: kept only when the
    /// device was not revoked before.
    pub next_store_key: Vec<u8>,
    pub now: String,
}

/// One entry of the server's own audit trail (pairing, revocation, blocking).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAuditEntry {
    pub at: String,
    pub store_id: String,
    /// `pairing_code.created`, `device.paired`, `device.revoked`, `store_key.rotated`,
    /// `device.blocked`.
    pub action: String,
    pub device_id: Option<String>,
    pub detail: serde_json::Value,
}

/// The server's database.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// A short name for logs: `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Keeps a new one-time pairing code (audited when it names a store).
    async fn add_pairing_code(&self, code: NewPairingCode) -> Result<()>;

    /// In one transaction: uses the code (unknown, used or expired: `PairingCodeInvalid`),
    /// creates the store with its sealed store key for a new-store code (`Conflict` if the
    /// store exists, `InvalidInput` without a sealed key), registers
    /// the device with the next free code of its store and its token hash (`Conflict` if
    /// the device id is registered), audits `device.paired`, and returns the store's sealed
    /// key.
    async fn pair(&self, input: PairInput) -> Result<Paired>;

    /// The device a token hash belongs to, if any.
    async fn authenticate(&self, token_hash: &str) -> Result<Option<DeviceAuth>>;

    /// In one transaction: a batch id seen before from this device answers as it did if
    /// the hash matches and is `IdempotencyMismatch` if not. Otherwise, with `acked` the
    /// device's highest sequence held: a change at or below `acked` must be the very one
    /// held (same change id) and is skipped, any other is `DeviceCloned` (and the device is
    /// blocked, audited, in the same transaction); a first new sequence above `acked + 1`
    /// is `SequenceGap`. The audit entries among the new changes must continue the device's
    /// chain from the head held (`link_audit`), else `AuditChainBreak` and nothing changes.
    /// New changes take the next places of the store's log in order, the device's acked
    /// sequence, audit head and last sync time move, and the batch's answer is kept.
    async fn push(&self, input: PushInput) -> Result<Pushed>;

    /// Up to `limit` log entries of `store_id` after `after`, leaving out those made by
    /// `reader_device` (they still move the cursor), with the store's audit heads. The page
    /// ends sooner with the entry that takes its payloads (as stored, the reader's own
    /// counted too) past `MAX_PAGE_BYTES`: an entry is in it when the payloads before it
    /// are within the limit, so it always holds the first entry after `after`.
    async fn pull(
        &self,
        store_id: &str,
        reader_device: &str,
        after: u64,
        limit: u32,
    ) -> Result<Page>;

    /// Records that a device pulled (its last sync time).
    async fn touch(&self, device_id: &str, now: &str) -> Result<()>;

    /// The store's devices, by code.
    async fn devices(&self, store_id: &str) -> Result<Vec<DeviceRecord>>;

    /// In one transaction: revokes a device of the store (`NotFound` if it is not one),
    /// audited with the device that asked, and rotates the store key: `next_store_key` is
    /// kept as the store's next epoch (the epochs before it stay) and `store_key.rotated` is
    /// audited. Returns the new epoch. Revoking twice keeps the first time and rotates
    /// nothing (`None`).
    async fn revoke(&self, input: RevokeInput) -> Result<Option<u32>>;

    /// Every epoch of the store's key, oldest first (the first epoch is missing only for a
    /// store registered before store keys whose devices have not brought one yet).
    async fn store_keys(&self, store_id: &str) -> Result<Vec<SealedStoreKey>>;

    /// One store's sealed first-epoch key, `(store id, sealed)`, if any store has one: the
    /// server opens it at start to learn that its server key is the one this database was
    /// made with, before a pairing code is spent on a key it cannot open.
    async fn a_sealed_store_key(&self) -> Result<Option<(String, Vec<u8>)>>;

    /// The server's audit trail of a store, oldest first.
    async fn audit(&self, store_id: &str) -> Result<Vec<ServerAuditEntry>>;

    /// In one transaction: a card payment whose idempotency key the store used before
    /// answers the row held (`false`: not new) when `request_hash` matches and is
    /// `IdempotencyMismatch` when not; a payment id held under another key is `Conflict`.
    /// Otherwise the payment is kept as `pending` and `card_payment.requested` is audited
    /// (`true`: new).
    async fn begin_card_payment(&self, input: NewCardPayment) -> Result<(CardPayment, bool)>;

    /// In one transaction: keeps what the provider said about the store's payment with that
    /// idempotency key (`NotFound` if none) and audits `update.action`.
    async fn update_card_payment(&self, update: CardPaymentUpdate) -> Result<CardPayment>;

    /// The offline card exposure a device had when it took a card at `taken_at`, as far as
    /// the server can tell: the sum of that device's card payments taken offline at or before
    /// `taken_at` that reached the server only after `forwarded_after` (so the device still
    /// counted them as pending), the payment under `except_key` left out.
    async fn offline_card_exposure(
        &self,
        store_id: &str,
        device_id: &str,
        taken_at: &str,
        forwarded_after: &str,
        except_key: &str,
    ) -> Result<i64>;

    /// The store's payment with that idempotency key.
    async fn card_payment_by_key(&self, store_id: &str, key: &str) -> Result<Option<CardPayment>>;

    /// The payment a PaymentIntent belongs to, in any store.
    async fn card_payment_by_intent(&self, intent_id: &str) -> Result<Option<CardPayment>>;

    /// Every store's card payments created at or after `from` and before `to` (RFC 3339),
    /// oldest first.
    async fn card_payments_between(&self, from: &str, to: &str) -> Result<Vec<CardPayment>>;

    /// In one transaction: a refund whose refund payment id the store used before answers
    /// the row held (`false`: not new) when `request_hash` matches and is
    /// `IdempotencyMismatch` when not. Otherwise the store's captured card payment
    /// `payment_id` with that intent must exist (`NotFound`) and the amount must fit in what
    /// it captured minus its refunds that are pending or refunded (`RefundExceedsCaptured`);
    /// the refund is kept as `pending` and `card_refund.requested` is audited (`true`: new).
    async fn begin_card_refund(&self, input: NewCardRefund) -> Result<(CardRefund, bool)>;

    /// In one transaction: keeps the provider's answer about the store's refund (`NotFound`
    /// if none) and audits `card_refund.<status>`.
    async fn finish_card_refund(&self, update: CardRefundUpdate) -> Result<CardRefund>;

    /// The refunds made through a PaymentIntent, oldest first.
    async fn card_refunds_of_intent(&self, intent_id: &str) -> Result<Vec<CardRefund>>;

    /// True when a provider webhook event with this id was handled (kept) before.
    async fn provider_event_seen(&self, event_id: &str) -> Result<bool>;

    /// Keeps a handled provider webhook event's id: `true` the first time, `false` when it
    /// was kept before.
    async fn record_provider_event(&self, event_id: &str, kind: &str, now: &str) -> Result<bool>;

    /// The value of a store setting as the store's devices last set it (the `settings`
    /// change with the highest `(hlc, device)` in the store's log), if any did.
    async fn latest_setting(&self, store_id: &str, key: &str) -> Result<Option<serde_json::Value>>;

    // Email. A push keeps, in its own transaction, every `email_outbox` insert among its new
    // changes as a queued email (`email_facts`; due at once) and the newest receipt language
    // setting it carries (when newer by `(hlc, device)` than the one held).

    /// In one transaction: takes up to `limit` emails that are due (`queued`, or `sending`
    /// whose lease ran out, with `next_attempt_at <= now`), oldest first, and marks them
    /// `sending` with one more attempt and `next_attempt_at = lease_until`, so a second
    /// sender (another server instance) does not take them too.
    async fn claim_emails(&self, now: &str, lease_until: &str, limit: u32)
    -> Result<Vec<EmailJob>>;

    /// Records how an attempt ended (`NotFound` for an unknown email). `Sent` keeps the last
    /// error, `Retry` queues it again, `Failed` is final. A [`INVITATION_EMAIL_KIND`] email
    /// sent or failed has its payload (the code) replaced by `{}` in the same transaction.
    async fn finish_email(
        &self,
        store_id: &str,
        id: &str,
        outcome: EmailOutcome,
        now: &str,
    ) -> Result<()>;

    /// The emails of one store (or of every store), oldest queued first; with
    /// `updated_after`, only those whose `updated_at` is at or after it (a device catching up
    /// on what changed since it last asked).
    async fn emails(
        &self,
        store_id: Option<&str>,
        updated_after: Option<&str>,
    ) -> Result<Vec<EmailRecord>>;

    /// How many emails stand where, over every store.
    async fn email_counts(&self) -> Result<EmailCounts>;

    /// Queues an email a device handed the server itself, not through sync (a staff
    /// invitation's code, `POST /emails/invitation`), due at once; with `failed`, keeps it as
    /// failed with that reason instead (never sent) and with an empty payload. Idempotent by
    /// `(store, id)`: an email already held is left as it is. Answers the email as held.
    async fn queue_email(
        &self,
        store_id: &str,
        device_id: &str,
        email: NewEmail,
        failed: Option<String>,
        now: &str,
    ) -> Result<EmailRecord>;

    /// Every store's figures for the server's metrics, by store id: its devices not revoked,
    /// the oldest of their last syncs (a device that never synced counts from its pairing),
    /// and the card payments the provider has not finished (pending, processing, authorised),
    /// by currency.
    async fn store_health(&self) -> Result<Vec<StoreHealth>>;

    // Seat allotments: each capacity pool's seats, held by the store's devices.

    /// In one transaction: sets the seats `input.device_id` holds in the store's capacity pool
    /// `input.pool_id` to `input.seats` in all, and answers the holding as it then stands.
    ///
    /// The pool's capacity is the `seats` number of the newest change (by `(hlc, device)`)
    /// of entity [`CAPACITY_POOL_ENTITY`] and id `pool_id` in the store's log that carries one
    /// (an update carries only the fields it changed); a pool the log has no such change of is
    /// `NotFound`. A version at or below the one held for the device and pool (a request sent
    /// twice, or delivered after a newer one) changes nothing and answers the holding held.
    /// Otherwise a holding above the device's current one must fit: the other devices' seats
    /// plus `seats` at most the capacity, else `InsufficientSeats` and nothing changes (the
    /// version is not taken). A lower or equal holding always fits. The seats, version,
    /// release time and `updated_at` are kept and the change is appended to the pool's history
    /// ([`Storage::allotment_events`]). Negative seats or a version below 1 are
    /// `InvalidInput`. Grants of one pool are serialised, so the store's devices together
    /// never hold more than its capacity at the moment each grant is made.
    async fn set_allotment(&self, input: AllotmentInput) -> Result<AllotmentState>;

    /// Every device's holding in a store's pool, by device id (devices that never asked are
    /// left out; one that gave its seats back holds 0).
    async fn allotments(&self, store_id: &str, pool_id: &str) -> Result<Vec<AllotmentHolding>>;

    /// The history of a store's pool, oldest first: one entry per request that changed a
    /// holding.
    async fn allotment_events(&self, store_id: &str, pool_id: &str) -> Result<Vec<AllotmentEvent>>;
}

/// The entity of a store's capacity pools in the log: its `seats` is the pool's capacity.
pub const CAPACITY_POOL_ENTITY: &str = "capacity_pools";

/// A device's request to hold seats of a capacity pool, as the HTTP layer has checked it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllotmentInput {
    pub store_id: String,
    pub device_id: String,
    pub pool_id: String,
    /// The departure the request was made from, for the history.
    pub departure_id: String,
    /// The holding wanted, in all, from 0.
    pub seats: i64,
    /// Grows with every request the device makes for the pool, from 1.
    pub version: i64,
    /// When the device gives its unsold seats back (RFC 3339 UTC).
    pub release_at: String,
    pub now: String,
}

/// A device's holding in a pool as it stands, with the pool's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllotmentState {
    pub pool_id: String,
    /// The seats the device holds.
    pub seats: i64,
    /// The version of the request that set them (0 before any).
    pub version: i64,
    /// `None` before the device's first request.
    pub release_at: Option<String>,
    /// The pool's capacity, as the store's log has it.
    pub capacity: i64,
    /// The seats every device of the store holds in the pool together.
    pub held: i64,
    /// `capacity - held`, never below 0.
    pub free: i64,
}

impl AllotmentState {
    /// The state from its parts; `free` follows from them.
    pub fn new(
        pool_id: &str,
        holding: Option<&AllotmentHolding>,
        capacity: i64,
        held: i64,
    ) -> AllotmentState {
        AllotmentState {
            pool_id: pool_id.to_owned(),
            seats: holding.map_or(0, |h| h.seats),
            version: holding.map_or(0, |h| h.version),
            release_at: holding.map(|h| h.release_at.clone()),
            capacity,
            held,
            free: capacity.saturating_sub(held).max(0),
        }
    }
}

/// One device's holding in a pool, as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllotmentHolding {
    pub device_id: String,
    /// The departure of the device's last request.
    pub departure_id: String,
    pub seats: i64,
    pub version: i64,
    pub release_at: String,
    pub updated_at: String,
}

/// One change of a holding, in a pool's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllotmentEvent {
    pub device_id: String,
    pub departure_id: String,
    pub seats_before: i64,
    pub seats_after: i64,
    pub version: i64,
    pub at: String,
}

/// A pool's capacity from its log changes' payloads, newest first: the first `seats` number
/// (an integer; a fraction, which no device writes, counts down to one), never below 0.
/// `None` when no change carries one. Every backend reads the capacity through this.
pub fn pool_capacity<I, S>(payloads_newest_first: I) -> Option<i64>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    payloads_newest_first.into_iter().find_map(|p| {
        let v: serde_json::Value = serde_json::from_str(p.as_ref()).ok()?;
        let seats = v.get("seats")?;
        let n = seats.as_i64().or_else(|| {
            seats
                .as_f64()
                .filter(|f| f.is_finite())
                .map(|f| f.floor() as i64)
        })?;
        Some(n.max(0))
    })
}

/// Checks an allotment request's numbers before a backend reads anything.
pub fn check_allotment(input: &AllotmentInput) -> Result<()> {
    if input.seats < 0 {
        return Err(StorageError::InvalidInput(format!(
            "a device holds 0 seats or more, not {}",
            input.seats
        )));
    }
    if input.version < 1 {
        return Err(StorageError::InvalidInput(format!(
            "an allotment request's version starts at 1, not {}",
            input.version
        )));
    }
    Ok(())
}

/// What a backend does with an allotment request once it holds the pool's lock and has read
/// the device's holding, the pool's capacity and what the other devices hold: `Ok(None)` to
/// answer the holding as held (a stale or repeated version), `Ok(Some(state))` to keep the
/// new holding (and its history entry) and answer `state`, or the refusal.
pub fn decide_allotment(
    input: &AllotmentInput,
    current: Option<&AllotmentHolding>,
    capacity: i64,
    others: i64,
) -> Result<Option<AllotmentState>> {
    let held_now = others.saturating_add(current.map_or(0, |h| h.seats));
    if current.is_some_and(|h| input.version <= h.version) {
        return Ok(None);
    }
    let holding = current.map_or(0, |h| h.seats);
    if input.seats > holding && others.saturating_add(input.seats) > capacity {
        return Err(StorageError::InsufficientSeats {
            asked: input.seats,
            capacity,
            held: held_now,
            holding,
            free: capacity.saturating_sub(held_now).max(0),
        });
    }
    let kept = AllotmentHolding {
        device_id: input.device_id.clone(),
        departure_id: input.departure_id.clone(),
        seats: input.seats,
        version: input.version,
        release_at: input.release_at.clone(),
        updated_at: input.now.clone(),
    };
    Ok(Some(AllotmentState::new(
        &input.pool_id,
        Some(&kept),
        capacity,
        others.saturating_add(input.seats),
    )))
}

/// One store's figures for the server's metrics ([`Storage::store_health`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreHealth {
    pub store_id: String,
    /// Devices paired and not revoked.
    pub devices: u64,
    /// The oldest last sync among those devices (its pairing time for a device that never
    /// synced); `None` without devices.
    pub oldest_sync_at: Option<String>,
    /// `(currency, count, amount in minor units)` of the card payments still open, by
    /// currency.
    pub open_cards: Vec<(String, u64, i64)>,
}

/// The card statuses [`Storage::store_health`] counts as open: the provider has not
/// captured, declined or cancelled them yet.
pub const OPEN_CARD_STATUSES: [CardStatus; 3] = [
    CardStatus::Pending,
    CardStatus::Processing,
    CardStatus::Authorized,
];

/// Where an email the server sends stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmailStatus {
    /// Waiting for its (next) attempt.
    Queued,
    /// Taken by a sender; if the sender dies, it is taken again once its lease runs out.
    Sending,
    Sent,
    /// Refused for good (a 5xx answer, a bad address, or too many attempts), with its reason.
    Failed,
}

impl EmailStatus {
    pub const ALL: [EmailStatus; 4] = [
        EmailStatus::Queued,
        EmailStatus::Sending,
        EmailStatus::Sent,
        EmailStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EmailStatus::Queued => "queued",
            EmailStatus::Sending => "sending",
            EmailStatus::Sent => "sent",
            EmailStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<EmailStatus> {
        EmailStatus::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// The device table whose inserts are emails for the server to send.
pub const EMAIL_ENTITY: &str = "email_outbox";

/// The kind of a staff invitation's email. Its synced `email_outbox` row carries no code and
/// is not sent from a push: the device hands the code over with [`Storage::queue_email`], and
/// once the email is sent or failed for good, [`Storage::finish_email`] blanks its payload
/// (the code with it).
pub const INVITATION_EMAIL_KIND: &str = "staff_invitation";

/// The setting whose value is the store's receipt language (`en`, `de`...), which the
/// server's email templates follow.
pub const RECEIPT_LANGUAGE_KEY: &str = "receipt.language";

/// An email as a push brought it (an `email_outbox` insert), for the backend to keep.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEmail {
    /// The `email_outbox` row's id (unique in its store).
    pub id: String,
    pub kind: String,
    pub to_address: String,
    pub subject: String,
    pub ref_id: Option<String>,
    /// The change's whole payload, as the sender reads it (the device's HTML body).
    pub payload: serde_json::Value,
}

/// A store setting a push carried that the server uses itself, with the version that
/// orders it (last writer wins by `(hlc, device)`, as on the devices).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingVersion {
    pub key: String,
    pub value: String,
    pub hlc: u64,
    pub device_id: String,
}

/// What of a batch's new changes the server keeps for sending email: the emails queued
/// and the newest receipt language setting (entity `settings`, id `<store>:receipt.language`).
pub fn email_facts(
    store_id: &str,
    device_id: &str,
    changes: &[&PushedChange<RawPayload>],
) -> Result<(Vec<NewEmail>, Vec<SettingVersion>)> {
    let text = |p: &serde_json::Value, k: &str| {
        p.get(k)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .unwrap_or_default()
    };
    let read = |pc: &PushedChange<RawPayload>| {
        pc.change.payload.to_value().map_err(|e| {
            StorageError::Conflict(format!(
                "change {} has a payload that is not JSON: {e}",
                pc.seq
            ))
        })
    };
    let language_id = format!("{store_id}:{RECEIPT_LANGUAGE_KEY}");
    let mut emails = Vec::new();
    let mut language: Option<SettingVersion> = None;
    for pc in changes {
        let c = &pc.change;
        if c.entity == EMAIL_ENTITY && c.op == kassa_sync_protocol::ChangeOp::Insert {
            let payload = read(pc)?;
            if text(&payload, "kind") == INVITATION_EMAIL_KIND {
                continue;
            }
            emails.push(NewEmail {
                id: c.entity_id.clone(),
                kind: text(&payload, "kind"),
                to_address: text(&payload, "to_address"),
                subject: text(&payload, "subject"),
                ref_id: payload
                    .get("ref_id")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned),
                payload,
            });
        } else if c.entity == "settings"
            && c.entity_id == language_id
            && language.as_ref().is_none_or(|l| c.hlc >= l.hlc)
            && let Some(value) = read(pc)?.get("value").and_then(|v| v.as_str())
        {
            language = Some(SettingVersion {
                key: RECEIPT_LANGUAGE_KEY.to_owned(),
                value: value.to_owned(),
                hlc: c.hlc,
                device_id: device_id.to_owned(),
            });
        }
    }
    Ok((emails, language.into_iter().collect()))
}

/// An email as the server holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailRecord {
    pub id: String,
    pub store_id: String,
    /// The device that queued it.
    pub device_id: String,
    pub kind: String,
    pub to_address: String,
    pub subject: String,
    pub ref_id: Option<String>,
    pub status: EmailStatus,
    /// Attempts started so far.
    pub attempts: u32,
    /// Why the last attempt failed (kept once sent, for the record).
    pub last_error: Option<String>,
    pub queued_at: String,
    /// When it is tried next (while queued), or when a sender's lease on it ends (sending).
    pub next_attempt_at: String,
    pub sent_at: Option<String>,
    pub updated_at: String,
}

/// An email a sender took, with what it needs to write it.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailJob {
    pub record: EmailRecord,
    /// The change's payload as the device sent it.
    pub payload: serde_json::Value,
    /// The store's name.
    pub store_name: String,
    /// The store's receipt language, when a device has sent the setting.
    pub language: Option<String>,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailOutcome {
    Sent,
    /// A transient failure: queued again for `next_attempt_at`.
    Retry {
        error: String,
        next_attempt_at: String,
    },
    /// A permanent failure: kept with its reason, never tried again.
    Failed {
        error: String,
    },
}

/// How many of the server's emails stand where.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmailCounts {
    pub queued: u64,
    pub sending: u64,
    pub sent: u64,
    pub failed: u64,
}
