//! The behaviour every storage backend must show, as tests a backend's own test suite runs.
//!
//! Each case takes a fresh, empty storage and panics with a message when the backend
//! does not behave as the [`Storage`] docs say. [`run_all`] runs every case, each on a
//! new storage from the backend's factory:
//!
//! ```ignore
//! #[tokio::test]
//! async fn conformance() {
//!     kassa_server_storage::conformance::run_all(|| async { Arc::new(open_temp()) as Arc<dyn Storage> }).await;
//! }
//! ```
//!
//! Times are fixed RFC 3339 texts so the cases never depend on the clock. The audit trail
//! is oldest first; entries made at the same time keep the order they were made in.

use crate::{NewPairingCode, PairInput, Paired, PushInput, Pushed, Storage, StorageError};
use kassa_sync_protocol::wire::{PushedChange, StoreRecord};
use kassa_sync_protocol::{Change, ChangeOp};
use std::future::Future;
use std::ops::Deref;

const T1: &str = "2026-03-01T09:30:00.000Z";
const T2: &str = "2026-03-01T10:00:00.000Z";
const T3: &str = "2026-03-01T11:00:00.000Z";
const LATER: &str = "2026-03-01T10:00:00.000Z";

pub const STORE_A: &str = "0190a000-0000-7000-8000-00000000000a";
pub const STORE_B: &str = "0190a000-0000-7000-8000-00000000000b";
const DEV_1: &str = "0190d000-0000-7000-8000-000000000001";
const DEV_2: &str = "0190d000-0000-7000-8000-000000000002";
const DEV_3: &str = "0190d000-0000-7000-8000-000000000003";
const DEV_B: &str = "0190d000-0000-7000-8000-0000000000b1";

/// Runs every case, each on a new storage made by `make`.
pub async fn run_all<F, Fut, S>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
    S: Deref<Target = dyn Storage>,
{
    macro_rules! cases {
        ($($case:ident),* $(,)?) => {
            $(
                {
                    let storage = make().await;
                    eprintln!("conformance: {}", stringify!($case));
                    $case(&*storage).await;
                }
            )*
        };
    }
    cases!(
        devices_of_a_store_get_codes_01_then_02,
        a_pairing_code_works_once,
        an_expired_pairing_code_is_refused,
        a_new_store_code_for_a_store_that_exists_is_a_conflict,
        a_device_id_paired_twice_is_a_conflict,
        a_token_hash_finds_its_device,
        pushes_take_consecutive_log_places_across_devices,
        a_replayed_batch_gives_the_first_answer_and_adds_nothing,
        a_batch_id_reused_with_other_changes_is_refused,
        a_resent_change_in_a_new_batch_is_skipped,
        a_sequence_reused_with_another_change_blocks_the_device,
        a_batch_that_skips_sequences_is_refused,
        pull_pages_in_log_order_without_the_readers_own_changes,
        a_store_never_sees_another_stores_log,
        devices_list_their_acked_sequence_and_last_sync,
        revoking_a_device_is_audited_once_and_only_within_its_store,
        the_audit_trail_tells_pairings_codes_revocations_and_blocks,
    );
}

