//! Pairing, pushing the outbox and managing the store's devices, over any [`Transport`].
//!
//! The store is locked only between network calls, never across one.

use crate::transport::Transport;
use chrono::{DateTime, Utc};
use kassa_domain::{Error, ErrorCode, Result};
use kassa_store::bookings::allotments::{self, Allotment, Outgoing};
use kassa_store::foundation::device::{self, JoinParams};
use kassa_store::foundation::ids;
use kassa_store::foundation::sync_state::{self, Credentials, Pairing};
use kassa_store::foundation::{apply, audit_heads, known_devices};
use kassa_store::identity::rekey;
use kassa_store::selling::card_refunds;
use kassa_store::selling::cards::{self, Outcome, OutcomeStatus};
use kassa_store::selling::{card_findings, email, invitation_email};
use kassa_store::{AuditInput, SCHEMA_VERSION, Store, StoreKey};
use kassa_sync_protocol::wire::{
    AuditHead, CardFinding, CardPaymentRequest, CardRefundRequest, DeviceRecord, HandshakeRequest,
    HandshakeResponse, InvitationEmailRequest, LEGACY_MAX_PUSH_CHANGES, MAX_PULL_CHANGES,
    MAX_PUSH_CHANGES, PROTOCOL_VERSION, PairRequest, PushRequest, PushedChange, StoreRecord,
};
use sha2::{Digest, Sha256};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard};
use std::task::Poll;

/// What one sync did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncReport {
    /// Changes the server acknowledged, which left the outbox.
    pub pushed: u64,
    /// Changes from other devices applied here.
    pub pulled: u64,
    /// Changes that met a conflict a person must decide, and audit chains held short of or
    /// other than the head the server published.
    pub conflicts: u64,
    /// Card payments taken offline whose outcome the card provider gave through the server.
    pub cards: u64,
    /// Card refunds whose outcome the card provider gave through the server.
    pub refunds: u64,
    /// Invitation emails (with their code) the server kept to send, or kept as withdrawn.
    pub invitation_emails: u64,
    /// Seat allotments settled with the server: unsold seats returned at their release
    /// moment, holdings whose answer was lost sent again, seats of earlier bookings claimed.
    pub allotments: u64,
}

/// What a pairing gave this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paired {
    pub store_id: String,
    pub device_id: String,
    pub device_code: String,
    /// Set when the server's clock is far ahead of this device's.
    pub clock_warning: Option<String>,
    /// Changes of the store applied here right after pairing (a joining device's store).
    pub pulled: u64,
}

/// The name a joining device takes when none is given.
pub const DEFAULT_DEVICE_NAME: &str = "Kassa device";

/// The store, locked for one short step. A poisoned lock is recovered: SQLite rolled back
/// whatever the panicking holder had open.
fn lock(store: &Mutex<Store>) -> MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

fn schema_version() -> u32 {
    SCHEMA_VERSION
}

/// Says hello; an `update_required` answer is the typed error, and nothing changes.
async fn handshake<T: Transport>(transport: &T) -> Result<HandshakeResponse> {
    let hs = transport
        .handshake(&HandshakeRequest {
            protocol: PROTOCOL_VERSION,
            schema_version: schema_version(),
        })
        .await?;
    if hs.update_required {
        return Err(Error::new(
            ErrorCode::UpdateRequired,
            format!(
                "the server syncs with devices of schema {} or newer (this one has {}); update Kassa to sync again; until then it keeps working offline",
                hs.min_schema_version,
                schema_version()
            ),
        ));
    }
    Ok(hs)
}

fn server_time(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            Error::new(
                ErrorCode::Unavailable,
                format!("the server's time '{text}' is not RFC 3339"),
            )
        })
}

