//! The SQLite backend passes every storage behaviour test, and keeps its data on disk.

use kassa_server_sqlite::SqliteStorage;
use kassa_server_storage::{NewPairingCode, PairInput, Storage};
use kassa_sync_protocol::wire::StoreRecord;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_backend_behaves_as_every_backend_must() {
    let dir = tempfile::tempdir().unwrap();
    let counter = std::sync::atomic::AtomicUsize::new(0);
    kassa_server_storage::conformance::run_all(|| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let path = dir.path().join(format!("server-{n}.db"));
        async move { Arc::new(SqliteStorage::open(path).unwrap()) as Arc<dyn Storage> }
    })
    .await;
}

#[tokio::test]
async fn a_reopened_database_still_holds_its_stores_devices_and_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("server.db");
    {
        let s = SqliteStorage::open(&path).unwrap();
        s.add_pairing_code(NewPairingCode {
            code_hash: "a".repeat(64),
            store_id: None,
            created_at: "2026-03-01T09:00:00.000Z".into(),
            expires_at: "2026-03-01T10:00:00.000Z".into(),
        })
        .await
        .unwrap();
        let paired = s
            .pair(PairInput {
                code_hash: "a".repeat(64),
                device_id: "0190d000-0000-7000-8000-000000000001".into(),
                device_name: "Till 1".into(),
                store: Some(StoreRecord {
                    id: "0190a000-0000-7000-8000-00000000000a".into(),
                    code: "S1".into(),
                    name: "Corner shop".into(),
                    currency: "EUR".into(),
                }),
                token_hash: "b".repeat(64),
                sealed_store_key: Some(b"sealed".to_vec()),
                now: "2026-03-01T09:10:00.000Z".into(),
            })
            .await
            .unwrap();
        assert_eq!(paired.device_code, "01");
    }
    let s = SqliteStorage::open(&path).unwrap();
    let auth = s.authenticate(&"b".repeat(64)).await.unwrap().unwrap();
    assert_eq!(auth.store_id, "0190a000-0000-7000-8000-00000000000a");
    let devices = s.devices(&auth.store_id).await.unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].name, "Till 1");
    assert_eq!(s.audit(&auth.store_id).await.unwrap().len(), 1);
}

/// A database from before the server kept audit heads: migrating takes each device's last
/// audit entry in the log as its head, so that device's next push must continue it.
#[tokio::test]
async fn migrating_takes_each_chains_last_logged_entry_as_its_head() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    let (store, device) = (
        "0190a000-0000-7000-8000-00000000000a",
        "0190d000-0000-7000-8000-000000000001",
    );
    let (h1, h2) = ("1".repeat(64), "2".repeat(64));
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(include_str!("../migrations/0001_init.sql"))
            .unwrap();
        c.execute_batch(include_str!("../migrations/0002_store_key.sql"))
            .unwrap();
        c.pragma_update(None, "user_version", 2).unwrap();
        c.execute(
            "INSERT INTO stores (id, code, name, currency, created_at, next_seq)
             VALUES (?1, 'S1', 'Corner shop', 'EUR', '2026-03-01T09:00:00.000Z', 4)",
            [store],
        )
        .unwrap();
        c.execute(
            "INSERT INTO devices (id, store_id, code, name, token_hash, paired_at, acked_seq)
             VALUES (?1, ?2, '01', 'Till 1', ?3, '2026-03-01T09:00:00.000Z', 3)",
            rusqlite::params![device, store, "b".repeat(64)],
        )
        .unwrap();
        let zero = "0".repeat(64);
        for (seq, entity, payload) in [
            (
                1,
                "audit_log",
                serde_json::json!({"device_seq": 1, "prev_hash": zero, "hash": h1}),
            ),
            (
                2,
                "audit_log",
                serde_json::json!({"device_seq": 2, "prev_hash": h1, "hash": h2}),
            ),
            (3, "products", serde_json::json!({"name": "Tea"})),
        ] {
            c.execute(
                "INSERT INTO log (store_id, server_seq, change_id, device_id, device_seq, entity,
                                  entity_id, op, payload, hlc)
                 VALUES (?1, ?2, ?3, ?4, ?2, ?5, ?3, 'insert', ?6, 1)",
                rusqlite::params![
                    store,
                    seq,
                    format!("c{seq}"),
                    device,
                    entity,
                    payload.to_string()
                ],
            )
            .unwrap();
        }
    }
    let s = SqliteStorage::open(&path).unwrap();
    let page = s.pull(store, "nobody", 0, 100).await.unwrap();
    let heads: Vec<_> = page
        .audit_heads
        .iter()
        .map(|h| (h.device_id.as_str(), h.seq, h.hash.as_str(), h.server_seq))
        .collect();
    assert_eq!(heads, vec![(device, 2, h2.as_str(), 2)]);
}