fn hash(tag: &str) -> String {
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

fn store(id: &str, code: &str) -> StoreRecord {
    StoreRecord {
        id: id.into(),
        code: code.into(),
        name: format!("Shop {code}"),
        currency: "EUR".into(),
    }
}

fn change(device: &str, seq: u64, change_id: &str) -> PushedChange {
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
fn cid(device: &str, seq: u64) -> String {
    format!(
        "0190c000-0000-7000-8000-{:04x}{:08x}",
        device_tag(device),
        seq
    )
}

fn device_tag(device: &str) -> usize {
    usize::from_str_radix(&device[device.len() - 4..], 16).unwrap_or(0)
}

async fn code(s: &dyn Storage, tag: &str, store_id: Option<&str>, expires_at: &str) -> String {
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

fn pair_input(code_hash: &str, device: &str, store: Option<StoreRecord>) -> PairInput {
    PairInput {
        code_hash: code_hash.into(),
        device_id: device.into(),
        device_name: format!("Till {}", &device[device.len() - 2..]),
        store,
        token_hash: hash(&format!("token-{device}")),
        now: T1.into(),
    }
}

/// Pairs the first device of a new store.
async fn new_store(s: &dyn Storage, store_id: &str, device: &str) -> Paired {
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
async fn join(s: &dyn Storage, store_id: &str, device: &str) -> Paired {
    let c = code(s, &format!("join-{device}"), Some(store_id), T3).await;
    s.pair(pair_input(&c, device, None))
        .await
        .expect("pairing a device into a store")
}

async fn push(
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

async fn push_changes(
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
    s.push(PushInput {
        store_id: store_id.into(),
        device_id: device.into(),
        batch_id: batch.into(),
        batch_hash,
        changes,
        now: now.into(),
    })
    .await
}

/// The change ids of a whole store's log as a device that made none of them reads it.
async fn log_ids(s: &dyn Storage, store_id: &str) -> Vec<(u64, String)> {
    let page = s.pull(store_id, "nobody", 0, 5_000).await.expect("pull");
    page.changes
        .into_iter()
        .map(|e| (e.server_seq, e.change.change_id))
        .collect()
}

pub async fn devices_of_a_store_get_codes_01_then_02(s: &dyn Storage) {
    let first = new_store(s, STORE_A, DEV_1).await;
    assert_eq!(
        first,
        Paired {
            store_id: STORE_A.into(),
            device_id: DEV_1.into(),
            device_code: "01".into()
        }
    );
    let second = join(s, STORE_A, DEV_2).await;
    assert_eq!(second.device_code, "02");
    assert_eq!(second.store_id, STORE_A);

    // A store record naming the code's own store is accepted; one naming another is not.
    let c = code(s, "join-3-same", Some(STORE_A), T3).await;
    let third = s
        .pair(pair_input(&c, DEV_3, Some(store(STORE_A, "0a"))))
        .await
        .expect("same store");
    assert_eq!(third.device_code, "03");
    let c = code(s, "join-other", Some(STORE_A), T3).await;
    let other = s
        .pair(pair_input(&c, DEV_B, Some(store(STORE_B, "0b"))))
        .await;
    assert!(
        matches!(other, Err(StorageError::Conflict(_))),
        "a store record of another store: {other:?}"
    );

    // A new store's code without the store record pairs nothing.
    let c = code(s, "new-without-store", None, T3).await;
    assert!(s.pair(pair_input(&c, DEV_B, None)).await.is_err());
    assert_eq!(s.devices(STORE_A).await.expect("devices").len(), 3);
}

pub async fn a_pairing_code_works_once(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    let c = code(s, "once", Some(STORE_A), T3).await;
    s.pair(pair_input(&c, DEV_2, None))
        .await
        .expect("first use");
    let again = s.pair(pair_input(&c, DEV_3, None)).await;
    assert!(
        matches!(again, Err(StorageError::PairingCodeInvalid)),
        "second use: {again:?}"
    );
    let unknown = s.pair(pair_input(&hash("never-issued"), DEV_3, None)).await;
    assert!(
        matches!(unknown, Err(StorageError::PairingCodeInvalid)),
        "unknown code: {unknown:?}"
    );
    assert_eq!(s.devices(STORE_A).await.expect("devices").len(), 2);
}

pub async fn an_expired_pairing_code_is_refused(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    // The pairing happens at T1: a code expiring exactly then is already expired.
    let c = code(s, "expires-at-t1", Some(STORE_A), T1).await;
    let r = s.pair(pair_input(&c, DEV_2, None)).await;
    assert!(
        matches!(r, Err(StorageError::PairingCodeInvalid)),
        "expired code: {r:?}"
    );
    let c = code(s, "expires-later", Some(STORE_A), LATER).await;
    assert_eq!(
        s.pair(pair_input(&c, DEV_2, None))
            .await
            .expect("valid code")
            .device_code,
        "02"
    );
}

pub async fn a_new_store_code_for_a_store_that_exists_is_a_conflict(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    let c = code(s, "new-again", None, T3).await;
    let r = s
        .pair(pair_input(&c, DEV_2, Some(store(STORE_A, "0a"))))
        .await;
    assert!(
        matches!(r, Err(StorageError::Conflict(_))),
        "store paired twice: {r:?}"
    );
    assert_eq!(s.devices(STORE_A).await.expect("devices").len(), 1);
    // The failed pairing changed nothing: the code is still unused.
    let r = s
        .pair(pair_input(&c, DEV_2, Some(store(STORE_B, "0b"))))
        .await
        .expect("code still usable");
    assert_eq!(r.store_id, STORE_B);
}

pub async fn a_device_id_paired_twice_is_a_conflict(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    let c = code(s, "twice", Some(STORE_A), T3).await;
    let r = s.pair(pair_input(&c, DEV_1, None)).await;
    assert!(
        matches!(r, Err(StorageError::Conflict(_))),
        "device id registered twice: {r:?}"
    );
    let c = code(s, "twice-other-store", None, T3).await;
    let r = s
        .pair(pair_input(&c, DEV_1, Some(store(STORE_B, "0b"))))
        .await;
    assert!(
        matches!(r, Err(StorageError::Conflict(_))),
        "device id of another store: {r:?}"
    );
    assert_eq!(s.devices(STORE_A).await.expect("devices").len(), 1);
    assert!(s.devices(STORE_B).await.expect("devices").is_empty());
}

pub async fn a_token_hash_finds_its_device(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    join(s, STORE_A, DEV_2).await;
    let auth = s
        .authenticate(&hash(&format!("token-{DEV_2}")))
        .await
        .expect("authenticate");
    let auth = auth.expect("a known token");
    assert_eq!(auth.device_id, DEV_2);
    assert_eq!(auth.store_id, STORE_A);
    assert_eq!(auth.device_code, "02");
    assert!(!auth.revoked && !auth.blocked);
    assert_eq!(
        s.authenticate(&hash("unknown token"))
            .await
            .expect("authenticate"),
        None
    );
}

pub async fn pushes_take_consecutive_log_places_across_devices(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    join(s, STORE_A, DEV_2).await;
    let r = push(s, STORE_A, DEV_1, "b1", 1..=3, T1)
        .await
        .expect("push");
    assert_eq!(
        r,
        Pushed {
            accepted: 3,
            acked_seq: 3
        }
    );
    let r = push(s, STORE_A, DEV_2, "b1", 1..=2, T1)
        .await
        .expect("push");
    assert_eq!(
        r,
        Pushed {
            accepted: 2,
            acked_seq: 2
        }
    );
    let r = push(s, STORE_A, DEV_1, "b2", 4..=4, T2)
        .await
        .expect("push");
    assert_eq!(
        r,
        Pushed {
            accepted: 1,
            acked_seq: 4
        }
    );

    let want: Vec<(u64, String)> = vec![
        (1, cid(DEV_1, 1)),
        (2, cid(DEV_1, 2)),
        (3, cid(DEV_1, 3)),
        (4, cid(DEV_2, 1)),
        (5, cid(DEV_2, 2)),
        (6, cid(DEV_1, 4)),
    ];
    assert_eq!(log_ids(s, STORE_A).await, want);

    // The log keeps each change as it came.
    let page = s.pull(STORE_A, DEV_2, 0, 1).await.expect("pull");
    assert_eq!(
        page.changes[0].change,
        change(DEV_1, 1, &cid(DEV_1, 1)).change
    );
}

pub async fn a_replayed_batch_gives_the_first_answer_and_adds_nothing(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    let first = push(s, STORE_A, DEV_1, "b1", 1..=2, T1)
        .await
        .expect("push");
    assert_eq!(
        first,
        Pushed {
            accepted: 2,
            acked_seq: 2
        }
    );
    let again = push(s, STORE_A, DEV_1, "b1", 1..=2, T2)
        .await
        .expect("replay");
    assert_eq!(again, first, "a replay answers as the first push did");
    assert_eq!(log_ids(s, STORE_A).await.len(), 2);
}

pub async fn a_batch_id_reused_with_other_changes_is_refused(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    push(s, STORE_A, DEV_1, "b1", 1..=2, T1)
        .await
        .expect("push");
    let r = push(s, STORE_A, DEV_1, "b1", 3..=3, T2).await;
    assert!(
        matches!(r, Err(StorageError::IdempotencyMismatch)),
        "batch id reused: {r:?}"
    );
    assert_eq!(log_ids(s, STORE_A).await.len(), 2);
    let devices = s.devices(STORE_A).await.expect("devices");
    assert_eq!(devices[0].acked_seq, 2);
}

pub async fn a_resent_change_in_a_new_batch_is_skipped(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    push(s, STORE_A, DEV_1, "b1", 1..=2, T1)
        .await
        .expect("push");
    // The answer to b1 was lost; the device sends seq 2 again with seq 3 in a new batch.
    let r = push(s, STORE_A, DEV_1, "b2", 2..=3, T2)
        .await
        .expect("push");
    assert_eq!(
        r,
        Pushed {
            accepted: 1,
            acked_seq: 3
        }
    );
    let r = push(s, STORE_A, DEV_1, "b3", 1..=3, T2)
        .await
        .expect("push");
    assert_eq!(
        r,
        Pushed {
            accepted: 0,
            acked_seq: 3
        }
    );
    let ids: Vec<String> = log_ids(s, STORE_A)
        .await
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    assert_eq!(ids, vec![cid(DEV_1, 1), cid(DEV_1, 2), cid(DEV_1, 3)]);
}

pub async fn a_sequence_reused_with_another_change_blocks_the_device(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    push(s, STORE_A, DEV_1, "b1", 1..=2, T1)
        .await
        .expect("push");
    // A restored copy of the device made other changes under seq 2 and 3.
    let forked = vec![
        change(DEV_1, 2, &cid(DEV_3, 2)),
        change(DEV_1, 3, &cid(DEV_3, 3)),
    ];
    let r = push_changes(s, STORE_A, DEV_1, "b2", forked, T2).await;
    assert!(
        matches!(r, Err(StorageError::DeviceCloned { seq: 2 })),
        "a forked sequence: {r:?}"
    );

    let auth = s
        .authenticate(&hash(&format!("token-{DEV_1}")))
        .await
        .expect("authenticate")
        .expect("known");
    assert!(auth.blocked, "the device is blocked");
    assert!(!auth.revoked);
    let audit = s.audit(STORE_A).await.expect("audit");
    assert!(
        audit
            .iter()
            .any(|e| e.action == "device.blocked" && e.device_id.as_deref() == Some(DEV_1)),
        "the block is audited: {audit:?}"
    );
    assert_eq!(
        log_ids(s, STORE_A).await.len(),
        2,
        "nothing of the forked batch is in the log"
    );
}

pub async fn a_batch_that_skips_sequences_is_refused(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    let r = push(s, STORE_A, DEV_1, "b0", 2..=3, T1).await;
    assert!(
        matches!(
            r,
            Err(StorageError::SequenceGap {
                acked_seq: 0,
                first_seq: 2
            })
        ),
        "first push at 2: {r:?}"
    );
    push(s, STORE_A, DEV_1, "b1", 1..=1, T1)
        .await
        .expect("push");
    let r = push(s, STORE_A, DEV_1, "b2", 3..=4, T2).await;
    assert!(
        matches!(
            r,
            Err(StorageError::SequenceGap {
                acked_seq: 1,
                first_seq: 3
            })
        ),
        "a gap: {r:?}"
    );
    assert_eq!(log_ids(s, STORE_A).await.len(), 1);
    assert_eq!(s.devices(STORE_A).await.expect("devices")[0].acked_seq, 1);
    // The refused batch's id was not kept: the right batch under it is taken.
    let r = push(s, STORE_A, DEV_1, "b2", 2..=4, T2)
        .await
        .expect("push");
    assert_eq!(
        r,
        Pushed {
            accepted: 3,
            acked_seq: 4
        }
    );
}

pub async fn pull_pages_in_log_order_without_the_readers_own_changes(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    join(s, STORE_A, DEV_2).await;
    // Log: 1..=3 by device 1, 4..=5 by device 2, 6 by device 1.
    push(s, STORE_A, DEV_1, "b1", 1..=3, T1)
        .await
        .expect("push");
    push(s, STORE_A, DEV_2, "b1", 1..=2, T1)
        .await
        .expect("push");
    push(s, STORE_A, DEV_1, "b2", 4..=4, T1)
        .await
        .expect("push");

    let seqs = |p: &crate::Page| p.changes.iter().map(|e| e.server_seq).collect::<Vec<_>>();
    let p = s.pull(STORE_A, DEV_2, 0, 2).await.expect("pull");
    assert_eq!((seqs(&p), p.cursor, p.remaining), (vec![1, 2], 2, 4));
    // Entry 4 is device 2's own: left out, but the cursor passes it.
    let p = s.pull(STORE_A, DEV_2, 2, 2).await.expect("pull");
    assert_eq!((seqs(&p), p.cursor, p.remaining), (vec![3], 4, 2));
    let p = s.pull(STORE_A, DEV_2, 4, 10).await.expect("pull");
    assert_eq!((seqs(&p), p.cursor, p.remaining), (vec![6], 6, 0));
    assert_eq!(p.changes[0].change.change_id, cid(DEV_1, 4));
    let p = s.pull(STORE_A, DEV_2, 6, 10).await.expect("pull");
    assert_eq!((seqs(&p), p.cursor, p.remaining), (vec![], 6, 0));

    // A page of only the reader's own changes is empty and still moves the cursor.
    let p = s.pull(STORE_A, DEV_1, 0, 3).await.expect("pull");
    assert_eq!((seqs(&p), p.cursor, p.remaining), (vec![], 3, 3));
}

pub async fn a_store_never_sees_another_stores_log(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    new_store(s, STORE_B, DEV_B).await;
    push(s, STORE_A, DEV_1, "b1", 1..=2, T1)
        .await
        .expect("push");
    push(s, STORE_B, DEV_B, "b1", 1..=3, T1)
        .await
        .expect("push");

    let a = s.pull(STORE_A, DEV_3, 0, 100).await.expect("pull");
    assert_eq!(a.changes.len(), 2);
    assert!(a.changes.iter().all(|e| e.change.device_id == DEV_1));
    assert_eq!((a.cursor, a.remaining), (2, 0));
    // Each store's log counts its own places from 1.
    let b = s.pull(STORE_B, DEV_3, 0, 100).await.expect("pull");
    let places: Vec<u64> = b.changes.iter().map(|e| e.server_seq).collect();
    assert_eq!(places, vec![1, 2, 3]);
    assert!(b.changes.iter().all(|e| e.change.device_id == DEV_B));
    assert!(
        s.devices(STORE_A)
            .await
            .expect("devices")
            .iter()
            .all(|d| d.device_id == DEV_1)
    );
}

pub async fn devices_list_their_acked_sequence_and_last_sync(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    join(s, STORE_A, DEV_2).await;
    push(s, STORE_A, DEV_1, "b1", 1..=5, T2)
        .await
        .expect("push");
    s.touch(DEV_2, T3).await.expect("touch");

    let devices = s.devices(STORE_A).await.expect("devices");
    assert_eq!(devices.len(), 2);
    let (d1, d2) = (&devices[0], &devices[1]);
    assert_eq!(
        (d1.device_id.as_str(), d1.device_code.as_str()),
        (DEV_1, "01")
    );
    assert_eq!(
        (d2.device_id.as_str(), d2.device_code.as_str()),
        (DEV_2, "02")
    );
    assert_eq!(d1.acked_seq, 5);
    assert_eq!(d1.last_sync_at.as_deref(), Some(T2));
    assert_eq!(d2.acked_seq, 0);
    assert_eq!(d2.last_sync_at.as_deref(), Some(T3));
    assert_eq!(d1.paired_at, T1);
    assert_eq!(d1.name, format!("Till {}", &DEV_1[DEV_1.len() - 2..]));
    assert!(d1.revoked_at.is_none() && d2.revoked_at.is_none());
}

pub async fn revoking_a_device_is_audited_once_and_only_within_its_store(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    join(s, STORE_A, DEV_2).await;
    new_store(s, STORE_B, DEV_B).await;

    let r = s.revoke(STORE_B, DEV_2, DEV_B, T2).await;
    assert!(
        matches!(r, Err(StorageError::NotFound(_))),
        "another store's device: {r:?}"
    );
    let r = s
        .revoke(STORE_A, "0190d000-0000-7000-8000-0000000000ff", DEV_1, T2)
        .await;
    assert!(
        matches!(r, Err(StorageError::NotFound(_))),
        "an unknown device: {r:?}"
    );
    let auth = s
        .authenticate(&hash(&format!("token-{DEV_2}")))
        .await
        .expect("auth")
        .expect("known");
    assert!(!auth.revoked, "a refused revocation changes nothing");

    s.revoke(STORE_A, DEV_2, DEV_1, T2).await.expect("revoke");
    s.revoke(STORE_A, DEV_2, DEV_1, T3)
        .await
        .expect("revoking twice is fine");
    let auth = s
        .authenticate(&hash(&format!("token-{DEV_2}")))
        .await
        .expect("auth")
        .expect("known");
    assert!(auth.revoked);
    let devices = s.devices(STORE_A).await.expect("devices");
    assert_eq!(
        devices[1].revoked_at.as_deref(),
        Some(T2),
        "the first revocation's time is kept"
    );
    assert_eq!(devices[0].revoked_at, None);

    let audit = s.audit(STORE_A).await.expect("audit");
    let revoked: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "device.revoked")
        .collect();
    assert_eq!(revoked.len(), 1, "one revocation audited: {audit:?}");
    assert_eq!(revoked[0].device_id.as_deref(), Some(DEV_2));
    assert_eq!(revoked[0].at, T2);
    assert!(
        s.audit(STORE_B)
            .await
            .expect("audit")
            .iter()
            .all(|e| e.action != "device.revoked")
    );
}

pub async fn the_audit_trail_tells_pairings_codes_revocations_and_blocks(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    join(s, STORE_A, DEV_2).await;
    s.revoke(STORE_A, DEV_2, DEV_1, T2).await.expect("revoke");
    push(s, STORE_A, DEV_1, "b1", 1..=1, T2)
        .await
        .expect("push");
    let forked = vec![change(DEV_1, 1, &cid(DEV_3, 1))];
    let r = push_changes(s, STORE_A, DEV_1, "b2", forked, T3).await;
    assert!(matches!(r, Err(StorageError::DeviceCloned { seq: 1 })));

    let audit = s.audit(STORE_A).await.expect("audit");
    let actions: Vec<(&str, Option<&str>)> = audit
        .iter()
        .map(|e| (e.action.as_str(), e.device_id.as_deref()))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("device.paired", Some(DEV_1)),
            ("pairing_code.created", None),
            ("device.paired", Some(DEV_2)),
            ("device.revoked", Some(DEV_2)),
            ("device.blocked", Some(DEV_1)),
        ],
        "oldest first: {audit:?}"
    );
    assert!(audit.iter().all(|e| e.store_id == STORE_A));
    assert_eq!(audit[0].at, T1);
    assert_eq!(audit[4].at, T3);
}