/// Pairs this device with the server at `server_url` as its store's device: a handshake,
/// then the pairing code redeemed with this device's id and its store, and the answer kept
/// (`sync_state::save_pairing`: the token sealed, the server's device code taken, audited
/// as `device.paired` by `actor_id`).
pub async fn pair<T: Transport>(
    store: &Mutex<Store>,
    transport: &T,
    server_url: &str,
    code: &str,
    device_name: Option<&str>,
    actor_id: Option<&str>,
) -> Result<Paired> {
    let code = code.trim();
    if code.is_empty() {
        return Err(Error::invalid_input("the pairing code is empty"));
    }
    let (dev, record, store_key) = {
        let s = lock(store);
        let dev = device::device(s.conn())?
            .ok_or_else(|| Error::new(ErrorCode::NotSetUp, "this device has no store yet"))?;
        // The store's first device brings the store key, so devices that join receive it.
        let store_key = s.store_key()?.to_base64();
        let st = device::store(s.conn(), &dev.store_id)?;
        let record = StoreRecord {
            id: st.id,
            code: st.code,
            name: st.name,
            currency: st.currency.code().to_string(),
        };
        (dev, record, store_key)
    };
    handshake(transport).await?;
    let name = device_name.map(str::trim).unwrap_or(&dev.name).to_string();
    if name.is_empty() {
        return Err(Error::invalid_input("the device name is empty"));
    }
    let answer = transport
        .pair(&PairRequest {
            code: code.to_string(),
            protocol: PROTOCOL_VERSION,
            schema_version: schema_version(),
            device_id: dev.id.clone(),
            device_name: name,
            store: Some(record),
            store_key: Some(store_key.clone()),
        })
        .await?;
    if answer.device_id != dev.id || answer.store_id != dev.store_id {
        return Err(Error::new(
            ErrorCode::Conflict,
            format!(
                "the server paired device {} of store {}, but this is device {} of store {}; nothing was kept",
                answer.device_id, answer.store_id, dev.id, dev.store_id
            ),
        ));
    }
    // The server keeps the key the store was first paired with: a device holding another
    // one would seal secrets nobody else opens.
    if answer.store_key.trim() != store_key {
        return Err(Error::new(
            ErrorCode::StoreKeyMismatch,
            format!(
                "the server holds another store key for store {}; this device's key does not match it, so nothing was kept",
                answer.store_id
            ),
        ));
    }
    check_device_code(&answer.device_code)?;
    let at = server_time(&answer.server_time)?;
    let check = sync_state::save_pairing(
        &mut lock(store),
        &Pairing {
            server_url,
            device_code: &answer.device_code,
            token: &answer.token,
            server_time: at,
            actor_id,
        },
    )?;
    Ok(Paired {
        store_id: answer.store_id,
        device_id: answer.device_id,
        device_code: answer.device_code,
        clock_warning: check.warning,
        pulled: 0,
    })
}

fn check_device_code(code: &str) -> Result<()> {
    let valid = (1..=8).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::Unavailable,
            format!(
                "the server gave the device code '{code}', which is not 1 to 8 letters or digits"
            ),
        ))
    }
}

/// Makes this empty data folder a new device of the existing store a pairing code was
/// made for: a handshake, the code redeemed with a new device id and no store, the device
/// made with the store id and device code the server gave (`device::join`), the pairing
/// kept, then the whole store pulled and applied. A folder that holds a device already is
/// refused before anything is sent.
pub async fn join<T: Transport>(
    store: &Mutex<Store>,
    transport: &T,
    server_url: &str,
    code: &str,
    device_name: Option<&str>,
) -> Result<Paired> {
    let code = code.trim();
    if code.is_empty() {
        return Err(Error::invalid_input("the pairing code is empty"));
    }
    if let Some(dev) = device::device(lock(store).conn())? {
        return Err(Error::already_exists(format!(
            "this data folder already holds device {} of store {}",
            dev.code, dev.store_id
        )));
    }
    let name = device_name
        .map(str::trim)
        .unwrap_or(DEFAULT_DEVICE_NAME)
        .to_string();
    if name.is_empty() {
        return Err(Error::invalid_input("the device name is empty"));
    }
    handshake(transport).await?;
    let device_id = ids::new_id();
    let answer = transport
        .pair(&PairRequest {
            code: code.to_string(),
            protocol: PROTOCOL_VERSION,
            schema_version: schema_version(),
            device_id: device_id.clone(),
            device_name: name.clone(),
            store: None,
            store_key: None,
        })
        .await?;
    if answer.device_id != device_id {
        return Err(Error::new(
            ErrorCode::Conflict,
            format!(
                "the server paired device {}, but this device is {device_id}; nothing was kept",
                answer.device_id
            ),
        ));
    }
    check_device_code(&answer.device_code)?;
    let at = server_time(&answer.server_time)?;
    let check = {
        let mut s = lock(store);
        // The store's key opens the secrets that sync (staff authenticator secrets); it is
        // kept where this device keeps keys before the device is made, which checks it.
        kassa_store::install_store_key(s.store_key_source(), &answer.store_id, &answer.store_key)?;
        device::join(
            &mut s,
            JoinParams {
                store_id: answer.store_id.clone(),
                device_id: device_id.clone(),
                device_code: answer.device_code.clone(),
                device_name: name,
            },
        )?;
        sync_state::save_pairing(
            &mut s,
            &Pairing {
                server_url,
                device_code: &answer.device_code,
                token: &answer.token,
                server_time: at,
                actor_id: None,
            },
        )?
    };
    let report = sync_once(store, transport).await?;
    Ok(Paired {
        store_id: answer.store_id,
        device_id,
        device_code: answer.device_code,
        clock_warning: check.warning,
        pulled: report.pulled,
    })
}

