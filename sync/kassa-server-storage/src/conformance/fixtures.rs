//! Fixed ids, times and helpers the cases share.

use crate::{
    NewPairingCode, PairInput, Paired, PushInput, Pushed, RevokeInput, Storage, StorageError,
};
use kassa_sync_protocol::wire::{PushedChange, StoreRecord};
use kassa_sync_protocol::{Change, ChangeOp};

pub(super) const T1: &str = "2026-03-01T09:30:00.000Z";
pub(super) const T2: &str = "2026-03-01T10:00:00.000Z";
pub(super) const T3: &str = "2026-03-01T11:00:00.000Z";
pub(super) const LATER: &str = "2026-03-01T10:00:00.000Z";

pub const STORE_A: &str = "0190a000-0000-7000-8000-00000000000a";
pub const STORE_B: &str = "0190a000-0000-7000-8000-00000000000b";
pub(super) const DEV_1: &str = "0190d000-0000-7000-8000-000000000001";
pub(super) const DEV_2: &str = "0190d000-0000-7000-8000-000000000002";
pub(super) const DEV_3: &str = "0190d000-0000-7000-8000-000000000003";
pub(super) const DEV_4: &str = "0190d000-0000-7000-8000-000000000004";
pub(super) const DEV_B: &str = "0190d000-0000-7000-8000-0000000000b1";

pub(super) fn hash(tag: &str) -> String {
    use std::hash::{Hash, Hasher};
    // Not SHA-256, but the same shape: 64 lowercase hex digits, distinct per tag.
    (0u8..4)
        .map(|part| {
            let mut h = std::hash::DefaultHasher::new();
            (part, tag).hash(&mut h);
            format!("{:016x}", h.finish())
        })
        .collect()
}

pub(super) fn store(id: &str, code: &str) -> StoreRecord {
    StoreRecord {
        id: id.into(),
        code: code.into(),
        name: format!("Shop {code}"),
        currency: "EUR".into(),
    }
}

pub(super) fn change(device: &str, seq: u64, change_id: &str) -> PushedChange {
    PushedChange {
        seq,
        change: Change {
            change_id: change_id.into(),
            entity: "products".into(),
            entity_id: format!("p-{change_id}"),
            op: ChangeOp::Upsert,
            payload: serde_json::json!({"name": "Tea", "price_minor": 250, "seq": seq}),
            hlc: (1_700_000_000_000u64 << 16) | seq,
            device_id: device.into(),
        },
    }
}

/// A change id unique to a device and sequence, UUID-shaped.
pub(super) fn cid(device: &str, seq: u64) -> String {
    format!(
        "0190c000-0000-7000-8000-{:04x}{:08x}",
        device_tag(device),
        seq
    )
}

pub(super) fn device_tag(device: &str) -> usize {
    usize::from_str_radix(&device[device.len() - 4..], 16).unwrap_or(0)
}

pub(super) async fn code(
    s: &dyn Storage,
    tag: &str,
    store_id: Option<&str>,
    expires_at: &str,
) -> String {
    let code_hash = hash(tag);
    s.add_pairing_code(NewPairingCode {
        code_hash: code_hash.clone(),
        store_id: store_id.map(Into::into),
        created_at: T1.into(),
        expires_at: expires_at.into(),
    })
    .await
    .expect("add_pairing_code");
    code_hash
}

/// The bytes a store's first device brings as its sealed store key (opaque to storage).
pub(super) fn sealed_key(store_id: &str) -> Vec<u8> {
    format!("sealed store key of {store_id}").into_bytes()
}

/// Revokes `device` of `store_id` at `at`, as asked by `by`; the next epoch's key is
/// opaque bytes naming the revoked device.
pub(super) async fn revoke(
    s: &dyn Storage,
    store_id: &str,
    device: &str,
    by: &str,
    at: &str,
) -> Result<Option<u32>, StorageError> {
    s.revoke(RevokeInput {
        store_id: store_id.into(),
        device_id: device.into(),
        by_device: by.into(),
        next_store_key: next_key(device),
        now: at.into(),
    })
    .await
}

/// The sealed key a revocation of `device` brings (opaque to storage).
pub(super) fn next_key(device: &str) -> Vec<u8> {
    format!("sealed store key after revoking {device}").into_bytes()
}

/// A pairing; a device that brings its store brings its sealed store key too.
pub(super) fn pair_input(code_hash: &str, device: &str, store: Option<StoreRecord>) -> PairInput {
    PairInput {
        code_hash: code_hash.into(),
        device_id: device.into(),
        device_name: format!("Till {}", &device[device.len() - 2..]),
        sealed_store_key: store.as_ref().map(|s| sealed_key(&s.id)),
        store,
        token_hash: hash(&format!("token-{device}")),
        now: T1.into(),
    }
}

/// Pairs the first device of a new store.
pub(super) async fn new_store(s: &dyn Storage, store_id: &str, device: &str) -> Paired {
    let c = code(s, &format!("new-{store_id}"), None, T3).await;
    s.pair(pair_input(
        &c,
        device,
        Some(store(store_id, &store_id[store_id.len() - 2..])),
    ))
    .await
    .expect("pairing a new store's first device")
}

/// Pairs another device of an existing store.
pub(super) async fn join(s: &dyn Storage, store_id: &str, device: &str) -> Paired {
    let c = code(s, &format!("join-{device}"), Some(store_id), T3).await;
    s.pair(pair_input(&c, device, None))
        .await
        .expect("pairing a device into a store")
}

pub(super) async fn push(
    s: &dyn Storage,
    store_id: &str,
    device: &str,
    batch: &str,
    seqs: std::ops::RangeInclusive<u64>,
    now: &str,
) -> Result<Pushed, StorageError> {
    let changes: Vec<PushedChange> = seqs.map(|q| change(device, q, &cid(device, q))).collect();
    push_changes(s, store_id, device, batch, changes, now).await
}

pub(super) async fn push_changes(
    s: &dyn Storage,
    store_id: &str,
    device: &str,
    batch: &str,
    changes: Vec<PushedChange>,
    now: &str,
) -> Result<Pushed, StorageError> {
    let ids: Vec<&str> = changes
        .iter()
        .map(|c| c.change.change_id.as_str())
        .collect();
    let batch_hash = hash(&ids.join(","));
    let changes = changes
        .into_iter()
        .map(PushedChange::into_raw)
        .collect::<Result<Vec<_>, _>>()
        .expect("payloads written as text");
    let audit = crate::audit_links(&changes)?;
    s.push(PushInput {
        store_id: store_id.into(),
        device_id: device.into(),
        batch_id: batch.into(),
        batch_hash,
        audit,
        changes,
        now: now.into(),
    })
    .await
}

/// The change ids of a whole store's log as a device that made none of them reads it.
pub(super) async fn log_ids(s: &dyn Storage, store_id: &str) -> Vec<(u64, String)> {
    let page = s.pull(store_id, "nobody", 0, 5_000).await.expect("pull");
    page.changes
        .into_iter()
        .map(|e| (e.server_seq, e.change.change_id))
        .collect()
}
