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