/// The idempotency key of a batch: the same changes always give the same key, so a batch
/// sent again after its answer was lost is a replay on the server, not a second batch.
pub fn batch_id<P>(device_id: &str, changes: &[PushedChange<P>]) -> String {
    let mut h = Sha256::new();
    h.update(device_id.as_bytes());
    if let (Some(first), Some(last)) = (changes.first(), changes.last()) {
        h.update(first.seq.to_be_bytes());
        h.update(last.seq.to_be_bytes());
    }
    for c in changes {
        h.update([0]);
        h.update(c.change.change_id.as_bytes());
    }
    hex::encode(&h.finalize()[..16])
}

/// One sync: a handshake, then the outbox pushed in batches of at most the changes the
/// server says it takes ([`push_limit`]) and a body it takes, each acknowledged as its
/// answer arrives, then the server's log pulled after this device's cursor, page by page
/// (the next page asked for while one is applied), each page applied in one transaction
/// with its cursor (`apply::apply_remote`) until nothing remains, then the server's time
/// kept. The store is locked only while a page is applied, never while the server is
/// waited on. On failure the error is kept as the last error and returned; what the
/// server did not acknowledge stays in the outbox, and pages applied stay applied.
pub async fn sync_once<T: Transport>(store: &Mutex<Store>, transport: &T) -> Result<SyncReport> {
    sync_once_with_progress(store, transport, &|_| {}).await
}

/// [`sync_once`], telling `progress` how many changes of the server's log are left to pull
/// after each page is applied (a long first sync shows it).
pub async fn sync_once_with_progress<T: Transport>(
    store: &Mutex<Store>,
    transport: &T,
    progress: &dyn Fn(u64),
) -> Result<SyncReport> {
    let creds = sync_state::credentials(&lock(store))?;
    let result = async {
        let hs = handshake(transport).await?;
        server_time(&hs.server_time)?;
        let limit = push_limit(&hs);
        let mut report = push_all(store, transport, &creds, limit).await?;
        let mut resealed = 0;
        let ((latest, epoch), heads) = pull_all(
            store,
            transport,
            &creds,
            &mut report,
            &mut resealed,
            progress,
        )
        .await?;
        // With the whole log pulled, every other device's chain must reach its published head.
        report.conflicts += audit_heads::record_published(&mut lock(store), &heads)?;
        // A refund another till wrote before it knew of a card this till saw declined may
        // have reversed the same commission twice: this till, which recorded the decline,
        // settles it.
        let settled = kassa_store::commissions::settle_declines(&mut lock(store))?;
        catch_up_emails(store, transport, &creds).await?;
        report.cards = forward_cards(store, transport, &creds).await?;
        {
            let s = lock(store);
            cards::prune_attempts(s.conn(), s.clock().now())?;
        }
        // After the cards: a refund of a card captured just now can be paid back now.
        report.refunds = forward_refunds_with(store, transport, &creds, None).await?;
        report.invitation_emails = forward_invitation_emails(store, transport, &creds).await?;
        report.allotments = settle_allotments(store, transport, &creds).await?;
        if report.cards + report.refunds + report.allotments + settled > 0 {
            // The outcomes (and the audit of allotments) go out now, so the store's other
            // devices see them at their next sync.
            report.pushed += push_all(store, transport, &creds, limit).await?.pushed;
        }
        if resealed + catch_up_store_key(store, transport, &creds, epoch).await? > 0 {
            // The secrets sealed again under the new epoch go out now, so the store's other
            // devices receive them at their next sync.
            report.pushed += push_all(store, transport, &creds, limit).await?.pushed;
        }
        refresh_known_devices(store, transport, &creds).await?;
        refresh_card_findings(store, transport, &creds).await?;
        let check = sync_state::record_server_time(&mut lock(store), latest)?;
        if let Some(w) = check.warning {
            tracing::warn!(warning = %w, "the server's clock is far ahead");
        }
        Ok(report)
    }
    .await;
    match result {
        Ok(report) => Ok(report),
        Err(e) => {
            if let Err(kept) = sync_state::record_error(&mut lock(store), &e) {
                tracing::warn!(error = %kept, "could not keep the sync error");
            }
            Err(e)
        }
    }
}

/// The most changes one push carries to the server that answered `hs`: what it says it takes,
/// and never more than this device's protocol allows.
fn push_limit(hs: &HandshakeResponse) -> usize {
    usize::try_from(hs.max_push_changes)
        .unwrap_or(MAX_PUSH_CHANGES)
        .clamp(1, MAX_PUSH_CHANGES)
}

