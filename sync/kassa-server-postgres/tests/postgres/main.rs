//! The PostgreSQL backend against the real server: each test on a database of its own.

mod behaviour;
mod concurrency;
mod conformance;
mod db;

use kassa_server_postgres::PostgresStorage;
use kassa_server_storage::{NewPairingCode, PairInput, Paired, PushInput, Pushed, Storage};
use kassa_sync_protocol::wire::{PushedChange, StoreRecord};
use kassa_sync_protocol::{Change, ChangeOp};

pub const NOW: &str = "2026-12-03T08:00:00.000Z";
pub const LATER: &str = "2026-12-03T08:05:00.000Z";
pub const EXPIRES: &str = "2026-12-03T08:10:00.000Z";

/// A fresh database and a storage connected to it.
pub async fn storage() -> (db::TestDb, PostgresStorage) {
    let db = db::TestDb::new().await;
    let storage = kassa_server_postgres::connect(&db.url)
        .await
        .expect("connect and migrate");
    (db, storage)
}

pub fn store(id: &str) -> StoreRecord {
    StoreRecord {
        id: id.into(),
        code: "S1".into(),
        name: format!("Store {id}"),
        currency: "EUR".into(),
    }
}

/// Keeps a pairing code whose hash is `hash`.
pub async fn add_code(s: &impl Storage, hash: &str, store_id: Option<&str>) {
    s.add_pairing_code(NewPairingCode {
        code_hash: hash.into(),
        store_id: store_id.map(Into::into),
        created_at: NOW.into(),
        expires_at: EXPIRES.into(),
    })
    .await
    .expect("add a pairing code");
}

pub fn pair_input(hash: &str, device: &str, store: Option<StoreRecord>) -> PairInput {
    PairInput {
        code_hash: hash.into(),
        device_id: device.into(),
        device_name: format!("Till {device}"),
        sealed_store_key: store
            .as_ref()
            .map(|s| format!("sealed key of {}", s.id).into_bytes()),
        store,
        token_hash: format!("token-{device}"),
        now: NOW.into(),
    }
}

/// Makes store `store_id` with its first device `first`.
pub async fn new_store(s: &impl Storage, store_id: &str, first: &str) -> Paired {
    let hash = format!("new-{store_id}");
    add_code(s, &hash, None).await;
    s.pair(pair_input(&hash, first, Some(store(store_id))))
        .await
        .expect("pair the store's first device")
}

/// Pairs another device to an existing store.
pub async fn join_store(s: &impl Storage, store_id: &str, device: &str) -> Paired {
    let hash = format!("join-{device}");
    add_code(s, &hash, Some(store_id)).await;
    s.pair(pair_input(&hash, device, None))
        .await
        .expect("pair a device to the store")
}

/// The change a device makes at outbox place `seq`.
pub fn change(device: &str, seq: u64) -> PushedChange {
    PushedChange {
        seq,
        change: Change {
            change_id: format!("{device}-c{seq}"),
            entity: "stock_movements".into(),
            entity_id: format!("{device}-m{seq}"),
            op: ChangeOp::Insert,
            payload: serde_json::json!({ "sku": "TEA", "qty": -1, "seq": seq }),
            hlc: (1_764_748_800_000 << 16) | seq,
            device_id: device.into(),
        },
    }
}

pub fn push_input(
    store_id: &str,
    device: &str,
    batch: &str,
    changes: Vec<PushedChange>,
) -> PushInput {
    let changes = changes
        .into_iter()
        .map(PushedChange::into_raw)
        .collect::<Result<Vec<_>, _>>()
        .expect("payloads written as text");
    PushInput {
        store_id: store_id.into(),
        device_id: device.into(),
        batch_id: batch.into(),
        batch_hash: format!(
            "hash-of-{}",
            changes
                .iter()
                .map(|c| c.change.change_id.as_str())
                .collect::<Vec<_>>()
                .join(",")
        ),
        audit: kassa_server_storage::audit_links(&changes).expect("audit links"),
        changes,
        now: LATER.into(),
    }
}

/// Pushes the device's changes `from..=to` as batch `batch`.
pub async fn push(
    s: &impl Storage,
    store_id: &str,
    device: &str,
    batch: &str,
    from: u64,
    to: u64,
) -> Pushed {
    s.push(push_input(
        store_id,
        device,
        batch,
        (from..=to).map(|q| change(device, q)).collect(),
    ))
    .await
    .expect("push")
}

/// How many migrations the server ships: one file each in `migrations/`.
pub fn shipped_migrations() -> usize {
    std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("the migrations folder")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql"))
        })
        .count()
}
