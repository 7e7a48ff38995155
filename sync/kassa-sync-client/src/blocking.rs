//! The engine for synchronous callers (the app API, the CLI): each call runs on a small
//! current-thread runtime of its own, over [`HttpTransport`].

use crate::engine::{self, Paired, SyncReport};
use crate::http::HttpTransport;
use kassa_domain::{Error, Result};
use kassa_store::Store;
use kassa_store::bookings::allotments::{self, Allotment};
use kassa_store::foundation::sync_state;
use kassa_sync_protocol::wire::{CardPaymentRequest, CardPaymentResponse, DeviceRecord};
use std::future::Future;
use std::sync::Mutex;

fn run<T>(work: impl Future<Output = Result<T>>) -> Result<T> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("the sync runtime cannot start: {e}")))?;
    runtime.block_on(work)
}

/// The transport to the server this device is paired with; `not_paired` before pairing.
fn paired_transport(store: &Mutex<Store>) -> Result<HttpTransport> {
    let url = {
        let s = lock(store);
        sync_state::state(s.conn())?
            .ok_or_else(sync_state::not_paired)?
            .server_url
    };
    HttpTransport::new(&url)
}

/// Pairs this device with the server at `server_url` (see [`engine::pair`]).
pub fn pair(
    store: &Mutex<Store>,
    server_url: &str,
    code: &str,
    device_name: Option<&str>,
    actor_id: Option<&str>,
) -> Result<Paired> {
    let transport = HttpTransport::new(server_url)?;
    run(engine::pair(
        store,
        &transport,
        transport.base_url(),
        code,
        device_name,
        actor_id,
    ))
}

/// Makes this empty data folder a new device of an existing store (see [`engine::join`]).
pub fn join(
    store: &Mutex<Store>,
    server_url: &str,
    code: &str,
    device_name: Option<&str>,
) -> Result<Paired> {
    let transport = HttpTransport::new(server_url)?;
    run(engine::join(
        store,
        &transport,
        transport.base_url(),
        code,
        device_name,
    ))
}

/// A card payment taken through the paired server's card provider now, at checkout: the
/// provider's answer. The server out of reach is `server_unreachable`; a server without a
/// card provider, or one whose provider is out of reach, is `unavailable`.
pub fn pay_card(store: &Mutex<Store>, req: &CardPaymentRequest) -> Result<CardPaymentResponse> {
    let transport = paired_transport(store)?;
    let token = { sync_state::credentials(&lock(store))?.token };
    run(transport.pay_card(&token, req))
}

/// Pays the card shares of refund `refund_id` back through the paired server's card provider
/// now (see [`engine::forward_refunds`]): how many outcomes were kept. The server out of reach
/// is `server_unreachable`; the shares stay pending and are forwarded at the next sync.
pub fn forward_refunds(store: &Mutex<Store>, refund_id: &str) -> Result<u64> {
    let transport = paired_transport(store)?;
    run(engine::forward_refunds(store, &transport, Some(refund_id)))
}

/// One sync with the paired server (see [`engine::sync_once`]).
pub fn sync_once(store: &Mutex<Store>) -> Result<SyncReport> {
    let transport = paired_transport(store)?;
    run(engine::sync_once(store, &transport))
}

/// One sync, telling `progress` the changes left to pull after each page (see
/// [`engine::sync_once_with_progress`]).
pub fn sync_once_with_progress(store: &Mutex<Store>, progress: &dyn Fn(u64)) -> Result<SyncReport> {
    let transport = paired_transport(store)?;
    run(engine::sync_once_with_progress(store, &transport, progress))
}

/// The store's devices, from the paired server.
pub fn devices(store: &Mutex<Store>) -> Result<Vec<DeviceRecord>> {
    let transport = paired_transport(store)?;
    run(engine::devices(store, &transport))
}

/// What the paired server found about the store's card payments, newest first.
pub fn card_findings(store: &Mutex<Store>) -> Result<Vec<kassa_sync_protocol::wire::CardFinding>> {
    let transport = paired_transport(store)?;
    run(engine::card_findings(store, &transport))
}

/// A one-time code from the paired server for another device to join this store.
pub fn pairing_code(
    store: &Mutex<Store>,
    actor_id: Option<&str>,
) -> Result<kassa_sync_protocol::wire::PairingCodeResponse> {
    let transport = paired_transport(store)?;
    run(engine::pairing_code(store, &transport, actor_id))
}

/// Revokes a device of the store on the paired server.
pub fn revoke(store: &Mutex<Store>, device_id: &str, actor_id: Option<&str>) -> Result<()> {
    let transport = paired_transport(store)?;
    run(engine::revoke(store, &transport, device_id, actor_id))
}

/// Asks the paired server for `more` seats of a departure's pool for this device, audited as
/// by `staff_id` (see [`engine::set_allotment`]).
pub fn request_seats(
    store: &Mutex<Store>,
    staff_id: Option<&str>,
    departure_id: &str,
    more: i64,
) -> Result<Allotment> {
    let transport = paired_transport(store)?;
    let out = lock(store).write(|tx| allotments::request(tx, departure_id, more))?;
    run(engine::set_allotment(store, &transport, staff_id, &out))
}

/// Gives `fewer` unsold seats of a departure's pool back to the paired server. This device
/// stops selling them at once, whether or not the server is reached.
pub fn return_seats(
    store: &Mutex<Store>,
    staff_id: Option<&str>,
    departure_id: &str,
    fewer: i64,
) -> Result<Allotment> {
    let transport = paired_transport(store)?;
    let out = lock(store).write(|tx| allotments::give_back(tx, departure_id, fewer))?;
    run(engine::set_allotment(store, &transport, staff_id, &out))
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}