/// Pushes the whole outbox in batches of at most `limit` changes (and of a body the server
/// takes, [`sync_state::pushable`]). Without a handshake to say more, `limit` is
/// [`LEGACY_MAX_PUSH_CHANGES`], which every server takes.
async fn push_all<T: Transport>(
    store: &Mutex<Store>,
    transport: &T,
    creds: &Credentials,
    limit: usize,
) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    loop {
        let batch = sync_state::pushable(lock(store).conn(), limit)?;
        let (Some(first), Some(last)) = (batch.first().map(|c| c.seq), batch.last().map(|c| c.seq))
        else {
            break;
        };
        let req = PushRequest {
            batch_id: batch_id(&creds.device_id, &batch),
            changes: batch,
        };
        let answer = transport.push(&creds.token, &req).await?;
        server_time(&answer.server_time)?;
        // Acknowledged before anything else can fail: the server holds these for good. Never
        // past what this batch carried: changes made here since were not sent, whatever the
        // server claims to hold.
        let acked = answer.acked_seq.min(last);
        let dropped = sync_state::acknowledge(&mut lock(store), acked)?;
        report.pushed += dropped;
        if answer.acked_seq < first {
            // The next round would send the same batch again, forever.
            return Err(Error::new(
                ErrorCode::Unavailable,
                format!(
                    "the server took none of the changes from {first} on (it holds up to {}); they stay in the outbox",
                    answer.acked_seq
                ),
            ));
        }
    }
    Ok(report)
}

/// Pulls and applies the server's log after this device's cursor until none remains, taking
/// a newer store key epoch before a page that may hold secrets sealed under it (`resealed`
/// counts the secrets sealed again then); answers the server's last time and the store key's current epoch, and the audit heads the
/// server published with the last page.
async fn pull_all<T: Transport>(
    store: &Mutex<Store>,
    transport: &T,
    creds: &Credentials,
    report: &mut SyncReport,
    resealed: &mut u32,
    progress: &dyn Fn(u64),
) -> Result<((DateTime<Utc>, u32), Vec<AuditHead>)> {
    // The next page, asked for before this one is applied (see `ask_ahead`), with the cursor
    // it was asked after.
    let mut ahead = None;
    loop {
        let after = apply::cursor(lock(store).conn())?;
        let page = match ahead.take() {
            Some((asked_after, next)) if asked_after == after => answer(next).await?,
            _ => {
                transport
                    .pull(&creds.token, after, MAX_PULL_CHANGES)
                    .await?
            }
        };
        let latest = (server_time(&page.server_time)?, page.store_key_epoch);
        if page.changes.is_empty() && page.cursor <= after {
            return Ok((latest, page.audit_heads));
        }
        if page.cursor < after {
            return Err(Error::new(
                ErrorCode::Unavailable,
                format!(
                    "the server answered a pull after {after} with the earlier cursor {}",
                    page.cursor
                ),
            ));
        }
        // Secrets in this page may be sealed under a store key epoch this device does not
        // hold yet (a device was revoked meanwhile): the key comes first, so a device never
        // holds a secret it cannot open (staff could not sign in here offline). Without the
        // key the page waits for the next sync.
        if page.store_key_epoch > kassa_store::foundation::keys::FIRST_EPOCH {
            let held = lock(store).store_key()?.epoch();
            if page.store_key_epoch > held {
                *resealed +=
                    catch_up_store_key(store, transport, creds, page.store_key_epoch).await?;
            }
        }
        if page.remaining > 0 {
            // The server reads and sends the next page while this one is applied: the page
            // after a cursor does not depend on what applying does here.
            let next = ask_ahead(transport.pull(&creds.token, page.cursor, MAX_PULL_CHANGES)).await;
            ahead = Some((page.cursor, next));
        }
        let applied = apply::apply_remote(&mut lock(store), &page.changes, page.cursor)?;
        report.pulled += applied.applied;
        report.conflicts += applied.conflicts;
        progress(page.remaining);
        if page.remaining == 0 {
            return Ok((latest, page.audit_heads));
        }
    }
}

/// A request started, not awaited: polled once and the runtime let run its other tasks once,
/// which is enough for the HTTP client's connection task to send it (an idle pooled
/// connection takes it at once). The caller then works (applies a page, without awaiting)
/// while the server answers, and awaits the answer after. A request that could not go out
/// yet (a new connection to open) goes out when awaited: only the overlap is lost.
async fn ask_ahead<F: Future>(request: F) -> AskedAhead<F> {
    let mut request = Box::pin(request);
    let early = std::future::poll_fn(|cx| Poll::Ready(request.as_mut().poll(cx))).await;
    tokio::task::yield_now().await;
    match early {
        Poll::Ready(answer) => AskedAhead::Answered(answer),
        Poll::Pending => AskedAhead::Sent(request),
    }
}

/// A request [`ask_ahead`] started.
enum AskedAhead<F: Future> {
    Sent(Pin<Box<F>>),
    Answered(F::Output),
}

/// The answer to a request [`ask_ahead`] started.
async fn answer<F: Future>(asked: AskedAhead<F>) -> F::Output {
    match asked {
        AskedAhead::Sent(request) => request.await,
        AskedAhead::Answered(answer) => answer,
    }
}

/// Brings this device up to the store key's current `epoch` (the server rotates it when a
/// device is revoked): the keys it lacks fetched, checked (the server's first epoch must be
/// the one this device holds) and kept, and every staff secret sealed under an older epoch
/// sealed again under the newest, in one transaction
/// (`kassa_store::identity::rekey::install_store_key_epochs`). A device that holds the
/// epoch already still seals again what arrived sealed under an older one (from a device
/// that had not caught up yet). Answers how many secrets were sealed again.
async fn catch_up_store_key<T: Transport>(
    store: &Mutex<Store>,
    transport: &T,
    creds: &Credentials,
    epoch: u32,
) -> Result<u32> {
    // A store never rotated needs no key here (a sync works without the keyring then).
    if epoch <= kassa_store::foundation::keys::FIRST_EPOCH {
        return Ok(0);
    }
    let held = lock(store).store_key()?.epoch();
    if epoch <= held {
        return rekey::reseal_staff_secrets(&mut lock(store));
    }
    let answer = transport.store_keys(&creds.token).await?;
    let mut received: Option<StoreKey> = None;
    for record in &answer.keys {
        let key = StoreKey::from_base64_at(record.epoch, &record.key)?;
        match received.as_mut() {
            Some(r) => r.add(&key),
            None => received = Some(key),
        }
    }
    let received = received.filter(|r| r.has_epoch(epoch)).ok_or_else(|| {
        Error::new(
            ErrorCode::Unavailable,
            format!(
                "the server says the store key is at epoch {epoch} but did not hand that key out"
            ),
        )
    })?;
    let mut s = lock(store);
    let ours = s.store_key()?.clone_key();
    // Every epoch both hold must be the same key: another would seal what no device opens.
    for e in ours.epochs() {
        if let (Some(mine), Some(theirs)) = (ours.only(e), received.only(e))
            && !mine.same_as(&theirs)
        {
            return Err(Error::new(
                ErrorCode::StoreKeyMismatch,
                format!(
                    "the server's store key of epoch {e} is not the one this device holds; nothing was kept"
                ),
            ));
        }
    }
    let rekeyed = rekey::install_store_key_epochs(&mut s, &received)?;
    tracing::info!(epoch = rekeyed.epoch, added = ?rekeyed.added, resealed = rekeyed.resealed, "store key rotated");
    Ok(rekeyed.resealed)
}

/// Where the store's emails stand on the server that sends them: what changed since this
/// device last heard is kept (`email::record_deliveries`, device-local), so a receipt shows
/// "sent" or "failed" with the reason.
async fn catch_up_emails<T: Transport>(
    store: &Mutex<Store>,
    transport: &T,
    creds: &Credentials,
) -> Result<()> {
    let since = email::deliveries_heard_up_to(lock(store).conn())?;
    let answer = transport.emails(&creds.token, since.as_deref()).await?;
    if answer.emails.is_empty() {
        return Ok(());
    }
    let list: Vec<email::Delivery> = answer
        .emails
        .into_iter()
        .map(|e| email::Delivery {
            id: e.id,
            status: e.status,
            attempts: e.attempts,
            last_error: e.last_error,
            sent_at: e.sent_at,
            updated_at: e.updated_at,
        })
        .collect();
    email::record_deliveries(&mut lock(store), &list)
}

/// Forwards every card payment this device took offline with the terminal's token to the
/// card provider through the server, under the key it was taken with (a retry after a crash
/// finds the same payment, never a second charge), with the time it was taken, so the server
/// checks the store's offline limits again. A final answer (`captured`, `declined`) is kept
/// (`cards::record_outcome`); a refusal or an answer not final yet is noted on the payment,
/// which is tried again at the next sync. The server out of reach ends the sync's error.
/// Answers how many outcomes were kept.
async fn forward_cards<T: Transport>(
    store: &Mutex<Store>,
    transport: &T,
    creds: &Credentials,
) -> Result<u64> {
    let waiting = cards::forwardable(lock(store).conn())?;
    let mut kept = 0;
    for f in waiting {
        let req = CardPaymentRequest {
            payment_method: f.token.clone(),
            amount_minor: f.amount_minor,
            currency: f.currency.clone(),
            order_id: f.order_id.clone(),
            payment_id: f.payment_id.clone(),
            idempotency_key: f.idempotency_key.clone(),
            taken_offline_at: Some(f.taken_at.clone()),
        };
        let note = match transport.pay_card(&creds.token, &req).await {
            Ok(answer) if answer.payment_id != f.payment_id => Some(format!(
                "the server answered about payment {} instead of {}",
                answer.payment_id, f.payment_id
            )),
            Ok(answer) => match OutcomeStatus::parse(&answer.status) {
                Some(status) => {
                    let outcome = Outcome {
                        status,
                        intent_id: answer.intent_id,
                        brand: answer.brand,
                        last4: answer.last4,
                        decline_code: answer.decline_code,
                        review: answer.review,
                    };
                    if cards::record_outcome(&mut lock(store), &f.payment_id, &outcome)? {
                        kept += 1;
                    }
                    None
                }
                None => Some(format!(
                    "the card provider has not decided yet ({})",
                    answer.status
                )),
            },
            Err(e) if e.code == ErrorCode::ServerUnreachable => return Err(e),
            Err(e) => Some(e.message),
        };
        if let Some(note) = note {
            tracing::warn!(payment = %f.payment_id, note = %note, "card payment still pending");
            let at = kassa_store::ts(lock(store).clock().now());
            cards::record_attempt(lock(store).conn(), &f.payment_id, Some(&note), &at)?;
        }
    }
    Ok(kept)
}

/// Hands the server every invitation email waiting on this device
/// (`invitation_email::forwardable`): its code, opened from under the device key, for the
/// server to email once (the email's id makes a retry a replay), or, for an invitation
/// withdrawn, accepted or given a new code before its email went out, no code and the reason,
/// which the server keeps as a failed email. The local row, with its sealed code, is deleted
/// once the server answered; a refusal is noted on it and it is tried again at the next sync.
/// The server out of reach ends the sync's error. Answers how many the server kept.
async fn forward_invitation_emails<T: Transport>(
    store: &Mutex<Store>,
    transport: &T,
    creds: &Credentials,
) -> Result<u64> {
    let waiting = invitation_email::forwardable(&lock(store))?;
    let mut kept = 0;
    for p in waiting {
        let req = InvitationEmailRequest {
            id: p.id.clone(),
            invitation_id: p.invitation.id.clone(),
            kind: p.invitation.kind.as_str().to_owned(),
            to_address: p.to_address.clone(),
            subject: p.subject.clone(),
            display_name: p.invitation.display_name.clone(),
            role: p.invitation.role.as_str().to_owned(),
            expires_at: kassa_store::ts(p.invitation.expires_at),
            code: p.code.clone(),
            withdrawn: p.withdrawn.clone(),
        };
        match transport.send_invitation_email(&creds.token, &req).await {
            Ok(answer) if answer.id == p.id => {
                invitation_email::forwarded(lock(store).conn(), &p.id)?;
                kept += 1;
            }
            Ok(answer) => {
                let note = format!(
                    "the server answered about email {} instead of {}",
                    answer.id, p.id
                );
                let s = lock(store);
                let at = kassa_store::ts(s.clock().now());
                invitation_email::record_attempt(s.conn(), &p.id, &note, &at)?;
            }
            Err(e) if e.code == ErrorCode::ServerUnreachable => return Err(e),
            Err(e) => {
                tracing::warn!(email = %p.id, error = %e.message, "invitation email still waiting");
                let s = lock(store);
                let at = kassa_store::ts(s.clock().now());
                invitation_email::record_attempt(s.conn(), &p.id, &e.message, &at)?;
            }
        }
    }
    Ok(kept)
}

/// Sends the server what this device owes it about seats (`allotments::due`): a holding
/// whose answer was lost, sent again as held here; the unsold seats of a pool past its release
/// moment; seats its bookings take beyond what it holds. A refusal (a claim beyond the pool,
/// a pool the server has not heard of) is logged and tried again at the next sync; the
/// server out of reach ends the sync's error. Answers how many the server settled.
async fn settle_allotments<T: Transport>(
    store: &Mutex<Store>,
    transport: &T,
    creds: &Credentials,
) -> Result<u64> {
    let due = lock(store).write(allotments::due)?;
    let mut settled = 0;
    for out in due {
        match transport.set_allotment(&creds.token, &out.request).await {
            Ok(answer) => {
                lock(store).write(|tx| allotments::accept(tx, None, &out, &answer))?;
                settled += 1;
            }
            Err(e) if e.code == ErrorCode::ServerUnreachable => return Err(e),
            Err(e) => {
                tracing::warn!(pool = %out.request.pool_id, error = %e.message, "allotment still waiting");
            }
        }
    }
    Ok(settled)
}

/// Sends one allotment request this device prepared (`allotments::request`, `give_back`)
/// and keeps the server's answer, audited as by `staff_id`. This device's changes are pushed
/// first, so the server knows a departure made here. The server out of reach is
/// `server_unreachable` and a refusal its error (`insufficient_seats` names the seats free);
/// either way the device keeps selling no more than it held, and the next sync settles the
/// rest.
pub async fn set_allotment<T: Transport>(
    store: &Mutex<Store>,
    transport: &T,
    staff_id: Option<&str>,
    out: &Outgoing,
) -> Result<Allotment> {
    let creds = sync_state::credentials(&lock(store))?;
    push_all(store, transport, &creds, LEGACY_MAX_PUSH_CHANGES).await?;
    let answer = transport.set_allotment(&creds.token, &out.request).await?;
    let kept = lock(store).write(|tx| allotments::accept(tx, staff_id, out, &answer))?;
    // The grant's audit entry goes out now.
    push_all(store, transport, &creds, LEGACY_MAX_PUSH_CHANGES).await?;
    Ok(kept)
}

/// Pays back through the card provider, via the server, the card shares of this device's
/// refunds (of `refund_id` only, when given) that can be: the card was captured and its
/// PaymentIntent is known (`card_refunds::forwardable`). The refund payment's id is the
/// provider's idempotency key, so a retry never refunds twice. A final answer (`refunded`,
/// `failed`) is kept (`card_refunds::record_outcome`); a refusal by the server or an answer
/// not final yet leaves the share pending, tried again at the next sync. The server out of
/// reach is `server_unreachable`. Answers how many outcomes were kept.
pub async fn forward_refunds<T: Transport>(
    store: &Mutex<Store>,
    transport: &T,
    refund_id: Option<&str>,
) -> Result<u64> {
    let creds = sync_state::credentials(&lock(store))?;
    let kept = forward_refunds_with(store, transport, &creds, refund_id).await?;
    if kept > 0 {
        // The outcomes go out now, so the store's other devices see them at their next sync.
        push_all(store, transport, &creds, LEGACY_MAX_PUSH_CHANGES).await?;
    }
    Ok(kept)
}

async fn forward_refunds_with<T: Transport>(
    store: &Mutex<Store>,
    transport: &T,
    creds: &Credentials,
    refund_id: Option<&str>,
) -> Result<u64> {
    let waiting = card_refunds::forwardable(lock(store).conn(), refund_id)?;
    let mut kept = 0;
    for f in waiting {
        let req = CardRefundRequest {
            refund_payment_id: f.refund_payment_id.clone(),
            payment_id: f.payment_id.clone(),
            intent_id: f.intent_id.clone(),
            amount_minor: f.amount_minor,
            currency: f.currency.clone(),
        };
        let note = match transport.refund_card(&creds.token, &req).await {
            Ok(answer) if answer.refund_payment_id != f.refund_payment_id => format!(
                "the server answered about refund payment {} instead of {}",
                answer.refund_payment_id, f.refund_payment_id
            ),
            Ok(answer) => match card_refunds::OutcomeStatus::parse(&answer.status) {
                Some(status) => {
                    let outcome = card_refunds::Outcome {
                        status,
                        intent_id: Some(answer.intent_id),
                        provider_refund_id: answer.provider_refund_id,
                        failure_reason: answer.failure_reason,
                    };
                    if card_refunds::record_outcome(
                        &mut lock(store),
                        &f.refund_payment_id,
                        &outcome,
                    )? {
                        kept += 1;
                    }
                    continue;
                }
                None => format!("the card provider has not decided yet ({})", answer.status),
            },
            Err(e) if e.code == ErrorCode::ServerUnreachable => return Err(e),
            // The server refuses this refund for good (more than the card has left, after
            // another till refunded the same sale offline; a payment it does not hold): the
            // refund failed, and a manager's task says so, to pay the customer another way.
            Err(e) if matches!(e.code, ErrorCode::InvalidInput | ErrorCode::NotFound) => {
                let outcome = card_refunds::Outcome {
                    status: card_refunds::OutcomeStatus::Failed,
                    intent_id: Some(f.intent_id.clone()),
                    provider_refund_id: None,
                    failure_reason: Some(e.message),
                };
                if card_refunds::record_outcome(&mut lock(store), &f.refund_payment_id, &outcome)? {
                    kept += 1;
                }
                continue;
            }
            Err(e) => e.message,
        };
        tracing::warn!(refund_payment = %f.refund_payment_id, note = %note, "card refund still pending");
    }
    Ok(kept)
}

/// The devices of this device's store, as the server lists them.
pub async fn devices<T: Transport>(
    store: &Mutex<Store>,
    transport: &T,
) -> Result<Vec<DeviceRecord>> {
    let creds = sync_state::credentials(&lock(store))?;
    let devices = transport.devices(&creds.token).await?.devices;
    known_devices::replace(&mut lock(store), &devices)?;
    Ok(devices)
}

/// What the server found about the store's card payments (reconciliation's fixes and the
/// payments kept for a manager's review), newest first.
/// The list is kept as heard (`card_findings::replace`), which opens the manager's
/// `card_review` task for each one to review about a card this device holds.
pub async fn card_findings<T: Transport>(
    store: &Mutex<Store>,
    transport: &T,
) -> Result<Vec<CardFinding>> {
    let creds = sync_state::credentials(&lock(store))?;
    let findings = transport.card_findings(&creds.token).await?.findings;
    keep_card_findings(store, &findings)?;
    Ok(findings)
}

fn keep_card_findings(store: &Mutex<Store>, findings: &[CardFinding]) -> Result<()> {
    let kept: Vec<card_findings::Finding> = findings
        .iter()
        .map(|f| card_findings::Finding {
            at: f.at.clone(),
            finding: f.finding.clone(),
            payment_id: f.payment_id.clone(),
            order_id: f.order_id.clone(),
            intent_id: f.intent_id.clone(),
            amount_minor: f.amount_minor,
            currency: f.currency.clone(),
            status: f.status.clone(),
            review: f.review.clone(),
        })
        .collect();
    let opened = card_findings::replace(&mut lock(store), &kept)?;
    if opened > 0 {
        tracing::warn!(opened, "card payments to review for a manager");
    }
    Ok(())
}

/// Asks the server what it found about the store's card payments when the list this device
/// keeps is older than [`card_findings::REFRESH_AFTER`], so a payment to review becomes a
/// manager's task on every device within minutes. A failure (a server without card
/// payments, say) is only logged: the sync itself has succeeded.
async fn refresh_card_findings<T: Transport>(
    store: &Mutex<Store>,
    transport: &T,
    creds: &Credentials,
) -> Result<()> {
    let stale = {
        let s = lock(store);
        card_findings::stale(s.conn(), s.clock().now())?
    };
    if !stale {
        return Ok(());
    }
    match transport.card_findings(&creds.token).await {
        Ok(answer) => keep_card_findings(store, &answer.findings),
        Err(e) => {
            tracing::debug!(error = %e, "could not hear the card findings");
            Ok(())
        }
    }
}

/// Asks the server for the store's devices when the list this device keeps is older than
/// [`known_devices::REFRESH_AFTER`], so Admin -> Devices has a recent list to show offline.
/// A failure is only logged: the sync itself has succeeded.
async fn refresh_known_devices<T: Transport>(
    store: &Mutex<Store>,
    transport: &T,
    creds: &Credentials,
) -> Result<()> {
    let stale = {
        let s = lock(store);
        known_devices::stale(s.conn(), s.clock().now())?
    };
    if !stale {
        return Ok(());
    }
    match transport.devices(&creds.token).await {
        Ok(answer) => known_devices::replace(&mut lock(store), &answer.devices),
        Err(e) => {
            tracing::warn!(error = %e, "could not hear the store's devices");
            Ok(())
        }
    }
}

/// A one-time code for another device to join this device's store, from the server; audited
/// here as `device.pairing_code_issued` (the code itself is never kept).
pub async fn pairing_code<T: Transport>(
    store: &Mutex<Store>,
    transport: &T,
    actor_id: Option<&str>,
) -> Result<kassa_sync_protocol::wire::PairingCodeResponse> {
    let creds = sync_state::credentials(&lock(store))?;
    let issued = transport.pairing_code(&creds.token).await?;
    lock(store).write(|tx| {
        let mut entry = AuditInput::new("device.pairing_code_issued")
            .on("store", &issued.store_id)
            .after(serde_json::json!({"expires_at": issued.expires_at}));
        entry.actor_id = actor_id;
        tx.audit(entry).map(|_| ())
    })?;
    Ok(issued)
}

/// Revokes a device of the store on the server, and audits it here as `device.revoked`.
pub async fn revoke<T: Transport>(
    store: &Mutex<Store>,
    transport: &T,
    device_id: &str,
    actor_id: Option<&str>,
) -> Result<()> {
    let creds = sync_state::credentials(&lock(store))?;
    transport.revoke(&creds.token, device_id).await?;
    lock(store).write(|tx| {
        let mut entry = AuditInput::new("device.revoked").on("device", device_id);
        entry.actor_id = actor_id;
        tx.audit(entry).map(|_| ())
    })
}
